/* SPDX-License-Identifier: MIT */
/* redis_slowlog.c - the slow log since the last run: how many entries, the slowest, and its
 * command's name only (never its arguments, which may carry keys, values or passwords). */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "redis_check.h"

/* An entry's id, start (unix seconds), duration (microseconds) and command name; false when it
 * is not the shape Redis 2.2 to 7 answer with. */
static bool entry(const redisReply *e, long long *id, long long *start, long long *micros,
                  char *name, size_t namelen)
{
  const redisReply *args;
  size_t i;

  if (e->type != REDIS_REPLY_ARRAY || e->elements < 4 ||
      e->element[0]->type != REDIS_REPLY_INTEGER || e->element[1]->type != REDIS_REPLY_INTEGER ||
      e->element[2]->type != REDIS_REPLY_INTEGER || e->element[3]->type != REDIS_REPLY_ARRAY)
    return false;
  *id = e->element[0]->integer;
  *start = e->element[1]->integer;
  *micros = e->element[2]->integer;
  args = e->element[3];
  name[0] = '\0';
  if (args->elements > 0 && args->element[0]->type == REDIS_REPLY_STRING) {
    for (i = 0; i < args->element[0]->len && i + 1 < namelen; i++) {
      unsigned char c = (unsigned char)args->element[0]->str[i];

      name[i] = isalnum(c) || c == '.' || c == '_' || c == '-' ? (char)toupper(c) : '?';
    }
    name[i] = '\0';
  }
  return true;
}

void mode_slowlog(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  static const double count_factor[MODE_KINDS] = {[K_PLAIN] = 1};
  static const double time_factor[MODE_KINDS] = {[K_SECONDS] = 1};
  const redisReply *log = s->slowlog;
  long long id, start, micros, slowest = -1;
  long long since = (long long)time(NULL) - (long long)r->slowlog_window_s;
  char name[64], slowest_name[64] = "";
  size_t i, fresh = 0;

  if (!log || log->type != REDIS_REPLY_ARRAY) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "SLOWLOG GET answered %s",
                      log && log->type == REDIS_REPLY_ERROR ? log->str : "something else");
    return;
  }
  for (i = 0; i < log->elements; i++) {
    if (!entry(log->element[i], &id, &start, &micros, name, sizeof(name)))
      continue;
    /* entries after the last one the previous run saw; on a first run, the recent ones */
    if (r->slowlog_seen ? id <= r->slowlog_last_id : start < since)
      continue;
    fresh++;
    if (micros > slowest) {
      slowest = micros;
      snprintf(slowest_name, sizeof(slowest_name), "%s", name[0] ? name : "?");
    }
  }
  mw_result_state(res, mw_state_worst(modes_judge(&r->ranges[M_SLOWLOG], K_PLAIN, (double)fresh),
                                      slowest >= 0 ? modes_judge(&r->ranges[M_SLOWLOG], K_SECONDS,
                                                                 (double)slowest / 1e6)
                                                   : MW_OK));
  if (fresh == 0)
    mw_result_summary(res, "no slow log entries %s",
                      r->slowlog_seen ? "since the last run" : "in the window");
  else
    mw_result_summary(res, "%s%zu slow log entr%s %s, the slowest %s in %.1f ms",
                      fresh == 128 ? "at least " : "", fresh, fresh == 1 ? "y" : "ies",
                      r->slowlog_seen ? "since the last run" : "in the window", slowest_name,
                      (double)slowest / 1000.0);
  modes_perf(res, &r->ranges[M_SLOWLOG], count_factor, "slowlog_entries", (double)fresh, "", 0,
             NAN);
  modes_perf(res, &r->ranges[M_SLOWLOG], time_factor, "slowlog_slowest",
             slowest >= 0 ? (double)slowest / 1e6 : 0, "s", 0, NAN);
}
