/* SPDX-License-Identifier: MIT */
/* format.h - vsnprintf's output for the common conversions, faster; inside libmcpwatch only. */
#ifndef MW_FORMAT_H
#define MW_FORMAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* "-" and the 20 digits of 2^64 fit. */
#define FORMAT_DECIMAL_MAX 24

/* The decimal digits of magnitude, after a '-' when negative, at the end of digits: returns the
 * index they start at (they run to FORMAT_DECIMAL_MAX). */
size_t format_decimal(char digits[FORMAT_DECIMAL_MAX], unsigned long long magnitude, bool negative);

/* fmt formatted into data (cap bytes, NUL-terminated) exactly as vsnprintf would: the length,
 * or -1 when fmt holds a conversion other than %%, %s, %.Ns, %.*s, %d, %i, %u (with l, ll or z),
 * %f, %.Nf, %.*f, %g and %.Ng (with or without l), a NULL string, or the text does not fit.
 * Then vsnprintf must format it; ap is not consumed either way. */
int format_fast(char *data, size_t cap, const char *fmt, va_list ap);

#endif
