/* SPDX-License-Identifier: MIT */
/* vault.c - HashiCorp Vault: /v1/sys/health (every documented status code), version, clock
 * skew, and optionally the TTL of the monitoring token. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mw_check.h"
#include "mw_http.h"

#define DEFAULT_ADDR "https://127.0.0.1:8200"
#define MAX_RESOLVE 16

struct vault {
  struct mw_http *http;
  char health_url[1024];
  char lookup_url[1024];
  const char *token_file;
  bool standby_ok;
  bool insecure;
  double skew_warn; /* seconds; NAN: not judged */
  double skew_crit;
  double ttl_warn;
  double ttl_crit;
  const char *expect_version;
  enum mw_state timeout_state;
  const char *resolve[MAX_RESOLVE];
};

static const struct mw_option vault_options[] = {
    {"url", 'u', MW_OPT_STRING, 0, "ADDR", NULL,
     "Vault address; default VAULT_ADDR from the environment, else " DEFAULT_ADDR ".", NULL, NULL},
    {"token-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the token for --token-ttl-*; default VAULT_TOKEN.", NULL, NULL},
    {"standby-ok", 0, MW_OPT_BOOL, 0, NULL, NULL,
     "A standby, performance standby or DR secondary is OK rather than WARNING.", NULL, NULL},
    {"skew-warning", 0, MW_OPT_DURATION, 0, "DURATION", "30s",
     "WARNING when the server's clock differs from ours by more.", NULL, NULL},
    {"skew-critical", 0, MW_OPT_DURATION, 0, "DURATION", NULL,
     "CRITICAL when the server's clock differs from ours by more.", NULL, NULL},
    {"token-ttl-warning", 0, MW_OPT_DURATION, 0, "DURATION", NULL,
     "WARNING when the token expires sooner (looks the token up).", NULL, NULL},
    {"token-ttl-critical", 0, MW_OPT_DURATION, 0, "DURATION", NULL,
     "CRITICAL when the token expires sooner (looks the token up).", NULL, NULL},
    {"expect-version", 0, MW_OPT_STRING, 0, "VERSION", NULL,
     "WARNING unless the version is VERSION or starts with VERSION. (1.15 matches 1.15.2).", NULL,
     NULL},
    MW_HTTP_OPTIONS,
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char vault_description[] =
    "GET /v1/sys/health, read by its status code:\n"
    "  200 active: OK\n"
    "  429 standby, 473 performance standby, 472 DR secondary: WARNING, or OK with "
    "--standby-ok\n"
    "  474 standby that cannot reach the active node: CRITICAL\n"
    "  501 not initialized, 503 sealed, 530 removed from the cluster: CRITICAL\n"
    "  any other code: UNKNOWN\n"
    "The body gives version, cluster name and server_time_utc, compared with the local clock\n"
    "(one second resolution). With --token-ttl-warning/--token-ttl-critical the token "
    "(VAULT_TOKEN\n"
    "or --token-file, never on the command line) is looked up with GET\n"
    "/v1/auth/token/lookup-self; a token that never expires is OK. VAULT_ADDR and VAULT_CACERT\n"
    "are honoured when --url and --ca-cert are not given.\n";

static int set_url(char *out, size_t outlen, const char *addr, const char *path)
{
  size_t len = strlen(addr);

  while (len > 0 && addr[len - 1] == '/')
    len--;
  return (size_t)snprintf(out, outlen, "%.*s%s", (int)len, addr, path) < outlen ? 0 : -1;
}

/* The duration given, or the option's default; NAN when it has neither (not judged). */
static double duration_or_nan(const struct mw_args *args, const char *name)
{
  return mw_args_count(args, name) > 0 ? mw_args_duration(args, name) : NAN;
}

static void vault_close(void *state)
{
  struct vault *v = state;

  if (!v)
    return;
  mw_http_free(v->http);
  free(v);
}

static int vault_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct vault *v = calloc(1, sizeof(*v));
  struct mw_http_config config;
  const char *addr = mw_args_str(args, "url");
  char reason[256];

  if (!v) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  if (!addr)
    addr = getenv("VAULT_ADDR");
  if (!addr || !*addr)
    addr = DEFAULT_ADDR;
  if (mw_http_url_check(addr, "the Vault address", reason, sizeof(reason)) != 0) {
    mw_result_summary(err, "%s", reason);
    goto fail;
  }
  if (set_url(v->health_url, sizeof(v->health_url), addr, "/v1/sys/health") != 0 ||
      set_url(v->lookup_url, sizeof(v->lookup_url), addr, "/v1/auth/token/lookup-self") != 0) {
    mw_result_summary(err, "the Vault address is too long");
    goto fail;
  }
  v->token_file = mw_args_str(args, "token-file");
  v->standby_ok = mw_args_bool(args, "standby-ok");
  v->skew_warn = duration_or_nan(args, "skew-warning");
  v->skew_crit = duration_or_nan(args, "skew-critical");
  v->ttl_warn = duration_or_nan(args, "token-ttl-warning");
  v->ttl_crit = duration_or_nan(args, "token-ttl-critical");
  v->expect_version = mw_args_str(args, "expect-version");
  v->timeout_state = mw_args_state(args, "timeout-state");
  if ((!isnan(v->ttl_warn) || !isnan(v->ttl_crit)) && !v->token_file && !getenv("VAULT_TOKEN")) {
    mw_result_summary(err, "--token-ttl-warning/--token-ttl-critical need a token: VAULT_TOKEN "
                           "or --token-file");
    goto fail;
  }
  if (mw_http_config_from_args(args, &config, v->resolve, MAX_RESOLVE, reason, sizeof(reason)) !=
      0) {
    mw_result_summary(err, "%s", reason);
    goto fail;
  }
  if (!config.ca_cert && getenv("VAULT_CACERT") && *getenv("VAULT_CACERT"))
    config.ca_cert = getenv("VAULT_CACERT");
  v->insecure = config.insecure;
  v->http = mw_http_new(&config, reason, sizeof(reason));
  if (!v->http) {
    mw_result_summary(err, "%s", reason);
    goto fail;
  }
  *state = v;
  return 0;
fail:
  vault_close(v);
  return -1;
}

struct code_meaning {
  long code;
  const char *what;
  enum mw_state state; /* MW_WARNING for the standby kinds: OK with --standby-ok */
};

static const struct code_meaning meanings[] = {
    {200, "active", MW_OK},
    {429, "standby", MW_WARNING},
    {472, "DR secondary", MW_WARNING},
    {473, "performance standby", MW_WARNING},
    {474, "standby that cannot reach the active node", MW_CRITICAL},
    {501, "not initialized", MW_CRITICAL},
    {503, "sealed", MW_CRITICAL},
    {530, "removed from the cluster", MW_CRITICAL},
    {0, NULL, MW_UNKNOWN}};

static void add_perf(struct mw_result *res, const char *label, double value, double warn,
                     double crit, bool below)
{
  struct mw_range w = {below ? warn : 0, below ? INFINITY : warn, false, 0};
  struct mw_range c = {below ? crit : 0, below ? INFINITY : crit, false, 0};
  struct mw_perf perf = {
      label, value, "s", isnan(warn) ? NULL : &w, isnan(crit) ? NULL : &c, below ? NAN : 0, NAN};

  mw_result_perf(res, &perf);
}

/* Above crit CRITICAL, above warn WARNING (below: under them). */
static enum mw_state judge(double value, double warn, double crit, bool below)
{
  if (!isnan(crit) && (below ? value < crit : value > crit))
    return MW_CRITICAL;
  if (!isnan(warn) && (below ? value < warn : value > warn))
    return MW_WARNING;
  return MW_OK;
}

static bool version_matches(const char *version, const char *want)
{
  size_t len = strlen(want);

  return strncmp(version, want, len) == 0 && (version[len] == '\0' || version[len] == '.' ||
                                              version[len] == '+' || version[len] == '-');
}

/* The token's TTL from lookup-self, as a child result. */
static void check_token(struct vault *v, struct mw_result *res, mw_deadline deadline)
{
  struct mw_result *child = mw_result_child(res);
  char header[MW_HTTP_TOKEN_MAX + 32];
  char err[512];
  const char *headers[1] = {header};
  struct mw_http_request req = {
      .method = "GET", .url = v->lookup_url, .headers = headers, .n_headers = 1};
  struct mw_http_response resp;
  enum mw_http_status status;
  json_t *doc = NULL;
  json_t *data;
  double ttl;

  memset(&resp, 0, sizeof(resp));
  if (mw_http_token_header("X-Vault-Token: ", v->token_file, "VAULT_TOKEN", header, sizeof(header),
                           err, sizeof(err)) != 0) {
    mw_result_state(child, MW_UNKNOWN);
    mw_result_summary(child, "%s", err);
    goto cleanup;
  }
  status = mw_http_perform(v->http, &req, &resp, deadline, err, sizeof(err));
  if (status != MW_HTTP_DONE) {
    mw_result_state(child, status == MW_HTTP_TIMED_OUT ? v->timeout_state : MW_CRITICAL);
    mw_result_summary(child, "token lookup: %s", err);
    goto cleanup;
  }
  doc = json_loadb(resp.body, resp.body_len, 0, NULL);
  if (resp.status != 200) {
    json_t *errors = json_object_get(doc, "errors");
    const char *first = json_string_value(json_array_get(errors, 0));

    mw_result_state(child, MW_CRITICAL);
    mw_result_summary(child, "token lookup: HTTP %ld%s%s", resp.status, first ? ": " : "",
                      first ? first : "");
    goto cleanup;
  }
  data = json_object_get(doc, "data");
  if (!json_is_number(json_object_get(data, "ttl"))) {
    mw_result_state(child, MW_CRITICAL);
    mw_result_summary(child, "token lookup: no data.ttl in the answer");
    goto cleanup;
  }
  ttl = json_number_value(json_object_get(data, "ttl"));
  if (ttl == 0 && json_is_null(json_object_get(data, "expire_time"))) {
    mw_result_summary(child, "token never expires");
    goto cleanup;
  }
  mw_result_state(child, judge(ttl, v->ttl_warn, v->ttl_crit, true));
  mw_result_summary(child, "token expires in %.0f s", ttl);
  add_perf(res, "token_ttl", ttl, v->ttl_warn, v->ttl_crit, true);
cleanup:
  explicit_bzero(header, sizeof(header));
  json_decref(doc);
  mw_http_response_free(&resp);
}

static void report(struct vault *v, const struct mw_http_response *resp, json_t *doc,
                   time_t received, struct mw_result *res, mw_deadline deadline)
{
  const struct code_meaning *m = meanings;
  const char *version = json_string_value(json_object_get(doc, "version"));
  const char *cluster = json_string_value(json_object_get(doc, "cluster_name"));
  json_t *server_time = json_object_get(doc, "server_time_utc");
  enum mw_state state;
  char extra[256] = "";

  while (m->what && m->code != resp->status)
    m++;
  state = m->state == MW_WARNING && v->standby_ok ? MW_OK : m->state;
  if (!m->what) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "unexpected HTTP %ld from /v1/sys/health", resp->status);
    return;
  }
  if (!json_is_object(doc)) {
    mw_result_state(res, MW_CRITICAL);
    mw_result_summary(res, "HTTP %ld (%s) but the body is not Vault's health JSON", resp->status,
                      m->what);
    return;
  }
  if (version && v->expect_version && !version_matches(version, v->expect_version)) {
    state = mw_state_worst(state, MW_WARNING);
    snprintf(extra, sizeof(extra), ", expected %s", v->expect_version);
  }
  if (json_is_integer(server_time)) {
    double skew = fabs((double)received - (double)json_integer_value(server_time));
    enum mw_state skew_state = judge(skew, v->skew_warn, v->skew_crit, false);

    state = mw_state_worst(state, skew_state);
    if (skew_state != MW_OK || skew >= 2)
      snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), ", clock skew %.0f s", skew);
    add_perf(res, "clock_skew", skew, v->skew_warn, v->skew_crit, false);
  }
  mw_result_state(res, state);
  mw_result_summary(res, "%s, version %s%s, cluster %s in %.*f %s%s", m->what,
                    version ? version : "unknown", extra, cluster ? cluster : "unnamed",
                    resp->time.total < 1 ? 1 : 3,
                    resp->time.total < 1 ? resp->time.total * 1000 : resp->time.total,
                    resp->time.total < 1 ? "ms" : "s",
                    v->insecure ? " (certificate not verified: --insecure)" : "");
  add_perf(res, "time", resp->time.total, NAN, NAN, false);
  if (!isnan(v->ttl_warn) || !isnan(v->ttl_crit)) {
    if (resp->status == 501 || resp->status == 503 || resp->status == 530)
      mw_result_summary(mw_result_child(res), "token not looked up: Vault is %s", m->what);
    else
      check_token(v, res, deadline);
  }
}

static void vault_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct vault *v = state;
  struct mw_http_request req = {.method = "GET", .url = v->health_url};
  struct mw_http_response resp;
  enum mw_http_status status;
  char err[512];
  json_t *doc;

  status = mw_http_perform(v->http, &req, &resp, deadline, err, sizeof(err));
  if (status != MW_HTTP_DONE) {
    mw_result_state(res, status == MW_HTTP_TIMED_OUT ? v->timeout_state : MW_CRITICAL);
    mw_result_summary(res, "%s", err);
  } else {
    doc = json_loadb(resp.body, resp.body_len, 0, NULL);
    report(v, &resp, doc, time(NULL), res, deadline);
    json_decref(doc);
  }
  mw_http_response_free(&resp);
}

static const struct mw_check vault_check = {
    MW_CHECK_ABI,
    "vault",
    "HashiCorp Vault: seal, HA role, version, clock skew, token TTL",
    vault_description,
    vault_options,
    vault_open,
    vault_run,
    vault_close};

const struct mw_check *mw_check_entry(void)
{
  return &vault_check;
}
