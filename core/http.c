/* http.c - libmwhttp: one libcurl easy handle per client, every request bounded by the run's
 * deadline and its body by a size cap. */
#include "config.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_core.h"
#include "mw_http.h"

const char *const mw_http_versions[] = {"auto", "1.1", "2", NULL};

struct mw_http {
  CURL *curl;
  struct curl_slist *resolve;
  size_t max_size;
  char errbuf[CURL_ERROR_SIZE];
};

/* What the write callback fills. */
struct sink {
  struct mw_buf body;
  bool too_large;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_FAILED_INIT;

static void global_init(void)
{
  global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The library may be unloaded with its check: give back what curl_global_init took. */
__attribute__((destructor)) static void global_cleanup(void)
{
  if (global_result == CURLE_OK)
    curl_global_cleanup();
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
  struct sink *sink = userdata;
  size_t len = size * nmemb;

  if (mw_buf_add(&sink->body, data, len) != 0) {
    sink->too_large = true;
    return 0; /* curl stops with CURLE_WRITE_ERROR */
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
  if (!http->curl) {
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
  SET(CURLOPT_ERRORBUFFER, http->errbuf);
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_USERAGENT, "mcpwatch/" PACKAGE_VERSION);
  SET(CURLOPT_WRITEFUNCTION, on_body);
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

static void read_info(CURL *curl, struct mw_http_response *resp)
{
  char *type = NULL;
  long version = 0;
  long connects = -1;

  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
  curl_easy_getinfo(curl, CURLINFO_REDIRECT_COUNT, &resp->redirects);
  if (curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
    resp->reused = resp->status != 0 && connects == 0;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
    snprintf(resp->content_type, sizeof(resp->content_type), "%s", type);
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

/* Sets everything a request changes, so one request never inherits the last one's method. */
static int prepare(struct mw_http *http, const struct mw_http_request *req,
                   struct curl_slist *headers, struct sink *sink, mw_deadline deadline, char *err,
                   size_t errlen)
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
  SET(CURLOPT_WRITEDATA, sink);
  /* Both bounds from the run's deadline: curl's own timer covers resolving (threaded),
   * connecting, the TLS handshake and the transfer. */
  SET(CURLOPT_TIMEOUT_MS, left_ms > 0 ? left_ms : 1L);
  SET(CURLOPT_CONNECTTIMEOUT_MS, left_ms > 0 ? left_ms : 1L);
  return 0;
fail:
  return -1;
}

static const char *reason(struct mw_http *http, CURLcode code)
{
  return http->errbuf[0] ? http->errbuf : curl_easy_strerror(code);
}

enum mw_http_status mw_http_perform(struct mw_http *http, const struct mw_http_request *req,
                                    struct mw_http_response *resp, mw_deadline deadline, char *err,
                                    size_t errlen)
{
  struct curl_slist *headers = NULL;
  struct sink sink;
  enum mw_http_status result = MW_HTTP_FAILED;
  CURLcode code;
  size_t i;

  memset(resp, 0, sizeof(*resp));
  mw_buf_init(&sink.body, http->max_size);
  sink.too_large = false;
  for (i = 0; i < req->n_headers; i++) {
    struct curl_slist *grown = curl_slist_append(headers, req->headers[i]);

    if (!grown) {
      snprintf(err, errlen, "out of memory");
      goto cleanup;
    }
    headers = grown;
  }
  if (mw_deadline_passed(deadline)) {
    snprintf(err, errlen, "timed out before the request was sent");
    result = MW_HTTP_TIMED_OUT;
    goto cleanup;
  }
  if (prepare(http, req, headers, &sink, deadline, err, errlen) != 0)
    goto cleanup;
  http->errbuf[0] = '\0';
  code = curl_easy_perform(http->curl);
  read_info(http->curl, resp);
  if (code == CURLE_OK) {
    result = MW_HTTP_DONE;
  } else if (code == CURLE_OPERATION_TIMEDOUT) {
    snprintf(err, errlen, "timed out after %.1f s (%s)", resp->time.total, reason(http, code));
    result = MW_HTTP_TIMED_OUT;
  } else if (sink.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    snprintf(err, errlen, "response body larger than %zu bytes", http->max_size);
    result = MW_HTTP_TOO_LARGE;
  } else {
    snprintf(err, errlen, "%s", reason(http, code));
  }
cleanup:
  /* The handle keeps option pointers: never leave it pointing at this request's memory. */
  curl_easy_setopt(http->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
  curl_easy_setopt(http->curl, CURLOPT_POSTFIELDS, (char *)NULL);
  curl_slist_free_all(headers);
  resp->body_len = sink.body.len;
  resp->body = sink.body.data;
  if (!resp->body) {
    resp->body = calloc(1, 1);
    if (!resp->body && result == MW_HTTP_DONE) {
      snprintf(err, errlen, "out of memory");
      result = MW_HTTP_FAILED;
    }
  }
  return result;
}

void mw_http_response_free(struct mw_http_response *resp)
{
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
  curl_slist_free_all(http->resolve);
  free(http);
}

int mw_http_config_from_args(const struct mw_args *args, struct mw_http_config *config,
                             const char **resolve_store, size_t resolve_max, char *err,
                             size_t errlen)
{
  long long max_size = mw_args_int(args, "max-size");
  size_t i;

  memset(config, 0, sizeof(*config));
  config->ca_cert = mw_args_str(args, "ca-cert");
  config->client_cert = mw_args_str(args, "client-cert");
  config->client_key = mw_args_str(args, "client-key");
  config->insecure = mw_args_bool(args, "insecure");
  config->http_version = mw_args_str(args, "http-version");
  if (max_size < 1 || max_size > 1024LL * 1024 * 1024) {
    snprintf(err, errlen, "--max-size must be between 1 byte and 1 GiB");
    return -1;
  }
  config->max_size = (size_t)max_size;
  if (config->client_key && !config->client_cert) {
    snprintf(err, errlen, "--client-key needs --client-cert");
    return -1;
  }
  config->n_resolve = mw_args_count(args, "resolve");
  if (config->n_resolve > resolve_max) {
    snprintf(err, errlen, "at most %zu --resolve pins", resolve_max);
    return -1;
  }
  for (i = 0; i < config->n_resolve; i++) {
    const char *pin = mw_args_str_at(args, "resolve", i);
    const char *port = strchr(pin, ':');
    const char *addr = port ? strchr(port + 1, ':') : NULL;
    char *end = NULL;
    long number = port ? strtol(port + 1, &end, 10) : 0;

    if (!port || port == pin || !addr || end != addr || number < 1 || number > 65535 ||
        addr[1] == '\0') {
      snprintf(err, errlen, "--resolve %s: expected HOST:PORT:ADDRESS", pin);
      return -1;
    }
    resolve_store[i] = pin;
  }
  config->resolve = resolve_store;
  return 0;
}
