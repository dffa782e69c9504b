/* SPDX-License-Identifier: MIT */
/* postgres_check.h - what the postgres check's files share: options and the modes. */
#ifndef POSTGRES_CHECK_H
#define POSTGRES_CHECK_H

#include <stdbool.h>

#include "modes.h"
#include "postgres_conn.h"

enum kind { K_PLAIN = 1, K_PERCENT, K_BYTES, K_SECONDS, K_LEFT };
enum mode {
  M_CONNECTION,
  M_BACKENDS,
  M_REPLICATION,
  M_LOCKS,
  M_LONG_QUERIES,
  M_WRAPAROUND,
  M_QUERY,
  M_PGBOUNCER,
  M_N
};

struct postgres {
  struct pg_target target;
  struct mode_set modes;
  struct mode_ranges ranges[M_N];
  struct mode_ranges query_ranges; /* -W/-C */
  const char *query;
  const char *query_name;
  const char *role; /* "primary", "replica" or "any" */
  long long min_replicas;
  bool show_query;
  enum mw_state timeout_state;
  struct pg_conn pg;
};

/* What a run knows before the modes start. */
struct run {
  mw_deadline deadline;
  double connect_s; /* NAN when the connection was already open */
  enum pg_status status;
  char err[512];
};

/* Runs sql; on failure fills res (CRITICAL, or the timeout state) and returns NULL. */
PGresult *pg_run_query(struct postgres *p, struct run *run, struct mw_result *res, const char *sql,
                       bool first_row_only);
/* A column as a number, NAN when NULL or not a number. */
double pg_number(const PGresult *r, int row, int col);
/* An age in seconds as a judge may take it: NaN (NULL) and negative (clock skew) are 0. */
double pg_age(double seconds);

typedef void mode_func(struct postgres *p, struct mw_result *res, struct run *run);
void mode_pgbouncer(struct postgres *p, struct mw_result *res, struct run *run);
extern mode_func *const mode_funcs[M_N];

#endif
