/* SPDX-License-Identifier: MIT */
/* history.c - the history's one writer. Workers queue results in memory (history_record never
 * touches the disk, so a slow disk never delays a check); a thread writes the queue every second
 * in one transaction (WAL, synchronous NORMAL: a kill -9 loses at most that second, a crash of
 * the machine at most the last transactions), notes a change whenever a series' state differs
 * from the one it last wrote, and every minute moves runs older than a day into per-minute
 * aggregates, those older than a week into per-hour ones, drops what is older than the retention,
 * and trims the oldest hours while the file is over its size bound. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "history.h"
#include "history_series.h"

#define QUEUE_MAX 100000
#define OUTPUT_MAX 300
#define MAINTAIN_EVERY_S 60
#define DEFAULT_RETENTION_S (90.0 * 86400)
#define DEFAULT_MAX_MB 1024

struct pending {
  char *series;
  char *output;
  int64_t t_ms;
  int64_t took_ms;
  enum mw_state state;
  bool service;
};

struct history {
  sqlite3 *db;
  struct mw_history_conf conf;
  void (*log)(const char *fmt, ...);
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  struct pending *queue; /* a ring of QUEUE_MAX */
  size_t head;
  size_t count;
  bool stopping;
  unsigned long long written;
  unsigned long long dropped;
  int64_t maintained_s;
  /* The writer thread's alone. */
  struct statements *sts; /* prepared at the first batch, kept until a batch fails */
  struct series_cache *series;
};

static const char *const schema_sql =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);"
    "INSERT OR IGNORE INTO meta VALUES('schema', 1);"
    "CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " service INTEGER NOT NULL DEFAULT 0, state INTEGER);"
    "CREATE TABLE IF NOT EXISTS runs(series INTEGER NOT NULL, t INTEGER NOT NULL,"
    " state INTEGER NOT NULL, ms INTEGER NOT NULL, PRIMARY KEY(series, t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg(series INTEGER NOT NULL, res INTEGER NOT NULL,"
    " t INTEGER NOT NULL, runs INTEGER NOT NULL, ok INTEGER NOT NULL, warning INTEGER NOT NULL,"
    " critical INTEGER NOT NULL, unknown INTEGER NOT NULL, ms_sum INTEGER NOT NULL,"
    " ms_max INTEGER NOT NULL, hist BLOB, PRIMARY KEY(series, res, t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS changes(series INTEGER NOT NULL, t INTEGER NOT NULL,"
    " previous INTEGER, state INTEGER NOT NULL, output TEXT, PRIMARY KEY(series, t))"
    " WITHOUT ROWID;";

int history_schema(sqlite3 *db, char *err, size_t errlen)
{
  char *why = NULL;

  /* Set before the first table exists: deleted pages can be given back to the file system. */
  if (sqlite3_exec(db, "PRAGMA auto_vacuum=INCREMENTAL;", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec(db, schema_sql, NULL, NULL, &why) != SQLITE_OK) {
    snprintf(err, errlen, "history: %s", why ? why : sqlite3_errmsg(db));
    sqlite3_free(why);
    return -1;
  }
  return 0;
}

/* ---- maintenance ----------------------------------------------------------------------------- */

static int exec_int(sqlite3 *db, const char *sql, const int64_t *args, int nargs)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  int i;

  for (i = 0; rc == SQLITE_OK && i < nargs; i++)
    rc = sqlite3_bind_int64(st, i + 1, args[i]);
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
      ;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  int64_t value = -1;

  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    value = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return value;
}

/* Bytes in use (pages not on the free list). */
static int64_t used_bytes(sqlite3 *db)
{
  return (pragma_int(db, "PRAGMA page_count") - pragma_int(db, "PRAGMA freelist_count")) *
         pragma_int(db, "PRAGMA page_size");
}

static const char *const to_minutes =
    "INSERT INTO agg SELECT series, 60, t / 60000 * 60, count(*), sum(state = 0), sum(state = 1),"
    " sum(state = 2), sum(state = 3), sum(ms), max(ms), hist_of(ms) FROM runs WHERE t < ?1"
    " GROUP BY series, t / 60000"
    " ON CONFLICT(series, res, t) DO UPDATE SET runs = runs + excluded.runs, ok = ok + excluded.ok,"
    " warning = warning + excluded.warning, critical = critical + excluded.critical,"
    " unknown = unknown + excluded.unknown, ms_sum = ms_sum + excluded.ms_sum,"
    " ms_max = max(ms_max, excluded.ms_max), hist = hist_add(hist, excluded.hist)";
static const char *const to_hours =
    "INSERT INTO agg SELECT series, 3600, t / 3600 * 3600, sum(runs), sum(ok), sum(warning),"
    " sum(critical), sum(unknown), sum(ms_sum), max(ms_max), hist_sum(hist) FROM agg"
    " WHERE res = 60 AND t < ?1 GROUP BY series, t / 3600"
    " ON CONFLICT(series, res, t) DO UPDATE SET runs = runs + excluded.runs, ok = ok + excluded.ok,"
    " warning = warning + excluded.warning, critical = critical + excluded.critical,"
    " unknown = unknown + excluded.unknown, ms_sum = ms_sum + excluded.ms_sum,"
    " ms_max = max(ms_max, excluded.ms_max), hist = hist_add(hist, excluded.hist)";

int history_maintain(sqlite3 *db, const struct mw_history_conf *conf, int64_t now_s, char *err,
                     size_t errlen)
{
  double retention = conf->retention_s > 0 ? conf->retention_s : DEFAULT_RETENTION_S;
  int64_t max_bytes = (int64_t)(conf->max_size_mb > 0 ? conf->max_size_mb : DEFAULT_MAX_MB) << 20;
  /* Cuts on whole minutes and hours: a minute's runs move together, never half of them. */
  int64_t raw_cut_ms = (now_s - HISTORY_RAW_S) / 60 * 60 * 1000;
  int64_t minute_cut = (now_s - HISTORY_MINUTES_S) / 3600 * 3600;
  int64_t keep_from = now_s - (int64_t)retention;
  int64_t keep_from_ms = keep_from * 1000;
  int trims;

  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  if (exec_int(db, to_minutes, &raw_cut_ms, 1) != 0 ||
      exec_int(db, "DELETE FROM runs WHERE t < ?1", &raw_cut_ms, 1) != 0 ||
      exec_int(db, to_hours, &minute_cut, 1) != 0 ||
      exec_int(db, "DELETE FROM agg WHERE res = 60 AND t < ?1", &minute_cut, 1) != 0 ||
      exec_int(db, "DELETE FROM agg WHERE t < ?1", &keep_from, 1) != 0 ||
      exec_int(db, "DELETE FROM runs WHERE t < ?1", &keep_from_ms, 1) != 0 ||
      exec_int(db, "DELETE FROM changes WHERE t < ?1", &keep_from_ms, 1) != 0)
    goto rollback;
  /* Over the bound: the oldest day goes, aggregates and changes alike, until under it (the
   * newest day of runs is never trimmed: it is what the page and the SLOs read most). */
  for (trims = 0; trims < 400 && used_bytes(db) > max_bytes; trims++) {
    int64_t oldest = pragma_int(db, "SELECT min(t) FROM agg");
    int64_t until[1];

    if (oldest < 0)
      break;
    until[0] = oldest + 86400;
    if (exec_int(db, "DELETE FROM agg WHERE t < ?1", until, 1) != 0)
      goto rollback;
    until[0] *= 1000;
    if (exec_int(db, "DELETE FROM changes WHERE t < ?1", until, 1) != 0)
      goto rollback;
  }
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    goto rollback;
  sqlite3_exec(db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
  return 0;
rollback:
  snprintf(err, errlen, "history: maintenance: %s", sqlite3_errmsg(db));
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
fail:
  snprintf(err, errlen, "history: maintenance: %s", sqlite3_errmsg(db));
  return -1;
}

/* ---- writing --------------------------------------------------------------------------------- */

/* The statements batches write with, prepared once and kept: preparing them for every result
 * was the history's largest cost (SQLite's parser, 4.6% of the agent's CPU at 1,000 instances),
 * and for every batch still 1%. */
struct statements {
  sqlite3_stmt *ensure_series;
  sqlite3_stmt *find_series;
  sqlite3_stmt *add_run;
  sqlite3_stmt *add_change;
  sqlite3_stmt *set_state;
};

static void statements_finalize(struct statements *sts)
{
  sqlite3_finalize(sts->ensure_series);
  sqlite3_finalize(sts->find_series);
  sqlite3_finalize(sts->add_run);
  sqlite3_finalize(sts->add_change);
  sqlite3_finalize(sts->set_state);
  memset(sts, 0, sizeof(*sts));
}

static int statements_prepare(sqlite3 *db, struct statements *sts)
{
  memset(sts, 0, sizeof(*sts));
  if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO series(name, service) VALUES(?1, ?2)", -1,
                         &sts->ensure_series, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT id, state FROM series WHERE name = ?1", -1, &sts->find_series,
                         NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO runs VALUES(?1, ?2, ?3, ?4)", -1, &sts->add_run,
                         NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO changes VALUES(?1, ?2, ?3, ?4, ?5)", -1,
                         &sts->add_change, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "UPDATE series SET state = ?1 WHERE id = ?2", -1, &sts->set_state,
                         NULL) != SQLITE_OK) {
    statements_finalize(sts);
    return -1;
  }
  return 0;
}

/* Steps st to its end; it is reset and its bindings cleared for the next result either way. */
static int step_done(sqlite3_stmt *st)
{
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;

  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc;
}

/* The id of series (created at its first result) and the state it last wrote (-1: none), from
 * the writer's memory or else the database. No RETURNING: SQLite before 3.35 (RHEL 9) has none. */
static int64_t series_id(const struct statements *sts, struct series_cache *cache,
                         const struct pending *p, int *last_state)
{
  sqlite3_stmt *st = sts->find_series;
  int64_t id = -1;

  if (series_cache_get(cache, p->series, &id, last_state))
    return id;
  *last_state = -1;
  if (sqlite3_bind_text(sts->ensure_series, 1, p->series, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_int(sts->ensure_series, 2, p->service) != SQLITE_OK ||
      step_done(sts->ensure_series) != 0)
    return -1;
  if (sqlite3_bind_text(st, 1, p->series, -1, SQLITE_STATIC) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    id = sqlite3_column_int64(st, 0);
    if (sqlite3_column_type(st, 1) != SQLITE_NULL)
      *last_state = sqlite3_column_int(st, 1);
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (id >= 0)
    series_cache_put(cache, p->series, id, *last_state);
  return id;
}

static int write_one(const struct statements *sts, struct series_cache *cache,
                     const struct pending *p)
{
  int last_state;
  int64_t id = series_id(sts, cache, p, &last_state);
  sqlite3_stmt *st = sts->add_run;

  if (id < 0)
    return -1;
  if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
      sqlite3_bind_int64(st, 2, p->t_ms) != SQLITE_OK ||
      sqlite3_bind_int(st, 3, (int)p->state) != SQLITE_OK ||
      sqlite3_bind_int64(st, 4, p->took_ms) != SQLITE_OK || step_done(st) != 0)
    return -1;
  if (last_state == (int)p->state)
    return 0;
  st = sts->add_change;
  if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
      sqlite3_bind_int64(st, 2, p->t_ms) != SQLITE_OK ||
      (last_state >= 0 && sqlite3_bind_int(st, 3, last_state) != SQLITE_OK) ||
      sqlite3_bind_int(st, 4, (int)p->state) != SQLITE_OK ||
      sqlite3_bind_text(st, 5, p->output ? p->output : "", -1, SQLITE_STATIC) != SQLITE_OK ||
      step_done(st) != 0)
    return -1;
  st = sts->set_state;
  if (sqlite3_bind_int(st, 1, (int)p->state) != SQLITE_OK ||
      sqlite3_bind_int64(st, 2, id) != SQLITE_OK || step_done(st) != 0)
    return -1;
  /* Remembered before the COMMIT: a batch that fails clears the memory. */
  series_cache_put(cache, p->series, id, (int)p->state);
  return 0;
}

static void free_pending(struct pending *p)
{
  free(p->series);
  free(p->output);
  memset(p, 0, sizeof(*p));
}

/* Writes batch in one transaction; a failure is logged and the batch dropped (the history is a
 * record, never a reason to hold results in memory without bound). */
static void write_batch(struct history *h, struct pending *batch, size_t n)
{
  size_t i;
  bool failed = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK;

  if (!failed && !h->sts) {
    h->sts = calloc(1, sizeof(*h->sts));
    if (h->sts && statements_prepare(h->db, h->sts) != 0) {
      free(h->sts);
      h->sts = NULL;
    }
    failed = !h->sts;
  }
  for (i = 0; i < n && !failed; i++)
    failed = write_one(h->sts, h->series, &batch[i]) != 0;
  if (!failed)
    failed = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK;
  if (failed) {
    h->log("error: history: %zu results not written: %s", n, sqlite3_errmsg(h->db));
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    /* What the memory says may have been rolled back; the statements are made afresh. */
    series_cache_clear(h->series);
    if (h->sts)
      statements_finalize(h->sts);
    free(h->sts);
    h->sts = NULL;
  }
  pthread_mutex_lock(&h->lock);
  if (failed)
    h->dropped += n;
  else
    h->written += n;
  pthread_mutex_unlock(&h->lock);
  for (i = 0; i < n; i++)
    free_pending(&batch[i]);
}

static void *writer_main(void *arg)
{
  struct history *h = arg;
  struct pending *batch = calloc(QUEUE_MAX, sizeof(*batch));
  bool stop = false;

  while (!stop) {
    struct timespec until;
    size_t n = 0;
    int64_t now_s;

    pthread_mutex_lock(&h->lock);
    /* A second's worth together: one transaction, one write of the WAL. history_record does not
     * signal, so that a thousand results a second wake this thread once. */
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    if (!h->stopping)
      pthread_cond_timedwait(&h->cond, &h->lock, &until);
    stop = h->stopping;
    while (batch && h->count > 0) {
      batch[n++] = h->queue[h->head];
      memset(&h->queue[h->head], 0, sizeof(h->queue[h->head]));
      h->head = (h->head + 1) % QUEUE_MAX;
      h->count--;
    }
    pthread_mutex_unlock(&h->lock);
    if (n > 0)
      write_batch(h, batch, n);
    now_s = (int64_t)time(NULL);
    if (!stop && now_s - h->maintained_s >= MAINTAIN_EVERY_S) {
      char err[MW_ERR_MAX];

      h->maintained_s = now_s;
      if (history_maintain(h->db, &h->conf, now_s, err, sizeof(err)) != 0)
        h->log("error: %s", err);
    }
  }
  free(batch);
  return NULL;
}

struct history *history_open(const char *path, const struct mw_history_conf *conf,
                             void (*log)(const char *fmt, ...), char *err, size_t errlen)
{
  struct history *h = calloc(1, sizeof(*h));

  if (!h || !(h->queue = calloc(QUEUE_MAX, sizeof(*h->queue)))) {
    snprintf(err, errlen, "history: out of memory");
    free(h);
    return NULL;
  }
  h->conf = *conf;
  h->log = log;
  h->series = series_cache_new(); /* NULL: every result asks the database */
  pthread_mutex_init(&h->lock, NULL);
  pthread_cond_init(&h->cond, NULL);
  {
    struct stat sb;

    if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
      snprintf(err, errlen, "history: %s is %s, not a file: refused", path,
               S_ISLNK(sb.st_mode) ? "a symbolic link" : "something else");
      goto fail;
    }
  }
  if (sqlite3_open_v2(path, &h->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                          SQLITE_OPEN_NOFOLLOW,
                      NULL) != SQLITE_OK) {
    snprintf(err, errlen, "history: cannot open %s: %s", path,
             h->db ? sqlite3_errmsg(h->db) : "out of memory");
    goto fail;
  }
  sqlite3_busy_timeout(h->db, 5000);
  /* A file someone else put there is data, never code: no triggers or views calling our
   * functions, no writes to the schema behind SQLite's back. */
  sqlite3_db_config(h->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config(h->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  if (hist_register(h->db) != 0 || history_schema(h->db, err, errlen) != 0) {
    if (!err[0])
      snprintf(err, errlen, "history: %s", sqlite3_errmsg(h->db));
    goto fail;
  }
  /* The first maintenance a minute after the start, not during it. */
  h->maintained_s = (int64_t)time(NULL);
  if (pthread_create(&h->thread, NULL, writer_main, h) != 0) {
    snprintf(err, errlen, "history: cannot start its thread: %s", strerror(errno));
    goto fail;
  }
  return h;
fail:
  series_cache_free(h->series);
  sqlite3_close(h->db);
  pthread_cond_destroy(&h->cond);
  pthread_mutex_destroy(&h->lock);
  free(h->queue);
  free(h);
  return NULL;
}

void history_record(struct history *h, const char *series, bool service, int64_t t_ms,
                    enum mw_state state, int64_t took_ms, const char *output)
{
  struct pending p;
  size_t slot;

  if (!h)
    return;
  memset(&p, 0, sizeof(p));
  p.series = strdup(series);
  p.output = strndup(output ? output : "", OUTPUT_MAX);
  p.t_ms = t_ms;
  p.took_ms = took_ms < 0 ? 0 : took_ms;
  p.state = state;
  p.service = service;
  pthread_mutex_lock(&h->lock);
  if (!p.series || !p.output) {
    h->dropped++;
    pthread_mutex_unlock(&h->lock);
    free_pending(&p);
    return;
  }
  if (h->count == QUEUE_MAX) {
    free_pending(&h->queue[h->head]);
    h->head = (h->head + 1) % QUEUE_MAX;
    h->count--;
    h->dropped++;
  }
  slot = (h->head + h->count) % QUEUE_MAX;
  h->queue[slot] = p;
  h->count++;
  pthread_mutex_unlock(&h->lock);
}

void history_counts(struct history *h, unsigned long long *written, unsigned long long *dropped)
{
  *written = *dropped = 0;
  if (!h)
    return;
  pthread_mutex_lock(&h->lock);
  *written = h->written;
  *dropped = h->dropped;
  pthread_mutex_unlock(&h->lock);
}

void history_close(struct history *h)
{
  size_t i;

  if (!h)
    return;
  pthread_mutex_lock(&h->lock);
  h->stopping = true;
  pthread_cond_broadcast(&h->cond);
  pthread_mutex_unlock(&h->lock);
  pthread_join(h->thread, NULL);
  for (i = 0; i < h->count; i++)
    free_pending(&h->queue[(h->head + i) % QUEUE_MAX]);
  if (h->sts)
    statements_finalize(h->sts);
  free(h->sts);
  series_cache_free(h->series);
  sqlite3_close(h->db);
  pthread_cond_destroy(&h->cond);
  pthread_mutex_destroy(&h->lock);
  free(h->queue);
  free(h);
}
