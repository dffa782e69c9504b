/* SPDX-License-Identifier: MIT */
/* webhook.c - the webhook notifier: a JSON POST modelled on Alertmanager's webhook payload,
 * signed per Standard Webhooks 1.0, or a Slack-style {"text": ...} body.
 *
 * The webhook-id is the event's id, the same on every retry, so a receiver can drop duplicates;
 * the timestamp is the attempt's, as the specification asks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mw_http.h"
#include "mw_notify.h"
#include "webhook_sign.h"

#define MAX_RESOLVE 16
#define SECRET_MAX 512
#define BODY_MAX (512 * 1024)

static const char *const formats[] = {"json", "slack", NULL};

static const struct mw_option options[] = {
    {"url", 'u', MW_OPT_STRING, 0, "URL", NULL,
     "Where to POST the event (this or --url-file is required).", NULL, NULL},
    {"url-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the URL: for URLs that are secrets themselves (Slack's "
     "incoming webhooks), read at every send.",
     NULL, NULL},
    {"format", 0, MW_OPT_STRING, 0, "FORMAT", "json",
     "json (the documented schema) or slack ({\"text\": ...} for incoming webhooks).", NULL,
     formats},
    {"secret-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the signing secret (whsec_...): requests are then signed.", NULL,
     NULL},
    {"secret-env", 0, MW_OPT_STRING, 0, "VAR", NULL,
     "Environment variable holding the signing secret.", NULL, NULL},
    {"receiver", 0, MW_OPT_STRING, 0, "NAME", "mcpwatch", "The receiver field of the JSON body.",
     NULL, NULL},
    MW_HTTP_OPTIONS,
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

struct webhook {
  struct mw_http *http;
  const char *url;
  const char *url_file;
  const char *secret_file;
  const char *secret_env;
  const char *receiver;
  bool slack;
  const char *resolve[MAX_RESOLVE];
};

static int wh_open(const struct mw_args *args, const char *data_dir, void **state, char *err,
                   size_t errlen)
{
  struct webhook *wh = calloc(1, sizeof(*wh));
  struct mw_http_config config;

  (void)data_dir;
  if (!wh) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  wh->url = mw_args_str(args, "url");
  wh->url_file = mw_args_str(args, "url-file");
  wh->receiver = mw_args_str(args, "receiver");
  wh->slack = strcmp(mw_args_str(args, "format"), "slack") == 0;
  if (wh->url && wh->url_file) {
    snprintf(err, errlen, "give --url or --url-file, not both");
    goto fail;
  }
  if ((!wh->url_file && mw_http_url_check(wh->url, "--url", err, errlen) != 0) ||
      mw_http_secret_options(args, "secret-file", "secret-env", false, &wh->secret_file,
                             &wh->secret_env, err, errlen) != 0 ||
      mw_http_config_from_args(args, &config, wh->resolve, MAX_RESOLVE, err, errlen) != 0)
    goto fail;
  wh->http = mw_http_new(&config, err, errlen);
  if (!wh->http)
    goto fail;
  *state = wh;
  return 0;
fail:
  free(wh);
  return -1;
}

static const char *severity_for(enum mw_state state)
{
  return state == MW_OK         ? "none"
         : state == MW_WARNING  ? "warning"
         : state == MW_CRITICAL ? "critical"
                                : "unknown";
}

static void add_field(struct mw_buf *body, const char *name, const char *value, bool first)
{
  mw_buf_addf(body, "%s\"%s\":", first ? "" : ",", name);
  mw_json_string(body, value);
}

/* Schema (docs): version, id, status, receiver, groupKey, alerts[1] {status, labels, annotations,
 * startsAt, endsAt, fingerprint}, mcpwatch {state, previous_state, notification_type, origin}. */
static void build_json(const struct webhook *wh, const struct mw_event *ev, struct mw_buf *body)
{
  const char *status = ev->state == MW_OK ? "resolved" : "firing";
  char key[256];
  char when[32];

  mw_event_key(ev, key, sizeof(key));
  mw_format_iso8601(ev->time, when, sizeof(when));
  mw_buf_adds(body, "{\"version\":\"1\"");
  add_field(body, "id", ev->id, false);
  add_field(body, "status", status, false);
  add_field(body, "receiver", wh->receiver, false);
  add_field(body, "groupKey", key, false);
  mw_buf_adds(body, ",\"alerts\":[{");
  add_field(body, "status", status, true);
  mw_buf_adds(body, ",\"labels\":{");
  add_field(body, "alertname", *ev->service ? ev->service : ev->host, true);
  add_field(body, "host", ev->host, false);
  if (*ev->service)
    add_field(body, "service", ev->service, false);
  if (*ev->check)
    add_field(body, "check", ev->check, false);
  add_field(body, "severity", severity_for(ev->state), false);
  mw_buf_adds(body, "},\"annotations\":{");
  add_field(body, "summary", ev->output, true);
  if (*ev->long_output)
    add_field(body, "description", ev->long_output, false);
  if (*ev->perfdata)
    add_field(body, "perfdata", ev->perfdata, false);
  mw_buf_add(body, "}", 1);
  add_field(body, ev->state == MW_OK ? "endsAt" : "startsAt", when, false);
  add_field(body, "fingerprint", key, false);
  mw_buf_adds(body, "}],\"mcpwatch\":{");
  add_field(body, "state", mw_state_name(ev->state), true);
  add_field(body, "previous_state", ev->previous, false);
  add_field(body, "notification_type", ev->type, false);
  add_field(body, "origin", ev->origin, false);
  mw_buf_adds(body, "}}");
}

static void build_slack(const struct mw_event *ev, struct mw_buf *body)
{
  struct mw_buf text;

  mw_buf_init(&text, BODY_MAX);
  mw_buf_addf(&text, "[%s] %s%s%s: %s", mw_state_name(ev->state), ev->host, *ev->service ? "/" : "",
              ev->service, ev->output);
  if (*ev->type && strcasecmp(ev->type, "PROBLEM") != 0 && strcasecmp(ev->type, "RECOVERY") != 0)
    mw_buf_addf(&text, " (%s)", ev->type);
  mw_buf_adds(body, "{\"text\":");
  mw_json_string(body, mw_buf_str(&text));
  mw_buf_add(body, "}", 1);
  mw_buf_free(&text);
}

static void wh_send(void *state, const struct mw_event *ev, mw_deadline deadline,
                    struct mw_send_status *status)
{
  struct webhook *wh = state;
  struct mw_http_request req;
  struct mw_buf body;
  char secret[SECRET_MAX];
  char url[MW_HTTP_TOKEN_MAX];
  char err[200];
  char signature[128];
  char h_id[96];
  char h_ts[64];
  char h_sig[160];
  const char *headers[4] = {"Content-Type: application/json"};
  size_t n_headers = 1;
  long long now = (long long)time(NULL);

  memset(status, 0, sizeof(*status));
  mw_buf_init(&body, BODY_MAX);
  if (wh->url_file &&
      (mw_http_token_header("", wh->url_file, NULL, url, sizeof(url), err, sizeof(err)) != 0 ||
       mw_http_url_check(url, "the URL in --url-file", err, sizeof(err)) != 0)) {
    /* The file may be fixed: keep the event. */
    status->outcome = MW_RETRY;
    snprintf(status->reason, sizeof(status->reason), "%s", err);
    goto cleanup;
  }
  if (wh->slack)
    build_slack(ev, &body);
  else
    build_json(wh, ev, &body);
  if (body.failed) {
    status->outcome = MW_REJECTED;
    snprintf(status->reason, sizeof(status->reason), "event too large");
    goto cleanup;
  }
  if (wh->secret_file || wh->secret_env) {
    if (mw_http_token_header("", wh->secret_file, wh->secret_env, secret, sizeof(secret), err,
                             sizeof(err)) != 0) {
      status->outcome = MW_RETRY;
      snprintf(status->reason, sizeof(status->reason), "signing secret: %s", err);
      goto cleanup;
    }
    if (webhook_signature(secret, ev->id, now, body.data, body.len, signature, sizeof(signature)) !=
        0) {
      explicit_bzero(secret, sizeof(secret));
      status->outcome = MW_RETRY;
      snprintf(status->reason, sizeof(status->reason),
               "signing secret: not whsec_ followed by base64");
      goto cleanup;
    }
    explicit_bzero(secret, sizeof(secret));
    snprintf(h_id, sizeof(h_id), "webhook-id: %s", ev->id);
    snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", now);
    snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", signature);
    headers[n_headers++] = h_id;
    headers[n_headers++] = h_ts;
    headers[n_headers++] = h_sig;
  }
  memset(&req, 0, sizeof(req));
  req.method = "POST";
  req.url = wh->url_file ? url : wh->url;
  req.headers = headers;
  req.n_headers = n_headers;
  req.body = body.data;
  req.body_len = body.len;
  mw_http_deliver(wh->http, &req, deadline, status, NULL);
cleanup:
  explicit_bzero(url, sizeof(url));
  mw_buf_free(&body);
}

static void wh_close(void *state)
{
  struct webhook *wh = state;

  mw_http_free(wh->http);
  free(wh);
}

static const struct mw_notifier webhook = {
    MW_NOTIFIER_ABI,
    "webhook",
    "A JSON POST, signed per Standard Webhooks, or a Slack-style message",
    "--format json POSTs the documented schema (modelled on Alertmanager's webhook payload);\n"
    "--format slack POSTs {\"text\": \"[CRITICAL] host/service: output\"} for incoming webhooks.\n"
    "With a secret the request carries webhook-id (the event's id, the same on every retry),\n"
    "webhook-timestamp and webhook-signature (v1, HMAC-SHA256). 2xx delivers; 408, 425, 429 and\n"
    "5xx retry (honouring Retry-After); 410 and other codes stop and go to the dead letters.\n",
    options,
    wh_open,
    wh_send,
    wh_close};

const struct mw_notifier *mw_notifier_entry(void)
{
  return &webhook;
}
