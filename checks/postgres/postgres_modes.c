/* SPDX-License-Identifier: MIT */
/* postgres_modes.c - the SQL each mode of the postgres check sends, and how it judges it. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_check.h"

#define XID_SPACE 2147483648.0 /* 2^31: the distance at which XID wraparound stops writes */

static const double NONE[MODE_KINDS] = {0};

static void mode_connection(struct postgres *p, struct mw_result *res, struct run *run)
{
  static const double seconds[MODE_KINDS] = {[K_SECONDS] = 1};
  int64_t started = mw_now_ns();
  PGresult *r = pg_run_query(p, run, res, "SELECT 1", false);
  const char *version;
  double query_s;
  double total;

  if (!r)
    return;
  PQclear(r);
  query_s = (double)(mw_now_ns() - started) / 1e9;
  total = query_s + (isnan(run->connect_s) ? 0 : run->connect_s);
  version = PQparameterStatus(p->pg.conn, "server_version");
  mw_result_state(res, modes_judge(&p->ranges[M_CONNECTION], K_SECONDS, total));
  if (isnan(run->connect_s))
    mw_result_summary(res, "PostgreSQL %s at %s, connection kept open, SELECT 1 in %.2f ms",
                      version ? version : "?", p->pg.where, query_s * 1000);
  else
    mw_result_summary(res, "PostgreSQL %s at %s, connected in %.2f ms, SELECT 1 in %.2f ms",
                      version ? version : "?", p->pg.where, run->connect_s * 1000, query_s * 1000);
  modes_perf(res, &p->ranges[M_CONNECTION], seconds, "time", total, "s", 0, NAN);
  if (!isnan(run->connect_s))
    modes_perf(res, NULL, NONE, "connect_time", run->connect_s, "s", 0, NAN);
  modes_perf(res, NULL, NONE, "query_time", query_s, "s", 0, NAN);
}

/* A backends range on connections in use: percent of max, or slots left (left = max - used, so
 * the ends swap). */
static struct mw_range as_connections(const struct mw_range *range, double max)
{
  struct mw_range out = range->kind == K_LEFT      ? mw_range_map(range, -1, max)
                        : range->kind == K_PERCENT ? mw_range_map(range, max / 100, 0)
                                                   : *range;

  if (range->kind == K_PERCENT) { /* 80% of 15 connections is 12, not 12.000000000000002 */
    out.start = isfinite(out.start) ? mw_round(out.start) : out.start;
    out.end = isfinite(out.end) ? mw_round(out.end) : out.end;
  }
  return out;
}

static void mode_backends(struct postgres *p, struct mw_result *res, struct run *run)
{
  PGresult *r = pg_run_query(p, run, res,
                             "SELECT current_setting('max_connections')::int, "
                             "coalesce(datname, ''), count(*) FROM pg_stat_activity "
                             "WHERE backend_type = 'client backend' "
                             "GROUP BY datname ORDER BY 3 DESC, 2",
                             false);
  const struct mode_ranges *ranges = &p->ranges[M_BACKENDS];
  double max, used = 0, percent;
  struct mw_range w, c;
  struct mw_perf perf = {"backends", 0, "", NULL, NULL, 0, NAN};
  enum mw_state state;
  int rows, i;

  if (!r)
    return;
  rows = PQntuples(r);
  max = rows > 0 ? pg_number(r, 0, 0) : NAN;
  for (i = 0; i < rows; i++)
    used += pg_number(r, i, 2);
  percent = max > 0 ? used / max * 100 : NAN;
  state =
      mw_state_worst(modes_judge(ranges, K_PLAIN, used), modes_judge(ranges, K_PERCENT, percent));
  state = mw_state_worst(state, modes_judge(ranges, K_LEFT, max - used));
  mw_result_state(res, state);
  mw_result_summary(res, "%.0f of %.0f connections (%.1f%%), %.0f left", used, max, percent,
                    max - used);
  /* Perfdata in connections: percent and "left" ranges converted. */
  perf.value = used;
  perf.max = max;
  if (ranges->has_warn) {
    w = as_connections(&ranges->warn, max);
    perf.warn = &w;
  }
  if (ranges->has_crit) {
    c = as_connections(&ranges->crit, max);
    perf.crit = &c;
  }
  mw_result_perf(res, &perf);
  for (i = 0; i < rows && i < 100; i++) {
    struct mw_result *db = mw_result_child(res);
    char label[128];
    const char *name = PQgetvalue(r, i, 1);

    mw_result_summary(db, "%s: %.0f connections", *name ? name : "(no database)",
                      pg_number(r, i, 2));
    snprintf(label, sizeof(label), "backends_%s", *name ? name : "none");
    modes_perf(db, NULL, NONE, label, pg_number(r, i, 2), "", 0, max);
  }
  PQclear(r);
}

static void primary_replication(struct postgres *p, struct mw_result *res, struct run *run)
{
  static const double seconds[MODE_KINDS] = {[K_SECONDS] = 1};
  static const double bytes[MODE_KINDS] = {[K_BYTES] = 1};
  /* replay_lag is NULL once a replica has caught up and stayed idle: no lag. */
  PGresult *r = pg_run_query(
      p, run, res,
      "SELECT coalesce(application_name, ''), coalesce(client_addr::text, 'local'), "
      "coalesce(state, ''), pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8, "
      "coalesce(extract(epoch FROM replay_lag), 0)::float8 "
      "FROM pg_stat_replication ORDER BY 1, 2",
      false);
  const struct mode_ranges *ranges = &p->ranges[M_REPLICATION];
  int rows, i, streaming = 0;

  if (!r)
    return;
  rows = PQntuples(r);
  for (i = 0; i < rows && i < 100; i++) {
    struct mw_result *child = mw_result_child(res);
    const char *state = PQgetvalue(r, i, 2);
    double lag_bytes = pg_number(r, i, 3);
    double lag_s = pg_number(r, i, 4);
    char name[200];
    char label[240];
    enum mw_state st;

    snprintf(name, sizeof(name), "%s%s%s", PQgetvalue(r, i, 0), *PQgetvalue(r, i, 0) ? "@" : "",
             PQgetvalue(r, i, 1));
    streaming += strcmp(state, "streaming") == 0;
    st = mw_state_worst(modes_judge(ranges, K_SECONDS, lag_s),
                        modes_judge(ranges, K_BYTES, lag_bytes));
    if (strcmp(state, "streaming") != 0)
      st = mw_state_worst(st, MW_WARNING);
    mw_result_state(child, st);
    mw_result_summary(child, "replica %s %s, replay lag %.0f B, %.3g s", name, state, lag_bytes,
                      lag_s);
    snprintf(label, sizeof(label), "%s_lag_bytes", name);
    modes_perf(child, ranges, bytes, label, lag_bytes, "B", 0, NAN);
    snprintf(label, sizeof(label), "%s_lag", name);
    modes_perf(child, ranges, seconds, label, lag_s, "s", 0, NAN);
  }
  PQclear(r);
  if (streaming < p->min_replicas) {
    mw_result_state(res, MW_CRITICAL);
    mw_result_summary(res, "primary with %d streaming replicas, fewer than --min-replicas %lld",
                      streaming, p->min_replicas);
  } else {
    mw_result_summary(res, "primary with %d streaming replica%s", streaming,
                      streaming == 1 ? "" : "s");
  }
  modes_perf(res, NULL, NONE, "streaming_replicas", streaming, "", 0, NAN);
}

static void replica_replication(struct postgres *p, struct mw_result *res, struct run *run)
{
  static const double seconds[MODE_KINDS] = {[K_SECONDS] = 1};
  static const double bytes[MODE_KINDS] = {[K_BYTES] = 1};
  /* With everything received replayed, the replica is as current as its primary lets it be,
   * however long ago the last transaction was. */
  PGresult *r = pg_run_query(
      p, run, res,
      "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8, "
      "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
      "ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END::float8, "
      "coalesce((SELECT status FROM pg_stat_wal_receiver LIMIT 1), 'stopped'), "
      "extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8",
      false);
  const struct mode_ranges *ranges = &p->ranges[M_REPLICATION];
  double lag_bytes, delay, since;
  const char *receiver;
  enum mw_state st;

  if (!r)
    return;
  lag_bytes = pg_number(r, 0, 0);
  /* NULL until the replica has replayed a transaction; a primary's clock ahead of ours makes the
   * difference negative: neither is a delay. */
  delay = pg_age(pg_number(r, 0, 1));
  since = pg_number(r, 0, 3);
  receiver = PQntuples(r) ? PQgetvalue(r, 0, 2) : "?";
  st = mw_state_worst(modes_judge(ranges, K_SECONDS, delay),
                      modes_judge(ranges, K_BYTES, isnan(lag_bytes) ? 0 : lag_bytes));
  if (strcmp(receiver, "streaming") != 0)
    st = MW_CRITICAL;
  mw_result_state(res, st);
  if (isnan(since))
    mw_result_summary(res,
                      "replica, WAL receiver %s, replay %.0f B and %.3g s behind, no transaction "
                      "replayed since the server started",
                      receiver, lag_bytes, delay);
  else
    mw_result_summary(res,
                      "replica, WAL receiver %s, replay %.0f B and %.3g s behind, last replayed "
                      "transaction %.0f s ago",
                      receiver, lag_bytes, delay, pg_age(since));
  modes_perf(res, ranges, bytes, "replay_lag_bytes", lag_bytes, "B", 0, NAN);
  modes_perf(res, ranges, seconds, "replay_lag", delay, "s", 0, NAN);
  if (!isnan(since))
    modes_perf(res, NULL, NONE, "last_replay_age", pg_age(since), "s", 0, NAN);
  PQclear(r);
}

static void mode_replication(struct postgres *p, struct mw_result *res, struct run *run)
{
  PGresult *r = pg_run_query(p, run, res, "SELECT pg_is_in_recovery()", false);
  bool replica;

  if (!r)
    return;
  replica = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  PQclear(r);
  if (replica)
    replica_replication(p, res, run);
  else
    primary_replication(p, res, run);
}

static void mode_locks(struct postgres *p, struct mw_result *res, struct run *run)
{
  static const double plain[MODE_KINDS] = {[K_PLAIN] = 1};
  PGresult *r = pg_run_query(p, run, res,
                             "SELECT count(*) FILTER (WHERE NOT granted), count(*) "
                             "FROM pg_locks WHERE pid <> pg_backend_pid()",
                             false);
  double waiting, total;

  if (!r)
    return;
  waiting = pg_number(r, 0, 0);
  total = pg_number(r, 0, 1);
  PQclear(r);
  mw_result_state(res, modes_judge(&p->ranges[M_LOCKS], K_PLAIN, waiting));
  mw_result_summary(res, "%.0f waiting locks, %.0f locks in all", waiting, total);
  modes_perf(res, &p->ranges[M_LOCKS], plain, "waiting_locks", waiting, "", 0, NAN);
  modes_perf(res, NULL, NONE, "locks", total, "", 0, NAN);
}

static void mode_long_queries(struct postgres *p, struct mw_result *res, struct run *run)
{
  static const double seconds[MODE_KINDS] = {[K_SECONDS] = 1};
  /* One clock for every age: the statement's own clock_timestamp(), read once. now() is the
   * transaction's start, older than the activity snapshot, so a backend whose state changed in
   * between had a negative age; greatest() also absorbs the snapshot's own skew. */
  PGresult *r = pg_run_query(
      p, run, res,
      "WITH clock AS MATERIALIZED (SELECT clock_timestamp() AS at) "
      "(SELECT 'running', pid, coalesce(usename, ''), coalesce(datname, ''), "
      "greatest(0, extract(epoch FROM (SELECT at FROM clock) - query_start))::float8, "
      "left(query, 200) FROM pg_stat_activity "
      "WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
      "ORDER BY query_start LIMIT 1) UNION ALL "
      "(SELECT 'idle in transaction', pid, coalesce(usename, ''), coalesce(datname, ''), "
      "greatest(0, extract(epoch FROM (SELECT at FROM clock) - state_change))::float8, "
      "left(query, 200) FROM pg_stat_activity "
      "WHERE state LIKE 'idle in transaction%' AND backend_type = 'client backend' "
      "ORDER BY state_change LIMIT 1)",
      false);
  const struct mode_ranges *ranges = &p->ranges[M_LONG_QUERIES];
  double longest[2] = {0, 0};
  enum mw_state state = MW_OK;
  int i;

  if (!r)
    return;
  for (i = 0; i < PQntuples(r); i++) {
    struct mw_result *child = mw_result_child(res);
    bool idle = strcmp(PQgetvalue(r, i, 0), "running") != 0;
    double age = pg_age(pg_number(r, i, 4));
    enum mw_state st = modes_judge(ranges, K_SECONDS, age);

    longest[idle] = age;
    state = mw_state_worst(state, st);
    mw_result_state(child, st);
    mw_result_summary(child, "%s %.3g s: pid %s, user %s, database %s%s%s", PQgetvalue(r, i, 0),
                      age, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                      p->show_query ? ", query: " : "", p->show_query ? PQgetvalue(r, i, 5) : "");
  }
  PQclear(r);
  mw_result_state(res, state);
  mw_result_summary(res, "longest query running %.3g s, longest idle in transaction %.3g s",
                    longest[0], longest[1]);
  modes_perf(res, ranges, seconds, "longest_query", longest[0], "s", 0, NAN);
  modes_perf(res, ranges, seconds, "longest_idle_in_transaction", longest[1], "s", 0, NAN);
}

static void mode_wraparound(struct postgres *p, struct mw_result *res, struct run *run)
{
  static const double percent[MODE_KINDS] = {[K_PERCENT] = 1};
  PGresult *r = pg_run_query(p, run, res,
                             "SELECT datname, age(datfrozenxid)::float8 FROM pg_database "
                             "ORDER BY 2 DESC LIMIT 1",
                             false);
  double age, pct;

  if (!r)
    return;
  age = pg_number(r, 0, 1);
  pct = age / XID_SPACE * 100;
  mw_result_state(res, modes_judge(&p->ranges[M_WRAPAROUND], K_PERCENT, pct));
  mw_result_summary(res, "oldest datfrozenxid is %.0f transactions old in %s (%.2f%% of 2^31)", age,
                    PQntuples(r) ? PQgetvalue(r, 0, 0) : "?", pct);
  modes_perf(res, &p->ranges[M_WRAPAROUND], percent, "wraparound", mw_round(pct * 1e6) / 1e6, "%",
             0, 100);
  modes_perf(res, NULL, NONE, "datfrozenxid_age", age, "", 0, XID_SPACE);
  PQclear(r);
}

static void mode_query(struct postgres *p, struct mw_result *res, struct run *run)
{
  static const double plain[MODE_KINDS] = {[K_PLAIN] = 1};
  PGresult *r;
  PGresult *tx;
  double value;

  /* A read-only transaction that is rolled back: the statement cannot change anything even
   * if it tries. */
  tx = pg_run_query(p, run, res, "BEGIN READ ONLY", false);
  if (!tx)
    return;
  PQclear(tx);
  r = pg_run_query(p, run, res, p->query, true);
  if (p->pg.conn) {
    char err[sizeof(run->err)];
    PGresult *rb = NULL;
    if (pg_conn_query(&p->pg, "ROLLBACK", false, &rb, run->deadline, err, sizeof(err)) == PG_DONE)
      PQclear(rb);
  }
  if (!r) {
    mw_result_summary(res, "%s failed: %s", p->query_name, run->err);
    return;
  }
  if (PQntuples(r) < 1 || PQnfields(r) < 1) {
    mw_result_state(res, MW_WARNING);
    mw_result_summary(res, "%s returned no rows", p->query_name);
  } else if (isnan(value = pg_number(r, 0, 0))) {
    mw_result_state(res, MW_CRITICAL);
    mw_result_summary(
        res, "%s returned %s%.64s%s, not a number", p->query_name, PQgetisnull(r, 0, 0) ? "" : "'",
        PQgetisnull(r, 0, 0) ? "NULL" : PQgetvalue(r, 0, 0), PQgetisnull(r, 0, 0) ? "" : "'");
  } else {
    mw_result_state(res, modes_judge(&p->query_ranges, K_PLAIN, value));
    mw_result_summary(res, "%s returned %s", p->query_name, PQgetvalue(r, 0, 0));
    modes_perf(res, &p->query_ranges, plain, p->query_name, value, "", NAN, NAN);
  }
  PQclear(r);
}

mode_func *const mode_funcs[M_N] = {mode_connection, mode_backends,     mode_replication,
                                    mode_locks,      mode_long_queries, mode_wraparound,
                                    mode_query,      mode_pgbouncer};
