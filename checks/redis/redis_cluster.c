/* SPDX-License-Identifier: MIT */
/* redis_cluster.c - the cluster mode: CLUSTER INFO's state and slots, and the nodes CLUSTER
 * NODES says are failing, as the node connected to sees them. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "redis_check.h"
#include "redis_info.h"

#define CLUSTER_SLOTS 16384
/* A cluster of more nodes than this is listed in part: the long output is for a person. */
#define NODES_LISTED 32

static bool cluster_num(const redisReply *info, const char *field, double *out)
{
  return redis_info_number(info->str, info->len, field, out);
}

/* One line of CLUSTER NODES: "<id> <ip:port@cport[,host]> <flags> <master> <ping> <pong>
 * <epoch> <link> [slots...]". Its address and flags, or false when the line is not that. */
static bool node_line(const char *line, size_t len, struct info_value *address,
                      struct info_value *flags, struct info_value *link)
{
  struct info_value field[8];
  size_t at = 0;
  int n;

  for (n = 0; n < 8; n++) {
    size_t start;

    while (at < len && line[at] == ' ')
      at++;
    start = at;
    while (at < len && line[at] != ' ')
      at++;
    if (at == start)
      return false;
    field[n].text = line + start;
    field[n].len = at - start;
  }
  *address = field[1];
  *flags = field[2];
  *link = field[7];
  /* "127.0.0.1:7000@17000,host": the client address only */
  for (at = 0; at < address->len; at++) {
    if (address->text[at] == '@' || address->text[at] == ',') {
      address->len = at;
      break;
    }
  }
  return true;
}

static bool has_flag(const struct info_value *flags, const char *flag)
{
  size_t want = strlen(flag);
  size_t at = 0;

  while (at < flags->len) {
    size_t end = at;

    while (end < flags->len && flags->text[end] != ',')
      end++;
    if (end - at == want && memcmp(flags->text + at, flag, want) == 0)
      return true;
    at = end + 1;
  }
  return false;
}

/* The failing nodes, each a child result; their count. */
static int failing_nodes(struct mw_result *res, const redisReply *nodes)
{
  const char *text = nodes->str;
  size_t len = nodes->len;
  size_t at = 0;
  int failing = 0;

  while (at < len) {
    const char *end = memchr(text + at, '\n', len - at);
    size_t line_len = end ? (size_t)(end - (text + at)) : len - at;
    struct info_value address, flags, link;

    if (line_len > 0 && text[at + line_len - 1] == '\r')
      line_len--;
    if (node_line(text + at, line_len, &address, &flags, &link)) {
      bool fail = has_flag(&flags, "fail");
      bool pfail = has_flag(&flags, "fail?");
      bool disconnected = !has_flag(&flags, "myself") && link.len == 12 &&
                          memcmp(link.text, "disconnected", 12) == 0;

      if (fail || pfail || disconnected) {
        if (++failing <= NODES_LISTED) {
          struct mw_result *child = mw_result_child(res);

          mw_result_state(child, MW_WARNING);
          mw_result_summary(child, "node %.*s (%.*s) %s",
                            (int)(address.len < 80 ? address.len : 80), address.text,
                            (int)(flags.len < 80 ? flags.len : 80), flags.text,
                            fail    ? "has failed"
                            : pfail ? "may be failing (not yet agreed)"
                                    : "is not connected");
        }
      }
    }
    if (!end)
      break;
    at += line_len + 1;
    while (at < len && (text[at] == '\n' || text[at] == '\r'))
      at++;
  }
  if (failing > NODES_LISTED)
    mw_result_note(res, "%d more failing nodes not listed", failing - NODES_LISTED);
  return failing;
}

void mode_cluster(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  static const double plain[MODE_KINDS] = {[K_PLAIN] = 1};
  const struct mode_ranges *ranges = &r->ranges[M_CLUSTER];
  const redisReply *info = s->cluster_info;
  double assigned = NAN, ok = NAN, pfail = NAN, fail = NAN, known = NAN, size = NAN;
  enum mw_state state = MW_OK;
  struct info_value cluster_state = {"?", 1};
  int failing = 0;

  if (!info || info->type != REDIS_REPLY_STRING) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "CLUSTER INFO answered %s",
                      info && info->type == REDIS_REPLY_ERROR ? info->str : "something else");
    return;
  }
  redis_info_get(info->str, info->len, "cluster_state", &cluster_state);
  cluster_num(info, "cluster_slots_assigned", &assigned);
  cluster_num(info, "cluster_slots_ok", &ok);
  cluster_num(info, "cluster_slots_pfail", &pfail);
  cluster_num(info, "cluster_slots_fail", &fail);
  cluster_num(info, "cluster_known_nodes", &known);
  cluster_num(info, "cluster_size", &size);
  if (s->cluster_nodes && s->cluster_nodes->type == REDIS_REPLY_STRING)
    failing = failing_nodes(res, s->cluster_nodes);
  if (!(cluster_state.len == 2 && memcmp(cluster_state.text, "ok", 2) == 0))
    state = MW_CRITICAL;
  if (!(assigned >= CLUSTER_SLOTS) || fail > 0)
    state = MW_CRITICAL;
  if (pfail > 0)
    state = mw_state_worst(state, MW_WARNING);
  /* A failed node whose slots a replica took over leaves the cluster ok but with less to fail
   * over to: WARNING, unless -w/-c say how many failing nodes are acceptable. */
  state = mw_state_worst(state, ranges->has_warn || ranges->has_crit
                                    ? modes_judge(ranges, K_PLAIN, failing)
                                : failing > 0 ? MW_WARNING
                                              : MW_OK);
  mw_result_state(res, state);
  mw_result_summary(res,
                    "cluster %.*s, %.0f of %d slots assigned, %.0f ok, %.0f possibly failing, "
                    "%.0f failing; %.0f known nodes, %.0f serving slots, %d failing",
                    (int)(cluster_state.len < 16 ? cluster_state.len : 16), cluster_state.text,
                    assigned, CLUSTER_SLOTS, ok, pfail, fail, known, size, failing);
  modes_perf(res, ranges, (double[MODE_KINDS]){0}, "slots_assigned", assigned, "", 0,
             CLUSTER_SLOTS);
  modes_perf(res, ranges, (double[MODE_KINDS]){0}, "slots_ok", ok, "", 0, CLUSTER_SLOTS);
  modes_perf(res, ranges, (double[MODE_KINDS]){0}, "slots_pfail", pfail, "", 0, CLUSTER_SLOTS);
  modes_perf(res, ranges, (double[MODE_KINDS]){0}, "slots_fail", fail, "", 0, CLUSTER_SLOTS);
  modes_perf(res, ranges, (double[MODE_KINDS]){0}, "known_nodes", known, "", 0, NAN);
  modes_perf(res, ranges, plain, "failing_nodes", failing, "", 0, NAN);
}
