/* SPDX-License-Identifier: MIT */
/* postgres.c - PostgreSQL health: connection, backends, replication, locks, long queries,
 * transaction ID wraparound and a custom query. Read-only; the connection stays open between
 * runs. */
#include "config.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_check.h"

static const char *const mode_names[] = {"connection", "backends",     "replication",
                                         "locks",      "long-queries", "wraparound",
                                         "query",      "pgbouncer",    NULL};
static const char *const sslmodes[] = {"disable",   "allow",       "prefer", "require",
                                       "verify-ca", "verify-full", NULL};
static const char *const roles[] = {"any", "primary", "replica", NULL};

static const struct mode_rule rules[M_N] = {
    [M_CONNECTION] = {K_SECONDS, 1u << K_SECONDS, "2s", "8s",
                      "seconds for connect and SELECT 1 (2s)"},
    [M_BACKENDS] = {K_PLAIN, 1u << K_PLAIN | 1u << K_PERCENT | 1u << K_LEFT, "80%", "90%",
                    "percent of max_connections (80%), connections (150) or slots left (10left:)"},
    [M_REPLICATION] = {K_SECONDS, 1u << K_SECONDS | 1u << K_BYTES, "60s", "300s",
                       "replay lag in seconds (60s) or bytes (16MiB)"},
    [M_LOCKS] = {K_PLAIN, 1u << K_PLAIN, "5", "20", "a number of waiting locks"},
    [M_LONG_QUERIES] = {K_SECONDS, 1u << K_SECONDS, "60s", "300s", "seconds (60s, 5min)"},
    [M_WRAPAROUND] = {K_PERCENT, 1u << K_PERCENT, "60%", "65%",
                      "percent of the 2^31 transaction IDs (60%)"},
    [M_QUERY] = {K_PLAIN, 1u << K_PLAIN, NULL, NULL, NULL},
    [M_PGBOUNCER] = {K_SECONDS, 1u << K_SECONDS | 1u << K_PLAIN | 1u << K_PERCENT, "1s", "5s",
                     "the longest wait (1s), clients waiting (5) or servers in use of the pool "
                     "(90%)"},
};

static const struct mw_unit units[] = {
    {"", 1, K_PLAIN},          {"%", 1, K_PERCENT},         {"left", 1, K_LEFT},
    MODES_BYTE_UNITS(K_BYTES), MODES_TIME_UNITS(K_SECONDS), {NULL, 0, 0}};

static const struct mw_unit plain_units[] = {{"", 1, K_PLAIN}, {NULL, 0, 0}};

static const struct mw_option postgres_options[] = {
    {"host", 'H', MW_OPT_STRING, 0, "HOST", NULL,
     "Server name, address, or unix socket folder (/var/run/postgresql); libpq's default "
     "(PGHOST, then the socket) when absent.",
     NULL, NULL},
    {"port", 'p', MW_OPT_STRING, 0, "PORT", NULL, "Server port; libpq's default (5432).", NULL,
     NULL},
    {"dbname", 'd', MW_OPT_STRING, 0, "NAME", NULL, "Database; the user name when absent.", NULL,
     NULL},
    {"user", 'U', MW_OPT_STRING, 0, "USER", NULL, "User; PGUSER or the login name when absent.",
     NULL, NULL},
    {"password-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the password; else PGPASSWORD or ~/.pgpass (PGPASSFILE).", NULL,
     NULL},
    {"sslmode", 0, MW_OPT_STRING, 0, "MODE", NULL,
     "libpq sslmode: disable, allow, prefer, require, verify-ca or verify-full.", NULL, sslmodes},
    {"service", 0, MW_OPT_STRING, 0, "NAME", NULL,
     "Connection service from pg_service.conf; options given here override it.", NULL, NULL},
    {"mode", 'm', MW_OPT_STRING, MW_OPT_REPEAT, "MODE", "connection",
     "What to check: connection, backends, replication, locks, long-queries, wraparound, "
     "query or pgbouncer.",
     NULL, mode_names},
    {"warning", 'w', MW_OPT_RANGE, 0, "RANGE", NULL,
     "WARNING range for the one mode given; the mode's default otherwise (see below).", units,
     NULL},
    {"critical", 'c', MW_OPT_RANGE, 0, "RANGE", NULL,
     "CRITICAL range for the one mode given; the mode's default otherwise (see below).", units,
     NULL},
    {"role", 0, MW_OPT_STRING, 0, "ROLE", "any",
     "Expected role: primary, replica or any; the other one is CRITICAL.", NULL, roles},
    {"min-replicas", 0, MW_OPT_INT, 0, "N", "0",
     "replication: a primary with fewer streaming replicas is CRITICAL.", NULL, NULL},
    {"show-query", 0, MW_OPT_BOOL, 0, NULL, NULL,
     "long-queries: print the text of the longest query (first 200 characters).", NULL, NULL},
    {"query", 'q', MW_OPT_STRING, 0, "SQL", NULL,
     "query: one SQL statement; its first column of the first row is judged by -W/-C.", NULL, NULL},
    {"query-warning", 'W', MW_OPT_RANGE, 0, "RANGE", NULL, "query: WARNING range on the value.",
     plain_units, NULL},
    {"query-critical", 'C', MW_OPT_RANGE, 0, "RANGE", NULL, "query: CRITICAL range on the value.",
     plain_units, NULL},
    {"query-name", 0, MW_OPT_STRING, 0, "LABEL", "query",
     "query: the perfdata label and the name in the output.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char postgres_description[] =
    "Modes (-m, repeatable; each is a line of long output with its own perfdata):\n"
    "  connection    connect and SELECT 1; -w/-c on the total seconds (default 2s, 8s).\n"
    "  backends      client connections against max_connections (default -w 80% -c 90%;\n"
    "                150 is a number of connections; 10left: alerts below 10 slots left);\n"
    "                connections per database in long output.\n"
    "  replication   on a primary: each replica's replay lag in bytes and seconds, and\n"
    "                --min-replicas streaming ones; on a replica: WAL receiver status and the\n"
    "                replay delay (default -w 60s -c 300s; a byte range judges byte lag).\n"
    "  locks         waiting locks (default -w 5 -c 20) and all locks.\n"
    "  long-queries  the longest running query and the longest idle-in-transaction session\n"
    "                (default -w 60s -c 300s); query text only with --show-query.\n"
    "  wraparound    age of the oldest datfrozenxid in percent of 2^31 (default 60%, 65%).\n"
    "  query         -q SQL: the first column of the first row, judged by -W/-C. No row is\n"
    "                WARNING; NULL, text or an error is CRITICAL (as check_pgsql).\n"
    "  pgbouncer     PgBouncer's admin console (-p its port, -d pgbouncer by default, a user of\n"
    "                its admin_users or stats_users): SHOW POOLS and SHOW DATABASES; each pool's\n"
    "                clients waiting, longest wait and server connections in use against its\n"
    "                pool_size, in the long output and as perfdata (default -w 1s -c 5s on the\n"
    "                longest wait; a plain number judges clients waiting, a percent the servers\n"
    "                in use). Alone; no startup options and the simple protocol, as the console\n"
    "                requires.\n"
    "With several modes -w and -c cannot be given. The check is read-only: it sends only\n"
    "SELECTs of its own; a -q statement is sent through the extended protocol, so it is exactly\n"
    "one statement. A connection that fails or a wrong password is CRITICAL.\n";

/* Counts (most columns) are read digit by digit: strtod's multi-precision path cost more than
 * the rest of a backends read. Up to 15 digits the value is exact either way. */
double pg_number(const PGresult *r, int row, int col)
{
  const char *text;
  const char *digits;
  const char *p;
  char *end;
  double v;
  long long whole = 0;

  if (!r || row >= PQntuples(r) || col >= PQnfields(r) || PQgetisnull(r, row, col))
    return NAN;
  text = PQgetvalue(r, row, col);
  digits = text + (*text == '-');
  for (p = digits; *p >= '0' && *p <= '9' && p - digits < 15; p++)
    whole = whole * 10 + (*p - '0');
  if (*p == '\0' && p > digits)
    return *text == '-' ? -(double)whole : (double)whole;
  v = strtod(text, &end);
  return *end == '\0' && end != text ? v : NAN;
}

double pg_age(double seconds)
{
  return isnan(seconds) || seconds < 0 ? 0 : seconds;
}

PGresult *pg_run_query(struct postgres *p, struct run *run, struct mw_result *res, const char *sql,
                       bool first_row_only)
{
  PGresult *r = NULL;
  enum pg_status status =
      pg_conn_query(&p->pg, sql, first_row_only, &r, run->deadline, run->err, sizeof(run->err));

  if (status == PG_DONE)
    return r;
  mw_result_state(res, status == PG_TIMED_OUT ? p->timeout_state : MW_CRITICAL);
  mw_result_summary(res, "%s", run->err);
  return NULL;
}

static bool role_ok(struct postgres *p, struct run *run, struct mw_result *res)
{
  PGresult *r;
  bool replica;

  if (strcmp(p->role, "any") == 0)
    return true;
  r = pg_run_query(p, run, res, "SELECT pg_is_in_recovery()", false);
  if (!r)
    return false;
  replica = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  PQclear(r);
  if (replica == (strcmp(p->role, "replica") == 0))
    return true;
  mw_result_state(res, MW_CRITICAL);
  mw_result_summary(res, "%s: %s, but --role %s was asked for", p->pg.where,
                    replica ? "in recovery (a replica)" : "a primary (not in recovery)", p->role);
  return false;
}

static void postgres_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct postgres *p = state;
  struct mw_result *children[MODES_MAX];
  const char *labels[MODES_MAX];
  struct run run = {deadline, NAN, PG_DONE, ""};
  size_t i;

  run.status = pg_conn_open(&p->pg, &p->target, deadline, &run.connect_s, run.err, sizeof(run.err));
  if (run.status != PG_DONE) {
    mw_result_state(res, run.status == PG_TIMED_OUT   ? p->timeout_state
                         : run.status == PG_BAD_INPUT ? MW_UNKNOWN
                                                      : MW_CRITICAL);
    mw_result_summary(res, "%s", run.err);
    return;
  }
  if (!role_ok(p, &run, res))
    return;
  for (i = 0; i < p->modes.count; i++) {
    enum mode mode = (enum mode)p->modes.ids[i];

    children[i] = modes_result(res, &p->modes);
    labels[i] = mode == M_QUERY ? p->query_name : mode_names[mode];
    /* A lost connection is reopened at the next run, not halfway through this one. */
    if (!p->pg.conn) {
      mw_result_state(children[i], MW_UNKNOWN);
      mw_result_summary(children[i], "not run: the connection was lost");
      continue;
    }
    mode_funcs[mode](p, children[i], &run);
  }
  if (p->modes.count > 1)
    modes_summarise(res, children, labels, p->modes.count);
}

/* libpq keeps process-wide state it never frees (the socket BIO method of its first TLS
 * connection, in a static pointer). Unmapping libpq when this check is unloaded (the agent's
 * reload, the command's exit) would lose that pointer each time, a leak per load; kept mapped,
 * the state is made once and stays reachable. */
static void pin_libpq(void)
{
  void *handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);

  if (handle)
    dlclose(handle);
}

static int postgres_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  static pthread_once_t pinned = PTHREAD_ONCE_INIT;
  struct postgres *p = calloc(1, sizeof(*p));

  pthread_once(&pinned, pin_libpq);
  if (!p) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  pg_conn_init(&p->pg);
  p->target.host = mw_args_str(args, "host");
  p->target.port = mw_args_str(args, "port");
  p->target.dbname = mw_args_str(args, "dbname");
  p->target.user = mw_args_str(args, "user");
  p->target.password_file = mw_args_str(args, "password-file");
  p->target.sslmode = mw_args_str(args, "sslmode");
  p->target.service = mw_args_str(args, "service");
  p->query = mw_args_str(args, "query");
  p->query_name = mw_args_str(args, "query-name");
  p->role = mw_args_str(args, "role");
  p->min_replicas = mw_args_int(args, "min-replicas");
  p->show_query = mw_args_bool(args, "show-query");
  p->timeout_state = mw_args_state(args, "timeout-state");
  p->query_ranges.has_warn = mw_args_range(args, "query-warning", &p->query_ranges.warn);
  p->query_ranges.has_crit = mw_args_range(args, "query-critical", &p->query_ranges.crit);
  if (modes_parse(args, "mode", mode_names, &p->modes, err) != 0 ||
      modes_set_ranges(args, &p->modes, mode_names, rules, units, K_PLAIN, p->ranges, err) != 0)
    goto fail;
  if (modes_has(&p->modes, M_PGBOUNCER)) {
    if (p->modes.count > 1 || strcmp(p->role, "any") != 0) {
      mw_result_summary(err, "--mode pgbouncer speaks to PgBouncer's console: no other mode, no "
                             "--role");
      goto fail;
    }
    p->target.console = true;
    if (!p->target.dbname)
      p->target.dbname = "pgbouncer";
  }
  if (modes_has(&p->modes, M_QUERY) != (p->query != NULL)) {
    mw_result_summary(err,
                      p->query ? "-q is only used by --mode query" : "--mode query needs -q SQL");
    goto fail;
  }
  if (!modes_has(&p->modes, M_QUERY) && (p->query_ranges.has_warn || p->query_ranges.has_crit)) {
    mw_result_summary(err, "-W and -C judge --mode query; use -w and -c for the other modes");
    goto fail;
  }
  if (p->target.port && (atoi(p->target.port) < 1 || atoi(p->target.port) > 65535 ||
                         strspn(p->target.port, "0123456789") != strlen(p->target.port))) {
    mw_result_summary(err, "--port must be a number between 1 and 65535");
    goto fail;
  }
  *state = p;
  return 0;
fail:
  free(p);
  return -1;
}

static void postgres_close(void *state)
{
  struct postgres *p = state;

  pg_conn_close(&p->pg);
  free(p);
}

static const struct mw_check postgres_check = {
    MW_CHECK_ABI,
    "postgres",
    "PostgreSQL: connection, backends, replication, locks, long queries, wraparound, a query",
    postgres_description,
    postgres_options,
    postgres_open,
    postgres_run,
    postgres_close};

const struct mw_check *mw_check_entry(void)
{
  return &postgres_check;
}
