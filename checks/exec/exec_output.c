/* SPDX-License-Identifier: MIT */
/* exec_output.c - a plugin's output into a result. The format (Nagios plugin guidelines):
 *   TEXT|PERFDATA
 *   LONG TEXT LINE...
 *   LONG TEXT LINE|PERFDATA
 *   PERFDATA...
 * Perfdata items are 'label'=value[UOM];[warn];[crit];[min];[max], separated by spaces; a quote
 * inside a quoted label is doubled. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "exec_output.h"

#define LABEL_MAX 200
#define FIELD_MAX 64

static bool is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A number with nothing after it, into out; false otherwise ("U" is NAN when allow_u). */
static bool number(const char *text, size_t len, double *out)
{
  char buf[FIELD_MAX];
  char *end;

  if (len == 0 || len >= sizeof(buf))
    return false;
  memcpy(buf, text, len);
  buf[len] = '\0';
  *out = strtod(buf, &end);
  return *end == '\0' && end != buf && isfinite(*out);
}

/* Field n (0 based) of "value;warn;crit;min;max" in p..end. */
static void field(const char *p, const char *end, int n, const char **start, size_t *len)
{
  const char *s = p;
  const char *semi;

  while (n-- > 0) {
    semi = memchr(s, ';', (size_t)(end - s));
    if (!semi) {
      *start = end;
      *len = 0;
      return;
    }
    s = semi + 1;
  }
  semi = memchr(s, ';', (size_t)(end - s));
  *start = s;
  *len = (size_t)((semi ? semi : end) - s);
}

/* One item "label=...": true when read into res. */
static bool perf_item(const char *label, const char *p, const char *end, struct mw_result *res)
{
  struct mw_range warn, crit;
  struct mw_perf perf = {label, NAN, "", NULL, NULL, NAN, NAN};
  char uom[16];
  const char *f;
  size_t flen, num;
  char range[FIELD_MAX];
  char why[128];

  field(p, end, 0, &f, &flen);
  if (flen == 1 && f[0] == 'U') {
    num = 1;
    uom[0] = '\0';
  } else {
    for (num = 0; num < flen && (strchr("0123456789.-+eE", f[num]) != NULL); num++)
      ;
    /* an exponent letter may be a unit's start ("5e" is not a number): back off to a number */
    while (num > 0 && !number(f, num, &perf.value))
      num--;
    if (num == 0 || flen - num >= sizeof(uom))
      return false;
    memcpy(uom, f + num, flen - num);
    uom[flen - num] = '\0';
    if (strchr(uom, '=') || strchr(uom, '\''))
      return false;
  }
  perf.uom = uom;
  field(p, end, 1, &f, &flen);
  if (flen > 0 && flen < sizeof(range)) {
    memcpy(range, f, flen);
    range[flen] = '\0';
    if (mw_range_parse(range, NULL, &warn, why, sizeof(why)) == 0)
      perf.warn = &warn;
  }
  field(p, end, 2, &f, &flen);
  if (flen > 0 && flen < sizeof(range)) {
    memcpy(range, f, flen);
    range[flen] = '\0';
    if (mw_range_parse(range, NULL, &crit, why, sizeof(why)) == 0)
      perf.crit = &crit;
  }
  field(p, end, 3, &f, &flen);
  if (!number(f, flen, &perf.min))
    perf.min = NAN;
  field(p, end, 4, &f, &flen);
  if (!number(f, flen, &perf.max))
    perf.max = NAN;
  mw_result_perf(res, &perf);
  return true;
}

size_t exec_parse_perfdata(const char *text, size_t len, struct mw_result *res)
{
  const char *p = text;
  const char *end = text + len;
  size_t bad = 0;

  for (;;) {
    char label[LABEL_MAX];
    size_t label_len = 0;
    const char *item_end;
    bool ok = true;

    while (p < end && is_space(*p))
      p++;
    if (p >= end)
      break;
    if (*p == '\'') {
      /* quoted: '' is a quote; the label ends at a single quote */
      p++;
      for (;;) {
        if (p >= end) {
          ok = false;
          break;
        }
        if (*p == '\'' && p + 1 < end && p[1] == '\'') {
          if (label_len + 1 < sizeof(label))
            label[label_len++] = '\'';
          p += 2;
          continue;
        }
        if (*p == '\'') {
          p++;
          break;
        }
        if (label_len + 1 < sizeof(label))
          label[label_len++] = *p;
        p++;
      }
    } else {
      while (p < end && *p != '=' && !is_space(*p)) {
        if (label_len + 1 < sizeof(label))
          label[label_len++] = *p;
        p++;
      }
    }
    label[label_len] = '\0';
    item_end = p;
    while (item_end < end && !is_space(*item_end))
      item_end++;
    if (!ok || label_len == 0 || p >= end || *p != '=' || !perf_item(label, p + 1, item_end, res))
      bad++;
    p = item_end;
  }
  return bad;
}

/* The line at p (up to '\n' or end), without a trailing '\r'. */
static size_t line_len(const char *p, const char *end, const char **next)
{
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  size_t len = (size_t)((nl ? nl : end) - p);

  *next = nl ? nl + 1 : end;
  if (len > 0 && p[len - 1] == '\r')
    len--;
  return len;
}

size_t exec_parse_output(const char *out, size_t len, struct mw_result *res, size_t max_lines)
{
  const char *end = out + len;
  const char *p = out;
  const char *next;
  const char *bar;
  size_t first, text_len, bad = 0, lines = 0, skipped = 0;
  bool in_perf = false;

  first = line_len(p, end, &next);
  bar = memchr(p, '|', first);
  text_len = bar ? (size_t)(bar - p) : first;
  while (text_len > 0 && is_space(p[text_len - 1]))
    text_len--;
  if (text_len == 0)
    mw_result_summary(res, "(no output)");
  else
    mw_result_summary(res, "%.*s", (int)text_len, p);
  if (bar)
    bad += exec_parse_perfdata(bar + 1, (size_t)(p + first - bar - 1), res);
  for (p = next; p < end; p = next) {
    size_t n = line_len(p, end, &next);

    if (in_perf) {
      bad += exec_parse_perfdata(p, n, res);
      continue;
    }
    bar = memchr(p, '|', n);
    if (bar) {
      in_perf = true;
      bad += exec_parse_perfdata(bar + 1, (size_t)(p + n - bar - 1), res);
      n = (size_t)(bar - p);
    }
    while (n > 0 && is_space(p[n - 1]))
      n--;
    if (n == 0 && bar)
      continue;
    if (lines < max_lines) {
      mw_result_note(res, "%.*s", (int)n, p);
      lines++;
    } else {
      skipped++;
    }
  }
  if (skipped > 0)
    mw_result_note(res, "(%zu more lines of long output not kept)", skipped);
  return bad;
}
