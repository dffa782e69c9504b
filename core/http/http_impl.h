/* SPDX-License-Identifier: MIT */
/* http_impl.h - what libmwhttp's own files share (not exported). */
#ifndef MW_HTTP_IMPL_H
#define MW_HTTP_IMPL_H

#include <curl/curl.h>
#include <stdbool.h>

#include "mw_check.h"

/* The last name a client resolved, reused for a minute (curl's own DNS cache time): a client
 * the agent runs every few seconds must not resolve, and start a thread, for every request. */
struct http_pin_cache {
  char pin[1024]; /* "+HOST:PORT:ADDR,...", "" when none */
  int64_t until;  /* mw_now_ns() past which it is resolved again */
  /* The URL last looked at and whether its host needs no pin (numeric, pinned by the user,
   * proxied): the agent asks for the same URL every run, and parsing it each time cost as much
   * as the rest of the request's setup. */
  char url[512];
  bool no_pin;
};

/* Resolves url's host within the deadline (or takes it from cache) and returns in *out the pins
 * curl should use for this request (config_pins and the new one; NULL when there is nothing to
 * pin). -1 with err and *timed_out when the name was not resolved before the deadline. */
int http_pin_host(const char *url, const struct curl_slist *config_pins,
                  struct http_pin_cache *cache, mw_deadline deadline, struct curl_slist **out,
                  bool *timed_out, char *err, size_t errlen);

/* Runs one request of an easy handle to its end on a multi handle from the process's pool
 * (http_drive.c): what curl_easy_perform does, without a multi handle, and its descriptors,
 * kept inside every easy handle. */
CURLcode http_drive(CURL *curl);
/* Gives the pool's handles back to libcurl; before curl_global_cleanup. */
void http_drive_cleanup(void);

#endif
