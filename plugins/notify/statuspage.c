/* SPDX-License-Identifier: MIT */
/* statuspage.c - the statuspage notifier: a check instance's state as a status-page component's
 * status, on Atlassian Statuspage or Cachet 2.x, with optional Statuspage incidents.
 *
 * Setting a component's status is idempotent, so a retried event does no harm. An incident's id
 * is kept in the destination's folder between the problem that opened it and the recovery that
 * resolves it.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mw_http.h"
#include "mw_notify.h"

#define DEFAULT_URL "https://api.statuspage.io/v1"
#define MAX_RESOLVE 16
#define KEY_MAX 512

static const char *const flavours[] = {"statuspage", "cachet", NULL};
static const char *const critical_statuses[] = {"partial_outage", "major_outage", NULL};
static const char *const unknown_statuses[] = {"operational", "degraded_performance",
                                               "partial_outage", "major_outage", NULL};

static const struct mw_option options[] = {
    {"flavour", 0, MW_OPT_STRING, 0, "NAME", "statuspage",
     "statuspage (Atlassian Statuspage) or cachet (Cachet 2.x).", NULL, flavours},
    {"url", 'u', MW_OPT_STRING, 0, "URL", NULL,
     "API base: default " DEFAULT_URL " for statuspage; the Cachet site for cachet.", NULL, NULL},
    {"page-id", 0, MW_OPT_STRING, 0, "ID", NULL, "The Statuspage page (statuspage only).", NULL,
     NULL},
    {"component", 0, MW_OPT_STRING, MW_OPT_REPEAT, "SERVICE=ID", NULL,
     "The component showing SERVICE (a check instance or Nagios service); may be repeated.", NULL,
     NULL},
    {"api-key-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the API key (Statuspage) or token (Cachet).", NULL, NULL},
    {"api-key-env", 0, MW_OPT_STRING, 0, "VAR", "STATUSPAGE_API_KEY",
     "Environment variable holding the key when no file is given.", NULL, NULL},
    {"critical-status", 0, MW_OPT_STRING, 0, "STATUS", "major_outage",
     "Component status for CRITICAL (WARNING is degraded_performance, OK operational).", NULL,
     critical_statuses},
    {"unknown-status", 0, MW_OPT_STRING, 0, "STATUS", "degraded_performance",
     "Component status for UNKNOWN.", NULL, unknown_statuses},
    {"incidents", 0, MW_OPT_BOOL, 0, NULL, NULL,
     "Also open an incident on a problem and resolve it on recovery (statuspage only).", NULL,
     NULL},
    MW_HTTP_OPTIONS,
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

struct statuspage {
  struct mw_http *http;
  bool cachet;
  bool incidents;
  const char *url;
  const char *page;
  const char *key_file;
  const char *key_env;
  const char *critical_status;
  const char *unknown_status;
  char *data_dir;
  size_t ncomponents;
  struct component {
    char *service;
    const char *id;
  } * components;
  const char *resolve[MAX_RESOLVE];
};

static void sp_close(void *state)
{
  struct statuspage *sp = state;
  size_t i;

  if (!sp)
    return;
  mw_http_free(sp->http);
  for (i = 0; i < sp->ncomponents; i++)
    free(sp->components[i].service);
  free(sp->components);
  free(sp->data_dir);
  free(sp);
}

static bool is_id(const char *id)
{
  if (!*id || strlen(id) > 64)
    return false;
  for (; *id; id++) {
    if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') || (*id >= '0' && *id <= '9') ||
          *id == '-' || *id == '_'))
      return false;
  }
  return true;
}

static int load_components(struct statuspage *sp, const struct mw_args *args, char *err,
                           size_t errlen)
{
  size_t n = mw_args_count(args, "component");
  size_t i;

  sp->components = calloc(n + 1, sizeof(*sp->components));
  if (!sp->components) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < n; i++) {
    const char *text = mw_args_str_at(args, "component", i);
    const char *eq = strrchr(text, '=');
    if (!eq || eq == text || !is_id(eq + 1)) {
      snprintf(err, errlen, "--component '%.80s' is not SERVICE=ID (ID: letters, digits, - _)",
               text);
      return -1;
    }
    sp->components[i].service = strndup(text, (size_t)(eq - text));
    sp->components[i].id = eq + 1;
    if (!sp->components[i].service) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    sp->ncomponents++;
  }
  if (n == 0) {
    snprintf(err, errlen, "--component SERVICE=ID is required");
    return -1;
  }
  return 0;
}

static int sp_open(const struct mw_args *args, const char *data_dir, void **state, char *err,
                   size_t errlen)
{
  struct statuspage *sp = calloc(1, sizeof(*sp));
  struct mw_http_config config;

  if (!sp) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  sp->cachet = strcmp(mw_args_str(args, "flavour"), "cachet") == 0;
  sp->incidents = mw_args_bool(args, "incidents");
  sp->url = mw_args_str(args, "url");
  sp->page = mw_args_str(args, "page-id");
  sp->critical_status = mw_args_str(args, "critical-status");
  sp->unknown_status = mw_args_str(args, "unknown-status");
  sp->data_dir = strdup(data_dir);
  if (!sp->url && !sp->cachet)
    sp->url = DEFAULT_URL;
  if (!sp->data_dir) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  if (mw_http_url_check(sp->url, "--url", err, errlen) != 0 ||
      mw_http_secret_options(args, "api-key-file", "api-key-env", true, &sp->key_file, &sp->key_env,
                             err, errlen) != 0 ||
      load_components(sp, args, err, errlen) != 0 ||
      mw_http_config_from_args(args, &config, sp->resolve, MAX_RESOLVE, err, errlen) != 0)
    goto fail;
  if (!sp->cachet && (!sp->page || !is_id(sp->page))) {
    snprintf(err, errlen, "--page-id is required for Statuspage (letters, digits, - _)");
    goto fail;
  }
  if (sp->cachet && sp->incidents) {
    snprintf(err, errlen, "--incidents works with --flavour statuspage only");
    goto fail;
  }
  sp->http = mw_http_new(&config, err, errlen);
  if (!sp->http)
    goto fail;
  *state = sp;
  return 0;
fail:
  sp_close(sp);
  return -1;
}

static const char *component_for(const struct statuspage *sp, const char *service)
{
  size_t i;

  for (i = 0; i < sp->ncomponents; i++) {
    if (strcmp(sp->components[i].service, service) == 0)
      return sp->components[i].id;
  }
  return NULL;
}

static const char *status_for(const struct statuspage *sp, enum mw_state state)
{
  return state == MW_OK         ? "operational"
         : state == MW_WARNING  ? "degraded_performance"
         : state == MW_CRITICAL ? sp->critical_status
                                : sp->unknown_status;
}

static int cachet_status(const char *status)
{
  return strcmp(status, "operational") == 0            ? 1
         : strcmp(status, "degraded_performance") == 0 ? 2
         : strcmp(status, "partial_outage") == 0       ? 3
                                                       : 4;
}

/* One request with the key header; resp kept when asked. */
static void call(struct statuspage *sp, const char *method, const char *url, struct mw_buf *body,
                 mw_deadline deadline, struct mw_send_status *status, struct mw_http_response *keep)
{
  struct mw_http_request req;
  char auth[KEY_MAX + 32];
  char err[200];
  const char *headers[2] = {"Content-Type: application/json", auth};

  if (mw_http_token_header(sp->cachet ? "X-Cachet-Token: " : "Authorization: OAuth ", sp->key_file,
                           sp->key_env, auth, sizeof(auth), err, sizeof(err)) != 0) {
    memset(status, 0, sizeof(*status));
    status->outcome = MW_RETRY;
    snprintf(status->reason, sizeof(status->reason), "API key: %s", err);
    return;
  }
  memset(&req, 0, sizeof(req));
  req.method = method;
  req.url = url;
  req.headers = headers;
  req.n_headers = 2;
  req.body = body->data;
  req.body_len = body->len;
  mw_http_deliver(sp->http, &req, deadline, status, keep);
  explicit_bzero(auth, sizeof(auth));
}

static char *incident_file(const struct statuspage *sp, const char *component)
{
  struct mw_buf path;

  mw_buf_init(&path, 4096);
  mw_buf_addf(&path, "%s/incident-%s", sp->data_dir, component);
  return path.failed ? (mw_buf_free(&path), NULL) : path.data;
}

static void open_incident(struct statuspage *sp, const struct mw_event *ev, const char *component,
                          const char *cstatus, mw_deadline deadline, struct mw_send_status *status)
{
  struct mw_http_response resp;
  struct mw_buf url;
  struct mw_buf body;
  char *file = incident_file(sp, component);
  json_t *root = NULL;
  const char *id;
  char line[96];

  mw_buf_init(&url, 4096);
  mw_buf_init(&body, 64 * 1024);
  /* One is open already. A link planted in its place is none: the new one's file replaces it. */
  if (!file || mw_file_first_line(file, line, sizeof(line)) == 0 || errno == EACCES)
    goto cleanup;
  mw_buf_addf(&url, "%s/pages/%s/incidents", sp->url, sp->page);
  mw_buf_adds(&body, "{\"incident\":{\"name\":");
  {
    struct mw_buf name;
    mw_buf_init(&name, 4096);
    mw_buf_addf(&name, "%s %s", *ev->service ? ev->service : ev->host, mw_state_name(ev->state));
    mw_json_string(&body, mw_buf_str(&name));
    mw_buf_free(&name);
  }
  mw_buf_adds(&body, ",\"status\":\"investigating\",\"body\":");
  mw_json_string(&body, ev->output);
  mw_buf_addf(&body, ",\"component_ids\":[\"%s\"],\"components\":{\"%s\":\"%s\"}}}", component,
              component, cstatus);
  call(sp, "POST", mw_buf_str(&url), &body, deadline, status, &resp);
  if (status->outcome == MW_DELIVERED) {
    root = json_loadb(resp.body, resp.body_len, 0, NULL);
    id = json_string_value(json_object_get(root, "id"));
    if (id && is_id(id) && snprintf(line, sizeof(line), "%s\n", id) < (int)sizeof(line))
      (void)mw_file_replace(file, line, strlen(line), 0640);
  }
  mw_http_response_free(&resp);
cleanup:
  json_decref(root);
  mw_buf_free(&url);
  mw_buf_free(&body);
  free(file);
}

static void resolve_incident(struct statuspage *sp, const struct mw_event *ev,
                             const char *component, mw_deadline deadline,
                             struct mw_send_status *status)
{
  struct mw_buf url;
  struct mw_buf body;
  char *file = incident_file(sp, component);
  char id[80] = "";

  if (!file || mw_file_first_line(file, id, sizeof(id)) != 0) {
    free(file);
    return;
  }
  mw_buf_init(&url, 4096);
  mw_buf_init(&body, 64 * 1024);
  if (is_id(id)) {
    mw_buf_addf(&url, "%s/pages/%s/incidents/%s", sp->url, sp->page, id);
    mw_buf_adds(&body, "{\"incident\":{\"status\":\"resolved\",\"body\":");
    mw_json_string(&body, ev->output);
    mw_buf_adds(&body, "}}");
    call(sp, "PATCH", mw_buf_str(&url), &body, deadline, status, NULL);
  }
  /* Gone (404) or resolved: either way nothing is open any more. */
  if (status->outcome != MW_RETRY)
    unlink(file);
  if (status->outcome == MW_REJECTED)
    status->outcome = MW_DELIVERED;
  mw_buf_free(&url);
  mw_buf_free(&body);
  free(file);
}

static void sp_send(void *state, const struct mw_event *ev, mw_deadline deadline,
                    struct mw_send_status *status)
{
  struct statuspage *sp = state;
  const char *component = component_for(sp, ev->service);
  const char *cstatus = status_for(sp, ev->state);
  struct mw_buf url;
  struct mw_buf body;

  memset(status, 0, sizeof(*status));
  if (!component) {
    status->outcome = MW_DELIVERED;
    snprintf(status->reason, sizeof(status->reason), "no component for '%.80s'", ev->service);
    return;
  }
  if (strcasecmp(ev->type, "ACKNOWLEDGEMENT") == 0 || strncasecmp(ev->type, "FLAPPING", 8) == 0 ||
      strncasecmp(ev->type, "DOWNTIME", 8) == 0) {
    status->outcome = MW_DELIVERED;
    snprintf(status->reason, sizeof(status->reason), "%s: the component stays as it is", ev->type);
    return;
  }
  mw_buf_init(&url, 4096);
  mw_buf_init(&body, 4096);
  if (sp->cachet) {
    mw_buf_addf(&url, "%s/api/v1/components/%s", sp->url, component);
    mw_buf_addf(&body, "{\"status\":%d}", cachet_status(cstatus));
    call(sp, "PUT", mw_buf_str(&url), &body, deadline, status, NULL);
  } else {
    mw_buf_addf(&url, "%s/pages/%s/components/%s", sp->url, sp->page, component);
    mw_buf_addf(&body, "{\"component\":{\"status\":\"%s\"}}", cstatus);
    call(sp, "PATCH", mw_buf_str(&url), &body, deadline, status, NULL);
  }
  if (status->outcome == MW_DELIVERED && sp->incidents) {
    if (ev->state == MW_OK)
      resolve_incident(sp, ev, component, deadline, status);
    else
      open_incident(sp, ev, component, cstatus, deadline, status);
  }
  mw_buf_free(&url);
  mw_buf_free(&body);
}

static const struct mw_notifier statuspage = {
    MW_NOTIFIER_ABI,
    "statuspage",
    "A status-page component per service: Atlassian Statuspage or Cachet",
    "OK sets the component operational, WARNING degraded_performance, CRITICAL\n"
    "--critical-status, UNKNOWN --unknown-status (Cachet: 1 to 4). A service with no\n"
    "--component is left alone. Statuspage incidents (--incidents) open on a problem and are\n"
    "resolved on recovery.\n",
    options,
    sp_open,
    sp_send,
    sp_close};

const struct mw_notifier *mw_notifier_entry(void)
{
  return &statuspage;
}
