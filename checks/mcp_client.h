/* mcp_client.h - a minimal MCP client: JSON-RPC over Streamable HTTP (JSON or SSE answers,
 * sessions, protocol version negotiation) or the legacy HTTP+SSE transport. */
#ifndef MCP_CLIENT_H
#define MCP_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mw_check.h"
#include "mw_http.h"
#include "sse.h"

#define MCP_OFFERED_VERSION "2025-11-25"

enum mcp_transport { MCP_AUTO, MCP_STREAMABLE, MCP_SSE };

enum mcp_status {
  MCP_OK,
  MCP_TIMED_OUT,
  MCP_FAILED,   /* no usable answer: the reason is in err */
  MCP_AUTH,     /* 401 or 403: err summarises the challenge */
  MCP_GONE,     /* the server forgot our session: initialise again */
  MCP_RPC_ERROR /* a JSON-RPC error answer: code and message in err */
};

/* The legacy transport's event stream and what arrived on it. */
struct mcp_legacy {
  struct mw_http_stream *stream;
  struct mw_http_response resp;
  struct sse_parser sse;
  char endpoint[2048];
  json_int_t awaited;
  json_t *reply;
  char err[256];
  bool failed;
};

struct mcp_client {
  struct mw_http *http;
  const char *url;
  enum mcp_transport transport; /* asked for */
  enum mcp_transport in_use;    /* MCP_AUTO until initialised */
  const char *auth_header;      /* "Authorization: Bearer ..." for this run, or NULL */
  size_t max_message;
  char session[256]; /* Mcp-Session-Id, "" when the server gave none */
  bool initialised;
  char version[32]; /* negotiated protocol version */
  char server_name[128];
  char server_version[64];
  json_int_t next_id;
  struct mcp_legacy legacy;
};

void mcp_client_init(struct mcp_client *client, struct mw_http *http, const char *url,
                     enum mcp_transport transport, size_t max_message);
/* initialize + notifications/initialized; falls back to the legacy transport when asked (auto)
 * and the server refuses the POST with 400, 404 or 405. */
enum mcp_status mcp_initialise(struct mcp_client *client, mw_deadline deadline, char *err,
                               size_t errlen);
/* One request: *result gets the "result" member (a new reference) on MCP_OK. params is stolen;
 * NULL sends {}. */
enum mcp_status mcp_request(struct mcp_client *client, const char *method, json_t *params,
                            json_t **result, mw_deadline deadline, char *err, size_t errlen);
/* Ends the session: DELETE (405 is fine) or closing the legacy stream. */
void mcp_end_session(struct mcp_client *client, mw_deadline deadline);
void mcp_client_free(struct mcp_client *client);

#endif
