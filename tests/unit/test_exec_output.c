/* SPDX-License-Identifier: MIT */
/* test_exec_output.c - a plugin's output as the exec check reads it: the guidelines' own
 * example, quoted labels, U values, units, ranges, and items that are not perfdata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exec_output.h"
#include "mw_core.h"

static struct mw_result *parse(const char *text, size_t *bad)
{
  struct mw_result *res = mw_result_new();

  assert_non_null(res);
  *bad = exec_parse_output(text, strlen(text), res, 100);
  return res;
}

static char *nagios(const struct mw_result *res)
{
  struct mw_buf out;
  char *copy;

  mw_buf_init(&out, 1 << 20);
  assert_int_equal(mw_render_nagios(res, "EXEC", &out), 0);
  copy = strdup(mw_buf_str(&out));
  mw_buf_free(&out);
  return copy;
}

/* The example of the Nagios plugin guidelines: perfdata on the first line and after the first
 * '|' of the long output, continued on the lines after it. */
static void test_guidelines(void **state)
{
  static const char text[] = "DISK OK - free space: / 3326 MB (56%);| /=2643MB;5948;5958;0;5968\n"
                             "/ 15272 MB (77%);\n"
                             "/boot 68 MB (69%);\n"
                             "/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n"
                             "/var/log=818MB;970;975;0;980\n";
  struct mw_result *res;
  struct mw_perf perf;
  size_t bad;
  char *out;

  (void)state;
  res = parse(text, &bad);
  assert_int_equal(bad, 0);
  assert_string_equal(mw_result_get_summary(res), "DISK OK - free space: / 3326 MB (56%);");
  assert_int_equal(mw_result_perf_count(res), 3);
  assert_int_equal(mw_result_perf_at(res, 0, &perf), 0);
  assert_string_equal(perf.label, "/");
  assert_true(perf.value == 2643 && strcmp(perf.uom, "MB") == 0 && perf.max == 5968);
  assert_true(perf.warn && perf.warn->end == 5948 && perf.crit && perf.crit->end == 5958);
  assert_int_equal(mw_result_perf_at(res, 2, &perf), 0);
  assert_string_equal(perf.label, "/var/log");
  out = nagios(res);
  assert_string_equal(
      out, "EXEC OK - DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968 "
           "/boot=68MB;88;93;0;98 /var/log=818MB;970;975;0;980\n"
           "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/var/log 819 MB (84%);\n");
  free(out);
  mw_result_free(res);
}

static void test_items(void **state)
{
  struct mw_result *res;
  struct mw_perf perf;
  size_t bad;

  (void)state;
  res = parse("T|'a b''c'=5%;@1:2;~:3;; u=U t=0.25s big=1e3 neg=-4.5;;;-10;\n", &bad);
  assert_int_equal(bad, 0);
  assert_int_equal(mw_result_perf_count(res), 5);
  assert_int_equal(mw_result_perf_at(res, 0, &perf), 0);
  assert_string_equal(perf.label, "a b'c");
  assert_true(perf.value == 5 && strcmp(perf.uom, "%") == 0);
  assert_true(perf.warn && perf.warn->inside && perf.warn->start == 1 && perf.warn->end == 2);
  assert_true(perf.crit && isinf(perf.crit->start) && perf.crit->end == 3);
  assert_true(isnan(perf.min) && isnan(perf.max));
  assert_int_equal(mw_result_perf_at(res, 1, &perf), 0);
  assert_true(isnan(perf.value));
  assert_int_equal(mw_result_perf_at(res, 2, &perf), 0);
  assert_true(perf.value == 0.25 && strcmp(perf.uom, "s") == 0);
  assert_int_equal(mw_result_perf_at(res, 3, &perf), 0);
  assert_true(perf.value == 1000);
  assert_int_equal(mw_result_perf_at(res, 4, &perf), 0);
  assert_true(perf.value == -4.5 && perf.min == -10);
  mw_result_free(res);
}

static void test_not_perfdata(void **state)
{
  struct mw_result *res;
  size_t bad;

  (void)state;
  /* no '=', no value, an unterminated quote, a value that is text, an empty label */
  res = parse("T|novalue x= y=abc =5 ok=1 'open=1\n", &bad);
  assert_int_equal(mw_result_perf_count(res), 1);
  assert_true(bad >= 4);
  mw_result_free(res);
  /* a bad range is dropped, the value kept */
  res = parse("T|x=1;zz;5\n", &bad);
  assert_int_equal(bad, 0);
  assert_int_equal(mw_result_perf_count(res), 1);
  mw_result_free(res);
}

static void test_text(void **state)
{
  struct mw_result *res;
  size_t bad;
  char *out;

  (void)state;
  res = parse("", &bad);
  assert_string_equal(mw_result_get_summary(res), "(no output)");
  mw_result_free(res);
  /* CRLF, a control character, trailing blanks; lines beyond the limit counted */
  res = mw_result_new();
  assert_non_null(res);
  exec_parse_output("A\x01 B  \r\nl1\r\nl2\nl3\n", 16, res, 1);
  out = nagios(res);
  assert_string_equal(out, "EXEC OK - A  B\nl1\n(2 more lines of long output not kept)\n");
  free(out);
  mw_result_free(res);
  /* a NUL ends a line's text (the exec check turns NULs into spaces before parsing) */
  res = mw_result_new();
  exec_parse_output("A\0B\n", 4, res, 10);
  out = nagios(res);
  assert_string_equal(out, "EXEC OK - A\n");
  free(out);
  mw_result_free(res);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_guidelines),
      cmocka_unit_test(test_items),
      cmocka_unit_test(test_not_perfdata),
      cmocka_unit_test(test_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
