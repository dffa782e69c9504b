/* SPDX-License-Identifier: MIT */
/* mcp_client.c - JSON-RPC over MCP's HTTP transports, in either era. Each message of the
 * Streamable HTTP transport is one POST whose answer is JSON or an SSE stream (mcp_post.c); the
 * legacy transport POSTs to an endpoint announced on a long GET stream and reads the answers
 * there. A modern request carries its version, capabilities and client in _meta; a legacy one
 * rides on the session initialize opened. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp_client.h"

static const char *const known_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
                                             NULL};
static const char *const modern_versions[] = {MCP_MODERN_VERSION, NULL};

bool mcp_modern_version(const char *version)
{
  size_t i;

  for (i = 0; modern_versions[i]; i++)
    if (strcmp(modern_versions[i], version) == 0)
      return true;
  return false;
}

void mcp_client_init(struct mcp_client *client, struct mw_http *http, struct mw_http *side,
                     const char *url, enum mcp_transport transport, size_t max_message,
                     long max_redirects)
{
  memset(client, 0, sizeof(*client));
  client->http = http;
  client->side = side;
  client->url = url;
  snprintf(client->endpoint, sizeof(client->endpoint), "%s", url);
  client->transport = transport;
  client->max_message = max_message;
  client->max_redirects = max_redirects;
  client->next_id = 1;
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
  taken = mcp_take_message(legacy->client, legacy->endpoint, &reply, legacy->awaited, event->data,
                           event->data_len, legacy->deadline, legacy->err, sizeof(legacy->err));
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
    mcp_describe_auth(&legacy->resp, err, errlen);
    return MCP_AUTH;
  }
  return status == MW_HTTP_TIMED_OUT ? MCP_TIMED_OUT : MCP_FAILED;
}

static enum mcp_status legacy_open(struct mcp_client *client, mw_deadline deadline, char *err,
                                   size_t errlen)
{
  struct mcp_legacy *legacy = &client->legacy;
  const char *headers[2 + MCP_MAX_HEADERS] = {"Accept: text/event-stream"};
  struct mw_http_request req = {.url = client->url,
                                .headers = headers,
                                .sink = legacy_sink,
                                .sink_ctx = legacy,
                                .capture = mcp_captured,
                                .n_capture = MCP_N_CAPTURED};
  char relative[sizeof(legacy->endpoint)];
  enum mw_http_status status;

  req.n_headers = 1 + mcp_common_headers(client, false, headers + 1, MCP_MAX_HEADERS + 1);
  legacy->client = client;
  legacy->deadline = deadline;
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
  legacy->deadline = deadline;
  result = mcp_post(client, legacy->endpoint, text, 0, NULL, deadline, err, errlen);
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

/* The _meta of a modern request: the version it speaks, no client capabilities (a monitor
 * samples, elicits and lists roots for nobody), and who is asking. */
static json_t *request_meta(const char *version)
{
  return json_pack("{s:s,s:{},s:{s:s,s:s}}", "io.modelcontextprotocol/protocolVersion", version,
                   "io.modelcontextprotocol/clientCapabilities",
                   "io.modelcontextprotocol/clientInfo", "name", "mcpwatch", "version",
                   PACKAGE_VERSION);
}

/* Whether text can be a header value as it is: visible ASCII and inner spaces, and not the
 * Base64 sentinel's shape. */
static bool header_safe(const char *text)
{
  size_t len = strlen(text);
  size_t i;

  if (len == 0 || text[0] == ' ' || text[len - 1] == ' ')
    return false;
  for (i = 0; i < len; i++)
    if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
      return false;
  return !(strncmp(text, "=?base64?", 9) == 0 && len >= 11 && strcmp(text + len - 2, "?=") == 0);
}

/* Mcp-Name of a modern request that names a tool, prompt or resource; Base64 in the sentinel
 * form when the name is not header-safe, left out when it does not fit. */
static void name_header(struct mcp_client *client, const char *method, json_t *params)
{
  const char *key = strcmp(method, "resources/read") == 0 ? "uri" : "name";
  const char *name = json_string_value(json_object_get(params, key));
  char encoded[sizeof(client->name_header) - 24];

  client->name_header[0] = '\0';
  if (!mcp_modern(client) || !name ||
      (strcmp(method, "tools/call") != 0 && strcmp(method, "prompts/get") != 0 &&
       strcmp(method, "resources/read") != 0))
    return;
  if (header_safe(name) && strlen(name) < sizeof(encoded))
    snprintf(client->name_header, sizeof(client->name_header), "Mcp-Name: %s", name);
  else if (mw_base64(name, strlen(name), encoded, sizeof(encoded)) > 0)
    snprintf(client->name_header, sizeof(client->name_header), "Mcp-Name: =?base64?%s?=", encoded);
}

static enum mcp_status exchange(struct mcp_client *client, const char *method, json_t *params,
                                bool notification, json_t **result, mw_deadline deadline, char *err,
                                size_t errlen)
{
  json_int_t id = notification ? 0 : client->next_id++;
  json_t *message = NULL;
  json_t *reply = NULL;
  json_t *error;
  char *text = NULL;
  enum mcp_status status = MCP_FAILED;

  if (!params)
    params = json_object();
  if (params && mcp_modern(client) && !notification)
    json_object_set_new(params, "_meta", request_meta(client->version));
  if (params)
    name_header(client, method, params);
  message = json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", method, "params", params);
  client->method = method;
  if (!message || (!notification && json_object_set_new(message, "id", json_integer(id)) != 0) ||
      !(text = json_dumps(message, JSON_COMPACT))) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  if (client->in_use == MCP_SSE)
    status = legacy_exchange(client, text, id, &reply, deadline, err, errlen);
  else
    status = mcp_post(client, client->endpoint, text, id, &reply, deadline, err, errlen);
  if (status != MCP_OK || notification)
    goto cleanup;
  error = json_object_get(reply, "error");
  json_decref(client->error_data);
  client->error_data = NULL;
  if (error) {
    /* The caller names the step: no method here, or it would be said twice. */
    client->error_data = json_incref(json_object_get(error, "data"));
    client->error_code = json_integer_value(json_object_get(error, "code"));
    snprintf(err, errlen, "error %" JSON_INTEGER_FORMAT " %.200s",
             json_integer_value(json_object_get(error, "code")),
             json_string_value(json_object_get(error, "message"))
                 ? json_string_value(json_object_get(error, "message"))
                 : "(no message)");
    status = MCP_RPC_ERROR;
    goto cleanup;
  }
  *result = json_incref(json_object_get(reply, "result"));
cleanup:
  client->method = NULL;
  client->name_header[0] = '\0';
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

/* The server's self-description (initialize's serverInfo, or discover's), for the output. */
static void take_server_info(struct mcp_client *client, json_t *info)
{
  const char *name = json_string_value(json_object_get(info, "name"));
  const char *version = json_string_value(json_object_get(info, "version"));

  snprintf(client->server_name, sizeof(client->server_name), "%s", name ? name : "unnamed");
  snprintf(client->server_version, sizeof(client->server_version), "%s", version ? version : "?");
}

static enum mcp_status read_init_result(struct mcp_client *client, json_t *result, char *err,
                                        size_t errlen)
{
  const char *version = json_string_value(json_object_get(result, "protocolVersion"));
  size_t i;

  if (!version) {
    snprintf(err, errlen, "the answer names no protocolVersion");
    return MCP_FAILED;
  }
  for (i = 0; known_versions[i] && strcmp(known_versions[i], version) != 0; i++)
    ;
  if (!known_versions[i]) {
    snprintf(err, errlen,
             "the server speaks MCP %.40s, which mcpwatch does not (it knows %s, and %s "
             "down to 2024-11-05)",
             version, MCP_MODERN_VERSION, MCP_OFFERED_VERSION);
    return MCP_FAILED;
  }
  snprintf(client->version, sizeof(client->version), "%s", version);
  take_server_info(client, json_object_get(result, "serverInfo"));
  return MCP_OK;
}

static json_t *init_params(const char *version)
{
  return json_pack("{s:s,s:{},s:{s:s,s:s}}", "protocolVersion", version, "capabilities",
                   "clientInfo", "name", "mcpwatch", "version", PACKAGE_VERSION);
}

/* A refusal of the offered version may list the ones the server speaks ("supported" in its
 * error data, as the specification's examples and SDKs send it): the newest of mine (a NULL
 * terminated list) it names too, or NULL. */
static const char *common_version(const json_t *data, const char *const *mine, char *listed,
                                  size_t listedlen)
{
  json_t *supported = json_object_get(data, "supported");
  const char *best = NULL;
  size_t i, k;
  json_t *item;

  listed[0] = '\0';
  json_array_foreach(supported, i, item)
  {
    const char *version = json_string_value(item);
    size_t len = strlen(listed);

    if (!version)
      continue;
    if (len + 2 < listedlen)
      snprintf(listed + len, listedlen - len, "%s%.20s", len ? ", " : "", version);
    for (k = 0; mine[k]; k++)
      if (strcmp(mine[k], version) == 0 &&
          (!best || strcmp(version, best) > 0)) /* dates: the later sorts last */
        best = mine[k];
  }
  return best;
}

/* initialize again over the legacy transport, after the POST failed with first. */
static enum mcp_status initialise_legacy(struct mcp_client *client, const char *offered,
                                         const char *first, json_t **result, mw_deadline deadline,
                                         char *err, size_t errlen)
{
  char post_error[256];
  char legacy_error[256];
  enum mcp_status status;

  snprintf(post_error, sizeof(post_error), "%s", first);
  client->in_use = MCP_SSE;
  status = legacy_open(client, deadline, err, errlen);
  if (status == MCP_OK)
    status =
        exchange(client, "initialize", init_params(offered), false, result, deadline, err, errlen);
  if (status != MCP_OK) {
    /* Both ways failed: say what each answered. */
    snprintf(legacy_error, sizeof(legacy_error), "%s", err);
    snprintf(err, errlen, "POST %s; as legacy SSE: %s", post_error, legacy_error);
  }
  return status;
}

/* The legacy way in: initialize + notifications/initialized, offering offered. */
static enum mcp_status initialise(struct mcp_client *client, const char *offered,
                                  mw_deadline deadline, char *err, size_t errlen)
{
  json_t *result = NULL;
  enum mcp_status status;
  char listed[128] = "";
  const char *retry = NULL;

  client->connected_by = "initialize";
  if (client->in_use == MCP_SSE && (status = legacy_open(client, deadline, err, errlen)) != MCP_OK)
    return status;
  status =
      exchange(client, "initialize", init_params(offered), false, &result, deadline, err, errlen);
  /* Refused with the versions the server speaks: once more with the newest both know. */
  if (status == MCP_RPC_ERROR &&
      (retry = common_version(client->error_data, known_versions, listed, sizeof(listed))) !=
          NULL &&
      strcmp(retry, offered) != 0) {
    snprintf(client->trace.version_retry, sizeof(client->trace.version_retry),
             "%s refused (the server speaks %s): retried with %s", offered, listed, retry);
    status =
        exchange(client, "initialize", init_params(retry), false, &result, deadline, err, errlen);
  } else if (status == MCP_RPC_ERROR && listed[0]) {
    size_t len = strlen(err);

    snprintf(err + len, errlen - len, " (the server speaks %s, none of which mcpwatch knows)",
             listed);
  }
  /* An older server answers the POST 400, 404 or 405: the legacy transport at the same URL. */
  if (status == MCP_FAILED && client->transport == MCP_AUTO &&
      (strncmp(err, "HTTP 400", 8) == 0 || strncmp(err, "HTTP 404", 8) == 0 ||
       strncmp(err, "HTTP 405", 8) == 0))
    status = initialise_legacy(client, offered, err, &result, deadline, err, errlen);
  if (status == MCP_OK)
    status = read_init_result(client, result, err, errlen);
  json_decref(result);
  if (status != MCP_OK)
    return status;
  client->era = MCP_ERA_LEGACY;
  client->initialised = true;
  return exchange(client, "notifications/initialized", NULL, true, NULL, deadline, err, errlen);
}

/* Whether result is a DiscoverResult naming a version mcpwatch speaks; that version into
 * client->version (the one asked for when it is named). */
static bool discover_result(struct mcp_client *client, json_t *result)
{
  json_t *versions = json_object_get(result, "supportedVersions");
  const char *chosen = NULL;
  size_t i;
  json_t *item;

  json_array_foreach(versions, i, item)
  {
    const char *version = json_string_value(item);

    if (version && mcp_modern_version(version) &&
        (!chosen || strcmp(version, client->version) == 0))
      chosen = version;
  }
  if (!chosen)
    return false;
  snprintf(client->version, sizeof(client->version), "%s", chosen);
  return true;
}

/* server/discover speaking version: MCP_OK on a DiscoverResult, with the era, version and
 * server taken; *not_modern set when the answer was a result but no DiscoverResult (a legacy
 * server that answers every method). */
static enum mcp_status discover(struct mcp_client *client, const char *version, bool *not_modern,
                                mw_deadline deadline, char *err, size_t errlen)
{
  json_t *result = NULL;
  json_t *info;
  enum mcp_status status;

  *not_modern = false;
  snprintf(client->version, sizeof(client->version), "%s", version);
  client->probing = true;
  client->error_code = 0;
  status = exchange(client, "server/discover", NULL, false, &result, deadline, err, errlen);
  client->probing = false;
  if (status != MCP_OK)
    return status;
  if (!discover_result(client, result)) {
    snprintf(err, errlen, "a result without supportedVersions mcpwatch speaks (%s)",
             MCP_MODERN_VERSION);
    json_decref(result);
    *not_modern = true;
    return MCP_FAILED;
  }
  info = json_object_get(json_object_get(result, "_meta"), "io.modelcontextprotocol/serverInfo");
  take_server_info(client, info ? info : json_object_get(result, "serverInfo"));
  json_decref(result);
  client->era = MCP_ERA_MODERN;
  client->initialised = true;
  return MCP_OK;
}

/* The codes only a modern server answers with (HeaderMismatch, MissingRequiredClientCapability,
 * UnsupportedProtocolVersion): the server is modern, whatever else went wrong. */
static bool modern_error(json_int_t code)
{
  return code == -32020 || code == -32021 || code == -32022;
}

enum mcp_status mcp_initialise(struct mcp_client *client, mw_deadline deadline, char *err,
                               size_t errlen)
{
  const char *offered = client->protocol ? client->protocol : MCP_MODERN_VERSION;
  const char *legacy_offer = MCP_OFFERED_VERSION;
  char listed[128] = "";
  bool not_modern = false;
  enum mcp_status status;

  client->initialised = false;
  client->era = MCP_ERA_UNKNOWN;
  client->session[0] = '\0';
  snprintf(client->endpoint, sizeof(client->endpoint), "%s", client->url);
  client->endpoint_foreign = false;
  legacy_close(&client->legacy);
  client->in_use = client->transport == MCP_SSE ? MCP_SSE : MCP_STREAMABLE;
  if (client->protocol && !mcp_modern_version(client->protocol))
    return initialise(client, client->protocol, deadline, err, errlen);
  if (client->in_use == MCP_SSE && !client->protocol)
    return initialise(client, legacy_offer, deadline, err, errlen);
  client->connected_by = "server/discover";
  status = discover(client, offered, &not_modern, deadline, err, errlen);
  if (status == MCP_RPC_ERROR && client->error_code == -32022) {
    const char *retry = common_version(client->error_data, modern_versions, listed, sizeof(listed));
    const char *legacy = common_version(client->error_data, known_versions, listed, sizeof(listed));

    /* Once, even with the version just refused when the server lists it: the refusal may have
     * been of this request, and the list is what the server says it speaks. */
    if (retry) {
      snprintf(client->trace.version_retry, sizeof(client->trace.version_retry),
               "%s refused (the server speaks %s): retried with %s", offered, listed, retry);
      status = discover(client, retry, &not_modern, deadline, err, errlen);
    } else if (legacy && !client->protocol) {
      /* Modern, but not in a revision mcpwatch speaks; initialize in one both know. */
      snprintf(client->trace.version_retry, sizeof(client->trace.version_retry),
               "%s refused (the server speaks %s): initialize with %s", offered, listed, legacy);
      return initialise(client, legacy, deadline, err, errlen);
    } else if (listed[0]) {
      size_t len = strlen(err);

      snprintf(err + len, errlen - len, " (the server speaks %s, none of which mcpwatch knows)",
               listed);
    }
  }
  /* Only an answer can say the server is legacy: no answer at all (a name that does not
   * resolve, a refused connection, a broken TLS handshake) is the failure, not a reason to try
   * again another way. */
  if (status == MCP_OK || client->protocol || status == MCP_TIMED_OUT || status == MCP_AUTH ||
      (status == MCP_RPC_ERROR && modern_error(client->error_code)) ||
      (status == MCP_FAILED && client->error_http < 400 && !not_modern))
    return status;
  /* Anything else is how a legacy server answers a request before initialize: 400 with
   * -32000, 404, 405, -32601. The handshake, as it speaks. */
  snprintf(client->trace.era_probe, sizeof(client->trace.era_probe),
           "server/discover answered %.150s: a legacy server", err);
  return initialise(client, legacy_offer, deadline, err, errlen);
}

void mcp_end_session(struct mcp_client *client, mw_deadline deadline)
{
  char session[320];
  char version[64];
  const char *headers[2 + MCP_MAX_HEADERS + 1];
  struct mw_http_request req = {.method = "DELETE", .url = client->endpoint, .headers = headers};
  struct mw_http_response resp;
  char err[256];

  if (client->in_use == MCP_STREAMABLE && client->session[0]) {
    snprintf(session, sizeof(session), "Mcp-Session-Id: %s", client->session);
    snprintf(version, sizeof(version), "MCP-Protocol-Version: %s", client->version);
    headers[req.n_headers++] = session;
    headers[req.n_headers++] = version;
    req.n_headers +=
        mcp_common_headers(client, client->endpoint_foreign, headers + 2, MCP_MAX_HEADERS + 1);
    /* 200 and 405 (the server does not let clients end sessions) are both fine. */
    mw_http_perform(client->http, &req, &resp, deadline, err, sizeof(err));
    mw_http_response_free(&resp);
  }
  legacy_close(&client->legacy);
  client->session[0] = '\0';
  client->initialised = false;
  client->era = MCP_ERA_UNKNOWN;
}

void mcp_client_free(struct mcp_client *client)
{
  legacy_close(&client->legacy);
  json_decref(client->error_data);
  client->error_data = NULL;
}
