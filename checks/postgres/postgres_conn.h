/* SPDX-License-Identifier: MIT */
/* postgres_conn.h - one PostgreSQL connection: non-blocking connect and queries, bounded by the
 * run's deadline. */
#ifndef POSTGRES_CONN_H
#define POSTGRES_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "mw_check.h"

struct pg_target {
  const char *host; /* name, address or socket folder; NULL: libpq's default */
  const char *port;
  const char *dbname;
  const char *user;
  const char *password_file; /* first line is the password; NULL: PGPASSWORD or ~/.pgpass */
  const char *sslmode;
  const char *service;
  bool console; /* PgBouncer's admin console: no startup options, the simple query protocol */
};

struct pg_conn {
  PGconn *conn; /* NULL when not connected */
  bool simple;  /* the simple query protocol (PgBouncer's console speaks no other) */
  char where[160];
};

enum pg_status {
  PG_DONE,
  PG_FAILED,    /* err says why */
  PG_TIMED_OUT, /* err says during what; the connection is closed */
  PG_BAD_INPUT  /* the password file cannot be read */
};

void pg_conn_init(struct pg_conn *pg);
void pg_conn_close(struct pg_conn *pg);
/* Connects unless connected; *connect_s is the time it took, or NAN when the connection was
 * already open. */
enum pg_status pg_conn_open(struct pg_conn *pg, const struct pg_target *target,
                            mw_deadline deadline, double *connect_s, char *err, size_t errlen);
/* One statement through the extended protocol (so never two statements in one string; the
 * simple protocol on a console connection, where the statements are the check's own). With
 * first_row_only, rows after the first are read and dropped as they come, so a query returning
 * millions of rows costs no memory. On PG_DONE the caller PQclear()s *result (tuples only; an
 * error from the server is PG_FAILED with its message). */
enum pg_status pg_conn_query(struct pg_conn *pg, const char *sql, bool first_row_only,
                             PGresult **result, mw_deadline deadline, char *err, size_t errlen);

#endif
