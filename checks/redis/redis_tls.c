/* SPDX-License-Identifier: MIT */
/* redis_tls.c - TLS for the redis check.
 *
 * OpenSSL reads from and writes to memory BIOs; this file moves their bytes with mw_send_all and
 * mw_recv_some. Each wait is bounded by the run's deadline (OpenSSL's own socket BIO would block
 * or need a loop like this one anyway), and a server that closes mid-write cannot raise SIGPIPE
 * in the agent or in collectd, since only MSG_NOSIGNAL sends touch the socket. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_tls.h"

static void redis_tls_context_free(struct redis_tls_context *context);
static void redis_tls_free(struct redis_tls *tls);

struct redis_tls_context {
  SSL_CTX *ctx;
  char sni[256]; /* empty: the host */
  bool insecure;
};

struct redis_tls {
  SSL *ssl;
  BIO *in;  /* bytes from the server, fed by us; owned by ssl */
  BIO *out; /* bytes for the server, drained by us; owned by ssl */
  int fd;
  char name[256]; /* the name or address verified */
  bool insecure;
  char reason[200];
};

/* The last OpenSSL error of this thread as its reason text ("wrong version number"), or the
 * fallback; the thread's error queue is left empty either way. */
static void openssl_reason(const char *fallback, char *out, size_t outlen)
{
  unsigned long code = ERR_peek_last_error();
  const char *text = code ? ERR_reason_error_string(code) : NULL;

  snprintf(out, outlen, "%s", text ? text : fallback);
  ERR_clear_error();
}

/* fopen first, so that a missing or unreadable file is named with the system's reason rather
 * than OpenSSL's "system lib". */
static int readable(const char *option, const char *path, char *err, size_t errlen)
{
  FILE *f = fopen(path, "r");

  if (!f) {
    snprintf(err, errlen, "%s %s: %s", option, path, strerror(errno));
    return -1;
  }
  fclose(f);
  return 0;
}

static int load_files(SSL_CTX *ctx, const struct redis_tls_config *config, char *err, size_t errlen)
{
  char reason[160];

  if (!config->insecure) {
    if (config->ca_cert) {
      if (readable("--ca-cert", config->ca_cert, err, errlen) != 0)
        return -1;
      if (SSL_CTX_load_verify_locations(ctx, config->ca_cert, NULL) != 1) {
        openssl_reason("no certificate", reason, sizeof(reason));
        snprintf(err, errlen, "--ca-cert %s: not a PEM certificate file (%s)", config->ca_cert,
                 reason);
        return -1;
      }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      openssl_reason("unknown error", reason, sizeof(reason));
      snprintf(err, errlen, "the system's CA certificates cannot be loaded (%s)", reason);
      return -1;
    }
  }
  if (!config->client_cert)
    return 0;
  if (readable("--client-cert", config->client_cert, err, errlen) != 0 ||
      readable("--client-key", config->client_key, err, errlen) != 0)
    return -1;
  if (SSL_CTX_use_certificate_chain_file(ctx, config->client_cert) != 1) {
    openssl_reason("no certificate", reason, sizeof(reason));
    snprintf(err, errlen, "--client-cert %s: not a PEM certificate file (%s)", config->client_cert,
             reason);
    return -1;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, config->client_key, SSL_FILETYPE_PEM) != 1) {
    unsigned long code = ERR_peek_last_error();

    if (ERR_GET_LIB(code) == ERR_LIB_X509 && ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      snprintf(err, errlen, "--client-key %s is not the key of --client-cert %s",
               config->client_key, config->client_cert);
      return -1;
    }
    openssl_reason("no key", reason, sizeof(reason));
    snprintf(err, errlen, "--client-key %s: not a PEM private key file (%s)", config->client_key,
             reason);
    return -1;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    snprintf(err, errlen, "--client-key %s is not the key of --client-cert %s", config->client_key,
             config->client_cert);
    return -1;
  }
  return 0;
}

static struct redis_tls_context *redis_tls_context_new(const struct redis_tls_config *config,
                                                       char *err, size_t errlen)
{
  struct redis_tls_context *context = calloc(1, sizeof(*context));
  char reason[160];

  if (!context) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  context->insecure = config->insecure;
  if (config->sni && snprintf(context->sni, sizeof(context->sni), "%s", config->sni) >=
                         (int)sizeof(context->sni)) {
    snprintf(err, errlen, "--sni: longer than %zu bytes", sizeof(context->sni) - 1);
    goto fail;
  }
  context->ctx = SSL_CTX_new(TLS_client_method());
  if (!context->ctx) {
    openssl_reason("unknown error", reason, sizeof(reason));
    snprintf(err, errlen, "OpenSSL: cannot create a context (%s)", reason);
    goto fail;
  }
  /* Redis 6 and later speak TLS 1.2 and 1.3; anything older is a misconfigured proxy. */
  if (SSL_CTX_set_min_proto_version(context->ctx, TLS1_2_VERSION) != 1 ||
      load_files(context->ctx, config, err, errlen) != 0)
    goto fail;
  SSL_CTX_set_verify(context->ctx, config->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_mode(context->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
  return context;
fail:
  ERR_clear_error();
  redis_tls_context_free(context);
  return NULL;
}

static void redis_tls_context_free(struct redis_tls_context *context)
{
  if (!context)
    return;
  SSL_CTX_free(context->ctx);
  free(context);
}

/* Sends what OpenSSL has written to the out BIO: 0 or an errno value. */
static int flush_out(struct redis_tls *tls, mw_deadline deadline)
{
  char chunk[16384];

  while (BIO_ctrl_pending(tls->out) > 0) {
    int n = BIO_read(tls->out, chunk, sizeof(chunk));
    int rc;

    if (n <= 0)
      return EIO;
    rc = mw_send_all(tls->fd, chunk, (size_t)n, deadline);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* Receives what the server sent into the in BIO: the count, 0 at the end of the stream, or -1
 * with errno set. */
static ssize_t fill_in(struct redis_tls *tls, mw_deadline deadline)
{
  char chunk[16384];
  ssize_t got = mw_recv_some(tls->fd, chunk, sizeof(chunk), deadline);

  if (got > 0 && BIO_write(tls->in, chunk, (int)got) != (int)got) {
    errno = ENOMEM;
    return -1;
  }
  return got;
}

static bool is_address(const char *host)
{
  unsigned char buf[sizeof(struct in6_addr)];

  return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int handshake_failed(struct redis_tls *tls, int code, char *err, size_t errlen)
{
  long verified = SSL_get_verify_result(tls->ssl);
  char reason[160];

  if (code == SSL_ERROR_SSL && verified != X509_V_OK) {
    ERR_clear_error();
    snprintf(err, errlen, "TLS: the server's certificate is not trusted for %s: %s", tls->name,
             X509_verify_cert_error_string(verified));
  } else {
    openssl_reason("the server closed the connection", reason, sizeof(reason));
    snprintf(err, errlen, "TLS handshake: %s", reason);
  }
  return EPROTO;
}

static int handshake(struct redis_tls *tls, mw_deadline deadline, char *err, size_t errlen)
{
  for (;;) {
    int rc = SSL_do_handshake(tls->ssl);
    int code = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(tls->ssl, rc);
    int sent = flush_out(tls, deadline);
    ssize_t got;

    if (sent != 0) {
      snprintf(err, errlen, "TLS handshake: %s",
               sent == ETIMEDOUT ? "timed out sending" : strerror(sent));
      return sent;
    }
    if (code == SSL_ERROR_NONE)
      return 0;
    if (code != SSL_ERROR_WANT_READ)
      return handshake_failed(tls, code, err, errlen);
    got = fill_in(tls, deadline);
    if (got < 0) {
      int error = errno;

      snprintf(err, errlen, "TLS handshake: %s",
               error == ETIMEDOUT ? "timed out waiting for the server" : strerror(error));
      return error;
    }
    if (got == 0) {
      snprintf(err, errlen,
               "TLS handshake: the server closed the connection (is this port "
               "Redis's tls-port?)");
      return EPROTO;
    }
  }
}

static int redis_tls_start(struct redis_tls_context *context, int fd, const char *host,
                           mw_deadline deadline, struct redis_tls **out, char *err, size_t errlen)
{
  struct redis_tls *tls = calloc(1, sizeof(*tls));
  const char *name = context->sni[0] ? context->sni : host;
  int result = ENOMEM;

  *out = NULL;
  if (!tls) {
    snprintf(err, errlen, "out of memory");
    return ENOMEM;
  }
  tls->fd = fd;
  tls->insecure = context->insecure;
  snprintf(tls->name, sizeof(tls->name), "%s", name);
  tls->ssl = SSL_new(context->ctx);
  tls->in = BIO_new(BIO_s_mem());
  tls->out = BIO_new(BIO_s_mem());
  if (!tls->ssl || !tls->in || !tls->out) {
    BIO_free(tls->in);
    BIO_free(tls->out);
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  SSL_set_bio(tls->ssl, tls->in, tls->out);
  SSL_set_connect_state(tls->ssl);
  result = EPROTO;
  if (is_address(name)) {
    if (!context->insecure && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls->ssl), name) != 1) {
      snprintf(err, errlen, "TLS: %s cannot be verified", name);
      goto fail;
    }
  } else if (SSL_set_tlsext_host_name(tls->ssl, name) != 1 ||
             (!context->insecure && SSL_set1_host(tls->ssl, name) != 1)) {
    snprintf(err, errlen, "TLS: %s cannot be sent as the server name", name);
    goto fail;
  }
  result = handshake(tls, deadline, err, errlen);
  if (result != 0)
    goto fail;
  *out = tls;
  return 0;
fail:
  ERR_clear_error();
  redis_tls_free(tls);
  return result;
}

static void redis_tls_free(struct redis_tls *tls)
{
  if (!tls)
    return;
  SSL_free(tls->ssl); /* frees both BIOs once set */
  free(tls);
}

static void protocol_error(struct redis_tls *tls, const char *fallback)
{
  openssl_reason(fallback, tls->reason, sizeof(tls->reason));
  errno = EPROTO;
}

static int redis_tls_send(struct redis_tls *tls, const void *data, size_t len, mw_deadline deadline)
{
  const char *at = data;

  while (len > 0) {
    int rc = SSL_write(tls->ssl, at, len > 65536 ? 65536 : (int)len);
    int code = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(tls->ssl, rc);
    int sent = flush_out(tls, deadline);
    ssize_t got;

    if (sent != 0)
      return sent;
    if (rc > 0) {
      at += rc;
      len -= (size_t)rc;
      continue;
    }
    if (code != SSL_ERROR_WANT_READ) {
      protocol_error(tls, "the connection failed");
      return EPROTO;
    }
    got = fill_in(tls, deadline);
    if (got <= 0)
      return got == 0 ? EPIPE : errno;
  }
  return 0;
}

static ssize_t redis_tls_recv(struct redis_tls *tls, void *buf, size_t len, mw_deadline deadline)
{
  for (;;) {
    int rc = SSL_read(tls->ssl, buf, len > 65536 ? 65536 : (int)len);
    int code = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(tls->ssl, rc);
    int sent = flush_out(tls, deadline); /* a key update may need an answer */
    ssize_t got;

    if (rc > 0)
      return rc;
    if (sent != 0) {
      errno = sent;
      return -1;
    }
    if (code == SSL_ERROR_ZERO_RETURN)
      return 0;
    if (code != SSL_ERROR_WANT_READ) {
      protocol_error(tls, "the connection failed");
      return -1;
    }
    got = fill_in(tls, deadline);
    if (got <= 0)
      return got;
  }
}

static const char *redis_tls_reason(const struct redis_tls *tls)
{
  return tls->reason[0] ? tls->reason : "TLS error";
}

static void redis_tls_describe(const struct redis_tls *tls, char *out, size_t outlen)
{
  if (tls->insecure)
    snprintf(out, outlen, "%s, %s, certificate not verified (--insecure)",
             SSL_get_version(tls->ssl), SSL_get_cipher_name(tls->ssl));
  else
    snprintf(out, outlen, "%s, %s, certificate verified for %s", SSL_get_version(tls->ssl),
             SSL_get_cipher_name(tls->ssl), tls->name);
}

static const struct redis_tls_helper helper = {
    REDIS_TLS_HELPER_ABI, redis_tls_context_new, redis_tls_context_free,
    redis_tls_start,      redis_tls_free,        redis_tls_send,
    redis_tls_recv,       redis_tls_reason,      redis_tls_describe};

const struct redis_tls_helper *redis_tls_helper_entry(void)
{
  return &helper;
}
