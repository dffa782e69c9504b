/* mcp_client.c - JSON-RPC over MCP's HTTP transports. Each message of the Streamable HTTP
 * transport is one POST whose answer is JSON or an SSE stream; the legacy transport POSTs to an
 * endpoint announced on a long GET stream and reads the answers there. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp_client.h"

static const char *const known_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
                                             NULL};
static const char *const captured[] = {"Mcp-Session-Id", "WWW-Authenticate"};
enum { CAP_SESSION, CAP_CHALLENGE };

void mcp_client_init(struct mcp_client *client, struct mw_http *http, const char *url,
                     enum mcp_transport transport, size_t max_message)
{
  memset(client, 0, sizeof(*client));
  client->http = http;
  client->url = url;
  client->transport = transport;
  client->max_message = max_message;
  client->next_id = 1;
}

/* An answer to request id: an object with that integer id and a result or an error. */
static bool is_reply(json_t *message, json_int_t id)
{
  json_t *got = json_object_get(message, "id");

  return json_is_integer(got) && json_integer_value(got) == id &&
         (json_object_get(message, "result") || json_object_get(message, "error"));
}

/* A batch answer (an array) may hold ours among others. */
static json_t *find_reply(json_t *doc, json_int_t id)
{
  size_t i;
  json_t *item;

  if (is_reply(doc, id))
    return json_incref(doc);
  json_array_foreach(doc, i, item)
  {
    if (is_reply(item, id))
      return json_incref(item);
  }
  return NULL;
}

/* ---- the answer to one POST ------------------------------------------------------------- */

struct post_answer {
  json_int_t id; /* 0: a notification, nothing awaited */
  bool decided;
  bool sse;
  struct sse_parser parser;
  struct mw_buf body;
  json_t *reply;
  char err[256];
};

static int take_message(json_t **reply, json_int_t id, const char *data, size_t len, char *err,
                        size_t errlen)
{
  json_error_t error;
  json_t *message = json_loadb(data, len, 0, &error);

  if (!message) {
    snprintf(err, errlen, "invalid JSON in an SSE event: %s", error.text);
    return -1;
  }
  if (id != 0 && is_reply(message, id)) {
    *reply = message;
    return 1;
  }
  json_decref(message); /* a notification, a request to us, or another id */
  return 0;
}

static int on_post_event(void *ctx, const struct sse_event *event)
{
  struct post_answer *answer = ctx;

  if (event->data_len == 0 || strcmp(event->type, "message") != 0)
    return 0; /* priming events, keep-alives, other event types */
  return take_message(&answer->reply, answer->id, event->data, event->data_len, answer->err,
                      sizeof(answer->err));
}

static int post_sink(void *ctx, const struct mw_http_response *resp, const char *data, size_t len)
{
  struct post_answer *answer = ctx;
  int result;

  if (!answer->decided) {
    answer->sse = strncasecmp(resp->content_type, "text/event-stream", 17) == 0;
    answer->decided = true;
  }
  if (!answer->sse)
    return mw_buf_add(&answer->body, data, len) == 0 ? 0 : MW_HTTP_SINK_FAIL;
  result = sse_feed(&answer->parser, data, len);
  if (result == 1)
    return MW_HTTP_SINK_DONE;
  if (result == SSE_TOO_LARGE)
    snprintf(answer->err, sizeof(answer->err), "an SSE event larger than %zu bytes",
             answer->body.max);
  return result == 0 ? 0 : MW_HTTP_SINK_FAIL;
}

/* "HTTP 400: -32000 Server not initialized" from an error answer's body, when it has one. */
static void describe_status(long status, const char *body, size_t len, char *err, size_t errlen)
{
  json_t *doc = json_loadb(body, len, 0, NULL);
  json_t *error = json_object_get(doc, "error");
  const char *message = json_string_value(json_object_get(error, "message"));

  if (message)
    snprintf(err, errlen, "HTTP %ld: %" JSON_INTEGER_FORMAT " %s", status,
             json_integer_value(json_object_get(error, "code")), message);
  else
    snprintf(err, errlen, "HTTP %ld", status);
  json_decref(doc);
}

static void describe_auth(const struct mw_http_response *resp, char *err, size_t errlen)
{
  const char *challenge = resp->captured[CAP_CHALLENGE];

  snprintf(err, errlen, "HTTP %ld, %s%.200s", resp->status,
           challenge ? "the server asks for " : "no WWW-Authenticate challenge",
           challenge ? challenge : "");
}

static size_t build_headers(const struct mcp_client *client, const char **headers)
{
  size_t n = 0;

  headers[n++] = "Content-Type: application/json";
  headers[n++] = "Accept: application/json, text/event-stream";
  if (client->auth_header)
    headers[n++] = client->auth_header;
  return n;
}

/* POSTs one message and reads the answer to id (0: none awaited). */
static enum mcp_status post(struct mcp_client *client, const char *url, const char *text,
                            json_int_t id, json_t **reply, mw_deadline deadline, char *err,
                            size_t errlen)
{
  char session[320];
  char version[64];
  const char *headers[6];
  struct mw_http_request req = {.method = "POST",
                                .url = url,
                                .headers = headers,
                                .body = text,
                                .body_len = strlen(text),
                                .sink = post_sink,
                                .capture = captured,
                                .n_capture = 2};
  struct mw_http_response resp;
  struct post_answer answer;
  enum mw_http_status http_status;
  enum mcp_status result = MCP_FAILED;
  bool sent_session = client->session[0] != '\0' && client->in_use == MCP_STREAMABLE;

  memset(&answer, 0, sizeof(answer));
  answer.id = id;
  req.sink_ctx = &answer;
  sse_init(&answer.parser, client->max_message, on_post_event, &answer);
  mw_buf_init(&answer.body, client->max_message);
  req.n_headers = build_headers(client, headers);
  if (sent_session) {
    snprintf(session, sizeof(session), "Mcp-Session-Id: %s", client->session);
    headers[req.n_headers++] = session;
  }
  if (client->initialised && client->in_use == MCP_STREAMABLE) {
    snprintf(version, sizeof(version), "MCP-Protocol-Version: %s", client->version);
    headers[req.n_headers++] = version;
  }
  http_status = mw_http_perform(client->http, &req, &resp, deadline, err, errlen);
  if (http_status == MW_HTTP_TIMED_OUT) {
    result = MCP_TIMED_OUT;
    goto cleanup;
  }
  if (http_status != MW_HTTP_DONE) {
    if (answer.err[0])
      snprintf(err, errlen, "%s", answer.err);
    goto cleanup;
  }
  if (resp.status == 401 || resp.status == 403) {
    describe_auth(&resp, err, errlen);
    result = MCP_AUTH;
    goto cleanup;
  }
  if (sent_session && (resp.status == 404 || resp.status == 400)) {
    describe_status(resp.status, mw_buf_str(&answer.body), answer.body.len, err, errlen);
    result = MCP_GONE;
    goto cleanup;
  }
  if (resp.status < 200 || resp.status > 299) {
    describe_status(resp.status, mw_buf_str(&answer.body), answer.body.len, err, errlen);
    goto cleanup;
  }
  if (resp.captured[CAP_SESSION] && !client->initialised)
    snprintf(client->session, sizeof(client->session), "%s", resp.captured[CAP_SESSION]);
  if (id == 0) {
    result = MCP_OK;
    goto cleanup;
  }
  if (!answer.sse) {
    json_error_t error;
    json_t *doc = json_loadb(mw_buf_str(&answer.body), answer.body.len, 0, &error);

    if (!doc) {
      snprintf(err, errlen, "invalid JSON in the answer: %s", error.text);
      goto cleanup;
    }
    answer.reply = find_reply(doc, id);
    json_decref(doc);
    if (!answer.reply) {
      snprintf(err, errlen, "the answer holds no response with id %" JSON_INTEGER_FORMAT, id);
      goto cleanup;
    }
  } else if (!answer.reply) {
    snprintf(err, errlen, "the SSE stream closed before the response");
    goto cleanup;
  }
  *reply = answer.reply;
  answer.reply = NULL;
  result = MCP_OK;
cleanup:
  json_decref(answer.reply);
  sse_free(&answer.parser);
  mw_buf_free(&answer.body);
  mw_http_response_free(&resp);
  return result;
}

/* ---- the legacy HTTP+SSE transport ------------------------------------------------------ */

static int on_legacy_event(void *ctx, const struct sse_event *event)
{
  struct mcp_legacy *legacy = ctx;
  json_t *reply = NULL;
  int taken;

  if (strcmp(event->type, "endpoint") == 0) {
    snprintf(legacy->endpoint, sizeof(legacy->endpoint), "%s", event->data);
    return 0;
  }
  if (event->data_len == 0 || strcmp(event->type, "message") != 0 || legacy->reply)
    return 0;
  taken = take_message(&reply, legacy->awaited, event->data, event->data_len, legacy->err,
                       sizeof(legacy->err));
  if (taken < 0) {
    legacy->failed = true;
    return taken;
  }
  legacy->reply = reply;
  return 0;
}

static int legacy_sink(void *ctx, const struct mw_http_response *resp, const char *data, size_t len)
{
  struct mcp_legacy *legacy = ctx;
  int result;

  if (resp->status != 200) {
    snprintf(legacy->err, sizeof(legacy->err), "the event stream answered HTTP %ld", resp->status);
    legacy->failed = true;
    return MW_HTTP_SINK_FAIL;
  }
  result = sse_feed(&legacy->sse, data, len);
  if (result != 0) {
    if (result == SSE_TOO_LARGE)
      snprintf(legacy->err, sizeof(legacy->err), "an SSE event larger than the limit");
    legacy->failed = true;
    return MW_HTTP_SINK_FAIL;
  }
  return legacy->endpoint[0] && (legacy->awaited == 0 || legacy->reply) ? MW_HTTP_SINK_DONE : 0;
}

static enum mcp_status from_http(enum mw_http_status status, struct mcp_legacy *legacy, char *err,
                                 size_t errlen)
{
  if (status == MW_HTTP_DONE)
    return MCP_OK;
  if (legacy->failed && legacy->err[0])
    snprintf(err, errlen, "%s", legacy->err);
  if (legacy->resp.status == 401 || legacy->resp.status == 403) {
    describe_auth(&legacy->resp, err, errlen);
    return MCP_AUTH;
  }
  return status == MW_HTTP_TIMED_OUT ? MCP_TIMED_OUT : MCP_FAILED;
}

static enum mcp_status legacy_open(struct mcp_client *client, mw_deadline deadline, char *err,
                                   size_t errlen)
{
  struct mcp_legacy *legacy = &client->legacy;
  const char *headers[3] = {"Accept: text/event-stream", client->auth_header, NULL};
  struct mw_http_request req = {.url = client->url,
                                .headers = headers,
                                .n_headers = client->auth_header ? 2 : 1,
                                .sink = legacy_sink,
                                .sink_ctx = legacy,
                                .capture = captured,
                                .n_capture = 2};
  char relative[sizeof(legacy->endpoint)];
  enum mw_http_status status;

  sse_init(&legacy->sse, client->max_message, on_legacy_event, legacy);
  status = mw_http_stream_open(client->http, &req, &legacy->resp, &legacy->stream, deadline, err,
                               errlen);
  if (status != MW_HTTP_DONE)
    return from_http(status, legacy, err, errlen);
  snprintf(relative, sizeof(relative), "%s", legacy->endpoint);
  if (mw_http_resolve_url(client->url, relative, legacy->endpoint, sizeof(legacy->endpoint)) != 0) {
    snprintf(err, errlen, "the endpoint event names no usable URL");
    return MCP_FAILED;
  }
  return MCP_OK;
}

static enum mcp_status legacy_exchange(struct mcp_client *client, const char *text, json_int_t id,
                                       json_t **reply, mw_deadline deadline, char *err,
                                       size_t errlen)
{
  struct mcp_legacy *legacy = &client->legacy;
  enum mcp_status result;
  enum mw_http_status status = MW_HTTP_DONE;

  legacy->awaited = id;
  result = post(client, legacy->endpoint, text, 0, NULL, deadline, err, errlen);
  if (result != MCP_OK || id == 0)
    return result;
  if (!legacy->reply)
    status = mw_http_stream_pump(legacy->stream, deadline, err, errlen);
  if (status != MW_HTTP_DONE)
    return from_http(status, legacy, err, errlen);
  *reply = legacy->reply;
  legacy->reply = NULL;
  legacy->awaited = 0;
  return MCP_OK;
}

static void legacy_close(struct mcp_legacy *legacy)
{
  if (legacy->stream) {
    mw_http_stream_close(legacy->stream);
    sse_free(&legacy->sse);
  }
  json_decref(legacy->reply);
  memset(legacy, 0, sizeof(*legacy));
}

/* ---- requests --------------------------------------------------------------------------- */

static enum mcp_status exchange(struct mcp_client *client, const char *method, json_t *params,
                                bool notification, json_t **result, mw_deadline deadline, char *err,
                                size_t errlen)
{
  json_int_t id = notification ? 0 : client->next_id++;
  json_t *message = json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", method, "params",
                              params ? params : json_object());
  json_t *reply = NULL;
  json_t *error;
  char *text = NULL;
  enum mcp_status status = MCP_FAILED;

  if (!message || (!notification && json_object_set_new(message, "id", json_integer(id)) != 0) ||
      !(text = json_dumps(message, JSON_COMPACT))) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  if (client->in_use == MCP_SSE)
    status = legacy_exchange(client, text, id, &reply, deadline, err, errlen);
  else
    status = post(client, client->url, text, id, &reply, deadline, err, errlen);
  if (status != MCP_OK || notification)
    goto cleanup;
  error = json_object_get(reply, "error");
  if (error) {
    snprintf(err, errlen, "%s: error %" JSON_INTEGER_FORMAT " %.200s", method,
             json_integer_value(json_object_get(error, "code")),
             json_string_value(json_object_get(error, "message"))
                 ? json_string_value(json_object_get(error, "message"))
                 : "(no message)");
    status = MCP_RPC_ERROR;
    goto cleanup;
  }
  *result = json_incref(json_object_get(reply, "result"));
cleanup:
  free(text);
  json_decref(message);
  json_decref(reply);
  return status;
}

enum mcp_status mcp_request(struct mcp_client *client, const char *method, json_t *params,
                            json_t **result, mw_deadline deadline, char *err, size_t errlen)
{
  return exchange(client, method, params, false, result, deadline, err, errlen);
}

static enum mcp_status read_init_result(struct mcp_client *client, json_t *result, char *err,
                                        size_t errlen)
{
  const char *version = json_string_value(json_object_get(result, "protocolVersion"));
  json_t *info = json_object_get(result, "serverInfo");
  const char *name = json_string_value(json_object_get(info, "name"));
  const char *server_version = json_string_value(json_object_get(info, "version"));
  size_t i;

  if (!version) {
    snprintf(err, errlen, "initialize: the answer names no protocolVersion");
    return MCP_FAILED;
  }
  for (i = 0; known_versions[i] && strcmp(known_versions[i], version) != 0; i++)
    ;
  if (!known_versions[i]) {
    snprintf(err, errlen,
             "the server speaks MCP %.40s, which mcpwatch does not (it knows %s "
             "down to 2024-11-05)",
             version, MCP_OFFERED_VERSION);
    return MCP_FAILED;
  }
  snprintf(client->version, sizeof(client->version), "%s", version);
  snprintf(client->server_name, sizeof(client->server_name), "%s", name ? name : "unnamed");
  snprintf(client->server_version, sizeof(client->server_version), "%s",
           server_version ? server_version : "?");
  return MCP_OK;
}

static json_t *init_params(void)
{
  return json_pack("{s:s,s:{},s:{s:s,s:s}}", "protocolVersion", MCP_OFFERED_VERSION, "capabilities",
                   "clientInfo", "name", "mcpwatch", "version", PACKAGE_VERSION);
}

/* initialize again over the legacy transport, after the POST failed with first. */
static enum mcp_status initialise_legacy(struct mcp_client *client, const char *first,
                                         json_t **result, mw_deadline deadline, char *err,
                                         size_t errlen)
{
  char post_error[256];
  char legacy_error[256];
  enum mcp_status status;

  snprintf(post_error, sizeof(post_error), "%s", first);
  client->in_use = MCP_SSE;
  status = legacy_open(client, deadline, err, errlen);
  if (status == MCP_OK)
    status = exchange(client, "initialize", init_params(), false, result, deadline, err, errlen);
  if (status != MCP_OK) {
    /* Both ways failed: say what each answered. */
    snprintf(legacy_error, sizeof(legacy_error), "%s", err);
    snprintf(err, errlen, "POST %s; as legacy SSE: %s", post_error, legacy_error);
  }
  return status;
}

enum mcp_status mcp_initialise(struct mcp_client *client, mw_deadline deadline, char *err,
                               size_t errlen)
{
  json_t *result = NULL;
  enum mcp_status status;

  client->initialised = false;
  client->session[0] = '\0';
  legacy_close(&client->legacy);
  client->in_use = client->transport == MCP_SSE ? MCP_SSE : MCP_STREAMABLE;
  if (client->in_use == MCP_SSE && (status = legacy_open(client, deadline, err, errlen)) != MCP_OK)
    return status;
  status = exchange(client, "initialize", init_params(), false, &result, deadline, err, errlen);
  /* An older server answers the POST 400, 404 or 405: the legacy transport at the same URL. */
  if (status == MCP_FAILED && client->transport == MCP_AUTO &&
      (strncmp(err, "HTTP 400", 8) == 0 || strncmp(err, "HTTP 404", 8) == 0 ||
       strncmp(err, "HTTP 405", 8) == 0))
    status = initialise_legacy(client, err, &result, deadline, err, errlen);
  if (status == MCP_OK)
    status = read_init_result(client, result, err, errlen);
  json_decref(result);
  if (status != MCP_OK)
    return status;
  client->initialised = true;
  return exchange(client, "notifications/initialized", NULL, true, NULL, deadline, err, errlen);
}

void mcp_end_session(struct mcp_client *client, mw_deadline deadline)
{
  char session[320];
  char version[64];
  const char *headers[3];
  struct mw_http_request req = {.method = "DELETE", .url = client->url, .headers = headers};
  struct mw_http_response resp;
  char err[256];

  if (client->in_use == MCP_STREAMABLE && client->session[0]) {
    snprintf(session, sizeof(session), "Mcp-Session-Id: %s", client->session);
    snprintf(version, sizeof(version), "MCP-Protocol-Version: %s", client->version);
    headers[req.n_headers++] = session;
    headers[req.n_headers++] = version;
    if (client->auth_header)
      headers[req.n_headers++] = client->auth_header;
    /* 200 and 405 (the server does not let clients end sessions) are both fine. */
    mw_http_perform(client->http, &req, &resp, deadline, err, sizeof(err));
    mw_http_response_free(&resp);
  }
  legacy_close(&client->legacy);
  client->session[0] = '\0';
  client->initialised = false;
}

void mcp_client_free(struct mcp_client *client)
{
  legacy_close(&client->legacy);
}
