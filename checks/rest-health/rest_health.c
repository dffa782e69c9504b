/* SPDX-License-Identifier: MIT */
/* rest_health.c - a REST health endpoint: status code, time, and what the body says. The HTTP
 * client (and its connections) stays open between runs. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest_health.h"

static const char *const methods[] = {"GET",   "HEAD",   "POST",    "PUT",
                                      "PATCH", "DELETE", "OPTIONS", NULL};
static const char *const redirect_choices[] = {"follow", "ok", "warning", "critical", NULL};
static const char *const health_choices[] = {"auto", "on", "off", NULL};

static const struct mw_unit time_units[] = {
    {"", 1, K_PLAIN}, {"ms", 0.001, K_SECONDS}, {"s", 1, K_SECONDS}, {NULL, 0, 0}};

static const struct mw_option rest_options[] = {
    {"url", 'u', MW_OPT_STRING, 0, "URL", NULL, "The endpoint, http:// or https://.", NULL, NULL},
    {"method", 0, MW_OPT_STRING, 0, "METHOD", "GET", "HTTP method.", NULL, methods},
    {"header", 0, MW_OPT_STRING, MW_OPT_REPEAT, "'NAME: VALUE'", NULL,
     "A request header; may be given several times.", NULL, NULL},
    {"data", 0, MW_OPT_STRING, 0, "TEXT", NULL,
     "Request body (sent with POST unless --method says otherwise).", NULL, NULL},
    {"token-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is a bearer token (read at every run).", NULL, NULL},
    {"token-env", 0, MW_OPT_STRING, 0, "NAME", NULL, "Environment variable holding a bearer token.",
     NULL, NULL},
    {"expect", 'e', MW_OPT_LIST, 0, "CODES", NULL,
     "Status codes that are OK, as a list of codes and ranges (200-299,301); any other is "
     "CRITICAL.",
     NULL, NULL},
    {"onredirect", 0, MW_OPT_STRING, 0, "WHAT", "follow",
     "A 3xx answer: follow it, or report it as ok, warning or critical.", NULL, redirect_choices},
    {"max-redirects", 0, MW_OPT_INT, 0, "N", "5",
     "Redirects followed before the check is CRITICAL (a loop).", NULL, NULL},
    {"warning", 'w', MW_OPT_RANGE, 0, "RANGE", NULL,
     "WARNING range for the total time (seconds, or 500ms), or for the number at a single "
     "--json-path.",
     time_units, NULL},
    {"critical", 'c', MW_OPT_RANGE, 0, "RANGE", NULL,
     "CRITICAL range for the total time, or for the number at a single --json-path.", time_units,
     NULL},
    {"string", 's', MW_OPT_STRING, 0, "TEXT", NULL, "The body must contain TEXT.", NULL, NULL},
    {"regex", 'r', MW_OPT_STRING, 0, "REGEX", NULL,
     "The body must match this POSIX extended regular expression.", NULL, NULL},
    {"json-path", 0, MW_OPT_STRING, MW_OPT_REPEAT, "PATH[=VALUE|;WARN;CRIT]", NULL,
     "A value that must exist in the JSON body; =VALUE must equal it, ;WARN;CRIT are ranges on "
     "its number. May be given several times.",
     NULL, NULL},
    {"json-equals", 0, MW_OPT_STRING, 0, "VALUE", NULL,
     "The value at the single --json-path must equal VALUE.", NULL, NULL},
    {"state-map", 0, MW_OPT_LIST, 0, "VALUE=STATE,...", NULL,
     "The value at the single --json-path decides the state: HEALTHY=ok,DEGRADED=warning (case "
     "ignored); *=STATE for values not listed (default unknown). Switches --health-doc auto off.",
     NULL, NULL},
    {"health-doc", 0, MW_OPT_STRING, 0, "WHEN", "auto",
     "Read {\"status\": ..., \"checks\": {...}}: auto (when the status is a health word), on "
     "(it must be one), off.",
     NULL, health_choices},
    {"timings", 0, MW_OPT_BOOL, 0, NULL, NULL,
     "Perfdata for each phase: DNS, connect, TLS, first byte, transfer.", NULL, NULL},
    MW_HTTP_OPTIONS,
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char rest_description[] =
    "One request per run. The state is the worst of:\n"
    "  status code  with --expect, a listed code is OK and any other CRITICAL; without it 2xx\n"
    "               is OK, 3xx follows the redirect (--onredirect), 4xx is WARNING, 5xx and\n"
    "               anything else CRITICAL.\n"
    "  time         -w/-c on the total time in seconds (500ms allowed).\n"
    "  body         --string, --regex, --json-path (missing or unequal is CRITICAL; with\n"
    "               --state-map its value decides), and the common health document: a JSON\n"
    "               object whose \"status\" (or \"overall_status\") is a health word, in any\n"
    "               case (healthy, ok, up, pass, green: OK; degraded, warn, yellow: WARNING;\n"
    "               unhealthy, down, fail, error, red, ...: CRITICAL), with components under\n"
    "               \"checks\" (or \"components\", \"details\"), one line each. Another status\n"
    "               (Prometheus's \"success\") is not a health document.\n"
    "A health document served with 503 (the convention of those formats) decides the state\n"
    "itself, unless --expect is given. Numbers sent as JSON strings (\"7\") are numbers.\n"
    "JSON paths are dotted keys with [N] for array elements: checks.db.latency_ms, items[0].id;\n"
    "\\. is a dot inside a key. With exactly one plain --json-path, -w/-c judge its number\n"
    "instead of the time; with several, write the ranges into each: 'a.b;100;500'.\n"
    "No response (refused, DNS, TLS verification) is CRITICAL; a timeout takes --timeout-state;\n"
    "a body larger than --max-size is CRITICAL. The URL is never printed (it may hold\n"
    "credentials). Proxies come from http_proxy, https_proxy and no_proxy, as in curl.\n";

/* "200-299,301" into ranges. */
static int parse_expect(struct rest *rest, const struct mw_args *args, struct mw_result *err)
{
  size_t i;

  rest->n_expect = mw_args_count(args, "expect");
  if (rest->n_expect > REST_MAX_EXPECT) {
    mw_result_summary(err, "at most %d --expect codes or ranges", REST_MAX_EXPECT);
    return -1;
  }
  for (i = 0; i < rest->n_expect; i++) {
    const char *text = mw_args_str_at(args, "expect", i);
    char *end;
    long low, high;

    errno = 0;
    low = strtol(text, &end, 10);
    high = low;
    if (*end == '-')
      high = strtol(end + 1, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || low < 100 || high > 599 || low > high) {
      mw_result_summary(err, "--expect %s: expected status codes (100-599) or ranges (200-299)",
                        text);
      return -1;
    }
    rest->expect[i].low = low;
    rest->expect[i].high = high;
  }
  return 0;
}

static int parse_headers(struct rest *rest, const struct mw_args *args, struct mw_result *err)
{
  size_t i;

  rest->n_headers = mw_args_count(args, "header");
  if (rest->n_headers > REST_MAX_HEADERS - 1) {
    mw_result_summary(err, "at most %d --header", REST_MAX_HEADERS - 1);
    return -1;
  }
  for (i = 0; i < rest->n_headers; i++) {
    const char *header = mw_args_str_at(args, "header", i);
    const char *colon = strchr(header, ':');

    if (!colon || colon == header || strpbrk(header, "\r\n")) {
      mw_result_summary(err, "--header %s: expected 'Name: value' on one line", header);
      return -1;
    }
    rest->headers[i] = header;
  }
  return 0;
}

static int rest_open_http(struct rest *rest, const struct mw_args *args, struct mw_result *err)
{
  struct mw_http_config config;
  char reason[256];
  const char *onredirect = mw_args_str(args, "onredirect");
  long long max_redirects = mw_args_int(args, "max-redirects");

  if (mw_http_config_from_args(args, &config, rest->resolve, REST_MAX_RESOLVE, reason,
                               sizeof(reason)) != 0) {
    mw_result_summary(err, "%s", reason);
    return -1;
  }
  if (max_redirects < 0 || max_redirects > 50) {
    mw_result_summary(err, "--max-redirects must be between 0 and 50");
    return -1;
  }
  rest->onredirect = onredirect;
  config.max_redirects = strcmp(onredirect, "follow") == 0 ? (long)max_redirects : 0;
  rest->insecure = config.insecure;
  rest->http = mw_http_new(&config, reason, sizeof(reason));
  if (!rest->http) {
    mw_result_summary(err, "%s", reason);
    return -1;
  }
  return 0;
}

static void rest_close(void *state)
{
  struct rest *rest = state;

  if (!rest)
    return;
  mw_http_free(rest->http);
  rest_body_close(rest);
  free(rest);
}

static int rest_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct rest *rest = calloc(1, sizeof(*rest));
  char reason[256];

  if (!rest) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  rest->url = mw_args_str(args, "url");
  rest->method = mw_args_str(args, "method");
  rest->data = mw_args_str(args, "data");
  rest->timings = mw_args_bool(args, "timings");
  rest->timeout_state = mw_args_state(args, "timeout-state");
  if (mw_http_url_check(rest->url, "--url", reason, sizeof(reason)) != 0 ||
      mw_http_token_options(args, &rest->token_file, &rest->token_env, reason, sizeof(reason)) !=
          0) {
    mw_result_summary(err, "%s", reason);
    goto fail;
  }
  if (!rest_ranges_on_json(args)) {
    rest->has_time_warn = mw_args_range(args, "warning", &rest->time_warn);
    rest->has_time_crit = mw_args_range(args, "critical", &rest->time_crit);
  }
  if (parse_expect(rest, args, err) != 0 || parse_headers(rest, args, err) != 0 ||
      rest_body_open(rest, args, err) != 0 || rest_open_http(rest, args, err) != 0)
    goto fail;
  *state = rest;
  return 0;
fail:
  rest_close(rest);
  return -1;
}

static enum mw_state code_state(const struct rest *rest, long code)
{
  size_t i;

  if (rest->n_expect > 0) {
    for (i = 0; i < rest->n_expect; i++)
      if (code >= rest->expect[i].low && code <= rest->expect[i].high)
        return MW_OK;
    return MW_CRITICAL;
  }
  if (code >= 200 && code < 300)
    return MW_OK;
  if (code >= 300 && code < 400) {
    /* With "follow", a 3xx is only seen when it carries no Location. */
    if (strcmp(rest->onredirect, "ok") == 0)
      return MW_OK;
    return strcmp(rest->onredirect, "warning") == 0 ? MW_WARNING : MW_CRITICAL;
  }
  return code >= 400 && code < 500 ? MW_WARNING : MW_CRITICAL;
}

static void add_perf(struct mw_result *res, const char *label, double value, const char *uom,
                     const struct mw_range *warn, const struct mw_range *crit)
{
  /* curl measures in microseconds: more digits would be noise from the subtractions. */
  struct mw_perf perf = {
      label, strcmp(uom, "s") == 0 ? mw_round(value * 1e6) / 1e6 : value, uom, warn, crit, 0, NAN};

  mw_result_perf(res, &perf);
}

static void report(const struct rest *rest, const struct mw_http_response *resp,
                   struct mw_result *res)
{
  struct problems problems = {MW_OK, ""};
  struct problems body = {MW_OK, ""};
  enum mw_state state = code_state(rest, resp->status);
  enum mw_state time_state =
      mw_range_state(rest->has_time_warn ? &rest->time_warn : NULL,
                     rest->has_time_crit ? &rest->time_crit : NULL, resp->time.total);
  const struct mw_http_timings *t = &resp->time;
  bool health = rest_body_check(rest, resp, res, &body);

  /* Health documents answer 503 when they are not healthy, and say how themselves: a degraded
   * one is WARNING, not CRITICAL for its code. */
  if (health && resp->status == 503 && rest->n_expect == 0)
    state = MW_OK;
  if (state != MW_OK)
    problems_add(&problems, state, "%s status",
                 rest->n_expect                              ? "unexpected"
                 : resp->status >= 300 && resp->status < 400 ? "redirect"
                                                             : "error");
  if (time_state != MW_OK)
    problems_add(&problems, time_state, "slow");
  if (body.text[0])
    problems_add(&problems, body.state, "%s", body.text + 2);
  mw_result_state(res, problems.state);
  mw_result_summary(res, "HTTP/%s %ld in %.*f %s, %zu B%s%s%s", resp->version, resp->status,
                    t->total < 1 ? 1 : 3, t->total < 1 ? t->total * 1000 : t->total,
                    t->total < 1 ? "ms" : "s", resp->body_len,
                    resp->redirects ? " after redirects" : "",
                    rest->insecure ? " (certificate not verified: --insecure)" : "", problems.text);
  add_perf(res, "time", t->total, "s", rest->has_time_warn ? &rest->time_warn : NULL,
           rest->has_time_crit ? &rest->time_crit : NULL);
  add_perf(res, "size", (double)resp->body_len, "B", NULL, NULL);
  add_perf(res, "status", (double)resp->status, "", NULL, NULL);
  if (rest->timings) {
    double tls_end = t->tls > 0 ? t->tls : t->connect;

    add_perf(res, "time_dns", t->dns, "s", NULL, NULL);
    add_perf(res, "time_connect", t->connect > t->dns ? t->connect - t->dns : 0, "s", NULL, NULL);
    add_perf(res, "time_tls", t->tls > t->connect ? t->tls - t->connect : 0, "s", NULL, NULL);
    add_perf(res, "time_firstbyte", t->first_byte > tls_end ? t->first_byte - tls_end : 0, "s",
             NULL, NULL);
    add_perf(res, "time_transfer", t->total > t->first_byte ? t->total - t->first_byte : 0, "s",
             NULL, NULL);
  }
}

static void rest_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct rest *rest = state;
  const char *headers[REST_MAX_HEADERS];
  char auth[MW_HTTP_TOKEN_MAX + 32];
  char err[512];
  struct mw_http_request req = {
      .url = rest->url, .headers = headers, .n_headers = rest->n_headers, .body = rest->data};
  struct mw_http_response resp;
  enum mw_http_status status;
  /* Only a configured token puts a secret in auth: wiping its 4 KiB on every run without one
   * was 4,100 instructions of a 100,000-instruction read in collectd (callgrind). */
  bool with_token = rest->token_file || rest->token_env;

  memcpy(headers, rest->headers, rest->n_headers * sizeof(*headers));
  if (with_token) {
    if (mw_http_token_header("Authorization: Bearer ", rest->token_file, rest->token_env, auth,
                             sizeof(auth), err, sizeof(err)) != 0) {
      mw_result_state(res, MW_UNKNOWN);
      mw_result_summary(res, "%s", err);
      goto cleanup;
    }
    headers[req.n_headers++] = auth;
  }
  req.method = rest->method;
  req.body_len = rest->data ? strlen(rest->data) : 0;
  if (strcmp(rest->method, "GET") == 0 && rest->data)
    req.method = "POST";
  status = mw_http_perform(rest->http, &req, &resp, deadline, err, sizeof(err));
  if (status == MW_HTTP_DONE) {
    report(rest, &resp, res);
  } else {
    mw_result_state(res, status == MW_HTTP_TIMED_OUT ? rest->timeout_state : MW_CRITICAL);
    mw_result_summary(res, "%s", err);
  }
  mw_http_response_free(&resp);
cleanup:
  if (with_token)
    explicit_bzero(auth, sizeof(auth));
}

static const struct mw_check rest_check = {
    MW_CHECK_ABI,
    "rest-health",
    "REST health endpoint: status, time, body, JSON, health documents",
    rest_description,
    rest_options,
    rest_open,
    rest_run,
    rest_close};

const struct mw_check *mw_check_entry(void)
{
  return &rest_check;
}
