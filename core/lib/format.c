/* SPDX-License-Identifier: MIT */
/* format.c - the conversions summaries and perfdata texts use most (%s, integers, %.Nf, %g of a
 * whole number), formatted without vfprintf. glibc formats every double through multi-precision
 * arithmetic: "%.0f of %.0f connections (%.1f%%)" cost a third of a postgres read in collectd.
 * The output is byte for byte vsnprintf's (tests/unit/test_format compares them on random
 * values); a conversion this file does not know makes it give up, and the caller's vsnprintf
 * formats the whole text. */
#include "config.h"

#include <langinfo.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "format.h"

struct out {
  char *data;
  size_t cap;
  size_t len;
  bool full;
};

static void put(struct out *out, const char *text, size_t len)
{
  if (out->full || len >= out->cap - out->len) {
    out->full = true;
    return;
  }
  memcpy(out->data + out->len, text, len);
  out->len += len;
}

size_t format_decimal(char digits[FORMAT_DECIMAL_MAX], unsigned long long magnitude, bool negative)
{
  size_t at = FORMAT_DECIMAL_MAX;

  do {
    digits[--at] = (char)('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude > 0);
  if (negative)
    digits[--at] = '-';
  return at;
}

static void put_unsigned(struct out *out, unsigned long long u, bool negative)
{
  char digits[FORMAT_DECIMAL_MAX];
  size_t at = format_decimal(digits, u, negative);

  put(out, digits + at, sizeof(digits) - at);
}

static void put_signed(struct out *out, long long n)
{
  put_unsigned(out, n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n, n < 0);
}

/* printf rounds in the current rounding mode; the digits below are rounded to nearest. Tested
 * by arithmetic: fenv.h's fegetround would map libm into every process that formats a text. */
static bool rounds_to_nearest(void)
{
  volatile double one = 1.0;

  return one + 0x1.8p-53 == 1.0 + 0x1p-52 && one + 0x1p-54 == 1.0;
}

/* printf writes the locale's decimal point. mcpwatch never sets a locale and collectd sets
 * LC_NUMERIC to "C", but a library in the same process could set another. */
static bool radix_is_dot(void)
{
  const char *radix = nl_langinfo(RADIXCHAR);

  return radix[0] == '.' && radix[1] == '\0';
}

/* "%.*f" of value when the digits are certain without multi-precision arithmetic: the scaled
 * value under 2^40 (its rounding error under 2^-12) and not within 1e-3 of a tie, which the
 * exact binary value could fall either side of. With no decimals nothing is scaled, and a tie
 * goes to the even number as printf's does. false when vsnprintf must decide. */
static bool fixed_digits(struct out *out, double value, int precision)
{
  static const double scale[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
  static const unsigned long long uscale[] = {1,      10,      100,      1000,      10000,
                                              100000, 1000000, 10000000, 100000000, 1000000000};
  double scaled;
  double fraction;
  unsigned long long whole;
  char decimals[12];
  int i;

  if (!isfinite(value) || precision < 0 || precision > 9)
    return false;
  scaled = (signbit(value) ? -value : value) * scale[precision];
  if (precision == 0 ? scaled >= 0x1p63 : scaled >= 0x1p40)
    return false;
  if (!rounds_to_nearest())
    return false;
  whole = (unsigned long long)scaled; /* exact: below 2^63, and whole from 2^53 on */
  fraction = scaled - (double)whole;  /* exact too */
  if (precision > 0 && fraction > 0.5 - 1e-3 && fraction < 0.5 + 1e-3)
    return false;
  if (precision > 0 && !radix_is_dot())
    return false;
  if (fraction > 0.5 || (fraction == 0.5 && (whole & 1)))
    whole++;
  put_unsigned(out, whole / uscale[precision], signbit(value));
  if (precision == 0)
    return true;
  whole %= uscale[precision];
  decimals[0] = '.';
  for (i = precision; i > 0; i--) {
    decimals[i] = (char)('0' + whole % 10);
    whole /= 10;
  }
  put(out, decimals, (size_t)precision + 1);
  return true;
}

/* "%.*g" of a whole number with fewer digits than the precision: its digits, as "%.0f". */
static bool general_digits(struct out *out, double value, int precision)
{
  static const double limit[] = {1e1, 1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                                 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
  double magnitude = signbit(value) ? -value : value;

  if (!isfinite(value) || precision < 0 || precision > 17 || magnitude >= limit[precision] ||
      (double)(unsigned long long)magnitude != magnitude)
    return false;
  return fixed_digits(out, value, 0);
}

static bool put_double(struct out *out, char conversion, double value, int precision)
{
  char text[64];
  int n;

  if (conversion == 'f' ? fixed_digits(out, value, precision)
                        : general_digits(out, value, precision))
    return true;
  n = conversion == 'f' ? snprintf(text, sizeof(text), "%.*f", precision, value)
                        : snprintf(text, sizeof(text), "%.*g", precision, value);
  if (n < 0 || (size_t)n >= sizeof(text))
    return false;
  put(out, text, (size_t)n);
  return true;
}

/* One conversion at *fmt (just past the '%'); false when it is not one of ours. */
static bool convert(struct out *out, const char **fmt, va_list *ap)
{
  const char *p = *fmt;
  int precision = -1;
  int longs = 0;
  bool size = false;

  if (*p == '.') {
    p++;
    if (*p == '*') {
      precision = va_arg(*ap, int);
      if (precision < 0)
        precision = -1;
      p++;
    } else {
      precision = 0;
      while (*p >= '0' && *p <= '9' && precision < 10000)
        precision = precision * 10 + (*p++ - '0');
    }
  }
  for (; *p == 'l' && longs < 2; p++)
    longs++;
  if (!longs && *p == 'z') {
    size = true;
    p++;
  }
  *fmt = p + 1;
  switch (*p) {
  case 's': {
    const char *text;
    if (longs || size)
      return false;
    text = va_arg(*ap, const char *);
    if (!text)
      return false; /* vsnprintf's "(null)" depends on the precision */
    put(out, text, precision < 0 ? strlen(text) : strnlen(text, (size_t)precision));
    return true;
  }
  case 'd':
  case 'i':
    if (precision >= 0)
      return false;
    put_signed(out, size         ? (long long)va_arg(*ap, ssize_t)
                    : longs == 2 ? va_arg(*ap, long long)
                    : longs == 1 ? (long long)va_arg(*ap, long)
                                 : (long long)va_arg(*ap, int));
    return true;
  case 'u':
    if (precision >= 0)
      return false;
    put_unsigned(out,
                 size         ? (unsigned long long)va_arg(*ap, size_t)
                 : longs == 2 ? va_arg(*ap, unsigned long long)
                 : longs == 1 ? (unsigned long long)va_arg(*ap, unsigned long)
                              : (unsigned long long)va_arg(*ap, unsigned),
                 false);
    return true;
  case 'f':
  case 'g':
    if (longs > 1 || size)
      return false;
    if (precision < 0)
      precision = 6;
    if (*p == 'g' && precision == 0)
      precision = 1;
    return put_double(out, *p, va_arg(*ap, double), precision);
  default:
    return false;
  }
}

int format_fast(char *data, size_t cap, const char *fmt, va_list ap)
{
  struct out out = {data, cap, 0, cap == 0};
  const char *p = fmt;
  va_list args; /* through a pointer: a va_list passed by value is spent after one call */
  int result = -1;

  va_copy(args, ap);

  while (*p && !out.full) {
    const char *percent = strchr(p, '%');
    size_t len = percent ? (size_t)(percent - p) : strlen(p);

    put(&out, p, len);
    if (!percent)
      break;
    p = percent + 1;
    if (*p == '%') {
      put(&out, "%", 1);
      p++;
    } else if (!convert(&out, &p, &args)) {
      goto out;
    }
  }
  if (out.full)
    goto out;
  data[out.len] = '\0';
  result = (int)out.len;
out:
  va_end(args);
  return result;
}
