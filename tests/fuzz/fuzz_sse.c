/* SPDX-License-Identifier: MIT */
/* fuzz_sse.c - the Server-Sent Events parser: the events of a stream must not depend on where
 * the network cut it. The input is parsed whole and again in pieces whose sizes come from the
 * input; both must give the same events (type, data, id) and the same verdict. */
#include "config.h"

#include <string.h>

#include "fuzz_common.h"
#include "sse.h"

struct digest {
  size_t events;
  uint64_t hash;
};

static uint64_t mix(uint64_t hash, const char *text, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++)
    hash = (hash ^ (unsigned char)text[i]) * 1099511628211ULL;
  return (hash ^ 0xff) * 1099511628211ULL;
}

static int record(void *ctx, const struct sse_event *event)
{
  struct digest *d = ctx;

  fuzz_expect(event->type && event->data && event->id, "an event field is NULL", NULL);
  fuzz_expect(event->data[event->data_len] == '\0', "event data not terminated", event->data);
  d->events++;
  d->hash = mix(d->hash, event->type, strlen(event->type));
  d->hash = mix(d->hash, event->data, event->data_len);
  d->hash = mix(d->hash, event->id, strlen(event->id));
  return 0;
}

static int parse(const uint8_t *data, size_t size, size_t piece_seed, struct digest *d)
{
  struct sse_parser parser;
  size_t pos = 0;
  size_t k = piece_seed;
  int rc = 0;

  memset(d, 0, sizeof(*d));
  d->hash = 14695981039346656037ULL;
  sse_init(&parser, 4096, record, d);
  while (pos < size && rc == 0) {
    size_t len = piece_seed ? 1 + (data[k++ % size] % 17) : size;

    if (len > size - pos)
      len = size - pos;
    rc = sse_feed(&parser, (const char *)data + pos, len);
    pos += len;
  }
  sse_free(&parser);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct digest whole;
  struct digest pieces;
  int rc_whole;
  int rc_pieces;

  if (size == 0 || size > 256 * 1024)
    return 0;
  rc_whole = parse(data, size, 0, &whole);
  rc_pieces = parse(data, size, 1, &pieces);
  fuzz_expect(rc_whole == rc_pieces, "the verdict depends on how the stream was cut", NULL);
  if (rc_whole == 0)
    fuzz_expect(whole.events == pieces.events && whole.hash == pieces.hash,
                "the events depend on how the stream was cut", NULL);
  return 0;
}
