/* SPDX-License-Identifier: MIT */
/* redis_tls.h - TLS for the redis check: OpenSSL over memory buffers, so that every byte still
 * goes through mcpwatch's deadline-bound, SIGPIPE-free socket calls.
 *
 * The TLS code is a helper object of its own (redis_tls_helper.so, beside redis.so) that the
 * check loads only when --tls is asked for: linking OpenSSL into redis.so would cost every
 * plain-text run from a shell the loading of libssl and libcrypto (about 3 times the CPU of the
 * whole check). The helper exports one table, versioned as the checks' own ABI is. */
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

#define REDIS_TLS_HELPER_ABI 1
#define REDIS_TLS_HELPER_FILE "redis_tls_helper.so"
#define REDIS_TLS_HELPER_ENTRY "redis_tls_helper_entry"

struct redis_tls_helper {
  int abi; /* REDIS_TLS_HELPER_ABI */
  /* NULL with a one-line reason naming the file when a certificate or key cannot be used. */
  struct redis_tls_context *(*context_new)(const struct redis_tls_config *config, char *err,
                                           size_t errlen);
  void (*context_free)(struct redis_tls_context *context);
  /* The handshake over the connected socket fd, before the deadline. 0 with *out set;
   * otherwise ETIMEDOUT or another errno value with a one-line reason in err. */
  int (*start)(struct redis_tls_context *context, int fd, const char *host, mw_deadline deadline,
               struct redis_tls **out, char *err, size_t errlen);
  void (*free)(struct redis_tls *tls);
  /* As mw_send_all: 0, ETIMEDOUT or another errno value (EPROTO: reason says why). */
  int (*send)(struct redis_tls *tls, const void *data, size_t len, mw_deadline deadline);
  /* As mw_recv_some: the count, 0 at the end of the stream, or -1 with errno set. */
  ssize_t (*recv)(struct redis_tls *tls, void *buf, size_t len, mw_deadline deadline);
  /* The reason for the last EPROTO. */
  const char *(*reason)(const struct redis_tls *tls);
  /* "TLSv1.3, TLS_AES_256_GCM_SHA384, certificate verified for NAME". */
  void (*describe)(const struct redis_tls *tls, char *out, size_t outlen);
};

/* The helper's one exported symbol. */
const struct redis_tls_helper *redis_tls_helper_entry(void);

/* In redis.so: the helper beside this object, loaded with RTLD_LOCAL. NULL with a one-line
 * reason in err when it is missing (a build without OpenSSL) or of another ABI. */
const struct redis_tls_helper *redis_tls_load(void **handle, char *err, size_t errlen);
void redis_tls_unload(void *handle);

#endif
