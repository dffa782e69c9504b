/* SPDX-License-Identifier: MIT */
/* postgres_conn.c - one PostgreSQL connection, non-blocking, bounded by the run's deadline.
 *
 * Parameters go to PQconnectStartParams one by one: a host or password containing spaces or
 * quotes can never turn into another connection option. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "postgres_conn.h"

void pg_conn_init(struct pg_conn *pg)
{
  pg->conn = NULL;
  pg->where[0] = '\0';
}

void pg_conn_close(struct pg_conn *pg)
{
  if (pg->conn)
    PQfinish(pg->conn);
  pg->conn = NULL;
}

/* libpq's messages run over several lines ("connection to server ... failed: ...\n\tIs the
 * server running ..."): the first line says it. */
static void first_line(const char *message, char *out, size_t outlen)
{
  size_t len = strcspn(message, "\n");

  while (len > 0 && (message[len - 1] == ' ' || message[len - 1] == '.'))
    len--;
  snprintf(out, outlen, "%.*s", (int)len, message);
}

static void fail_message(struct pg_conn *pg, const char *what, char *err, size_t errlen)
{
  char line[400];

  first_line(pg->conn ? PQerrorMessage(pg->conn) : "out of memory", line, sizeof(line));
  snprintf(err, errlen, "%s: %s%s%s", pg->where, what, *what ? ": " : "", line);
}

/* ---- cancelling a query the deadline cut short ---- */

/* How long past its deadline a run waits for the cancel request to be sent. */
#define CANCEL_WAIT_NS (300LL * 1000000LL)

/* PQcancel connects to the server and blocks while it does, without a bound (libpq 15 has no
 * non-blocking cancel): it runs on a thread of its own, which the run waits for only briefly;
 * whichever of the two finishes last frees the job. */
struct cancel_job {
  pthread_mutex_t lock;
  pthread_cond_t done_cond;
  int refs;
  bool done;
  PGcancel *cancel;
};

static void cancel_release(struct cancel_job *job)
{
  bool last;

  pthread_mutex_lock(&job->lock);
  last = --job->refs == 0;
  pthread_mutex_unlock(&job->lock);
  if (!last)
    return;
  PQfreeCancel(job->cancel);
  pthread_cond_destroy(&job->done_cond);
  pthread_mutex_destroy(&job->lock);
  free(job);
}

static void *cancel_thread(void *arg)
{
  struct cancel_job *job = arg;
  char errbuf[256];

  PQcancel(job->cancel, errbuf, sizeof(errbuf));
  pthread_mutex_lock(&job->lock);
  job->done = true;
  pthread_cond_signal(&job->done_cond);
  pthread_mutex_unlock(&job->lock);
  cancel_release(job);
  return NULL;
}

/* Asks the server to stop the running query: without it, the query goes on after we hang up
 * (pg_sleep or a lock wait never notices), and a monitor that times out every interval piles up
 * busy backends until the server refuses connections. statement_timeout is the bound when the
 * request cannot be sent. */
static void cancel_query(struct pg_conn *pg)
{
  struct cancel_job *job = calloc(1, sizeof(*job));
  pthread_condattr_t attr;
  pthread_t thread;
  struct timespec until;
  int64_t limit = mw_now_ns() + CANCEL_WAIT_NS;
  bool joined = false;

  if (!job || !(job->cancel = PQgetCancel(pg->conn))) {
    free(job);
    return;
  }
  pthread_mutex_init(&job->lock, NULL);
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&job->done_cond, &attr);
  pthread_condattr_destroy(&attr);
  job->refs = 2;
  if (pthread_create(&thread, NULL, cancel_thread, job) != 0) {
    job->refs = 1;
    cancel_release(job);
    return;
  }
  until.tv_sec = (time_t)(limit / 1000000000LL);
  until.tv_nsec = (long)(limit % 1000000000LL);
  pthread_mutex_lock(&job->lock);
  while (!job->done && pthread_cond_timedwait(&job->done_cond, &job->lock, &until) == 0)
    ;
  joined = job->done;
  pthread_mutex_unlock(&job->lock);
  if (joined)
    pthread_join(thread, NULL);
  else
    pthread_detach(thread);
  cancel_release(job);
}

static enum pg_status timed_out(struct pg_conn *pg, const char *what, char *err, size_t errlen)
{
  snprintf(err, errlen, "%s: timed out %s", pg->where, what);
  pg_conn_close(pg);
  return PG_TIMED_OUT;
}

/* Server notices (RAISE NOTICE, warnings) are not the check's to show: libpq would print them
 * on stderr as they come, where a hostile server's text would land in the agent's log. */
static void drop_notice(void *arg, const char *message)
{
  (void)arg;
  (void)message;
}

static void add_param(const char **keys, const char **values, int *n, const char *key,
                      const char *value)
{
  if (!value)
    return;
  keys[*n] = key;
  values[(*n)++] = value;
}

#define MAX_ADDRS 8

/* libpq resolves host names with a getaddrinfo() no deadline bounds: a DNS server that never
 * answers would hold the check for the resolver's own timeouts. A single host name is resolved
 * here, within the deadline, and given as hostaddr (host stays for TLS verification and
 * messages), one entry per address so that libpq still tries each in turn. Socket folders,
 * addresses, host lists and service files are left to libpq. 1 when hosts/addrs were filled,
 * 0 when there is nothing to do, -1 with err on failure. */
static int resolve_host(const struct pg_target *target, mw_deadline deadline, char *hosts,
                        size_t hosts_len, char *addrs, size_t addrs_len, char *err, size_t errlen)
{
  struct addrinfo *list = NULL;
  struct addrinfo *ai;
  int port = target->port ? atoi(target->port) : 5432;
  size_t count = 0;
  size_t used_h = 0;
  size_t used_a = 0;

  if (!target->host || !*target->host || target->host[0] == '/' || strchr(target->host, ',') ||
      target->service)
    return 0;
  if (mw_resolve(target->host, port > 0 && port < 65536 ? port : 5432, SOCK_STREAM, deadline, &list,
                 err, errlen) != 0)
    return -1;
  hosts[0] = addrs[0] = '\0';
  for (ai = list; ai && count < MAX_ADDRS; ai = ai->ai_next) {
    char numeric[NI_MAXHOST];
    int wrote_h;
    int wrote_a;

    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, numeric, sizeof(numeric), NULL, 0,
                    NI_NUMERICHOST) != 0)
      continue;
    wrote_h = snprintf(hosts + used_h, hosts_len - used_h, "%s%s", count ? "," : "", target->host);
    wrote_a = snprintf(addrs + used_a, addrs_len - used_a, "%s%s", count ? "," : "", numeric);
    if (wrote_h < 0 || (size_t)wrote_h >= hosts_len - used_h || wrote_a < 0 ||
        (size_t)wrote_a >= addrs_len - used_a)
      break;
    used_h += (size_t)wrote_h;
    used_a += (size_t)wrote_a;
    count++;
  }
  freeaddrinfo(list);
  if (count == 0) {
    snprintf(err, errlen, "cannot resolve %s: no usable address", target->host);
    return -1;
  }
  hosts[used_h] = addrs[used_a] = '\0';
  return 1;
}

enum pg_status pg_conn_open(struct pg_conn *pg, const struct pg_target *target,
                            mw_deadline deadline, double *connect_s, char *err, size_t errlen)
{
  const char *keys[12];
  const char *values[12];
  char options[64];
  int left_ms;
  char hosts[MAX_ADDRS * 256];
  char addrs[MAX_ADDRS * (NI_MAXHOST + 1)];
  char why[300];
  int resolved;
  char password[1024];
  PostgresPollingStatusType poll_status = PGRES_POLLING_WRITING;
  enum pg_status result = PG_DONE;
  int64_t started = mw_now_ns();
  int n = 0;

  *connect_s = NAN;
  if (pg->conn)
    return PG_DONE;
  snprintf(pg->where, sizeof(pg->where), "%s%s%s", target->host ? target->host : "PostgreSQL",
           target->port ? ":" : "", target->port ? target->port : "");
  resolved =
      resolve_host(target, deadline, hosts, sizeof(hosts), addrs, sizeof(addrs), why, sizeof(why));
  if (resolved < 0) {
    snprintf(err, errlen, "%s: %s", pg->where, why);
    return mw_deadline_passed(deadline) ? PG_TIMED_OUT : PG_FAILED;
  }
  add_param(keys, values, &n, "host", resolved ? hosts : target->host);
  if (resolved)
    add_param(keys, values, &n, "hostaddr", addrs);
  add_param(keys, values, &n, "port", target->port);
  add_param(keys, values, &n, "dbname", target->dbname);
  add_param(keys, values, &n, "user", target->user);
  add_param(keys, values, &n, "sslmode", target->sslmode);
  add_param(keys, values, &n, "service", target->service);
  add_param(keys, values, &n, "application_name", "mcpwatch");
  /* The server ends any query of this session that runs longer than this run had left: the
   * bound when a cancel request cannot be sent (the process exits, the network is gone). */
  left_ms = mw_deadline_left_ms(deadline);
  snprintf(options, sizeof(options), "-c statement_timeout=%d", left_ms > 0 ? left_ms : 1);
  /* PgBouncer refuses a startup packet with options unless told to ignore them */
  if (!target->console)
    add_param(keys, values, &n, "options", options);
  if (target->password_file) {
    if (mw_read_secret_file(target->password_file, password, sizeof(password), err, errlen) != 0)
      return PG_BAD_INPUT;
    add_param(keys, values, &n, "password", password);
  }
  keys[n] = NULL;
  values[n] = NULL;
  pg->conn = PQconnectStartParams(keys, values, 0);
  pg->simple = target->console;
  if (target->password_file)
    explicit_bzero(password, sizeof(password));
  if (pg->conn)
    PQsetNoticeProcessor(pg->conn, drop_notice, NULL);
  if (!pg->conn || PQstatus(pg->conn) == CONNECTION_BAD) {
    fail_message(pg, "", err, errlen);
    pg_conn_close(pg);
    return PG_FAILED;
  }
  while (poll_status != PGRES_POLLING_OK) {
    int ready;

    if (poll_status == PGRES_POLLING_FAILED) {
      fail_message(pg, "", err, errlen);
      pg_conn_close(pg);
      return PG_FAILED;
    }
    /* The socket changes when libpq moves on to the next address or retries without SSL. */
    ready = mw_wait_fd(PQsocket(pg->conn), poll_status == PGRES_POLLING_READING ? POLLIN : POLLOUT,
                       deadline);
    if (ready == ETIMEDOUT)
      return timed_out(pg, "connecting", err, errlen);
    poll_status = PQconnectPoll(pg->conn);
  }
  if (PQsetnonblocking(pg->conn, 1) != 0) {
    fail_message(pg, "", err, errlen);
    pg_conn_close(pg);
    result = PG_FAILED;
  }
  *connect_s = (double)(mw_now_ns() - started) / 1e9;
  return result;
}

/* Sends the query and waits until libpq has a whole result to give. */
static enum pg_status wait_result(struct pg_conn *pg, mw_deadline deadline, char *err,
                                  size_t errlen)
{
  int flushed;

  while ((flushed = PQflush(pg->conn)) == 1) {
    if (mw_wait_fd(PQsocket(pg->conn), POLLIN | POLLOUT, deadline) == ETIMEDOUT)
      return timed_out(pg, "sending the query", err, errlen);
    if (!PQconsumeInput(pg->conn))
      break;
  }
  if (flushed < 0)
    goto broken;
  while (PQisBusy(pg->conn)) {
    if (mw_wait_fd(PQsocket(pg->conn), POLLIN, deadline) == ETIMEDOUT) {
      cancel_query(pg);
      return timed_out(pg, "waiting for the answer", err, errlen);
    }
    if (!PQconsumeInput(pg->conn))
      goto broken;
  }
  return PG_DONE;
broken:
  fail_message(pg, "", err, errlen);
  pg_conn_close(pg);
  return PG_FAILED;
}

enum pg_status pg_conn_query(struct pg_conn *pg, const char *sql, bool first_row_only,
                             PGresult **result, mw_deadline deadline, char *err, size_t errlen)
{
  PGresult *kept = NULL;
  bool server_error = false;

  *result = NULL;
  if (!(pg->simple ? PQsendQuery(pg->conn, sql)
                   : PQsendQueryParams(pg->conn, sql, 0, NULL, NULL, NULL, NULL, 0))) {
    fail_message(pg, "", err, errlen);
    pg_conn_close(pg);
    return PG_FAILED;
  }
  if (first_row_only)
    PQsetSingleRowMode(pg->conn);
  /* Every result up to the NULL that ends the query must be read, or the connection cannot
   * take the next query. */
  for (;;) {
    enum pg_status io = wait_result(pg, deadline, err, errlen);
    PGresult *res;
    ExecStatusType st;

    if (io != PG_DONE) {
      PQclear(kept);
      return io;
    }
    res = PQgetResult(pg->conn);
    if (!res)
      break;
    st = PQresultStatus(res);
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR) {
      if (!server_error)
        first_line(PQresultErrorMessage(res), err, errlen);
      server_error = true;
    } else if (!kept && !server_error &&
               (st == PGRES_TUPLES_OK || st == PGRES_SINGLE_TUPLE || st == PGRES_COMMAND_OK)) {
      kept = res;
      continue;
    }
    PQclear(res);
  }
  if (server_error) {
    PQclear(kept);
    return PG_FAILED;
  }
  *result = kept;
  return PG_DONE;
}
