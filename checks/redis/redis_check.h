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
  M_SENTINEL,
  M_CLUSTER,
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
  const char *master_name;          /* sentinel: the master's name in the Sentinel */
  const char *master_password_file; /* sentinel: AUTH for the master it names */
  long long min_replicas;
  long long min_requests;
  enum mw_state timeout_state;
  double slowlog_window_s; /* a first run reads the entries of this last span */
  struct redis_conn conn;
  void *tls_handle; /* the TLS helper, loaded for --tls */
  struct counters last;
  bool slowlog_seen;         /* a run read the slow log: later ones count from its last id */
  long long slowlog_last_id; /* the highest id seen, -1 while the log was empty */
};

/* What a Sentinel says of one master, and what that master answered. */
struct sentinel_view {
  redisReply *master;   /* SENTINEL MASTER name: [key, value...] or an error */
  redisReply *replicas; /* SENTINEL REPLICAS name */
  redisReply *quorum;   /* SENTINEL CKQUORUM name: +OK... or -NOQUORUM... */
  char master_at[96];   /* "ip:port" as the Sentinel names it */
  enum redis_status master_status;
  char master_err[400]; /* why the master could not be reached */
  char master_role[32]; /* the first element of its ROLE answer */
  double master_s;      /* connect, AUTH and ROLE */
};

/* One INFO reply and the PING time, shared by the modes of a run. */
struct snapshot {
  const char *info;
  size_t len;
  double ping_s;
  double now_s;                         /* CLOCK_MONOTONIC seconds */
  const struct counters *prev;          /* the previous run's, or one with have false */
  const redisReply *slowlog;            /* SLOWLOG GET, when --mode slowlog was asked for */
  const struct sentinel_view *sentinel; /* --mode sentinel */
  const redisReply *cluster_info;       /* --mode cluster: CLUSTER INFO */
  const redisReply *cluster_nodes;      /* and CLUSTER NODES */
};

/* Whether the counters went back since prev (a restart, CONFIG RESETSTAT): no interval then. */
bool snap_interval(const struct snapshot *s, double *seconds);
void mode_slowlog(const struct redis *r, struct mw_result *res, const struct snapshot *s);
void mode_sentinel(const struct redis *r, struct mw_result *res, const struct snapshot *s);
void mode_cluster(const struct redis *r, struct mw_result *res, const struct snapshot *s);
/* The Sentinel's SENTINEL MASTER, REPLICAS and CKQUORUM for r->master_name, and ROLE from the
 * master it names over a connection of its own. REDIS_DONE unless the Sentinel itself failed;
 * the master's failure is kept in the view. Free with redis_sentinel_view_free. */
enum redis_status redis_sentinel_gather(struct redis *r, struct sentinel_view *view,
                                        mw_deadline deadline, char *err, size_t errlen);
void redis_sentinel_view_free(struct sentinel_view *view);
/* Checks the TLS options together and, with --tls, loads the helper and the certificates, so
 * that a file that cannot be used is refused once, in one line, rather than failing every run.
 * 0, or -1 with the reason in err. redis_tls_close undoes it (also after a failure). */
int redis_tls_options(const struct mw_args *args, struct redis *r, struct mw_result *err);
void redis_tls_close(struct redis *r);

bool snap_num(const struct snapshot *s, const char *field, double *out);
bool snap_is(const struct snapshot *s, const char *field, const char *value);
void snap_text(const struct snapshot *s, const char *field, char *out, size_t outlen);

typedef void mode_func(const struct redis *r, struct mw_result *res, const struct snapshot *s);
extern mode_func *const mode_funcs[M_N];

#endif
