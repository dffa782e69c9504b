/* SPDX-License-Identifier: MIT */
/* redis_tls.h - TLS for the redis check: OpenSSL over memory buffers, so that every byte still
 * goes through mcpwatch's deadline-bound, SIGPIPE-free socket calls. */
#ifndef REDIS_TLS_H
#define REDIS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mw_check.h"

struct redis_tls_config {
  const char *ca_cert;     /* NULL: the system's CA store */
  const char *client_cert; /* with client_key, for servers with tls-auth-clients yes */
  const char *client_key;
  const char *sni; /* the name sent and verified; NULL: the host (no SNI for an address) */
  bool insecure;   /* no verification of the server's certificate */
};

/* The certificates and keys, loaded once when the check opens. */
struct redis_tls_context;
/* One connection's TLS state. */
struct redis_tls;

/* NULL with a one-line reason naming the file when a certificate or key cannot be used. */
struct redis_tls_context *redis_tls_context_new(const struct redis_tls_config *config, char *err,
                                                size_t errlen);
void redis_tls_context_free(struct redis_tls_context *context);

/* The handshake over the connected socket fd, before the deadline. 0 with *out set; otherwise
 * ETIMEDOUT or another errno value with a one-line reason in err. */
int redis_tls_start(struct redis_tls_context *context, int fd, const char *host,
                    mw_deadline deadline, struct redis_tls **out, char *err, size_t errlen);
void redis_tls_free(struct redis_tls *tls);

/* As mw_send_all: 0, ETIMEDOUT or another errno value (EPROTO: redis_tls_reason says why). */
int redis_tls_send(struct redis_tls *tls, const void *data, size_t len, mw_deadline deadline);
/* As mw_recv_some: the count, 0 at the end of the stream, or -1 with errno set. */
ssize_t redis_tls_recv(struct redis_tls *tls, void *buf, size_t len, mw_deadline deadline);
/* The reason for the last EPROTO. */
const char *redis_tls_reason(const struct redis_tls *tls);
/* "TLSv1.3, TLS_AES_256_GCM_SHA384, certificate verified for NAME". */
void redis_tls_describe(const struct redis_tls *tls, char *out, size_t outlen);

#endif
