/* SPDX-License-Identifier: MIT */
/* agent_http.c - the agent's own HTTP server (libmicrohttpd), on when http: { listen } is set:
 * GET /health and /health/SERVICE answer as a load balancer or a Kubernetes probe expects
 * (application/health+json, 200 or 503), GET /metrics as Prometheus scrapes (agent_metrics.c). The
 * server outlives a reload: it reads whichever agent is attached, under its own lock, and the
 * agent's state under the agent's lock. One thread polls every connection; connections are capped
 * and time out, so a slow client holds no worker and never delays a check. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "agent_impl.h"

#define MAX_DAEMONS 8
#define CONNECTION_LIMIT 64
#define CONNECTION_TIMEOUT_S 10
#define BODY_MAX (8u << 20)
#define PEM_MAX (1u << 20)

struct agent_http {
  struct MHD_Daemon *daemons[MAX_DAEMONS];
  size_t ndaemons;
  pthread_mutex_t lock; /* guards agent */
  struct agent *agent;
  int degraded_status;
  struct http_auth *auth; /* NULL: every request is answered */
  char *tls_cert;         /* PEM texts, kept while the daemons run */
  char *tls_key;
  char *status_path;        /* the agent's status file: /api/v1/status and the page read it */
  pthread_mutex_t why_lock; /* guards started and why */
  bool started;             /* libmicrohttpd's messages: kept in why until then, logged after */
  char why[256];
};

/* The health check format's status of an instance's or a service's state. */
static const char *health_word(const char *state)
{
  if (strcmp(state, "OK") == 0 || strcmp(state, "HEALTHY") == 0)
    return "pass";
  if (strcmp(state, "WARNING") == 0 || strcmp(state, "DEGRADED") == 0 ||
      strcmp(state, "PENDING") == 0)
    return "warn";
  return "fail";
}

static void check_entry(struct mw_buf *out, bool *first, const char *kind, const char *name,
                        const char *state, const char *summary)
{
  mw_buf_adds(out, *first ? "" : ",");
  *first = false;
  mw_buf_addf(out, "\"%s:", kind);
  /* the name inside the key, escaped as a JSON string without its quotes */
  {
    struct mw_buf key;

    mw_buf_init(&key, 4096);
    mw_json_string(&key, name);
    mw_buf_add(out, mw_buf_str(&key) + 1, key.len > 2 ? key.len - 2 : 0);
    mw_buf_free(&key);
  }
  mw_buf_addf(out,
              "\":[{\"status\":\"%s\",\"observedValue\":\"%s\",\"output\":", health_word(state),
              state);
  mw_json_string(out, summary);
  mw_buf_adds(out, "}]");
}

/* The health document of the whole agent, or of the service called only (NULL: all): "fail"
 * with HTTP 503 when a service is UNHEALTHY (or, with no services, an instance is CRITICAL or
 * UNKNOWN), "warn" with degraded_status when one is DEGRADED (or an instance WARNING), else
 * "pass" with 200; 404 for an unknown service. */
static unsigned render_health(struct agent_http *h, const char *only, struct mw_buf *out)
{
  struct agent *a = h->agent;
  unsigned status = 200;
  const char *word = "pass";
  bool first = true;
  bool found = only == NULL;
  size_t i;

  if (!a) {
    mw_buf_adds(out, "{\"status\":\"fail\",\"output\":\"the agent is reloading\"}");
    return 503;
  }
  mw_buf_adds(out, "{\"status\":\"@@@@\",\"serviceId\":\"mcpwatch\",\"checks\":{");
  pthread_mutex_lock(&a->lock);
  for (i = 0; i < a->nservices; i++) {
    const struct agent_service *sv = &a->services[i];

    if (only && strcmp(only, sv->svc->name) != 0)
      continue;
    found = true;
    check_entry(out, &first, "service", sv->svc->name, sv->word, sv->summary);
    if (strcmp(sv->word, "UNHEALTHY") == 0) {
      status = 503;
      word = "fail";
    } else if (strcmp(sv->word, "DEGRADED") == 0 && strcmp(word, "fail") != 0) {
      status = status == 503 ? 503 : (unsigned)h->degraded_status;
      word = "warn";
    }
  }
  for (i = 0; i < a->n && !only; i++) {
    const struct agent_inst *ai = &a->insts[i];
    const char *state = ai->last_run ? mw_state_name(ai->last_state) : "PENDING";

    check_entry(out, &first, "instance", ai->inst->name, state, ai->summary);
    if (a->nservices == 0 && ai->last_run &&
        (ai->last_state == MW_CRITICAL || ai->last_state == MW_UNKNOWN)) {
      status = 503;
      word = "fail";
    } else if (a->nservices == 0 && ai->last_run && ai->last_state == MW_WARNING &&
               strcmp(word, "fail") != 0) {
      word = "warn";
    }
  }
  pthread_mutex_unlock(&a->lock);
  mw_buf_adds(out, "}}");
  if (!found)
    return 404;
  /* the overall status, now that it is known: the placeholder has the same length */
  if (!out->failed) {
    char *at = strstr(out->data, "@@@@");

    memcpy(at, word, 4);
  }
  return status;
}

static enum MHD_Result answer(struct MHD_Connection *connection, unsigned status, const char *type,
                              const char *body, size_t len)
{
  struct MHD_Response *response =
      MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result result;

  if (!response)
    return MHD_NO;
  MHD_add_response_header(response, "Content-Type", type);
  MHD_add_response_header(response, "Cache-Control", "no-store");
  MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
  result = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return result;
}

/* 401 with the challenge of the credentials configured. */
static enum MHD_Result refuse(struct agent_http *h, struct MHD_Connection *connection)
{
  static const char text[] = "credentials required\n";
  struct MHD_Response *response =
      MHD_create_response_from_buffer(sizeof(text) - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
  enum MHD_Result result;

  if (!response)
    return MHD_NO;
  MHD_add_response_header(response, "Content-Type", "text/plain");
  MHD_add_response_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE, http_auth_challenge(h->auth));
  result = MHD_queue_response(connection, MHD_HTTP_UNAUTHORIZED, response);
  MHD_destroy_response(response);
  return result;
}

/* Whether the client asks for OpenMetrics (Prometheus does, before the text format). */
static bool wants_openmetrics(struct MHD_Connection *connection)
{
  const char *accept = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Accept");

  return accept && strstr(accept, "application/openmetrics-text") != NULL;
}

/* GET /metrics: the Prometheus text format (0.0.4), or OpenMetrics 1.0 when asked. */
static enum MHD_Result metrics(struct agent_http *h, struct MHD_Connection *connection)
{
  struct mw_buf body;
  unsigned status = 200;
  enum MHD_Result result;
  bool open_metrics = wants_openmetrics(connection);

  mw_buf_init(&body, BODY_MAX);
  pthread_mutex_lock(&h->lock);
  if (!h->agent) {
    mw_buf_adds(&body, "# the agent is reloading\n");
    status = 503;
  } else {
    pthread_mutex_lock(&h->agent->lock);
    if (agent_render_metrics(h->agent, &body) != 0)
      status = 500;
    pthread_mutex_unlock(&h->agent->lock);
  }
  pthread_mutex_unlock(&h->lock);
  if (open_metrics && status == 200) {
    struct mw_buf converted;

    mw_buf_init(&converted, BODY_MAX);
    if (mw_prom_openmetrics(mw_buf_str(&body), &converted) == 0) {
      result =
          answer(connection, status, "application/openmetrics-text; version=1.0.0; charset=utf-8",
                 mw_buf_str(&converted), converted.len);
      mw_buf_free(&converted);
      mw_buf_free(&body);
      return result;
    }
    mw_buf_free(&converted);
  }
  result = answer(connection, status, "text/plain; version=0.0.4; charset=utf-8", mw_buf_str(&body),
                  body.len);
  mw_buf_free(&body);
  return result;
}

/* GET /api/v1/status: what `mcpwatch status --format json` prints, from the same file. */
static enum MHD_Result api_status(struct agent_http *h, struct MHD_Connection *connection)
{
  struct status_view st;
  struct mw_buf body;
  char err[MW_ERR_MAX];
  unsigned status = 200;
  FILE *fp = fopen(h->status_path, "re");
  enum MHD_Result result;

  memset(&st, 0, sizeof(st));
  st.now = (long long)time(NULL);
  mw_buf_init(&body, BODY_MAX);
  if (!fp || status_view_read(fp, &st, err, sizeof(err)) != 0) {
    /* Before the first status is written (the agent just started): the error as JSON. */
    mw_buf_adds(&body, "{\"state\":\"UNKNOWN\",\"exit_code\":3,\"error\":");
    mw_json_string(&body, fp ? err : strerror(errno));
    mw_buf_adds(&body, "}\n");
    status = 503;
  } else {
    status_view_json(&st, status_view_worst(&st), &body);
  }
  if (fp)
    fclose(fp);
  status_view_free(&st);
  if (body.failed)
    status = 500;
  result = answer(connection, status, "application/json", mw_buf_str(&body), body.len);
  mw_buf_free(&body);
  return result;
}

/* GET /: the status page (agent_page.c), under the server's lock so that the agent it reads
 * (service members) is not retired meanwhile. */
static enum MHD_Result page(struct agent_http *h, struct MHD_Connection *connection)
{
  struct mw_buf body;
  char history[4200] = "";
  unsigned status = 200;
  enum MHD_Result result;
  int rendered;

  mw_buf_init(&body, BODY_MAX);
  pthread_mutex_lock(&h->lock);
  if (h->agent && h->agent->history)
    snprintf(history, sizeof(history), "%s/history.db", forwarder_state_dir(h->agent->forwarder));
  rendered = agent_render_page(h->agent, h->status_path, history[0] ? history : NULL, &body);
  pthread_mutex_unlock(&h->lock);
  if (rendered != 0) {
    mw_buf_reset(&body);
    mw_buf_adds(&body, "<!doctype html><title>mcpwatch</title><p>No status yet: the agent has "
                       "just started, or cannot write its status file.</p>\n");
    status = 503;
  }
  result = answer(connection, status, "text/html; charset=utf-8", mw_buf_str(&body), body.len);
  mw_buf_free(&body);
  return result;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
  struct agent_http *h = cls;
  struct mw_buf body;
  unsigned status;
  enum MHD_Result result;

  (void)version;
  (void)upload_data;
  /* The first call is for the headers alone: answer on the second, as libmicrohttpd asks. */
  if (*req_cls == NULL) {
    *req_cls = h;
    return MHD_YES;
  }
  /* Nothing here takes a body: the answer goes out on the second call, before any body is read
   * (libmicrohttpd then closes the connection), so a client announcing a gigabyte costs
   * nothing. */
  *upload_data_size = 0;
  if (!http_auth_allows(h->auth, MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_AUTHORIZATION)))
    return refuse(h, connection);
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    static const char text[] = "only GET and HEAD\n";

    return answer(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", text, sizeof(text) - 1);
  }
  if (strcmp(url, "/metrics") == 0)
    return metrics(h, connection);
  if (strcmp(url, "/api/v1/status") == 0)
    return api_status(h, connection);
  if (strcmp(url, "/") == 0)
    return page(h, connection);
  if (strcmp(url, "/health") != 0 && strncmp(url, "/health/", 8) != 0) {
    static const char text[] = "not found\n";

    return answer(connection, MHD_HTTP_NOT_FOUND, "text/plain", text, sizeof(text) - 1);
  }
  mw_buf_init(&body, BODY_MAX);
  pthread_mutex_lock(&h->lock);
  status = render_health(h, url[7] == '/' ? url + 8 : NULL, &body);
  pthread_mutex_unlock(&h->lock);
  if (body.failed)
    status = 500;
  result = answer(connection, status, "application/health+json", mw_buf_str(&body), body.len);
  mw_buf_free(&body);
  return result;
}

/* libmicrohttpd's own messages: the last one before the start explains a refusal (a key that does
 * not match the certificate); later ones (a client's failed handshake) go to the log, where
 * repeats are held back. */
static void mhd_message(void *cls, const char *fmt, va_list ap) MW_PRINTF(2, 0);
static void mhd_message(void *cls, const char *fmt, va_list ap)
{
  struct agent_http *h = cls;
  char line[256];

  vsnprintf(line, sizeof(line), fmt, ap);
  line[strcspn(line, "\r\n")] = '\0';
  if (!line[0])
    return;
  /* A daemon already running may log while the next one starts: why has its own lock. */
  pthread_mutex_lock(&h->why_lock);
  if (h->started)
    agent_log("warning: http: %s", line);
  else if (!h->why[0])
    snprintf(h->why, sizeof(h->why), "%s", line);
  pthread_mutex_unlock(&h->why_lock);
}

static char *read_pem(const char *path, const char *what, char *err, size_t errlen)
{
  FILE *fp = fopen(path, "re");
  char *text = malloc(PEM_MAX + 1);
  size_t len = 0;

  if (fp && text) {
    len = fread(text, 1, PEM_MAX + 1, fp);
    text[len > PEM_MAX ? PEM_MAX : len] = '\0';
  }
  if (!fp || !text || ferror(fp) || len > PEM_MAX || !strstr(text, "-----BEGIN ")) {
    snprintf(err, errlen, "http: %s %s: %s", what, path,
             !fp     ? strerror(errno)
             : !text ? "out of memory"
                     : "not a PEM file of 1 MiB at most");
    free(text);
    text = NULL;
  }
  if (fp)
    fclose(fp);
  return text;
}

static int load_tls(struct agent_http *h, const struct mw_http_server_conf *conf, char *err,
                    size_t errlen)
{
  if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    snprintf(err, errlen, "http: tls_cert: this libmicrohttpd was built without TLS");
    return -1;
  }
  h->tls_cert = read_pem(conf->tls_cert, "tls_cert", err, errlen);
  if (!h->tls_cert)
    return -1;
  h->tls_key = read_pem(conf->tls_key, "tls_key", err, errlen);
  return h->tls_key ? 0 : -1;
}

/* One listen address into a socket address: 0, or -1 when it is no numeric address. */
static int listen_address(const char *text, struct sockaddr_storage *addr)
{
  char host[64];
  const char *colon = strrchr(text, ':');
  size_t len = colon ? (size_t)(colon - text) : 0;
  long port = colon ? strtol(colon + 1, NULL, 10) : 0;
  struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;

  memset(addr, 0, sizeof(*addr));
  if (!colon || len == 0 || len >= sizeof(host))
    return -1;
  if (text[0] == '[') {
    memcpy(host, text + 1, len - 2);
    host[len - 2] = '\0';
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    return inet_pton(AF_INET6, host, &v6->sin6_addr) == 1 ? 0 : -1;
  }
  memcpy(host, text, len);
  host[len] = '\0';
  if (strcmp(host, "localhost") == 0)
    snprintf(host, sizeof(host), "127.0.0.1");
  v4->sin_family = AF_INET;
  v4->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, host, &v4->sin_addr) == 1 ? 0 : -1;
}

struct agent_http *agent_http_start(const struct mw_http_server_conf *conf, const char *status_path,
                                    char *err, size_t errlen)
{
  struct agent_http *h;
  size_t i;

  err[0] = '\0';
  if (conf->nlisten == 0)
    return NULL;
  if (conf->nlisten > MAX_DAEMONS) {
    snprintf(err, errlen, "http: at most %d listen addresses", MAX_DAEMONS);
    return NULL;
  }
  h = calloc(1, sizeof(*h));
  if (!h) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&h->lock, NULL);
  pthread_mutex_init(&h->why_lock, NULL);
  h->status_path = strdup(status_path);
  if (!h->status_path) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  h->degraded_status = conf->degraded_status ? conf->degraded_status : 200;
  if ((conf->basic_file || conf->token_file) && !(h->auth = http_auth_load(conf, err, errlen)))
    goto fail;
  if (conf->tls_cert && load_tls(h, conf, err, errlen) != 0)
    goto fail;
  for (i = 0; i < conf->nlisten; i++) {
    struct sockaddr_storage addr;
    char why[256];

    if (listen_address(conf->listen[i], &addr) != 0) {
      snprintf(err, errlen, "http: listen %s: not a numeric address and port", conf->listen[i]);
      goto fail;
    }
    /* Without TLS the key and certificate options are ended early by the MHD_OPTION_END. */
    h->daemons[h->ndaemons] = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
            (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (h->tls_cert ? MHD_USE_TLS : 0),
        0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_message, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
        h->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, h->tls_cert,
        MHD_OPTION_HTTPS_MEM_KEY, h->tls_key, MHD_OPTION_END);
    if (!h->daemons[h->ndaemons]) {
      pthread_mutex_lock(&h->why_lock);
      snprintf(why, sizeof(why), "%s", h->why);
      pthread_mutex_unlock(&h->why_lock);
      if (why[0])
        snprintf(err, errlen, "http: cannot listen on %s: %s", conf->listen[i], why);
      else
        snprintf(err, errlen, "http: cannot listen on %s (in use, or not this machine's)",
                 conf->listen[i]);
      goto fail;
    }
    h->ndaemons++;
  }
  pthread_mutex_lock(&h->why_lock);
  h->started = true;
  pthread_mutex_unlock(&h->why_lock);
  return h;
fail:
  agent_http_stop(h);
  return NULL;
}

void agent_http_attach(struct agent_http *h, struct agent *a)
{
  if (!h)
    return;
  pthread_mutex_lock(&h->lock);
  h->agent = a;
  pthread_mutex_unlock(&h->lock);
}

void agent_http_stop(struct agent_http *h)
{
  size_t i;

  if (!h)
    return;
  for (i = 0; i < h->ndaemons; i++)
    MHD_stop_daemon(h->daemons[i]);
  http_auth_free(h->auth);
  free(h->status_path);
  free(h->tls_cert);
  if (h->tls_key) {
    explicit_bzero(h->tls_key, strlen(h->tls_key));
    free(h->tls_key);
  }
  pthread_mutex_destroy(&h->lock);
  pthread_mutex_destroy(&h->why_lock);
  free(h);
}
