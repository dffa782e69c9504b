/* SPDX-License-Identifier: MIT */
/* postgres_pgbouncer.c - PgBouncer's admin console: SHOW POOLS for the clients waiting and the
 * longest wait of each pool, SHOW DATABASES for each pool's size. Columns are found by name:
 * their set and order change between PgBouncer versions. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "postgres_check.h"

static int column(const PGresult *r, const char *name)
{
  return PQfnumber(r, name);
}

static double cell(const PGresult *r, int row, int col)
{
  return col < 0 ? NAN : pg_number(r, row, col);
}

/* The pool_size SHOW DATABASES gives the database called name, or NAN. */
static double pool_size(const PGresult *dbs, const char *name)
{
  int col_name = dbs ? column(dbs, "name") : -1;
  int col_size = dbs ? column(dbs, "pool_size") : -1;
  int row;

  if (col_name < 0 || col_size < 0)
    return NAN;
  for (row = 0; row < PQntuples(dbs); row++) {
    if (strcmp(PQgetvalue(dbs, row, col_name), name) == 0)
      return pg_number(dbs, row, col_size);
  }
  return NAN;
}

void mode_pgbouncer(struct postgres *p, struct mw_result *res, struct run *run)
{
  static const double waiting_factor[MODE_KINDS] = {[K_PLAIN] = 1};
  static const double wait_factor[MODE_KINDS] = {[K_SECONDS] = 1};
  const struct mode_ranges *ranges = &p->ranges[M_PGBOUNCER];
  PGresult *dbs = pg_run_query(p, run, res, "SHOW DATABASES", false);
  PGresult *pools = NULL;
  double total_waiting = 0, longest = 0;
  const char *longest_pool = "";
  char label[200];
  size_t npools = 0;
  int c_db, c_user, c_waiting, c_active, c_sv_active, c_maxwait, c_maxwait_us, row;

  if (!dbs)
    return;
  pools = pg_run_query(p, run, res, "SHOW POOLS", false);
  if (!pools)
    goto done;
  c_db = column(pools, "database");
  c_user = column(pools, "user");
  c_waiting = column(pools, "cl_waiting");
  c_active = column(pools, "cl_active");
  c_sv_active = column(pools, "sv_active");
  c_maxwait = column(pools, "maxwait");
  c_maxwait_us = column(pools, "maxwait_us");
  if (c_db < 0 || c_user < 0 || c_waiting < 0 || c_maxwait < 0) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "SHOW POOLS has no database, user, cl_waiting and maxwait columns: "
                           "is this PgBouncer's admin console (dbname pgbouncer)?");
    goto done;
  }
  for (row = 0; row < PQntuples(pools); row++) {
    const char *db = PQgetvalue(pools, row, c_db);
    const char *user = PQgetvalue(pools, row, c_user);
    double waiting = cell(pools, row, c_waiting);
    double wait_s = cell(pools, row, c_maxwait) +
                    (c_maxwait_us >= 0 ? cell(pools, row, c_maxwait_us) / 1e6 : 0);
    double servers = cell(pools, row, c_sv_active);
    double size = pool_size(dbs, db);
    double in_use = size > 0 && !isnan(servers) ? servers / size * 100 : NAN;
    double percent_factor[MODE_KINDS] = {[K_PERCENT] = size > 0 ? size / 100 : 0};
    struct mw_result *child;
    enum mw_state state;

    if (strcmp(db, "pgbouncer") == 0) /* the console itself */
      continue;
    npools++;
    if (isnan(waiting))
      waiting = 0;
    if (isnan(wait_s))
      wait_s = 0;
    total_waiting += waiting;
    state = mw_state_worst(
        modes_judge(ranges, K_PLAIN, waiting),
        mw_state_worst(modes_judge(ranges, K_SECONDS, wait_s),
                       isnan(in_use) ? MW_OK : modes_judge(ranges, K_PERCENT, in_use)));
    if (wait_s >= longest) {
      longest = wait_s;
      longest_pool = db;
    }
    child = mw_result_child(res);
    mw_result_state(child, state);
    mw_result_summary(child,
                      "%s/%s: %.0f clients active, %.0f waiting, longest wait %.3f s, %.0f "
                      "server connections in use of a pool of %.0f",
                      db, user, cell(pools, row, c_active), waiting, wait_s, servers, size);
    snprintf(label, sizeof(label), "%s/%s waiting", db, user);
    modes_perf(res, ranges, waiting_factor, label, waiting, "", 0, NAN);
    snprintf(label, sizeof(label), "%s/%s maxwait", db, user);
    modes_perf(res, ranges, wait_factor, label, wait_s, "s", 0, NAN);
    snprintf(label, sizeof(label), "%s/%s servers", db, user);
    modes_perf(res, ranges, percent_factor, label, servers, "", 0, size > 0 ? size : NAN);
  }
  if (npools == 0)
    mw_result_summary(res, "PgBouncer has no pools yet (no client has connected)");
  else
    mw_result_summary(res, "%zu pools, %.0f clients waiting, the longest wait %.3f s (%s)", npools,
                      total_waiting, longest, longest_pool);
done:
  PQclear(dbs);
  PQclear(pools);
}
