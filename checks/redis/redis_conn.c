/* SPDX-License-Identifier: MIT */
/* redis_conn.c - one Redis connection: deadline-bound commands with a capped reply size.
 *
 * hiredis' own blocking context bounds each read with SO_RCVTIMEO, which a server sending one
 * byte a second never trips. Here the socket is ours (poll against the run's deadline) and
 * hiredis only formats commands and parses replies. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redis_conn.h"
#include "redis_tls.h"

void redis_conn_init(struct redis_conn *conn)
{
  conn->fd = -1;
  conn->tls = NULL;
  conn->tls_helper = NULL;
  conn->reader = NULL;
  conn->where[0] = '\0';
}

void redis_conn_close(struct redis_conn *conn)
{
  if (conn->tls)
    conn->tls_helper->free(conn->tls);
  conn->tls = NULL;
  if (conn->fd >= 0)
    close(conn->fd);
  if (conn->reader)
    redisReaderFree(conn->reader);
  conn->fd = -1;
  conn->reader = NULL;
}

void redis_conn_describe(const struct redis_conn *conn, char *out, size_t outlen)
{
  out[0] = '\0';
  if (conn->tls)
    conn->tls_helper->describe(conn->tls, out, outlen);
}

static int conn_send(struct redis_conn *conn, const void *data, size_t len, mw_deadline deadline)
{
  if (conn->tls)
    return conn->tls_helper->send(conn->tls, data, len, deadline);
  return mw_send_all(conn->fd, data, len, deadline);
}

static ssize_t conn_recv(struct redis_conn *conn, void *buf, size_t len, mw_deadline deadline)
{
  if (conn->tls)
    return conn->tls_helper->recv(conn->tls, buf, len, deadline);
  return mw_recv_some(conn->fd, buf, len, deadline);
}

static enum redis_status fail(struct redis_conn *conn, int error, const char *what, char *err,
                              size_t errlen)
{
  if (error == ETIMEDOUT) {
    snprintf(err, errlen, "%s: timed out %s", conn->where, what);
    redis_conn_close(conn);
    return REDIS_TIMED_OUT;
  }
  if (error == EPROTO && conn->tls) {
    snprintf(err, errlen, "%s: %s: TLS: %s", conn->where, what,
             conn->tls_helper->reason(conn->tls));
    redis_conn_close(conn);
    return REDIS_FAILED;
  }
  snprintf(err, errlen, "%s: %s: %s", conn->where, what,
           error ? strerror(error) : "connection closed by the server");
  redis_conn_close(conn);
  return REDIS_FAILED;
}

static enum redis_status read_reply(struct redis_conn *conn, const char *name, redisReply **reply,
                                    mw_deadline deadline, char *err, size_t errlen)
{
  char chunk[16384];
  size_t received = 0;
  char what[64];

  snprintf(what, sizeof(what), "waiting for the answer to %s", name);
  for (;;) {
    void *parsed = NULL;
    ssize_t got;

    if (redisReaderGetReply(conn->reader, &parsed) != REDIS_OK) {
      snprintf(err, errlen, "%s: not a Redis answer to %s (%s)", conn->where, name,
               conn->reader->errstr);
      redis_conn_close(conn);
      return REDIS_FAILED;
    }
    if (parsed) {
      *reply = parsed;
      return REDIS_DONE;
    }
    got = conn_recv(conn, chunk, sizeof(chunk), deadline);
    if (got <= 0)
      return fail(conn, got == 0 ? 0 : errno, what, err, errlen);
    received += (size_t)got;
    if (received > REDIS_REPLY_MAX) {
      snprintf(err, errlen, "%s: answer to %s larger than %d bytes", conn->where, name,
               REDIS_REPLY_MAX);
      redis_conn_close(conn);
      return REDIS_FAILED;
    }
    if (redisReaderFeed(conn->reader, chunk, (size_t)got) != REDIS_OK) {
      snprintf(err, errlen, "out of memory reading the answer to %s", name);
      redis_conn_close(conn);
      return REDIS_FAILED;
    }
  }
}

enum redis_status redis_conn_command(struct redis_conn *conn, int argc, const char **argv,
                                     redisReply **reply, mw_deadline deadline, char *err,
                                     size_t errlen)
{
  size_t lens[8];
  char *cmd = NULL;
  int len;
  int i;
  int sent;

  if (conn->fd < 0 || argc < 1 || argc > 8) {
    snprintf(err, errlen, "internal error: bad command");
    return REDIS_FAILED;
  }
  for (i = 0; i < argc; i++)
    lens[i] = strlen(argv[i]);
  len = redisFormatCommandArgv(&cmd, argc, argv, lens);
  if (len < 0) {
    snprintf(err, errlen, "out of memory");
    return REDIS_FAILED;
  }
  sent = conn_send(conn, cmd, (size_t)len, deadline);
  redisFreeCommand(cmd);
  if (sent != 0) {
    char what[64];
    snprintf(what, sizeof(what), "sending %s", argv[0]);
    return fail(conn, sent, what, err, errlen);
  }
  return read_reply(conn, argv[0], reply, deadline, err, errlen);
}

/* AUTH or SELECT: anything but +OK ends the connection with the server's reason. */
static enum redis_status expect_ok(struct redis_conn *conn, int argc, const char **argv,
                                   const char *what, mw_deadline deadline, char *err, size_t errlen)
{
  redisReply *reply = NULL;
  enum redis_status status = redis_conn_command(conn, argc, argv, &reply, deadline, err, errlen);

  if (status != REDIS_DONE)
    return status;
  if (reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "OK") != 0) {
    snprintf(err, errlen, "%s: %s failed: %s", conn->where, what,
             reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected answer");
    status = REDIS_FAILED;
    redis_conn_close(conn);
  }
  freeReplyObject(reply);
  return status;
}

enum redis_status redis_conn_open(struct redis_conn *conn, const struct redis_target *target,
                                  mw_deadline deadline, char *err, size_t errlen)
{
  char password[1024];
  const char *secret = NULL;
  enum redis_status status;
  char db[32];

  if (conn->fd >= 0)
    return REDIS_DONE;
  if (target->socket)
    snprintf(conn->where, sizeof(conn->where), "%s", target->socket);
  else
    snprintf(conn->where, sizeof(conn->where), "%s:%d", target->host, target->port);
  if (target->password_file) {
    if (mw_read_secret_file(target->password_file, password, sizeof(password), err, errlen) != 0)
      return REDIS_BAD_INPUT;
    secret = password;
  } else {
    secret = getenv("REDISCLI_AUTH");
  }
  conn->fd = mw_connect(target->socket ? target->socket : target->host, target->port, deadline, err,
                        errlen);
  if (conn->fd < 0)
    return mw_deadline_passed(deadline) ? REDIS_TIMED_OUT : REDIS_FAILED;
  if (target->tls) {
    char reason[400];
    int rc = target->tls_helper->start(target->tls, conn->fd, target->host, deadline, &conn->tls,
                                       reason, sizeof(reason));

    conn->tls_helper = target->tls_helper;
    if (rc != 0) {
      snprintf(err, errlen, "%s: %s", conn->where, reason);
      status = rc == ETIMEDOUT ? REDIS_TIMED_OUT : REDIS_FAILED;
      goto out;
    }
  }
  conn->reader = redisReaderCreate();
  if (!conn->reader) {
    snprintf(err, errlen, "out of memory");
    status = REDIS_FAILED;
    goto out;
  }
  status = REDIS_DONE;
  if (secret && *secret) {
    const char *argv[3] = {"AUTH", target->user ? target->user : secret, secret};
    status = expect_ok(conn, target->user ? 3 : 2, argv, "authentication", deadline, err, errlen);
  }
  if (status == REDIS_DONE && target->database != 0) {
    const char *argv[2] = {"SELECT", db};
    snprintf(db, sizeof(db), "%lld", target->database);
    status = expect_ok(conn, 2, argv, "SELECT", deadline, err, errlen);
  }
out:
  explicit_bzero(password, sizeof(password));
  if (status != REDIS_DONE)
    redis_conn_close(conn);
  return status;
}
