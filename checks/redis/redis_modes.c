/* SPDX-License-Identifier: MIT */
/* redis_modes.c - what each mode of the redis check reads from one INFO reply. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "redis_check.h"
#include "redis_info.h"

static void missing(struct mw_result *res, const char *field)
{
  mw_result_state(res, MW_UNKNOWN);
  mw_result_summary(res, "INFO has no numeric field %s", field);
}

static void mode_ping(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  static const double factor[MODE_KINDS] = {[K_SECONDS] = 1};
  char version[64];
  char role[32];
  char uptime[48];
  double up = -1;

  snap_text(s, "redis_version", version, sizeof(version));
  snap_text(s, "role", role, sizeof(role));
  snap_num(s, "uptime_in_seconds", &up);
  modes_format_duration(up, uptime, sizeof(uptime));
  mw_result_state(res, modes_judge(&r->ranges[M_PING], K_SECONDS, s->ping_s));
  mw_result_summary(res, "Redis %s (%s), up %s, PING %.2f ms", version, role, uptime,
                    s->ping_s * 1000);
  modes_perf(res, &r->ranges[M_PING], factor, "time", s->ping_s, "s", 0, NAN);
}

static void mode_memory(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  double factor[MODE_KINDS] = {[K_BYTES] = 1};
  double used, maxmemory = 0, system = 0, ratio = NAN, evicted = NAN;
  double limit, percent;
  char used_text[32];
  char limit_text[32];
  enum mw_state state;

  if (!snap_num(s, "used_memory", &used)) {
    missing(res, "used_memory");
    return;
  }
  snap_num(s, "maxmemory", &maxmemory);
  snap_num(s, "total_system_memory", &system);
  snap_num(s, "mem_fragmentation_ratio", &ratio);
  snap_num(s, "evicted_keys", &evicted);
  limit = maxmemory > 0 ? maxmemory : system;
  percent = limit > 0 ? used / limit * 100 : NAN;
  factor[K_PERCENT] = limit > 0 ? limit / 100 : 0;
  state = mw_state_worst(modes_judge(&r->ranges[M_MEMORY], K_PERCENT, percent),
                         modes_judge(&r->ranges[M_MEMORY], K_BYTES, used));
  mw_format_bytes(used, used_text, sizeof(used_text));
  mw_format_bytes(limit, limit_text, sizeof(limit_text));
  if (limit <= 0) {
    state = mw_state_worst(
        state, r->ranges[M_MEMORY].has_warn || r->ranges[M_MEMORY].has_crit ? MW_UNKNOWN : MW_OK);
    mw_result_summary(res, "%s used; neither maxmemory nor the system's memory is known",
                      used_text);
  } else {
    mw_result_summary(res, "%s used of %s %s (%.1f%%), fragmentation %.2f, %.0f evicted keys",
                      used_text, limit_text,
                      maxmemory > 0 ? "maxmemory" : "system memory (no maxmemory set)", percent,
                      ratio, evicted);
  }
  mw_result_state(res, state);
  modes_perf(res, &r->ranges[M_MEMORY], factor, "used_memory", used, "B", 0,
             limit > 0 ? limit : NAN);
  modes_perf(res, &r->ranges[M_MEMORY], (double[MODE_KINDS]){0}, "fragmentation_ratio", ratio, "",
             NAN, NAN);
  modes_perf(res, &r->ranges[M_MEMORY], (double[MODE_KINDS]){0}, "evicted_keys", evicted, "c", 0,
             NAN);
}

static void mode_clients(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  double factor[MODE_KINDS] = {[K_PLAIN] = 1};
  double connected, maxclients = NAN, blocked = NAN, rejected = NAN;
  enum mw_state state;

  if (!snap_num(s, "connected_clients", &connected)) {
    missing(res, "connected_clients");
    return;
  }
  snap_num(s, "maxclients", &maxclients);
  snap_num(s, "blocked_clients", &blocked);
  snap_num(s, "rejected_connections", &rejected);
  factor[K_PERCENT] = maxclients > 0 ? maxclients / 100 : 0;
  state = mw_state_worst(modes_judge(&r->ranges[M_CLIENTS], K_PLAIN, connected),
                         modes_judge(&r->ranges[M_CLIENTS], K_PERCENT,
                                     maxclients > 0 ? connected / maxclients * 100 : NAN));
  if (!(maxclients > 0)) {
    /* Redis before 7.0 does not say; a percentage cannot be judged. */
    mw_result_summary(res, "%.0f clients (maxclients not in INFO: give -w/-c as a number)",
                      connected);
    if ((r->ranges[M_CLIENTS].has_warn && r->ranges[M_CLIENTS].warn.kind == K_PERCENT) ||
        (r->ranges[M_CLIENTS].has_crit && r->ranges[M_CLIENTS].crit.kind == K_PERCENT))
      state = MW_UNKNOWN;
  } else {
    mw_result_summary(res, "%.0f of %.0f clients (%.1f%%), %.0f blocked, %.0f rejected connections",
                      connected, maxclients, connected / maxclients * 100, blocked, rejected);
  }
  mw_result_state(res, state);
  modes_perf(res, &r->ranges[M_CLIENTS], factor, "clients", connected, "", 0,
             maxclients > 0 ? maxclients : NAN);
  modes_perf(res, &r->ranges[M_CLIENTS], (double[MODE_KINDS]){0}, "blocked_clients", blocked, "", 0,
             NAN);
  modes_perf(res, &r->ranges[M_CLIENTS], (double[MODE_KINDS]){0}, "rejected_connections", rejected,
             "c", 0, NAN);
}

static void mode_hitrate(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  static const double factor[MODE_KINDS] = {[K_PERCENT] = 1};
  double hits, misses, total, rate, seconds;
  double since_hits, since_misses;
  char over[64] = "since start";

  if (!snap_num(s, "keyspace_hits", &hits) || !snap_num(s, "keyspace_misses", &misses)) {
    missing(res, "keyspace_hits");
    return;
  }
  since_hits = hits;
  since_misses = misses;
  /* inside the agent and collectd: the lookups since the previous run */
  if (snap_interval(s, &seconds)) {
    hits -= s->prev->hits;
    misses -= s->prev->misses;
    snprintf(over, sizeof(over), "over the last %.1f s", seconds);
  }
  total = hits + misses;
  rate = total > 0 ? hits / total * 100 : NAN;
  if (total < (double)r->min_requests) {
    mw_result_summary(res, "%.0f lookups %s, fewer than --min-requests %lld: not judged", total,
                      over, r->min_requests);
  } else {
    mw_result_state(res, modes_judge(&r->ranges[M_HITRATE], K_PERCENT, rate));
    mw_result_summary(res, "hit rate %.1f%% %s (%.0f hits, %.0f misses)", rate, over, hits, misses);
  }
  modes_perf(res, &r->ranges[M_HITRATE], factor, "hitrate", rate, "%", 0, 100);
  modes_perf(res, &r->ranges[M_HITRATE], (double[MODE_KINDS]){0}, "keyspace_hits", since_hits, "c",
             0, NAN);
  modes_perf(res, &r->ranges[M_HITRATE], (double[MODE_KINDS]){0}, "keyspace_misses", since_misses,
             "c", 0, NAN);
}

static void mode_ops(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  static const double factor[MODE_KINDS] = {[K_PLAIN] = 1};
  double commands, evicted = NAN, ops = NAN, evictions = NAN, seconds;

  if (!snap_num(s, "total_commands_processed", &commands)) {
    missing(res, "total_commands_processed");
    return;
  }
  snap_num(s, "evicted_keys", &evicted);
  if (snap_interval(s, &seconds)) {
    ops = (commands - s->prev->commands) / seconds;
    evictions = (evicted - s->prev->evicted) / seconds;
    mw_result_summary(res, "%.1f commands/s, %.2f evictions/s over the last %.1f s", ops, evictions,
                      seconds);
  } else if (snap_num(s, "instantaneous_ops_per_sec", &ops)) {
    mw_result_summary(res,
                      "%.0f commands/s as the server sampled it (a first run: "
                      "instantaneous_ops_per_sec)",
                      ops);
  } else {
    missing(res, "instantaneous_ops_per_sec");
    return;
  }
  mw_result_state(res, modes_judge(&r->ranges[M_OPS], K_PLAIN, ops));
  modes_perf(res, &r->ranges[M_OPS], factor, "ops_per_sec", ops, "", 0, NAN);
  modes_perf(res, &r->ranges[M_OPS], (double[MODE_KINDS]){0}, "evictions_per_sec", evictions, "", 0,
             NAN);
}

static void replica_of_master(const struct redis *r, struct mw_result *res,
                              const struct snapshot *s, int index, double master_offset)
{
  static const double seconds[MODE_KINDS] = {[K_SECONDS] = 1};
  static const double bytes[MODE_KINDS] = {[K_BYTES] = 1};
  struct mw_result *child = mw_result_child(res);
  struct info_value line, ip = {"?", 1}, port = {"?", 1}, state = {"?", 1}, v;
  double offset = NAN, lag = NAN, offset_lag;
  char field[32];
  char label[160];
  char name[128];
  enum mw_state st;

  snprintf(field, sizeof(field), "slave%d", index);
  if (!redis_info_get(s->info, s->len, field, &line)) {
    mw_result_state(child, MW_UNKNOWN);
    mw_result_summary(child, "INFO has no %s line", field);
    return;
  }
  redis_info_subfield(&line, "ip", &ip);
  redis_info_subfield(&line, "port", &port);
  redis_info_subfield(&line, "state", &state);
  if (redis_info_subfield(&line, "offset", &v))
    redis_info_value_number(&v, &offset);
  if (redis_info_subfield(&line, "lag", &v))
    redis_info_value_number(&v, &lag);
  offset_lag = master_offset - offset;
  snprintf(name, sizeof(name), "%.*s:%.*s", (int)(ip.len < 60 ? ip.len : 60), ip.text,
           (int)(port.len < 8 ? port.len : 8), port.text);
  st = mw_state_worst(modes_judge(&r->ranges[M_REPLICATION], K_SECONDS, lag),
                      modes_judge(&r->ranges[M_REPLICATION], K_BYTES, offset_lag));
  /* wait_bgsave and send_bulk: the replica is still loading the master's data. */
  if (!(state.len == 6 && memcmp(state.text, "online", 6) == 0))
    st = mw_state_worst(st, MW_WARNING);
  mw_result_state(child, st);
  mw_result_summary(child, "replica %s %.*s, last heard %.0f s ago, offset lag %.0f B", name,
                    (int)(state.len < 32 ? state.len : 32), state.text, lag, offset_lag);
  snprintf(label, sizeof(label), "%s_lag", name);
  modes_perf(child, &r->ranges[M_REPLICATION], seconds, label, lag, "s", 0, NAN);
  snprintf(label, sizeof(label), "%s_offset_lag", name);
  modes_perf(child, &r->ranges[M_REPLICATION], bytes, label, offset_lag, "B", 0, NAN);
}

static void mode_replication(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  static const double seconds[MODE_KINDS] = {[K_SECONDS] = 1};
  double replicas = 0, offset = NAN, last_io = NAN, down_since = NAN;
  char host[80];
  char port[16];
  int i;

  if (snap_is(s, "role", "master")) {
    snap_num(s, "connected_slaves", &replicas);
    snap_num(s, "master_repl_offset", &offset);
    if (replicas < (double)r->min_replicas) {
      mw_result_state(res, MW_CRITICAL);
      mw_result_summary(res, "master with %.0f connected replicas, fewer than --min-replicas %lld",
                        replicas, r->min_replicas);
    } else {
      mw_result_summary(res, "master with %.0f connected replica%s", replicas,
                        replicas == 1 ? "" : "s");
    }
    for (i = 0; i < (int)replicas && i < 1000; i++)
      replica_of_master(r, res, s, i, offset);
    modes_perf(res, &r->ranges[M_REPLICATION], (double[MODE_KINDS]){0}, "connected_replicas",
               replicas, "", 0, NAN);
    return;
  }
  if (!snap_is(s, "role", "slave")) {
    snap_text(s, "role", host, sizeof(host));
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "unknown role '%s'", host);
    return;
  }
  snap_text(s, "master_host", host, sizeof(host));
  snap_text(s, "master_port", port, sizeof(port));
  snap_num(s, "master_last_io_seconds_ago", &last_io);
  if (!snap_is(s, "master_link_status", "up")) {
    snap_num(s, "master_link_down_since_seconds", &down_since);
    mw_result_state(res, MW_CRITICAL);
    mw_result_summary(res, "replica of %s:%s, master link down for %.0f s", host, port, down_since);
  } else {
    mw_result_state(res, modes_judge(&r->ranges[M_REPLICATION], K_SECONDS, last_io));
    mw_result_summary(res, "replica of %s:%s, link up, master last heard %.0f s ago", host, port,
                      last_io);
  }
  modes_perf(res, &r->ranges[M_REPLICATION], seconds, "master_last_io", last_io < 0 ? NAN : last_io,
             "s", 0, NAN);
}

static void mode_persistence(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  static const double seconds[MODE_KINDS] = {[K_SECONDS] = 1};
  double last_save = NAN, changes = 0, aof = 0, now_us = NAN, age;
  enum mw_state state = MW_OK;
  char when[64];
  const char *problem;
  int severity;

  snap_num(s, "rdb_last_save_time", &last_save);
  snap_num(s, "rdb_changes_since_last_save", &changes);
  snap_num(s, "aof_enabled", &aof);
  /* The server's own clock when it tells it (Redis 7), so a skewed clock here does not count. */
  age = mw_round((snap_num(s, "server_time_usec", &now_us) ? now_us / 1e6 : (double)time(NULL)) -
                 last_save);
  problem = redis_persistence_problem(s->info, s->len, &severity);
  state = severity == 2 ? MW_CRITICAL : severity == 1 ? MW_WARNING : MW_OK;
  if (changes > 0 && isfinite(age))
    state = mw_state_worst(state, modes_judge(&r->ranges[M_PERSISTENCE], K_SECONDS, age));
  if (isfinite(age)) {
    char took[40];
    modes_format_duration(age, took, sizeof(took));
    snprintf(when, sizeof(when), "last save %s ago", took);
  } else {
    snprintf(when, sizeof(when), "last save time not reported");
  }
  mw_result_state(res, state);
  mw_result_summary(res, "%s%s%s, %.0f changes since, AOF %s", problem ? problem : "",
                    problem ? "; " : "", when, changes, aof > 0 ? "on" : "off");
  modes_perf(res, &r->ranges[M_PERSISTENCE], seconds, "last_save_age", age, "s", 0, NAN);
  modes_perf(res, &r->ranges[M_PERSISTENCE], (double[MODE_KINDS]){0}, "changes_since_save", changes,
             "", 0, NAN);
}

static void mode_info(const struct redis *r, struct mw_result *res, const struct snapshot *s)
{
  static const double plain[MODE_KINDS] = {[K_PLAIN] = 1};
  struct info_value v;
  double value;

  if (!redis_info_get(s->info, s->len, r->field, &v)) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "INFO has no field %s", r->field);
    return;
  }
  if (!redis_info_value_number(&v, &value)) {
    mw_result_state(res,
                    r->ranges[M_INFO].has_warn || r->ranges[M_INFO].has_crit ? MW_UNKNOWN : MW_OK);
    mw_result_summary(res, "%s is '%.*s'%s", r->field, (int)(v.len < 200 ? v.len : 200), v.text,
                      r->ranges[M_INFO].has_warn || r->ranges[M_INFO].has_crit ? ", not a number"
                                                                               : "");
    return;
  }
  mw_result_state(res, modes_judge(&r->ranges[M_INFO], K_PLAIN, value));
  mw_result_summary(res, "%s is %.*s", r->field, (int)(v.len < 64 ? v.len : 64), v.text);
  modes_perf(res, &r->ranges[M_INFO], plain, r->field, value, "", NAN, NAN);
}

mode_func *const mode_funcs[M_N] = {mode_ping,        mode_memory,      mode_clients, mode_hitrate,
                                    mode_replication, mode_persistence, mode_info,    mode_ops,
                                    mode_slowlog,     mode_sentinel,    mode_cluster};
