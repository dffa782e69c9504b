/* SPDX-License-Identifier: MIT */
/* mcp_resources.c - what a server must offer besides tools: --expect-resources (URIs of
 * resources/list), --expect-prompts (names of prompts/list), and one resources/read
 * (--read-resource) with its MIME type and size judged. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcp_tools.h"

int mcp_resources_open(struct mcp_tools *m, const struct mw_args *args, char *err, size_t errlen)
{
  m->read_uri = mw_args_str(args, "read-resource");
  m->read_mime = mw_args_str(args, "read-mime");
  m->read_min = mw_args_int(args, "read-min-size");
  if (!m->read_uri && (m->read_mime || mw_args_given(args, "read-min-size"))) {
    snprintf(err, errlen, "--read-mime and --read-min-size need --read-resource");
    return -1;
  }
  if (m->read_uri && (!m->read_uri[0] || strpbrk(m->read_uri, "\r\n"))) {
    snprintf(err, errlen, "--read-resource must be a URI on one line");
    return -1;
  }
  if (m->read_min < 0) {
    snprintf(err, errlen, "--read-min-size must be 0 or more bytes");
    return -1;
  }
  return 0;
}

bool mcp_resources_wanted(const struct mcp_tools *m, enum mcp_list list)
{
  if (list == MCP_LIST_RESOURCES)
    return m->expect_resources.count > 0;
  if (list == MCP_LIST_PROMPTS)
    return m->expect_prompts.count > 0;
  return false;
}

/* Whether list holds an item whose key is value. */
static bool listed(json_t *list, const char *key, const char *value)
{
  size_t i;
  json_t *item;

  json_array_foreach(list, i, item)
  {
    const char *text = json_string_value(json_object_get(item, key));

    if (text && strcmp(text, value) == 0)
      return true;
  }
  return false;
}

static void expect_items(const struct mcp_tools *m, struct outcome *out,
                         const struct name_list *expected, json_t *list, const char *key,
                         const char *what)
{
  char missing[512] = "";
  size_t i;

  for (i = 0; i < expected->count; i++) {
    if (list && listed(list, key, expected->names[i]))
      continue;
    snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
             missing[0] ? ", " : "", expected->names[i]);
    step_add(out, m->missing_state, "missing %s %.200s%s", what, expected->names[i],
             list ? "" : " (the server offers none)");
  }
  if (missing[0])
    problems_add(&out->problems, m->missing_state, "missing %ss: %s", what, missing);
}

void mcp_resources_judge(const struct mcp_tools *m, struct outcome *out)
{
  expect_items(m, out, &m->expect_resources, out->resources, "uri", "resource");
  expect_items(m, out, &m->expect_prompts, out->prompts, "name", "prompt");
}

/* The bytes a Base64 text decodes to; -1 when it is no Base64. */
static long long base64_size(const char *text)
{
  size_t len = strlen(text);
  size_t pad = 0;
  size_t i;

  for (i = 0; i < len; i++)
    if (!isalnum((unsigned char)text[i]) && text[i] != '+' && text[i] != '/' && text[i] != '=')
      return -1;
  if (len % 4 != 0)
    return -1;
  while (pad < 2 && len > pad && text[len - 1 - pad] == '=')
    pad++;
  return (long long)(len / 4 * 3 - pad);
}

/* Whether mime is wanted: the same type and subtype, parameters (charset) aside. */
static bool same_mime(const char *mime, const char *wanted)
{
  size_t len = strcspn(mime, "; ");
  size_t wanted_len = strcspn(wanted, "; ");

  return len == wanted_len && strncasecmp(mime, wanted, len) == 0;
}

/* The contents of a resources/read result: their bytes, and the MIME type of the first. */
static int measure(json_t *result, long long *bytes, const char **mime, char *why, size_t whylen)
{
  json_t *contents = json_object_get(result, "contents");
  json_t *item;
  size_t i;

  *bytes = 0;
  *mime = NULL;
  if (!json_is_array(contents) || json_array_size(contents) == 0) {
    snprintf(why, whylen, "no contents in the answer");
    return -1;
  }
  json_array_foreach(contents, i, item)
  {
    json_t *text = json_object_get(item, "text");
    json_t *blob = json_object_get(item, "blob");

    if (i == 0)
      *mime = json_string_value(json_object_get(item, "mimeType"));
    if (json_is_string(text)) {
      *bytes += (long long)json_string_length(text);
    } else if (json_is_string(blob) && base64_size(json_string_value(blob)) >= 0) {
      *bytes += base64_size(json_string_value(blob));
    } else {
      snprintf(why, whylen, "content %zu has neither text nor a Base64 blob", i);
      return -1;
    }
  }
  return 0;
}

enum mcp_status mcp_resources_read(struct mcp_tools *m, struct outcome *out, mw_deadline deadline,
                                   char *err, size_t errlen)
{
  json_t *result = NULL;
  enum mcp_status status;
  int64_t start = mw_now_ns();
  long long bytes;
  const char *mime;
  char why[160];

  if (!m->read_uri)
    return MCP_OK;
  status = mcp_request(&m->client, "resources/read", json_pack("{s:s}", "uri", m->read_uri),
                       &result, deadline, err, errlen);
  out->read_s = mcp_since(start);
  if (status == MCP_RPC_ERROR) {
    problems_add(&out->problems, MW_CRITICAL, "resources/read %.120s: %s", m->read_uri, err);
    step_add(out, MW_CRITICAL, "resources/read %.120s: %s", m->read_uri, err);
    return MCP_OK;
  }
  if (status != MCP_OK)
    return status;
  if (measure(result, &bytes, &mime, why, sizeof(why)) != 0) {
    problems_add(&out->problems, MW_CRITICAL, "resources/read %.120s: %s", m->read_uri, why);
    step_add(out, MW_CRITICAL, "resources/read %.120s: %s", m->read_uri, why);
    goto cleanup;
  }
  out->read_bytes = (double)bytes;
  if (m->read_mime && (!mime || !same_mime(mime, m->read_mime)))
    problems_add(&out->problems, MW_CRITICAL, "resources/read %.120s: MIME type %.60s, not %.60s",
                 m->read_uri, mime ? mime : "(none)", m->read_mime);
  if (bytes < m->read_min)
    problems_add(&out->problems, MW_CRITICAL,
                 "resources/read %.120s: %lld bytes, fewer than --read-min-size %lld", m->read_uri,
                 bytes, m->read_min);
  step_add(out, MW_OK, "resources/read %.120s: %lld bytes of %.60s in %.1f ms", m->read_uri, bytes,
           mime ? mime : "(no MIME type)", out->read_s * 1000);
cleanup:
  json_decref(result);
  return MCP_OK;
}

void mcp_resources_report(const struct mcp_tools *m, const struct outcome *out,
                          struct mw_result *res)
{
  struct mw_perf time = {
      "time_read", isnan(out->read_s) ? NAN : mw_round(out->read_s * 1e6) / 1e6, "s", NULL, NULL, 0,
      NAN};
  struct mw_perf size = {"read_bytes", out->read_bytes, "B", NULL, NULL, 0, NAN};

  if (!m->read_uri)
    return;
  mw_result_perf(res, &time);
  mw_result_perf(res, &size);
}
