/* SPDX-License-Identifier: MIT */
/* fuzz_redis_ha.c - the sentinel and cluster modes on whatever a Sentinel or a cluster node
 * answers: the input is RESP, parsed by hiredis' reader as the check does, into the replies the
 * mode judges (first byte even: SENTINEL MASTER, REPLICAS, CKQUORUM; odd: CLUSTER INFO and
 * NODES). The result must render as one clean Nagios line, with nothing leaked. */
#include "config.h"

#include <string.h>

#include "fuzz_common.h"
#include "mw_core.h"
#include "redis_check.h"

#define REPLIES 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  redisReader *reader;
  redisReply *replies[REPLIES] = {NULL, NULL, NULL};
  struct redis r;
  struct sentinel_view view;
  struct snapshot s;
  struct mw_result *res;
  bool sentinel;
  int n = 0;
  int i;

  if (size < 1 || size > 65536)
    return 0;
  sentinel = (data[0] & 1) == 0;
  reader = redisReaderCreate();
  if (!reader)
    return 0;
  if (redisReaderFeed(reader, (const char *)data + 1, size - 1) == REDIS_OK) {
    while (n < REPLIES) {
      void *reply = NULL;

      if (redisReaderGetReply(reader, &reply) != REDIS_OK || !reply)
        break;
      replies[n++] = reply;
    }
  }
  redisReaderFree(reader);
  memset(&r, 0, sizeof(r));
  memset(&view, 0, sizeof(view));
  memset(&s, 0, sizeof(s));
  r.master_name = "cache";
  r.min_replicas = 1;
  res = mw_result_new();
  if (sentinel) {
    view.master = replies[0];
    view.replicas = replies[1];
    view.quorum = replies[2];
    view.master_status = (data[0] & 2) ? REDIS_DONE : REDIS_FAILED;
    strcpy(view.master_at, "10.0.0.1:6379");
    strcpy(view.master_role, (data[0] & 4) ? "master" : "slave");
    strcpy(view.master_err, "Connection refused");
    s.sentinel = &view;
    mode_sentinel(&r, res, &s);
    redis_sentinel_view_free(&view);
  } else {
    s.cluster_info = replies[0];
    s.cluster_nodes = replies[1];
    mode_cluster(&r, res, &s);
    for (i = 0; i < REPLIES; i++)
      if (replies[i])
        freeReplyObject(replies[i]);
  }
  fuzz_check_result(res, "REDIS");
  mw_result_free(res);
  return 0;
}
