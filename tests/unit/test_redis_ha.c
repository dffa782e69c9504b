/* SPDX-License-Identifier: MIT */
/* test_redis_ha.c - the sentinel and cluster modes' judgement on replies a live server cannot be
 * made to give on cue: a failover in progress, a master that says it is a replica, no quorum,
 * possibly failing nodes, hostnames in CLUSTER NODES, malformed replies. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mw_core.h"
#include "redis_check.h"

/* A reply as hiredis parses text in RESP. */
static redisReply *resp(const char *text)
{
  redisReader *reader = redisReaderCreate();
  void *reply = NULL;

  assert_non_null(reader);
  assert_int_equal(redisReaderFeed(reader, text, strlen(text)), REDIS_OK);
  assert_int_equal(redisReaderGetReply(reader, &reply), REDIS_OK);
  assert_non_null(reply);
  redisReaderFree(reader);
  return reply;
}

/* [a, b, c...] as a RESP array of bulk strings; NULL ends the list. */
static redisReply *strings(const char *first, ...)
{
  char text[8192];
  const char *items[64];
  size_t n = 0, at, i;
  va_list ap;

  va_start(ap, first);
  for (const char *s = first; s && n < 64; s = va_arg(ap, const char *))
    items[n++] = s;
  va_end(ap);
  at = (size_t)snprintf(text, sizeof(text), "*%zu\r\n", n);
  for (i = 0; i < n; i++)
    at += (size_t)snprintf(text + at, sizeof(text) - at, "$%zu\r\n%s\r\n", strlen(items[i]),
                           items[i]);
  return resp(text);
}

/* The check's state, and its output as Nagios reads it in out. */
static enum mw_state judge(struct redis *r, const struct snapshot *s, enum mode mode, char *out,
                           size_t outlen)
{
  struct mw_result *res = mw_result_new();
  struct mw_buf text;
  enum mw_state state;

  (mode == M_SENTINEL ? mode_sentinel : mode_cluster)(r, res, s);
  state = mw_result_get_state(res);
  mw_buf_init(&text, 65536);
  mw_render_nagios(res, "REDIS", &text);
  snprintf(out, outlen, "%s", mw_buf_str(&text));
  mw_buf_free(&text);
  mw_result_free(res);
  return state;
}

struct sentinel_case {
  const char *flags;
  bool failover_state;
  const char *role;
  enum redis_status master_status;
  const char *quorum; /* RESP text */
};

static enum mw_state sentinel(const struct sentinel_case *c, long long min_replicas, char *out,
                              size_t outlen)
{
  struct redis r;
  struct sentinel_view view;
  struct snapshot s;
  enum mw_state state;

  memset(&r, 0, sizeof(r));
  memset(&view, 0, sizeof(view));
  memset(&s, 0, sizeof(s));
  r.master_name = "cache";
  r.min_replicas = min_replicas;
  view.master = c->failover_state
                    ? strings("name", "cache", "ip", "10.0.0.1", "port", "6379", "flags", c->flags,
                              "failover-state", "wait_promotion", "num-other-sentinels", "2",
                              "quorum", "2", NULL)
                    : strings("name", "cache", "ip", "10.0.0.1", "port", "6379", "flags", c->flags,
                              "num-other-sentinels", "2", "quorum", "2", NULL);
  view.replicas = resp("*3\r\n"
                       "*8\r\n$2\r\nip\r\n$8\r\n10.0.0.2\r\n$4\r\nport\r\n$4\r\n6379\r\n"
                       "$5\r\nflags\r\n$5\r\nslave\r\n$18\r\nmaster-link-status\r\n$2\r\nok\r\n"
                       ":42\r\n"
                       "*4\r\n$5\r\nflags\r\n$18\r\nslave,disconnected\r\n$2\r\nip\r\n$8\r\n"
                       "10.0.0.3\r\n");
  view.quorum = resp(c->quorum);
  snprintf(view.master_at, sizeof(view.master_at), "10.0.0.1:6379");
  view.master_status = c->master_status;
  snprintf(view.master_err, sizeof(view.master_err), "Connection refused");
  snprintf(view.master_role, sizeof(view.master_role), "%s", c->role);
  view.master_s = 0.002;
  s.sentinel = &view;
  state = judge(&r, &s, M_SENTINEL, out, outlen);
  redis_sentinel_view_free(&view);
  return state;
}

static const char quorum_ok[] = "+OK 3 usable Sentinels. Quorum and failover authorization can be "
                                "reached\r\n";

static void test_sentinel_healthy_with_a_replica_down(void **state)
{
  const struct sentinel_case c = {"master", false, "master", REDIS_DONE, quorum_ok};
  char out[4096];

  (void)state;
  /* one of two replicas disconnected: WARNING, listed, the malformed entry skipped */
  assert_int_equal(sentinel(&c, 0, out, sizeof(out)), MW_WARNING);
  assert_non_null(strstr(out, "master cache at 10.0.0.1:6379, 1 of 2 replicas healthy, 3 "
                              "Sentinels (quorum 2)"));
  assert_non_null(strstr(out, "replica 10.0.0.3:? (slave,disconnected)"));
  assert_int_equal(sentinel(&c, 2, out, sizeof(out)), MW_CRITICAL);
  assert_non_null(strstr(out, "fewer healthy replicas than --min-replicas 2"));
}

static void test_sentinel_failover_in_progress(void **state)
{
  const struct sentinel_case flag = {"master,failover_in_progress", false, "master", REDIS_DONE,
                                     quorum_ok};
  const struct sentinel_case field = {"master", true, "master", REDIS_DONE, quorum_ok};
  char out[4096];

  (void)state;
  assert_int_equal(sentinel(&flag, 0, out, sizeof(out)), MW_WARNING);
  assert_non_null(strstr(out, "; failover in progress"));
  assert_int_equal(sentinel(&field, 0, out, sizeof(out)), MW_WARNING);
  assert_non_null(strstr(out, "; failover in progress"));
}

static void test_sentinel_master_down_or_not_master(void **state)
{
  const struct sentinel_case down = {"master,s_down,o_down", false, "", REDIS_FAILED, quorum_ok};
  const struct sentinel_case replica = {"master", false, "slave", REDIS_DONE, quorum_ok};
  const struct sentinel_case refused = {"master", false, "", REDIS_FAILED, quorum_ok};
  const struct sentinel_case bad_file = {"master", false, "", REDIS_BAD_INPUT, quorum_ok};
  char out[4096];

  (void)state;
  assert_int_equal(sentinel(&down, 0, out, sizeof(out)), MW_CRITICAL);
  assert_non_null(strstr(out, "the Sentinel sees it down (master,s_down,o_down)"));
  assert_int_equal(sentinel(&replica, 0, out, sizeof(out)), MW_CRITICAL);
  assert_non_null(strstr(out, "it answers ROLE with 'slave', not master"));
  assert_int_equal(sentinel(&refused, 0, out, sizeof(out)), MW_CRITICAL);
  assert_non_null(strstr(out, "it cannot be reached: Connection refused"));
  /* this side's mistake is not the master's: UNKNOWN, which the replica down's WARNING outranks
   * here (redis_ha.sh sees the UNKNOWN alone) */
  assert_int_equal(sentinel(&bad_file, 0, out, sizeof(out)), MW_WARNING);
  assert_non_null(strstr(out, "it cannot be reached"));
}

static void test_sentinel_no_quorum(void **state)
{
  const struct sentinel_case c = {"master", false, "master", REDIS_DONE,
                                  "-NOQUORUM 1 usable Sentinels. Not enough available Sentinels "
                                  "to reach the majority and authorize a failover\r\n"};
  char out[4096];

  (void)state;
  assert_int_equal(sentinel(&c, 0, out, sizeof(out)), MW_CRITICAL);
  assert_non_null(strstr(out, "; NOQUORUM 1 usable Sentinels"));
}

static void test_sentinel_odd_answers(void **state)
{
  struct redis r;
  struct sentinel_view view;
  struct snapshot s;
  char out[4096];

  (void)state;
  memset(&r, 0, sizeof(r));
  memset(&view, 0, sizeof(view));
  memset(&s, 0, sizeof(s));
  r.master_name = "cache";
  s.sentinel = &view;
  view.master = resp("-ERR No such master with that name\r\n");
  assert_int_equal(judge(&r, &s, M_SENTINEL, out, sizeof(out)), MW_CRITICAL);
  assert_non_null(strstr(out, "does not know master cache: ERR No such master"));
  redis_sentinel_view_free(&view);
  memset(&view, 0, sizeof(view));
  /* pairs of the wrong types, a key without a value, an integer */
  view.master = resp("*5\r\n:1\r\n$5\r\nflags\r\n*0\r\n$2\r\nip\r\n$5\r\nflags\r\n");
  assert_int_equal(judge(&r, &s, M_SENTINEL, out, sizeof(out)), MW_CRITICAL);
  assert_non_null(strstr(out, "SENTINEL MASTER answered something else"));
  redis_sentinel_view_free(&view);
  memset(&view, 0, sizeof(view));
  view.master = resp(":7\r\n");
  assert_int_equal(judge(&r, &s, M_SENTINEL, out, sizeof(out)), MW_CRITICAL);
  redis_sentinel_view_free(&view);
}

static enum mw_state cluster(const char *info, const char *nodes, bool ranges, char *out,
                             size_t outlen)
{
  struct redis r;
  struct snapshot s;
  redisReply *i = resp(info);
  redisReply *n = nodes ? resp(nodes) : NULL;
  enum mw_state state;
  char err[128];

  memset(&r, 0, sizeof(r));
  memset(&s, 0, sizeof(s));
  if (ranges) {
    static const struct mw_unit units[] = {{"", 1, K_PLAIN}, {NULL, 0, 0}};

    assert_int_equal(mw_range_parse("0", units, &r.ranges[M_CLUSTER].crit, err, sizeof(err)), 0);
    r.ranges[M_CLUSTER].has_crit = true;
  }
  s.cluster_info = i;
  s.cluster_nodes = n;
  state = judge(&r, &s, M_CLUSTER, out, outlen);
  freeReplyObject(i);
  if (n)
    freeReplyObject(n);
  return state;
}

/* CLUSTER INFO's text as a bulk string. */
static const char *cluster_info(const char *state, int assigned, int ok, int pfail, int fail)
{
  static char text[1024];
  char body[900];

  snprintf(body, sizeof(body),
           "cluster_state:%s\r\ncluster_slots_assigned:%d\r\ncluster_slots_ok:%d\r\n"
           "cluster_slots_pfail:%d\r\ncluster_slots_fail:%d\r\ncluster_known_nodes:6\r\n"
           "cluster_size:3\r\n",
           state, assigned, ok, pfail, fail);
  snprintf(text, sizeof(text), "$%zu\r\n%s\r\n", strlen(body), body);
  return text;
}

static const char *bulk(const char *body)
{
  static char text[16384];

  snprintf(text, sizeof(text), "$%zu\r\n%s\r\n", strlen(body), body);
  return text;
}

static void test_cluster_replica_failed_over(void **state)
{
  char info[1024];
  static char nodes[16384];
  char out[8192];

  (void)state;
  snprintf(info, sizeof(info), "%s", cluster_info("ok", 16384, 16384, 0, 0));
  snprintf(nodes, sizeof(nodes), "%s",
           bulk("a1 10.0.0.1:7000@17000,db-1.example myself,master - 0 0 1 connected 0-5460\n"
                "b2 10.0.0.2:7001@17001 master,fail - 1 2 2 disconnected\n"
                "c3 10.0.0.3:7002@17002 master - 0 1 3 connected 5461-16383\n"
                "short line\n"
                "d4 10.0.0.4:7003@17003 slave,fail? a1 0 1 1 connected\n"));
  assert_int_equal(cluster(info, nodes, false, out, sizeof(out)), MW_WARNING);
  assert_non_null(strstr(out, "cluster ok, 16384 of 16384 slots assigned"));
  assert_non_null(strstr(out, "2 failing"));
  assert_non_null(strstr(out, "node 10.0.0.2:7001 (master,fail) has failed"));
  assert_non_null(strstr(out, "node 10.0.0.4:7003 (slave,fail?) may be failing"));
  assert_null(strstr(out, "db-1.example"));
  assert_null(strstr(out, "10.0.0.1:7000 ("));
  /* -c 0: any failing node is CRITICAL */
  assert_int_equal(cluster(info, nodes, true, out, sizeof(out)), MW_CRITICAL);
}

static void test_cluster_slots(void **state)
{
  char info[1024];
  char out[8192];

  (void)state;
  snprintf(info, sizeof(info), "%s", cluster_info("ok", 16384, 16000, 384, 0));
  assert_int_equal(cluster(info, NULL, false, out, sizeof(out)), MW_WARNING);
  snprintf(info, sizeof(info), "%s", cluster_info("ok", 16000, 16000, 0, 0));
  assert_int_equal(cluster(info, NULL, false, out, sizeof(out)), MW_CRITICAL);
  snprintf(info, sizeof(info), "%s", cluster_info("fail", 16384, 10923, 0, 5461));
  assert_int_equal(cluster(info, NULL, false, out, sizeof(out)), MW_CRITICAL);
  assert_non_null(strstr(out, "cluster fail"));
  assert_int_equal(
      cluster("-ERR This instance has cluster support disabled\r\n", NULL, false, out, sizeof(out)),
      MW_UNKNOWN);
  assert_non_null(strstr(out, "cluster support disabled"));
  /* no fields at all: unassigned slots, CRITICAL rather than OK */
  assert_int_equal(cluster(bulk("garbage"), NULL, false, out, sizeof(out)), MW_CRITICAL);
}

static void test_cluster_many_failing(void **state)
{
  char info[1024];
  static char nodes[16384];
  char body[12000];
  char out[16384];
  size_t at = 0;
  int i;

  (void)state;
  for (i = 0; i < 40; i++)
    at += (size_t)snprintf(body + at, sizeof(body) - at,
                           "n%d 10.0.1.%d:7000@17000 slave,fail m 0 0 1 disconnected\n", i, i);
  snprintf(info, sizeof(info), "%s", cluster_info("ok", 16384, 16384, 0, 0));
  snprintf(nodes, sizeof(nodes), "%s", bulk(body));
  assert_int_equal(cluster(info, nodes, false, out, sizeof(out)), MW_WARNING);
  assert_non_null(strstr(out, "40 failing"));
  assert_non_null(strstr(out, "8 more failing nodes not listed"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sentinel_healthy_with_a_replica_down),
      cmocka_unit_test(test_sentinel_failover_in_progress),
      cmocka_unit_test(test_sentinel_master_down_or_not_master),
      cmocka_unit_test(test_sentinel_no_quorum),
      cmocka_unit_test(test_sentinel_odd_answers),
      cmocka_unit_test(test_cluster_replica_failed_over),
      cmocka_unit_test(test_cluster_slots),
      cmocka_unit_test(test_cluster_many_failing),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
