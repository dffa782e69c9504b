#!/bin/bash
# SPDX-License-Identifier: MIT
# redis_ha.sh - the sentinel and cluster modes against real servers on 127.0.0.1: a Sentinel
# watching a master and a replica, through a failover after the master is killed; a cluster of
# three masters made with redis-cli --cluster create, before it has slots, healthy, and with one
# node killed.
. "$(dirname "$0")/lib.sh"

need_check redis
command -v redis-server >/dev/null || skip_all "redis-server is not installed (Debian: redis-server)"
command -v redis-cli >/dev/null || skip_all "redis-cli is not installed (Debian: redis-tools)"

perf_value() { sed -n "s/.*[ |]$1=\([0-9.e+-]*\).*/\1/p" <<<"$OUT" | head -n 1; }

# ---- Sentinel: a master, a replica and one Sentinel with quorum 1 --------------------------
M=$(free_port)
start_redis master "$M"
MASTER_PID=$REDIS_PID
REP=$(free_port)
start_redis replica "$REP" --replicaof 127.0.0.1 "$M"
wait_for "redis-cli -p $REP info replication | grep -q 'master_link_status:up'" 30 ||
  skip_all "the replica did not sync with its master"
S=$(free_port)
mkdir -p "$TMP/sentinel"
cat >"$TMP/sentinel/sentinel.conf" <<CONF
port $S
bind 127.0.0.1
dir $TMP/sentinel
logfile $TMP/sentinel/log
sentinel monitor cache 127.0.0.1 $M 1
sentinel down-after-milliseconds cache 1000
sentinel failover-timeout cache 10000
CONF
redis-server "$TMP/sentinel/sentinel.conf" --sentinel &
SENTINEL_PID=$!
on_exit "kill $SENTINEL_PID; wait $SENTINEL_PID"
# The Sentinel lists a replica it learnt from the master's INFO before it has connected to it
# ("slave,disconnected"); the check rightly counts that one down, so wait for the Sentinel's own
# view to be healthy: flags "slave" and the replica's link to the master "ok".
sentinel_sees_replica() {
  redis-cli -p "$S" sentinel replicas cache 2>/dev/null |
    awk 'k == "flags" && $0 == "slave" { f = 1 } k == "master-link-status" && $0 == "ok" { l = 1 }
         { k = $0 } END { exit !(f && l) }'
}
wait_for sentinel_sees_replica 30 ||
  skip_all "the Sentinel did not see a healthy replica: $(tail -n 3 "$TMP/sentinel/log")"

SN=(redis -H 127.0.0.1 -p "$S" -m sentinel --master-name cache)
mw "${SN[@]}"
expect_rc 0 "sentinel: master, replica and quorum healthy: OK"
expect_first "master cache at 127\.0\.0\.1:$M, 1 of 1 replicas healthy, 1 Sentinels \(quorum 1\)" "sentinel: the master named, replicas and Sentinels counted ($FIRST)"
expect_first "replicas_healthy=1;;;0;1 sentinels=1;;;0 quorum=1;;;0$" "sentinel: perfdata"
expect_true "[ -n '$(perf_value master_time)' ]" "sentinel: the master's answer time as perfdata"
mw "${SN[@]}" --min-replicas 2
expect_rc 2 "sentinel: fewer healthy replicas than --min-replicas: CRITICAL"
expect_first "fewer healthy replicas than --min-replicas 2" "sentinel: says so"
mw "${SN[@]}" -w 0.000000001s
expect_rc 1 "sentinel: -w on the master's answer time"
mw redis -p "$S" -m sentinel --master-name nosuch
expect_rc 2 "sentinel: a name the Sentinel does not monitor: CRITICAL"
expect_first "does not know master nosuch: .*No such master" "sentinel: the Sentinel's reason"
mw "${SN[@]}" --master-password-file "$TMP/no-such-file"
expect_rc 3 "sentinel: an unreadable --master-password-file: UNKNOWN"
expect_first "cannot be reached: .*no-such-file" "sentinel: names the file"
mw redis -p "$M" -m sentinel --master-name cache
expect_rc 2 "sentinel: pointed at a plain Redis instead of a Sentinel: CRITICAL"
expect_one_line "sentinel at a plain Redis: one line ($FIRST)"

# ---- failover: the master killed, the replica promoted ---------------------------------------
kill -9 "$MASTER_PID"
mw "${SN[@]}"
expect_rc 2 "failover: the master killed: CRITICAL at once"
expect_first "127\.0\.0\.1:$M.*(cannot be reached|down)" "failover: says the master is down or unreachable ($FIRST)"
# Sentinel notices after down-after-milliseconds (1 s), then elects and promotes.
promoted() { mw "${SN[@]}" && false; grep -q "master cache at 127\.0\.0\.1:$REP," <<<"$FIRST"; }
wait_for promoted 60
expect_first "master cache at 127\.0\.0\.1:$REP," "failover: the check follows the Sentinel to the promoted replica"
expect_rc 1 "failover: the new master answers, the old one is a replica down: WARNING"
expect_out "replica 127\.0\.0\.1:$M \([^)]*(s_down|disconnected)" "failover: the old master listed as a replica down"

# ---- cluster ---------------------------------------------------------------------------------
# cluster_port: a free port whose bus port (+10000) is free too.
# Drawn below 22000 from the start: free_port's draws went up to 32767, and ten of them above
# 22000 in a row (0.06% a node) failed a CI run.
cluster_port() {
  local p
  for p in $(shuf -i 10000-21999 -n 50); do
    ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null &&
      ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null && echo "$p" && return 0
  done
  return 1
}
C=()
CPIDS=()
for n in 1 2 3; do
  p=$(cluster_port) || skip_all "no free port pair for a cluster node"
  start_redis "node$n" "$p" --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 1000
  C+=("$p")
  CPIDS+=("$REDIS_PID")
done
CL=(redis -H 127.0.0.1 -p "${C[0]}" -m cluster)
mw "${CL[@]}"
expect_rc 2 "cluster: a node without slots: CRITICAL"
expect_first "cluster fail, 0 of 16384 slots assigned" "cluster: says no slot is assigned ($FIRST)"
redis-cli --cluster create "127.0.0.1:${C[0]}" "127.0.0.1:${C[1]}" "127.0.0.1:${C[2]}" --cluster-yes \
  >"$TMP/cluster-create.log" 2>&1 || skip_all "redis-cli --cluster create failed: $(tail -n 3 "$TMP/cluster-create.log")"
cluster_ok() { for p in "${C[@]}"; do redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || return 1; done; }
wait_for cluster_ok 30 || skip_all "the cluster did not reach state ok"
mw "${CL[@]}"
expect_rc 0 "cluster: three masters, all slots ok: OK"
expect_first "cluster ok, 16384 of 16384 slots assigned, 16384 ok, 0 possibly failing, 0 failing; 3 known nodes, 3 serving slots, 0 failing" "cluster: slots and nodes counted ($FIRST)"
expect_first "slots_assigned=16384;;;0;16384 " "cluster: perfdata with 16384 as max"
mw "${CL[@]}" -w 1 -c 2
expect_rc 0 "cluster: -w/-c on failing nodes"
expect_first "failing_nodes=0;1;2;0$" "cluster: the ranges on failing_nodes"
mw redis -H 127.0.0.1 -p "${C[1]}" -m cluster -m memory -m ping
expect_rc 0 "cluster: with other modes on a cluster node"
mw redis -p "$REP" -m cluster
expect_rc 3 "cluster: a server without cluster support: UNKNOWN"
expect_first "cluster support disabled" "cluster: the server's reason"

kill -9 "${CPIDS[2]}"
failed() { mw "${CL[@]}"; grep -q "127\.0\.0\.1:${C[2]} .*has failed" <<<"$OUT" && grep -q "cluster fail" <<<"$FIRST"; }
wait_for failed 30
expect_rc 2 "cluster: a master killed, its slots lost: CRITICAL"
expect_first "cluster fail, 16384 of 16384 slots assigned, [0-9]+ ok, [0-9]+ possibly failing, [1-9][0-9]* failing; 3 known nodes, 3 serving slots, 1 failing" "cluster: the failing slots and node counted ($FIRST)"
expect_out "node 127\.0\.0\.1:${C[2]} \([^)]*fail[^)]*\) has failed" "cluster: the killed node listed"

# ---- options ---------------------------------------------------------------------------------
mw redis -m sentinel
expect_one_error_line "needs --master-name" "options: sentinel without --master-name"
mw redis --master-name cache
expect_one_error_line "only used by --mode sentinel" "options: --master-name without the mode"
mw redis --help
expect_out "master-name" "--help lists the sentinel options"

echo "redis_ha: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
