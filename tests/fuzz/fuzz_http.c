/* SPDX-License-Identifier: MIT */
/* fuzz_http.c - libmwhttp's transport (http.c) replaced by a script: the fuzz input is the
 * server. The real option handling, authentication and delivery code (http_config.c,
 * http_auth.c, http_deliver.c) is linked as is; only the bytes that would come off the network
 * are taken from the input, so every check and notifier handles them exactly as it would a
 * real server's.
 *
 * A script is a list of answers, one per request, in the order the requests are made:
 *
 *   STATUS [CONTENT-TYPE]\n        "200 application/json"; "timeout", "toolarge" or "fail"
 *   Name: value\n                  headers (Retry-After, Mcp-Session-Id, ...), then
 *   \n                             an empty line, then
 *   BODY                           up to "\n=====\n" or the end of the input
 *
 * A request made after the last answer fails as a refused connection would. Bodies handed to a
 * sink (SSE streams) arrive in chunks of varying size, as TCP would cut them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_http.h"
#include "mw_core.h"
#include "mw_http.h"

#define SEPARATOR "\n=====\n"

struct answer {
  enum mw_http_status status;
  long code;
  char content_type[128];
  const char *headers; /* the header lines, up to the empty line */
  size_t headers_len;
  const char *body;
  size_t body_len;
};

static const char *script;
static size_t script_len;
static size_t script_pos;
static unsigned answers_given;

void fuzz_http_script(const uint8_t *data, size_t len)
{
  script = (const char *)data;
  script_len = len;
  script_pos = 0;
  answers_given = 0;
}

struct mw_http {
  size_t max_size;
};

struct mw_http *mw_http_new(const struct mw_http_config *config, char *err, size_t errlen)
{
  struct mw_http *http = calloc(1, sizeof(*http));

  if (!http) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  http->max_size = config->max_size ? config->max_size : MW_HTTP_MAX_SIZE_DEFAULT;
  return http;
}

void mw_http_free(struct mw_http *http)
{
  free(http);
}

void mw_http_response_free(struct mw_http_response *resp)
{
  size_t i;

  for (i = 0; i < MW_HTTP_MAX_CAPTURE; i++) {
    free(resp->captured[i]);
    resp->captured[i] = NULL;
  }
  free(resp->body);
  resp->body = NULL;
  resp->body_len = 0;
}

static const char *find(const char *from, const char *end, const char *what)
{
  size_t n = strlen(what);

  for (; from + n <= end; from++)
    if (memcmp(from, what, n) == 0)
      return from;
  return NULL;
}

/* The next answer of the script; false when there is none. */
static bool next_answer(struct answer *a)
{
  const char *start = script + script_pos;
  const char *end = script + script_len;
  const char *stop;
  const char *line_end;
  const char *blank;
  char first[160];
  size_t n;

  memset(a, 0, sizeof(*a));
  if (!script || script_pos >= script_len)
    return false;
  stop = find(start, end, SEPARATOR);
  script_pos = stop ? (size_t)(stop - script) + strlen(SEPARATOR) : script_len;
  if (!stop)
    stop = end;
  answers_given++;

  line_end = memchr(start, '\n', (size_t)(stop - start));
  if (!line_end)
    line_end = stop;
  n = (size_t)(line_end - start) < sizeof(first) - 1 ? (size_t)(line_end - start)
                                                     : sizeof(first) - 1;
  memcpy(first, start, n);
  first[n] = '\0';
  if (strncmp(first, "timeout", 7) == 0) {
    a->status = MW_HTTP_TIMED_OUT;
    return true;
  }
  if (strncmp(first, "toolarge", 8) == 0) {
    a->status = MW_HTTP_TOO_LARGE;
    return true;
  }
  a->code = strtol(first, NULL, 10);
  if (a->code < 100 || a->code > 999) {
    a->status = MW_HTTP_FAILED;
    return true;
  }
  a->status = MW_HTTP_DONE;
  a->body = stop;
  if (first[3] == ' ')
    snprintf(a->content_type, sizeof(a->content_type), "%s", first + 4);
  if (line_end == stop)
    return true;
  a->headers = line_end + 1;
  blank = find(a->headers, stop, "\n\n");
  if (a->headers < stop && *a->headers == '\n') {
    a->headers_len = 0;
    a->body = a->headers + 1;
  } else if (blank) {
    a->headers_len = (size_t)(blank - a->headers) + 1;
    a->body = blank + 2;
  } else {
    a->headers_len = (size_t)(stop - a->headers);
    a->body = stop;
  }
  a->body_len = (size_t)(stop - a->body);
  return true;
}

static void capture(const struct answer *a, const struct mw_http_request *req,
                    struct mw_http_response *resp)
{
  const char *line = a->headers;
  const char *end;

  if (!line)
    return;
  end = a->headers + a->headers_len;
  while (line < end) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    const char *colon;
    size_t i;

    if (!eol)
      eol = end;
    colon = memchr(line, ':', (size_t)(eol - line));
    for (i = 0; colon && i < req->n_capture && i < MW_HTTP_MAX_CAPTURE; i++) {
      const char *value = colon + 1;
      size_t name_len = strlen(req->capture[i]);

      if (name_len != (size_t)(colon - line) || strncasecmp(req->capture[i], line, name_len) != 0)
        continue;
      while (value < eol && *value == ' ')
        value++;
      free(resp->captured[i]);
      resp->captured[i] = strndup(value, (size_t)(eol - value));
    }
    line = eol + 1;
  }
}

static enum mw_http_status failure(const struct answer *a, bool answered, size_t max_size,
                                   char *err, size_t errlen)
{
  if (!answered) {
    snprintf(err, errlen, "Failed to connect to 127.0.0.1 port 1: Connection refused");
    return MW_HTTP_FAILED;
  }
  if (a->status == MW_HTTP_TIMED_OUT)
    snprintf(err, errlen, "timed out after 1.0 s (Operation timed out)");
  else if (a->status == MW_HTTP_TOO_LARGE)
    snprintf(err, errlen, "response body larger than %zu bytes", max_size);
  else
    snprintf(err, errlen, "Recv failure: Connection reset by peer");
  return a->status;
}

static void start_response(const struct answer *a, const struct mw_http_request *req,
                           struct mw_http_response *resp)
{
  memset(resp, 0, sizeof(*resp));
  resp->status = a->code;
  snprintf(resp->content_type, sizeof(resp->content_type), "%s", a->content_type);
  snprintf(resp->version, sizeof(resp->version), "1.1");
  resp->time.total = 0.004;
  capture(a, req, resp);
}

/* The body handed to a sink from offset *pos on, in chunks of varying size; the sink's verdict
 * (MW_HTTP_SINK_DONE stops early) or 0 when the body ran out. */
static int feed(const struct mw_http_request *req, struct mw_http_response *resp,
                const struct answer *a, size_t *pos, size_t max_size, bool *too_large)
{
  static const size_t chunks[] = {1, 2, 3, 5, 8, 13, 64, 1024, 7};
  size_t k = answers_given;

  while (*pos < a->body_len) {
    size_t len = chunks[k++ % (sizeof(chunks) / sizeof(chunks[0]))];
    int verdict;

    if (len > a->body_len - *pos)
      len = a->body_len - *pos;
    if (len > max_size - resp->received) {
      *too_large = true;
      return MW_HTTP_SINK_FAIL;
    }
    resp->received += len;
    verdict = req->sink(req->sink_ctx, resp, a->body + *pos, len);
    *pos += len;
    if (verdict != 0)
      return verdict;
  }
  return 0;
}

enum mw_http_status mw_http_perform(struct mw_http *http, const struct mw_http_request *req,
                                    struct mw_http_response *resp, mw_deadline deadline, char *err,
                                    size_t errlen)
{
  struct answer a;
  bool answered = next_answer(&a);
  enum mw_http_status result = MW_HTTP_DONE;

  (void)deadline;
  memset(resp, 0, sizeof(*resp));
  if (!answered || a.status != MW_HTTP_DONE) {
    result = failure(&a, answered, http->max_size, err, errlen);
  } else if (req->sink) {
    size_t pos = 0;
    bool too_large = false;
    int verdict;

    start_response(&a, req, resp);
    verdict = feed(req, resp, &a, &pos, http->max_size, &too_large);
    if (too_large) {
      a.status = MW_HTTP_TOO_LARGE;
      result = failure(&a, true, http->max_size, err, errlen);
    } else if (verdict == MW_HTTP_SINK_FAIL) {
      snprintf(err, errlen, "the reader refused the response");
      result = MW_HTTP_FAILED;
    } else if (verdict == MW_HTTP_SINK_DONE) {
      resp->stopped = true;
    }
  } else if (a.body_len > http->max_size) {
    a.status = MW_HTTP_TOO_LARGE;
    result = failure(&a, true, http->max_size, err, errlen);
  } else {
    start_response(&a, req, resp);
    resp->body = malloc(a.body_len + 1);
    if (resp->body) {
      memcpy(resp->body, a.body, a.body_len);
      resp->body[a.body_len] = '\0';
      resp->body_len = a.body_len;
      resp->received = a.body_len;
    }
  }
  if (!resp->body)
    resp->body = calloc(1, 1);
  return result;
}

struct mw_http_stream {
  struct mw_http_request req;
  struct mw_http_response *resp;
  struct answer answer;
  size_t pos;
  size_t max_size;
};

enum mw_http_status mw_http_stream_open(struct mw_http *http, const struct mw_http_request *req,
                                        struct mw_http_response *resp, struct mw_http_stream **out,
                                        mw_deadline deadline, char *err, size_t errlen)
{
  struct mw_http_stream *stream;
  struct answer a;
  bool answered;

  *out = NULL;
  memset(resp, 0, sizeof(*resp));
  if (!req->sink) {
    snprintf(err, errlen, "a stream needs a sink");
    return MW_HTTP_FAILED;
  }
  answered = next_answer(&a);
  if (!answered || a.status != MW_HTTP_DONE)
    return failure(&a, answered, http->max_size, err, errlen);
  stream = calloc(1, sizeof(*stream));
  if (!stream) {
    snprintf(err, errlen, "out of memory");
    return MW_HTTP_FAILED;
  }
  stream->req = *req;
  stream->resp = resp;
  stream->answer = a;
  stream->max_size = http->max_size;
  start_response(&a, req, resp);
  *out = stream;
  return mw_http_stream_pump(stream, deadline, err, errlen);
}

enum mw_http_status mw_http_stream_pump(struct mw_http_stream *stream, mw_deadline deadline,
                                        char *err, size_t errlen)
{
  bool too_large = false;
  int verdict;

  (void)deadline;
  verdict =
      feed(&stream->req, stream->resp, &stream->answer, &stream->pos, stream->max_size, &too_large);
  if (verdict == MW_HTTP_SINK_DONE)
    return MW_HTTP_DONE;
  if (too_large) {
    snprintf(err, errlen, "response body larger than %zu bytes", stream->max_size);
    return MW_HTTP_TOO_LARGE;
  }
  snprintf(err, errlen, "%s",
           verdict == MW_HTTP_SINK_FAIL ? "the reader refused the response" : "the stream ended");
  return MW_HTTP_FAILED;
}

void mw_http_stream_close(struct mw_http_stream *stream)
{
  size_t i;

  if (!stream)
    return;
  /* As the real stream: the captured headers are its own, the response struct the caller's. */
  for (i = 0; i < MW_HTTP_MAX_CAPTURE; i++) {
    free(stream->resp->captured[i]);
    stream->resp->captured[i] = NULL;
  }
  free(stream);
}
