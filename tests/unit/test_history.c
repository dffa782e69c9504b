/* SPDX-License-Identifier: MIT */
/* test_history.c - the history's histograms (bounds, encoding, quantiles, the share under a
 * bound), its downsampling (runs to minutes to hours, nothing counted twice or lost), retention,
 * the size bound, and a summary over every resolution, against figures computed by hand. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "history.h"
#include "history_series.h"

static char path[64];

static sqlite3 *fresh_db(void)
{
  sqlite3 *db = NULL;
  char err[256];

  snprintf(path, sizeof(path), "/tmp/mw-history-XXXXXX");
  assert_int_not_equal(mkstemp(path), -1);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(hist_register(db), 0);
  assert_int_equal(history_schema(db, err, sizeof(err)), 0);
  return db;
}

static void close_db(sqlite3 *db)
{
  char name[80];

  sqlite3_close(db);
  unlink(path);
  snprintf(name, sizeof(name), "%s-wal", path);
  unlink(name);
  snprintf(name, sizeof(name), "%s-shm", path);
  unlink(name);
}

static void exec(sqlite3 *db, const char *sql)
{
  char *why = NULL;

  if (sqlite3_exec(db, sql, NULL, NULL, &why) != SQLITE_OK)
    fail_msg("%s: %s", sql, why);
}

static long long one_int(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  long long v = -1;

  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void test_buckets_and_encoding(void **state)
{
  struct hist h;
  struct hist back;
  unsigned char blob[HIST_BLOB_MAX];
  size_t len;
  (void)state;

  assert_int_equal(hist_bucket(0), 0);
  assert_int_equal(hist_bucket(1), 0);
  assert_int_equal(hist_bucket(1.5), 1);
  assert_true(hist_bound(hist_bucket(500)) == 500);
  assert_true(hist_bound(hist_bucket(501)) == 750);
  assert_int_equal(hist_bucket(1e9), HIST_BUCKETS - 1);
  memset(&h, 0, sizeof(h));
  h.count[3] = 5;
  h.count[9] = 300;                       /* two bytes of LEB128 */
  h.count[HIST_BUCKETS - 1] = 1ull << 40; /* six */
  len = hist_encode(&h, blob);
  assert_int_equal(len, 2 + 3 + 7);
  memset(&back, 0, sizeof(back));
  assert_int_equal(hist_decode(blob, len, &back), 0);
  assert_memory_equal(&h, &back, sizeof(h));
  assert_int_equal(hist_decode(blob, len - 1, &back), -1); /* cut in a count */
  blob[0] = HIST_BUCKETS;
  assert_int_equal(hist_decode(blob, len, &back), -1); /* no such bucket */
  memset(&h, 0, sizeof(h));
  assert_int_equal(hist_encode(&h, blob), 0);
  assert_true(isnan(hist_quantile(&h, 0.95)));
}

static void test_quantiles(void **state)
{
  struct hist h;
  (void)state;

  /* 100 runs: 90 at 100 ms or less (bucket 50-100), 10 in 200-250. */
  memset(&h, 0, sizeof(h));
  h.count[hist_bucket(80)] = 90;
  h.count[hist_bucket(240)] = 10;
  /* The 95th of 100 is the 5th of the 10 in (200, 250]: 200 + 50 * 5/10. */
  assert_float_equal(hist_quantile(&h, 0.95), 225.0, 1e-9);
  /* The 45th is half way through (50, 100]. */
  assert_float_equal(hist_quantile(&h, 0.45), 75.0, 1e-9);
  assert_float_equal(hist_at_most(&h, 100), 90.0, 1e-9);
  assert_float_equal(hist_at_most(&h, 250), 100.0, 1e-9);
  assert_float_equal(hist_at_most(&h, 225), 95.0, 1e-9); /* interpolated */
  assert_float_equal(hist_at_most(&h, 0), 0.0, 1e-9);
}

/* Three days of one run a minute, 10 ms each, CRITICAL in the last 30 minutes of each hour; and
 * runs at 1 s intervals for the last 10 minutes. */
static void fill(sqlite3 *db, long long now_s)
{
  char sql[512];

  exec(db, "INSERT INTO series(name) VALUES('api')");
  snprintf(sql, sizeof(sql),
           "WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i < 3 * 1440 - 1)"
           " INSERT INTO runs SELECT 1, (%lld - 3 * 86400 + i * 60) * 1000,"
           " CASE WHEN i %% 60 >= 30 THEN 2 ELSE 0 END, 10 FROM m",
           now_s - now_s % 3600);
  exec(db, sql);
}

static void test_downsampling(void **state)
{
  sqlite3 *db = fresh_db();
  struct mw_history_conf conf = {.set = true, .retention_s = 90 * 86400.0};
  struct history_summary s;
  long long now_s = 1790000000LL / 3600 * 3600; /* on the hour */
  char err[256];
  (void)state;

  fill(db, now_s);
  assert_int_equal(one_int(db, "SELECT count(*) FROM runs"), 3 * 1440);
  assert_int_equal(history_summarize(db, "api", 0, (now_s + 1) * 1000, &s), 0);
  assert_int_equal(s.runs, 3 * 1440);
  assert_int_equal(s.by_state[0], 3 * 720);
  assert_int_equal(s.by_state[2], 3 * 720);
  assert_float_equal(history_availability(&s), 0.5, 1e-12);

  assert_int_equal(history_maintain(db, &conf, now_s, err, sizeof(err)), 0);
  /* The last day stays one by one; the two days before are minutes now. */
  assert_int_equal(one_int(db, "SELECT count(*) FROM runs"), 1440);
  assert_int_equal(one_int(db, "SELECT count(*) FROM agg WHERE res = 60"), 2 * 1440);
  assert_int_equal(history_summarize(db, "api", 0, (now_s + 1) * 1000, &s), 0);
  assert_int_equal(s.runs, 3 * 1440);
  assert_int_equal(s.by_state[2], 3 * 720);
  assert_int_equal(hist_total(&s.hist), 3 * 1440);
  assert_float_equal(s.mean_ms, 10.0, 1e-9);

  /* Eight days later the same runs are hours, still all counted once. */
  assert_int_equal(history_maintain(db, &conf, now_s + 8 * 86400, err, sizeof(err)), 0);
  assert_int_equal(one_int(db, "SELECT count(*) FROM runs"), 0);
  assert_int_equal(one_int(db, "SELECT count(*) FROM agg WHERE res = 60"), 0);
  assert_int_equal(one_int(db, "SELECT count(*) FROM agg WHERE res = 3600"), 72);
  assert_int_equal(history_summarize(db, "api", 0, (now_s + 9 * 86400) * 1000, &s), 0);
  assert_int_equal(s.runs, 3 * 1440);
  assert_int_equal(s.by_state[0], 3 * 720);
  assert_float_equal(hist_at_most(&s.hist, 10), 3 * 1440.0, 1e-9);
  /* A window of the last of the three days only: 24 hours of 60 runs. */
  assert_int_equal(history_summarize(db, "api", (now_s - 86400) * 1000, now_s * 1000, &s), 0);
  assert_int_equal(s.runs, 1440);

  /* Past the retention nothing is left. */
  assert_int_equal(history_maintain(db, &conf, now_s + 100 * 86400, err, sizeof(err)), 0);
  assert_int_equal(one_int(db, "SELECT count(*) FROM agg"), 0);
  close_db(db);
}

/* The writer's memory of series: thousands of names through its growth, each read back; a cleared
 * or missing memory knows nothing. */
static void test_series_cache(void **state)
{
  struct series_cache *c = series_cache_new();
  char name[32];
  int64_t id;
  int st;
  int i;
  (void)state;

  assert_non_null(c);
  assert_false(series_cache_get(c, "api", &id, &st));
  for (i = 0; i < 5000; i++) {
    snprintf(name, sizeof(name), "web%d", i);
    series_cache_put(c, name, 1000 + i, i % 4 - 1);
  }
  series_cache_put(c, "web7", 7, 2); /* put again: replaced, not added */
  for (i = 0; i < 5000; i++) {
    snprintf(name, sizeof(name), "web%d", i);
    assert_true(series_cache_get(c, name, &id, &st));
    assert_int_equal(id, i == 7 ? 7 : 1000 + i);
    assert_int_equal(st, i == 7 ? 2 : i % 4 - 1);
  }
  assert_false(series_cache_get(c, "web5000", &id, &st));
  series_cache_clear(c);
  assert_false(series_cache_get(c, "web1", &id, &st));
  series_cache_put(c, "web1", 1, 0);
  assert_true(series_cache_get(c, "web1", &id, &st));
  series_cache_free(c);
  assert_false(series_cache_get(NULL, "web1", &id, &st));
  series_cache_put(NULL, "web1", 1, 0);
  series_cache_free(NULL);
}

static void quiet(const char *fmt, ...)
{
  (void)fmt;
}

/* Changes through the real writer, whose memory starts empty at each open: a state equal to the
 * one in the file is no change after a restart, a different one is. */
static void test_writer_changes(void **state)
{
  static const enum mw_state first[] = {MW_OK, MW_CRITICAL, MW_CRITICAL, MW_OK};
  struct mw_history_conf conf = {.set = true, .retention_s = 90 * 86400.0};
  int64_t t_ms = 1790000000000LL;
  struct history *h;
  sqlite3 *db = fresh_db();
  char err[256];
  size_t i;
  (void)state;

  sqlite3_close(db);
  h = history_open(path, &conf, quiet, err, sizeof(err));
  assert_non_null(h);
  for (i = 0; i < 4; i++)
    history_record(h, "api", false, t_ms += 1000, first[i], 5, "x");
  history_close(h);
  h = history_open(path, &conf, quiet, err, sizeof(err));
  assert_non_null(h);
  history_record(h, "api", false, t_ms += 1000, MW_OK, 5, "x");
  history_record(h, "api", false, t_ms += 1000, MW_WARNING, 5, "x");
  history_record(h, "db", false, t_ms += 1000, MW_OK, 5, "x");
  history_close(h);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(one_int(db, "SELECT count(*) FROM runs"), 7);
  /* none>OK, OK>CRITICAL, CRITICAL>OK, OK>WARNING for api; none>OK for db. */
  assert_int_equal(one_int(db, "SELECT count(*) FROM changes"), 5);
  assert_int_equal(one_int(db, "SELECT count(*) FROM changes WHERE previous = 0 AND state = 1"), 1);
  assert_int_equal(one_int(db, "SELECT state FROM series WHERE name = 'api'"), 1);
  assert_int_equal(one_int(db, "SELECT state FROM series WHERE name = 'db'"), 0);
  close_db(db);
}

static void test_size_bound(void **state)
{
  sqlite3 *db = fresh_db();
  struct mw_history_conf conf = {.set = true, .retention_s = 90 * 86400.0, .max_size_mb = 16};
  long long now_s = 1790000000LL / 3600 * 3600;
  char err[256];
  (void)state;

  /* 60 days of hours for 2,000 series: far more than 16 MiB. */
  exec(db, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000)"
           " INSERT INTO series(id, name) SELECT i, 'inst' || i FROM s");
  {
    char sql[600];

    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE h(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM h WHERE j < 60 * 24 - 1)"
             " INSERT INTO agg SELECT id, 3600, %lld - 60 * 86400 + j * 3600, 360, 360, 0, 0, 0,"
             " 3600, 10, X'0568' FROM series, h",
             now_s);
    exec(db, sql);
  }
  assert_true(one_int(db, "PRAGMA page_count") * one_int(db, "PRAGMA page_size") > 16 << 20);
  assert_int_equal(history_maintain(db, &conf, now_s, err, sizeof(err)), 0);
  assert_true((one_int(db, "PRAGMA page_count") - one_int(db, "PRAGMA freelist_count")) *
                  one_int(db, "PRAGMA page_size") <=
              16 << 20);
  /* The newest hours stay; the oldest went. */
  assert_int_equal(one_int(db, "SELECT max(t) FROM agg"), now_s - 3600);
  assert_true(one_int(db, "SELECT min(t) FROM agg") > now_s - 60 * 86400);
  close_db(db);
}

/* The fixture of the SLO figures, computed by hand:
 * - 100 hours, 7 to 107 hours ago, of 100 runs each, all OK in 100 ms: 10,000 runs;
 * - the last 6 hours, one run a minute at 30 s past it (360 runs), OK in 100 ms except the last
 *   five (the last 5 minutes), CRITICAL in 600 ms.
 * Over 30 days: 10,360 runs, 5 bad. availability 99.9%: SLI 10355/10360, budget left
 * 1 - (5/10360)/0.001 = 0.517375; burn 5 min (5 runs, 5 bad) 1/0.001 = 1000, 30 min 5/30/0.001,
 * 1 h 5/60/0.001 = 83.3, 6 h 5/360/0.001 = 13.9: the 1 h and 5 min burns pass 14.4: CRITICAL.
 * latency p95 < 500ms: the same 5 runs are slow; budget left 1 - (5/10360)/0.05, burn 1 h
 * 5/60/0.05 = 1.67 (under 14.4), 6 h 5/360/0.05 = 0.28 (under 6): OK. */
static void test_slo_fixture(void **state)
{
  sqlite3 *db = fresh_db();
  struct mw_slo slo = {
      .availability = 0.999, .latency_q = 0.95, .latency_ms = 500, .window_s = 30 * 86400.0};
  struct mw_slo_objective obj[2];
  long long now_s = 1790000000LL;
  char summary[300];
  char sql[600];
  (void)state;

  exec(db, "INSERT INTO series(name) VALUES('api')");
  snprintf(sql, sizeof(sql),
           "WITH RECURSIVE h(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM h WHERE j < 99)"
           " INSERT INTO agg SELECT 1, 3600, (%lld - (7 + j) * 3600) / 3600 * 3600, 100, 100, 0, 0,"
           " 0, 10000, 100, X'0664' FROM h",
           now_s);
  exec(db, sql);
  snprintf(sql, sizeof(sql),
           "WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i < 359)"
           " INSERT INTO runs SELECT 1, (%lld - i * 60 - 30) * 1000, CASE WHEN i < 5 THEN 2 ELSE 0"
           " END, CASE WHEN i < 5 THEN 600 ELSE 100 END FROM m",
           now_s);
  exec(db, sql);
  memset(obj, 0, sizeof(obj));
  assert_int_equal(history_slo_measure(db, "api", &slo, now_s * 1000, obj), 0);
  assert_true(obj[0].set && obj[1].set);
  assert_int_equal(obj[0].runs, 10360);
  assert_float_equal(obj[0].sli, 10355.0 / 10360, 1e-12);
  assert_float_equal(obj[0].budget_left, 1 - (5.0 / 10360) / 0.001, 1e-9);
  assert_float_equal(obj[0].burn[0], 1000.0, 1e-6);
  assert_float_equal(obj[0].burn[1], 5.0 / 30 / 0.001, 1e-6);
  assert_float_equal(obj[0].burn[2], 5.0 / 60 / 0.001, 1e-6);
  assert_float_equal(obj[0].burn[3], 5.0 / 360 / 0.001, 1e-6);
  assert_float_equal(obj[1].sli, 10355.0 / 10360, 1e-12);
  assert_float_equal(obj[1].budget_left, 1 - (5.0 / 10360) / 0.05, 1e-9);
  assert_float_equal(obj[1].burn[2], 5.0 / 60 / 0.05, 1e-6);
  assert_float_equal(obj[1].burn[3], 5.0 / 360 / 0.05, 1e-6);
  assert_int_equal(history_slo_judge(&slo, obj, summary, sizeof(summary)), MW_CRITICAL);
  assert_non_null(strstr(summary, "availability 99.952% over 30d (objective 99.9%), budget left "
                                  "52%, burn 83.3 (1h) 13.9 (6h), fast burn"));
  assert_non_null(strstr(summary, "; latency 99.952% over 30d (objective 95%)"));
  /* Ten minutes later with no run since: the 5 min window is empty (no fast burn), but 30 min and
   * 6 h still hold the bad runs: a slow burn, WARNING. */
  assert_int_equal(history_slo_measure(db, "api", &slo, (now_s + 600) * 1000, obj), 0);
  assert_float_equal(obj[0].burn[0], 0.0, 0);
  assert_float_equal(obj[0].burn[1], 5.0 / 20 / 0.001, 1e-6);
  assert_int_equal(history_slo_judge(&slo, obj, summary, sizeof(summary)), MW_WARNING);
  assert_non_null(strstr(summary, "slow burn"));
  /* Forty minutes later: the hour still burns fast, the 5 and 30 min windows not at all: OK. */
  assert_int_equal(history_slo_measure(db, "api", &slo, (now_s + 2400) * 1000, obj), 0);
  assert_float_equal(obj[0].burn[2], 5.0 / 20 / 0.001, 1e-6);
  assert_int_equal(history_slo_judge(&slo, obj, summary, sizeof(summary)), MW_OK);
  /* A window of a day with a target it cannot meet: the budget is spent, WARNING. */
  slo.window_s = 86400;
  slo.availability = 0.99999;
  slo.latency_q = 0;
  assert_int_equal(history_slo_measure(db, "api", &slo, (now_s + 7200) * 1000, obj), 0);
  assert_true(obj[0].budget_left < 0);
  assert_int_equal(history_slo_judge(&slo, obj, summary, sizeof(summary)), MW_WARNING);
  assert_non_null(strstr(summary, "budget spent"));
  close_db(db);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buckets_and_encoding), cmocka_unit_test(test_quantiles),
      cmocka_unit_test(test_downsampling),         cmocka_unit_test(test_size_bound),
      cmocka_unit_test(test_slo_fixture),          cmocka_unit_test(test_series_cache),
      cmocka_unit_test(test_writer_changes),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
