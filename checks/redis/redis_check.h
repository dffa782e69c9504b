/* SPDX-License-Identifier: MIT */
/* redis_check.h - what the redis check's files share: options, one run's INFO, the modes. */
#ifndef REDIS_CHECK_H
#define REDIS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "modes.h"
#include "redis_conn.h"

enum kind { K_PLAIN = 1, K_PERCENT, K_BYTES, K_SECONDS };
enum mode {
  M_PING,
  M_MEMORY,
  M_CLIENTS,
  M_HITRATE,
  M_REPLICATION,
  M_PERSISTENCE,
  M_INFO,
  M_OPS,
  M_SLOWLOG,
  M_N
};

extern const char *const mode_names[];

/* The counters of the previous run, so that a run inside the agent and collectd judges the
 * interval since then rather than the time since the server started. */
struct counters {
  bool have;
  double at_s; /* CLOCK_MONOTONIC seconds */
  double uptime_s;
  double commands;
  double hits;
  double misses;
  double evicted;
};

struct redis {
  struct redis_target target;
  struct mode_set modes;
  struct mode_ranges ranges[M_N];
  const char *field;
  long long min_replicas;
  long long min_requests;
  enum mw_state timeout_state;
  double slowlog_window_s; /* a first run reads the entries of this last span */
  struct redis_conn conn;
  struct counters last;
  bool slowlog_seen;         /* a run read the slow log: later ones count from its last id */
  long long slowlog_last_id; /* the highest id seen, -1 while the log was empty */
};

/* One INFO reply and the PING time, shared by the modes of a run. */
struct snapshot {
  const char *info;
  size_t len;
  double ping_s;
  double now_s;                /* CLOCK_MONOTONIC seconds */
  const struct counters *prev; /* the previous run's, or one with have false */
  const redisReply *slowlog;   /* SLOWLOG GET, when --mode slowlog was asked for */
};

/* Whether the counters went back since prev (a restart, CONFIG RESETSTAT): no interval then. */
bool snap_interval(const struct snapshot *s, double *seconds);
void mode_slowlog(const struct redis *r, struct mw_result *res, const struct snapshot *s);

bool snap_num(const struct snapshot *s, const char *field, double *out);
bool snap_is(const struct snapshot *s, const char *field, const char *value);
void snap_text(const struct snapshot *s, const char *field, char *out, size_t outlen);

typedef void mode_func(const struct redis *r, struct mw_result *res, const struct snapshot *s);
extern mode_func *const mode_funcs[M_N];

#endif
