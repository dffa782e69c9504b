/* SPDX-License-Identifier: MIT */
/* tls_conn.h - a TLS handshake bounded by a deadline, after an optional STARTTLS exchange, that
 * keeps what the server presented: the chain, protocol, cipher and verification result. */
#ifndef TLS_CONN_H
#define TLS_CONN_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "mw_check.h"

enum starttls { STARTTLS_NONE, STARTTLS_POSTGRES, STARTTLS_SMTP };

struct tls_target {
  const char *host;    /* name validated and sent as SNI (unless sni says otherwise) */
  const char *connect; /* address to connect to: --ip, else host */
  int port;
  const char *sni; /* NULL: no SNI (an address literal) */
  enum starttls starttls;
  int min_version; /* TLS1_2_VERSION...; 0: OpenSSL's default */
  bool verify;
  const char *ca_cert; /* NULL: the system store */
};

enum tls_status { TLS_DONE, TLS_TIMED_OUT, TLS_FAILED };

struct tls_session {
  SSL_CTX *ctx;
  SSL *ssl;
  int fd;
  STACK_OF(X509) * chain; /* as the server sent it, leaf first; owned by ssl */
  long verify_result;     /* X509_V_OK when verified */
};

/* Connects, speaks STARTTLS when asked, and completes the handshake before the deadline. On
 * TLS_DONE the session holds the chain; otherwise err says why in one line. Always call
 * tls_session_close. */
enum tls_status tls_session_open(struct tls_session *session, const struct tls_target *target,
                                 mw_deadline deadline, char *err, size_t errlen);
void tls_session_close(struct tls_session *session);

#endif
