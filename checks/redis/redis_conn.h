/* SPDX-License-Identifier: MIT */
/* redis_conn.h - one Redis connection: deadline-bound commands over a plain socket or TLS,
 * parsed by hiredis' reply reader, with a cap on the size of a reply. */
#ifndef REDIS_CONN_H
#define REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "mw_check.h"

/* INFO is a few KiB; anything near this size is a server that should not be believed. */
#define REDIS_REPLY_MAX (1024 * 1024)

struct redis_tls;
struct redis_tls_context;
struct redis_tls_helper;

struct redis_conn {
  int fd;                /* -1 when not connected */
  struct redis_tls *tls; /* NULL: plain text */
  const struct redis_tls_helper *tls_helper;
  redisReader *reader;
  char where[160]; /* "host:port" or the socket path, to start error messages */
};

struct redis_target {
  const char *host;
  int port;
  const char *socket; /* unix socket path, or NULL */
  const char *user;   /* ACL user, or NULL for the legacy AUTH */
  const char *password_file;
  long long database;
  struct redis_tls_context *tls;             /* NULL: plain text */
  const struct redis_tls_helper *tls_helper; /* with tls: the loaded helper's table */
};

enum redis_status {
  REDIS_DONE,      /* *reply set; it may still be an error reply */
  REDIS_FAILED,    /* err says why; the connection is closed */
  REDIS_TIMED_OUT, /* err says during what; the connection is closed */
  REDIS_BAD_INPUT  /* the password file cannot be read; err says why */
};

void redis_conn_init(struct redis_conn *conn);
void redis_conn_close(struct redis_conn *conn);
/* What the connection's TLS is ("TLSv1.3, CIPHER, certificate verified for NAME"), or "" for
 * plain text or a closed connection. */
void redis_conn_describe(const struct redis_conn *conn, char *out, size_t outlen);
/* Connects, authenticates and selects the database unless already connected. */
enum redis_status redis_conn_open(struct redis_conn *conn, const struct redis_target *target,
                                  mw_deadline deadline, char *err, size_t errlen);
/* One command; on REDIS_DONE the caller frees *reply with freeReplyObject(). */
enum redis_status redis_conn_command(struct redis_conn *conn, int argc, const char **argv,
                                     redisReply **reply, mw_deadline deadline, char *err,
                                     size_t errlen);

#endif
