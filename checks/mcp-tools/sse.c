/* SPDX-License-Identifier: MIT */
/* sse.c - Server-Sent Events, parsed incrementally. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sse.h"

void sse_init(struct sse_parser *parser, size_t max_event, sse_handler handler, void *ctx)
{
  memset(parser, 0, sizeof(*parser));
  mw_buf_init(&parser->line, max_event);
  mw_buf_init(&parser->data, max_event);
  parser->handler = handler;
  parser->ctx = ctx;
  parser->retry_ms = -1;
}

void sse_new_stream(struct sse_parser *parser)
{
  mw_buf_reset(&parser->line);
  mw_buf_reset(&parser->data);
  parser->type[0] = '\0';
  parser->started = false;
  parser->bom_matched = 0;
  parser->after_cr = false;
}

void sse_free(struct sse_parser *parser)
{
  mw_buf_free(&parser->line);
  mw_buf_free(&parser->data);
}

static void reset_event(struct sse_parser *parser)
{
  mw_buf_reset(&parser->data);
  parser->type[0] = '\0';
}

static int dispatch(struct sse_parser *parser)
{
  struct sse_event event;
  int result;

  /* No data line at all: nothing to dispatch (the id, if any, is kept). */
  if (parser->data.len == 0) {
    reset_event(parser);
    return 0;
  }
  parser->data.data[--parser->data.len] = '\0'; /* the '\n' after the last data line */
  event.type = parser->type[0] ? parser->type : "message";
  event.data = parser->data.data;
  event.data_len = parser->data.len;
  event.id = parser->id;
  parser->events++;
  result = parser->handler(parser->ctx, &event);
  reset_event(parser);
  return result;
}

static int process_line(struct sse_parser *parser, const char *line, size_t len)
{
  const char *colon;
  const char *value;
  size_t field_len;
  size_t value_len;

  if (len == 0)
    return dispatch(parser);
  if (line[0] == ':')
    return 0; /* a comment */
  colon = memchr(line, ':', len);
  field_len = colon ? (size_t)(colon - line) : len;
  value = colon ? colon + 1 : line + len;
  value_len = len - (size_t)(value - line);
  if (value_len > 0 && value[0] == ' ') {
    value++;
    value_len--;
  }
  if (field_len == 4 && memcmp(line, "data", 4) == 0) {
    if (mw_buf_add(&parser->data, value, value_len) != 0 || mw_buf_add(&parser->data, "\n", 1) != 0)
      return SSE_TOO_LARGE;
  } else if (field_len == 5 && memcmp(line, "event", 5) == 0) {
    snprintf(parser->type, sizeof(parser->type), "%.*s", (int)value_len, value);
  } else if (field_len == 2 && memcmp(line, "id", 2) == 0) {
    if (!memchr(value, '\0', value_len))
      snprintf(parser->id, sizeof(parser->id), "%.*s", (int)value_len, value);
  } else if (field_len == 5 && memcmp(line, "retry", 5) == 0 && value_len > 0 && value_len < 10) {
    long ms = 0;
    size_t i;

    for (i = 0; i < value_len && value[i] >= '0' && value[i] <= '9'; i++)
      ms = ms * 10 + (value[i] - '0');
    if (i == value_len)
      parser->retry_ms = ms;
  }
  /* Unknown fields, and a retry that is not all digits, are ignored, as the standard says. */
  return 0;
}

int sse_feed(struct sse_parser *parser, const char *bytes, size_t len)
{
  static const char bom[] = "\xEF\xBB\xBF";
  size_t i = 0;

  /* A byte order mark may open the stream, and may come split over chunks. */
  while (!parser->started && i < len) {
    if (bytes[i] == bom[parser->bom_matched]) {
      i++;
      if (++parser->bom_matched == 3)
        parser->started = true;
      continue;
    }
    parser->started = true;
    /* Not a BOM after all: the bytes taken for one belong to the first line. */
    if (mw_buf_add(&parser->line, bom, parser->bom_matched) != 0)
      return SSE_TOO_LARGE;
  }
  for (; i < len; i++) {
    char c = bytes[i];
    int result;

    if (c == '\n' && parser->after_cr) {
      parser->after_cr = false; /* the LF of a CRLF */
      continue;
    }
    parser->after_cr = c == '\r';
    if (c != '\n' && c != '\r') {
      /* Copy the rest of the line at once rather than byte by byte. */
      size_t end = i;

      while (end < len && bytes[end] != '\n' && bytes[end] != '\r')
        end++;
      if (mw_buf_add(&parser->line, bytes + i, end - i) != 0)
        return SSE_TOO_LARGE;
      i = end - 1;
      continue;
    }
    result = process_line(parser, parser->line.data ? parser->line.data : "", parser->line.len);
    mw_buf_reset(&parser->line);
    if (result != 0)
      return result;
  }
  return 0;
}
