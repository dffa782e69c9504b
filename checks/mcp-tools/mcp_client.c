/* SPDX-License-Identifier: MIT */
/* mcp_client.c - JSON-RPC requests to an MCP server in either era, and finding out which era and
 * version it speaks. A modern request carries its version, capabilities and client in _meta; a
 * legacy one rides on the session initialize opened. The transports: Streamable HTTP
 * (mcp_post.c), the legacy HTTP+SSE one (mcp_legacy.c) and stdio (mcp_stdio.c). */
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

void mcp_client_init_stdio(struct mcp_client *client, const struct mcp_stdio_command *command,
                           size_t max_message)
{
  memset(client, 0, sizeof(*client));
  client->url = "";
  client->transport = MCP_STDIO;
  client->command = command;
  client->max_message = max_message;
  client->next_id = 1;
  mcp_stdio_init(&client->stdio, max_message);
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

bool mcp_header_safe(const char *text)
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
  if (mcp_header_safe(name) && strlen(name) < sizeof(encoded))
    snprintf(client->name_header, sizeof(client->name_header), "Mcp-Name: %s", name);
  else if (mw_base64(name, strlen(name), encoded, sizeof(encoded)) > 0)
    snprintf(client->name_header, sizeof(client->name_header), "Mcp-Name: =?base64?%s?=", encoded);
}

/* One message over stdio; the era probe's answer is awaited until probe_deadline only, and
 * one that comes later is kept (stdio.late). */
static enum mcp_status stdio_exchange(struct mcp_client *client, const char *text, json_int_t id,
                                      json_t **reply, mw_deadline deadline, char *err,
                                      size_t errlen)
{
  bool probe = client->probing && client->probe_deadline && client->probe_deadline < deadline;
  enum mcp_stdio_status status = mcp_stdio_exchange(
      &client->stdio, text, id, reply, probe ? client->probe_deadline : deadline, err, errlen);

  if (status == MCP_STDIO_OK)
    return MCP_OK;
  if (status == MCP_STDIO_TIMED_OUT && probe)
    client->stdio.stale_id = id;
  return status == MCP_STDIO_TIMED_OUT ? MCP_TIMED_OUT : MCP_FAILED;
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
    status = mcp_legacy_exchange(client, text, id, &reply, deadline, err, errlen);
  else if (client->in_use == MCP_STDIO)
    status = stdio_exchange(client, text, id, &reply, deadline, err, errlen);
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

/* Which lists the server offers: a baseline covers resources and prompts only where it does. */
static void take_capabilities(struct mcp_client *client, json_t *result)
{
  json_t *capabilities = json_object_get(result, "capabilities");

  client->offers_resources = !json_is_object(capabilities)                ? -1
                             : json_object_get(capabilities, "resources") ? 1
                                                                          : 0;
  client->offers_prompts = !json_is_object(capabilities)              ? -1
                           : json_object_get(capabilities, "prompts") ? 1
                                                                      : 0;
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
  take_capabilities(client, result);
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
  status = mcp_legacy_open(client, deadline, err, errlen);
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
  if (client->in_use == MCP_SSE &&
      (status = mcp_legacy_open(client, deadline, err, errlen)) != MCP_OK)
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
  take_capabilities(client, result);
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

/* stdio: a server/discover answer that came after the probe gave up and initialize was sent:
 * when it is a DiscoverResult and initialize was refused, the server is modern but slow. */
static bool late_discover(struct mcp_client *client)
{
  json_t *result = json_object_get(client->stdio.late, "result");
  json_t *info;

  if (!result || !discover_result(client, result))
    return false;
  info = json_object_get(json_object_get(result, "_meta"), "io.modelcontextprotocol/serverInfo");
  take_server_info(client, info ? info : json_object_get(result, "serverInfo"));
  take_capabilities(client, result);
  snprintf(client->trace.era_probe, sizeof(client->trace.era_probe),
           "server/discover answered after initialize was sent: a modern server, slow to start");
  client->connected_by = "server/discover";
  client->era = MCP_ERA_MODERN;
  client->initialised = true;
  return true;
}

/* stdio: a new process for this run. */
static enum mcp_status start_stdio(struct mcp_client *client, char *err, size_t errlen)
{
  mcp_stdio_stop(&client->stdio, mw_now_ns());
  json_decref(client->stdio.late);
  client->stdio.late = NULL;
  client->stdio.stale_id = 0;
  client->probe_deadline = 0;
  return mcp_stdio_start(&client->stdio, client->command, err, errlen) == 0 ? MCP_OK : MCP_FAILED;
}

/* stdio, protocol auto: server/discover unanswered within a second is how a legacy server that
 * ignores unknown requests before initialize answers; initialize is sent then, and the probe's
 * answer still taken should it come (a modern server slow to start refuses initialize). */
static enum mcp_status stdio_silent_probe(struct mcp_client *client, mw_deadline deadline,
                                          char *err, size_t errlen)
{
  enum mcp_status status;

  snprintf(client->trace.era_probe, sizeof(client->trace.era_probe),
           "server/discover unanswered within %d ms: taken for a legacy server",
           MCP_STDIO_PROBE_MS);
  status = initialise(client, MCP_OFFERED_VERSION, deadline, err, errlen);
  if (status == MCP_RPC_ERROR && late_discover(client))
    status = MCP_OK;
  return status;
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
  mcp_legacy_close(&client->legacy);
  client->in_use = client->transport == MCP_SSE     ? MCP_SSE
                   : client->transport == MCP_STDIO ? MCP_STDIO
                                                    : MCP_STREAMABLE;
  client->connected_by = client->in_use == MCP_STDIO ? "the server's process" : NULL;
  if (client->in_use == MCP_STDIO && (status = start_stdio(client, err, errlen)) != MCP_OK)
    return status;
  if (client->protocol && !mcp_modern_version(client->protocol))
    return initialise(client, client->protocol, deadline, err, errlen);
  if (client->in_use == MCP_SSE && !client->protocol)
    return initialise(client, legacy_offer, deadline, err, errlen);
  if (client->in_use == MCP_STDIO && !client->protocol && client->era_hint == MCP_ERA_LEGACY) {
    /* Found legacy in an earlier run: no probe (a silent one costs a second a run); the caller
     * forgets the hint when this fails. */
    client->trace.era_remembered = true;
    return initialise(client, legacy_offer, deadline, err, errlen);
  }
  client->connected_by = "server/discover";
  if (client->in_use == MCP_STDIO && !client->protocol)
    client->probe_deadline = mw_now_ns() + MCP_STDIO_PROBE_MS * 1000000LL;
  status = discover(client, offered, &not_modern, deadline, err, errlen);
  if (client->in_use == MCP_STDIO && !client->protocol && status == MCP_TIMED_OUT &&
      client->stdio.stale_id && !mw_deadline_passed(deadline))
    return stdio_silent_probe(client, deadline, err, errlen);
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

  if (client->transport == MCP_STDIO) {
    /* The era stays: the output of the run just ended names it, the next run starts anew. */
    mcp_stdio_stop(&client->stdio, deadline);
    client->initialised = false;
    return;
  }
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
  mcp_legacy_close(&client->legacy);
  client->session[0] = '\0';
  client->initialised = false;
  client->era = MCP_ERA_UNKNOWN;
}

void mcp_client_free(struct mcp_client *client)
{
  mcp_legacy_close(&client->legacy);
  if (client->transport == MCP_STDIO)
    mcp_stdio_free(&client->stdio);
  json_decref(client->error_data);
  client->error_data = NULL;
}
