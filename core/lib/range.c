/* SPDX-License-Identifier: MIT */
/* range.c - Nagios threshold ranges: [@][start:]end, "~" for -infinity, empty end for +infinity,
 * endpoints inclusive, start 0 by default. Numbers may carry a unit suffix from a table. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_core.h"

struct endpoint {
  double value;
  int kind; /* unit kind, -1 when no number was written */
};

/* Length of a plain decimal number at p: sign, digits, fraction, exponent. No hex, inf, nan or
 * spaces, which strtod alone would accept. */
static size_t number_span(const char *p)
{
  size_t i = 0;
  size_t digits = 0;

  if (p[i] == '+' || p[i] == '-')
    i++;
  while (p[i] >= '0' && p[i] <= '9') {
    i++;
    digits++;
  }
  if (p[i] == '.') {
    i++;
    while (p[i] >= '0' && p[i] <= '9') {
      i++;
      digits++;
    }
  }
  if (digits == 0)
    return 0;
  if (p[i] == 'e' || p[i] == 'E') {
    size_t j = i + 1;
    if (p[j] == '+' || p[j] == '-')
      j++;
    if (p[j] >= '0' && p[j] <= '9') {
      while (p[j] >= '0' && p[j] <= '9')
        j++;
      i = j;
    }
  }
  return i;
}

static const struct mw_unit *find_unit(const struct mw_unit *units, const char *suffix, size_t len)
{
  for (; units && units->suffix; units++) {
    if (strlen(units->suffix) == len && strncmp(units->suffix, suffix, len) == 0)
      return units;
  }
  return NULL;
}

/* Parses text[0..len) as one endpoint. */
static int parse_endpoint(const char *text, size_t len, const struct mw_unit *units,
                          struct endpoint *out, char *err, size_t errlen)
{
  char number[64];
  size_t span = number_span(text);
  const struct mw_unit *unit = NULL;

  if (span == 0 || span > len || span >= sizeof(number)) {
    snprintf(err, errlen, "'%.*s' is not a number", (int)len, text);
    return -1;
  }
  memcpy(number, text, span);
  number[span] = '\0';
  errno = 0;
  out->value = strtod(number, NULL);
  if (errno == ERANGE || !isfinite(out->value)) {
    snprintf(err, errlen, "'%s' is out of range", number);
    return -1;
  }
  if (units) {
    unit = find_unit(units, text + span, len - span);
    if (!unit) {
      if (span == len)
        snprintf(err, errlen, "'%s' needs a unit (for example %s%s)", number, number,
                 units->suffix);
      else
        snprintf(err, errlen, "unknown unit '%.*s' in '%.*s'", (int)(len - span), text + span,
                 (int)len, text);
      return -1;
    }
    bool was_zero = out->value == 0.0;

    out->value *= unit->factor;
    if (!isfinite(out->value) || (!was_zero && !isnormal(out->value))) {
      /* "5e301G": finite as written, infinite in the unit's base; "30e-309ms": subnormal in
       * it, which strtod refuses as ERANGE when the range is printed and read again (both
       * found by fuzz_range). */
      snprintf(err, errlen, "'%.*s' is out of range", (int)len, text);
      return -1;
    }
    out->kind = unit->kind;
  } else {
    if (span != len) {
      snprintf(err, errlen, "'%.*s' is not a number", (int)len, text);
      return -1;
    }
    out->kind = 0;
  }
  return 0;
}

int mw_range_parse(const char *text, const struct mw_unit *units, struct mw_range *out, char *err,
                   size_t errlen)
{
  const char *p = text;
  const char *colon;
  struct endpoint start = {0, -1};
  struct endpoint end = {INFINITY, -1};
  struct mw_range range = {0, INFINITY, false, 0};

  if (!text || !*text) {
    snprintf(err, errlen, "empty range");
    return -1;
  }
  for (; *p; p++) {
    /* The reasons below quote the text: keep them one line. */
    if ((unsigned char)*p < 0x20 || *p == 0x7f) {
      snprintf(err, errlen, "a range cannot hold control characters");
      return -1;
    }
  }
  p = text;
  if (*p == '@') {
    range.inside = true;
    p++;
  }
  if (!*p) {
    snprintf(err, errlen, "range '%s' has no limits", text);
    return -1;
  }
  colon = strchr(p, ':');
  if (colon) {
    if (strchr(colon + 1, ':')) {
      snprintf(err, errlen, "range '%s' has more than one ':'", text);
      return -1;
    }
    if (colon - p == 1 && *p == '~') {
      start.value = -INFINITY;
    } else if (colon != p) {
      if (parse_endpoint(p, (size_t)(colon - p), units, &start, err, errlen) != 0)
        return -1;
    }
    if (colon[1] && parse_endpoint(colon + 1, strlen(colon + 1), units, &end, err, errlen) != 0)
      return -1;
  } else {
    if (parse_endpoint(p, strlen(p), units, &end, err, errlen) != 0)
      return -1;
  }
  if (start.kind >= 0 && end.kind >= 0 && start.kind != end.kind) {
    snprintf(err, errlen, "range '%s' mixes units", text);
    return -1;
  }
  if (start.kind < 0 && end.kind < 0 && units && !find_unit(units, "", 0)) {
    snprintf(err, errlen, "range '%s' needs a number with a unit", text);
    return -1;
  }
  if (start.value > end.value) {
    snprintf(err, errlen, "range '%s' starts above its end", text);
    return -1;
  }
  range.start = start.value;
  range.end = end.value;
  range.kind = start.kind >= 0 ? start.kind : (end.kind >= 0 ? end.kind : 0);
  *out = range;
  return 0;
}

bool mw_range_alerts(const struct mw_range *range, double value)
{
  bool within;

  if (isnan(value))
    return true;
  within = value >= range->start && value <= range->end;
  return range->inside ? within : !within;
}

enum mw_state mw_range_state(const struct mw_range *warn, const struct mw_range *crit, double value)
{
  if (crit && mw_range_alerts(crit, value))
    return MW_CRITICAL;
  if (warn && mw_range_alerts(warn, value))
    return MW_WARNING;
  return MW_OK;
}

int mw_range_format(const struct mw_range *range, struct mw_buf *out)
{
  char num[64];

  if (range->inside)
    mw_buf_add(out, "@", 1);
  if (isinf(range->start)) {
    mw_buf_add(out, "~:", 2);
  } else if (range->start != 0 || isinf(range->end)) {
    mw_format_number(range->start, num, sizeof(num));
    mw_buf_addf(out, "%s:", num);
  }
  if (!isinf(range->end)) {
    mw_format_number(range->end, num, sizeof(num));
    mw_buf_adds(out, num);
  }
  return out->failed ? -1 : 0;
}

struct mw_range mw_range_map(const struct mw_range *range, double factor, double offset)
{
  struct mw_range out = *range;
  double a = isinf(range->start) ? range->start * factor : range->start * factor + offset;
  double b = isinf(range->end) ? range->end * factor : range->end * factor + offset;

  out.start = factor < 0 ? b : a;
  out.end = factor < 0 ? a : b;
  return out;
}
