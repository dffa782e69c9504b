/* SPDX-License-Identifier: MIT */
/* format_fast against vsnprintf: the same bytes for every value, on the conversions it takes,
 * and a refusal (not a guess) on the ones it does not; mw_buf_addf the same through either. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fenv.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "format.h"
#include "mw_core.h"

static unsigned long fast_count;

/* Formats with both and with mw_buf_addf; asserts the same text. Returns whether format_fast
 * took it. */
static bool __attribute__((format(printf, 1, 2))) same(const char *fmt, ...)
{
  char expected[1024];
  char got[256];
  struct mw_buf buf;
  va_list ap;
  int want;
  int n;

  va_start(ap, fmt);
  want = vsnprintf(expected, sizeof(expected), fmt, ap);
  va_end(ap);
  va_start(ap, fmt);
  n = format_fast(got, sizeof(got), fmt, ap);
  va_end(ap);
  if (n >= 0) {
    if (strcmp(got, expected) != 0 || n != want)
      fail_msg("format \"%s\": vsnprintf \"%s\" (%d), format_fast \"%s\" (%d)", fmt, expected, want,
               got, n);
    fast_count++;
  }
  mw_buf_init(&buf, 4096);
  va_start(ap, fmt);
  assert_int_equal(mw_buf_vaddf(&buf, fmt, ap), 0);
  va_end(ap);
  assert_string_equal(mw_buf_str(&buf), expected);
  mw_buf_free(&buf);
  return n >= 0;
}

static uint64_t next_random(uint64_t *state)
{
  uint64_t x = *state;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *state = x;
}

static const double edges[] = {0.0,
                               -0.0,
                               0.5,
                               1.5,
                               2.5,
                               -0.5,
                               -2.5,
                               0.125,
                               0.375,
                               1.005,
                               2.675,
                               0.05,
                               0.15,
                               0.45,
                               9.9999999,
                               99.95,
                               999.5,
                               1e-7,
                               -1e-300,
                               4.9e-324,
                               DBL_MIN,
                               1e9,
                               1099511627775.5,
                               0x1p40,
                               0x1p52 + 0.5,
                               0x1p53,
                               0x1p53 + 2,
                               0x1p63 - 1024,
                               0x1p63,
                               1e17,
                               99999999999999984.0,
                               1e19,
                               1e300,
                               DBL_MAX,
                               -DBL_MAX,
                               12345.678,
                               100000,
                               999999,
                               1000000,
                               INFINITY,
                               -INFINITY,
                               NAN,
                               -NAN};

static void doubles_one(double v)
{
  same("%.0f", v);
  same("%.1f", v);
  same("%.2f", v);
  same("%.3f", v);
  same("%f", v);
  same("%.9f", v);
  same("%.12f", v);
  same("%lf", v);
  same("%g", v);
  same("%.3g", v);
  same("%.1g", v);
  same("%.0g", v);
  same("%.17g", v);
  same("%.*f", 2, v);
  same("%.*f", -3, v);
  same("%.*g", 4, v);
}

static void test_doubles(void **unused)
{
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  size_t i;
  int k;

  (void)unused;
  for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
    doubles_one(edges[i]);
    doubles_one(-edges[i]);
  }
  for (i = 0; i < 20000; i++) {
    uint64_t bits = next_random(&state);
    double any;
    memcpy(&any, &bits, sizeof(any)); /* every kind: NaN, infinities, subnormals */
    doubles_one(any);
    /* Values checks print: counts, milliseconds, percentages, and exact ties at each scale. */
    doubles_one((double)(next_random(&state) % 100000));
    doubles_one((double)(int64_t)(next_random(&state) % 20000000) / 1000.0 - 10000.0);
    doubles_one((double)(next_random(&state) % 100000) / 8.0);
    for (k = 0; k < 4; k++)
      doubles_one((double)(next_random(&state) >> (k * 12)) / (double)(1ULL << (k * 8 + 3)));
  }
  /* A decimal comma, where the machine has such a locale (Debian's C.UTF-8 has none). */
  if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
    char comma[8];
    snprintf(comma, sizeof(comma), "%.1f", 2.5);
    assert_string_equal(comma, "2,5");
    assert_true(same("%.1f of %.0f", 2.5, 3.0));
    for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
      doubles_one(edges[i]);
    assert_non_null(setlocale(LC_NUMERIC, "C"));
  }
  /* The rounding mode is printf's to follow; the fast path steps aside unless it is nearest. */
  for (k = 0; k < 3; k++) {
    static const int modes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    assert_int_equal(fesetround(modes[k]), 0);
    for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
      doubles_one(edges[i]);
      doubles_one(-edges[i]);
    }
    assert_int_equal(fesetround(FE_TONEAREST), 0);
  }
}

static void test_integers(void **unused)
{
  uint64_t state = 12345;
  int i;

  (void)unused;
  assert_true(same("%d %i %u", INT_MIN, INT_MAX, UINT_MAX));
  assert_true(same("%ld %lu %li", LONG_MIN, ULONG_MAX, LONG_MAX));
  assert_true(same("%lld %llu %lli", LLONG_MIN, ULLONG_MAX, LLONG_MAX));
  assert_true(same("%zu %zd %zd", SIZE_MAX, (ssize_t)-1, (ssize_t)SSIZE_MAX));
  assert_true(same("%d%d%d", 0, -0, 7));
  for (i = 0; i < 20000; i++) {
    uint64_t r = next_random(&state);
    int shift = (int)(r & 63);
    same("%d %u %lld %llu %zu", (int)(r >> 32), (unsigned)r, (long long)(r >> shift),
         (unsigned long long)r >> shift, (size_t)(r >> shift));
  }
}

static void test_strings(void **unused)
{
  char long_text[600];
  const char *volatile null_text = NULL;

  (void)unused;
  memset(long_text, 'x', sizeof(long_text) - 1);
  long_text[sizeof(long_text) - 1] = '\0';
  assert_true(same("%s", "postgres"));
  assert_true(same("%s: %s", "", "a"));
  assert_true(same("%.3s|%.0s|%.10s", "abcdef", "gone", "short"));
  assert_true(same("%.*s|%.*s|%.*s", 2, "abcdef", -1, "whole", 0, "none"));
  assert_true(same("100%% of %s, %d%%", "it", 5));
  assert_true(same("no conversion at all"));
  assert_true(same("%s", ""));
  assert_true(same("\xc3\xbc%.1s", "\xc3\xbc")); /* bytes, as vsnprintf counts them */
  /* Too long for the stack buffer, and NULL (vsnprintf's "(null)"): refused, still right. */
  assert_false(same("%s", long_text));
  assert_false(same("%s and more", long_text + 300));
  assert_false(same("%s", null_text));
  assert_false(same("%.3s", null_text));
}

static void test_summaries(void **unused)
{
  (void)unused;
  /* What the checks write on every run. */
  assert_true(same("%.0f of %.0f connections (%.1f%%), %.0f left", 3.0, 100.0, 3.0, 97.0));
  assert_true(same("%s: %.0f connections", "postgres", 2.0));
  assert_true(same("HTTP %d in %.3f s, %zu bytes", 200, 0.0123456, (size_t)1234));
  assert_true(same("replica %s %s, replay lag %.0f B, %.3g s", "r1", "streaming", 0.0, 12.0));
  assert_true(same("%lld days left", 89LL));
  /* Conversions with flags, widths, other letters: left to vsnprintf whole. */
  assert_false(same("%5.1f", 3.14159));
  assert_false(same("%-*s|", 8, "left"));
  assert_false(same("%08x", 0xbeefU));
  assert_false(same("%c", 'x'));
  assert_false(same("%e", 1.5));
  assert_false(same("%.3d", 7));
  assert_false(same("%hd", (short)7));
  assert_false(same("%Lf", 1.5L));
  assert_false(same("%p", (void *)&fast_count));
  assert_false(same("%s %x", "after a good one", 1U));
  assert_true(same("%s", "a %d in the argument is text"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doubles),
      cmocka_unit_test(test_integers),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_summaries),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);

  /* The fast path must have taken most of them, or it is dead code. */
  if (fast_count < 100000) {
    fprintf(stderr, "format_fast took only %lu texts\n", fast_count);
    return 1;
  }
  return failed;
}
