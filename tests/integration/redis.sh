#!/bin/bash
# SPDX-License-Identifier: MIT
# redis.sh - the redis check against real redis-server processes on 127.0.0.1: every mode to OK,
# WARNING and CRITICAL on purpose, authentication, a replica, and servers that misbehave.
. "$(dirname "$0")/lib.sh"

need_check redis
command -v redis-server >/dev/null || skip_all "redis-server is not installed (Debian: redis-server)"
command -v redis-cli >/dev/null || skip_all "redis-cli is not installed (Debian: redis-tools)"

rcli() { redis-cli -p "$PORT" "$@"; }
info_num() { rcli info | tr -d '\r' | sed -n "s/^$1://p"; }

PORT=$(free_port)
start_redis main "$PORT"
R=(redis -H 127.0.0.1 -p "$PORT")

# ---- ping --------------------------------------------------------------------------------
mw "${R[@]}"
expect_rc 0 "ping: OK"
expect_first "^REDIS OK - Redis [0-9.]+ \(master\), up .*PING [0-9.]+ ms \| time=[0-9.e-]+s;;;0$" "ping: version, role, uptime and time perfdata"
mw "${R[@]}" -m ping -w 0.000000001s
expect_rc 1 "ping: a round trip over a tiny -w is WARNING"
mw redis -s "$TMP/main/redis.sock"
expect_rc 0 "ping over the unix socket"

# ---- memory: maxmemory moved around what the filled server uses ------------------------------
rcli debug populate 20000 key 100 >/dev/null
used=$(info_num used_memory)
mw "${R[@]}" -m memory
expect_rc 0 "memory: no maxmemory, compared with the system's memory"
expect_first "system memory \(no maxmemory set\)" "memory: says there is no maxmemory"
rcli config set maxmemory $((used * 2)) >/dev/null
mw "${R[@]}" -m memory
expect_rc 0 "memory: at about 50% of maxmemory, OK"
expect_first "used_memory=[0-9]+B;[0-9]+;[0-9]+;0;$((used * 2))( |$)" "memory: perfdata in bytes, ranges converted, maxmemory as max"
rcli config set maxmemory $((used * 100 / 85)) >/dev/null
mw "${R[@]}" -m memory
expect_rc 1 "memory: at about 85%, WARNING with the default 80%/90%"
rcli config set maxmemory $((used * 100 / 95)) >/dev/null
mw "${R[@]}" -m memory
expect_rc 2 "memory: at about 95%, CRITICAL"
mw "${R[@]}" -m memory -w 1GiB -c 2GiB
expect_rc 0 "memory: byte ranges judge used bytes"
rcli config set maxmemory 0 >/dev/null

# ---- clients: connections held open by this shell --------------------------------------------
rcli config set maxclients 12 >/dev/null
for i in $(seq 1 9); do exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"; HELD+=("$fd"); done
wait_for "[ \"\$(info_num connected_clients)\" -ge 9 ]" 10
mw "${R[@]}" -m clients
expect_rc 1 "clients: 10 of 12 (83%), WARNING"
expect_first "10 of 12 clients" "clients: counts ourselves too"
exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
HELD+=("$fd")
wait_for "[ \"\$(info_num connected_clients)\" -ge 10 ]" 10
mw "${R[@]}" -m clients
expect_rc 2 "clients: 11 of 12 (92%), CRITICAL"
mw "${R[@]}" -m clients -w 20 -c 30
expect_rc 0 "clients: a plain range is a number of clients"
for fd in "${HELD[@]}"; do exec {fd}>&-; done
rcli config set maxclients 10000 >/dev/null

# ---- hitrate --------------------------------------------------------------------------------
mw "${R[@]}" -m hitrate --min-requests 1000000
expect_rc 0 "hitrate: below --min-requests it is not judged"
expect_first "not judged" "hitrate: says so"
for i in $(seq 300); do echo "GET missing:$i"; done | rcli >/dev/null
mw "${R[@]}" -m hitrate
expect_rc 2 "hitrate: only misses, CRITICAL"
rcli set present 1 >/dev/null
for i in $(seq 1500); do echo "GET present"; done | rcli >/dev/null
mw "${R[@]}" -m hitrate
expect_rc 0 "hitrate: 1500 hits to 300 misses (83%), OK"
expect_first "hitrate=83.3[0-9]*%;80:;50:;0;100" "hitrate: perfdata with alert-below ranges"

# ---- over the interval, as in the agent and collectd (one kept state, runs apart) -----------
# since start the rate is 1500 / 1800 (83%); the 300 misses between the runs make the interval 0%
OUT=$(REPEAT_BETWEEN="for i in \$(seq 300); do echo GET missing:\$i; done | redis-cli -p $PORT >/dev/null; sleep 0.3" \
  "$TEST_BIN/repeat" 2 "${R[@]}" -m hitrate --min-requests 10 2>&1)
expect_true "grep -q 'OK - hit rate 83.3% since start' <<<\"\$(sed -n 1p <<<\"\$OUT\")\" && grep -qE 'CRITICAL - hit rate 0.0% over the last [0-9.]+ s \\(0 hits, 300 misses\\)' <<<\"\$(sed -n 2p <<<\"\$OUT\")\"" \
  "hitrate: a first run judges since start, the next the lookups since the first"
OUT=$(REPEAT_BETWEEN="for i in \$(seq 1000); do echo PING; done | redis-cli -p $PORT >/dev/null; sleep 0.3" \
  "$TEST_BIN/repeat" 2 "${R[@]}" -m ops -c 1000000 2>&1)
expect_true "grep -q 'as the server sampled it' <<<\"\$(sed -n 1p <<<\"\$OUT\")\" && grep -qE 'OK - [0-9.]+ commands/s, 0.00 evictions/s over the last [0-9.]+ s' <<<\"\$(sed -n 2p <<<\"\$OUT\")\" && awk -v v=\"\$(sed -n '2s/.*ops_per_sec=\\([0-9.]*\\).*/\\1/p' <<<\"\$OUT\")\" 'BEGIN { exit !(v > 100) }'" \
  "ops: the 1000 commands between two runs as commands per second over the interval ($(sed -n 2p <<<"$OUT" | cut -c1-80))"

# ---- slowlog: entries since the last run, the command's name and never its arguments --------
rcli config set slowlog-log-slower-than 0 >/dev/null
rcli set slowlog-secret-key hunter2-value >/dev/null
mw "${R[@]}" -m slowlog -w 100000
expect_true "[ $RC = 0 ] && grep -qE 'OK - (at least )?[0-9]+ slow log entries in the window, the slowest [A-Z]+ in [0-9.]+ ms' <<<\"\$FIRST\"" "slowlog: a first run reads the window ($FIRST)"
expect_true "! grep -q 'hunter2\\|slowlog-secret' <<<\"\$OUT\"" "slowlog: no argument of any command in the output"
OUT=$(REPEAT_BETWEEN="redis-cli -p $PORT set another hunter2 >/dev/null" "$TEST_BIN/repeat" 2 "${R[@]}" -m slowlog -c 1 2>&1)
expect_true "grep -qE 'CRITICAL - [0-9]+ slow log entr(y|ies) since the last run' <<<\"\$(sed -n 2p <<<\"\$OUT\")\" && ! grep -q hunter2 <<<\"\$OUT\"" \
  "slowlog: the next run counts the entries since the first, judged by -c 1"
mw "${R[@]}" -m slowlog -c 1ms
expect_true "[ $RC = 0 ] || [ $RC = 2 ]" "slowlog: a time range judges the slowest entry"
rcli config set slowlog-log-slower-than 10000 >/dev/null
rcli slowlog reset >/dev/null
mw "${R[@]}" -m slowlog -c 1
expect_true "[ $RC = 0 ] && grep -q 'no slow log entries in the window' <<<\"\$FIRST\"" "slowlog: an empty log is OK"

# ---- info FIELD ------------------------------------------------------------------------------
mw "${R[@]}" -m info -f connected_clients -w 50
expect_rc 0 "info: a numeric field within its range"
mw "${R[@]}" -m info -f connected_clients -w 0
expect_rc 1 "info: a numeric field over -w"
mw "${R[@]}" -m info -f redis_mode
expect_rc 0 "info: a text field without ranges is shown"
mw "${R[@]}" -m info -f redis_mode -w 5
expect_rc 3 "info: a text field with ranges is UNKNOWN"
mw "${R[@]}" -m info -f no_such_field
expect_rc 3 "info: a missing field is UNKNOWN"

# ---- persistence -----------------------------------------------------------------------------
mw "${R[@]}" -m persistence
expect_rc 0 "persistence: nothing failed"
mw "${R[@]}" -m persistence -c @0:
expect_rc 2 "persistence: changes pending and an age range that always alerts"
mkdir "$TMP/gone"
rcli config set dir "$TMP/gone" >/dev/null
rmdir "$TMP/gone"
rcli bgsave >/dev/null
wait_for "rcli info persistence | grep -q 'rdb_last_bgsave_status:err'" 20
mw "${R[@]}" -m persistence
expect_rc 2 "persistence: a failed BGSAVE is CRITICAL"
expect_first "the last RDB save failed" "persistence: says which"
rcli config set dir "$TMP/main" >/dev/null

# ---- replication -----------------------------------------------------------------------------
RPORT=$(free_port)
start_redis replica "$RPORT" --replicaof 127.0.0.1 "$PORT"
wait_for "redis-cli -p $RPORT info replication | grep -q 'master_link_status:up'" 30
wait_for "rcli info replication | grep -q '^slave0:.*state=online'" 30
mw "${R[@]}" -m replication --min-replicas 1
expect_rc 0 "replication: master with its replica"
expect_out "replica 127.0.0.1:$RPORT online" "replication: the replica in long output"
mw "${R[@]}" -m replication --min-replicas 2
expect_rc 2 "replication: fewer replicas than --min-replicas is CRITICAL"
mw redis -p "$RPORT" -m replication
expect_rc 0 "replication: replica with its link up"
expect_first "replica of 127.0.0.1:$PORT, link up" "replication: names its master"
DPORT=$(free_port)
start_redis orphan "$(free_port)" --replicaof 127.0.0.1 "$DPORT"
mw redis -s "$TMP/orphan/redis.sock" -m replication
expect_rc 2 "replication: a replica whose master is down is CRITICAL"
expect_first "master link down" "replication: says the link is down"

# ---- authentication --------------------------------------------------------------------------
rcli config set requirepass 's3cret pass' >/dev/null
mw "${R[@]}"
expect_rc 2 "auth: no password is CRITICAL"
expect_first "NOAUTH" "auth: with the server's reason"
REDISCLI_AUTH=wrong mw "${R[@]}"
expect_rc 2 "auth: a wrong password is CRITICAL"
expect_one_line "auth: wrong password, one line"
REDISCLI_AUTH='s3cret pass' mw "${R[@]}"
expect_rc 0 "auth: REDISCLI_AUTH"
printf 's3cret pass\n' >"$TMP/pw"
mw "${R[@]}" --password-file "$TMP/pw" -n 2
expect_rc 0 "auth: --password-file and SELECT 2"
mw "${R[@]}" --password-file "$TMP/pw" -n 99
expect_rc 2 "auth: SELECT of a database that does not exist is CRITICAL"
REDISCLI_AUTH='s3cret pass' rcli acl setuser monitor on '>mon pass' +ping +info >/dev/null 2>&1
printf 'mon pass\n' >"$TMP/monpw"
mw "${R[@]}" --user monitor --password-file "$TMP/monpw" -m memory
expect_rc 0 "auth: ACL user with its own password"
mw "${R[@]}" -U monitor --password-file "$TMP/monpw" -m memory
expect_rc 0 "auth: -U is the user, as postgres's (-u is a URL everywhere)"
mw "${R[@]}" --user monitor --password-file "$TMP/pw"
expect_rc 2 "auth: ACL user with a wrong password is CRITICAL"
mw "${R[@]}" --password-file "$TMP/no-such-file"
expect_one_error_line "cannot read .*no-such-file" "auth: an unreadable password file is UNKNOWN"

# ---- servers that misbehave ------------------------------------------------------------------
mw redis -p "$(free_port)"
expect_rc 2 "down: nothing listening is CRITICAL"
expect_first "Connection refused" "down: says why"
start_badserver silent
mw redis -p "$BAD_PORT" -t 1
expect_rc 2 "silent: CRITICAL at the timeout"
expect_within 2000 "silent: within -t + 1 s"
expect_one_line "silent: one line"
mw redis -p "$BAD_PORT" -t 1 --timeout-state unknown
expect_rc 3 "silent: --timeout-state unknown"
start_badserver garbage
mw redis -p "$BAD_PORT" -t 2
expect_rc 2 "garbage: CRITICAL"
expect_first "not a Redis answer" "garbage: says so"
start_badserver slow $'+PONG\r\n'
mw redis -p "$BAD_PORT" -t 1
expect_rc 2 "one byte a second: CRITICAL at the timeout"
expect_within 2000 "one byte a second: within -t + 1 s"
start_badserver huge $'$99999999\r\n'
mw redis -p "$BAD_PORT" -t 5
expect_rc 2 "huge answer: CRITICAL"
expect_first "larger than 1048576 bytes" "huge answer: refused at the cap"
start_badserver close
mw redis -p "$BAD_PORT" -t 2
expect_rc 2 "closed mid-request: CRITICAL"
expect_first "closed by the server" "closed mid-request: says so"

# ---- bad options -----------------------------------------------------------------------------
mw redis -p 0
expect_one_error_line "port" "options: port 0"
mw redis -m info
expect_one_error_line "needs --field" "options: info without --field"
mw redis -m memory -w 5s
expect_one_error_line "memory mode takes" "options: a range of the wrong unit"
mw redis -m memory -m clients -w 50%
expect_one_error_line "one mode" "options: -w with several modes"
mw redis -m nonsense
expect_one_error_line "mode" "options: unknown mode"

finish
