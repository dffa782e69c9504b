/* SPDX-License-Identifier: MIT */
/* test_modes.c - perfdata thresholds of the checks with modes: a range converted from another
 * unit (a percentage of a limit) is a whole number, one given in the value's own unit is shown
 * as written. */
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

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_own_unit_kept),
      cmocka_unit_test(test_converted_whole),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
