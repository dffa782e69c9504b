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
      cmocka_unit_test(test_words),
      cmocka_unit_test(test_nul_in_strings),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
