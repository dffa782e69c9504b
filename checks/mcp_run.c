/* mcp_run.c - one run of the mcp-tools check: session, every tools/list page, ping, a call,
 * and the verdict. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_tools.h"
#include "problems.h"

struct outcome {
  json_t *tools; /* every tool object of every page */
  size_t pages;
  double init_s; /* NAN when the session was reused */
  double list_s;
  struct problems problems;
};

static double since(int64_t start)
{
  return (double)(mw_now_ns() - start) / 1e9;
}

static enum mcp_status list_tools(struct mcp_tools *m, struct outcome *out, mw_deadline deadline,
                                  char *err, size_t errlen)
{
  char *cursor = NULL;
  enum mcp_status status = MCP_OK;

  json_array_clear(out->tools);
  for (out->pages = 0;; out->pages++) {
    json_t *result = NULL;
    json_t *page;
    const char *next;

    if ((long long)out->pages >= m->max_pages) {
      snprintf(err, errlen, "tools/list: still paging after %lld pages (--max-pages)",
               m->max_pages);
      status = MCP_FAILED;
      break;
    }
    status =
        mcp_request(&m->client, "tools/list", cursor ? json_pack("{s:s}", "cursor", cursor) : NULL,
                    &result, deadline, err, errlen);
    if (status != MCP_OK)
      break;
    page = json_object_get(result, "tools");
    if (!json_is_array(page)) {
      snprintf(err, errlen, "tools/list: the answer has no tools array");
      json_decref(result);
      status = MCP_FAILED;
      break;
    }
    json_array_extend(out->tools, page);
    next = json_string_value(json_object_get(result, "nextCursor"));
    free(cursor);
    cursor = next && *next ? strdup(next) : NULL;
    json_decref(result);
    if (!cursor)
      break;
  }
  free(cursor);
  return status;
}

static bool offered(json_t *tools, const char *name)
{
  size_t i;
  json_t *tool;

  json_array_foreach(tools, i, tool)
  {
    const char *have = json_string_value(json_object_get(tool, "name"));

    if (have && strcmp(have, name) == 0)
      return true;
  }
  return false;
}

/* The first text item of a tool result's content, for the output. */
static const char *first_text(json_t *result)
{
  size_t i;
  json_t *item;

  json_array_foreach(json_object_get(result, "content"), i, item)
  {
    const char *text = json_string_value(json_object_get(item, "text"));

    if (text)
      return text;
  }
  return "";
}

static enum mcp_status extras(struct mcp_tools *m, struct outcome *out, mw_deadline deadline,
                              char *err, size_t errlen)
{
  json_t *result = NULL;
  enum mcp_status status;

  if (m->ping) {
    status = mcp_request(&m->client, "ping", NULL, &result, deadline, err, errlen);
    json_decref(result);
    result = NULL;
    if (status == MCP_RPC_ERROR)
      problems_add(&out->problems, MW_CRITICAL, "%s", err);
    else if (status != MCP_OK)
      return status;
  }
  if (m->call) {
    json_t *params = json_pack("{s:s,s:O}", "name", m->call, "arguments", m->call_args);

    status = mcp_request(&m->client, "tools/call", params, &result, deadline, err, errlen);
    if (status == MCP_RPC_ERROR)
      problems_add(&out->problems, MW_CRITICAL, "call %s: %s", m->call, err);
    else if (status != MCP_OK)
      return status;
    else if (json_is_true(json_object_get(result, "isError")))
      problems_add(&out->problems, MW_CRITICAL, "call %s answered isError: %.120s", m->call,
                   first_text(result));
    json_decref(result);
  }
  return MCP_OK;
}

static void judge(struct mcp_tools *m, struct outcome *out)
{
  size_t count = json_array_size(out->tools);
  char missing[512] = "";
  char present[512] = "";
  size_t i;

  for (i = 0; i < m->expect.count; i++)
    if (!offered(out->tools, m->expect.names[i]))
      snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
               missing[0] ? ", " : "", m->expect.names[i]);
  for (i = 0; i < m->forbid.count; i++)
    if (offered(out->tools, m->forbid.names[i]))
      snprintf(present + strlen(present), sizeof(present) - strlen(present), "%s%s",
               present[0] ? ", " : "", m->forbid.names[i]);
  if (missing[0])
    problems_add(&out->problems, m->missing_state, "missing: %s", missing);
  if (present[0])
    problems_add(&out->problems, MW_CRITICAL, "forbidden: %s", present);
  if ((long long)count < m->min_tools)
    problems_add(&out->problems, MW_CRITICAL, "fewer than %lld tools", m->min_tools);
}

static void perf(struct mw_result *res, const char *label, double value, const char *uom,
                 const struct mw_range *warn, const struct mw_range *crit)
{
  struct mw_perf p = {label, isnan(value) ? NAN : round(value * 1e6) / 1e6, uom, warn, crit, 0,
                      NAN};

  mw_result_perf(res, &p);
}

static void report(struct mcp_tools *m, struct outcome *out, double total, struct mw_result *res)
{
  enum mw_state time_state =
      mw_range_state(m->has_warn ? &m->warn : NULL, m->has_crit ? &m->crit : NULL, total);
  size_t i;
  json_t *tool;

  if (time_state != MW_OK)
    problems_add(&out->problems, time_state, "slow");
  mw_result_state(res, out->problems.state);
  mw_result_summary(res, "%s %s, MCP %s%s, %zu tools in %.0f ms%s%s", m->client.server_name,
                    m->client.server_version, m->client.version,
                    m->client.in_use == MCP_SSE ? " (legacy SSE)" : "", json_array_size(out->tools),
                    total * 1000, m->insecure ? " (certificate not verified: --insecure)" : "",
                    out->problems.text);
  json_array_foreach(out->tools, i, tool)
  {
    const char *name = json_string_value(json_object_get(tool, "name"));

    mw_result_summary(mw_result_child(res), "tool %.*s", NAME_MAX_LEN, name ? name : "(no name)");
  }
  perf(res, "time", total, "s", m->has_warn ? &m->warn : NULL, m->has_crit ? &m->crit : NULL);
  perf(res, "time_initialize", out->init_s, "s", NULL, NULL);
  perf(res, "time_tools_list", out->list_s, "s", NULL, NULL);
  perf(res, "tools", (double)json_array_size(out->tools), "", NULL, NULL);
}

static void report_failure(struct mcp_tools *m, enum mcp_status status, const char *step,
                           const char *err, struct mw_result *res)
{
  mw_result_state(res, status == MCP_TIMED_OUT ? m->timeout_state : MW_CRITICAL);
  mw_result_summary(res, "%s: %s", step, err);
}

void mcp_tools_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct mcp_tools *m = state;
  char auth[MW_HTTP_TOKEN_MAX + 32];
  char err[512];
  struct outcome out = {json_array(), 0, NAN, NAN, {MW_OK, ""}};
  int64_t start = mw_now_ns();
  int64_t step;
  bool retried = false;
  enum mcp_status status;
  const char *what = "initialize";

  m->client.auth_header = NULL;
  if (m->token_file || m->token_env) {
    if (mw_http_token_header("Authorization: Bearer ", m->token_file, m->token_env, auth,
                             sizeof(auth), err, sizeof(err)) != 0) {
      mw_result_state(res, MW_UNKNOWN);
      mw_result_summary(res, "%s", err);
      goto cleanup;
    }
    m->client.auth_header = auth;
  }
again:
  if (!m->client.initialised) {
    what = "initialize";
    step = mw_now_ns();
    status = mcp_initialise(&m->client, deadline, err, sizeof(err));
    out.init_s = since(step);
    if (status != MCP_OK)
      goto failed;
  }
  what = "tools/list";
  step = mw_now_ns();
  status = list_tools(m, &out, deadline, err, sizeof(err));
  out.list_s = since(step);
  if (status == MCP_OK) {
    what = m->call ? "tools/call" : "ping";
    status = extras(m, &out, deadline, err, sizeof(err));
  }
  if (status == MCP_GONE && !retried && isnan(out.init_s)) {
    /* A kept session the server has forgotten (restarted, expired): once more from the start. */
    retried = true;
    m->client.initialised = false;
    goto again;
  }
  if (status != MCP_OK)
    goto failed;
  judge(m, &out);
  report(m, &out, since(start), res);
  goto cleanup;
failed:
  report_failure(m, status, what, err, res);
  /* The next run starts a new session rather than trust this one. */
  mcp_end_session(&m->client, deadline);
cleanup:
  /* The legacy transport's stream is not kept between runs. */
  if (m->client.in_use == MCP_SSE)
    mcp_end_session(&m->client, deadline);
  m->client.auth_header = NULL;
  explicit_bzero(auth, sizeof(auth));
  json_decref(out.tools);
}
