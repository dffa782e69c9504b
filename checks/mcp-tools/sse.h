/* SPDX-License-Identifier: MIT */
/* sse.h - a Server-Sent Events parser (the WHATWG EventSource rules) fed with chunks as they
 * arrive: CRLF, LF and CR line ends, comments, multi-line data, event names, ids, a leading BOM.
 * Events whose data is empty (keep-alives, "priming" events that only carry an id) are handed
 * over too; the caller decides. */
#ifndef SSE_H
#define SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "mw_check.h"

struct sse_event {
  const char *type; /* "message" when the event named none */
  const char *data; /* data lines joined with '\n'; NUL-terminated */
  size_t data_len;
  const char *id; /* the last event id seen so far, "" when none */
};

/* 0 to go on; anything else stops sse_feed, which returns it. */
typedef int (*sse_handler)(void *ctx, const struct sse_event *event);

#define SSE_TOO_LARGE (-1000) /* a line or an event's data passed max_event */

struct sse_parser {
  struct mw_buf line;
  struct mw_buf data;
  char type[64];
  char id[256];
  long retry_ms;      /* the last "retry" field, -1 when none came */
  bool started;       /* past a possible BOM */
  size_t bom_matched; /* BOM bytes seen so far */
  bool after_cr;
  size_t events; /* dispatched so far */
  sse_handler handler;
  void *ctx;
};

void sse_init(struct sse_parser *parser, size_t max_event, sse_handler handler, void *ctx);
/* 0, the handler's nonzero answer (later bytes of the chunk are not parsed), or SSE_TOO_LARGE. */
int sse_feed(struct sse_parser *parser, const char *bytes, size_t len);
void sse_free(struct sse_parser *parser);
/* Before the bytes of a reconnected stream: a partial line or event of the old one is dropped,
 * the last event id and retry are kept. */
void sse_new_stream(struct sse_parser *parser);

#endif
