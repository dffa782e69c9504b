/* SPDX-License-Identifier: MIT */
/* mcp_calls.c - the tools/call requests of a run: one --call, or a flow (--calls, the
 * configuration's calls = ( {...}, ... )) in which values of a result feed the next call's
 * arguments, as the stateless revision's handles ask (args_from reads the result before, and
 * flow[N] the result of the Nth call of the flow, from 0). Each call is judged by its outcome (an
 * error or isError is CRITICAL and ends the flow), its JSON path expectations on the result
 * (structuredContent, or "text": the first text content read as JSON) and its time. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_path.h"
#include "mcp_tools.h"

static const struct mw_unit call_time_units[] = {
    {"", 1, K_PLAIN}, {"ms", 0.001, K_SECONDS}, {"s", 1, K_SECONDS}, {NULL, 0, 0}};

static const char *const call_keys[] = {"tool",    "args",     "args_from", "expect",
                                        "warning", "critical", NULL};

static int call_range(struct mcp_call *call, const char *option, const char *text, bool warn,
                      char *err, size_t errlen)
{
  char reason[200];
  struct mw_range *range = warn ? &call->warn : &call->crit;

  if (mw_range_parse(text, call_time_units, range, reason, sizeof(reason)) != 0) {
    snprintf(err, errlen, "%s %.60s: %s", option, text, reason);
    return -1;
  }
  if (warn)
    call->has_warn = true;
  else
    call->has_crit = true;
  return 0;
}

static int call_expect(struct mcp_call *call, const char *option, const char *spec, char *err,
                       size_t errlen)
{
  if (call->n_expect >= MCP_CALL_MAX_EXPECT) {
    snprintf(err, errlen, "%s: at most %d expectations a call", option, MCP_CALL_MAX_EXPECT);
    return -1;
  }
  if (json_rule_parse(spec, option, &call->expect[call->n_expect], err, errlen) != 0) {
    json_rule_free(&call->expect[call->n_expect]);
    return -1;
  }
  call->n_expect++;
  return 0;
}

/* The perfdata label: time_call_TOOL, and _N for the Nth call of a tool called before. */
static void call_label(struct mcp_tools *m, struct mcp_call *call)
{
  size_t i;
  size_t earlier = 0;

  for (i = 0; &m->calls[i] != call; i++)
    if (strcmp(m->calls[i].tool, call->tool) == 0)
      earlier++;
  if (earlier)
    snprintf(call->label, sizeof(call->label), "time_call_%.*s_%zu", NAME_MAX_LEN, call->tool,
             earlier + 1);
  else
    snprintf(call->label, sizeof(call->label), "time_call_%.*s", NAME_MAX_LEN, call->tool);
}

static struct mcp_call *new_call(struct mcp_tools *m, const char *tool, char *err, size_t errlen)
{
  struct mcp_call *call;

  if (m->n_calls >= MCP_MAX_CALLS) {
    snprintf(err, errlen, "at most %d calls", MCP_MAX_CALLS);
    return NULL;
  }
  if (!tool[0] || strlen(tool) > NAME_MAX_LEN) {
    snprintf(err, errlen, "a call's tool name must be 1 to %d bytes", NAME_MAX_LEN);
    return NULL;
  }
  call = &m->calls[m->n_calls];
  memset(call, 0, sizeof(*call));
  call->tool = strdup(tool);
  if (!call->tool) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  m->n_calls++;
  call_label(m, call);
  return call;
}

/* --call TOOL with --call-args, --call-expect, --call-warning, --call-critical. */
static int plain_call(struct mcp_tools *m, const struct mw_args *args, char *err, size_t errlen)
{
  const char *tool = mw_args_str(args, "call");
  struct mcp_call *call;
  json_error_t error;
  size_t i;

  if (!tool) {
    static const char *const with_call[] = {"call-args", "call-expect", "call-warning",
                                            "call-critical", NULL};

    for (i = 0; with_call[i]; i++)
      if (mw_args_given(args, with_call[i])) {
        snprintf(err, errlen, "--%s needs --call TOOL", with_call[i]);
        return -1;
      }
    return 0;
  }
  call = new_call(m, tool, err, errlen);
  if (!call)
    return -1;
  call->args = json_loads(mw_args_str(args, "call-args"), 0, &error);
  if (!json_is_object(call->args)) {
    snprintf(err, errlen, "--call-args must be a JSON object%s%s", call->args ? "" : ": ",
             call->args ? "" : error.text);
    return -1;
  }
  for (i = 0; i < mw_args_count(args, "call-expect"); i++)
    if (call_expect(call, "--call-expect", mw_args_str_at(args, "call-expect", i), err, errlen) !=
        0)
      return -1;
  if ((mw_args_given(args, "call-warning") &&
       call_range(call, "--call-warning", mw_args_str(args, "call-warning"), true, err, errlen) !=
           0) ||
      (mw_args_given(args, "call-critical") &&
       call_range(call, "--call-critical", mw_args_str(args, "call-critical"), false, err,
                  errlen) != 0))
    return -1;
  return 0;
}

static int spec_args(struct mcp_call *call, json_t *spec, char *err, size_t errlen)
{
  json_t *given = json_object_get(spec, "args");
  json_t *from = json_object_get(spec, "args_from");
  json_error_t error;
  const char *name;
  json_t *path;

  if (json_is_string(given)) {
    call->args = json_loads(json_string_value(given), 0, &error);
    if (!json_is_object(call->args)) {
      snprintf(err, errlen, "--calls %.60s: args must be a JSON object%s%.100s", call->tool,
               call->args ? "" : ": ", call->args ? "" : error.text);
      return -1;
    }
  } else if (json_is_object(given) || !given) {
    call->args = given ? json_deep_copy(given) : json_object();
  } else {
    snprintf(err, errlen, "--calls %.60s: args must be a JSON object", call->tool);
    return -1;
  }
  if (from && !json_is_object(from)) {
    snprintf(err, errlen, "--calls %.60s: args_from must map argument names to JSON paths",
             call->tool);
    return -1;
  }
  json_object_foreach(from, name, path)
  {
    char reason[200];

    if (call->n_from >= MCP_CALL_MAX_FROM || !json_is_string(path) ||
        json_path_validate(json_string_value(path), reason, sizeof(reason)) != 0) {
      snprintf(err, errlen, "--calls %.60s: args_from %.60s: %s", call->tool, name,
               call->n_from >= MCP_CALL_MAX_FROM ? "too many"
               : !json_is_string(path)           ? "expected a JSON path"
                                                 : reason);
      return -1;
    }
    call->from_name[call->n_from] = name;
    call->from_path[call->n_from] = json_string_value(path);
    call->n_from++;
  }
  return 0;
}

static int spec_judgement(struct mcp_call *call, json_t *spec, char *err, size_t errlen)
{
  json_t *expect = json_object_get(spec, "expect");
  json_t *item;
  size_t i;
  int k;

  if (json_is_string(expect) &&
      call_expect(call, "--calls expect", json_string_value(expect), err, errlen) != 0)
    return -1;
  json_array_foreach(expect, i, item)
  {
    if (!json_is_string(item)) {
      snprintf(err, errlen, "--calls %.60s: expect holds PATH, PATH=VALUE or PATH;WARN;CRIT texts",
               call->tool);
      return -1;
    }
    if (call_expect(call, "--calls expect", json_string_value(item), err, errlen) != 0)
      return -1;
  }
  if (expect && !json_is_string(expect) && !json_is_array(expect)) {
    snprintf(err, errlen, "--calls %.60s: expect must be a text or a list of them", call->tool);
    return -1;
  }
  for (k = 0; k < 2; k++) {
    json_t *range = json_object_get(spec, k == 0 ? "warning" : "critical");
    char text[64];

    if (!range)
      continue;
    if (json_is_string(range))
      snprintf(text, sizeof(text), "%s", json_string_value(range));
    else if (json_is_number(range))
      snprintf(text, sizeof(text), "%g", json_number_value(range));
    else
      text[0] = '\0';
    if (!text[0] || call_range(call, k == 0 ? "--calls warning" : "--calls critical", text, k == 0,
                               err, errlen) != 0) {
      if (!text[0])
        snprintf(err, errlen, "--calls %.60s: %s must be a range such as 500ms", call->tool,
                 k == 0 ? "warning" : "critical");
      return -1;
    }
  }
  return 0;
}

/* One --calls value: a JSON object {tool, args, args_from, expect, warning, critical}. */
static int flow_call(struct mcp_tools *m, const char *text, char *err, size_t errlen)
{
  json_error_t error;
  json_t *spec = json_loads(text, JSON_REJECT_DUPLICATES, &error);
  const char *key;
  json_t *value;
  struct mcp_call *call;
  size_t i;

  if (!json_is_object(spec)) {
    snprintf(err, errlen, "--calls: expected a JSON object {\"tool\": ..., \"args\": ...}%s%.100s",
             spec ? "" : ": ", spec ? "" : error.text);
    json_decref(spec);
    return -1;
  }
  json_object_foreach(spec, key, value)
  {
    for (i = 0; call_keys[i] && strcmp(call_keys[i], key) != 0; i++)
      ;
    if (!call_keys[i]) {
      snprintf(err, errlen,
               "--calls: unknown key \"%.40s\" (tool, args, args_from, expect, warning, "
               "critical)",
               key);
      json_decref(spec);
      return -1;
    }
  }
  if (!json_is_string(json_object_get(spec, "tool"))) {
    snprintf(err, errlen, "--calls: every call names its \"tool\"");
    json_decref(spec);
    return -1;
  }
  call = new_call(m, json_string_value(json_object_get(spec, "tool")), err, errlen);
  if (!call) {
    json_decref(spec);
    return -1;
  }
  call->spec = spec; /* the call's texts point into it */
  if (spec_args(call, spec, err, errlen) != 0 || spec_judgement(call, spec, err, errlen) != 0)
    return -1;
  return 0;
}

int mcp_calls_open(struct mcp_tools *m, const struct mw_args *args, char *err, size_t errlen)
{
  size_t i;

  if (plain_call(m, args, err, errlen) != 0)
    return -1;
  for (i = 0; i < mw_args_count(args, "calls"); i++)
    if (flow_call(m, mw_args_str_at(args, "calls", i), err, errlen) != 0)
      return -1;
  if (m->n_calls > 0 && m->calls[0].n_from > 0) {
    snprintf(err, errlen, "the first call (%.60s) has no earlier result for its args_from",
             m->calls[0].tool);
    return -1;
  }
  return 0;
}

void mcp_calls_close(struct mcp_tools *m)
{
  size_t i;
  size_t k;

  for (i = 0; i < m->n_calls; i++) {
    for (k = 0; k < m->calls[i].n_expect; k++)
      json_rule_free(&m->calls[i].expect[k]);
    free(m->calls[i].tool);
    json_decref(m->calls[i].args);
    json_decref(m->calls[i].spec);
  }
  m->n_calls = 0;
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

/* What expectations and args_from read: the result, and "text", its first text content read as
 * JSON (or as the text it is). */
static json_t *result_view(json_t *result)
{
  json_t *view = json_copy(result);
  const char *text = first_text(result);
  json_t *parsed = text[0] ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

  if (view)
    json_object_set_new(view, "text", parsed ? parsed : json_string(text));
  else
    json_decref(parsed);
  return view;
}

/* args with the values args_from takes from the last result, or from flow[N] (every result
 * of the flow so far): 0, or -1 with the reason. */
static int fill_args(const struct mcp_call *call, json_t *args, json_t *history, char *reason,
                     size_t reasonlen)
{
  json_t *doc;
  size_t k;
  int result = 0;

  if (call->n_from == 0)
    return 0;
  /* A shallow copy, so that the history never holds itself. */
  doc = json_copy(json_array_get(history, json_array_size(history) - 1));
  if (!doc || json_object_set(doc, "flow", history) != 0) {
    snprintf(reason, reasonlen, "out of memory");
    json_decref(doc);
    return -1;
  }
  for (k = 0; k < call->n_from && result == 0; k++) {
    char why[200];
    json_t *value = json_path_get(doc, call->from_path[k], why, sizeof(why));

    if (!value) {
      snprintf(reason, reasonlen, "args_from %s: %s", call->from_name[k], why);
      result = -1;
    } else {
      json_object_set(args, call->from_name[k], value);
    }
  }
  json_decref(doc);
  return result;
}

static void judge_result(struct mcp_tools *m, struct outcome *out, size_t i, json_t *view)
{
  const struct mcp_call *call = &m->calls[i];
  enum mw_state time_state = mw_range_state(call->has_warn ? &call->warn : NULL,
                                            call->has_crit ? &call->crit : NULL, out->call_s[i]);
  size_t k;

  for (k = 0; k < call->n_expect; k++) {
    char reason[256];
    json_t *value;
    double number;
    enum mw_state state =
        json_rule_judge(&call->expect[k], view, &value, &number, reason, sizeof(reason));

    step_add(out, state, "call %s: expect %s", call->tool, reason);
    if (state != MW_OK)
      problems_add(&out->problems, state, "call %s: %s", call->tool, reason);
  }
  if (time_state != MW_OK)
    problems_add(&out->problems, time_state, "call %s slow: %.0f ms", call->tool,
                 out->call_s[i] * 1000);
}

/* One call: MCP_OK with *ok false when it failed as a call (an error answer, isError, input
 * required), any other status when the exchange failed. */
static enum mcp_status one_call(struct mcp_tools *m, struct outcome *out, size_t i, json_t *history,
                                bool *ok, mw_deadline deadline, char *err, size_t errlen)
{
  const struct mcp_call *call = &m->calls[i];
  json_t *args = json_deep_copy(call->args);
  json_t *tool = mcp_param_headers_apply(m) ? mcp_find_tool(out->tools, call->tool) : NULL;
  json_t *result = NULL;
  char lines[MCP_MAX_PARAM_HEADERS][MCP_PARAM_HEADER_MAX];
  char reason[300];
  enum mcp_status status;
  const char *kind;
  int64_t start;

  *ok = false;
  if (!args || fill_args(call, args, history, reason, sizeof(reason)) != 0) {
    problems_add(&out->problems, MW_CRITICAL, "call %s: %s", call->tool,
                 args ? reason : "out of memory");
    step_add(out, MW_CRITICAL, "call %s: not called: %s", call->tool, args ? reason : "no memory");
    json_decref(args);
    return MCP_OK;
  }
  /* 2026-07-28: the arguments its schema marks with x-mcp-header go in headers too. */
  m->client.n_param =
      tool ? mcp_tool_param_headers(json_object_get(tool, "inputSchema"), args, lines) : 0;
  m->client.param_headers = lines;
  start = mw_now_ns();
  status = mcp_request(&m->client, "tools/call",
                       json_pack("{s:s,s:o}", "name", call->tool, "arguments", args), &result,
                       deadline, err, errlen);
  out->call_s[i] = mcp_since(start);
  m->client.param_headers = NULL;
  m->client.n_param = 0;
  if (status == MCP_RPC_ERROR) {
    problems_add(&out->problems, MW_CRITICAL, "call %s: %s", call->tool, err);
    step_add(out, MW_CRITICAL, "call %s: %s", call->tool, err);
    return MCP_OK;
  }
  if (status != MCP_OK)
    return status;
  kind = json_string_value(json_object_get(result, "resultType"));
  if (kind && strcmp(kind, "complete") != 0) {
    /* input_required: the server wants sampling, elicitation or roots first. A monitor has
     * none to give; asking again would only repeat the question. */
    problems_add(&out->problems, MW_CRITICAL,
                 "call %s answered %.40s: it needs input a monitor does not give", call->tool,
                 kind);
    step_add(out, MW_CRITICAL, "call %s: %.40s in %.1f ms (%zu input requests)", call->tool, kind,
             out->call_s[i] * 1000, json_object_size(json_object_get(result, "inputRequests")));
  } else if (json_is_true(json_object_get(result, "isError"))) {
    problems_add(&out->problems, MW_CRITICAL, "call %s answered isError: %.120s", call->tool,
                 first_text(result));
    step_add(out, MW_CRITICAL, "call %s: isError in %.1f ms: %.120s", call->tool,
             out->call_s[i] * 1000, first_text(result));
  } else {
    json_t *view = result_view(result);

    step_add(out, MW_OK, "call %s: answered in %.1f ms: %.120s", call->tool, out->call_s[i] * 1000,
             first_text(result));
    if (view)
      judge_result(m, out, i, view);
    json_array_append_new(history, view ? view : json_object());
    *ok = true;
  }
  json_decref(result);
  return MCP_OK;
}

enum mcp_status mcp_calls_run(struct mcp_tools *m, struct outcome *out, mw_deadline deadline,
                              char *err, size_t errlen)
{
  json_t *history = json_array(); /* each call's result as args_from reads it */
  enum mcp_status status = MCP_OK;
  bool ok = true;
  size_t i;

  for (i = 0; i < m->n_calls; i++)
    out->call_s[i] = NAN;
  for (i = 0; i < m->n_calls && status == MCP_OK; i++) {
    const char *tool = m->calls[i].tool;

    if (!ok) {
      /* A flow's later calls may need what the failed one did not give. */
      step_add(out, MW_CRITICAL, "call %s: not run: an earlier call of the flow failed", tool);
      continue;
    }
    if (mcp_param_headers_apply(m) && mcp_find_tool(out->dropped, tool)) {
      problems_add(&out->problems, MW_CRITICAL,
                   "call %s: not called: a client must not call a tool it dropped", tool);
      step_add(out, MW_CRITICAL, "call %s: not called (dropped: its x-mcp-header breaks the rules)",
               tool);
      ok = false;
      continue;
    }
    status = one_call(m, out, i, history, &ok, deadline, err, errlen);
  }
  json_decref(history);
  return status;
}

void mcp_calls_report(const struct mcp_tools *m, const struct outcome *out, struct mw_result *res)
{
  size_t i;

  for (i = 0; i < m->n_calls; i++) {
    const struct mcp_call *call = &m->calls[i];
    struct mw_perf perf = {call->label,
                           isnan(out->call_s[i]) ? NAN : mw_round(out->call_s[i] * 1e6) / 1e6,
                           "s",
                           call->has_warn ? &call->warn : NULL,
                           call->has_crit ? &call->crit : NULL,
                           0,
                           NAN};

    mw_result_perf(res, &perf);
  }
}
