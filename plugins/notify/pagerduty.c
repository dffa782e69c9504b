/* SPDX-License-Identifier: MIT */
/* pagerduty.c - the pagerduty notifier: PagerDuty Events API v2.
 *
 * A problem triggers, a recovery resolves and an acknowledgement acknowledges, all under one
 * dedup_key per host and service, so a retried or repeated event never opens a second incident.
 * The routing key comes from a file or the environment, read at every send, never from argv.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mw_http.h"
#include "mw_notify.h"

#define DEFAULT_URL "https://events.pagerduty.com/v2/enqueue"
#define SUMMARY_MAX 1024
#define KEY_MAX 256
#define MAX_RESOLVE 16

static const char *const severities[] = {"critical", "error", "warning", "info", NULL};

static const struct mw_option options[] = {
    {"routing-key-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the integration's routing key (read at every send).", NULL, NULL},
    {"routing-key-env", 0, MW_OPT_STRING, 0, "VAR", "PAGERDUTY_ROUTING_KEY",
     "Environment variable holding the routing key when no file is given.", NULL, NULL},
    {"url", 0, MW_OPT_STRING, 0, "URL", DEFAULT_URL, "Events API v2 enqueue endpoint.", NULL, NULL},
    {"source", 0, MW_OPT_STRING, 0, "NAME", NULL, "payload.source; default: the event's host.",
     NULL, NULL},
    {"unknown-severity", 0, MW_OPT_STRING, 0, "SEVERITY", "error",
     "Severity an UNKNOWN state triggers with (CRITICAL is critical, WARNING warning).", NULL,
     severities},
    {"client", 0, MW_OPT_STRING, 0, "TEXT", "mcpwatch", "The client field shown in PagerDuty.",
     NULL, NULL},
    {"client-url", 0, MW_OPT_STRING, 0, "URL", NULL,
     "The client_url field: where the responder finds the monitoring UI.", NULL, NULL},
    MW_HTTP_OPTIONS,
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

struct pagerduty {
  struct mw_http *http;
  const char *url;
  const char *key_file;
  const char *key_env;
  const char *source;
  const char *unknown_severity;
  const char *client;
  const char *client_url;
  const char *resolve[MAX_RESOLVE];
};

static int pd_open(const struct mw_args *args, const char *data_dir, void **state, char *err,
                   size_t errlen)
{
  struct pagerduty *pd = calloc(1, sizeof(*pd));
  struct mw_http_config config;

  (void)data_dir;
  if (!pd) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  pd->url = mw_args_str(args, "url");
  pd->source = mw_args_str(args, "source");
  pd->unknown_severity = mw_args_str(args, "unknown-severity");
  pd->client = mw_args_str(args, "client");
  pd->client_url = mw_args_str(args, "client-url");
  if (mw_http_url_check(pd->url, "--url", err, errlen) != 0 ||
      (pd->client_url && mw_http_url_check(pd->client_url, "--client-url", err, errlen) != 0) ||
      mw_http_secret_options(args, "routing-key-file", "routing-key-env", true, &pd->key_file,
                             &pd->key_env, err, errlen) != 0 ||
      mw_http_config_from_args(args, &config, pd->resolve, MAX_RESOLVE, err, errlen) != 0)
    goto fail;
  pd->http = mw_http_new(&config, err, errlen);
  if (!pd->http)
    goto fail;
  *state = pd;
  return 0;
fail:
  free(pd);
  return -1;
}

static const char *action_for(const struct mw_event *ev)
{
  const char *type = ev->type;

  if (strcasecmp(type, "ACKNOWLEDGEMENT") == 0)
    return "acknowledge";
  if (ev->state == MW_OK || strcasecmp(type, "RECOVERY") == 0)
    return "resolve";
  if (!*type || strcasecmp(type, "PROBLEM") == 0 || strcasecmp(type, "CUSTOM") == 0)
    return "trigger";
  return NULL; /* flapping and downtime notices open nothing */
}

static const char *severity_for(const struct pagerduty *pd, enum mw_state state)
{
  return state == MW_CRITICAL ? "critical" : state == MW_WARNING ? "warning" : pd->unknown_severity;
}

static void add_detail(struct mw_buf *body, const char *name, const char *value)
{
  if (!*value)
    return;
  mw_buf_addf(body, ",\"%s\":", name);
  mw_json_string(body, value);
}

static void build_body(const struct pagerduty *pd, const struct mw_event *ev, const char *action,
                       const char *key, const char *dedup, struct mw_buf *body)
{
  struct mw_buf summary;
  char when[32];

  mw_buf_adds(body, "{\"routing_key\":");
  mw_json_string(body, key);
  mw_buf_addf(body, ",\"event_action\":\"%s\",\"dedup_key\":", action);
  mw_json_string(body, dedup);
  if (strcmp(action, "trigger") == 0) {
    mw_buf_init(&summary, 1 << 20);
    mw_buf_addf(&summary, "%s%s%s %s: %s", ev->host, *ev->service ? "/" : "", ev->service,
                mw_state_name(ev->state), ev->output);
    summary.len = mw_utf8_prefix(mw_buf_str(&summary), SUMMARY_MAX);
    if (summary.data)
      summary.data[summary.len] = '\0';
    mw_format_iso8601(ev->time, when, sizeof(when));
    mw_buf_adds(body, ",\"payload\":{\"summary\":");
    mw_json_string(body, mw_buf_str(&summary));
    mw_buf_adds(body, ",\"source\":");
    mw_json_string(body, pd->source ? pd->source : ev->host);
    mw_buf_addf(body, ",\"severity\":\"%s\",\"timestamp\":\"%s\"", severity_for(pd, ev->state),
                when);
    if (*ev->service) {
      mw_buf_adds(body, ",\"component\":");
      mw_json_string(body, ev->service);
    }
    if (*ev->check) {
      mw_buf_adds(body, ",\"class\":");
      mw_json_string(body, ev->check);
    }
    mw_buf_addf(body, ",\"custom_details\":{\"state\":\"%s\"", mw_state_name(ev->state));
    add_detail(body, "previous_state", ev->previous);
    add_detail(body, "notification_type", ev->type);
    add_detail(body, "output", ev->output);
    add_detail(body, "long_output", ev->long_output);
    add_detail(body, "perfdata", ev->perfdata);
    add_detail(body, "origin", ev->origin);
    add_detail(body, "event_id", ev->id);
    mw_buf_adds(body, "}}");
    mw_buf_free(&summary);
  }
  mw_buf_adds(body, ",\"client\":");
  mw_json_string(body, pd->client);
  if (pd->client_url) {
    mw_buf_adds(body, ",\"client_url\":");
    mw_json_string(body, pd->client_url);
  }
  mw_buf_add(body, "}", 1);
}

static void pd_send(void *state, const struct mw_event *ev, mw_deadline deadline,
                    struct mw_send_status *status)
{
  static const char *const headers[] = {"Content-Type: application/json"};
  struct pagerduty *pd = state;
  struct mw_http_request req;
  struct mw_buf body;
  const char *action = action_for(ev);
  char key[KEY_MAX];
  char dedup[KEY_MAX];
  char err[200];

  memset(status, 0, sizeof(*status));
  if (!action) {
    status->outcome = MW_DELIVERED;
    snprintf(status->reason, sizeof(status->reason), "%s: nothing to send to PagerDuty", ev->type);
    return;
  }
  if (mw_http_token_header("", pd->key_file, pd->key_env, key, sizeof(key), err, sizeof(err)) !=
      0) {
    /* A missing key file may be restored: keep the event. */
    status->outcome = MW_RETRY;
    snprintf(status->reason, sizeof(status->reason), "routing key: %s", err);
    return;
  }
  mw_event_key(ev, dedup, sizeof(dedup));
  mw_buf_init(&body, 512 * 1024);
  build_body(pd, ev, action, key, dedup, &body);
  explicit_bzero(key, sizeof(key));
  if (body.failed) {
    status->outcome = MW_REJECTED;
    snprintf(status->reason, sizeof(status->reason), "event too large for PagerDuty");
    goto cleanup;
  }
  memset(&req, 0, sizeof(req));
  req.method = "POST";
  req.url = pd->url;
  req.headers = headers;
  req.n_headers = 1;
  req.body = body.data;
  req.body_len = body.len;
  mw_http_deliver(pd->http, &req, deadline, status, NULL);
cleanup:
  if (body.data)
    explicit_bzero(body.data, body.len);
  mw_buf_free(&body);
}

static void pd_close(void *state)
{
  struct pagerduty *pd = state;

  mw_http_free(pd->http);
  free(pd);
}

static const struct mw_notifier pagerduty = {
    MW_NOTIFIER_ABI,
    "pagerduty",
    "PagerDuty Events API v2: trigger, acknowledge, resolve",
    "A WARNING, CRITICAL or UNKNOWN problem triggers an alert, a recovery resolves it and a\n"
    "Nagios/Icinga acknowledgement acknowledges it, all under the dedup_key\n"
    "mcpwatch/HOST/SERVICE. Flapping and downtime notices send nothing. The summary is cut\n"
    "to 1024 bytes; output, long output and perfdata go into custom_details.\n",
    options,
    pd_open,
    pd_send,
    pd_close};

const struct mw_notifier *mw_notifier_entry(void)
{
  return &pagerduty;
}
