/* SPDX-License-Identifier: MIT */
/* mcp_run.c - one run of the mcp-tools check: session, every tools/list page, ping, a call,
 * and the verdict. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_tools.h"
#include "problems.h"

#define HEADER_FILE_MAX 8192
#define STDERR_LINES 5
#define STDERR_LINE_MAX 160

double mcp_since(int64_t start)
{
  return (double)(mw_now_ns() - start) / 1e9;
}

void step_add(struct outcome *out, enum mw_state state, const char *fmt, ...)
{
  va_list ap;

  /* The last slot is kept for the step that fails the run. */
  if (out->n_steps >= MAX_STEPS - (state == MW_OK ? 1 : 0)) {
    out->steps_dropped++;
    return;
  }
  out->steps[out->n_steps].state = state;
  va_start(ap, fmt);
  vsnprintf(out->steps[out->n_steps].text, sizeof(out->steps[0].text), fmt, ap);
  va_end(ap);
  out->n_steps++;
}

static double ms(double seconds)
{
  return seconds * 1000;
}

/* What the client saw besides answers: redirects, the server's requests, a version retry. */
static void trace_steps(const struct mcp_client *client, struct outcome *out)
{
  const struct mcp_trace *t = &client->trace;

  if (t->version_retry[0])
    step_add(out, MW_OK, "%s: %s", client->connected_by ? client->connected_by : "initialize",
             t->version_retry);
  if (t->redirect_code)
    step_add(out, MW_OK, "followed HTTP %ld to %s%s", t->redirect_code, t->redirect_path,
             t->redirect_foreign ? " on another origin (sent without token or headers)" : "");
  if (t->resumed)
    step_add(out, MW_OK,
             "a response stream closed before its response: resumed %u time%s with "
             "Last-Event-ID",
             t->resumed, t->resumed == 1 ? "" : "s");
  if (t->server_requests)
    step_add(out, MW_OK, "the server sent %u request%s (last: %s): answered -32601 at once",
             t->server_requests, t->server_requests == 1 ? "" : "s", t->server_method);
  if (client->stdio.server_requests)
    step_add(out, MW_OK, "the server sent %u request%s on stdout: answered -32601 at once",
             client->stdio.server_requests, client->stdio.server_requests == 1 ? "" : "s");
}

/* The tool called name in list, or NULL. */
json_t *mcp_find_tool(json_t *list, const char *name)
{
  size_t i;
  json_t *tool;

  json_array_foreach(list, i, tool)
  {
    const char *tool_name = json_string_value(json_object_get(tool, "name"));

    if (tool_name && strcmp(tool_name, name) == 0)
      return tool;
  }
  return NULL;
}

/* Whether x-mcp-header applies: a modern server over Streamable HTTP (2026-07-28). */
bool mcp_param_headers_apply(const struct mcp_tools *m)
{
  return m->client.era == MCP_ERA_MODERN && m->client.in_use == MCP_STREAMABLE;
}

/* A client on Streamable HTTP drops a tool whose x-mcp-header annotations break the rules, so
 * for its users the tool is not there: moved to out->dropped, a WARNING naming why. */
static void drop_invalid_tools(struct mcp_tools *m, struct outcome *out)
{
  size_t i = 0;
  char why[160];

  if (!mcp_param_headers_apply(m))
    return;
  while (i < json_array_size(out->tools)) {
    json_t *tool = json_array_get(out->tools, i);
    const char *name = json_string_value(json_object_get(tool, "name"));

    if (mcp_tool_headers_valid(json_object_get(tool, "inputSchema"), why, sizeof(why))) {
      i++;
      continue;
    }
    problems_add(&out->problems, MW_WARNING, "tool %.*s dropped by clients: %s", NAME_MAX_LEN,
                 name ? name : "(no name)", why);
    step_add(out, MW_WARNING, "tool %.*s: %s; clients on Streamable HTTP drop it", NAME_MAX_LEN,
             name ? name : "(no name)", why);
    json_array_append(out->dropped, tool);
    json_array_remove(out->tools, i);
  }
}

static enum mcp_status extras(struct mcp_tools *m, struct outcome *out, mw_deadline deadline,
                              char *err, size_t errlen)
{
  json_t *result = NULL;
  enum mcp_status status;
  int64_t start;

  if (m->ping) {
    /* The stateless revision has no ping: server/discover is its liveness probe. */
    const char *probe = m->client.era == MCP_ERA_MODERN ? "server/discover" : "ping";

    start = mw_now_ns();
    status = mcp_request(&m->client, probe, NULL, &result, deadline, err, errlen);
    json_decref(result);
    result = NULL;
    if (status == MCP_RPC_ERROR) {
      problems_add(&out->problems, MW_CRITICAL, "%s: %s", probe, err);
      step_add(out, MW_CRITICAL, "%s: %s", probe, err);
    } else if (status != MCP_OK) {
      return status;
    } else {
      step_add(out, MW_OK, "%s (--ping): answered in %.1f ms", probe, ms(mcp_since(start)));
    }
  }
  status = mcp_resources_read(m, out, deadline, err, errlen);
  if (status != MCP_OK)
    return status;
  return mcp_calls_run(m, out, deadline, err, errlen);
}

static void judge(struct mcp_tools *m, struct outcome *out)
{
  size_t count = json_array_size(out->tools);
  char missing[512] = "";
  char present[512] = "";
  size_t i;

  for (i = 0; i < m->expect.count; i++)
    if (!mcp_find_tool(out->tools, m->expect.names[i])) {
      snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
               missing[0] ? ", " : "", m->expect.names[i]);
      step_add(out, m->missing_state, "missing tool %.*s", NAME_MAX_LEN, m->expect.names[i]);
    }
  for (i = 0; i < m->forbid.count; i++)
    if (mcp_find_tool(out->tools, m->forbid.names[i])) {
      snprintf(present + strlen(present), sizeof(present) - strlen(present), "%s%s",
               present[0] ? ", " : "", m->forbid.names[i]);
      step_add(out, MW_CRITICAL, "forbidden tool %.*s offered", NAME_MAX_LEN, m->forbid.names[i]);
    }
  if (missing[0])
    problems_add(&out->problems, m->missing_state, "missing: %s", missing);
  if (present[0])
    problems_add(&out->problems, MW_CRITICAL, "forbidden: %s", present);
  if ((long long)count < m->min_tools)
    problems_add(&out->problems, MW_CRITICAL, "fewer than %lld tools", m->min_tools);
  mcp_resources_judge(m, out);
}

static void perf(struct mw_result *res, const char *label, double value, const char *uom,
                 const struct mw_range *warn, const struct mw_range *crit)
{
  struct mw_perf p = {label, isnan(value) ? NAN : mw_round(value * 1e6) / 1e6, uom, warn, crit, 0,
                      NAN};

  mw_result_perf(res, &p);
}

static void steps_out(struct outcome *out, struct mw_result *res)
{
  size_t i;

  for (i = 0; i < out->n_steps; i++) {
    struct mw_result *child = mw_result_child(res);

    mw_result_state(child, out->steps[i].state);
    mw_result_summary(child, "%s", out->steps[i].text);
  }
  if (out->steps_dropped)
    mw_result_summary(mw_result_child(res), "(%zu more steps not shown)", out->steps_dropped);
}

/* The era spoken, as the output names it. */
static const char *era_words(const struct mcp_client *client)
{
  if (client->in_use == MCP_STDIO)
    return client->era == MCP_ERA_MODERN ? "modern, stdio" : "legacy, stdio";
  if (client->era == MCP_ERA_MODERN)
    return "modern";
  return client->in_use == MCP_SSE ? "legacy SSE" : "legacy";
}

/* stdio: the server is stopped at the end of every run; how it ended, and (when the run failed)
 * what it last said on stderr, are part of the long output. */
static void stdio_stop(struct mcp_tools *m, mw_deadline deadline, struct outcome *out)
{
  char text[160];
  int64_t step = mw_now_ns();

  mcp_end_session(&m->client, deadline);
  mcp_stdio_exit_text(&m->client.stdio, text, sizeof(text));
  step_add(out, MW_OK, "server process %s (stopped in %.0f ms)", text, ms(mcp_since(step)));
}

static void stdio_failure_lines(const struct mcp_tools *m, struct mw_result *res)
{
  char text[160];
  char lines[STDERR_LINES][STDERR_LINE_MAX];
  size_t n;
  size_t i;

  mcp_stdio_exit_text(&m->client.stdio, text, sizeof(text));
  mw_result_summary(mw_result_child(res), "server process %s", text);
  n = mcp_stdio_stderr_lines(&m->client.stdio, &lines[0][0], STDERR_LINE_MAX, STDERR_LINES);
  if (n == 0)
    mw_result_summary(mw_result_child(res), "its stderr was empty");
  for (i = 0; i < n; i++)
    mw_result_summary(mw_result_child(res), "stderr: %s", lines[i]);
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
  mw_result_summary(res, "%s %s, MCP %s (%s), %zu tools in %.0f ms%s%s", m->client.server_name,
                    m->client.server_version, m->client.version, era_words(&m->client),
                    json_array_size(out->tools), total * 1000,
                    m->insecure ? " (certificate not verified: --insecure)" : "",
                    out->problems.text);
  steps_out(out, res);
  json_array_foreach(out->tools, i, tool)
  {
    const char *name = json_string_value(json_object_get(tool, "name"));

    mw_result_summary(mw_result_child(res), "tool %.*s", NAME_MAX_LEN, name ? name : "(no name)");
  }
  perf(res, "time", total, "s", m->has_warn ? &m->warn : NULL, m->has_crit ? &m->crit : NULL);
  perf(res, "time_discover", out->discover_s, "s", NULL, NULL);
  perf(res, "time_initialize", out->init_s, "s", NULL, NULL);
  perf(res, "time_tools_list", out->list_s, "s", NULL, NULL);
  perf(res, "tools", (double)json_array_size(out->tools), "", NULL, NULL);
  if (mcp_oauth_enabled(&m->oauth))
    perf(res, "time_oauth", out->oauth_s, "s", NULL, NULL);
  mcp_calls_report(m, out, res);
  mcp_resources_report(m, out, res);
  mcp_catalog_report(m, out, res);
}

/* One line, as for every failure of a check: the steps that went well are in the perfdata's
 * times, and a hostile server gets no say in more lines. */
static void report_failure(struct mcp_tools *m, enum mcp_status status, const char *step,
                           const char *err, double budget, struct mw_result *res)
{
  mw_result_state(res, status == MCP_TIMED_OUT ? m->timeout_state : MW_CRITICAL);
  /* The budget is the run's, not the last request's: "after 0.2 s" misled when the earlier
   * steps had used the rest. */
  if (status == MCP_TIMED_OUT)
    mw_result_summary(res, "%s: timed out: no answer within the %.1f s timeout", step, budget);
  else
    mw_result_summary(res, "%s: %s", step, err);
}

/* --header-file: "Name: value" lines into buf, pointed to from headers after the given ones.
 * The count of headers, or -1 with a reason that never holds the file's content. */
static int file_headers(const struct mcp_tools *m, char *buf, size_t buflen, const char **headers,
                        size_t max, char *err, size_t errlen)
{
  FILE *file;
  size_t n = 0;
  size_t used = 0;
  int line_no = 0;
  char *line;

  if (!m->header_file)
    return 0;
  file = fopen(m->header_file, "re");
  if (!file) {
    snprintf(err, errlen, "cannot read --header-file %s: %s", m->header_file, strerror(errno));
    return -1;
  }
  while (used + 1 < buflen && (line = fgets(buf + used, (int)(buflen - used), file)) != NULL) {
    size_t len = strlen(line);
    char *start = line;

    line_no++;
    if (len > 0 && line[len - 1] != '\n' && !feof(file)) {
      snprintf(err, errlen, "--header-file %s: line %d is too long", m->header_file, line_no);
      n = (size_t)-1;
      break;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    while (*start == ' ' || *start == '\t')
      start++;
    if (!*start || *start == '#') {
      continue;
    }
    if (!mcp_header_valid(start) || n >= max) {
      snprintf(err, errlen, "--header-file %s: line %d is %s", m->header_file, line_no,
               n >= max ? "one header too many" : "not 'Name: value'");
      n = (size_t)-1;
      break;
    }
    headers[n++] = start;
    used += len + 1;
  }
  fclose(file);
  return n == (size_t)-1 ? -1 : (int)n;
}

/* The outcome of a run started again: what the first try found is dropped. */
static void outcome_reset(struct outcome *out)
{
  out->n_steps = 0;
  out->steps_dropped = 0;
  memset(&out->problems, 0, sizeof(out->problems));
  mcp_outcome_free(out);
  out->tools = json_array();
  out->dropped = json_array();
  out->resources = out->prompts = NULL;
  out->drift = NULL;
  out->lint = NULL;
}

static void oauth_note(void *ctx, const char *text)
{
  step_add(ctx, MW_OK, "%s", text);
}

/* --oauth-discovery-only: the chain held; the server is not spoken to with a token. */
static void report_discovery(struct mcp_tools *m, struct outcome *out, struct mw_result *res)
{
  mw_result_state(res, MW_OK);
  mw_result_summary(res,
                    "OAuth discovery holds: resource %s, authorization server %s, token endpoint "
                    "%s (no token asked for: --oauth-discovery-only)",
                    m->oauth.resource_found, m->oauth.issuer_found, m->oauth.token_endpoint);
  steps_out(out, res);
  perf(res, "time_oauth", out->oauth_s, "s", NULL, NULL);
}

void mcp_tools_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct mcp_tools *m = state;
  char auth[MW_HTTP_TOKEN_MAX + 32];
  char header_buf[HEADER_FILE_MAX];
  const char *headers[MCP_MAX_HEADERS];
  char err[512];
  struct outcome out = {.tools = json_array(),
                        .dropped = json_array(),
                        .init_s = NAN,
                        .discover_s = NAN,
                        .list_s = NAN,
                        .oauth_s = NAN,
                        .read_s = NAN,
                        .read_bytes = NAN};
  int from_file;
  int64_t start = mw_now_ns();
  int64_t step;
  double total;
  bool retried = false;
  bool oauth_tried = false;
  enum mcp_status status;
  const char *what = "initialize";

  m->client.auth_header = NULL;
  memset(&m->client.trace, 0, sizeof(m->client.trace));
  memcpy(headers, m->headers, m->n_headers * sizeof(*headers));
  from_file = file_headers(m, header_buf, sizeof(header_buf), headers + m->n_headers,
                           MCP_MAX_HEADERS - m->n_headers, err, sizeof(err));
  if (from_file < 0) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "%s", err);
    goto cleanup;
  }
  m->client.extra_headers = headers;
  m->client.n_extra = m->n_headers + (size_t)from_file;
  /* Read again when it changed: an operator approves a new contract without a reload. */
  if (m->baseline.path && mcp_baseline_refresh(&m->baseline, err, sizeof(err)) != 0) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "%s", err);
    goto cleanup;
  }
  if (m->token_file || m->token_env) {
    if (mw_http_token_header("Authorization: Bearer ", m->token_file, m->token_env, auth,
                             sizeof(auth), err, sizeof(err)) != 0) {
      mw_result_state(res, MW_UNKNOWN);
      mw_result_summary(res, "%s", err);
      goto cleanup;
    }
    m->client.auth_header = auth;
  } else if (mcp_oauth_enabled(&m->oauth) && mcp_oauth_kept(&m->oauth, start)) {
    m->client.auth_header = m->oauth.header;
    step_add(&out, MW_OK, "OAuth: token kept from an earlier run (%.0f s old, replaced in %.0f s)",
             (double)(start - m->oauth.obtained) / 1e9,
             (double)(m->oauth.refresh_at - start) / 1e9);
  }
again:
  if (!m->client.initialised) {
    step = mw_now_ns();
    status = mcp_initialise(&m->client, deadline, err, sizeof(err));
    what = m->client.connected_by ? m->client.connected_by : "initialize";
    if (m->client.era == MCP_ERA_MODERN || strcmp(what, "server/discover") == 0)
      out.discover_s = mcp_since(step);
    else
      out.init_s = mcp_since(step);
    if (status != MCP_OK)
      goto failed;
    if (m->client.trace.era_probe[0])
      step_add(&out, MW_OK, "%s", m->client.trace.era_probe);
    if (m->client.trace.era_remembered)
      step_add(&out, MW_OK, "no server/discover: the last run's server process spoke legacy");
    step_add(&out, MW_OK, "%s: %s %s, MCP %s (%s) in %.1f ms", what, m->client.server_name,
             m->client.server_version, m->client.version, era_words(&m->client),
             ms(mcp_since(step)));
  } else if (m->client.era == MCP_ERA_MODERN) {
    step_add(&out, MW_OK, "server/discover: MCP %s (modern) found in an earlier run; no session",
             m->client.version);
  } else {
    step_add(&out, MW_OK, "initialize: session kept from the last run");
  }
  what = "tools/list";
  step = mw_now_ns();
  status = mcp_list_all(m, &out, MCP_LIST_TOOLS, out.tools, deadline, err, sizeof(err));
  out.list_s = mcp_since(step);
  if (status == MCP_OK) {
    what = "resources/list";
    status = mcp_catalog_lists(m, &out, deadline, err, sizeof(err));
  }
  if (status == MCP_OK) {
    /* The contract is the server's whole list: before the tools clients drop are taken out. */
    mcp_catalog_judge(m, &out);
    drop_invalid_tools(m, &out);
  }
  if (status == MCP_OK) {
    what = m->n_calls ? "tools/call" : m->read_uri ? "resources/read" : "ping";
    status = extras(m, &out, deadline, err, sizeof(err));
  }
  if (status == MCP_GONE && !retried && isnan(out.init_s) && isnan(out.discover_s)) {
    /* A kept session the server has forgotten (restarted, expired): once more from the start. */
    retried = true;
    m->client.initialised = false;
    outcome_reset(&out);
    goto again;
  }
  if (status != MCP_OK)
    goto failed;
  total = mcp_since(start);
  if (m->oauth.discovery_only)
    problems_add(&out.problems, MW_WARNING,
                 "the server asked for no token: no OAuth chain to check (--oauth-discovery-only)");
  trace_steps(&m->client, &out);
  if (m->client.transport == MCP_STDIO) {
    m->client.era_hint = m->client.era;
    stdio_stop(m, deadline, &out);
  }
  judge(m, &out);
  report(m, &out, total, res);
  goto cleanup;
failed:
  if (status == MCP_AUTH && m->client.auth_status == 401 && mcp_oauth_enabled(&m->oauth) &&
      !oauth_tried) {
    /* No token, or one the server no longer takes: the chain from its challenge, then a new
     * token and the run once more from the start. */
    oauth_tried = true;
    mcp_end_session(&m->client, deadline);
    outcome_reset(&out);
    step = mw_now_ns();
    status = mcp_oauth_authorise(&m->oauth, m->http, m->url, m->client.challenge, deadline,
                                 oauth_note, &out, err, sizeof(err)) == 0
                 ? MCP_OK
             : mw_now_ns() >= deadline ? MCP_TIMED_OUT
                                       : MCP_FAILED;
    out.oauth_s = mcp_since(step);
    what = "OAuth";
    if (status != MCP_OK)
      goto failed;
    if (m->oauth.discovery_only) {
      report_discovery(m, &out, res);
      goto cleanup;
    }
    m->client.auth_header = m->oauth.header;
    goto again;
  }
  if (status == MCP_AUTH && mcp_oauth_enabled(&m->oauth) && m->oauth.header[0])
    snprintf(err + strlen(err), sizeof(err) - strlen(err), " (token %s for scope %.80s)",
             oauth_tried ? "just obtained" : "kept",
             m->oauth.scope_used[0] ? m->oauth.scope_used : "(none)");
  /* The next run starts a new session (or process) rather than trust this one, and probes
   * again what a stdio server speaks. */
  mcp_end_session(&m->client, deadline);
  report_failure(m, status, what, err, (double)(deadline - start) / 1e9, res);
  if (m->client.transport == MCP_STDIO) {
    m->client.era_hint = MCP_ERA_UNKNOWN;
    stdio_failure_lines(m, res);
  }
cleanup:
  /* The legacy transport's stream is not kept between runs. */
  if (m->client.in_use == MCP_SSE)
    mcp_end_session(&m->client, deadline);
  m->client.auth_header = NULL;
  m->client.extra_headers = NULL;
  m->client.n_extra = 0;
  explicit_bzero(auth, sizeof(auth));
  explicit_bzero(header_buf, sizeof(header_buf));
  mcp_outcome_free(&out);
}
