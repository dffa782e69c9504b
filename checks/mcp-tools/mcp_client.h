/* SPDX-License-Identifier: MIT */
/* mcp_client.h - a minimal MCP client: JSON-RPC over Streamable HTTP (JSON or SSE answers,
 * redirects), the legacy HTTP+SSE transport or a subprocess's stdio, speaking the stateless
 * revision (2026-07-28: server/discover, _meta and headers on every request) or the handshake
 * revisions up to 2025-11-25 (initialize, sessions), found out as the 2026-07-28 "Versioning"
 * page says. mcp_client.c holds the requests and the era and version found; mcp_post.c one POST
 * and its answer; mcp_legacy.c the legacy transport; mcp_stdio.c the subprocess. */
#ifndef MCP_CLIENT_H
#define MCP_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mw_check.h"
#include "mw_http.h"
#include "mcp_stdio.h"
#include "sse.h"

#define MCP_OFFERED_VERSION "2025-11-25" /* the newest legacy (handshake) revision */
#define MCP_MODERN_VERSION "2026-07-28"  /* the stateless revision */
#define MCP_MAX_HEADERS 16
#define MCP_URL_MAX 2048
#define MCP_MAX_PARAM_HEADERS 16 /* Mcp-Param-{Name} headers of one tools/call */
#define MCP_PARAM_HEADER_MAX 512
#define MCP_STDIO_PROBE_MS 2000 /* stdio: server/discover unanswered this long means legacy */

enum mcp_transport { MCP_AUTO, MCP_STREAMABLE, MCP_SSE, MCP_STDIO };

/* What the server was found to speak: modern (per-request _meta, no session) or legacy. */
enum mcp_era { MCP_ERA_UNKNOWN, MCP_ERA_LEGACY, MCP_ERA_MODERN };

enum mcp_status {
  MCP_OK,
  MCP_TIMED_OUT,
  MCP_FAILED,   /* no usable answer: the reason is in err */
  MCP_AUTH,     /* 401 or 403: err summarises the challenge */
  MCP_GONE,     /* the server forgot our session: initialise again */
  MCP_RPC_ERROR /* a JSON-RPC error answer: code and message in err */
};

/* The legacy transport's event stream and what arrived on it. */
struct mcp_client;
struct mcp_legacy {
  struct mcp_client *client;
  mw_deadline deadline; /* of the exchange under way: the server's requests are answered within */
  struct mw_http_stream *stream;
  struct mw_http_response resp;
  struct sse_parser sse;
  char endpoint[2048];
  json_int_t awaited;
  json_t *reply;
  char err[256];
  bool failed;
};

/* What a run saw besides the answers, for the long output. */
struct mcp_trace {
  long redirect_code;       /* the last redirect followed, 0: none */
  char redirect_path[256];  /* the path it led to (never the whole URL: it may hold secrets) */
  bool redirect_foreign;    /* to another origin: followed without credentials */
  unsigned server_requests; /* the server's own requests, answered with -32601 */
  char server_method[64];   /* the last one's method */
  char version_retry[160];  /* "2025-11-25 refused (...); retried with 2025-03-26" */
  char era_probe[200];      /* why server/discover was taken for a legacy server's answer */
  unsigned resumed;         /* GETs with Last-Event-ID after a response stream closed early */
  bool era_remembered;      /* stdio: the era of the last run's process was taken as it was */
};

struct mcp_client {
  struct mw_http *http;
  struct mw_http *side; /* answers the server's requests while a POST's answer is being read */
  const char *url;
  char endpoint[MCP_URL_MAX]; /* where POSTs go: url, or where a redirect led */
  bool endpoint_foreign;      /* endpoint is of another origin than url: no credentials there */
  long max_redirects;
  const char *const *extra_headers; /* --header and --header-file lines for this run */
  size_t n_extra;
  enum mcp_transport transport; /* asked for */
  enum mcp_transport in_use;    /* MCP_AUTO until initialised */
  const char *auth_header;      /* "Authorization: Bearer ..." for this run, or NULL */
  size_t max_message;
  const char *protocol; /* --protocol: the version to speak, NULL to find out (auto) */
  enum mcp_era era;
  bool probing;             /* server/discover under way: its 4xx JSON-RPC errors are answers */
  const char *connected_by; /* "server/discover" or "initialize": the step that found the era */
  char session[256];        /* Mcp-Session-Id, "" when the server gave none */
  bool initialised;         /* ready for requests: initialised (legacy) or discovered (modern) */
  char version[32];         /* the protocol version spoken */
  const char *method;       /* of the message being sent, for Mcp-Method */
  char name_header[320];    /* "Mcp-Name: ..." of the message being sent, or "" */
  char (*param_headers)[MCP_PARAM_HEADER_MAX]; /* Mcp-Param-* of the next tools/call */
  size_t n_param;
  json_int_t error_code; /* of the last JSON-RPC error answer */
  long error_http;       /* the HTTP status of the last POST's answer; 0: none came */
  char server_name[128];
  char server_version[64];
  int offers_resources; /* the capabilities the server named: 1 yes, 0 no, -1 it named none */
  int offers_prompts;
  json_int_t next_id;
  struct mcp_legacy legacy;
  const struct mcp_stdio_command *command; /* stdio: the server to start at every initialise */
  struct mcp_stdio stdio;
  enum mcp_era era_hint;      /* stdio: what the last run's process spoke; probed again if wrong */
  mw_deadline probe_deadline; /* stdio: when an unanswered server/discover means "legacy" */
  json_t *error_data;         /* the "data" of the last JSON-RPC error answer, or NULL */
  long auth_status;           /* 401 or 403 of the last MCP_AUTH, else 0 */
  char challenge[1024];       /* its WWW-Authenticate, "" when none came */
  struct mcp_trace trace;
};

/* side may be NULL: the server's requests are then left unanswered. */
void mcp_client_init(struct mcp_client *client, struct mw_http *http, struct mw_http *side,
                     const char *url, enum mcp_transport transport, size_t max_message,
                     long max_redirects);
/* A client of a server started as a subprocess (stdio) at every mcp_initialise. */
void mcp_client_init_stdio(struct mcp_client *client, const struct mcp_stdio_command *command,
                           size_t max_message);
/* Modern: server/discover (a -32022 refusal retried with a version both speak). Legacy, or when
 * the probe is answered as a legacy server answers (protocol auto): initialize +
 * notifications/initialized, falling back to the legacy transport when asked (auto) and the
 * server refuses the POST with 400, 404 or 405. */
enum mcp_status mcp_initialise(struct mcp_client *client, mw_deadline deadline, char *err,
                               size_t errlen);
/* One request: *result gets the "result" member (a new reference) on MCP_OK. params is stolen;
 * NULL sends {}. */
enum mcp_status mcp_request(struct mcp_client *client, const char *method, json_t *params,
                            json_t **result, mw_deadline deadline, char *err, size_t errlen);
/* Ends the session: DELETE (405 is fine), closing the legacy stream, or stopping the stdio
 * server (its exit and stderr stay in client->stdio); a modern HTTP client has none and only
 * forgets what it found. */
void mcp_end_session(struct mcp_client *client, mw_deadline deadline);
void mcp_client_free(struct mcp_client *client);

/* Whether version is a modern (stateless) revision mcpwatch speaks. */
bool mcp_modern_version(const char *version);
/* Whether text can be a header value as it is: visible ASCII and inner spaces, and not the
 * Base64 sentinel's shape. */
bool mcp_header_safe(const char *text);

/* mcp_xheader.c: whether a tool's x-mcp-header annotations keep the rules of 2026-07-28 (a
 * client on Streamable HTTP drops a tool that breaks them; why says how); and the
 * "Mcp-Param-{Name}: value" lines a tools/call with arguments carries. */
bool mcp_tool_headers_valid(json_t *input_schema, char *why, size_t whylen);
size_t mcp_tool_param_headers(json_t *input_schema, json_t *arguments,
                              char (*lines)[MCP_PARAM_HEADER_MAX]);

/* ---- between mcp_client.c and mcp_post.c ------------------------------------------------ */

/* Whether the message being sent is modern: _meta in its params, the headers of 2026-07-28. */
static inline bool mcp_modern(const struct mcp_client *client)
{
  return client->era == MCP_ERA_MODERN || client->probing;
}

extern const char *const mcp_captured[]; /* Mcp-Session-Id, WWW-Authenticate, Location */
enum { MCP_CAP_SESSION, MCP_CAP_CHALLENGE, MCP_CAP_LOCATION, MCP_N_CAPTURED };

/* POSTs one message to url and reads the answer to id (0: none awaited), following redirects
 * within max_redirects. */
enum mcp_status mcp_post(struct mcp_client *client, const char *url, const char *text,
                         json_int_t id, json_t **reply, mw_deadline deadline, char *err,
                         size_t errlen);
/* A message of an SSE stream: 1 with *reply set when it answers id, 0 when it is something
 * else (a request from the server is answered on the side first), -1 with err when it is not
 * JSON. */
int mcp_take_message(struct mcp_client *client, const char *url, json_t **reply, json_int_t id,
                     const char *data, size_t len, mw_deadline deadline, char *err, size_t errlen);
/* A 401 or 403: its status and challenge kept in client, a summary into err. */
void mcp_describe_auth(struct mcp_client *client, const struct mw_http_response *resp, char *err,
                       size_t errlen);

/* The legacy HTTP+SSE transport (mcp_legacy.c): open the GET stream and learn the endpoint;
 * POST text there and read the answer to id (0: none) on the stream; close the stream. */
enum mcp_status mcp_legacy_open(struct mcp_client *client, mw_deadline deadline, char *err,
                                size_t errlen);
enum mcp_status mcp_legacy_exchange(struct mcp_client *client, const char *text, json_int_t id,
                                    json_t **reply, mw_deadline deadline, char *err, size_t errlen);
void mcp_legacy_close(struct mcp_legacy *legacy);
/* The headers every request carries: auth and extra ones unless foreign. Returns the count. */
size_t mcp_common_headers(const struct mcp_client *client, bool foreign, const char **headers,
                          size_t max);

#endif
