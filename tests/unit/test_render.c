/* SPDX-License-Identifier: MIT */
/* Perfdata rendering, result trees, sanitising and JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_core.h"

static char *render(const struct mw_result *res)
{
  struct mw_buf out;

  mw_buf_init(&out, 1 << 16);
  assert_int_equal(mw_render_nagios(res, "TEST", &out), 0);
  return out.data;
}

static void add_perf(struct mw_result *res, const char *label, double value, const char *uom,
                     const char *warn, const char *crit, double min, double max)
{
  struct mw_range w;
  struct mw_range c;
  char err[100];
  struct mw_perf perf = {label, value, uom, NULL, NULL, min, max};

  if (warn) {
    assert_int_equal(mw_range_parse(warn, NULL, &w, err, sizeof(err)), 0);
    perf.warn = &w;
  }
  if (crit) {
    assert_int_equal(mw_range_parse(crit, NULL, &c, err, sizeof(err)), 0);
    perf.crit = &c;
  }
  mw_result_perf(res, &perf);
}

static void expect_perf(const char *label, double value, const char *uom, const char *warn,
                        const char *crit, double min, double max, const char *expected)
{
  struct mw_result *res = mw_result_new();
  char *text;
  const char *bar;

  mw_result_summary(res, "x");
  add_perf(res, label, value, uom, warn, crit, min, max);
  text = render(res);
  bar = strchr(text, '|');
  assert_non_null(bar);
  assert_string_equal(bar + 2, expected);
  free(text);
  mw_result_free(res);
}

static void test_perfdata(void **state)
{
  (void)state;
  expect_perf("time", 0.5, "s", "1", "2", NAN, NAN, "time=0.5s;1;2\n");
  expect_perf("time", 0.5, "s", NULL, NULL, NAN, NAN, "time=0.5s\n");
  expect_perf("size", 1024, "B", NULL, NULL, 0, 4096, "size=1024B;;;0;4096\n");
  expect_perf("pct", 12.25, "%", "80", "90", 0, 100, "pct=12.25%;80;90;0;100\n");
  expect_perf("a label", 1, "", NULL, NULL, NAN, NAN, "'a label'=1\n");
  expect_perf("it's", 1, "", NULL, NULL, NAN, NAN, "'it''s'=1\n");
  expect_perf("x=y", 1, "", NULL, NULL, NAN, NAN, "x_y=1\n");
  expect_perf("days", 12.5, "", "30:", "7:", NAN, NAN, "days=12.5;30:;7:\n");
  expect_perf("lag", NAN, "s", NULL, NULL, NAN, NAN, "lag=U\n");
  expect_perf("neg", -3, "", "~:0", "@-5:-1", NAN, NAN, "neg=-3;~:0;@-5:-1\n");
  expect_perf("big", 270553174016.0, "B", NULL, NULL, NAN, NAN, "big=270553174016B\n");
  expect_perf("tiny", 0.000125, "s", NULL, NULL, NAN, NAN, "tiny=0.000125s\n");
  expect_perf("line\nbreak|pipe", 1, "", NULL, NULL, NAN, NAN, "line_break_pipe=1\n");
  expect_perf("/", 1, "B", NULL, NULL, 0, NAN, "/=1B;;;0\n");
}

/* What the collectd plugin reads back: each node's own perfdata, in order, ranges only when
 * given. */
static void test_perf_access(void **state)
{
  struct mw_result *res = mw_result_new();
  struct mw_result *child = mw_result_child(res);
  struct mw_range warn = {-INFINITY, 80, false, 0};
  struct mw_perf a = {"a", 1, "s", &warn, NULL, NAN, NAN};
  struct mw_perf b = {"b|c", 2, "B", NULL, NULL, 0, 10};
  struct mw_perf got;
  (void)state;

  mw_result_perf(res, &a);
  mw_result_perf(child, &b);
  assert_int_equal(mw_result_perf_count(res), 1);
  assert_int_equal(mw_result_perf_count(child), 1);
  assert_int_equal(mw_result_perf_at(res, 0, &got), 0);
  assert_string_equal(got.label, "a");
  assert_string_equal(got.uom, "s");
  assert_true(got.value == 1);
  assert_non_null(got.warn);
  assert_true(got.warn->end == 80);
  assert_null(got.crit);
  assert_true(isnan(got.min));
  assert_int_equal(mw_result_perf_at(res, 1, &got), -1);
  assert_int_equal(mw_result_perf_at(child, 0, &got), 0);
  assert_string_equal(got.label, "b_c"); /* sanitised when stored */
  assert_true(got.max == 10);
  assert_int_equal(mw_result_perf_at(NULL, 0, &got), -1);
  assert_int_equal(mw_result_perf_count(NULL), 0);
  mw_result_free(res);
}

static void test_service_name(void **state)
{
  char out[16];
  (void)state;

  mw_service_name("rest-health", out, sizeof(out));
  assert_string_equal(out, "REST-HEALTH");
  mw_service_name("a-very-long-check-name", out, sizeof(out));
  assert_string_equal(out, "A-VERY-LONG-CHE");
}

static void test_tree_and_sanitising(void **state)
{
  struct mw_result *res = mw_result_new();
  struct mw_result *a = mw_result_child(res);
  struct mw_result *b = mw_result_child(res);
  struct mw_result *b1 = mw_result_child(b);
  char *text;
  (void)state;

  mw_result_summary(res, "top | with pipe\nand newline");
  mw_result_state(a, MW_OK);
  mw_result_summary(a, "child a");
  mw_result_state(b, MW_WARNING);
  mw_result_summary(b, "child b");
  mw_result_state(b1, MW_CRITICAL);
  mw_result_summary(b1, "grandchild");
  add_perf(a, "a", 1, "", NULL, NULL, NAN, NAN);
  add_perf(b1, "b1", 2, "", NULL, NULL, NAN, NAN);
  assert_int_equal(mw_result_get_state(res), MW_CRITICAL);
  assert_int_equal(mw_result_get_state(a), MW_OK);
  assert_int_equal(mw_result_get_state(b), MW_CRITICAL);
  text = render(res);
  assert_string_equal(text, "TEST CRITICAL - top ! with pipe and newline | a=1 b1=2\n"
                            "\\_ [OK] child a\n"
                            "\\_ [CRITICAL] child b\n"
                            "  \\_ [CRITICAL] grandchild\n");
  free(text);
  mw_result_free(res);
}

static void test_worst_order(void **state)
{
  (void)state;
  assert_int_equal(mw_state_worst(MW_OK, MW_UNKNOWN), MW_UNKNOWN);
  assert_int_equal(mw_state_worst(MW_UNKNOWN, MW_WARNING), MW_WARNING);
  assert_int_equal(mw_state_worst(MW_WARNING, MW_CRITICAL), MW_CRITICAL);
  assert_int_equal(mw_state_worst(MW_CRITICAL, MW_UNKNOWN), MW_CRITICAL);
  assert_int_equal(mw_state_worst(MW_OK, MW_OK), MW_OK);
}

static void test_json(void **state)
{
  struct mw_result *res = mw_result_new();
  struct mw_buf out;
  (void)state;

  mw_result_state(res, MW_WARNING);
  mw_result_summary(res, "quote \" backslash \\ tab\t");
  add_perf(res, "t", 1.5, "s", "1", NULL, 0, NAN);
  mw_buf_init(&out, 4096);
  assert_int_equal(mw_render_json(res, &out), 0);
  assert_string_equal(mw_buf_str(&out),
                      "{\"state\":\"WARNING\",\"exit_code\":1,\"summary\":\"quote \\\" backslash "
                      "\\\\ tab \",\"perfdata\":[{\"label\":\"t\",\"value\":1.5,\"uom\":\"s\","
                      "\"warn\":\"1\",\"crit\":null,\"min\":0,\"max\":null}],\"children\":[]}");
  mw_buf_free(&out);
  mw_result_free(res);
}

/* Found by fuzz_render: a server's bytes that are not UTF-8 made the JSON output (and the
 * notifiers' JSON bodies) invalid. */
static void test_json_is_utf8(void **state)
{
  struct mw_buf out;
  (void)state;

  mw_buf_init(&out, 4096);
  assert_int_equal(mw_json_string(&out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), 0);
  assert_string_equal(mw_buf_str(&out), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  mw_buf_reset(&out);
  /* a lone continuation, a truncated sequence, an overlong '/', a surrogate, past U+10FFFF */
  assert_int_equal(mw_json_string(&out, "a\x80"
                                        "b\xc3"
                                        "c\xc0\xaf"
                                        "d\xed\xa0\x80"
                                        "e\xf4\x90\x80\x80"),
                   0);
  assert_string_equal(mw_buf_str(&out), "\"a\xef\xbf\xbd"
                                        "b\xef\xbf\xbd"
                                        "c\xef\xbf\xbd\xef\xbf\xbd"
                                        "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                                        "e\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  mw_buf_free(&out);
}

/* A unit is code's, but it reaches the status line: nothing in it may end the perfdata item or
 * the line. */
static void test_uom_is_sanitised(void **state)
{
  struct mw_result *res = mw_result_new();
  struct mw_buf out;
  (void)state;

  mw_result_summary(res, "ok");
  add_perf(res, "t", 1, "a|b\nc=d", NULL, NULL, NAN, NAN);
  mw_buf_init(&out, 4096);
  assert_int_equal(mw_render_nagios(res, "X", &out), 0);
  assert_string_equal(mw_buf_str(&out), "X OK - ok | t=1a_b_c_d\n");
  mw_buf_free(&out);
  mw_result_free(res);
}

static void test_long_summary_is_capped(void **state)
{
  struct mw_result *res = mw_result_new();
  char big[10000];
  (void)state;

  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  mw_result_summary(res, "%s", big);
  assert_true(strlen(mw_result_get_summary(res)) < 4096);
  assert_true(strlen(mw_result_get_summary(res)) > 4000);
  mw_result_free(res);
}

static void test_buf_cap(void **state)
{
  struct mw_buf b;
  (void)state;

  mw_buf_init(&b, 8);
  assert_int_equal(mw_buf_adds(&b, "12345678"), 0);
  assert_int_equal(mw_buf_adds(&b, "9"), -1);
  assert_true(b.failed);
  assert_string_equal(mw_buf_str(&b), "12345678");
  mw_buf_free(&b);
}

static void test_number_format(void **state)
{
  char out[64];
  (void)state;

  mw_format_number(0.1, out, sizeof(out));
  assert_string_equal(out, "0.1");
  mw_format_number(1.0 / 3.0, out, sizeof(out));
  assert_true(strtod(out, NULL) == 1.0 / 3.0);
  mw_format_number(-42, out, sizeof(out));
  assert_string_equal(out, "-42");
  mw_format_number(1e20, out, sizeof(out));
  assert_true(strtod(out, NULL) == 1e20);
}

/* Short summaries live in the result, longer ones on the heap: replaced in either direction,
 * built from the summary they replace, sanitised either way, freed (ASan and valgrind). */
static void test_summary_storage(void **state)
{
  struct mw_result *res = mw_result_new();
  char long_text[300];
  char expected[400];
  (void)state;

  assert_non_null(res);
  memset(long_text, 'y', sizeof(long_text) - 1);
  long_text[sizeof(long_text) - 1] = '\0';
  mw_result_summary(res, "%.0f of %.0f|ok\n", 3.0, 100.0);
  assert_string_equal(mw_result_get_summary(res), "3 of 100!ok ");
  mw_result_summary(res, "was %s, again", mw_result_get_summary(res));
  assert_string_equal(mw_result_get_summary(res), "was 3 of 100!ok , again");
  mw_result_summary(res, "%s|%s", long_text, mw_result_get_summary(res));
  snprintf(expected, sizeof(expected), "%s!was 3 of 100!ok , again", long_text);
  assert_string_equal(mw_result_get_summary(res), expected);
  mw_result_summary(res, "%.5s", mw_result_get_summary(res));
  assert_string_equal(mw_result_get_summary(res), "yyyyy");
  mw_result_summary(res, "%5.1f%%\t", 2.25); /* not the fast path's: vsnprintf, on the heap */
  assert_string_equal(mw_result_get_summary(res), "  2.2% ");
  mw_result_summary(res, "%s", "");
  assert_string_equal(mw_result_get_summary(res), "");
  assert_false(mw_result_failed(res));
  mw_result_free(res);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_perfdata),
      cmocka_unit_test(test_perf_access),
      cmocka_unit_test(test_service_name),
      cmocka_unit_test(test_tree_and_sanitising),
      cmocka_unit_test(test_worst_order),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_json_is_utf8),
      cmocka_unit_test(test_uom_is_sanitised),
      cmocka_unit_test(test_long_summary_is_capped),
      cmocka_unit_test(test_buf_cap),
      cmocka_unit_test(test_number_format),
      cmocka_unit_test(test_summary_storage),
  };
  return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
