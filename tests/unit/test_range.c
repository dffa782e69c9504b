/* SPDX-License-Identifier: MIT */
/* Ranges exactly per the Nagios plugin guidelines, and clear errors on garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "mw_core.h"

struct alert_case {
  const char *range;
  double value;
  bool alerts;
};

static const struct alert_case alert_cases[] = {
    /* "10": alert outside 0..10 */
    {"10", -1, true},
    {"10", 0, false},
    {"10", 5, false},
    {"10", 10, false},
    {"10", 10.0001, true},
    {"10", 11, true},
    /* "10:": alert below 10 */
    {"10:", 9.999, true},
    {"10:", 10, false},
    {"10:", 1e12, false},
    {"10:", -5, true},
    /* "~:10": alert above 10 */
    {"~:10", -1e12, false},
    {"~:10", 10, false},
    {"~:10", 10.5, true},
    /* "10:20": alert outside 10..20 */
    {"10:20", 9, true},
    {"10:20", 10, false},
    {"10:20", 15, false},
    {"10:20", 20, false},
    {"10:20", 21, true},
    /* "@10:20": alert inside 10..20 */
    {"@10:20", 9, false},
    {"@10:20", 10, true},
    {"@10:20", 15, true},
    {"@10:20", 20, true},
    {"@10:20", 20.1, false},
    /* "@10": alert inside 0..10 */
    {"@10", 0, true},
    {"@10", 10, true},
    {"@10", 11, false},
    {"@10", -1, false},
    /* decimals and negatives */
    {"0.5", 0.5, false},
    {"0.5", 0.51, true},
    {"-10:-5", -7, false},
    {"-10:-5", -4, true},
    {"-10:-5", -11, true},
    {"-5:5", 0, false},
    {"@-5:5", 0, true},
    {"~:-1", -1, false},
    {"~:-1", 0, true},
    {"1.5:2.5", 2.5, false},
    {"1.5:2.5", 1.49, true},
    {"1e3", 999, false},
    {"1e3", 1001, true},
    /* ":10" starts at 0, like monitoring-plugins */
    {":10", -0.1, true},
    {":10", 10, false},
    /* "~:" never alerts; "@~:" always alerts */
    {"~:", -1e300, false},
    {"~:", 1e300, false},
    {"@~:", 42, true},
    /* "0" alerts on anything but zero */
    {"0", 0, false},
    {"0", 0.001, true},
    {"0:", -0.001, true},
};

static void test_alert_table(void **state)
{
  size_t i;
  (void)state;

  assert_true(sizeof(alert_cases) / sizeof(alert_cases[0]) >= 40);
  for (i = 0; i < sizeof(alert_cases) / sizeof(alert_cases[0]); i++) {
    struct mw_range range;
    char err[200] = "";
    const struct alert_case *c = &alert_cases[i];
    if (mw_range_parse(c->range, NULL, &range, err, sizeof(err)) != 0)
      fail_msg("range '%s' refused: %s", c->range, err);
    if (mw_range_alerts(&range, c->value) != c->alerts)
      fail_msg("range '%s' value %g: expected %s", c->range, c->value,
               c->alerts ? "alert" : "no alert");
  }
}

static void test_garbage(void **state)
{
  static const char *const garbage[] = {"",    "abc",   "10:abc", "1:2:3", "@",   "~",    "20:10",
                                        " 10", "10 ",   "0x10",   "inf",   "nan", "10%",  "@@10",
                                        "~:~", "1e999", "--5",    "5:~",   "1,5", "10::", NULL};
  const char *const *p;
  (void)state;

  for (p = garbage; *p; p++) {
    struct mw_range range;
    char err[200] = "";
    if (mw_range_parse(*p, NULL, &range, err, sizeof(err)) == 0)
      fail_msg("garbage '%s' accepted", *p);
    assert_true(strlen(err) > 0);
    assert_null(strchr(err, '\n'));
  }
}

enum { PCT = 1, BYTES = 2 };
static const struct mw_unit units[] = {{"%", 1, PCT},
                                       {"B", 1, BYTES},
                                       {"KiB", 1024, BYTES},
                                       {"GiB", 1073741824.0, BYTES},
                                       {NULL, 0, 0}};

static void test_units(void **state)
{
  struct mw_range r;
  char err[200];
  (void)state;

  assert_int_equal(mw_range_parse("80%", units, &r, err, sizeof(err)), 0);
  assert_int_equal(r.kind, PCT);
  assert_true(r.end == 80);
  assert_int_equal(mw_range_parse("10GiB:", units, &r, err, sizeof(err)), 0);
  assert_int_equal(r.kind, BYTES);
  assert_true(r.start == 10737418240.0);
  assert_true(isinf(r.end));
  assert_int_equal(mw_range_parse("1KiB:2GiB", units, &r, err, sizeof(err)), 0);
  assert_true(r.start == 1024 && r.end == 2147483648.0);
  /* a unit is required when the table has no "" entry */
  assert_int_equal(mw_range_parse("80", units, &r, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "needs a unit"));
  assert_int_equal(mw_range_parse("80%:10GiB", units, &r, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "mixes units"));
  assert_int_equal(mw_range_parse("10XB", units, &r, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "unknown unit"));
}

static void test_state(void **state)
{
  struct mw_range w;
  struct mw_range c;
  char err[200];
  (void)state;

  assert_int_equal(mw_range_parse("80", NULL, &w, err, sizeof(err)), 0);
  assert_int_equal(mw_range_parse("90", NULL, &c, err, sizeof(err)), 0);
  assert_int_equal(mw_range_state(&w, &c, 50), MW_OK);
  assert_int_equal(mw_range_state(&w, &c, 85), MW_WARNING);
  assert_int_equal(mw_range_state(&w, &c, 95), MW_CRITICAL);
  /* critical is evaluated before warning, even when warning would also alert */
  assert_int_equal(mw_range_parse("@0:100", NULL, &w, err, sizeof(err)), 0);
  assert_int_equal(mw_range_state(&w, &c, 95), MW_CRITICAL);
  assert_int_equal(mw_range_state(NULL, NULL, 1e9), MW_OK);
  assert_int_equal(mw_range_state(NULL, &c, NAN), MW_CRITICAL);
}

static void roundtrip(const char *text, const char *expected)
{
  struct mw_range r;
  struct mw_buf out;
  char err[200];

  assert_int_equal(mw_range_parse(text, NULL, &r, err, sizeof(err)), 0);
  mw_buf_init(&out, 100);
  assert_int_equal(mw_range_format(&r, &out), 0);
  assert_string_equal(mw_buf_str(&out), expected);
  mw_buf_free(&out);
}

static void test_format(void **state)
{
  (void)state;
  roundtrip("10", "10");
  roundtrip("0:10", "10");
  roundtrip("10:", "10:");
  roundtrip("~:10", "~:10");
  roundtrip("10:20", "10:20");
  roundtrip("@10:20", "@10:20");
  roundtrip("-1.5:2.25", "-1.5:2.25");
  roundtrip("~:", "~:");
  roundtrip("0:", "0:");
}

/* Found by fuzz_range: the reasons quote the text, so a newline in it made them two lines. */
static void test_control_characters(void **state)
{
  struct mw_range r;
  char err[200];
  (void)state;

  assert_int_equal(mw_range_parse("10\n:20", NULL, &r, err, sizeof(err)), -1);
  assert_string_equal(err, "a range cannot hold control characters");
  assert_int_equal(mw_range_parse("@\x7f", NULL, &r, err, sizeof(err)), -1);
  assert_null(strchr(err, '\n'));
}

/* Found by fuzz_range: a number finite as written overflowed in its unit's base and became an
 * infinite endpoint ("5e301G:" started at +infinity and printed back as "~:"). */
static void test_unit_overflow(void **state)
{
  static const struct mw_unit giga[] = {{"G", 1e9, 1}, {NULL, 0, 0}};
  struct mw_range r;
  char err[200];
  (void)state;

  assert_int_equal(mw_range_parse("5e301G:", giga, &r, err, sizeof(err)), -1);
  assert_string_equal(err, "'5e301G' is out of range");
  assert_int_equal(mw_range_parse("~:5e301G", giga, &r, err, sizeof(err)), -1);
  assert_int_equal(mw_range_parse("5e290G:", giga, &r, err, sizeof(err)), 0);
  assert_true(isfinite(r.start));
}

/* Found by fuzz_range: "30e-309ms" became subnormal in seconds (3e-311), which the parser
 * refuses when it is printed and read back; so it is refused as written, like an overflow. */
static void test_unit_underflow(void **state)
{
  static const struct mw_unit milli[] = {{"ms", 1e-3, 1}, {NULL, 0, 0}};
  struct mw_range r;
  char err[200];
  (void)state;

  assert_int_equal(mw_range_parse("30e-309ms", milli, &r, err, sizeof(err)), -1);
  assert_string_equal(err, "'30e-309ms' is out of range");
  assert_int_equal(mw_range_parse("1e-300ms:", milli, &r, err, sizeof(err)), 0);
  assert_true(isnormal(r.start));
  assert_int_equal(mw_range_parse("0ms", milli, &r, err, sizeof(err)), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alert_table),   cmocka_unit_test(test_garbage),
      cmocka_unit_test(test_units),         cmocka_unit_test(test_state),
      cmocka_unit_test(test_format),        cmocka_unit_test(test_control_characters),
      cmocka_unit_test(test_unit_overflow), cmocka_unit_test(test_unit_underflow),
  };
  return cmocka_run_group_tests_name("ranges", tests, NULL, NULL);
}
