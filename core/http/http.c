/* SPDX-License-Identifier: MIT */
/* http.c - libmwhttp: one libcurl easy handle per client, every request bounded by the run's
 * deadline and its body by a size cap. */
#include "config.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_impl.h"
#include "mw_core.h"
#include "mw_http.h"

struct mw_http {
  CURL *curl;
  CURLSH *share; /* the client's connections and host names, whichever multi handle drives it */
  struct curl_slist *resolve;
  struct http_pin_cache pin_cache;
  size_t max_size;
  char errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks of one request fill. */
struct transfer {
  CURL *curl;
  const struct mw_http_request *req;
  struct mw_http_response *resp;
  size_t max_size;
  struct mw_buf body;
  bool too_large;
  bool sink_failed;
  bool sink_done;
  bool keep_going; /* a stream: the sink's DONE does not end the transfer */
  bool info_read;
  struct curl_slist *pins; /* this request's resolved host (http_pin.c), or NULL */
  bool headers_complete;   /* the empty line that ends the response headers was read */
  bool resolve_timed_out;  /* the host name did not resolve before the deadline */
};

#define HEADER_VALUE_MAX 4096

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_FAILED_INIT;

static void global_init(void)
{
  global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The library may be unloaded with its check: give back what curl_global_init took. */
__attribute__((destructor)) static void global_cleanup(void)
{
  http_drive_cleanup();
  if (global_result == CURLE_OK)
    curl_global_cleanup();
}

static void read_status(struct transfer *t)
{
  char *type = NULL;

  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->resp->status);
  if (curl_easy_getinfo(t->curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
    snprintf(t->resp->content_type, sizeof(t->resp->content_type), "%s", type);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
  struct transfer *t = userdata;
  size_t len = size * nmemb;
  int verdict;

  if (len > t->max_size - t->resp->received) {
    t->too_large = true;
    return 0; /* curl stops with CURLE_WRITE_ERROR */
  }
  t->resp->received += len;
  if (!t->req->sink) {
    if (mw_buf_add(&t->body, data, len) != 0) {
      t->too_large = true;
      return 0;
    }
    return len;
  }
  if (!t->info_read) {
    read_status(t);
    t->info_read = true;
  }
  verdict = t->req->sink(t->req->sink_ctx, t->resp, data, len);
  if (verdict == MW_HTTP_SINK_FAIL) {
    t->sink_failed = true;
    return 0;
  }
  if (verdict == MW_HTTP_SINK_DONE) {
    t->sink_done = true;
    if (!t->keep_going)
      return 0;
  }
  return len;
}

static void clear_captured(struct mw_http_response *resp)
{
  size_t i;

  for (i = 0; i < MW_HTTP_MAX_CAPTURE; i++) {
    free(resp->captured[i]);
    resp->captured[i] = NULL;
  }
}

/* Keeps the values of the wanted headers; a new status line (a redirect, a 100 Continue) starts
 * over, so that only the final response's headers remain. */
static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
  struct transfer *t = userdata;
  size_t len = size * nitems;
  const char *colon = memchr(data, ':', len);
  size_t i;

  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    clear_captured(t->resp);
    t->headers_complete = false;
    return len;
  }
  if ((len == 2 && data[0] == '\r' && data[1] == '\n') || (len == 1 && data[0] == '\n')) {
    t->headers_complete = true;
    return len;
  }
  if (!colon)
    return len;
  for (i = 0; i < t->req->n_capture && i < MW_HTTP_MAX_CAPTURE; i++) {
    const char *name = t->req->capture[i];
    const char *value = colon + 1;
    const char *end = data + len;

    if (strlen(name) != (size_t)(colon - data) || strncasecmp(name, data, strlen(name)) != 0)
      continue;
    while (value < end && (*value == ' ' || *value == '\t'))
      value++;
    while (end > value && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
      end--;
    free(t->resp->captured[i]);
    t->resp->captured[i] = strndup(
        value, (size_t)(end - value) < HEADER_VALUE_MAX ? (size_t)(end - value) : HEADER_VALUE_MAX);
  }
  return len;
}

#define SET(opt, val)                                                                              \
  do {                                                                                             \
    if (curl_easy_setopt(http->curl, opt, val) != CURLE_OK) {                                      \
      snprintf(err, errlen, "libcurl refused %s", #opt);                                           \
      goto fail;                                                                                   \
    }                                                                                              \
  } while (0)

static long version_code(const char *version)
{
  if (version && strcmp(version, "1.1") == 0)
    return CURL_HTTP_VERSION_1_1;
  if (version && strcmp(version, "2") == 0)
    return CURL_HTTP_VERSION_2_0;
  return CURL_HTTP_VERSION_2TLS;
}

struct mw_http *mw_http_new(const struct mw_http_config *config, char *err, size_t errlen)
{
  struct mw_http *http;
  size_t i;

  pthread_once(&global_once, global_init);
  if (global_result != CURLE_OK) {
    snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(global_result));
    return NULL;
  }
  http = calloc(1, sizeof(*http));
  if (!http) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  http->max_size = config->max_size ? config->max_size : MW_HTTP_MAX_SIZE_DEFAULT;
  http->curl = curl_easy_init();
  http->share = curl_share_init();
  if (!http->curl || !http->share ||
      curl_share_setopt(http->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
      curl_share_setopt(http->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
    snprintf(err, errlen, "libcurl: cannot create a handle");
    goto fail;
  }
  for (i = 0; i < config->n_resolve; i++) {
    struct curl_slist *grown = curl_slist_append(http->resolve, config->resolve[i]);

    if (!grown) {
      snprintf(err, errlen, "out of memory");
      goto fail;
    }
    http->resolve = grown;
  }
  /* Threads and signals: curl must never raise SIGALRM for its resolver timeouts. */
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_SHARE, http->share);
  SET(CURLOPT_ERRORBUFFER, http->errbuf);
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_USERAGENT, "mcpwatch/" PACKAGE_VERSION);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)http->max_size);
  SET(CURLOPT_HTTP_VERSION, version_code(config->http_version));
  SET(CURLOPT_FOLLOWLOCATION, config->max_redirects > 0 ? 1L : 0L);
  SET(CURLOPT_MAXREDIRS, config->max_redirects);
  SET(CURLOPT_SSL_VERIFYPEER, config->insecure ? 0L : 1L);
  SET(CURLOPT_SSL_VERIFYHOST, config->insecure ? 0L : 2L);
  if (config->ca_cert)
    SET(CURLOPT_CAINFO, config->ca_cert);
  if (config->client_cert)
    SET(CURLOPT_SSLCERT, config->client_cert);
  if (config->client_key)
    SET(CURLOPT_SSLKEY, config->client_key);
  if (http->resolve)
    SET(CURLOPT_RESOLVE, http->resolve);
  return http;
fail:
  mw_http_free(http);
  return NULL;
}

static double seconds(CURL *curl, CURLINFO info)
{
  curl_off_t us = 0;

  if (curl_easy_getinfo(curl, info, &us) != CURLE_OK || us < 0)
    return 0;
  return (double)us / 1e6;
}

static void read_info(struct transfer *t)
{
  struct mw_http_response *resp = t->resp;
  CURL *curl = t->curl;
  long version = 0;
  long connects = -1;

  read_status(t);
  curl_easy_getinfo(curl, CURLINFO_REDIRECT_COUNT, &resp->redirects);
  if (curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
    resp->reused = resp->status != 0 && connects == 0;
  curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &version);
  snprintf(resp->version, sizeof(resp->version), "%s",
           version == CURL_HTTP_VERSION_1_0   ? "1.0"
           : version == CURL_HTTP_VERSION_2_0 ? "2"
           : version == CURL_HTTP_VERSION_3   ? "3"
                                              : "1.1");
  resp->time.dns = seconds(curl, CURLINFO_NAMELOOKUP_TIME_T);
  resp->time.connect = seconds(curl, CURLINFO_CONNECT_TIME_T);
  resp->time.tls = seconds(curl, CURLINFO_APPCONNECT_TIME_T);
  resp->time.first_byte = seconds(curl, CURLINFO_STARTTRANSFER_TIME_T);
  resp->time.total = seconds(curl, CURLINFO_TOTAL_TIME_T);
}

#undef SET
#define SET(opt, val)                                                                              \
  do {                                                                                             \
    if (curl_easy_setopt(curl, opt, val) != CURLE_OK) {                                            \
      snprintf(err, errlen, "libcurl refused %s", #opt);                                           \
      return -1;                                                                                   \
    }                                                                                              \
  } while (0)

/* Sets everything a request changes, so one request never inherits the last one's method. */
static int prepare(CURL *curl, const struct mw_http_request *req, struct curl_slist *headers,
                   struct transfer *t, mw_deadline deadline, char *err, size_t errlen)
{
  const char *method = req->method ? req->method : req->body ? "POST" : "GET";
  long left_ms = mw_deadline_left_ms(deadline);

  SET(CURLOPT_URL, req->url);
  SET(CURLOPT_HTTPGET, 1L);
  SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
  if (strcmp(method, "HEAD") == 0) {
    SET(CURLOPT_NOBODY, 1L);
  } else if (req->body) {
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    SET(CURLOPT_POSTFIELDS, req->body);
  }
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
      !(strcmp(method, "POST") == 0 && req->body))
    SET(CURLOPT_CUSTOMREQUEST, method);
  SET(CURLOPT_HTTPHEADER, headers);
  SET(CURLOPT_WRITEDATA, t);
  SET(CURLOPT_HEADERDATA, t);
  /* Both bounds from the run's deadline: curl's own timer covers resolving (threaded),
   * connecting, the TLS handshake and the transfer. */
  SET(CURLOPT_TIMEOUT_MS, left_ms > 0 ? left_ms : 1L);
  SET(CURLOPT_CONNECTTIMEOUT_MS, left_ms > 0 ? left_ms : 1L);
  return 0;
}

static const char *reason(const char *errbuf, CURLcode code)
{
  return errbuf[0] ? errbuf : curl_easy_strerror(code);
}

static int start(struct transfer *t, CURL *curl, struct mw_http *http,
                 const struct mw_http_request *req, struct mw_http_response *resp,
                 struct curl_slist **headers, mw_deadline deadline, char *err, size_t errlen)
{
  size_t i;

  memset(resp, 0, sizeof(*resp));
  memset(t, 0, sizeof(*t));
  t->curl = curl;
  t->req = req;
  t->resp = resp;
  t->max_size = http->max_size;
  mw_buf_init(&t->body, http->max_size);
  if (req->n_capture > MW_HTTP_MAX_CAPTURE) {
    snprintf(err, errlen, "at most %d response headers can be captured", MW_HTTP_MAX_CAPTURE);
    return -1;
  }
  for (i = 0; i < req->n_headers; i++) {
    struct curl_slist *grown = curl_slist_append(*headers, req->headers[i]);

    if (!grown) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    *headers = grown;
  }
  /* Before prepare(): curl's timeouts are what is left after resolving. */
  if (http_pin_host(req->url, http->resolve, &http->pin_cache, deadline, &t->pins,
                    &t->resolve_timed_out, err, errlen) != 0)
    return -1;
  if (t->pins && curl_easy_setopt(curl, CURLOPT_RESOLVE, t->pins) != CURLE_OK) {
    snprintf(err, errlen, "libcurl refused CURLOPT_RESOLVE");
    return -1;
  }
  return prepare(curl, req, *headers, t, deadline, err, errlen);
}

/* The outcome of a finished (or stopped) transfer. */
static enum mw_http_status outcome(struct transfer *t, CURLcode code, const char *errbuf, char *err,
                                   size_t errlen)
{
  read_info(t);
  if (code == CURLE_OK && !t->headers_complete) {
    /* libcurl 7.88 takes a connection closed in the middle of the headers for a complete
     * answer without a body (found by tests/integration/faults.sh): it is not one. */
    snprintf(err, errlen, "the connection closed before the response headers were complete");
    return MW_HTTP_FAILED;
  }
  if (code == CURLE_OK)
    return MW_HTTP_DONE;
  if (code == CURLE_WRITE_ERROR && t->sink_done) {
    t->resp->stopped = true;
    return MW_HTTP_DONE;
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    snprintf(err, errlen, "timed out after %.1f s (%s)", t->resp->time.total, reason(errbuf, code));
    return MW_HTTP_TIMED_OUT;
  }
  if (t->too_large || code == CURLE_FILESIZE_EXCEEDED) {
    snprintf(err, errlen, "response body larger than %zu bytes", t->max_size);
    return MW_HTTP_TOO_LARGE;
  }
  if (code == CURLE_OUT_OF_MEMORY && !t->headers_complete) {
    /* libcurl 7.88 says "Out of memory" when one response header passes its 100 KiB limit. */
    snprintf(err, errlen, "a response header is larger than libcurl's 100 KiB limit");
    return MW_HTTP_TOO_LARGE;
  }
  if (t->sink_failed)
    snprintf(err, errlen, "the reader refused the response");
  else
    snprintf(err, errlen, "%s", reason(errbuf, code));
  return MW_HTTP_FAILED;
}

static void give_body(struct transfer *t, enum mw_http_status *result, char *err, size_t errlen)
{
  struct mw_http_response *resp = t->resp;

  resp->body_len = t->body.len;
  resp->body = t->body.data;
  mw_buf_init(&t->body, 0);
  if (!resp->body) {
    resp->body = calloc(1, 1);
    if (!resp->body && *result == MW_HTTP_DONE) {
      snprintf(err, errlen, "out of memory");
      *result = MW_HTTP_FAILED;
    }
  }
}

enum mw_http_status mw_http_perform(struct mw_http *http, const struct mw_http_request *req,
                                    struct mw_http_response *resp, mw_deadline deadline, char *err,
                                    size_t errlen)
{
  struct curl_slist *headers = NULL;
  struct transfer t;
  enum mw_http_status result = MW_HTTP_FAILED;
  CURLcode code;

  if (start(&t, http->curl, http, req, resp, &headers, deadline, err, errlen) != 0) {
    if (t.resolve_timed_out)
      result = MW_HTTP_TIMED_OUT;
    goto cleanup;
  }
  if (mw_deadline_passed(deadline)) {
    snprintf(err, errlen, "timed out before the request was sent");
    result = MW_HTTP_TIMED_OUT;
    goto cleanup;
  }
  http->errbuf[0] = '\0';
  code = http_drive(http->curl);
  result = outcome(&t, code, http->errbuf, err, errlen);
cleanup:
  /* The handle keeps option pointers: never leave it pointing at this request's memory. */
  curl_easy_setopt(http->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
  curl_easy_setopt(http->curl, CURLOPT_POSTFIELDS, (char *)NULL);
  curl_easy_setopt(http->curl, CURLOPT_WRITEDATA, (void *)NULL);
  curl_easy_setopt(http->curl, CURLOPT_HEADERDATA, (void *)NULL);
  if (t.pins) {
    curl_easy_setopt(http->curl, CURLOPT_RESOLVE, http->resolve);
    curl_slist_free_all(t.pins);
  }
  curl_slist_free_all(headers);
  give_body(&t, &result, err, errlen);
  return result;
}

struct mw_http_stream {
  CURLM *multi;
  CURL *curl;
  struct mw_http_request req; /* the callbacks read it long after the caller's copy is gone */
  struct curl_slist *headers;
  struct transfer t;
  bool ended;
  CURLcode end_code;
  char errbuf[CURL_ERROR_SIZE];
};

enum mw_http_status mw_http_stream_open(struct mw_http *http, const struct mw_http_request *req,
                                        struct mw_http_response *resp, struct mw_http_stream **out,
                                        mw_deadline deadline, char *err, size_t errlen)
{
  struct mw_http_stream *stream = calloc(1, sizeof(*stream));

  *out = NULL;
  if (!stream) {
    memset(resp, 0, sizeof(*resp));
    snprintf(err, errlen, "out of memory");
    return MW_HTTP_FAILED;
  }
  /* A handle of its own with the client's settings (TLS, pins, limits): the client's handle
   * stays free for the requests made while the stream is open. */
  stream->curl = curl_easy_duphandle(http->curl);
  stream->multi = curl_multi_init();
  stream->req = *req;
  if (!req->sink || !stream->curl || !stream->multi ||
      start(&stream->t, stream->curl, http, &stream->req, resp, &stream->headers, deadline, err,
            errlen) != 0 ||
      curl_easy_setopt(stream->curl, CURLOPT_ERRORBUFFER, stream->errbuf) != CURLE_OK ||
      curl_multi_add_handle(stream->multi, stream->curl) != CURLM_OK) {
    if (!req->sink)
      snprintf(err, errlen, "a stream needs a sink");
    else if (!stream->curl || !stream->multi)
      snprintf(err, errlen, "libcurl: cannot create a stream");
    bool timed_out = stream->t.resolve_timed_out;

    if (!stream->t.resp)
      memset(resp, 0, sizeof(*resp));
    mw_http_stream_close(stream);
    return timed_out ? MW_HTTP_TIMED_OUT : MW_HTTP_FAILED;
  }
  stream->t.keep_going = true;
  *out = stream;
  return mw_http_stream_pump(stream, deadline, err, errlen);
}

enum mw_http_status mw_http_stream_pump(struct mw_http_stream *stream, mw_deadline deadline,
                                        char *err, size_t errlen)
{
  struct transfer *t = &stream->t;

  t->sink_done = false;
  for (;;) {
    int running = 0;
    int queued;
    CURLMsg *msg;
    int left;

    if (curl_multi_perform(stream->multi, &running) != CURLM_OK) {
      snprintf(err, errlen, "libcurl: the stream failed");
      return MW_HTTP_FAILED;
    }
    if (t->sink_done)
      return MW_HTTP_DONE;
    while ((msg = curl_multi_info_read(stream->multi, &queued)))
      if (msg->msg == CURLMSG_DONE) {
        stream->ended = true;
        stream->end_code = msg->data.result;
      }
    if (stream->ended || t->too_large || t->sink_failed) {
      enum mw_http_status result = outcome(t, stream->ended ? stream->end_code : CURLE_WRITE_ERROR,
                                           stream->errbuf, err, errlen);

      if (result == MW_HTTP_DONE) {
        snprintf(err, errlen, "the stream ended");
        result = MW_HTTP_FAILED;
      }
      return result;
    }
    left = mw_deadline_left_ms(deadline);
    if (left == 0) {
      snprintf(err, errlen, "timed out waiting on the stream");
      return MW_HTTP_TIMED_OUT;
    }
    curl_multi_poll(stream->multi, NULL, 0, left, NULL);
  }
}

void mw_http_stream_close(struct mw_http_stream *stream)
{
  if (!stream)
    return;
  if (stream->multi && stream->curl)
    curl_multi_remove_handle(stream->multi, stream->curl);
  if (stream->curl)
    curl_easy_cleanup(stream->curl);
  if (stream->multi)
    curl_multi_cleanup(stream->multi);
  curl_slist_free_all(stream->headers);
  mw_buf_free(&stream->t.body);
  curl_slist_free_all(stream->t.pins);
  if (stream->t.resp)
    clear_captured(stream->t.resp);
  free(stream);
}

void mw_http_response_free(struct mw_http_response *resp)
{
  clear_captured(resp);
  free(resp->body);
  resp->body = NULL;
  resp->body_len = 0;
}

void mw_http_free(struct mw_http *http)
{
  if (!http)
    return;
  if (http->curl)
    curl_easy_cleanup(http->curl);
  /* After the handle that used it: the share closes the client's connections. */
  if (http->share)
    curl_share_cleanup(http->share);
  curl_slist_free_all(http->resolve);
  free(http);
}
