/* SPDX-License-Identifier: MIT */
/* history_query.c - reading the history: a read-only connection (readers never block the
 * writer in WAL mode), and a series' runs over a window summed from whatever resolution holds
 * them (runs of the last day, minutes of the week, hours before). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "history.h"

sqlite3 *history_reader_open(const char *path, char *err, size_t errlen)
{
  sqlite3 *db = NULL;
  struct stat sb;

  /* SQLite would create an empty file; a missing history is said as such. */
  if (stat(path, &sb) != 0) {
    snprintf(err, errlen, "no history in %s: %s", path, strerror(errno));
    return NULL;
  }
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      hist_register(db) != 0) {
    snprintf(err, errlen, "cannot open the history %s: %s", path,
             db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

static const char *const summary_sql =
    "SELECT count(*), sum(state = 0), sum(state = 1), sum(state = 2), sum(state = 3), sum(ms),"
    " max(ms), hist_of(ms) FROM runs WHERE series = (SELECT id FROM series WHERE name = ?1)"
    " AND t >= ?2 AND t < ?3"
    " UNION ALL"
    " SELECT sum(runs), sum(ok), sum(warning), sum(critical), sum(unknown), sum(ms_sum),"
    " max(ms_max), hist_sum(hist) FROM agg"
    " WHERE series = (SELECT id FROM series WHERE name = ?1) AND t >= ?2 / 1000 AND t < ?3 / 1000";

int history_summarize(sqlite3 *db, const char *series, int64_t since_ms, int64_t until_ms,
                      struct history_summary *out)
{
  sqlite3_stmt *st = NULL;
  double sum_ms = 0;
  int rc;
  int k;

  memset(out, 0, sizeof(*out));
  rc = sqlite3_prepare_v2(db, summary_sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, series, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since_ms);
    sqlite3_bind_int64(st, 3, until_ms);
  }
  while ((rc == SQLITE_OK || rc == SQLITE_ROW) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    out->runs += (uint64_t)sqlite3_column_int64(st, 0);
    for (k = 0; k < 4; k++)
      out->by_state[k] += (uint64_t)sqlite3_column_int64(st, 1 + k);
    sum_ms += sqlite3_column_double(st, 5);
    if (sqlite3_column_double(st, 6) > out->max_ms)
      out->max_ms = sqlite3_column_double(st, 6);
    if (sqlite3_column_type(st, 7) == SQLITE_BLOB &&
        hist_decode(sqlite3_column_blob(st, 7), (size_t)sqlite3_column_bytes(st, 7), &out->hist) !=
            0)
      rc = SQLITE_CORRUPT;
  }
  sqlite3_finalize(st);
  out->mean_ms = out->runs ? sum_ms / (double)out->runs : NAN;
  return rc == SQLITE_DONE ? 0 : -1;
}

double history_availability(const struct history_summary *s)
{
  if (s->runs == 0)
    return NAN;
  return (double)(s->by_state[0] + s->by_state[1]) / (double)s->runs;
}

double history_quantile(const struct history_summary *s, double q)
{
  double v = hist_quantile(&s->hist, q);

  /* Interpolation inside a bucket can pass the slowest run seen: it never does. */
  return !isnan(v) && v > s->max_ms ? s->max_ms : v;
}
