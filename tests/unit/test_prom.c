/* SPDX-License-Identifier: MIT */
/* test_prom.c - the Prometheus text exposition writer: names made valid, label values and help
 * texts escaped (a server's text ends up in labels), values as Prometheus parses them, and
 * perfdata converted to base units. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mw_core.h"

static void test_names(void **state)
{
  char out[32];
  char tiny[4];

  (void)state;
  mw_prom_name(out, sizeof(out), "time_tools_list");
  assert_string_equal(out, "time_tools_list");
  mw_prom_name(out, sizeof(out), "mcp-search/time.x");
  assert_string_equal(out, "mcp_search_time_x");
  mw_prom_name(out, sizeof(out), "9lives");
  assert_string_equal(out, "_9lives");
  mw_prom_name(out, sizeof(out), "grüße");
  assert_string_equal(out, "gr____e");
  mw_prom_name(out, sizeof(out), "");
  assert_string_equal(out, "_");
  mw_prom_name(tiny, sizeof(tiny), "abcdef");
  assert_string_equal(tiny, "abc");
}

static void test_samples(void **state)
{
  struct mw_buf out;
  const char *labels[] = {"instance", "a\"b\\c\nd", "check", "mcp-tools"};

  (void)state;
  mw_buf_init(&out, 4096);
  assert_int_equal(mw_prom_family(&out, "mcpwatch_check_state", "gauge", "State\\0 to 3\nof it"),
                   0);
  assert_int_equal(mw_prom_sample(&out, "mcpwatch_check_state", labels, 2, 2), 0);
  assert_int_equal(mw_prom_sample(&out, "up", NULL, 0, NAN), 0);
  assert_int_equal(mw_prom_sample(&out, "up", NULL, 0, INFINITY), 0);
  assert_int_equal(mw_prom_sample(&out, "up", NULL, 0, -INFINITY), 0);
  assert_int_equal(mw_prom_sample(&out, "up", NULL, 0, 0.1), 0);
  assert_string_equal(mw_buf_str(&out),
                      "# HELP mcpwatch_check_state State\\\\0 to 3\\nof it\n"
                      "# TYPE mcpwatch_check_state gauge\n"
                      "mcpwatch_check_state{instance=\"a\\\"b\\\\c\\nd\",check=\"mcp-tools\"} 2\n"
                      "up NaN\nup +Inf\nup -Inf\nup 0.1\n");
  mw_buf_free(&out);
}

/* Whole numbers are written without vfprintf: the same digits "%lld" gives, at the edges too. */
static void test_whole_numbers(void **state)
{
  static const long long values[] = {
      0, 7, -7, 10, 999999999999999LL, -999999999999999LL, LLONG_MAX, LLONG_MIN};
  char expected[64];
  struct mw_buf out;
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    mw_buf_init(&out, 64);
    assert_int_equal(mw_buf_add_int(&out, values[i]), 0);
    snprintf(expected, sizeof(expected), "%lld", values[i]);
    assert_string_equal(mw_buf_str(&out), expected);
    mw_buf_free(&out);
  }
  mw_buf_init(&out, 4096);
  assert_int_equal(mw_prom_sample(&out, "a", NULL, 0, -42), 0);
  assert_int_equal(mw_prom_sample(&out, "b", NULL, 0, 1e14), 0);
  assert_int_equal(mw_prom_sample(&out, "c", NULL, 0, 1e15), 0); /* past the whole-number path */
  assert_int_equal(mw_prom_sample(&out, "d", NULL, 0, 1e300), 0);
  assert_string_equal(mw_buf_str(&out), "a -42\nb 100000000000000\nc 1e+15\nd 1e+300\n");
  mw_buf_free(&out);
  /* A buffer too small for the digits fails rather than cutting the number. */
  mw_buf_init(&out, 4);
  assert_int_equal(mw_buf_add_int(&out, 12345), -1);
  mw_buf_free(&out);
}

static void test_full_buffer(void **state)
{
  struct mw_buf out;
  const char *labels[] = {"instance", "a long value that does not fit"};

  (void)state;
  mw_buf_init(&out, 16);
  assert_int_equal(mw_prom_sample(&out, "mcpwatch_check_state", labels, 1, 1), -1);
  mw_buf_free(&out);
}

static void test_base_units(void **state)
{
  static const struct {
    const char *label;
    const char *uom;
    double value;
    double base;
    const char *unit;
  } cases[] = {{"time", "s", 0.25, 0.25, "seconds"},
               {"time", "ms", 250, 0.25, "seconds"},
               {"time", "us", 250, 0.00025, "seconds"},
               {"/", "%", 42, 0.42, "ratio"},
               {"/", "B", 10, 10, "bytes"},
               {"/", "KB", 2, 2048, "bytes"},
               {"/", "MB", 1, 1048576, "bytes"},
               {"/", "GB", 1, 1073741824.0, "bytes"},
               {"/", "TB", 1, 1099511627776.0, "bytes"},
               {"connections", "c", 7, 7, "total"},
               {"days_left", "", 2, 172800, "seconds"},
               {"tools", "", 13, 13, ""},
               {"x", "furlongs", 3, 3, ""}};
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    double base;
    const char *unit;

    mw_perf_base(cases[i].label, cases[i].uom, cases[i].value, &base, &unit);
    assert_float_equal(base, cases[i].base, 1e-12 * fabs(cases[i].base) + 1e-15);
    assert_string_equal(unit, cases[i].unit);
  }
}

static void test_openmetrics(void **state)
{
  struct mw_buf out;
  const char *text =
      "# HELP a_runs_total Runs.\n# TYPE a_runs_total counter\na_runs_total{x=\"1\"} 3\n"
      "# a comment\n# HELP b_state State.\n# TYPE b_state gauge\nb_state NaN\n";
  (void)state;

  mw_buf_init(&out, 4096);
  assert_int_equal(mw_prom_openmetrics(text, &out), 0);
  assert_string_equal(mw_buf_str(&out),
                      "# HELP a_runs Runs.\n# TYPE a_runs counter\na_runs_total{x=\"1\"} 3\n"
                      "# HELP b_state State.\n# TYPE b_state gauge\nb_state NaN\n# EOF\n");
  mw_buf_free(&out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),       cmocka_unit_test(test_samples),
      cmocka_unit_test(test_full_buffer), cmocka_unit_test(test_base_units),
      cmocka_unit_test(test_openmetrics), cmocka_unit_test(test_whole_numbers),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
