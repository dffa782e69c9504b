/* SPDX-License-Identifier: MIT */
/* prometheus.c - a PromQL query judged as an alert rule would: every series of the result
 * against -w/-c (the worst decides), and with --for every sample of the window. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mw_http.h"
#include "prom_query.h"

#define MAX_RESOLVE 16
#define QUERY_MAX 8192
#define URL_MAX 2048

static const struct mw_option prom_options[] = {
    {"url", 'u', MW_OPT_STRING, 0, "URL", "http://127.0.0.1:9090",
     "Prometheus (or any server of its HTTP API: Thanos, Mimir, VictoriaMetrics), without "
     "/api/v1.",
     NULL, NULL},
    {"query", 'q', MW_OPT_STRING, 0, "PROMQL", NULL, "The query.", NULL, NULL},
    {"warning", 'w', MW_OPT_RANGE, 0, "RANGE", NULL, "WARNING range on each series' value.", NULL,
     NULL},
    {"critical", 'c', MW_OPT_RANGE, 0, "RANGE", NULL, "CRITICAL range on each series' value.", NULL,
     NULL},
    {"for", 0, MW_OPT_DURATION, 0, "DURATION", NULL,
     "A range only alerts when every sample of the last DURATION is in it, as an alert's `for` "
     "(a range query).",
     NULL, NULL},
    {"step", 0, MW_OPT_DURATION, 0, "DURATION", NULL,
     "With --for: the resolution (default --for / 20, from 1s to 60s).", NULL, NULL},
    {"empty-state", 0, MW_OPT_STATE, 0, "STATE", "unknown",
     "The state when the query returns no series.", NULL, NULL},
    {"label-key", 'l', MW_OPT_LIST, 0, "LABELS", NULL,
     "Name series by these labels' values (job,instance); default every label.", NULL, NULL},
    {"max-series", 0, MW_OPT_INT, 0, "N", "20", "Series shown in the long output and perfdata.",
     NULL, NULL},
    {"user", 0, MW_OPT_STRING, 0, "USER", NULL, "Basic authentication user.", NULL, NULL},
    {"password-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the Basic password (read at every run).", NULL, NULL},
    {"password-env", 0, MW_OPT_STRING, 0, "NAME", NULL,
     "Environment variable holding the Basic password.", NULL, NULL},
    {"token-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is a bearer token (read at every run).", NULL, NULL},
    {"token-env", 0, MW_OPT_STRING, 0, "NAME", NULL, "Environment variable holding a bearer token.",
     NULL, NULL},
    MW_HTTP_OPTIONS,
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char prom_description[] =
    "POSTs the query to URL/api/v1/query (with --for, /api/v1/query_range over the last\n"
    "DURATION) and judges the result:\n"
    "  vector, matrix  every series against -w/-c; the worst series decides. A NaN value is\n"
    "                  UNKNOWN; +Inf and -Inf are judged as numbers. With --for a series\n"
    "                  alerts only when every sample of the window is in the range (its\n"
    "                  mildest sample decides) and it has a sample at every step.\n"
    "  scalar          the value against -w/-c.\n"
    "  string          OK with the text (UNKNOWN when -w/-c are given).\n"
    "No series at all is --empty-state. An error of the API is named: a query Prometheus\n"
    "cannot parse (400 bad_data) is UNKNOWN, anything else that is no answer is CRITICAL.\n"
    "Perfdata: one value per series, labelled by its labels (or --label-key's values), with\n"
    "the ranges. Credentials: --user with --password-file or --password-env (Basic), or\n"
    "--token-file or --token-env (Bearer).\n";

struct prom {
  struct mw_http *http;
  char query_url[URL_MAX];
  char range_url[URL_MAX];
  char form_query[QUERY_MAX * 3 + 8];
  struct mw_range warn, crit;
  bool has_warn, has_crit;
  double for_s, step_s;
  enum mw_state empty_state, timeout_state;
  long long max_series;
  struct prom_judge judge;
  const char *user, *password_file, *password_env, *token_file, *token_env;
  bool insecure;
  const char *resolve[MAX_RESOLVE];
};

static void report_series(struct prom *p, const struct prom_outcome *o, struct mw_result *res)
{
  size_t counts[4] = {0, 0, 0, 0};
  const struct prom_series *worst = NULL;
  size_t i, shown = 0;
  char window[64] = "";

  for (i = 0; i < o->nseries; i++) {
    const struct prom_series *s = &o->series[i];

    counts[s->state]++;
    if (!worst || mw_state_worst(worst->state, s->state) != worst->state ||
        (s->state == worst->state && s->value > worst->value))
      worst = s;
  }
  if (o->type == PROM_MATRIX) {
    double f = p->for_s;

    snprintf(window, sizeof(window), " over the last %g%s",
             mw_whole_multiple(f, 3600) ? f / 3600
             : mw_whole_multiple(f, 60) ? f / 60
                                        : f,
             mw_whole_multiple(f, 3600) ? "h"
             : mw_whole_multiple(f, 60) ? "min"
                                        : "s");
  }
  mw_result_state(res, worst->state);
  if (o->type == PROM_SCALAR)
    mw_result_summary(res, "scalar %g", worst->value);
  else if (worst->state == MW_OK)
    mw_result_summary(
        res, "%zu series OK%s, highest %s = %g%s", o->nseries, window, worst->name, worst->value,
        o->type == PROM_MATRIX && !worst->held ? " (not held: a gap in the window)" : "");
  else
    mw_result_summary(res, "%zu of %zu series %s%s, worst %s = %g%s",
                      worst->state == MW_UNKNOWN ? counts[MW_UNKNOWN] : counts[worst->state],
                      o->nseries, mw_state_name(worst->state), window, worst->name, worst->value,
                      isnan(worst->value) ? " (not a number)" : "");
  for (i = 0; i < o->nseries && shown < (size_t)p->max_series; i++) {
    const struct prom_series *s = &o->series[i];
    struct mw_perf perf = {s->perf,
                           isfinite(s->value) ? s->value : NAN,
                           "",
                           p->has_warn ? &p->warn : NULL,
                           p->has_crit ? &p->crit : NULL,
                           NAN,
                           NAN};
    struct mw_result *child;

    mw_result_perf(res, &perf);
    if (o->type == PROM_SCALAR || o->nseries == 1)
      continue;
    child = mw_result_child(res);
    mw_result_state(child, s->state);
    mw_result_summary(child, "%s = %g%s", s->name, s->value,
                      o->type == PROM_MATRIX ? (s->held ? " (held)" : " (not held)") : "");
    shown++;
  }
  if (o->nseries > shown && o->nseries > 1 && o->type != PROM_SCALAR)
    mw_result_note(res, "(%zu more series not shown: --max-series)", o->nseries - shown);
}

static void report(struct prom *p, const struct mw_http_response *resp, struct mw_result *res)
{
  struct prom_outcome o;
  char err[512];

  if (prom_parse(resp->body, resp->body_len, &p->judge, &o, err, sizeof(err)) != 0) {
    mw_result_state(res, resp->status == 400 ? MW_UNKNOWN : MW_CRITICAL);
    mw_result_summary(res, "HTTP %ld: %s", resp->status, err);
    return;
  }
  if (o.type == PROM_STRING) {
    bool ranged = p->has_warn || p->has_crit;

    mw_result_state(res, ranged ? MW_UNKNOWN : MW_OK);
    mw_result_summary(res, "string \"%s\"%s", o.text,
                      ranged ? ": a string cannot be judged by -w/-c" : "");
  } else if (o.nseries == 0) {
    mw_result_state(res, p->empty_state);
    mw_result_summary(res, "the query returned no series");
  } else {
    report_series(p, &o, res);
  }
  if (o.warnings[0])
    mw_result_note(res, "Prometheus warns: %s", o.warnings);
  if (p->insecure)
    mw_result_note(res, "(certificate not verified: --insecure)");
  {
    struct mw_perf perf = {"time", mw_round(resp->time.total * 1e6) / 1e6, "s", NULL, NULL, 0, NAN};

    mw_result_perf(res, &perf);
  }
  prom_outcome_free(&o);
}

static void prom_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct prom *p = state;
  char auth[MW_HTTP_TOKEN_MAX + 32];
  char err[512];
  char body[sizeof(p->form_query) + 128];
  const char *headers[2] = {"Content-Type: application/x-www-form-urlencoded", auth};
  struct mw_http_request req = {.method = "POST", .headers = headers, .n_headers = 1};
  struct mw_http_response resp;
  enum mw_http_status status;
  int rc = 0;
  /* Only a configured credential puts a secret in auth; see rest_run on the cost of wiping it. */
  bool with_secret = p->user || p->token_file || p->token_env;

  auth[0] = '\0';
  if (p->user)
    rc = mw_http_basic_header(p->user, p->password_file, p->password_env, auth, sizeof(auth), err,
                              sizeof(err));
  else if (p->token_file || p->token_env)
    rc = mw_http_token_header("Authorization: Bearer ", p->token_file, p->token_env, auth,
                              sizeof(auth), err, sizeof(err));
  if (rc != 0) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "%s", err);
    goto cleanup;
  }
  if (auth[0])
    req.n_headers = 2;
  if (p->for_s > 0) {
    double end = (double)time(NULL);

    snprintf(body, sizeof(body), "%s&start=%.3f&end=%.3f&step=%.3f", p->form_query, end - p->for_s,
             end, p->step_s);
    req.url = p->range_url;
  } else {
    snprintf(body, sizeof(body), "%s", p->form_query);
    req.url = p->query_url;
  }
  req.body = body;
  req.body_len = strlen(body);
  status = mw_http_perform(p->http, &req, &resp, deadline, err, sizeof(err));
  if (status == MW_HTTP_DONE) {
    report(p, &resp, res);
  } else {
    mw_result_state(res, status == MW_HTTP_TIMED_OUT ? p->timeout_state : MW_CRITICAL);
    mw_result_summary(res, "%s", err);
  }
  mw_http_response_free(&resp);
cleanup:
  if (with_secret)
    explicit_bzero(auth, sizeof(auth));
}

static void prom_close(void *state)
{
  struct prom *p = state;

  if (!p)
    return;
  mw_http_free(p->http);
  free(p);
}

static int set_urls(struct prom *p, const char *base, struct mw_result *err)
{
  size_t len = strlen(base);
  char why[256];

  if (mw_http_url_check(base, "--url", why, sizeof(why)) != 0) {
    mw_result_summary(err, "%s", why);
    return -1;
  }
  while (len > 0 && base[len - 1] == '/')
    len--;
  if (len + 32 > sizeof(p->query_url)) {
    mw_result_summary(err, "--url is too long");
    return -1;
  }
  snprintf(p->query_url, sizeof(p->query_url), "%.*s/api/v1/query", (int)len, base);
  snprintf(p->range_url, sizeof(p->range_url), "%.*s/api/v1/query_range", (int)len, base);
  return 0;
}

static int prom_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct prom *p = calloc(1, sizeof(*p));
  const char *query = mw_args_str(args, "query");
  struct mw_http_config config;
  char why[256];
  size_t i, nkeys = mw_args_count(args, "label-key");

  if (!p) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  if (!query || !*query || strlen(query) > QUERY_MAX) {
    mw_result_summary(err, "--query is required (at most %d bytes)", QUERY_MAX);
    goto fail;
  }
  memcpy(p->form_query, "query=", 6);
  if (!prom_form_encode(query, p->form_query + 6, sizeof(p->form_query) - 6) ||
      set_urls(p, mw_args_str(args, "url"), err) != 0)
    goto fail;
  p->has_warn = mw_args_range(args, "warning", &p->warn);
  p->has_crit = mw_args_range(args, "critical", &p->crit);
  p->for_s = mw_args_given(args, "for") ? mw_args_duration(args, "for") : 0;
  p->step_s = mw_args_given(args, "step") ? mw_args_duration(args, "step") : p->for_s / 20;
  if (p->step_s < 1)
    p->step_s = 1;
  if (p->step_s > 60 && !mw_args_given(args, "step"))
    p->step_s = 60;
  if (mw_args_given(args, "for") && (p->for_s < 1 || p->step_s > p->for_s)) {
    mw_result_summary(err, "--for must be 1s or more, and --step no longer than --for");
    goto fail;
  }
  if (mw_args_given(args, "step") && !mw_args_given(args, "for")) {
    mw_result_summary(err, "--step is only used with --for");
    goto fail;
  }
  p->judge.warn = p->has_warn ? &p->warn : NULL;
  p->judge.crit = p->has_crit ? &p->crit : NULL;
  p->judge.window_samples = p->for_s > 0 ? (size_t)floor(p->for_s / p->step_s + 1e-9) + 1 : 1;
  if (nkeys > PROM_LABEL_KEYS) {
    mw_result_summary(err, "--label-key takes at most %d labels", PROM_LABEL_KEYS);
    goto fail;
  }
  for (i = 0; i < nkeys; i++)
    p->judge.keys[i] = mw_args_str_at(args, "label-key", i);
  p->judge.nkeys = nkeys;
  p->max_series = mw_args_int(args, "max-series");
  if (p->max_series < 0 || p->max_series > 1000) {
    mw_result_summary(err, "--max-series must be between 0 and 1000");
    goto fail;
  }
  p->empty_state = mw_args_state(args, "empty-state");
  p->timeout_state = mw_args_state(args, "timeout-state");
  p->user = mw_args_str(args, "user");
  p->password_file = mw_args_str(args, "password-file");
  p->password_env = mw_args_str(args, "password-env");
  if (mw_http_token_options(args, &p->token_file, &p->token_env, why, sizeof(why)) != 0) {
    mw_result_summary(err, "%s", why);
    goto fail;
  }
  if (p->user && (p->token_file || p->token_env)) {
    mw_result_summary(err, "--user (Basic) and --token-* (Bearer) exclude each other");
    goto fail;
  }
  if (!p->user && (p->password_file || p->password_env)) {
    mw_result_summary(err, "--password-file and --password-env need --user");
    goto fail;
  }
  if (mw_http_config_from_args(args, &config, p->resolve, MAX_RESOLVE, why, sizeof(why)) != 0) {
    mw_result_summary(err, "%s", why);
    goto fail;
  }
  p->insecure = config.insecure;
  p->http = mw_http_new(&config, why, sizeof(why));
  if (!p->http) {
    mw_result_summary(err, "%s", why);
    goto fail;
  }
  *state = p;
  return 0;
fail:
  prom_close(p);
  return -1;
}

static const struct mw_check prom_check = {
    MW_CHECK_ABI,     "prometheus", "A PromQL query judged as an alert rule: every series, --for",
    prom_description, prom_options, prom_open,
    prom_run,         prom_close};

const struct mw_check *mw_check_entry(void)
{
  return &prom_check;
}
