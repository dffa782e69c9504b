/* SPDX-License-Identifier: MIT */
/* test_lateness.c - the agent's lateness histogram: buckets at their edges, quantiles within a
 * bucket's width of figures computed by hand, runs early counted as on time, and the histogram
 * /metrics shows (cumulative, +Inf, sum and count). */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent_impl.h"

#define MS 1000000LL

static void empty_has_no_quantile(void **unused)
{
  struct agent_lateness l;

  (void)unused;
  memset(&l, 0, sizeof(l));
  assert_true(isnan(lateness_quantile(&l, 0.5)));
}

static void quantiles_of_a_known_spread(void **unused)
{
  struct agent_lateness l;
  int i;

  (void)unused;
  memset(&l, 0, sizeof(l));
  /* 98 runs 2 ms late, one 40 ms late, one 3 s late. */
  for (i = 0; i < 98; i++)
    lateness_add(&l, 2 * MS);
  lateness_add(&l, 40 * MS);
  lateness_add(&l, 3000 * MS);
  assert_int_equal(l.runs, 100);
  /* 2 ms is an edge: the bucket (1.6 ms, 2 ms]. */
  assert_true(lateness_quantile(&l, 0.5) > 0.0016 && lateness_quantile(&l, 0.5) <= 0.002);
  /* The 99th of 100 is the 40 ms run: (31.5 ms, 40 ms]. */
  assert_true(lateness_quantile(&l, 0.99) > 0.0315 && lateness_quantile(&l, 0.99) <= 0.040);
  assert_true(fabs(lateness_quantile(&l, 1.0) - 3.0) < 1e-9);
  assert_true(fabs(l.max_s - 3.0) < 1e-9);
}

static void early_and_huge(void **unused)
{
  struct agent_lateness l;

  (void)unused;
  memset(&l, 0, sizeof(l));
  lateness_add(&l, -50 * MS); /* taken early within the slack: on time */
  lateness_add(&l, 0);
  assert_int_equal(l.count[0], 2);
  assert_true(lateness_quantile(&l, 0.99) == 0.0);
  lateness_add(&l, 500000 * MS); /* 500 s: past the last bound */
  assert_int_equal(l.count[LATENESS_BUCKETS - 1], 1);
  assert_true(fabs(lateness_quantile(&l, 1.0) - 500.0) < 1e-9);
}

static void metrics_are_a_histogram(void **unused)
{
  struct agent_lateness l;
  struct mw_buf out;
  const char *text;

  (void)unused;
  memset(&l, 0, sizeof(l));
  lateness_add(&l, 2 * MS);
  lateness_add(&l, 7 * MS);
  lateness_add(&l, 20000 * MS);
  mw_buf_init(&out, 1 << 16);
  lateness_metrics(&l, &out);
  text = mw_buf_str(&out);
  assert_non_null(strstr(text, "# TYPE mcpwatch_agent_run_lateness_seconds histogram\n"));
  assert_non_null(strstr(text, "mcpwatch_agent_run_lateness_seconds_bucket{le=\"0.001\"} 0\n"));
  assert_non_null(strstr(text, "mcpwatch_agent_run_lateness_seconds_bucket{le=\"0.0025\"} 1\n"));
  assert_non_null(strstr(text, "mcpwatch_agent_run_lateness_seconds_bucket{le=\"0.01\"} 2\n"));
  assert_non_null(strstr(text, "mcpwatch_agent_run_lateness_seconds_bucket{le=\"10\"} 2\n"));
  assert_non_null(strstr(text, "mcpwatch_agent_run_lateness_seconds_bucket{le=\"25\"} 3\n"));
  assert_non_null(strstr(text, "mcpwatch_agent_run_lateness_seconds_bucket{le=\"+Inf\"} 3\n"));
  assert_non_null(strstr(text, "mcpwatch_agent_run_lateness_seconds_sum 20.009\n"));
  assert_non_null(strstr(text, "mcpwatch_agent_run_lateness_seconds_count 3\n"));
  mw_buf_free(&out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(empty_has_no_quantile),
      cmocka_unit_test(quantiles_of_a_known_spread),
      cmocka_unit_test(early_and_huge),
      cmocka_unit_test(metrics_are_a_histogram),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
