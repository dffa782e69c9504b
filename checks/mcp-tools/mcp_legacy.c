/* SPDX-License-Identifier: MIT */
/* mcp_legacy.c - the legacy HTTP+SSE transport (2024-11-05): a long GET stream announces where
 * to POST (the endpoint event) and carries the answers, which arrive there and not in the
 * POSTs' answers. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "mcp_client.h"

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
    mcp_describe_auth(legacy->client, &legacy->resp, err, errlen);
    return MCP_AUTH;
  }
  return status == MW_HTTP_TIMED_OUT ? MCP_TIMED_OUT : MCP_FAILED;
}

enum mcp_status mcp_legacy_open(struct mcp_client *client, mw_deadline deadline, char *err,
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

enum mcp_status mcp_legacy_exchange(struct mcp_client *client, const char *text, json_int_t id,
                                    json_t **reply, mw_deadline deadline, char *err, size_t errlen)
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

void mcp_legacy_close(struct mcp_legacy *legacy)
{
  if (legacy->stream) {
    mw_http_stream_close(legacy->stream);
    sse_free(&legacy->sse);
  }
  json_decref(legacy->reply);
  memset(legacy, 0, sizeof(*legacy));
}
