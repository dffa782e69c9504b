/* SPDX-License-Identifier: MIT */
/* result.c - the result tree a check fills: states, sanitised summaries and perfdata. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "result_impl.h"

static struct mw_result *root_of(struct mw_result *res)
{
  while (res->parent)
    res = res->parent;
  return res;
}

static void mark_failed(struct mw_result *res)
{
  root_of(res)->failed = true;
}

struct mw_result *mw_result_new(void)
{
  return calloc(1, sizeof(struct mw_result));
}

void mw_result_free(struct mw_result *res)
{
  struct mw_result *child;
  struct mw_result *next;
  size_t i;

  if (!res)
    return;
  for (child = res->first_child; child; child = next) {
    next = child->next;
    mw_result_free(child);
  }
  for (i = 0; i < res->nperf; i++)
    free(res->perf[i].label);
  free(res->perf);
  if (res->summary != res->summary_inline)
    free(res->summary);
  free(res);
}

struct mw_result *mw_result_child(struct mw_result *parent)
{
  struct mw_result *child;

  if (!parent)
    return NULL;
  child = calloc(1, sizeof(*child));
  if (!child) {
    mark_failed(parent);
    return NULL;
  }
  child->parent = parent;
  if (parent->last_child)
    parent->last_child->next = child;
  else
    parent->first_child = child;
  parent->last_child = child;
  return child;
}

void mw_result_state(struct mw_result *res, enum mw_state state)
{
  if (res)
    res->state = state;
}

/* Text from servers and file systems reaches Nagios output: a '|' would start perfdata and a
 * newline would start long output. Both, and every other control character, are neutralised. */
static void sanitise(char *text)
{
  unsigned char *p;

  for (p = (unsigned char *)text; *p; p++) {
    if (*p < 0x20 || *p == 0x7f)
      *p = ' ';
    else if (*p == '|')
      *p = '!';
  }
}

void mw_result_summary(struct mw_result *res, const char *fmt, ...)
{
  char fits[MW_SUMMARY_INLINE]; /* not in place: an argument may be this summary itself */
  struct mw_buf buf;
  va_list ap;
  int n;

  if (!res)
    return;
  va_start(ap, fmt);
  n = format_fast(fits, sizeof(fits), fmt, ap);
  va_end(ap);
  if (n >= 0) {
    if (res->summary != res->summary_inline)
      free(res->summary);
    memcpy(res->summary_inline, fits, (size_t)n + 1);
    res->summary = res->summary_inline;
    sanitise(res->summary);
    return;
  }
  mw_buf_init(&buf, MW_SUMMARY_MAX);
  va_start(ap, fmt);
  mw_buf_vaddf(&buf, fmt, ap);
  va_end(ap);
  if (buf.failed && buf.len == 0) {
    /* Over the cap: keep a truncated text rather than nothing. */
    char *cut = malloc(MW_SUMMARY_MAX);
    if (cut) {
      va_start(ap, fmt);
      vsnprintf(cut, MW_SUMMARY_MAX, fmt, ap);
      va_end(ap);
    }
    buf.data = cut;
  }
  if (!buf.data) {
    mark_failed(res);
    return;
  }
  sanitise(buf.data);
  if (res->summary != res->summary_inline)
    free(res->summary);
  res->summary = buf.data;
}

void mw_result_note(struct mw_result *parent, const char *fmt, ...)
{
  struct mw_result *child = mw_result_child(parent);
  char line[MW_SUMMARY_MAX];
  va_list ap;

  if (!child)
    return;
  child->note = true;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  mw_result_summary(child, "%s", line);
}

/* A label may hold anything but '=' (it ends the label) and control characters; quotes are
 * escaped when rendering. */
static char *copy_label(const char *label)
{
  size_t len = strnlen(label, MW_LABEL_MAX);
  char *copy = malloc(len + 1);
  size_t i;

  if (!copy)
    return NULL;
  memcpy(copy, label, len);
  copy[len] = '\0';
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)copy[i];
    if (c == '=' || c < 0x20 || c == 0x7f || c == '|')
      copy[i] = '_';
  }
  return copy;
}

void mw_result_perf(struct mw_result *res, const struct mw_perf *perf)
{
  struct mw_perf_item *item;

  if (!res)
    return;
  if (res->nperf == res->capperf) {
    size_t cap = res->capperf ? res->capperf * 2 : 4;
    struct mw_perf_item *grown = realloc(res->perf, cap * sizeof(*grown));
    if (!grown) {
      mark_failed(res);
      return;
    }
    res->perf = grown;
    res->capperf = cap;
  }
  item = &res->perf[res->nperf];
  memset(item, 0, sizeof(*item));
  item->label = copy_label(perf->label ? perf->label : "value");
  if (!item->label) {
    mark_failed(res);
    return;
  }
  if (perf->uom) {
    size_t i;
    for (i = 0; perf->uom[i] && i + 1 < sizeof(item->uom); i++) {
      unsigned char c = (unsigned char)perf->uom[i];
      item->uom[i] = (c >= '0' && c <= '9') || c == ';' || c == ' ' || c == '\'' || c == '|' ||
                             c == '=' || c < 0x20 || c == 0x7f
                         ? '_'
                         : (char)c;
    }
    item->uom[i] = '\0';
  }
  item->value = perf->value;
  item->min = perf->min;
  item->max = perf->max;
  if (perf->warn) {
    item->warn = *perf->warn;
    item->has_warn = true;
  }
  if (perf->crit) {
    item->crit = *perf->crit;
    item->has_crit = true;
  }
  res->nperf++;
}

enum mw_state mw_result_get_state(const struct mw_result *res)
{
  const struct mw_result *child;
  enum mw_state state;

  if (!res)
    return MW_UNKNOWN;
  state = res->state;
  for (child = res->first_child; child; child = child->next)
    state = mw_state_worst(state, mw_result_get_state(child));
  if (!res->parent && res->failed)
    state = mw_state_worst(state, MW_UNKNOWN);
  return state;
}

bool mw_result_failed(const struct mw_result *res)
{
  return res && res->failed;
}

const char *mw_result_get_summary(const struct mw_result *res)
{
  return res && res->summary ? res->summary : "";
}

const struct mw_result *mw_result_first(const struct mw_result *res)
{
  return res ? res->first_child : NULL;
}

const struct mw_result *mw_result_next(const struct mw_result *res)
{
  return res ? res->next : NULL;
}

size_t mw_result_perf_count(const struct mw_result *res)
{
  return res ? res->nperf : 0;
}

int mw_result_perf_at(const struct mw_result *res, size_t index, struct mw_perf *out)
{
  const struct mw_perf_item *item;

  if (!res || index >= res->nperf)
    return -1;
  item = &res->perf[index];
  out->label = item->label;
  out->value = item->value;
  out->uom = item->uom;
  out->warn = item->has_warn ? &item->warn : NULL;
  out->crit = item->has_crit ? &item->crit : NULL;
  out->min = item->min;
  out->max = item->max;
  return 0;
}
