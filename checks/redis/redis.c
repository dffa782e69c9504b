/* SPDX-License-Identifier: MIT */
/* redis.c - Redis health: PING, memory, clients, hit rate, replication, persistence, any INFO
 * field. One INFO per run serves every mode; the connection stays open between runs. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redis_check.h"
#include "redis_info.h"

const char *const mode_names[] = {"ping",        "memory",      "clients", "hitrate",
                                  "replication", "persistence", "info",    "ops",
                                  "slowlog",     "sentinel",    "cluster", NULL};

static const struct mode_rule rules[M_N] = {
    [M_PING] = {K_SECONDS, 1u << K_SECONDS, NULL, NULL, "seconds (1s, 500ms)"},
    [M_MEMORY] = {K_PERCENT, 1u << K_PERCENT | 1u << K_BYTES, "80%", "90%",
                  "percent of the limit (80%) or used bytes (2GiB)"},
    [M_CLIENTS] = {K_PLAIN, 1u << K_PERCENT | 1u << K_PLAIN, "80%", "90%",
                   "percent of maxclients (80%) or a number of clients"},
    [M_HITRATE] = {K_PERCENT, 1u << K_PERCENT, "80:", "50:", "a percentage (80: alerts below 80)"},
    [M_REPLICATION] = {K_SECONDS, 1u << K_SECONDS | 1u << K_BYTES, "30s", "60s",
                       "seconds since the peer was last heard (30s) or offset lag (16MiB)"},
    [M_PERSISTENCE] = {K_SECONDS, 1u << K_SECONDS, NULL, NULL,
                       "seconds since the last save with changes pending (1h)"},
    [M_INFO] = {K_PLAIN, 1u << K_PLAIN, NULL, NULL, "plain numbers"},
    [M_OPS] = {K_PLAIN, 1u << K_PLAIN, NULL, NULL, "commands per second (50000)"},
    [M_SLOWLOG] = {K_PLAIN, 1u << K_PLAIN | 1u << K_SECONDS, NULL, NULL,
                   "new entries (10) or the slowest entry's time (100ms)"},
    [M_SENTINEL] = {K_SECONDS, 1u << K_SECONDS, NULL, NULL,
                    "seconds for the master's connect, AUTH and ROLE (500ms)"},
    [M_CLUSTER] = {K_PLAIN, 1u << K_PLAIN, NULL, NULL, "a number of failing nodes (1)"},
};

static const struct mw_unit units[] = {{"", 1, K_PLAIN},
                                       {"%", 1, K_PERCENT},
                                       MODES_BYTE_UNITS(K_BYTES),
                                       MODES_TIME_UNITS(K_SECONDS),
                                       {NULL, 0, 0}};

static const struct mw_option redis_options[] = {
    {"host", 'H', MW_OPT_STRING, 0, "HOST", "127.0.0.1", "Server name or address.", NULL, NULL},
    {"port", 'p', MW_OPT_INT, 0, "PORT", "6379", "Server port.", NULL, NULL},
    {"socket", 's', MW_OPT_STRING, 0, "PATH", NULL,
     "Unix socket of the server, instead of host and port.", NULL, NULL},
    {"user", 'U', MW_OPT_STRING, 0, "USER", NULL,
     "ACL user (Redis 6 and later); without it the legacy AUTH with the password alone.", NULL,
     NULL},
    {"password-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the password; without it REDISCLI_AUTH from the environment.", NULL,
     NULL},
    {"database", 'n', MW_OPT_INT, 0, "N", "0", "Database number to SELECT.", NULL, NULL},
    {"tls", 0, MW_OPT_BOOL, 0, NULL, NULL,
     "Speak TLS (the server's tls-port), verifying its certificate against the system's CA "
     "store or --ca-cert and its name against --host or --sni.",
     NULL, NULL},
    {"ca-cert", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "tls: PEM file of the CA certificates to trust instead of the system's.", NULL, NULL},
    {"client-cert", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "tls: PEM certificate (chain) to present, for servers with tls-auth-clients yes; needs "
     "--client-key.",
     NULL, NULL},
    {"client-key", 0, MW_OPT_STRING, 0, "FILE", NULL, "tls: PEM private key of --client-cert.",
     NULL, NULL},
    {"sni", 0, MW_OPT_STRING, 0, "NAME", NULL,
     "tls: the server name to send and verify, when --host is an address or another name.", NULL,
     NULL},
    {"insecure", 0, MW_OPT_BOOL, 0, NULL, NULL,
     "tls: do not verify the server's certificate (the output says so).", NULL, NULL},
    {"mode", 'm', MW_OPT_STRING, MW_OPT_REPEAT, "MODE", "ping",
     "What to check: ping, memory, clients, hitrate, replication, persistence, info, ops, "
     "slowlog, sentinel or cluster.",
     NULL, mode_names},
    {"field", 'f', MW_OPT_STRING, 0, "FIELD", NULL, "The INFO field --mode info reports.", NULL,
     NULL},
    {"warning", 'w', MW_OPT_RANGE, 0, "RANGE", NULL,
     "WARNING range for the one mode given; the mode's default otherwise (see below).", units,
     NULL},
    {"critical", 'c', MW_OPT_RANGE, 0, "RANGE", NULL,
     "CRITICAL range for the one mode given; the mode's default otherwise (see below).", units,
     NULL},
    {"min-replicas", 0, MW_OPT_INT, 0, "N", "0",
     "replication: a master with fewer connected replicas is CRITICAL; sentinel: fewer healthy "
     "replicas.",
     NULL, NULL},
    {"min-requests", 0, MW_OPT_INT, 0, "N", "100",
     "hitrate: with fewer lookups (since the last run, or since start) the rate is not judged.",
     NULL, NULL},
    {"master-name", 0, MW_OPT_STRING, 0, "NAME", NULL,
     "sentinel: the name the Sentinel monitors the master under (sentinel monitor NAME ...).", NULL,
     NULL},
    {"master-password-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "sentinel: file whose first line is the password of the master the Sentinel names (the "
     "default user's AUTH); --password-file is the Sentinel's own.",
     NULL, NULL},
    {"slowlog-window", 0, MW_OPT_DURATION, 0, "DURATION", "5m",
     "slowlog: a first run (and every run from a shell) reads the entries of this last span.", NULL,
     NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char redis_description[] =
    "Every run sends PING and INFO; each mode reads what it needs from that one INFO.\n"
    "  ping         round trip of PING (-w/-c in seconds); version, role and uptime.\n"
    "  memory       used_memory against maxmemory, or against the system's memory when\n"
    "               maxmemory is 0 (default -w 80% -c 90%; bytes such as 2GiB judge used\n"
    "               memory); fragmentation ratio and evicted keys as perfdata.\n"
    "  clients      connected clients against maxclients (default -w 80% -c 90%; a plain\n"
    "               number is a count), blocked clients, rejected connections.\n"
    "  hitrate      keyspace hits / (hits + misses) since the instance's last run inside the\n"
    "               agent and collectd, since start from a shell (default -w 80: -c 50:,\n"
    "               alert below); not judged below --min-requests lookups.\n"
    "  replication  on a master: connected replicas (--min-replicas) and each replica's lag\n"
    "               in seconds and offset bytes; on a replica: the master link (down is\n"
    "               CRITICAL) and seconds since the master was last heard (default -w 30s\n"
    "               -c 60s; a byte range judges offset lag).\n"
    "  persistence  a failed last RDB save or AOF write is CRITICAL; -w/-c judge the seconds\n"
    "               since the last save while changes are pending.\n"
    "  info         the number in --field, judged by -w/-c.\n"
    "  ops          commands per second since the last run (inside the agent and collectd; from\n"
    "               a shell the server's own instantaneous_ops_per_sec), judged by -w/-c;\n"
    "               evictions per second as perfdata.\n"
    "  slowlog      SLOWLOG GET 128: the entries since the last run (a first run: those of\n"
    "               the last --slowlog-window), the slowest with its command's name only,\n"
    "               never its arguments; -w/-c on the count (10) or the slowest time (100ms).\n"
    "  sentinel     on a Sentinel (-p 26379): the master it names for --master-name, which\n"
    "               must answer ROLE as master (CRITICAL if down, unreachable or not a\n"
    "               master); CKQUORUM; replicas down and a failover in progress are WARNING;\n"
    "               --min-replicas healthy replicas; -w/-c on the master's answer time.\n"
    "  cluster      CLUSTER INFO and CLUSTER NODES on one node of a cluster: a state other\n"
    "               than ok, unassigned or failing slots are CRITICAL; slots possibly failing\n"
    "               and failing nodes WARNING (-w/-c: a number of failing nodes instead).\n"
    "With several modes -w and -c cannot be given: each mode uses its default. Units in\n"
    "ranges: %, B, KB, MB, GB, KiB, MiB, GiB, TiB, ms, s, min, h. A server that cannot be reached "
    "or\n"
    "refuses the password is CRITICAL; answers larger than 1 MiB are refused.\n"
    "With --tls the long output names the protocol, cipher and what was verified; a certificate\n"
    "that is not trusted or does not name the host is CRITICAL with OpenSSL's reason.\n";

bool snap_num(const struct snapshot *s, const char *field, double *out)
{
  return redis_info_number(s->info, s->len, field, out);
}

bool snap_is(const struct snapshot *s, const char *field, const char *value)
{
  struct info_value v;

  return redis_info_get(s->info, s->len, field, &v) && v.len == strlen(value) &&
         memcmp(v.text, value, v.len) == 0;
}

void snap_text(const struct snapshot *s, const char *field, char *out, size_t outlen)
{
  struct info_value v;

  if (!redis_info_get(s->info, s->len, field, &v))
    snprintf(out, outlen, "?");
  else
    snprintf(out, outlen, "%.*s", (int)(v.len < outlen ? v.len : outlen - 1), v.text);
}

bool snap_interval(const struct snapshot *s, double *seconds)
{
  double uptime, commands, hits, misses;

  if (!s->prev->have || !snap_num(s, "uptime_in_seconds", &uptime) ||
      !snap_num(s, "total_commands_processed", &commands) || !snap_num(s, "keyspace_hits", &hits) ||
      !snap_num(s, "keyspace_misses", &misses))
    return false;
  *seconds = s->now_s - s->prev->at_s;
  /* a restart or CONFIG RESETSTAT sets the counters back: no interval to speak of */
  return *seconds >= 0.2 && uptime >= s->prev->uptime_s && commands >= s->prev->commands &&
         hits >= s->prev->hits && misses >= s->prev->misses;
}

/* What the next run measures from. */
static void keep_counters(struct redis *r, const struct snapshot *s)
{
  struct counters c = {true, s->now_s, 0, 0, 0, 0, 0};
  double evicted = 0;
  size_t i;

  if (snap_num(s, "uptime_in_seconds", &c.uptime_s) &&
      snap_num(s, "total_commands_processed", &c.commands) &&
      snap_num(s, "keyspace_hits", &c.hits) && snap_num(s, "keyspace_misses", &c.misses)) {
    snap_num(s, "evicted_keys", &evicted);
    c.evicted = evicted;
    r->last = c;
  }
  if (s->slowlog && s->slowlog->type == REDIS_REPLY_ARRAY) {
    r->slowlog_seen = true;
    for (i = 0; i < s->slowlog->elements; i++) {
      const redisReply *e = s->slowlog->element[i];

      if (e->type == REDIS_REPLY_ARRAY && e->elements > 0 &&
          e->element[0]->type == REDIS_REPLY_INTEGER && e->element[0]->integer > r->slowlog_last_id)
        r->slowlog_last_id = e->element[0]->integer;
    }
  }
}

static void run_modes(struct redis *r, struct mw_result *root, const struct snapshot *s)
{
  struct mw_result *children[MODES_MAX];
  const char *labels[MODES_MAX];
  size_t i;

  for (i = 0; i < r->modes.count; i++) {
    enum mode mode = (enum mode)r->modes.ids[i];
    struct mw_result *res = modes_result(root, &r->modes);

    children[i] = res;
    labels[i] = mode_names[mode];
    mode_funcs[mode](r, res, s);
  }
  if (r->modes.count > 1)
    modes_summarise(root, children, labels, r->modes.count);
}

static void report_failure(struct redis *r, struct mw_result *res, enum redis_status status,
                           const char *err)
{
  mw_result_state(res, status == REDIS_TIMED_OUT   ? r->timeout_state
                       : status == REDIS_BAD_INPUT ? MW_UNKNOWN
                                                   : MW_CRITICAL);
  mw_result_summary(res, "%s", err);
}

static void redis_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct redis *r = state;
  const char *ping[] = {"PING"};
  const char *info[] = {"INFO"};
  const char *slowlog[] = {"SLOWLOG", "GET", "128"};
  redisReply *pong = NULL;
  redisReply *reply = NULL;
  redisReply *slow = NULL;
  redisReply *cluster_info = NULL;
  redisReply *cluster_nodes = NULL;
  struct sentinel_view sentinel = {0};
  struct snapshot snap = {NULL, 0, 0, 0, &r->last, NULL, NULL, NULL, NULL};
  enum redis_status status;
  char err[512];
  int64_t started;

  status = redis_conn_open(&r->conn, &r->target, deadline, err, sizeof(err));
  if (status != REDIS_DONE)
    goto failed;
  started = mw_now_ns();
  status = redis_conn_command(&r->conn, 1, ping, &pong, deadline, err, sizeof(err));
  if (status != REDIS_DONE)
    goto failed;
  snap.ping_s = (double)(mw_now_ns() - started) / 1e9;
  if (pong->type != REDIS_REPLY_STATUS || strcmp(pong->str, "PONG") != 0) {
    snprintf(err, sizeof(err), "%s: PING answered %s", r->conn.where,
             pong->type == REDIS_REPLY_ERROR ? pong->str : "something other than PONG");
    status = REDIS_FAILED;
    goto failed;
  }
  status = redis_conn_command(&r->conn, 1, info, &reply, deadline, err, sizeof(err));
  if (status != REDIS_DONE)
    goto failed;
  if (reply->type != REDIS_REPLY_STRING) {
    snprintf(err, sizeof(err), "%s: INFO answered %s", r->conn.where,
             reply->type == REDIS_REPLY_ERROR ? reply->str : "something other than text");
    status = REDIS_FAILED;
    goto failed;
  }
  snap.info = reply->str;
  snap.len = reply->len;
  snap.now_s = (double)mw_now_ns() / 1e9;
  if (modes_has(&r->modes, M_SLOWLOG)) {
    status = redis_conn_command(&r->conn, 3, slowlog, &slow, deadline, err, sizeof(err));
    if (status != REDIS_DONE)
      goto failed;
    snap.slowlog = slow;
  }
  if (modes_has(&r->modes, M_SENTINEL)) {
    status = redis_sentinel_gather(r, &sentinel, deadline, err, sizeof(err));
    if (status != REDIS_DONE)
      goto failed;
    snap.sentinel = &sentinel;
  }
  if (modes_has(&r->modes, M_CLUSTER)) {
    const char *cinfo[] = {"CLUSTER", "INFO"};
    const char *cnodes[] = {"CLUSTER", "NODES"};

    status = redis_conn_command(&r->conn, 2, cinfo, &cluster_info, deadline, err, sizeof(err));
    if (status == REDIS_DONE && cluster_info->type == REDIS_REPLY_STRING)
      status = redis_conn_command(&r->conn, 2, cnodes, &cluster_nodes, deadline, err, sizeof(err));
    if (status != REDIS_DONE)
      goto failed;
    snap.cluster_info = cluster_info;
    snap.cluster_nodes = cluster_nodes;
  }
  run_modes(r, res, &snap);
  keep_counters(r, &snap);
  if (r->conn.tls) {
    char tls[300];

    redis_conn_describe(&r->conn, tls, sizeof(tls));
    mw_result_note(res, "TLS: %s", tls);
  }
  goto cleanup;

failed:
  report_failure(r, res, status, err);
cleanup:
  if (pong)
    freeReplyObject(pong);
  if (reply)
    freeReplyObject(reply);
  if (slow)
    freeReplyObject(slow);
  if (cluster_info)
    freeReplyObject(cluster_info);
  if (cluster_nodes)
    freeReplyObject(cluster_nodes);
  redis_sentinel_view_free(&sentinel);
}

static int redis_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct redis *r = calloc(1, sizeof(*r));

  if (!r) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  redis_conn_init(&r->conn);
  r->target.host = mw_args_str(args, "host");
  r->target.port = (int)mw_args_int(args, "port");
  r->target.socket = mw_args_str(args, "socket");
  r->target.user = mw_args_str(args, "user");
  r->target.password_file = mw_args_str(args, "password-file");
  r->target.database = mw_args_int(args, "database");
  r->field = mw_args_str(args, "field");
  r->master_name = mw_args_str(args, "master-name");
  r->master_password_file = mw_args_str(args, "master-password-file");
  r->min_replicas = mw_args_int(args, "min-replicas");
  r->min_requests = mw_args_int(args, "min-requests");
  r->timeout_state = mw_args_state(args, "timeout-state");
  r->slowlog_window_s = mw_args_duration(args, "slowlog-window");
  r->slowlog_last_id = -1;
  if (modes_parse(args, "mode", mode_names, &r->modes, err) != 0 ||
      modes_set_ranges(args, &r->modes, mode_names, rules, units, K_PLAIN, r->ranges, err) != 0)
    goto fail;
  if (!r->target.socket && (r->target.port < 1 || r->target.port > 65535)) {
    mw_result_summary(err, "--port must be between 1 and 65535");
    goto fail;
  }
  if (r->target.database < 0 || r->target.database > 1000000) {
    mw_result_summary(err, "--database must be a database number, 0 or more");
    goto fail;
  }
  if (modes_has(&r->modes, M_SENTINEL) != (r->master_name != NULL)) {
    mw_result_summary(err, r->master_name ? "--master-name is only used by --mode sentinel"
                                          : "--mode sentinel needs --master-name NAME");
    goto fail;
  }
  if (r->master_password_file && !r->master_name) {
    mw_result_summary(err, "--master-password-file is only used by --mode sentinel");
    goto fail;
  }
  if (redis_tls_options(args, r, err) != 0)
    goto fail;
  if (modes_has(&r->modes, M_INFO) != (r->field != NULL)) {
    mw_result_summary(err, r->field ? "--field is only used by --mode info"
                                    : "--mode info needs --field NAME");
    goto fail;
  }
  *state = r;
  return 0;
fail:
  redis_tls_close(r);
  free(r);
  return -1;
}

static void redis_close(void *state)
{
  struct redis *r = state;

  redis_conn_close(&r->conn);
  redis_tls_close(r);
  free(r);
}

static const struct mw_check redis_check = {
    MW_CHECK_ABI,      "redis",       "Redis: reachability, memory, clients, hit rate, replication",
    redis_description, redis_options, redis_open,
    redis_run,         redis_close};

const struct mw_check *mw_check_entry(void)
{
  return &redis_check;
}
