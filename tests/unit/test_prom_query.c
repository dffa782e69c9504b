/* SPDX-License-Identifier: MIT */
/* test_prom_query.c - Prometheus API answers: each result type, NaN and infinities, the API's
 * errors, a --for window held or not, and the form encoding of a query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prom_query.h"

static struct mw_range warn, crit;

static int parse(const char *body, size_t window, struct prom_outcome *out, char *err)
{
  struct prom_judge j = {&warn, &crit, window, {NULL}, 0};

  return prom_parse(body, strlen(body), &j, out, err, 256);
}

static void test_vector(void **state)
{
  struct prom_outcome o;
  char err[256];

  (void)state;
  assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                         "{\"metric\":{\"__name__\":\"up\",\"job\":\"a\"},\"value\":[1,\"0.7\"]},"
                         "{\"metric\":{\"job\":\"b\"},\"value\":[1,\"NaN\"]},"
                         "{\"metric\":{},\"value\":[1,\"+Inf\"]}]},\"warnings\":[\"w1\",\"w2\"]}",
                         1, &o, err),
                   0);
  assert_int_equal(o.type, PROM_VECTOR);
  assert_int_equal(o.nseries, 3);
  assert_string_equal(o.series[0].name, "job=a"); /* __name__ left out beside other labels */
  assert_string_equal(o.series[0].perf, "a");
  assert_int_equal(o.series[0].state, MW_WARNING);
  assert_true(isnan(o.series[1].value));
  assert_int_equal(o.series[1].state, MW_UNKNOWN);
  assert_string_equal(o.series[2].name, "value");
  assert_int_equal(o.series[2].state, MW_CRITICAL);
  assert_string_equal(o.warnings, "w1; w2");
  prom_outcome_free(&o);
}

static void test_matrix(void **state)
{
  static const char held[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                             "\"result\":[{\"metric\":{\"i\":\"x\"},\"values\":[[1,\"0.9\"],[2,"
                             "\"0.7\"],[3,\"0.95\"]]}]}}";
  struct prom_outcome o;
  char err[256];

  (void)state;
  /* three samples, all above -w 0.5, one below -c 0.8: the mildest (WARNING) decides */
  assert_int_equal(parse(held, 3, &o, err), 0);
  assert_true(o.series[0].held);
  assert_int_equal(o.series[0].state, MW_WARNING);
  assert_true(o.series[0].value == 0.95);
  prom_outcome_free(&o);
  /* the window needs four: not held, OK */
  assert_int_equal(parse(held, 4, &o, err), 0);
  assert_false(o.series[0].held);
  assert_int_equal(o.series[0].state, MW_OK);
  prom_outcome_free(&o);
}

static void test_scalar_string(void **state)
{
  struct prom_outcome o;
  char err[256];

  (void)state;
  assert_int_equal(
      parse("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"-Inf\"]}}",
            1, &o, err),
      0);
  assert_int_equal(o.type, PROM_SCALAR);
  assert_true(isinf(o.series[0].value) && o.series[0].value < 0);
  prom_outcome_free(&o);
  assert_int_equal(
      parse("{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"hi\"]}}",
            1, &o, err),
      0);
  assert_int_equal(o.type, PROM_STRING);
  assert_string_equal(o.text, "hi");
  prom_outcome_free(&o);
}

static void test_errors(void **state)
{
  struct prom_outcome o;
  char err[256];

  (void)state;
  assert_int_equal(parse("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse "
                         "error\"}",
                         1, &o, err),
                   -1);
  assert_string_equal(err, "Prometheus: bad_data: parse error");
  assert_int_equal(parse("<html>", 1, &o, err), -1);
  assert_int_equal(parse("[]", 1, &o, err), -1);
  assert_int_equal(parse("{\"status\":\"success\"}", 1, &o, err), -1);
  assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                         "[{\"metric\":{},\"value\":[1,\"abc\"]}]}}",
                         1, &o, err),
                   -1);
  assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                         "[{\"metric\":{},\"value\":[1,2]}]}}",
                         1, &o, err),
                   -1);
  assert_int_equal(
      parse("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":7}}", 1, &o,
            err),
      -1);
}

static void test_encode(void **state)
{
  char out[64];

  (void)state;
  assert_true(prom_form_encode("rate(x{a=\"b c\"}[5m])>0.5&y", out, sizeof(out)));
  assert_string_equal(out, "rate%28x%7Ba%3D%22b%20c%22%7D%5B5m%5D%29%3E0.5%26y");
  assert_false(prom_form_encode("{{{{{{{{{{{{{{{{{{{{{{{{", out, sizeof(out)));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vector),        cmocka_unit_test(test_matrix),
      cmocka_unit_test(test_scalar_string), cmocka_unit_test(test_errors),
      cmocka_unit_test(test_encode),
  };
  char err[128];

  if (mw_range_parse("0.5", NULL, &warn, err, sizeof(err)) != 0 ||
      mw_range_parse("0.8", NULL, &crit, err, sizeof(err)) != 0)
    return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
