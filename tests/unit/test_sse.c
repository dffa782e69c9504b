/* SPDX-License-Identifier: MIT */
/* test_sse.c - the SSE parser: line ends (CRLF, LF, CR, split across chunks), comments,
 * multi-line data, event names, ids, a BOM, empty events, the size cap, and stopping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sse.h"

/* Every event as "type|id|data" lines in one string. */
struct seen {
  char text[4096];
  int stop_after; /* stop after this many events; 0: never */
  int count;
};

static int record(void *ctx, const struct sse_event *event)
{
  struct seen *seen = ctx;
  size_t len = strlen(seen->text);

  assert_int_equal(strlen(event->data), event->data_len);
  snprintf(seen->text + len, sizeof(seen->text) - len, "%s|%s|%s\n", event->type, event->id,
           event->data);
  seen->count++;
  return seen->stop_after && seen->count >= seen->stop_after ? 7 : 0;
}

/* Feeds input in chunks of size step (0: all at once) and returns what was seen. */
static const char *parse(const char *input, size_t step, struct seen *seen)
{
  struct sse_parser parser;
  size_t len = strlen(input);
  size_t at = 0;

  memset(seen, 0, sizeof(*seen));
  sse_init(&parser, 1024, record, seen);
  if (step == 0)
    step = len ? len : 1;
  while (at < len) {
    size_t n = len - at < step ? len - at : step;

    assert_int_equal(sse_feed(&parser, input + at, n), 0);
    at += n;
  }
  sse_free(&parser);
  return seen->text;
}

static void test_events(void **state)
{
  static const struct {
    const char *input;
    const char *want;
  } cases[] = {
      {"data: hello\n\n", "message||hello\n"},
      {"data:hello\n\n", "message||hello\n"},
      {"data:  two spaces\n\n", "message|| two spaces\n"},
      {"event: message\nid: 7\ndata: {\"a\":1}\n\n", "message|7|{\"a\":1}\n"},
      {"data: one\ndata: two\n\n", "message||one\ntwo\n"},
      {"data: crlf\r\n\r\n", "message||crlf\n"},
      {"data: cr\r\rdata: next\r\r", "message||cr\nmessage||next\n"},
      {": a comment\n\ndata: x\n\n", "message||x\n"},
      {"id: only an id\n\n", ""},
      {"id: 1\ndata: \n\n", "message|1|\n"},
      {"data\n\n", "message||\n"},
      {"event: endpoint\ndata: /message?sessionId=abc\n\n", "endpoint||/message?sessionId=abc\n"},
      {"retry: 1000\nunknown: field\ndata: y\n\n", "message||y\n"},
      {"data: no blank line at the end\n", ""},
      {"\xEF\xBB\xBF"
       "data: after a BOM\n\n",
       "message||after a BOM\n"},
      {"id: 5\ndata: a\n\ndata: b\n\n", "message|5|a\nmessage|5|b\n"},
      {"event: first\ndata: a\n\ndata: b\n\n", "first||a\nmessage||b\n"},
  };
  struct seen seen;
  size_t i;
  size_t step;
  (void)state;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    for (step = 0; step <= 3; step++)
      assert_string_equal(parse(cases[i].input, step, &seen), cases[i].want);
}

static void test_crlf_split(void **state)
{
  struct sse_parser parser;
  struct seen seen;
  (void)state;

  /* A CR at the end of one chunk and its LF at the start of the next are one line end. */
  memset(&seen, 0, sizeof(seen));
  sse_init(&parser, 1024, record, &seen);
  assert_int_equal(sse_feed(&parser, "data: a\r", 8), 0);
  assert_int_equal(sse_feed(&parser, "\ndata: b\r", 9), 0);
  assert_int_equal(sse_feed(&parser, "\n\r\n", 3), 0);
  assert_string_equal(seen.text, "message||a\nb\n");
  sse_free(&parser);
}

static void test_too_large(void **state)
{
  struct sse_parser parser;
  struct seen seen;
  char big[300];
  int i;
  int rc = 0;
  (void)state;

  memset(&seen, 0, sizeof(seen));
  sse_init(&parser, 1024, record, &seen);
  memset(big, 'x', sizeof(big));
  /* A line without end, and data lines of an event without end, both hit the cap. */
  for (i = 0; i < 10 && rc == 0; i++)
    rc = sse_feed(&parser, big, sizeof(big));
  assert_int_equal(rc, SSE_TOO_LARGE);
  sse_free(&parser);

  memset(&seen, 0, sizeof(seen));
  sse_init(&parser, 1024, record, &seen);
  rc = 0;
  for (i = 0; i < 40 && rc == 0; i++)
    rc = sse_feed(&parser, "data: 0123456789012345678901234567890123456789\n", 47);
  assert_int_equal(rc, SSE_TOO_LARGE);
  assert_int_equal(seen.count, 0);
  sse_free(&parser);
}

static void test_stop(void **state)
{
  struct sse_parser parser;
  struct seen seen;
  const char *input = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
  (void)state;

  memset(&seen, 0, sizeof(seen));
  seen.stop_after = 2;
  sse_init(&parser, 1024, record, &seen);
  assert_int_equal(sse_feed(&parser, input, strlen(input)), 7);
  assert_string_equal(seen.text, "message||1\nmessage||2\n");
  sse_free(&parser);
}

static void test_many_events(void **state)
{
  struct sse_parser parser;
  struct seen seen;
  int i;
  (void)state;

  /* Memory is reused from event to event: far more data than the cap passes in small events. */
  memset(&seen, 0, sizeof(seen));
  sse_init(&parser, 64, record, &seen);
  for (i = 0; i < 1000; i++) {
    seen.text[0] = '\0';
    assert_int_equal(sse_feed(&parser, "data: 0123456789\n\n", 18), 0);
  }
  assert_int_equal(seen.count, 1000);
  assert_int_equal(parser.events, 1000);
  sse_free(&parser);
}

/* retry: all digits is taken (2025-11-25 resumption waits that long), anything else ignored; a
 * new stream keeps the last id and retry but drops a partial event of the old one. */
static void test_retry_and_new_stream(void **state)
{
  struct sse_parser parser;
  struct seen seen;
  static const char first[] = "id: e1\nretry: 250\ndata: \n\nretry: 2x\nretry:\ndata: part";
  static const char second[] = "ial\n\ndata: whole\n\n";

  (void)state;
  memset(&seen, 0, sizeof(seen));
  sse_init(&parser, 1024, record, &seen);
  assert_int_equal(parser.retry_ms, -1);
  assert_int_equal(sse_feed(&parser, first, strlen(first)), 0);
  assert_int_equal(parser.retry_ms, 250);
  sse_new_stream(&parser);
  assert_string_equal(parser.id, "e1");
  assert_int_equal(parser.retry_ms, 250);
  assert_int_equal(sse_feed(&parser, second, strlen(second)), 0);
  assert_string_equal(seen.text, "message|e1|\nmessage|e1|whole\n");
  sse_free(&parser);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_events),      cmocka_unit_test(test_crlf_split),
      cmocka_unit_test(test_too_large),   cmocka_unit_test(test_stop),
      cmocka_unit_test(test_many_events), cmocka_unit_test(test_retry_and_new_stream)};

  return cmocka_run_group_tests(tests, NULL, NULL);
}
