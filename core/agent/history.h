/* SPDX-License-Identifier: MIT */
/* history.h - the agent's history (SQLite, STATE_DIR/history.db): every run's state and duration
 * and every change of state, written by one thread (history.c), read by `mcpwatch history`, the
 * status page and the SLOs (history_query.c). Runs are kept a day, then per minute for a week,
 * then per hour until the retention; the size is bounded. */
#ifndef MW_HISTORY_H
#define MW_HISTORY_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "mw_core.h"

#define HISTORY_FILE "history.db"
#define HISTORY_RAW_S 86400           /* runs kept one by one */
#define HISTORY_MINUTES_S (7 * 86400) /* then per minute; per hour after */

/* ---- histograms (history_hist.c) ----------------------------------------------------------- */
#define HIST_BUCKETS 24
#define HIST_BLOB_MAX (HIST_BUCKETS * 11)
struct hist {
  uint64_t count[HIST_BUCKETS];
};
/* The upper bound of a bucket in ms (-1 for the last, unbounded one). */
double hist_bound(size_t bucket);
size_t hist_bucket(double ms);
int hist_decode(const unsigned char *blob, size_t len, struct hist *h);
size_t hist_encode(const struct hist *h, unsigned char *out);
uint64_t hist_total(const struct hist *h);
double hist_at_most(const struct hist *h, double ms);
double hist_quantile(const struct hist *h, double q);
/* hist_of, hist_sum, hist_add and hist_le on a connection. */
int hist_register(sqlite3 *db);

/* ---- the writer (history.c) ---------------------------------------------------------------- */
struct history;
/* Opens (creates) path and starts the writer thread; NULL with err set. log takes the writer's
 * complaints (the agent's log). */
struct history *history_open(const char *path, const struct mw_history_conf *conf,
                             void (*log)(const char *fmt, ...), char *err, size_t errlen);
/* Queues one result of series (an instance or a service); never blocks on the disk. A full queue
 * drops the oldest result and counts it. */
void history_record(struct history *h, const char *series, bool service, int64_t t_ms,
                    enum mw_state state, int64_t took_ms, const char *output);
/* Results queued and not yet written, and results dropped, for /metrics. */
void history_counts(struct history *h, unsigned long long *written, unsigned long long *dropped);
/* Writes what is queued and closes. */
void history_close(struct history *h);
/* Runs the downsampling and the retention now as of now_s (the writer does it every minute). */
int history_maintain(sqlite3 *db, const struct mw_history_conf *conf, int64_t now_s, char *err,
                     size_t errlen);
/* The schema on db (created when missing): 0, or -1 with err. */
int history_schema(sqlite3 *db, char *err, size_t errlen);

/* ---- reading (history_query.c) -------------------------------------------------------------- */
/* Read-only; NULL with err set (no history yet: ENOENT's words). */
sqlite3 *history_reader_open(const char *path, char *err, size_t errlen);
struct history_summary {
  uint64_t runs;
  uint64_t by_state[4]; /* OK, WARNING, CRITICAL, UNKNOWN */
  double mean_ms;
  double max_ms;
  struct hist hist;
};
/* Every run of series from since_ms to until_ms (raw, minute and hour rows together). */
int history_summarize(sqlite3 *db, const char *series, int64_t since_ms, int64_t until_ms,
                      struct history_summary *out);
/* Availability: the share of runs that were OK or WARNING (NaN without runs). */
double history_availability(const struct history_summary *s);
/* The q quantile of the response time in ms (from the histogram, never above the maximum). */
double history_quantile(const struct history_summary *s, double q);

/* Each objective of slo over its window and the burn windows, as of now_ms (obj[0]
 * availability, obj[1] latency; set false where slo has none). */
int history_slo_measure(sqlite3 *db, const char *series, const struct mw_slo *slo, int64_t now_ms,
                        struct mw_slo_objective obj[2]);
/* The multiwindow burn-rate judgement (SRE workbook, scaled to the window): CRITICAL for a fast
 * burn (over 1 h and 5 min), WARNING for a slow one (6 h and 30 min) or a spent budget; a
 * one-line summary of both objectives into summary. */
enum mw_state history_slo_judge(const struct mw_slo *slo, const struct mw_slo_objective obj[2],
                                char *summary, size_t len);

#endif
