/* SPDX-License-Identifier: MIT */
/* render.c - a result tree as Nagios plugin output or as JSON. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#include "result_impl.h"

static bool label_needs_quotes(const char *label)
{
  const unsigned char *p;

  if (!*label)
    return true;
  for (p = (const unsigned char *)label; *p; p++) {
    if (!isalnum(*p) && !strchr("_./:-@%", *p))
      return true;
  }
  return false;
}

static void render_label(struct mw_buf *out, const char *label)
{
  const char *p;

  if (!label_needs_quotes(label)) {
    mw_buf_adds(out, label);
    return;
  }
  mw_buf_add(out, "'", 1);
  for (p = label; *p; p++) {
    if (*p == '\'')
      mw_buf_add(out, "''", 2);
    else
      mw_buf_add(out, p, 1);
  }
  mw_buf_add(out, "'", 1);
}

static void render_perf_item(struct mw_buf *out, const struct mw_perf_item *item)
{
  char num[64];
  /* Fields after the value, without the trailing empty ones the guidelines let us drop. */
  struct mw_buf fields;
  size_t keep;

  render_label(out, item->label);
  mw_format_number(item->value, num, sizeof(num));
  mw_buf_addf(out, "=%s%s", num, isnan(item->value) ? "" : item->uom);

  mw_buf_init(&fields, 1024);
  mw_buf_add(&fields, ";", 1);
  if (item->has_warn)
    mw_range_format(&item->warn, &fields);
  mw_buf_add(&fields, ";", 1);
  if (item->has_crit)
    mw_range_format(&item->crit, &fields);
  mw_buf_add(&fields, ";", 1);
  if (!isnan(item->min)) {
    mw_format_number(item->min, num, sizeof(num));
    mw_buf_adds(&fields, num);
  }
  mw_buf_add(&fields, ";", 1);
  if (!isnan(item->max)) {
    mw_format_number(item->max, num, sizeof(num));
    mw_buf_adds(&fields, num);
  }
  keep = fields.len;
  while (keep > 0 && fields.data && fields.data[keep - 1] == ';')
    keep--;
  if (fields.failed)
    out->failed = true;
  else if (keep)
    mw_buf_add(out, fields.data, keep);
  mw_buf_free(&fields);
}

static void render_perf_tree(struct mw_buf *out, const struct mw_result *res, bool *first)
{
  const struct mw_result *child;
  size_t i;

  for (i = 0; i < res->nperf; i++) {
    mw_buf_adds(out, *first ? " | " : " ");
    *first = false;
    render_perf_item(out, &res->perf[i]);
  }
  for (child = res->first_child; child; child = child->next)
    render_perf_tree(out, child, first);
}

static void render_children(struct mw_buf *out, const struct mw_result *res, int depth)
{
  const struct mw_result *child;
  int i;

  for (child = res->first_child; child; child = child->next) {
    mw_buf_add(out, "\n", 1);
    for (i = 0; i < depth; i++)
      mw_buf_add(out, "  ", 2);
    if (child->note)
      mw_buf_adds(out, mw_result_get_summary(child));
    else
      mw_buf_addf(out, "\\_ [%s] %s", mw_state_name(mw_result_get_state(child)),
                  mw_result_get_summary(child));
    render_children(out, child, depth + 1);
  }
}

int mw_render_nagios(const struct mw_result *res, const char *service, struct mw_buf *out)
{
  const char *summary = mw_result_get_summary(res);
  bool first = true;

  mw_buf_addf(out, "%s %s - %s", service, mw_state_name(mw_result_get_state(res)),
              *summary ? summary : "no details");
  if (mw_result_failed(res))
    mw_buf_adds(out, " (out of memory: result incomplete)");
  render_perf_tree(out, res, &first);
  render_children(out, res, 0);
  mw_buf_add(out, "\n", 1);
  return out->failed ? -1 : 0;
}

static void json_number(struct mw_buf *out, double value)
{
  char num[64];

  if (!isfinite(value)) {
    mw_buf_adds(out, "null");
    return;
  }
  mw_format_number(value, num, sizeof(num));
  mw_buf_adds(out, num);
}

static void json_range(struct mw_buf *out, const char *key, const struct mw_range *range,
                       bool present)
{
  struct mw_buf text;

  mw_buf_addf(out, ",\"%s\":", key);
  if (!present) {
    mw_buf_adds(out, "null");
    return;
  }
  mw_buf_init(&text, 256);
  mw_range_format(range, &text);
  mw_json_string(out, mw_buf_str(&text));
  if (text.failed)
    out->failed = true;
  mw_buf_free(&text);
}

static void render_json_node(struct mw_buf *out, const struct mw_result *res)
{
  enum mw_state state = mw_result_get_state(res);
  const struct mw_result *child;
  size_t i;

  mw_buf_addf(out, "{\"state\":\"%s\",\"exit_code\":%d,%s\"summary\":", mw_state_name(state),
              (int)state, res->note ? "\"note\":true," : "");
  mw_json_string(out, mw_result_get_summary(res));
  mw_buf_adds(out, ",\"perfdata\":[");
  for (i = 0; i < res->nperf; i++) {
    const struct mw_perf_item *item = &res->perf[i];
    if (i)
      mw_buf_add(out, ",", 1);
    mw_buf_adds(out, "{\"label\":");
    mw_json_string(out, item->label);
    mw_buf_adds(out, ",\"value\":");
    json_number(out, item->value);
    mw_buf_adds(out, ",\"uom\":");
    mw_json_string(out, item->uom);
    json_range(out, "warn", &item->warn, item->has_warn);
    json_range(out, "crit", &item->crit, item->has_crit);
    mw_buf_adds(out, ",\"min\":");
    json_number(out, item->min);
    mw_buf_adds(out, ",\"max\":");
    json_number(out, item->max);
    mw_buf_add(out, "}", 1);
  }
  mw_buf_adds(out, "],\"children\":[");
  for (child = res->first_child; child; child = child->next) {
    if (child != res->first_child)
      mw_buf_add(out, ",", 1);
    render_json_node(out, child);
  }
  mw_buf_adds(out, "]}");
}

int mw_render_json(const struct mw_result *res, struct mw_buf *out)
{
  render_json_node(out, res);
  return out->failed ? -1 : 0;
}
