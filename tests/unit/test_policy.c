/* SPDX-License-Identifier: MIT */
/* test_policy.c - the notification policy's parts that need no receiver: Nagios's weighted
 * percent state change, flapping started and stopped by its thresholds, route words, and the
 * state file keeping what each destination was told. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mw_spool.h"

#define O MW_OK
#define W MW_WARNING
#define C MW_CRITICAL

static double percent_of(const unsigned char *states, size_t n)
{
  return mw_flap_percent(states, n);
}

/* Each change weighs 0.75 (oldest of the 20 possible) to 1.25 (newest) of 5%: Nagios's curve
 * (base/flapping.c, low_curve_value 0.75, high_curve_value 1.25, 21 states). */
static void test_percent(void **unused)
{
  unsigned char h[21];
  size_t i;

  (void)unused;
  memset(h, O, sizeof(h));
  assert_float_equal(percent_of(h, 21), 0.0, 1e-9);
  for (i = 0; i < 21; i++)
    h[i] = i % 2 ? C : O;
  assert_float_equal(percent_of(h, 21), 100.0, 1e-9); /* 20 changes: 15 + 5 weights */
  memset(h, O, sizeof(h));
  h[20] = C;
  assert_float_equal(percent_of(h, 21), 6.25, 1e-9); /* one change, newest: 1.25 x 5% */
  memset(h, C, sizeof(h));
  h[0] = O;
  assert_float_equal(percent_of(h, 21), 3.75, 1e-9); /* one change, oldest: 0.75 x 5% */
  /* Nagios's documentation: 7 changes are 35% unweighted; spread evenly (x = 2, 5, ... 20) they
   * weigh 7 x 0.75 + 0.5/19 x 70. */
  memset(h, O, sizeof(h));
  {
    unsigned char s = O;
    size_t x;
    for (x = 1; x <= 20; x++) {
      if (x % 3 == 2)
        s = s == O ? W : O;
      h[x] = s;
    }
  }
  assert_float_equal(percent_of(h, 21), (7 * 0.75 + 0.5 / 19 * 70) * 5, 1e-9);
  assert_float_equal(percent_of(h, 21), 35.46, 0.01);
  /* A change between two problem states counts as one. */
  memset(h, W, sizeof(h));
  h[20] = C;
  assert_float_equal(percent_of(h, 21), 6.25, 1e-9);
  /* Fewer states than the window: they are the newest ones. */
  h[0] = O;
  h[1] = C;
  assert_float_equal(percent_of(h, 2), 6.25, 1e-9);
  assert_float_equal(percent_of(h, 1), 0.0, 1e-9);
  /* A window of 5: 4 changes weigh 0.75 to 1.25 of 25%; the newest alone 31.25%. */
  for (i = 0; i < 5; i++)
    h[i] = i % 2 ? C : O;
  assert_float_equal(mw_flap_percent_in(h, 5, 5), 100.0, 1e-9);
  memset(h, O, sizeof(h));
  h[4] = C;
  assert_float_equal(mw_flap_percent_in(h, 5, 5), 31.25, 1e-9);
  /* Only the newest states of a longer history count. */
  memset(h, O, sizeof(h));
  h[0] = C;
  assert_float_equal(mw_flap_percent_in(h, 21, 5), 0.0, 1e-9);
}

/* Alternating OK and CRITICAL from a fresh track: 29.93% after 6 results, 35.53% after 7, so
 * flapping starts at the 7th (high 30); steady OK then stops it once the changes have aged to
 * at most 20% (low), and not before. */
static void test_flapping_thresholds(void **unused)
{
  const struct mw_track_policy p = {.max_attempts = 1, .flap_low = 20.0, .flap_high = 30.0};
  struct mw_track t;
  int i;
  int stopped_at = -1;

  (void)unused;
  mw_track_init(&t);
  for (i = 1; i <= 6; i++) {
    mw_track_update(&t, i % 2 ? MW_CRITICAL : MW_OK, &p, i);
    assert_false(t.flapping);
  }
  assert_float_equal(t.flap_percent, 29.93, 0.01);
  mw_track_update(&t, MW_CRITICAL, &p, 7);
  assert_true(t.flapping);
  assert_float_equal(t.flap_percent, 35.53, 0.01);
  for (i = 8; i < 40; i++) {
    mw_track_update(&t, MW_OK, &p, i);
    if (t.flap_percent > 20.0)
      assert_true(t.flapping); /* between the thresholds it stays as it was */
    else if (stopped_at < 0)
      stopped_at = i;
    if (stopped_at > 0)
      assert_false(t.flapping);
  }
  assert_true(stopped_at > 8);
  assert_int_equal(t.nhistory, 21);
  /* Soft problems are not recorded (Nagios records hard states and recoveries only). */
  {
    const struct mw_track_policy three = {.max_attempts = 3, .flap_low = 20, .flap_high = 30};
    mw_track_init(&t);
    mw_track_update(&t, MW_OK, &three, 1);
    mw_track_update(&t, MW_CRITICAL, &three, 2);
    mw_track_update(&t, MW_OK, &three, 3);
    assert_int_equal(t.nhistory, 2);
  }
  /* Off (flap_high 0): nothing recorded, never flapping. */
  {
    const struct mw_track_policy off = {.max_attempts = 1};
    mw_track_init(&t);
    for (i = 0; i < 21; i++)
      mw_track_update(&t, i % 2 ? MW_CRITICAL : MW_OK, &off, i);
    assert_false(t.flapping);
    assert_int_equal(t.nhistory, 0);
  }
}

static void test_routes(void **unused)
{
  (void)unused;
  assert_int_equal(mw_route_parse("critical"), MW_ROUTE_CRITICAL);
  assert_int_equal(mw_route_parse("WARNING"), MW_ROUTE_WARNING);
  assert_int_equal(mw_route_parse("recovery"), MW_ROUTE_RECOVERY);
  assert_int_equal(mw_route_parse("flapping"), MW_ROUTE_FLAPPING);
  assert_int_equal(mw_route_parse("unknown"), MW_ROUTE_UNKNOWN);
  assert_int_equal(mw_route_parse("ok"), 0);
  assert_int_equal(mw_route_parse(""), 0);
  assert_int_equal(mw_route_of_state(MW_OK), 0);
  assert_int_equal(mw_route_of_state(MW_UNKNOWN), MW_ROUTE_UNKNOWN);
}

static void test_file_keeps_policy(void **unused)
{
  const struct mw_track_policy p = {.max_attempts = 1, .flap_low = 20.0, .flap_high = 30.0};
  char dir[] = "/tmp/mw-policy-XXXXXX";
  char err[256];
  char path[300];
  struct mw_track t;
  struct mw_track back;
  struct mw_track_told told;
  FILE *fp;
  int i;

  (void)unused;
  assert_non_null(mkdtemp(dir));
  mw_track_init(&t);
  for (i = 1; i <= 8; i++)
    mw_track_update(&t, i % 2 ? MW_CRITICAL : MW_WARNING, &p, i);
  assert_true(t.flapping);
  memset(&told, 0, sizeof(told));
  snprintf(told.dest, sizeof(told.dest), "oncall");
  told.state = MW_CRITICAL;
  told.flapping = true;
  told.at = 1234;
  assert_int_equal(mw_track_put_told(&t, &told), 0);
  snprintf(told.dest, sizeof(told.dest), "chat");
  told.state = MW_OK;
  told.flapping = true;
  told.at = 0;
  assert_int_equal(mw_track_put_told(&t, &told), 0);
  snprintf(t.note, sizeof(t.note), "held: main-db is CRITICAL");
  assert_int_equal(mw_track_save(dir, "api", &t, err, sizeof(err)), 0);
  assert_int_equal(mw_track_load(dir, "api", &back, err, sizeof(err)), 0);
  assert_true(back.flapping);
  assert_int_equal(back.nhistory, 8);
  assert_memory_equal(back.history, t.history, 8);
  assert_float_equal(back.flap_percent, t.flap_percent, 1e-9);
  assert_string_equal(back.note, "held: main-db is CRITICAL");
  mw_track_told_get(&back, "oncall", &told);
  assert_int_equal(told.state, MW_CRITICAL);
  assert_true(told.flapping);
  assert_int_equal(told.at, 1234);
  mw_track_told_get(&back, "chat", &told);
  assert_int_equal(told.state, MW_OK);
  assert_true(told.flapping);
  /* OK and not flapping: the entry goes. */
  told.flapping = false;
  assert_int_equal(mw_track_put_told(&back, &told), 0);
  assert_int_equal(back.ntold, 1);
  /* A file of before reminders per destination: its problem's time is the track's. */
  snprintf(path, sizeof(path), "%s/old.state", dir);
  fp = fopen(path, "w");
  assert_non_null(fp);
  fputs("hard=CRITICAL last=CRITICAL attempts=0 since=5 notified=77 problem_sent=1\nseq 3\n"
        "told oncall CRITICAL\n",
        fp);
  fclose(fp);
  assert_int_equal(mw_track_load(dir, "old", &back, err, sizeof(err)), 0);
  mw_track_told_get(&back, "oncall", &told);
  assert_int_equal(told.at, 77);
  assert_false(back.flapping);
  /* Garbage in the new lines is refused like any other. */
  fp = fopen(path, "w");
  assert_non_null(fp);
  fputs("hard=OK last=OK attempts=0 since=5 notified=0 problem_sent=0\nseq 3\nhistory OXC\n", fp);
  fclose(fp);
  assert_int_equal(mw_track_load(dir, "old", &back, err, sizeof(err)), -1);
  fp = fopen(path, "w");
  assert_non_null(fp);
  fputs("hard=OK last=OK attempts=0 since=5 notified=0 problem_sent=0\nseq 3\n"
        "told a CRITICAL sometimes\n",
        fp);
  fclose(fp);
  assert_int_equal(mw_track_load(dir, "old", &back, err, sizeof(err)), -1);
  unlink(path);
  snprintf(path, sizeof(path), "%s/api.state", dir);
  unlink(path);
  rmdir(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_percent),
      cmocka_unit_test(test_flapping_thresholds),
      cmocka_unit_test(test_routes),
      cmocka_unit_test(test_file_keeps_policy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
