/* SPDX-License-Identifier: MIT */
/* http_config.c - the parts of libmwhttp that never touch the network: options to a client
 * configuration and URL resolution. Kept apart from the transport (http.c) so that the fuzz
 * targets can link the real option handling with a scripted transport. */
#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_core.h"
#include "mw_http.h"

const char *const mw_http_versions[] = {"auto", "1.1", "2", NULL};

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

int mw_http_resolve_url(const char *base, const char *ref, char *out, size_t outlen)
{
  CURLU *url = curl_url();
  char *text = NULL;
  char *scheme = NULL;
  int result = -1;

  if (!url || curl_url_set(url, CURLUPART_URL, base, 0) != CURLUE_OK ||
      curl_url_set(url, CURLUPART_URL, ref, 0) != CURLUE_OK ||
      curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
      curl_url_get(url, CURLUPART_URL, &text, 0) != CURLUE_OK)
    goto cleanup;
  if ((size_t)snprintf(out, outlen, "%s", text) < outlen)
    result = 0;
cleanup:
  curl_free(text);
  curl_free(scheme);
  curl_url_cleanup(url);
  return result;
}

/* "scheme://host:port" of url, lower case, into out: 0, or -1. */
static int origin_of(const char *url, char *out, size_t outlen)
{
  CURLU *parsed = curl_url();
  char *scheme = NULL;
  char *host = NULL;
  char *port = NULL;
  int result = -1;
  size_t i;

  if (!parsed || curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
      curl_url_get(parsed, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
    goto cleanup;
  if ((size_t)snprintf(out, outlen, "%s://%s:%s", scheme, host, port) >= outlen)
    goto cleanup;
  for (i = 0; out[i]; i++)
    out[i] = (char)tolower((unsigned char)out[i]);
  result = 0;
cleanup:
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(parsed);
  return result;
}

bool mw_http_same_origin(const char *a, const char *b)
{
  char origin_a[512];
  char origin_b[512];

  return origin_of(a, origin_a, sizeof(origin_a)) == 0 &&
         origin_of(b, origin_b, sizeof(origin_b)) == 0 && strcmp(origin_a, origin_b) == 0;
}
