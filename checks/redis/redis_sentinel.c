/* SPDX-License-Identifier: MIT */
/* redis_sentinel.c - the sentinel mode: what a Sentinel says of one master (its address, flags,
 * quorum, replicas, other Sentinels), and whether the master it names answers as a master. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_check.h"

#define REPLICAS_LISTED 32

/* The value of key in a flat [key, value, key, value...] array of strings, or NULL. */
static const char *pair_get(const redisReply *pairs, const char *key)
{
  size_t i;

  if (!pairs || pairs->type != REDIS_REPLY_ARRAY)
    return NULL;
  for (i = 0; i + 1 < pairs->elements; i += 2) {
    const redisReply *k = pairs->element[i];
    const redisReply *v = pairs->element[i + 1];

    if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING && strcmp(k->str, key) == 0)
      return v->str;
  }
  return NULL;
}

static double pair_num(const redisReply *pairs, const char *key)
{
  const char *text = pair_get(pairs, key);
  char *end;
  double value;

  if (!text || !*text)
    return NAN;
  value = strtod(text, &end);
  return *end == '\0' && isfinite(value) ? value : NAN;
}

/* Whether a comma-separated flags value holds flag. */
static bool flagged(const char *flags, const char *flag)
{
  size_t want = strlen(flag);

  while (flags && *flags) {
    const char *comma = strchr(flags, ',');
    size_t len = comma ? (size_t)(comma - flags) : strlen(flags);

    if (len == want && memcmp(flags, flag, want) == 0)
      return true;
    flags = comma ? comma + 1 : NULL;
  }
  return false;
}

static bool down(const char *flags)
{
  return flagged(flags, "s_down") || flagged(flags, "o_down") || flagged(flags, "disconnected");
}

enum redis_status redis_sentinel_gather(struct redis *r, struct sentinel_view *view,
                                        mw_deadline deadline, char *err, size_t errlen)
{
  const char *master[] = {"SENTINEL", "MASTER", r->master_name};
  const char *replicas[] = {"SENTINEL", "REPLICAS", r->master_name};
  const char *quorum[] = {"SENTINEL", "CKQUORUM", r->master_name};
  const char *role[] = {"ROLE"};
  struct redis_target target = r->target;
  struct redis_conn conn;
  redisReply *answer = NULL;
  enum redis_status status;
  const char *ip, *port;
  int64_t started;

  status = redis_conn_command(&r->conn, 3, master, &view->master, deadline, err, errlen);
  if (status == REDIS_DONE)
    status = redis_conn_command(&r->conn, 3, replicas, &view->replicas, deadline, err, errlen);
  if (status == REDIS_DONE)
    status = redis_conn_command(&r->conn, 3, quorum, &view->quorum, deadline, err, errlen);
  if (status != REDIS_DONE)
    return status;
  ip = pair_get(view->master, "ip");
  port = pair_get(view->master, "port");
  if (!ip || !port)
    return REDIS_DONE; /* mode_sentinel says what the Sentinel answered */
  /* The master named, reached as the Sentinel's clients would: same TLS, its own password. */
  target.host = ip;
  target.port = atoi(port);
  target.socket = NULL;
  target.user = NULL;
  target.password_file = r->master_password_file;
  target.database = 0;
  snprintf(view->master_at, sizeof(view->master_at), "%s:%s", ip, port);
  redis_conn_init(&conn);
  started = mw_now_ns();
  if (target.port > 0 && target.port < 65536) {
    view->master_status =
        redis_conn_open(&conn, &target, deadline, view->master_err, sizeof(view->master_err));
  } else {
    view->master_status = REDIS_FAILED;
    snprintf(view->master_err, sizeof(view->master_err), "port %s is not a port", port);
  }
  if (view->master_status == REDIS_DONE)
    view->master_status = redis_conn_command(&conn, 1, role, &answer, deadline, view->master_err,
                                             sizeof(view->master_err));
  if (view->master_status == REDIS_DONE) {
    view->master_s = (double)(mw_now_ns() - started) / 1e9;
    if (answer->type == REDIS_REPLY_ARRAY && answer->elements > 0 &&
        answer->element[0]->type == REDIS_REPLY_STRING)
      snprintf(view->master_role, sizeof(view->master_role), "%s", answer->element[0]->str);
    else
      snprintf(view->master_role, sizeof(view->master_role), "%s",
               answer->type == REDIS_REPLY_ERROR ? answer->str : "?");
    freeReplyObject(answer);
  }
  redis_conn_close(&conn);
  return REDIS_DONE;
}

void redis_sentinel_view_free(struct sentinel_view *view)
{
  if (view->master)
    freeReplyObject(view->master);
  if (view->replicas)
    freeReplyObject(view->replicas);
  if (view->quorum)
    freeReplyObject(view->quorum);
}

/* Each replica the Sentinel knows, down ones as WARNING children; the count of healthy ones. */
static int replicas(struct mw_result *res, const redisReply *list, int *known)
{
  int healthy = 0;
  size_t i;

  *known = 0;
  if (!list || list->type != REDIS_REPLY_ARRAY)
    return 0;
  for (i = 0; i < list->elements; i++) {
    const redisReply *r = list->element[i];
    const char *flags = pair_get(r, "flags");
    const char *link = pair_get(r, "master-link-status");

    if (!flags)
      continue;
    ++*known;
    if (!down(flags) && !(link && strcmp(link, "ok") != 0)) {
      healthy++;
      continue;
    }
    if (*known <= REPLICAS_LISTED) {
      struct mw_result *child = mw_result_child(res);

      mw_result_state(child, MW_WARNING);
      mw_result_summary(child, "replica %.60s:%.8s (%.80s), link to the master %.16s",
                        pair_get(r, "ip") ? pair_get(r, "ip") : "?",
                        pair_get(r, "port") ? pair_get(r, "port") : "?", flags, link ? link : "?");
    }
  }
  return healthy;
}

void mode_sentinel(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  static const double seconds[MODE_KINDS] = {[K_SECONDS] = 1};
  const struct sentinel_view *v = s->sentinel;
  const struct mode_ranges *ranges = &r->ranges[M_SENTINEL];
  const char *flags = v ? pair_get(v->master, "flags") : NULL;
  double other = NAN, quorum = NAN;
  enum mw_state state = MW_OK;
  char problem[400] = "";
  int healthy, known;

  if (!v || !v->master || v->master->type != REDIS_REPLY_ARRAY || !flags ||
      !pair_get(v->master, "ip")) {
    mw_result_state(res, MW_CRITICAL);
    mw_result_summary(res, "the Sentinel does not know master %s: %s", r->master_name,
                      v && v->master && v->master->type == REDIS_REPLY_ERROR
                          ? v->master->str
                          : "SENTINEL MASTER answered something else");
    return;
  }
  other = pair_num(v->master, "num-other-sentinels");
  quorum = pair_num(v->master, "quorum");
  healthy = replicas(res, v->replicas, &known);
  if (flagged(flags, "s_down") || flagged(flags, "o_down")) {
    state = MW_CRITICAL;
    snprintf(problem, sizeof(problem), "; the Sentinel sees it down (%.80s)", flags);
  } else if (v->master_status != REDIS_DONE) {
    /* an unreadable --master-password-file is this side's mistake, not the master's */
    state = v->master_status == REDIS_BAD_INPUT ? MW_UNKNOWN : MW_CRITICAL;
    snprintf(problem, sizeof(problem), "; it cannot be reached: %.300s", v->master_err);
  } else if (strcmp(v->master_role, "master") != 0) {
    state = MW_CRITICAL;
    snprintf(problem, sizeof(problem), "; it answers ROLE with '%.100s', not master",
             v->master_role);
  }
  if (flagged(flags, "failover_in_progress") || pair_get(v->master, "failover-state")) {
    state = mw_state_worst(state, MW_WARNING);
    snprintf(problem + strlen(problem), sizeof(problem) - strlen(problem),
             "; failover in progress");
  }
  if (v->quorum && v->quorum->type == REDIS_REPLY_ERROR) {
    state = MW_CRITICAL;
    snprintf(problem + strlen(problem), sizeof(problem) - strlen(problem), "; %.200s",
             v->quorum->str);
  }
  if (healthy < r->min_replicas) {
    state = MW_CRITICAL;
    snprintf(problem + strlen(problem), sizeof(problem) - strlen(problem),
             "; fewer healthy replicas than --min-replicas %lld", r->min_replicas);
  } else if (healthy < known) {
    state = mw_state_worst(state, MW_WARNING);
  }
  if (v->master_status == REDIS_DONE)
    state = mw_state_worst(state, modes_judge(ranges, K_SECONDS, v->master_s));
  mw_result_state(res, state);
  mw_result_summary(res,
                    "master %s at %s, %d of %d replicas healthy, %.0f Sentinels (quorum %.0f)%s",
                    r->master_name, v->master_at, healthy, known, other + 1, quorum, problem);
  modes_perf(res, ranges, seconds, "master_time",
             v->master_status == REDIS_DONE ? v->master_s : NAN, "s", 0, NAN);
  modes_perf(res, ranges, (double[MODE_KINDS]){0}, "replicas_healthy", healthy, "", 0, known);
  modes_perf(res, ranges, (double[MODE_KINDS]){0}, "sentinels", other + 1, "", 0, NAN);
  modes_perf(res, ranges, (double[MODE_KINDS]){0}, "quorum", quorum, "", 0, NAN);
}
