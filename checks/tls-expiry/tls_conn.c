/* SPDX-License-Identifier: MIT */
/* tls_conn.c - STARTTLS preambles and a non-blocking OpenSSL handshake, each step bounded by
 * the run's deadline. */
#include "config.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tls_conn.h"

#define SMTP_LINE_MAX 1024
#define SMTP_LINES_MAX 64

/* PostgreSQL's SSLRequest: length 8, code 80877103. The server answers one byte. */
static enum tls_status postgres_preamble(int fd, mw_deadline deadline, char *err, size_t errlen)
{
  static const unsigned char request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
  char answer;
  ssize_t n;
  int rc = mw_send_all(fd, request, sizeof(request), deadline);

  if (rc != 0) {
    snprintf(err, errlen, "sending SSLRequest: %s", strerror(rc));
    return rc == ETIMEDOUT ? TLS_TIMED_OUT : TLS_FAILED;
  }
  n = mw_recv_some(fd, &answer, 1, deadline);
  if (n < 0) {
    snprintf(err, errlen, "waiting for the SSLRequest answer: %s", strerror(errno));
    return errno == ETIMEDOUT ? TLS_TIMED_OUT : TLS_FAILED;
  }
  if (n == 0 || (answer != 'S' && answer != 'N')) {
    snprintf(err, errlen, "the server does not answer SSLRequest as PostgreSQL does");
    return TLS_FAILED;
  }
  if (answer == 'N') {
    snprintf(err, errlen, "PostgreSQL refuses SSL (ssl = off)");
    return TLS_FAILED;
  }
  return TLS_DONE;
}

/* Reads one SMTP reply (all its lines) and returns its code, or -1 with err set. Reads a byte
 * at a time: the TLS handshake must start right after the last line. */
static int smtp_reply(int fd, mw_deadline deadline, bool *has_starttls, char *err, size_t errlen)
{
  char line[SMTP_LINE_MAX];
  size_t len = 0;
  int lines = 0;

  for (;;) {
    char c;
    ssize_t n = mw_recv_some(fd, &c, 1, deadline);

    if (n <= 0) {
      snprintf(err, errlen, "SMTP: %s",
               n == 0               ? "the server closed the connection"
               : errno == ETIMEDOUT ? "no answer in time"
                                    : strerror(errno));
      return n < 0 && errno == ETIMEDOUT ? -2 : -1;
    }
    if (c != '\n') {
      if (len + 1 >= sizeof(line)) {
        snprintf(err, errlen, "SMTP: a reply line longer than %d bytes", SMTP_LINE_MAX);
        return -1;
      }
      line[len++] = c;
      continue;
    }
    if (len > 0 && line[len - 1] == '\r')
      len--;
    line[len] = '\0';
    if (len < 3 || line[0] < '2' || line[0] > '5' || ++lines > SMTP_LINES_MAX) {
      snprintf(err, errlen, "SMTP: not an SMTP reply: %.60s", line);
      return -1;
    }
    if (has_starttls && len >= 12 && strncasecmp(line + 4, "STARTTLS", 8) == 0)
      *has_starttls = true;
    if (len == 3 || line[3] == ' ')
      return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    len = 0;
  }
}

static enum tls_status smtp_preamble(int fd, mw_deadline deadline, char *err, size_t errlen)
{
  static const char ehlo[] = "EHLO mcpwatch\r\n";
  static const char starttls[] = "STARTTLS\r\n";
  bool offered = false;
  int code = smtp_reply(fd, deadline, NULL, err, errlen);

  if (code == 220 && mw_send_all(fd, ehlo, sizeof(ehlo) - 1, deadline) == 0)
    code = smtp_reply(fd, deadline, &offered, err, errlen);
  else if (code > 0)
    snprintf(err, errlen, "SMTP: greeting %d instead of 220", code);
  if (code == 250 && !offered) {
    snprintf(err, errlen, "SMTP: the server does not offer STARTTLS");
    return TLS_FAILED;
  }
  if (code == 250 && mw_send_all(fd, starttls, sizeof(starttls) - 1, deadline) == 0) {
    code = smtp_reply(fd, deadline, NULL, err, errlen);
    if (code == 220)
      return TLS_DONE;
    if (code > 0)
      snprintf(err, errlen, "SMTP: STARTTLS answered %d", code);
  }
  return code == -2 || mw_deadline_passed(deadline) ? TLS_TIMED_OUT : TLS_FAILED;
}

/* The first OpenSSL error of this thread, or a fallback. */
static void ssl_reason(const char *fallback, char *err, size_t errlen)
{
  unsigned long code = ERR_get_error();
  char text[256];

  if (!code) {
    snprintf(err, errlen, "%s", fallback);
    return;
  }
  ERR_error_string_n(code, text, sizeof(text));
  /* "error:0A00010B:SSL routines::wrong version number": the reason is the last part. */
  snprintf(err, errlen, "TLS handshake: %s", strrchr(text, ':') ? strrchr(text, ':') + 1 : text);
  ERR_clear_error();
}

static enum tls_status handshake(struct tls_session *s, mw_deadline deadline, char *err,
                                 size_t errlen)
{
  for (;;) {
    int rc = SSL_connect(s->ssl);
    int wait;

    if (rc == 1)
      return TLS_DONE;
    switch (SSL_get_error(s->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
      wait = mw_wait_fd(s->fd, POLLIN, deadline);
      break;
    case SSL_ERROR_WANT_WRITE:
      wait = mw_wait_fd(s->fd, POLLOUT, deadline);
      break;
    case SSL_ERROR_SYSCALL:
      ssl_reason("TLS handshake: the server closed the connection", err, errlen);
      return TLS_FAILED;
    default:
      ssl_reason("TLS handshake failed", err, errlen);
      return TLS_FAILED;
    }
    if (wait == ETIMEDOUT) {
      snprintf(err, errlen, "TLS handshake: no answer in time");
      return TLS_TIMED_OUT;
    }
    if (wait != 0) {
      snprintf(err, errlen, "TLS handshake: %s", strerror(wait));
      return TLS_FAILED;
    }
  }
}

static enum tls_status setup(struct tls_session *s, const struct tls_target *t, char *err,
                             size_t errlen)
{
  s->ctx = SSL_CTX_new(TLS_client_method());
  if (!s->ctx) {
    ssl_reason("OpenSSL: cannot create a context", err, errlen);
    return TLS_FAILED;
  }
  if (t->verify && !(t->ca_cert ? SSL_CTX_load_verify_locations(s->ctx, t->ca_cert, NULL)
                                : SSL_CTX_set_default_verify_paths(s->ctx))) {
    ssl_reason("cannot load the CA certificates", err, errlen);
    return TLS_FAILED;
  }
  s->ssl = SSL_new(s->ctx);
  if (!s->ssl || (t->min_version && !SSL_set_min_proto_version(s->ssl, t->min_version)) ||
      (t->verify && !SSL_set1_host(s->ssl, t->host)) ||
      (t->sni && !SSL_set_tlsext_host_name(s->ssl, t->sni))) {
    ssl_reason("OpenSSL: cannot set up the connection", err, errlen);
    return TLS_FAILED;
  }
  /* The handshake completes whatever the certificate, key size or cipher: the check reports on
   * them, and judges the verification result itself. Only --min-tls-version refuses. */
  SSL_set_verify(s->ssl, SSL_VERIFY_NONE, NULL);
  SSL_set_security_level(s->ssl, 0);
  if (!SSL_set_cipher_list(s->ssl, "ALL:@SECLEVEL=0")) {
    ssl_reason("OpenSSL: cannot set the cipher list", err, errlen);
    return TLS_FAILED;
  }
  return TLS_DONE;
}

enum tls_status tls_session_open(struct tls_session *s, const struct tls_target *t,
                                 mw_deadline deadline, char *err, size_t errlen)
{
  enum tls_status status;

  memset(s, 0, sizeof(*s));
  s->fd = -1;
  ERR_clear_error();
  status = setup(s, t, err, errlen);
  if (status != TLS_DONE)
    return status;
  s->fd = mw_connect(t->connect, t->port, deadline, err, errlen);
  if (s->fd < 0)
    return mw_deadline_passed(deadline) ? TLS_TIMED_OUT : TLS_FAILED;
  if (t->starttls == STARTTLS_POSTGRES)
    status = postgres_preamble(s->fd, deadline, err, errlen);
  else if (t->starttls == STARTTLS_SMTP)
    status = smtp_preamble(s->fd, deadline, err, errlen);
  if (status != TLS_DONE)
    return status;
  if (!SSL_set_fd(s->ssl, s->fd)) {
    ssl_reason("OpenSSL: cannot use the socket", err, errlen);
    return TLS_FAILED;
  }
  status = handshake(s, deadline, err, errlen);
  if (status != TLS_DONE)
    return status;
  s->chain = SSL_get_peer_cert_chain(s->ssl);
  s->verify_result = SSL_get_verify_result(s->ssl);
  if (!s->chain || sk_X509_num(s->chain) == 0) {
    snprintf(err, errlen, "the server presented no certificate");
    return TLS_FAILED;
  }
  return TLS_DONE;
}

void tls_session_close(struct tls_session *s)
{
  if (s->ssl)
    SSL_free(s->ssl);
  if (s->ctx)
    SSL_CTX_free(s->ctx);
  if (s->fd >= 0)
    close(s->fd);
  memset(s, 0, sizeof(*s));
  s->fd = -1;
}
