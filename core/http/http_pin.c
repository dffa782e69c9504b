/* SPDX-License-Identifier: MIT */
/* http_pin.c - the request's host name resolved within the deadline, then pinned for curl.
 *
 * libcurl 7.88's threaded resolver honours the timeout, but ending the transfer waits for the
 * resolver thread (curl's KNOWN_BUGS "Multi perform hangs waiting for threaded resolver"): a DNS
 * server that never answers held a 2 s check for 30 s. mw_resolve() gives up at the deadline
 * and leaves its thread behind; the addresses it finds go to curl as a "+HOST:PORT:ADDR,..." pin
 * (an entry that ages like any cached one), so curl never resolves that name itself. Numeric
 * hosts, names the user pinned with --resolve and proxied requests (the proxy resolves) are left
 * as they are; a name that does not resolve in time fails here, any other resolver error is left
 * to curl to report in its words. A client keeps its last resolution for a minute, as curl keeps
 * its DNS cache entries, so the agent does not resolve a name on every run. */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "http_impl.h"
#include "mw_core.h"

static bool proxied(void)
{
  static const char *const vars[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                                     "ALL_PROXY"};
  size_t i;

  for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
    const char *value = getenv(vars[i]);
    if (value && *value)
      return true;
  }
  return false;
}

static bool pinned_already(const struct curl_slist *pins, const char *host, const char *port)
{
  size_t host_len = strlen(host);
  size_t port_len = strlen(port);

  for (; pins; pins = pins->next) {
    const char *p = pins->data;

    if (*p == '+')
      p++;
    if (strncasecmp(p, host, host_len) == 0 && p[host_len] == ':' &&
        strncmp(p + host_len + 1, port, port_len) == 0 && p[host_len + 1 + port_len] == ':')
      return true;
  }
  return false;
}

/* "+HOST:PORT:A1,A2,..." from the resolved list; -1 when nothing fits. */
static int pin_text(const char *host, const char *port, const struct addrinfo *list, char *out,
                    size_t outlen)
{
  size_t used = (size_t)snprintf(out, outlen, "+%s:%s:", host, port);
  size_t count = 0;

  for (; list && used < outlen; list = list->ai_next) {
    char numeric[NI_MAXHOST];
    bool v6 = list->ai_family == AF_INET6;
    int wrote;

    if (getnameinfo(list->ai_addr, list->ai_addrlen, numeric, sizeof(numeric), NULL, 0,
                    NI_NUMERICHOST) != 0 ||
        strstr(out, numeric))
      continue;
    wrote = snprintf(out + used, outlen - used, "%s%s%s%s", count ? "," : "", v6 ? "[" : "",
                     numeric, v6 ? "]" : "");
    if (wrote < 0 || (size_t)wrote >= outlen - used)
      break;
    used += (size_t)wrote;
    count++;
  }
  return count > 0 && used < outlen ? 0 : -1;
}

#define PIN_CACHE_NS (60LL * 1000000000LL)

/* A URL too long for the cache is parsed every time. */
static void remember_url(struct http_pin_cache *cache, const char *url)
{
  if (strlen(url) < sizeof(cache->url))
    memcpy(cache->url, url, strlen(url) + 1);
}

int http_pin_host(const char *url, const struct curl_slist *config_pins,
                  struct http_pin_cache *cache, mw_deadline deadline, struct curl_slist **out,
                  bool *timed_out, char *err, size_t errlen)
{
  CURLU *parsed = NULL;
  struct addrinfo *list = NULL;
  struct in6_addr scratch;
  char *host = NULL;
  char *port = NULL;
  char key[600];
  char why[300];
  int result = 0;

  *out = NULL;
  *timed_out = false;
  if (strcmp(cache->url, url) == 0) {
    if (cache->no_pin)
      return 0;
    if (cache->pin[0] && mw_now_ns() < cache->until)
      goto pin;
  }
  cache->url[0] = '\0';
  parsed = curl_url();
  if (!parsed || curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
      curl_url_get(parsed, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
    goto cleanup;
  cache->no_pin = proxied() || host[0] == '[' || inet_pton(AF_INET, host, &scratch) == 1 ||
                  pinned_already(config_pins, host, port);
  if (cache->no_pin) {
    remember_url(cache, url);
    goto cleanup;
  }
  snprintf(key, sizeof(key), "+%s:%s:", host, port);
  if (strncasecmp(cache->pin, key, strlen(key)) != 0 || mw_now_ns() >= cache->until) {
    cache->pin[0] = '\0';
    if (mw_resolve(host, atoi(port), SOCK_STREAM, deadline, &list, why, sizeof(why)) != 0) {
      if (mw_deadline_passed(deadline)) {
        snprintf(err, errlen, "%s", why);
        *timed_out = true;
        result = -1;
      }
      goto cleanup;
    }
    if (pin_text(host, port, list, cache->pin, sizeof(cache->pin)) != 0) {
      cache->pin[0] = '\0';
      goto cleanup;
    }
    cache->until = mw_now_ns() + PIN_CACHE_NS;
  }
  remember_url(cache, url);
pin:
  for (; config_pins; config_pins = config_pins->next)
    if (!(*out = curl_slist_append(*out, config_pins->data)))
      goto oom;
  if (!(*out = curl_slist_append(*out, cache->pin)))
    goto oom;
  goto cleanup;
oom:
  curl_slist_free_all(*out);
  *out = NULL;
cleanup:
  if (list)
    freeaddrinfo(list);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(parsed);
  return result;
}
