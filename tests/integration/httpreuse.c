/* SPDX-License-Identifier: MIT */
/* httpreuse.c - drives libmwhttp the way the agent and collectd will: one client, several
 * requests. Prints "STATUS new" or "STATUS reused" per request, so a test can see that the
 * connection is kept between runs.
 *
 *   httpreuse URL COUNT [CA-FILE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_http.h"

int main(int argc, char **argv)
{
  struct mw_http_config config;
  struct mw_http *http;
  char err[512];
  int count;
  int i;
  int result = 1;

  if (argc < 3) {
    fprintf(stderr, "usage: httpreuse URL COUNT [CA-FILE]\n");
    return 2;
  }
  memset(&config, 0, sizeof(config));
  config.ca_cert = argc > 3 ? argv[3] : NULL;
  count = atoi(argv[2]);
  http = mw_http_new(&config, err, sizeof(err));
  if (!http) {
    fprintf(stderr, "httpreuse: %s\n", err);
    return 1;
  }
  for (i = 0; i < count; i++) {
    struct mw_http_request req = {.url = argv[1]};
    struct mw_http_response resp;
    enum mw_http_status status =
        mw_http_perform(http, &req, &resp, mw_now_ns() + 5000000000LL, err, sizeof(err));

    if (status != MW_HTTP_DONE) {
      fprintf(stderr, "httpreuse: %s\n", err);
      mw_http_response_free(&resp);
      goto done;
    }
    printf("%ld %s\n", resp.status, resp.reused ? "reused" : "new");
    mw_http_response_free(&resp);
  }
  result = 0;
done:
  mw_http_free(http);
  return result;
}
