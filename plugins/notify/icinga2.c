/* SPDX-License-Identifier: MIT */
/* icinga2.c - the icinga2 notifier: results as passive check results through Icinga 2's REST
 * API (POST /v1/actions/process-check-result), so a central Icinga 2 learns a node's states
 * without forking a plugin per check.
 *
 * The object is named ("service": "HOST!SERVICE", or "host" for a host event) rather than
 * selected by a filter expression, so no text of an event is ever evaluated by Icinga 2. The
 * password comes from a file or the environment, read at every send, never from argv.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mw_http.h"
#include "mw_notify.h"

#define API_PATH "/v1/actions/process-check-result"
#define URL_MAX 2048
#define AUTH_MAX (MW_HTTP_TOKEN_MAX * 2)
#define MAX_RESOLVE 16
#define OUTPUT_MAX (256 * 1024)

static const struct mw_option options[] = {
    {"url", 'u', MW_OPT_STRING, 0, "URL", NULL,
     "The Icinga 2 API, such as https://icinga.example.com:5665 (TLS verified).", NULL, NULL},
    {"user", 0, MW_OPT_STRING, 0, "NAME", NULL,
     "ApiUser name (permission actions/process-check-result); omit with --client-cert.", NULL,
     NULL},
    {"password-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the ApiUser's password (read at every send).", NULL, NULL},
    {"password-env", 0, MW_OPT_STRING, 0, "VAR", "ICINGA2_API_PASSWORD",
     "Environment variable holding the password when no file is given.", NULL, NULL},
    {"host-name", 0, MW_OPT_STRING, 0, "NAME", NULL,
     "Icinga 2 host object the results belong to; default: the event's host.", NULL, NULL},
    {"check-source", 0, MW_OPT_STRING, 0, "NAME", NULL,
     "check_source shown in Icinga 2; default: the event's host.", NULL, NULL},
    {"ttl", 0, MW_OPT_DURATION, 0, "SECONDS", NULL,
     "Icinga 2 expects the next result within this time (freshness); default: not sent.", NULL,
     NULL},
    MW_HTTP_OPTIONS,
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

struct icinga2 {
  struct mw_http *http;
  char url[URL_MAX];
  const char *user;
  const char *password_file;
  const char *password_env;
  const char *host;
  const char *check_source;
  double ttl;
  const char *resolve[MAX_RESOLVE];
};

static int i2_open(const struct mw_args *args, const char *data_dir, void **state, char *err,
                   size_t errlen)
{
  struct icinga2 *i2 = calloc(1, sizeof(*i2));
  struct mw_http_config config;
  const char *base = mw_args_str(args, "url");

  (void)data_dir;
  if (!i2) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  i2->user = mw_args_str(args, "user");
  i2->host = mw_args_str(args, "host-name");
  i2->check_source = mw_args_str(args, "check-source");
  i2->ttl = mw_args_given(args, "ttl") ? mw_args_double(args, "ttl") : 0;
  if (mw_http_url_check(base, "--url", err, errlen) != 0 ||
      mw_http_config_from_args(args, &config, i2->resolve, MAX_RESOLVE, err, errlen) != 0)
    goto fail;
  if (mw_http_resolve_url(base, API_PATH, i2->url, sizeof(i2->url)) != 0) {
    snprintf(err, errlen, "--url: not a usable API address");
    goto fail;
  }
  if (!i2->user && !config.client_cert) {
    snprintf(err, errlen, "--user (with --password-file) or --client-cert is required");
    goto fail;
  }
  if (i2->user && mw_http_secret_options(args, "password-file", "password-env", true,
                                         &i2->password_file, &i2->password_env, err, errlen) != 0)
    goto fail;
  i2->http = mw_http_new(&config, err, errlen);
  if (!i2->http)
    goto fail;
  *state = i2;
  return 0;
fail:
  free(i2);
  return -1;
}

/* Results and state changes are check results; acknowledgements, flapping and downtime notices
 * are Icinga 2's own business, and so is anything Icinga 2 itself raised. */
static bool is_result(const struct mw_event *ev)
{
  static const char *const types[] = {"", "RESULT", "PROBLEM", "RECOVERY", "CUSTOM", NULL};
  size_t i;

  if (strcmp(ev->origin, "icinga2") == 0)
    return false;
  for (i = 0; types[i]; i++) {
    if (strcasecmp(ev->type, types[i]) == 0)
      return true;
  }
  return false;
}

/* Nagios perfdata ("time=0.1s;1;2 'a b'=3") as Icinga 2's array of items: split at spaces
 * outside quoted labels (where '' is a quote). */
static void add_perfdata(struct mw_buf *body, const char *perf)
{
  struct mw_buf item;
  bool first = true;
  const char *p = perf;

  mw_buf_init(&item, OUTPUT_MAX);
  mw_buf_adds(body, ",\"performance_data\":[");
  while (*p) {
    bool quoted = false;
    while (*p == ' ')
      p++;
    if (!*p)
      break;
    item.len = 0;
    for (; *p && (quoted || *p != ' '); p++) {
      if (*p == '\'') {
        if (quoted && p[1] == '\'')
          mw_buf_add(&item, p++, 1);
        else
          quoted = !quoted;
      }
      mw_buf_add(&item, p, 1);
    }
    mw_buf_adds(body, first ? "" : ",");
    mw_json_string(body, mw_buf_str(&item));
    first = false;
  }
  mw_buf_add(body, "]", 1);
  mw_buf_free(&item);
}

static void build_body(const struct icinga2 *i2, const struct mw_event *ev, struct mw_buf *body)
{
  const char *host = i2->host ? i2->host : ev->host;
  struct mw_buf name;
  int code = (int)ev->state;

  mw_buf_init(&name, 4096);
  if (*ev->service) {
    mw_buf_addf(&name, "%s!%s", host, ev->service);
    mw_buf_adds(body, "{\"type\":\"Service\",\"service\":");
  } else {
    mw_buf_adds(&name, host);
    mw_buf_adds(body, "{\"type\":\"Host\",\"host\":");
    code = ev->state == MW_OK ? 0 : 1; /* hosts are UP or DOWN */
  }
  mw_json_string(body, mw_buf_str(&name));
  mw_buf_addf(body, ",\"exit_status\":%d,\"plugin_output\":", code);
  if (*ev->long_output) {
    struct mw_buf output;
    mw_buf_init(&output, OUTPUT_MAX);
    mw_buf_addf(&output, "%s\n%s", ev->output, ev->long_output);
    mw_json_string(body, mw_buf_str(&output));
    mw_buf_free(&output);
  } else {
    mw_json_string(body, ev->output);
  }
  if (*ev->perfdata)
    add_perfdata(body, ev->perfdata);
  mw_buf_adds(body, ",\"check_source\":");
  mw_json_string(body, i2->check_source ? i2->check_source : ev->host);
  if (*ev->check) {
    mw_buf_adds(body, ",\"check_command\":");
    mw_json_string(body, ev->check);
  }
  if (i2->ttl > 0)
    mw_buf_addf(body, ",\"ttl\":%.0f", i2->ttl);
  mw_buf_add(body, "}", 1);
  mw_buf_free(&name);
}

static void i2_send(void *state, const struct mw_event *ev, mw_deadline deadline,
                    struct mw_send_status *status)
{
  struct icinga2 *i2 = state;
  const char *headers[3] = {"Content-Type: application/json", "Accept: application/json", NULL};
  char auth[AUTH_MAX];
  char err[200];
  struct mw_http_request req;
  struct mw_buf body;

  memset(status, 0, sizeof(*status));
  if (!is_result(ev)) {
    status->outcome = MW_DELIVERED;
    snprintf(status->reason, sizeof(status->reason), "%s: not a check result for Icinga 2",
             *ev->type ? ev->type : ev->origin);
    return;
  }
  auth[0] = '\0';
  if (i2->user && mw_http_basic_header(i2->user, i2->password_file, i2->password_env, auth,
                                       sizeof(auth), err, sizeof(err)) != 0) {
    /* A missing password file may be restored: keep the event. */
    status->outcome = MW_RETRY;
    snprintf(status->reason, sizeof(status->reason), "password: %s", err);
    return;
  }
  mw_buf_init(&body, 2 * OUTPUT_MAX);
  build_body(i2, ev, &body);
  if (body.failed) {
    status->outcome = MW_REJECTED;
    snprintf(status->reason, sizeof(status->reason), "result too large for Icinga 2");
    goto cleanup;
  }
  headers[2] = auth;
  memset(&req, 0, sizeof(req));
  req.method = "POST";
  req.url = i2->url;
  req.headers = headers;
  req.n_headers = auth[0] ? 3 : 2;
  req.body = body.data;
  req.body_len = body.len;
  mw_http_deliver(i2->http, &req, deadline, status, NULL);
cleanup:
  explicit_bzero(auth, sizeof(auth));
  mw_buf_free(&body);
}

static void i2_close(void *state)
{
  struct icinga2 *i2 = state;

  mw_http_free(i2->http);
  free(i2);
}

static const struct mw_notifier icinga2 = {
    MW_NOTIFIER_ABI,
    "icinga2",
    "Icinga 2 REST API: results as passive check results",
    "Each result (or state change) becomes a process-check-result action on the service\n"
    "HOST!SERVICE (a host event on the host): the state as exit_status, output and long\n"
    "output as plugin_output, perfdata as performance_data. The host and service must exist\n"
    "in Icinga 2 with passive checks enabled; Icinga 2 answers 404 or 403 otherwise, which\n"
    "is final. Acknowledgements, flapping and downtime notices, and Icinga 2's own events,\n"
    "send nothing. The ApiUser needs the permission actions/process-check-result.\n",
    options,
    i2_open,
    i2_send,
    i2_close};

const struct mw_notifier *mw_notifier_entry(void)
{
  return &icinga2;
}
