/* SPDX-License-Identifier: MIT */
/* http_drive.c - the requests of every client in the process are driven by a few libcurl multi
 * handles, taken from a pool for one transfer and given back. curl_easy_perform keeps a multi
 * handle inside each easy handle, and libcurl 7.88 gives every multi handle a wake-up socket
 * pair: two descriptors per client beside its connection, 30,000 at 10,000 kept instances.
 * A client's connections and host names stay its own, in its share (mw_http_new), whichever
 * multi handle drives its next request. */
#include "config.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>

#include "http_impl.h"

/* More transfers at once than this (threads) still work; their handles are not kept. */
#define POOL_MAX 64
/* A client's own cache of connections: the server, an authorization server, a redirect's. */
#define CLIENT_MAX_CONNECTIONS 8L

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static CURLM *pool[POOL_MAX];
static size_t pool_len;

static CURLM *take(void)
{
  CURLM *multi = NULL;

  pthread_mutex_lock(&pool_lock);
  if (pool_len > 0)
    multi = pool[--pool_len];
  pthread_mutex_unlock(&pool_lock);
  if (multi)
    return multi;
  multi = curl_multi_init();
  if (multi && curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, CLIENT_MAX_CONNECTIONS) != CURLM_OK) {
    curl_multi_cleanup(multi);
    multi = NULL;
  }
  return multi;
}

static void give_back(CURLM *multi)
{
  pthread_mutex_lock(&pool_lock);
  if (pool_len < POOL_MAX) {
    pool[pool_len++] = multi;
    multi = NULL;
  }
  pthread_mutex_unlock(&pool_lock);
  if (multi)
    curl_multi_cleanup(multi);
}

static CURLcode from_multi(CURLMcode code)
{
  return code == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_BAD_FUNCTION_ARGUMENT;
}

CURLcode http_drive(CURL *curl)
{
  CURLM *multi = take();
  CURLcode result = CURLE_OK;
  CURLMcode code;
  bool done = false;

  if (!multi)
    return CURLE_OUT_OF_MEMORY;
  code = curl_multi_add_handle(multi, curl);
  if (code != CURLM_OK) {
    give_back(multi);
    return from_multi(code);
  }
  /* As curl_easy_perform does: the transfer's own timeouts (CURLOPT_TIMEOUT_MS) end it, and
   * curl_multi_poll waits no longer than libcurl's next timer. */
  while (!done) {
    int running = 0;
    int queued;
    CURLMsg *msg;

    code = curl_multi_perform(multi, &running);
    if (code == CURLM_OK)
      while ((msg = curl_multi_info_read(multi, &queued)))
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == curl) {
          result = msg->data.result;
          done = true;
        }
    if (!done && code == CURLM_OK && running > 0)
      code = curl_multi_poll(multi, NULL, 0, 1000, NULL);
    if (!done && code == CURLM_OK && running == 0) {
      /* Nothing under way and no message: cannot happen with libcurl; never spin on it. */
      result = CURLE_FAILED_INIT;
      done = true;
    }
    if (code != CURLM_OK) {
      result = from_multi(code);
      done = true;
    }
  }
  curl_multi_remove_handle(multi, curl);
  give_back(multi);
  return result;
}

void http_drive_cleanup(void)
{
  pthread_mutex_lock(&pool_lock);
  while (pool_len > 0)
    curl_multi_cleanup(pool[--pool_len]);
  pthread_mutex_unlock(&pool_lock);
}
