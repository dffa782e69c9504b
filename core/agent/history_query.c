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
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
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

/* ---- objectives ------------------------------------------------------------------------------ */

static const double burn_windows_s[MW_SLO_BURNS] = {300, 1800, 3600, 21600};
static const char *const objective_names[2] = {"availability", "latency"};

/* The runs of s that met objective k (those that took at most ms, for latency). */
static double good_runs(const struct history_summary *s, int k, double ms)
{
  if (k == 0)
    return (double)(s->by_state[0] + s->by_state[1]);
  return hist_at_most(&s->hist, ms);
}

static double bad_share(const struct history_summary *s, int k, double ms)
{
  return s->runs ? 1.0 - good_runs(s, k, ms) / (double)s->runs : 0.0;
}

int history_slo_measure(sqlite3 *db, const char *series, const struct mw_slo *slo, int64_t now_ms,
                        struct mw_slo_objective obj[2])
{
  struct history_summary window;
  struct history_summary burns[MW_SLO_BURNS];
  int k;
  int w;

  if (history_summarize(db, series, now_ms - (int64_t)(slo->window_s * 1000), now_ms + 1,
                        &window) != 0)
    return -1;
  for (w = 0; w < MW_SLO_BURNS; w++)
    if (history_summarize(db, series, now_ms - (int64_t)(burn_windows_s[w] * 1000), now_ms + 1,
                          &burns[w]) != 0)
      return -1;
  obj[0].set = slo->availability > 0;
  obj[0].target = slo->availability;
  obj[1].set = slo->latency_q > 0;
  obj[1].target = slo->latency_q;
  for (k = 0; k < 2; k++) {
    struct mw_slo_objective *o = &obj[k];
    double budget = 1.0 - o->target;

    if (!o->set)
      continue;
    o->runs = window.runs;
    o->sli = window.runs ? good_runs(&window, k, slo->latency_ms) / (double)window.runs : NAN;
    o->budget_left = 1.0 - bad_share(&window, k, slo->latency_ms) / budget;
    for (w = 0; w < MW_SLO_BURNS; w++)
      o->burn[w] = bad_share(&burns[w], k, slo->latency_ms) / budget;
  }
  return 0;
}

enum mw_state history_slo_judge(const struct mw_slo *slo, const struct mw_slo_objective obj[2],
                                char *summary, size_t len)
{
  /* 2% of the window's budget in an hour, 5% in six hours (14.4 and 6 for 30 days). */
  double fast = 0.02 * slo->window_s / 3600.0;
  double slow = 0.05 * slo->window_s / 21600.0;
  enum mw_state worst = MW_OK;
  size_t used = 0;
  int k;

  summary[0] = '\0';
  for (k = 0; k < 2; k++) {
    const struct mw_slo_objective *o = &obj[k];
    enum mw_state state = MW_OK;
    const char *why = "";
    int n;

    if (!o->set)
      continue;
    if (o->burn[2] > fast && o->burn[0] > fast) {
      state = MW_CRITICAL;
      why = ", fast burn";
    } else if (o->burn[3] > slow && o->burn[1] > slow) {
      state = MW_WARNING;
      why = ", slow burn";
    } else if (o->runs > 0 && o->budget_left <= 0) {
      state = MW_WARNING;
      why = ", budget spent";
    }
    worst = mw_state_worst(worst, state);
    if (used >= len)
      continue;
    if (o->runs == 0)
      n = snprintf(summary + used, len - used, "%s%s: no runs in the window yet", used ? "; " : "",
                   objective_names[k]);
    else
      n = snprintf(summary + used, len - used,
                   "%s%s %.3f%% over %gd (objective %.4g%%), budget %s %.0f%%, burn %.1f (1h) "
                   "%.1f (6h)%s",
                   used ? "; " : "", objective_names[k], 100.0 * o->sli, slo->window_s / 86400,
                   100.0 * o->target, o->budget_left >= 0 ? "left" : "overspent",
                   100.0 * fabs(o->budget_left), o->burn[2], o->burn[3], why);
    used += n > 0 ? (size_t)n : 0;
  }
  return worst;
}
