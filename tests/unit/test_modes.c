/* SPDX-License-Identifier: MIT */
/* test_modes.c - perfdata thresholds of the checks with modes: a range converted from another
 * unit (a percentage of a limit) is a whole number, one given in the value's own unit is shown
 * as written. And the checks' rounding without libm (mw_round) against libm's round(). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mw_core.h"
#include "modes.h"

enum { K_PLAIN = 1, K_PERCENT };
static const struct mw_unit units[] = {{"", 1, K_PLAIN}, {"%", 1, K_PERCENT}, {NULL, 0, 0}};

/* The perfdata of one value with -w warn -c crit on a limit of 15. */
static void perf_of(const char *warn, const char *crit, char *out, size_t outlen)
{
  struct mode_ranges ranges;
  const double factor[MODE_KINDS] = {0, 1, 15.0 / 100};
  struct mw_result *res = mw_result_new();
  struct mw_buf text;
  char err[256];
  const char *bar;

  memset(&ranges, 0, sizeof(ranges));
  assert_int_equal(mw_range_parse(warn, units, &ranges.warn, err, sizeof(err)), 0);
  assert_int_equal(mw_range_parse(crit, units, &ranges.crit, err, sizeof(err)), 0);
  ranges.has_warn = ranges.has_crit = true;
  modes_perf(res, &ranges, factor, "clients", 7, "", 0, 15);
  mw_buf_init(&text, 4096);
  mw_render_nagios(res, "T", &text);
  bar = strstr(mw_buf_str(&text), "| ");
  assert_non_null(bar);
  snprintf(out, outlen, "%s", bar + 2);
  out[strcspn(out, "\n")] = '\0';
  mw_buf_free(&text);
  mw_result_free(res);
}

static void test_own_unit_kept(void **state)
{
  char perf[256];

  (void)state;
  perf_of("2.5", "3.75", perf, sizeof(perf));
  assert_string_equal(perf, "clients=7;2.5;3.75;0;15");
}

static void test_converted_whole(void **state)
{
  char perf[256];

  (void)state;
  perf_of("50%", "90%", perf, sizeof(perf));
  assert_string_equal(perf, "clients=7;8;14;0;15");
}

static void same_as_round(double x)
{
  double want = round(x);
  double got = mw_round(x);

  if (isnan(want)) {
    assert_true(isnan(got));
    return;
  }
  if (got != want || signbit(got) != signbit(want))
    fail_msg("mw_round(%.17g) = %.17g, round() = %.17g", x, got, want);
}

static void test_round_without_libm(void **state)
{
  static const double edges[] = {0.0,
                                 -0.0,
                                 0.3,
                                 -0.3,
                                 0.5,
                                 -0.5,
                                 1.5,
                                 2.5,
                                 -2.5,
                                 0.49999999999999994,
                                 -0.49999999999999994,
                                 4503599627370495.5,
                                 -4503599627370495.5,
                                 4503599627370496.0,
                                 9007199254740993.0,
                                 1e300,
                                 -1e300,
                                 5e-324,
                                 123456.7894999,
                                 INFINITY,
                                 -INFINITY,
                                 NAN};
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
    same_as_round(edges[i]);
  /* Random bit patterns cover every exponent; scaled ones the values checks round. */
  for (i = 0; i < 200000; i++) {
    double x;

    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    memcpy(&x, &seed, sizeof(x));
    same_as_round(x);
    same_as_round((double)(int64_t)(seed >> 11) / 9007199254740992.0 * 2e7 - 1e7);
    same_as_round(((double)(seed >> 40) + 0.5) * ((seed & 1) ? 1 : -1));
  }
  assert_true(mw_whole_multiple(7200, 3600));
  assert_true(mw_whole_multiple(-120, 60));
  assert_true(mw_whole_multiple(0, 60));
  assert_false(mw_whole_multiple(90, 60));
  assert_false(mw_whole_multiple(3600.5, 3600));
  assert_false(mw_whole_multiple(NAN, 60));
  assert_false(mw_whole_multiple(INFINITY, 60));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_without_libm),
      cmocka_unit_test(test_own_unit_kept),
      cmocka_unit_test(test_converted_whole),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
