/* SPDX-License-Identifier: MIT */
/* test_rest_body.c - rest-health's health documents: the states the status words give, and a
 * status holding a NUL byte (\u0000), which must never read as healthy nor as "no document". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mw_core.h"
#include "rest_health.h"

/* The state the body alone adds up to, with --health-doc as given. */
static enum mw_state judge(const char *body, enum health_doc mode)
{
  struct rest rest;
  struct mw_http_response resp;
  struct problems problems;
  struct mw_result *res = mw_result_new();
  enum mw_state state;

  assert_non_null(res);
  memset(&rest, 0, sizeof(rest));
  memset(&resp, 0, sizeof(resp));
  memset(&problems, 0, sizeof(problems));
  rest.health_doc = mode;
  resp.status = 200;
  resp.body = (char *)body;
  resp.body_len = strlen(body);
  rest_body_check(&rest, &resp, res, &problems);
  state = mw_state_worst(problems.state, mw_result_get_state(res));
  mw_result_free(res);
  return state;
}

static void test_words(void **state)
{
  (void)state;
  assert_int_equal(judge("{\"status\":\"UP\"}", HEALTH_AUTO), MW_OK);
  assert_int_equal(judge("{\"status\":\"degraded\"}", HEALTH_AUTO), MW_WARNING);
  assert_int_equal(judge("{\"status\":\"down\"}", HEALTH_AUTO), MW_CRITICAL);
  assert_int_equal(judge("{\"status\":\"ok\",\"checks\":{\"db\":\"down\"}}", HEALTH_AUTO),
                   MW_CRITICAL);
  assert_int_equal(judge("plain text", HEALTH_AUTO), MW_OK);
  assert_int_equal(judge("plain text", HEALTH_ON), MW_CRITICAL);
}

static void test_health_formats(void **state)
{
  (void)state;
  assert_int_equal(judge("{\"status\":\"HEALTHY\"}", HEALTH_AUTO), MW_OK);
  assert_int_equal(judge("{\"status\":\"DEGRADED\"}", HEALTH_AUTO), MW_WARNING);
  assert_int_equal(judge("{\"status\":\"UNHEALTHY\"}", HEALTH_AUTO), MW_CRITICAL);
  /* Aggregators name it overall_status. */
  assert_int_equal(judge("{\"overall_status\":\"UNHEALTHY\",\"services\":[]}", HEALTH_AUTO),
                   MW_CRITICAL);
  assert_int_equal(judge("{\"overall_status\":\"DEGRADED\"}", HEALTH_AUTO), MW_WARNING);
  /* Prometheus's API answer and other status words are not health documents... */
  assert_int_equal(
      judge("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}", HEALTH_AUTO), MW_OK);
  assert_int_equal(judge("{\"status\":\"running\"}", HEALTH_AUTO), MW_OK);
  /* ...unless --health-doc on says the body must be one. */
  assert_int_equal(judge("{\"status\":\"success\"}", HEALTH_ON), MW_CRITICAL);
}

/* The state one --json-path rule gives: ranges "WARN;CRIT" (NULL: none), or a state map. */
static enum mw_state judge_rule(const char *body, const char *path, const char *warn,
                                const char *crit, const struct state_entry *map, size_t n_map)
{
  struct rest rest;
  struct mw_http_response resp;
  struct problems problems;
  struct mw_result *res = mw_result_new();
  char reason[128];
  enum mw_state state;

  assert_non_null(res);
  memset(&rest, 0, sizeof(rest));
  memset(&resp, 0, sizeof(resp));
  memset(&problems, 0, sizeof(problems));
  rest.health_doc = HEALTH_OFF;
  rest.n_json = 1;
  rest.json[0].path = (char *)path;
  if (warn) {
    assert_int_equal(mw_range_parse(warn, NULL, &rest.json[0].warn, reason, sizeof(reason)), 0);
    rest.json[0].has_warn = true;
  }
  if (crit) {
    assert_int_equal(mw_range_parse(crit, NULL, &rest.json[0].crit, reason, sizeof(reason)), 0);
    rest.json[0].has_crit = true;
  }
  if (map) {
    memcpy(rest.state_map, map, n_map * sizeof(*map));
    rest.n_state_map = n_map;
    rest.state_map_default = MW_UNKNOWN;
    rest.json[0].mapped = true;
  }
  resp.status = 200;
  resp.body = (char *)body;
  resp.body_len = strlen(body);
  rest_body_check(&rest, &resp, res, &problems);
  state = mw_state_worst(problems.state, mw_result_get_state(res));
  mw_result_free(res);
  return state;
}

static void test_numbers_as_strings(void **state)
{
  (void)state;
  assert_int_equal(judge_rule("{\"n\":\"7\"}", "n", "5", "10", NULL, 0), MW_WARNING);
  assert_int_equal(judge_rule("{\"n\":\"0.25\"}", "n", "5", "10", NULL, 0), MW_OK);
  assert_int_equal(judge_rule("{\"n\":\"-12.5e1\"}", "n", "-200:", NULL, NULL, 0), MW_OK);
  assert_int_equal(judge_rule("{\"n\":\"11\"}", "n", "5", "10", NULL, 0), MW_CRITICAL);
  /* Text that only starts like a number, hex, infinities, NaN and NUL tails are not numbers. */
  assert_int_equal(judge_rule("{\"n\":\"7 apples\"}", "n", "5", "10", NULL, 0), MW_CRITICAL);
  assert_int_equal(judge_rule("{\"n\":\"0x1\"}", "n", "5", "10", NULL, 0), MW_CRITICAL);
  assert_int_equal(judge_rule("{\"n\":\"+Inf\"}", "n", "5", "10", NULL, 0), MW_CRITICAL);
  assert_int_equal(judge_rule("{\"n\":\"NaN\"}", "n", "5", "10", NULL, 0), MW_CRITICAL);
  assert_int_equal(judge_rule("{\"n\":\" 1\"}", "n", "5", "10", NULL, 0), MW_CRITICAL);
  assert_int_equal(judge_rule("{\"n\":\"1\\u00009\"}", "n", "5", "10", NULL, 0), MW_CRITICAL);
  assert_int_equal(judge_rule("{\"n\":\"\"}", "n", "5", "10", NULL, 0), MW_CRITICAL);
}

static void test_state_map(void **state)
{
  static const struct state_entry map[] = {
      {"HEALTHY", 7, MW_OK}, {"DEGRADED", 8, MW_WARNING}, {"UNHEALTHY", 9, MW_CRITICAL}};

  (void)state;
  assert_int_equal(judge_rule("{\"s\":\"HEALTHY\"}", "s", NULL, NULL, map, 3), MW_OK);
  assert_int_equal(judge_rule("{\"s\":\"degraded\"}", "s", NULL, NULL, map, 3), MW_WARNING);
  assert_int_equal(judge_rule("{\"s\":\"UNHEALTHY\"}", "s", NULL, NULL, map, 3), MW_CRITICAL);
  /* Not listed: the default, UNKNOWN; a prefix of a listed value is not it. */
  assert_int_equal(judge_rule("{\"s\":\"MAINTENANCE\"}", "s", NULL, NULL, map, 3), MW_UNKNOWN);
  assert_int_equal(judge_rule("{\"s\":\"HEALTH\"}", "s", NULL, NULL, map, 3), MW_UNKNOWN);
  assert_int_equal(judge_rule("{}", "s", NULL, NULL, map, 3), MW_CRITICAL);
}

static void test_nul_in_strings(void **state)
{
  (void)state;
  /* Anywhere in the document: the status is still read. */
  assert_int_equal(judge("{\"note\":\"a\\u0000b\",\"status\":\"down\"}", HEALTH_AUTO), MW_CRITICAL);
  assert_int_equal(judge("{\"note\":\"a\\u0000b\",\"status\":\"down\"}", HEALTH_ON), MW_CRITICAL);
  assert_int_equal(judge("{\"note\":\"a\\u0000b\",\"status\":\"ok\"}", HEALTH_ON), MW_OK);
  /* In the status itself: no healthy word. */
  assert_int_equal(judge("{\"status\":\"ok\\u0000down\"}", HEALTH_AUTO), MW_CRITICAL);
  assert_int_equal(
      judge("{\"status\":\"ok\",\"checks\":{\"db\":{\"status\":\"up\\u0000\"}}}", HEALTH_AUTO),
      MW_CRITICAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_words),          cmocka_unit_test(test_nul_in_strings),
      cmocka_unit_test(test_health_formats), cmocka_unit_test(test_numbers_as_strings),
      cmocka_unit_test(test_state_map),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
