/* SPDX-License-Identifier: MIT */
/* mcp_catalog.c - the lists of a run (tools, and resources and prompts when a baseline covers
 * them) and what is judged of them as a whole: the lint, the catalogue's size, the drift from
 * a baseline, and the baseline written. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_tools.h"

static int parse_drift_states(struct mcp_tools *m, const struct mw_args *args, char *err,
                              size_t errlen)
{
  size_t i;

  m->drift_state[DRIFT_BREAKING] = MW_CRITICAL;
  m->drift_state[DRIFT_DESCRIPTION] = MW_WARNING;
  m->drift_state[DRIFT_ANNOTATIONS] = MW_WARNING;
  m->drift_state[DRIFT_SCHEMA] = MW_WARNING;
  m->drift_state[DRIFT_ADDED] = MW_OK;
  for (i = 0; i < mw_args_count(args, "drift-state"); i++) {
    const char *item = mw_args_str_at(args, "drift-state", i);
    const char *eq = strchr(item, '=');
    size_t kind;
    enum mw_state state;

    for (kind = 0; eq && kind < DRIFT_KINDS; kind++)
      if (strlen(drift_kind_names[kind]) == (size_t)(eq - item) &&
          strncmp(drift_kind_names[kind], item, (size_t)(eq - item)) == 0)
        break;
    if (!eq || kind >= DRIFT_KINDS || mw_state_parse(eq + 1, &state) != 0) {
      snprintf(err, errlen,
               "--drift-state %.60s: expected KIND=STATE, KIND one of breaking, "
               "description, annotations, schema, added; STATE ok, warning, critical "
               "or unknown",
               item);
      return -1;
    }
    m->drift_state[kind] = state;
  }
  return 0;
}

int mcp_catalog_open(struct mcp_tools *m, const struct mw_args *args, char *err, size_t errlen)
{
  const char *lint = mw_args_str(args, "lint");

  m->write_baseline = mw_args_str(args, "write-baseline");
  m->baseline.path = mw_args_str(args, "baseline");
  m->lint = strcmp(lint, "off") != 0;
  m->lint_state = strcmp(lint, "critical") == 0 ? MW_CRITICAL : MW_WARNING;
  m->has_catalog_warn = mw_args_range(args, "catalog-warning", &m->catalog_warn);
  m->has_catalog_crit = mw_args_range(args, "catalog-critical", &m->catalog_crit);
  if (m->write_baseline && m->baseline.path) {
    snprintf(err, errlen,
             "--baseline and --write-baseline exclude each other: a check that "
             "approved every change it saw would hide them");
    return -1;
  }
  if (mw_args_given(args, "drift-state") && !m->baseline.path) {
    snprintf(err, errlen, "--drift-state needs --baseline FILE");
    return -1;
  }
  if (parse_drift_states(m, args, err, errlen) != 0)
    return -1;
  /* A missing or broken baseline is found at once, not at the first run. */
  if (m->baseline.path && mcp_baseline_refresh(&m->baseline, err, errlen) != 0)
    return -1;
  return 0;
}

static const char *const list_methods[MCP_LISTS] = {"tools/list", "resources/list", "prompts/list"};

enum mcp_status mcp_list_all(struct mcp_tools *m, struct outcome *out, enum mcp_list list,
                             json_t *into, mw_deadline deadline, char *err, size_t errlen)
{
  char *cursor = NULL;
  enum mcp_status status = MCP_OK;
  size_t pages;

  json_array_clear(into);
  for (pages = 0;; pages++) {
    json_t *result = NULL;
    json_t *page;
    const char *next;
    int64_t start = mw_now_ns();

    if ((long long)pages >= m->max_pages) {
      snprintf(err, errlen, "still paging after %lld pages (--max-pages)", m->max_pages);
      status = MCP_FAILED;
      break;
    }
    status = mcp_request(&m->client, list_methods[list],
                         cursor ? json_pack("{s:s}", "cursor", cursor) : NULL, &result, deadline,
                         err, errlen);
    if (status != MCP_OK)
      break;
    page = json_object_get(result, mcp_list_member[list]);
    if (!json_is_array(page)) {
      snprintf(err, errlen, "the answer has no %s array", mcp_list_member[list]);
      json_decref(result);
      status = MCP_FAILED;
      break;
    }
    json_array_extend(into, page);
    step_add(out, MW_OK, "%s page %zu: %zu %s in %.1f ms", list_methods[list], pages + 1,
             json_array_size(page), mcp_list_member[list], mcp_since(start) * 1000);
    next = json_string_value(json_object_get(result, "nextCursor"));
    free(cursor);
    cursor = next && *next ? strdup(next) : NULL;
    json_decref(result);
    if (!cursor)
      break;
  }
  if (list == MCP_LIST_TOOLS)
    out->pages = pages;
  free(cursor);
  return status;
}

/* Whether this run reads list: a baseline is compared or written or --expect-* names items of
 * it, and the server offers it
 * (or names no capabilities, when a -32601 answer means it has none). */
static bool wanted(const struct mcp_tools *m, enum mcp_list list, int offered)
{
  return (m->baseline.path || m->write_baseline || mcp_resources_wanted(m, list)) && offered != 0;
}

static enum mcp_status one_list(struct mcp_tools *m, struct outcome *out, enum mcp_list list,
                                int offered, json_t **into, mw_deadline deadline, char *err,
                                size_t errlen)
{
  enum mcp_status status;

  if (!wanted(m, list, offered)) {
    /* A list the baseline has and the server no longer offers: every item is gone. */
    if (m->baseline.path && mcp_baseline_has(&m->baseline, list))
      *into = json_array();
    return MCP_OK;
  }
  *into = json_array();
  if (!*into) {
    snprintf(err, errlen, "out of memory");
    return MCP_FAILED;
  }
  status = mcp_list_all(m, out, list, *into, deadline, err, errlen);
  if (status == MCP_RPC_ERROR && offered < 0 && m->client.error_code == -32601) {
    step_add(out, MW_OK, "%s: not offered (-32601)", list_methods[list]);
    json_array_clear(*into);
    return MCP_OK;
  }
  if (status == MCP_RPC_ERROR) {
    char text[256];

    snprintf(text, sizeof(text), "%s", err);
    snprintf(err, errlen, "%s: %s", list_methods[list], text);
  }
  return status;
}

enum mcp_status mcp_catalog_lists(struct mcp_tools *m, struct outcome *out, mw_deadline deadline,
                                  char *err, size_t errlen)
{
  enum mcp_status status;

  status = one_list(m, out, MCP_LIST_RESOURCES, m->client.offers_resources, &out->resources,
                    deadline, err, errlen);
  if (status == MCP_OK)
    status = one_list(m, out, MCP_LIST_PROMPTS, m->client.offers_prompts, &out->prompts, deadline,
                      err, errlen);
  return status;
}

static void lint_judge(struct mcp_tools *m, struct outcome *out)
{
  if (!m->lint)
    return;
  out->lint = calloc(1, sizeof(*out->lint));
  if (!out->lint) {
    problems_add(&out->problems, MW_UNKNOWN, "lint: out of memory");
    return;
  }
  mcp_lint_tools(out->tools, out->lint);
  if (out->lint->count == 1)
    problems_add(&out->problems, m->lint_state, "lint: %s", out->lint->lines[0]);
  else if (out->lint->count > 1)
    problems_add(&out->problems, m->lint_state, "lint: %zu problems, first: %s", out->lint->count,
                 out->lint->lines[0]);
}

static void size_judge(struct mcp_tools *m, struct outcome *out)
{
  size_t bytes = json_dumpb(out->tools, NULL, 0, JSON_COMPACT);
  enum mw_state state;

  out->catalog_bytes = (double)bytes;
  state = mw_range_state(m->has_catalog_warn ? &m->catalog_warn : NULL,
                         m->has_catalog_crit ? &m->catalog_crit : NULL, out->catalog_bytes);
  if (state != MW_OK)
    problems_add(&out->problems, state, "tool list of %zu bytes", bytes);
}

static void drift_judge(struct mcp_tools *m, struct outcome *out)
{
  struct mcp_catalog catalog = {{out->tools, out->resources, out->prompts}};
  struct drift *drift;
  int kind;

  if (!m->baseline.path)
    return;
  drift = out->drift = calloc(1, sizeof(*out->drift));
  if (!drift) {
    problems_add(&out->problems, MW_UNKNOWN, "drift: out of memory");
    return;
  }
  mcp_drift_compare(&m->baseline, &catalog, drift);
  for (kind = 0; kind < DRIFT_KINDS; kind++) {
    enum mw_state state = m->drift_state[kind];
    const char *names = drift->names[kind];
    bool many = drift->items[kind] > 1;

    if (!drift->count[kind])
      continue;
    switch (kind) {
    case DRIFT_BREAKING:
      problems_add(&out->problems, state, "%zu breaking change%s since the baseline (%s)",
                   drift->count[kind], drift->count[kind] == 1 ? "" : "s", names);
      break;
    case DRIFT_DESCRIPTION:
      problems_add(&out->problems, state,
                   "description%s of %s changed since the baseline: possible tool poisoning",
                   many ? "s" : "", names);
      break;
    case DRIFT_ANNOTATIONS:
      problems_add(&out->problems, state, "annotations of %s changed since the baseline", names);
      break;
    case DRIFT_SCHEMA:
      problems_add(&out->problems, state, "schema%s of %s changed since the baseline",
                   many ? "s" : "", names);
      break;
    default:
      problems_add(&out->problems, state, "added since the baseline: %s", names);
      break;
    }
  }
}

static void baseline_write(struct mcp_tools *m, struct outcome *out)
{
  struct mcp_catalog catalog = {{out->tools, out->resources, out->prompts}};
  char err[300];

  if (!m->write_baseline)
    return;
  if (mcp_baseline_write(m->write_baseline, &catalog, m->client.server_name,
                         m->client.server_version, err, sizeof(err)) != 0) {
    problems_add(&out->problems, MW_UNKNOWN, "%s", err);
    return;
  }
  problems_add(&out->problems, MW_OK,
               "baseline written to %.200s: %zu tools, %zu resources, %zu prompts",
               m->write_baseline, json_array_size(out->tools), json_array_size(out->resources),
               json_array_size(out->prompts));
}

void mcp_catalog_judge(struct mcp_tools *m, struct outcome *out)
{
  lint_judge(m, out);
  size_judge(m, out);
  drift_judge(m, out);
  baseline_write(m, out);
}

static void perf_count(struct mw_result *res, const char *label, double value)
{
  struct mw_perf p = {label, value, "", NULL, NULL, 0, NAN};

  mw_result_perf(res, &p);
}

void mcp_catalog_report(struct mcp_tools *m, struct outcome *out, struct mw_result *res)
{
  struct mw_perf size = {"catalog_bytes",
                         out->catalog_bytes,
                         "B",
                         m->has_catalog_warn ? &m->catalog_warn : NULL,
                         m->has_catalog_crit ? &m->catalog_crit : NULL,
                         0,
                         NAN};
  size_t i;
  int kind;

  if (out->drift) {
    for (i = 0; i < out->drift->n_lines; i++) {
      struct mw_result *line = mw_result_child(res);

      mw_result_state(line, m->drift_state[out->drift->line_kind[i]]);
      mw_result_summary(line, "drift: %s", out->drift->lines[i]);
    }
    if (out->drift->lines_dropped)
      mw_result_summary(mw_result_child(res), "drift: %zu more changes not shown",
                        out->drift->lines_dropped);
  }
  if (out->lint) {
    for (i = 0; i < out->lint->n_lines; i++) {
      struct mw_result *line = mw_result_child(res);

      mw_result_state(line, m->lint_state);
      mw_result_summary(line, "lint: %s", out->lint->lines[i]);
    }
    if (out->lint->count > out->lint->n_lines)
      mw_result_summary(mw_result_child(res), "lint: %zu more problems not shown",
                        out->lint->count - out->lint->n_lines);
  }
  mw_result_perf(res, &size);
  if (out->lint)
    perf_count(res, "lint_problems", (double)out->lint->count);
  if (out->resources)
    perf_count(res, "resources", (double)json_array_size(out->resources));
  if (out->prompts)
    perf_count(res, "prompts", (double)json_array_size(out->prompts));
  if (out->drift)
    for (kind = 0; kind < DRIFT_KINDS; kind++) {
      char label[32];

      snprintf(label, sizeof(label), "drift_%s", drift_kind_names[kind]);
      perf_count(res, label, (double)out->drift->count[kind]);
    }
}

void mcp_outcome_free(struct outcome *out)
{
  json_decref(out->tools);
  json_decref(out->dropped);
  json_decref(out->resources);
  json_decref(out->prompts);
  free(out->drift);
  free(out->lint);
}
