/* SPDX-License-Identifier: MIT */
/* test_downtime.c - downtime windows and zones: UTC offsets read from the system's TZif files
 * and computed from their POSIX rules (both hemispheres), windows across the days clocks change,
 * window syntax, and the ad-hoc list's file (round trip, garbage, ended entries). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mw_core.h"
#include "mw_downtime.h"

/* Seconds since the epoch of a UTC date and time (the tests' own arithmetic, not the code's). */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
  static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  int64_t days = 0;
  int year;

  for (year = 1970; year < y; year++)
    days += (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 366 : 365;
  days += before[mo - 1] + d - 1;
  if (mo > 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    days++;
  return days * 86400 + h * 3600 + mi * 60;
}

static struct mw_tz *zone(const char *name)
{
  struct mw_tz *tz = NULL;
  char err[256];

  if (mw_tz_load(name, &tz, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  return tz;
}

/* The changes of 2026 as the tz database has them. */
static void test_offsets_from_files(void **unused)
{
  struct mw_tz *berlin = zone("Europe/Berlin");
  struct mw_tz *ny = zone("America/New_York");
  struct mw_tz *sydney = zone("Australia/Sydney");

  (void)unused;
  assert_int_equal(mw_tz_offset(berlin, utc(2026, 3, 29, 0, 59)), 3600);
  assert_int_equal(mw_tz_offset(berlin, utc(2026, 3, 29, 1, 0)), 7200);
  assert_int_equal(mw_tz_offset(berlin, utc(2026, 10, 25, 0, 59)), 7200);
  assert_int_equal(mw_tz_offset(berlin, utc(2026, 10, 25, 1, 0)), 3600);
  assert_int_equal(mw_tz_offset(ny, utc(2026, 3, 8, 6, 59)), -18000);
  assert_int_equal(mw_tz_offset(ny, utc(2026, 3, 8, 7, 0)), -14400);
  assert_int_equal(mw_tz_offset(ny, utc(2026, 11, 1, 5, 59)), -14400);
  assert_int_equal(mw_tz_offset(ny, utc(2026, 11, 1, 6, 0)), -18000);
  /* Southern: summer time from the first Sunday of October to the first of April. */
  assert_int_equal(mw_tz_offset(sydney, utc(2026, 1, 15, 0, 0)), 39600);
  assert_int_equal(mw_tz_offset(sydney, utc(2026, 7, 1, 0, 0)), 36000);
  /* Past the transitions a fat file lists (2037): the rule at its end. */
  assert_int_equal(mw_tz_offset(berlin, utc(2050, 7, 1, 12, 0)), 7200);
  assert_int_equal(mw_tz_offset(berlin, utc(2050, 12, 1, 12, 0)), 3600);
  assert_int_equal(mw_tz_offset(sydney, utc(2050, 1, 1, 12, 0)), 39600);
  mw_tz_free(berlin);
  mw_tz_free(ny);
  mw_tz_free(sydney);
}

/* The POSIX rule alone gives, hour by hour through a year, what the file's transitions give. */
static void test_rule_matches_file(void **unused)
{
  static const struct {
    const char *zone;
    const char *rule;
  } cases[] = {{"Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"},
               {"America/New_York", "EST5EDT,M3.2.0,M11.1.0"},
               {"Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"},
               {"America/St_Johns", "NST3:30NDT,M3.2.0,M11.1.0"},
               {"Asia/Kolkata", "IST-5:30"}};
  size_t i;

  (void)unused;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct mw_tz *file = zone(cases[i].zone);
    struct mw_tz *rule = mw_tz_from_rule(cases[i].rule);
    int64_t t;
    assert_non_null(rule);
    for (t = utc(2026, 1, 1, 0, 0); t < utc(2027, 1, 1, 0, 0); t += 1800) {
      if (mw_tz_offset(file, t) != mw_tz_offset(rule, t))
        fail_msg("%s at %lld: file %d, rule %d", cases[i].zone, (long long)t, mw_tz_offset(file, t),
                 mw_tz_offset(rule, t));
    }
    mw_tz_free(file);
    mw_tz_free(rule);
  }
}

static void test_zone_names(void **unused)
{
  struct mw_tz *tz = NULL;
  char err[256];

  (void)unused;
  assert_int_equal(mw_tz_load("../../etc/passwd", &tz, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "not a zone name"));
  assert_int_equal(mw_tz_load("/etc/passwd", &tz, err, sizeof(err)), -1);
  assert_int_equal(mw_tz_load("No/Such_Zone", &tz, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "no such zone"));
  assert_int_equal(mw_tz_load("UTC", &tz, err, sizeof(err)), 0);
  assert_int_equal(mw_tz_offset(tz, utc(2026, 7, 1, 0, 0)), 0);
  mw_tz_free(tz);
  assert_null(mw_tz_from_rule("CET-1CEST,M3.5.0"));
  assert_null(mw_tz_from_rule("C-1"));
  assert_null(mw_tz_from_rule("CET-1CEST,M13.5.0,M10.5.0"));
}

static struct mw_window window(const char *text)
{
  struct mw_window w;
  char err[256];

  if (mw_window_parse(text, &w, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  return w;
}

/* "Sun 02:00-04:00" in Berlin: an hour on the day clocks skip 02:00-03:00, three on the day they
 * repeat 02:00-03:00, two on other Sundays. */
static void test_window_across_dst(void **unused)
{
  struct mw_tz *berlin = zone("Europe/Berlin");
  struct mw_window w = window("Sun 02:00-04:00");
  int64_t t;
  int64_t minutes;

  (void)unused;
  assert_false(mw_window_active(&w, berlin, utc(2026, 3, 29, 0, 59)));
  assert_true(mw_window_active(&w, berlin, utc(2026, 3, 29, 1, 0)));
  assert_true(mw_window_active(&w, berlin, utc(2026, 3, 29, 1, 59)));
  assert_false(mw_window_active(&w, berlin, utc(2026, 3, 29, 2, 0)));
  assert_false(mw_window_active(&w, berlin, utc(2026, 10, 24, 23, 59)));
  assert_true(mw_window_active(&w, berlin, utc(2026, 10, 25, 0, 0)));
  assert_true(mw_window_active(&w, berlin, utc(2026, 10, 25, 2, 59)));
  assert_false(mw_window_active(&w, berlin, utc(2026, 10, 25, 3, 0)));
  for (minutes = 0, t = utc(2026, 10, 31, 0, 0); t < utc(2026, 11, 3, 0, 0); t += 60)
    minutes += mw_window_active(&w, berlin, t);
  assert_int_equal(minutes, 120);
  assert_true(mw_window_active(&w, berlin, utc(2026, 11, 1, 1, 0)));
  assert_false(mw_window_active(&w, berlin, utc(2026, 11, 1, 3, 0)));
  mw_tz_free(berlin);
}

static void test_window_syntax(void **unused)
{
  static const char *const bad[] = {"Sun",
                                    "25:00-26:00",
                                    "Sun 02:00-02:00",
                                    "Fun 01:00-02:00",
                                    "Sun 2:00-4:00",
                                    "Sun 02:00-04:00 x",
                                    "Sun,02:00-04:00",
                                    "",
                                    "Mon- 01:00-02:00"};
  struct mw_window w;
  char err[256];
  size_t i;

  (void)unused;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (mw_window_parse(bad[i], &w, err, sizeof(err)) == 0)
      fail_msg("'%s' was taken", bad[i]);
  }
  /* The text quoted back stays one line (found by fuzz_downtime). */
  assert_int_equal(mw_window_parse("Mon-Fr\n1 02:00", &w, err, sizeof(err)), -1);
  assert_null(strchr(err, '\n'));
  assert_int_equal(window("02:00-04:00").days, 0x7f);
  assert_int_equal(window("daily 02:00-04:00").days, 0x7f);
  assert_int_equal(window("Mon-Fri 22:00-06:00").days, 0x3e);
  assert_int_equal(window("fri-MON 22:00-06:00").days, 0x63);
  assert_int_equal(window("Saturday,sun 00:00-24:00").days, 0x41);
  assert_int_equal(window("Sun 23:00-00:00").end, 1440);
  /* Mon-Fri 22:00-06:00 (UTC): Friday's night runs into Saturday, Sunday's does not exist. */
  w = window("Mon-Fri 22:00-06:00");
  assert_true(mw_window_active(&w, NULL, utc(2026, 12, 4, 23, 0)));  /* Friday */
  assert_true(mw_window_active(&w, NULL, utc(2026, 12, 5, 5, 59)));  /* Saturday morning */
  assert_false(mw_window_active(&w, NULL, utc(2026, 12, 5, 22, 0))); /* Saturday night */
  assert_false(mw_window_active(&w, NULL, utc(2026, 12, 7, 5, 0)));  /* Monday morning */
  assert_true(mw_window_active(&w, NULL, utc(2026, 12, 7, 22, 30))); /* Monday night */
}

static void test_adhoc_list(void **unused)
{
  char dir[] = "/tmp/test_downtime.XXXXXX";
  const char *names[] = {"api", "mcp"};
  struct mw_downtime_list list;
  struct mw_config cfg;
  char path[128];
  char why[256];
  char err[256];
  size_t skipped = 0;
  size_t removed = 0;
  long first = 0;
  int64_t now = (int64_t)time(NULL);
  FILE *fp;

  (void)unused;
  memset(&cfg, 0, sizeof(cfg));
  assert_non_null(mkdtemp(dir));
  assert_int_equal(mw_downtime_load(dir, &list, NULL, err, sizeof(err)), 0);
  assert_int_equal(list.n, 0);
  assert_int_equal(
      mw_downtime_add(dir, names, 2, now, now + 600, "deploy\n1.4", &first, err, sizeof(err)), 0);
  assert_int_equal(first, 1);
  assert_int_equal(mw_downtime_load(dir, &list, NULL, err, sizeof(err)), 0);
  assert_int_equal(list.n, 2);
  assert_string_equal(list.items[1].member, "mcp");
  assert_string_equal(list.items[1].comment, "deploy 1.4"); /* one line */
  assert_true(mw_downtime_find(&cfg, &list, "api", now, why, sizeof(why)));
  assert_non_null(strstr(why, "downtime 1 until "));
  assert_false(mw_downtime_find(&cfg, &list, "db", now, why, sizeof(why)));
  assert_false(mw_downtime_find(&cfg, &list, "api", now + 600, why, sizeof(why)));
  mw_downtime_list_free(&list);
  /* Lines someone else wrote: the good ones count, the rest are skipped. */
  snprintf(path, sizeof(path), "%s/downtimes", dir);
  fp = fopen(path, "a");
  assert_non_null(fp);
  fprintf(fp, "garbage\n9 100 50 db backwards\n-1 1 2 db negative\n7 1 2 db ended long ago\n"
              "8 1 99999999999999 db past the year 9999\n");
  fclose(fp);
  assert_int_equal(mw_downtime_load(dir, &list, &skipped, err, sizeof(err)), 0);
  assert_int_equal(list.n, 3);
  assert_int_equal(skipped, 4);
  mw_downtime_list_free(&list);
  /* A change drops what ended; ids go on from the highest. */
  assert_int_equal(mw_downtime_add(dir, names, 1, now, now + 60, NULL, &first, err, sizeof(err)),
                   0);
  assert_int_equal(first, 8);
  assert_int_equal(mw_downtime_remove(dir, 0, "api", &removed, err, sizeof(err)), 0);
  assert_int_equal(removed, 2);
  assert_int_equal(mw_downtime_load(dir, &list, &skipped, err, sizeof(err)), 0);
  assert_int_equal(list.n, 1);
  assert_int_equal(skipped, 0);
  assert_string_equal(list.items[0].member, "mcp");
  mw_downtime_list_free(&list);
  assert_int_equal(mw_downtime_remove(dir, 2, NULL, &removed, err, sizeof(err)), 0);
  assert_int_equal(removed, 1);
  unlink(path);
  snprintf(path, sizeof(path), "%s/downtimes.lock", dir);
  unlink(path);
  rmdir(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_offsets_from_files), cmocka_unit_test(test_rule_matches_file),
      cmocka_unit_test(test_zone_names),         cmocka_unit_test(test_window_across_dst),
      cmocka_unit_test(test_window_syntax),      cmocka_unit_test(test_adhoc_list),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
