/* SPDX-License-Identifier: MIT */
/* mcp_post.c - one message of the Streamable HTTP transport: a POST whose answer is JSON or an
 * SSE stream, redirects followed as MCP clients follow them, requests the server makes on the
 * stream answered at once, and error answers summarised in one line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mcp_client.h"

const char *const mcp_captured[] = {"Mcp-Session-Id", "WWW-Authenticate", "Location"};

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

size_t mcp_common_headers(const struct mcp_client *client, bool foreign, const char **headers,
                          size_t max)
{
  size_t n = 0;
  size_t i;

  if (foreign)
    return 0;
  if (client->auth_header && n < max)
    headers[n++] = client->auth_header;
  for (i = 0; i < client->n_extra && n < max; i++)
    headers[n++] = client->extra_headers[i];
  return n;
}

/* Room for the headers a POST builds itself. */
struct post_header_text {
  char session[320];
  char version[64];
  char method[96];
};

/* The headers of a POST: content, then the session and version of a legacy session, or the
 * version, method and name of a modern request, then the common ones. */
static size_t post_headers(const struct mcp_client *client, bool foreign, const char **headers,
                           size_t max, struct post_header_text *text)
{
  size_t n = 0;

  headers[n++] = "Content-Type: application/json";
  headers[n++] = "Accept: application/json, text/event-stream";
  if (mcp_modern(client) && client->in_use == MCP_STREAMABLE) {
    snprintf(text->version, sizeof(text->version), "MCP-Protocol-Version: %s", client->version);
    headers[n++] = text->version;
    if (client->method) {
      snprintf(text->method, sizeof(text->method), "Mcp-Method: %.80s", client->method);
      headers[n++] = text->method;
    }
    if (client->name_header[0])
      headers[n++] = client->name_header;
    for (size_t i = 0; i < client->n_param && n < max; i++)
      headers[n++] = client->param_headers[i];
    return n + mcp_common_headers(client, foreign, headers + n, max - n);
  }
  if (client->session[0] && client->in_use == MCP_STREAMABLE) {
    snprintf(text->session, sizeof(text->session), "Mcp-Session-Id: %s", client->session);
    headers[n++] = text->session;
  }
  if (client->initialised && client->in_use == MCP_STREAMABLE) {
    snprintf(text->version, sizeof(text->version), "MCP-Protocol-Version: %s", client->version);
    headers[n++] = text->version;
  }
  return n + mcp_common_headers(client, foreign, headers + n, max - n);
}

/* The server asked us something (elicitation, sampling, roots): a monitor has nothing to give,
 * and a server waiting for the answer would hold the check until its timeout. -32601 at once,
 * on the side client: the main one is busy reading the stream this came on. */
static void answer_server_request(struct mcp_client *client, const char *url, json_t *request,
                                  mw_deadline deadline)
{
  const char *method = json_string_value(json_object_get(request, "method"));
  json_t *answer = json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
                             json_object_get(request, "id"), "error", "code", -32601, "message",
                             "mcpwatch is a monitor: it answers no requests");
  char *text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
  const char *headers[8 + MCP_MAX_PARAM_HEADERS + MCP_MAX_HEADERS];
  struct post_header_text header_text;
  char err[256];
  struct mw_http_request req = {.method = "POST", .url = url, .headers = headers, .body = text};
  struct mw_http_response resp;

  client->trace.server_requests++;
  snprintf(client->trace.server_method, sizeof(client->trace.server_method), "%s",
           method ? method : "(no method)");
  if (text && client->side) {
    req.body_len = strlen(text);
    req.n_headers = post_headers(client, client->endpoint_foreign, headers,
                                 sizeof(headers) / sizeof(headers[0]), &header_text);
    mw_http_perform(client->side, &req, &resp, deadline, err, sizeof(err));
    mw_http_response_free(&resp);
  }
  free(text);
  json_decref(answer);
}

int mcp_take_message(struct mcp_client *client, const char *url, json_t **reply, json_int_t id,
                     const char *data, size_t len, mw_deadline deadline, char *err, size_t errlen)
{
  json_error_t error;
  json_t *message = json_loadb(data, len, 0, &error);
  json_t *request_id = json_object_get(message, "id");

  if (!message) {
    snprintf(err, errlen, "invalid JSON in an SSE event: %s", error.text);
    return -1;
  }
  if (id != 0 && is_reply(message, id)) {
    *reply = message;
    return 1;
  }
  if (json_is_string(json_object_get(message, "method")) && request_id && !json_is_null(request_id))
    answer_server_request(client, url, message, deadline);
  json_decref(message); /* a notification, a request to us, or another id */
  return 0;
}

/* ---- the answer to one POST ------------------------------------------------------------- */

struct post_answer {
  struct mcp_client *client;
  const char *url;
  mw_deadline deadline;
  json_int_t id; /* 0: a notification, nothing awaited */
  bool decided;
  bool sse;
  struct sse_parser parser;
  struct mw_buf body;
  json_t *reply;
  char err[256];
};

static int on_post_event(void *ctx, const struct sse_event *event)
{
  struct post_answer *answer = ctx;

  if (event->data_len == 0 || strcmp(event->type, "message") != 0)
    return 0; /* priming events, keep-alives, other event types */
  return mcp_take_message(answer->client, answer->url, &answer->reply, answer->id, event->data,
                          event->data_len, answer->deadline, answer->err, sizeof(answer->err));
}

static int post_sink(void *ctx, const struct mw_http_response *resp, const char *data, size_t len)
{
  struct post_answer *answer = ctx;
  int result;

  if (!answer->decided) {
    answer->sse = resp->status >= 200 && resp->status <= 299 &&
                  strncasecmp(resp->content_type, "text/event-stream", 17) == 0;
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

static void answer_start(struct post_answer *answer, struct mcp_client *client, const char *url,
                         json_int_t id, mw_deadline deadline)
{
  memset(answer, 0, sizeof(*answer));
  answer->client = client;
  answer->url = url;
  answer->id = id;
  answer->deadline = deadline;
  sse_init(&answer->parser, client->max_message, on_post_event, answer);
  mw_buf_init(&answer->body, client->max_message);
}

static void answer_free(struct post_answer *answer)
{
  json_decref(answer->reply);
  answer->reply = NULL;
  sse_free(&answer->parser);
  mw_buf_free(&answer->body);
}

/* The first line of text, printable ASCII only, at most max characters. */
static void one_line(const char *text, size_t len, char *out, size_t outlen, size_t max)
{
  size_t n = 0;
  size_t i;

  for (i = 0; i < len && text[i] != '\n' && text[i] != '\r' && n + 1 < outlen && n < max; i++)
    out[n++] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
  while (n > 0 && out[n - 1] == ' ')
    n--;
  if (n == max && i < len && text[i] != '\n' && n + 4 < outlen) {
    memcpy(out + n, "...", 3);
    n += 3;
  }
  out[n] = '\0';
}

/* One line for an error answer: "HTTP 400: -32000 Server not initialized" (JSON-RPC),
 * "HTTP 500: server_error: database down" (OAuth), "HTTP 421: Invalid Host header" (text). */
static void describe_status(long status, const char *body, size_t len, char *err, size_t errlen)
{
  json_t *doc = json_loadb(body, len, 0, NULL);
  json_t *error = json_object_get(doc, "error");
  const char *message = json_string_value(json_object_get(error, "message"));
  const char *description = json_string_value(json_object_get(doc, "error_description"));
  char text[160];

  if (message) {
    one_line(message, strlen(message), text, sizeof(text), 120);
    snprintf(err, errlen, "HTTP %ld: %" JSON_INTEGER_FORMAT " %s", status,
             json_integer_value(json_object_get(error, "code")), text);
  } else if (json_is_string(error)) {
    char detail[160];

    one_line(json_string_value(error), json_string_length(error), text, sizeof(text), 60);
    one_line(description ? description : "", description ? strlen(description) : 0, detail,
             sizeof(detail), 100);
    snprintf(err, errlen, "HTTP %ld: %s%s%s", status, text, detail[0] ? ": " : "", detail);
  } else {
    while (len > 0 && (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')) {
      body++;
      len--;
    }
    one_line(body, len, text, sizeof(text), 120);
    snprintf(err, errlen, "HTTP %ld%s%s", status, text[0] ? ": " : "", text);
  }
  json_decref(doc);
}

void mcp_describe_auth(struct mcp_client *client, const struct mw_http_response *resp, char *err,
                       size_t errlen)
{
  const char *challenge = resp->captured[MCP_CAP_CHALLENGE];

  client->auth_status = resp->status;
  snprintf(client->challenge, sizeof(client->challenge), "%s", challenge ? challenge : "");
  snprintf(err, errlen, "HTTP %ld, %s%.200s", resp->status,
           challenge ? "the server asks for " : "no WWW-Authenticate challenge",
           challenge ? challenge : "");
}

static bool is_redirect(long status)
{
  return status == 301 || status == 302 || status == 307 || status == 308;
}

/* Where a redirect leads, into next: 0, or -1 with the reason in err. */
static int follow(struct mcp_client *client, const struct mw_http_response *resp, const char *from,
                  char *next, size_t nextlen, int followed, char *err, size_t errlen)
{
  const char *location = resp->captured[MCP_CAP_LOCATION];
  const char *path;

  if (!location || !location[0]) {
    snprintf(err, errlen, "HTTP %ld without a Location", resp->status);
    return -1;
  }
  if (followed >= client->max_redirects) {
    snprintf(err, errlen, "HTTP %ld: more than %ld redirects (--max-redirects)", resp->status,
             client->max_redirects);
    return -1;
  }
  if (mw_http_resolve_url(from, location, next, nextlen) != 0) {
    snprintf(err, errlen, "HTTP %ld to a Location that is no http(s) URL", resp->status);
    return -1;
  }
  client->trace.redirect_code = resp->status;
  path = strstr(next, "://");
  path = path ? strchr(path + 3, '/') : NULL;
  one_line(path ? path : "/", strcspn(path ? path : "/", "?#"), client->trace.redirect_path,
           sizeof(client->trace.redirect_path), 120);
  return 0;
}

#define RESUME_MAX 5        /* reconnections for one response */
#define RESUME_WAIT_MS 1000 /* when the server named no retry */
#define RESUME_WAIT_MAX_MS 10000

/* A legacy response stream closed before the response (2025-11-25 "Resumability"): after the
 * server's retry time, GET the endpoint with Last-Event-ID and read on, a few times at most. */
static enum mcp_status resume(struct mcp_client *client, const char *url, bool foreign,
                              struct post_answer *answer, mw_deadline deadline, char *err,
                              size_t errlen)
{
  int attempt;

  for (attempt = 0; attempt < RESUME_MAX && !answer->reply && answer->parser.id[0]; attempt++) {
    long wait_ms = answer->parser.retry_ms >= 0 ? answer->parser.retry_ms : RESUME_WAIT_MS;
    const char *headers[8 + MCP_MAX_PARAM_HEADERS + MCP_MAX_HEADERS];
    struct post_header_text text;
    char last_id[300];
    struct mw_http_request req = {.method = "GET",
                                  .url = url,
                                  .headers = headers,
                                  .sink = post_sink,
                                  .sink_ctx = answer,
                                  .capture = mcp_captured,
                                  .n_capture = MCP_N_CAPTURED};
    struct mw_http_response resp;
    enum mw_http_status http_status;
    struct timespec pause;

    if (wait_ms > RESUME_WAIT_MAX_MS)
      wait_ms = RESUME_WAIT_MAX_MS;
    if (mw_now_ns() + wait_ms * 1000000LL >= deadline)
      return MCP_TIMED_OUT;
    pause.tv_sec = wait_ms / 1000;
    pause.tv_nsec = wait_ms % 1000 * 1000000L;
    while (nanosleep(&pause, &pause) != 0)
      ;
    /* A POST's headers with the first two (Content-Type, Accept) made a GET's. */
    req.n_headers =
        post_headers(client, foreign, headers, sizeof(headers) / sizeof(headers[0]), &text);
    snprintf(last_id, sizeof(last_id), "Last-Event-ID: %s", answer->parser.id);
    headers[0] = "Accept: text/event-stream";
    headers[1] = last_id;
    sse_new_stream(&answer->parser);
    answer->decided = false;
    mw_buf_reset(&answer->body);
    memset(&resp, 0, sizeof(resp));
    client->trace.resumed++;
    http_status = mw_http_perform(client->http, &req, &resp, deadline, err, errlen);
    if (http_status == MW_HTTP_DONE && (resp.status != 200 || !answer->sse)) {
      describe_status(resp.status, mw_buf_str(&answer->body), answer->body.len, err, errlen);
      http_status = MW_HTTP_FAILED;
    }
    mw_http_response_free(&resp);
    if (http_status == MW_HTTP_TIMED_OUT)
      return MCP_TIMED_OUT;
    if (http_status != MW_HTTP_DONE) {
      size_t len = strlen(err);

      snprintf(err + len, errlen - len, " (resuming the response stream)");
      return MCP_FAILED;
    }
  }
  if (!answer->reply) {
    snprintf(err, errlen, "the SSE stream closed before the response%s",
             attempt ? " (resumed with Last-Event-ID, still none)" : "");
    return MCP_FAILED;
  }
  return MCP_OK;
}

/* The JSON-RPC error response in body (for id, or without one), or NULL. */
static json_t *rpc_error(const char *body, size_t len, json_int_t id)
{
  json_t *doc = json_loadb(body, len, 0, NULL);
  json_t *error = json_object_get(doc, "error");
  json_t *got = json_object_get(doc, "id");

  if (json_is_object(error) && json_is_integer(json_object_get(error, "code")) &&
      (!got || json_is_null(got) || (json_is_integer(got) && json_integer_value(got) == id)))
    return doc;
  json_decref(doc);
  return NULL;
}

enum mcp_status mcp_post(struct mcp_client *client, const char *url, const char *text,
                         json_int_t id, json_t **reply, mw_deadline deadline, char *err,
                         size_t errlen)
{
  char target[MCP_URL_MAX];
  char next[MCP_URL_MAX];
  struct post_header_text header_text;
  const char *headers[8 + MCP_MAX_PARAM_HEADERS + MCP_MAX_HEADERS];
  struct mw_http_request req = {.method = "POST",
                                .body = text,
                                .body_len = strlen(text),
                                .sink = post_sink,
                                .capture = mcp_captured,
                                .n_capture = MCP_N_CAPTURED};
  struct mw_http_response resp;
  struct post_answer answer;
  enum mw_http_status http_status;
  enum mcp_status result = MCP_FAILED;
  bool sent_session = client->session[0] != '\0' && client->in_use == MCP_STREAMABLE;
  bool foreign = url == client->endpoint && client->endpoint_foreign;
  int followed = 0;

  snprintf(target, sizeof(target), "%s", url);
  memset(&resp, 0, sizeof(resp));
  client->error_http = 0;
  for (;;) {
    answer_start(&answer, client, target, id, deadline);
    req.url = target;
    req.headers = headers;
    req.sink_ctx = &answer;
    req.n_headers =
        post_headers(client, foreign, headers, sizeof(headers) / sizeof(headers[0]), &header_text);
    http_status = mw_http_perform(client->http, &req, &resp, deadline, err, errlen);
    if (http_status != MW_HTTP_DONE || !is_redirect(resp.status))
      break;
    /* 307 and 308 keep the method and body by definition; MCP clients (the Python SDK's
     * FastMCP moves /mcp to /mcp/) POST again on 301 and 302 too. */
    if (follow(client, &resp, target, next, sizeof(next), followed, err, errlen) != 0)
      goto cleanup;
    if (!mw_http_same_origin(target, next)) {
      foreign = true;
      client->trace.redirect_foreign = true;
    }
    snprintf(target, sizeof(target), "%s", next);
    followed++;
    answer_free(&answer);
    mw_http_response_free(&resp);
  }
  if (http_status == MW_HTTP_TIMED_OUT) {
    result = MCP_TIMED_OUT;
    goto cleanup;
  }
  if (http_status != MW_HTTP_DONE) {
    if (answer.err[0])
      snprintf(err, errlen, "%s", answer.err);
    goto cleanup;
  }
  if (followed > 0 && url == client->endpoint) {
    /* The session lives where the redirect led: later messages go there at once. */
    snprintf(client->endpoint, sizeof(client->endpoint), "%s", target);
    client->endpoint_foreign = foreign;
  }
  if (resp.status == 401 || resp.status == 403) {
    mcp_describe_auth(client, &resp, err, errlen);
    result = MCP_AUTH;
    goto cleanup;
  }
  client->error_http = resp.status;
  /* A modern server answers a refused request with 4xx and a JSON-RPC error (-32022 with the
   * versions it speaks, -32020, -32601 with 404): an answer, for the caller to read. */
  if (mcp_modern(client) && resp.status >= 400 && resp.status <= 499 && !answer.sse &&
      (answer.reply = rpc_error(mw_buf_str(&answer.body), answer.body.len, id)) != NULL) {
    json_int_t code =
        json_integer_value(json_object_get(json_object_get(answer.reply, "error"), "code"));

    /* To a request of a kept modern era, a legacy error (-32000 "Server not initialized") or a
     * version refused says the server is not what it was: found out again. */
    if (!client->probing && (code == -32022 || (code <= -32000 && code >= -32019))) {
      describe_status(resp.status, mw_buf_str(&answer.body), answer.body.len, err, errlen);
      result = MCP_GONE;
      goto cleanup;
    }
    *reply = answer.reply;
    answer.reply = NULL;
    result = MCP_OK;
    goto cleanup;
  }
  /* A server that spoke the modern revision and now answers as no modern server does (replaced
   * by another): found out again, as a forgotten session is. */
  if (client->era == MCP_ERA_MODERN && !client->probing &&
      (resp.status == 400 || resp.status == 404 || resp.status == 405)) {
    describe_status(resp.status, mw_buf_str(&answer.body), answer.body.len, err, errlen);
    result = MCP_GONE;
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
  if (resp.captured[MCP_CAP_SESSION] && !client->initialised && !mcp_modern(client))
    snprintf(client->session, sizeof(client->session), "%s", resp.captured[MCP_CAP_SESSION]);
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
  } else if (!answer.reply && client->era != MCP_ERA_MODERN && !client->probing &&
             client->in_use == MCP_STREAMABLE && answer.parser.id[0]) {
    if ((result = resume(client, target, foreign, &answer, deadline, err, errlen)) != MCP_OK)
      goto cleanup;
  } else if (!answer.reply) {
    snprintf(err, errlen, "the SSE stream closed before the response");
    goto cleanup;
  }
  *reply = answer.reply;
  answer.reply = NULL;
  result = MCP_OK;
cleanup:
  answer_free(&answer);
  mw_http_response_free(&resp);
  return result;
}
