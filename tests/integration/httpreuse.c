/* SPDX-License-Identifier: MIT */
/* httpreuse.c - drives libmwhttp the way the agent and collectd will: clients kept, several
 * requests each. Prints "STATUS new" or "STATUS reused" per request of the first client, so a
 * test can see that the connection is kept between runs. With HTTPREUSE_CLIENTS=N, N clients
 * take turns (as the agent's instances do) and a last line counts the requests that reused a
 * connection and the descriptors the process holds beyond those it had before the requests.
 *
 *   httpreuse URL COUNT [CA-FILE]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_http.h"

#define MAX_CLIENTS 1000

static int open_descriptors(void)
{
  DIR *dir = opendir("/proc/self/fd");
  struct dirent *entry;
  int n = 0;

  if (!dir)
    return -1;
  while ((entry = readdir(dir)))
    n += entry->d_name[0] != '.';
  closedir(dir);
  return n - 1; /* the directory's own */
}

int main(int argc, char **argv)
{
  static struct mw_http *clients[MAX_CLIENTS];
  const char *env = getenv("HTTPREUSE_CLIENTS");
  struct mw_http_config config;
  char err[512];
  int nclients = env ? atoi(env) : 1;
  int count;
  int reused = 0;
  int before;
  int i;
  int c;
  int result = 1;

  if (argc < 3 || nclients < 1 || nclients > MAX_CLIENTS) {
    fprintf(stderr, "usage: [HTTPREUSE_CLIENTS=1..%d] httpreuse URL COUNT [CA-FILE]\n",
            MAX_CLIENTS);
    return 2;
  }
  memset(&config, 0, sizeof(config));
  config.ca_cert = argc > 3 ? argv[3] : NULL;
  count = atoi(argv[2]);
  for (c = 0; c < nclients; c++) {
    clients[c] = mw_http_new(&config, err, sizeof(err));
    if (!clients[c]) {
      fprintf(stderr, "httpreuse: %s\n", err);
      goto done;
    }
  }
  before = open_descriptors();
  for (i = 0; i < count; i++) {
    for (c = 0; c < nclients; c++) {
      struct mw_http_request req = {.url = argv[1]};
      struct mw_http_response resp;
      enum mw_http_status status =
          mw_http_perform(clients[c], &req, &resp, mw_now_ns() + 5000000000LL, err, sizeof(err));

      if (status != MW_HTTP_DONE) {
        fprintf(stderr, "httpreuse: %s\n", err);
        mw_http_response_free(&resp);
        goto done;
      }
      if (c == 0)
        printf("%ld %s\n", resp.status, resp.reused ? "reused" : "new");
      reused += resp.reused;
      mw_http_response_free(&resp);
    }
  }
  if (env)
    printf("clients %d: %d of %d requests reused a connection, %d descriptors held\n", nclients,
           reused, nclients * count, open_descriptors() - before);
  result = 0;
done:
  for (c = 0; c < nclients; c++)
    mw_http_free(clients[c]);
  return result;
}
