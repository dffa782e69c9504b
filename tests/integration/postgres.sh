#!/bin/bash
# SPDX-License-Identifier: MIT
# postgres.sh - the postgres check against a real PostgreSQL (initdb into a temporary folder,
# 127.0.0.1 and a unix socket) and a streaming replica: every mode to OK, WARNING and CRITICAL
# on purpose, authentication, and servers that misbehave.
. "$(dirname "$0")/lib.sh"

need_check postgres
pg_setup
sql() { psql -h "$SOCK" -p "$PORT" -U postgres -d postgres -Atqc "$1"; }

printf 'rightpass\n' >"$PGDIR/pw"
chmod 600 "$PGDIR/pw"
[ "$(id -u)" = 0 ] && chown postgres "$PGDIR/pw"
as_pg "$PGBIN/initdb" -D "$PGDIR/primary" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  --pwfile="$PGDIR/pw" >"$PGDIR/initdb.log" 2>&1 || skip_all "initdb failed: $(tail -n 3 "$PGDIR/initdb.log")"
# mcpwatch takes a password file only from its own user or root.
[ "$(id -u)" = 0 ] && chown root "$PGDIR/pw"
PORT=$(free_port)
start_pg primary "$PORT" -c max_connections=20
sql "CREATE ROLE monitor LOGIN PASSWORD 'mon pass' IN ROLE pg_monitor; CREATE TABLE t (a int)"
S=(postgres -H "$SOCK" -p "$PORT" -U postgres -d postgres)

# Sessions the tests hold open: stopped by PID at exit.
hold() {
  psql -h "$SOCK" -p "$PORT" -U postgres -d postgres -qc "$1" >/dev/null 2>&1 &
  HOLD_PIDS+=($!)
  on_exit "kill $!"
}
# Killing psql leaves its backend sleeping: end the backends first.
release() {
  local pid
  sql "select pg_terminate_backend(pid) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()" >/dev/null
  for pid in "${HOLD_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${HOLD_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  HOLD_PIDS=()
  wait_for "[ \"\$(sql \"select count(*) from pg_stat_activity where backend_type = 'client backend'\")\" = 1 ]" 20
}
HOLD_PIDS=()
clients() { sql "select count(*) from pg_stat_activity where backend_type = 'client backend'"; }

# ---- connection ------------------------------------------------------------------------------
mw "${S[@]}"
expect_rc 0 "connection: OK over the unix socket"
expect_first "^POSTGRES OK - PostgreSQL [0-9.]+.* connected in [0-9.]+ ms, SELECT 1 in [0-9.]+ ms \| time=[0-9.e-]+s;2;8;0 connect_time=.*s;;;0 query_time=" "connection: version, times and perfdata"
mw postgres -H 127.0.0.1 -p "$PORT" -U postgres -d postgres --password-file "$PGDIR/pw"
expect_rc 0 "connection: TCP with --password-file (scram-sha-256)"
PGPASSWORD=rightpass mw postgres -H 127.0.0.1 -p "$PORT" -U postgres -d postgres
expect_rc 0 "connection: PGPASSWORD"
PGPASSWORD=wrong mw postgres -H 127.0.0.1 -p "$PORT" -U postgres -d postgres
expect_rc 2 "connection: a wrong password is CRITICAL"
expect_first "password authentication failed" "connection: with the server's reason"
expect_one_line "connection: wrong password, one line"
printf '127.0.0.1:%s:postgres:monitor:mon pass\n' "$PORT" >"$TMP/pgpass"
chmod 600 "$TMP/pgpass"
PGPASSFILE=$TMP/pgpass mw postgres -H 127.0.0.1 -p "$PORT" -U monitor -d postgres -m backends
expect_rc 0 "connection: a pg_monitor user through ~/.pgpass"
mw "${S[@]}" -w 0.000000001
expect_rc 1 "connection: a tiny -w on the time is WARNING"

# ---- backends: max_connections is 20 ---------------------------------------------------------
mw "${S[@]}" -m backends
expect_rc 0 "backends: 1 of 20, OK"
expect_first "backends=1;16;18;0;20 backends_postgres=1;;;0;20" "backends: percent ranges as connections"
for i in $(seq 1 16); do hold "select pg_sleep(60)"; done
wait_for "[ \"\$(clients)\" -ge 17 ]" 30
mw "${S[@]}" -m backends
expect_rc 1 "backends: 17 of 20 (85%), WARNING"
mw "${S[@]}" -m backends -w 5left: -c 2left:
expect_rc 1 "backends: 3 slots left under 5left:, WARNING"
expect_first "backends=17;~:15;~:18;0;20" "backends: slots-left ranges as connections"
hold "select pg_sleep(60)"
hold "select pg_sleep(60)"
wait_for "[ \"\$(clients)\" -ge 19 ]" 30
mw "${S[@]}" -m backends
expect_rc 2 "backends: 19 of 20 (95%), CRITICAL"

# ---- long-queries: the sessions above have been sleeping for a while ------------------------
wait_for "[ \"\$(sql \"select count(*) from pg_stat_activity where now() - query_start > interval '1.5 s' and query like '%pg_sleep%' and state = 'active'\")\" -ge 1 ]" 20
mw "${S[@]}" -m long-queries -w 1s -c 1h
expect_rc 1 "long-queries: a query running past -w is WARNING"
expect_no_out "pg_sleep" "long-queries: query text hidden without --show-query"
mw "${S[@]}" -m long-queries -w 1s -c 1s --show-query
expect_rc 2 "long-queries: past -c is CRITICAL"
expect_out "query: select pg_sleep\(60\)" "long-queries: --show-query shows it"
release

# ---- locks and idle in transaction -----------------------------------------------------------
hold "begin; lock table t in access exclusive mode; select pg_sleep(60)"
wait_for "[ \"\$(sql \"select count(*) from pg_locks where mode = 'AccessExclusiveLock' and granted and relation = 't'::regclass\")\" = 1 ]" 20
hold "select count(*) from t"
wait_for "[ \"\$(sql 'select count(*) from pg_locks where not granted')\" -ge 1 ]" 20
mw "${S[@]}" -m locks
expect_rc 0 "locks: one waiting lock under the default 5"
mw "${S[@]}" -m locks -w 0 -c 5
expect_rc 1 "locks: a waiting lock over -w 0 is WARNING"
mw "${S[@]}" -m locks -w 0 -c 0
expect_rc 2 "locks: over -c 0 is CRITICAL"
expect_first "1 waiting locks" "locks: counts it"
release
(echo "begin; select 1;"; sleep 60) | psql -h "$SOCK" -p "$PORT" -U postgres -d postgres -q >/dev/null 2>&1 &
on_exit "kill $!"
IDLE_PID=$!
wait_for "[ \"\$(sql \"select count(*) from pg_stat_activity where state = 'idle in transaction' and now() - state_change > interval '1.2 s'\")\" = 1 ]" 20
mw "${S[@]}" -m long-queries -w 1s
expect_rc 1 "long-queries: idle in transaction past -w is WARNING"
expect_out "idle in transaction" "long-queries: says it is idle in transaction"
release
kill "$IDLE_PID" 2>/dev/null

# ---- long-queries against a client running short transactions: no negative age, no alert ----
# A backend whose state changed after the check's transaction began once had a negative age.
(while :; do echo "begin; select 1; commit; begin; select 2;" ; echo "commit;"; done) |
  psql -h "$SOCK" -p "$PORT" -U postgres -d postgres -q >/dev/null 2>&1 &
SHORT_PID=$!
on_exit "kill $SHORT_PID"
wait_for "[ \"\$(sql \"select count(*) from pg_stat_activity where xact_start is not null and pid <> pg_backend_pid() and backend_type = 'client backend'\")\" -ge 1 ]" 20
SHORT_CRIT=0 SHORT_NEG=0 SHORT_RUNS=${PG_SHORT_RUNS:-200}
for _ in $(seq 1 "$SHORT_RUNS"); do
  mw "${S[@]}" -m long-queries -w 5s -c 10s
  [ "$RC" = 0 ] || SHORT_CRIT=$((SHORT_CRIT + 1))
  grep -qE -- ' -[0-9]|nan' <<<"$OUT" && SHORT_NEG=$((SHORT_NEG + 1))
done
kill "$SHORT_PID" 2>/dev/null
expect_true "[ $SHORT_CRIT = 0 ]" "long-queries: $SHORT_RUNS runs against short transactions, none not OK ($SHORT_CRIT)"
expect_true "[ $SHORT_NEG = 0 ]" "long-queries: no negative or NaN age in $SHORT_RUNS runs ($SHORT_NEG)"

# ---- wraparound ------------------------------------------------------------------------------
mw "${S[@]}" -m wraparound
expect_rc 0 "wraparound: a new cluster is far from it"
mw "${S[@]}" -m wraparound -w 0.0000001% -c 50%
expect_rc 1 "wraparound: any age over a tiny -w is WARNING"

# ---- query: values against ranges, as check_pgsql -q -W -C ---------------------------------------
while IFS='|' read -r query warn crit want; do
  mw "${S[@]}" -m query -q "$query" -W "$warn" -C "$crit" --query-name value
  expect_rc "$want" "query: $query with -W $warn -C $crit"
done <<'TABLE'
select 5|10|20|0
select 15|10|20|1
select 25|10|20|2
select -5|~:0|~:10|0
select 7.5|@7:8|@100:200|1
select 7.5|@7:8|@7.4:7.6|2
select 0.001|0.01|0.1|0
select 1e6|10:|100:|0
select 3|-10:-1|~:-5|2
TABLE
mw "${S[@]}" -m query -q "select 5" --query-name answer -W 1 -C 10
expect_first "answer returned 5 \| answer=5;1;10$" "query: --query-name labels the value and the perfdata"
mw "${S[@]}" -m query -q "select 1 where false"
expect_rc 1 "query: no rows is WARNING"
mw "${S[@]}" -m query -q "select null"
expect_rc 2 "query: NULL is CRITICAL"
mw "${S[@]}" -m query -q "select 'text'"
expect_rc 2 "query: text is CRITICAL"
mw "${S[@]}" -m query -q "select nope"
expect_rc 2 "query: an error is CRITICAL"
expect_first "column \"nope\" does not exist" "query: with the server's message"
mw "${S[@]}" -m query -q "insert into t values (1)"
expect_rc 2 "query: a write is refused (read-only transaction)"
expect_true "[ \"\$(sql 'select count(*) from t')\" = 0 ]" "query: nothing was written"
mw "${S[@]}" -m query -q "select 1; delete from t"
expect_rc 2 "query: two statements are refused"
mw "${S[@]}" -m query -q "select generate_series(1, 300000)" -W 1 -C 2
expect_rc 0 "query: a large result is read row by row, the first row judged"
mw "${S[@]}" -m query -q "select pg_sleep(30)" -t 1
expect_rc 2 "query: a query past -t gets the timeout state"
expect_within 2000 "query: within -t + 1 s"
mw "${S[@]}" -m connection -m locks -m wraparound
expect_rc 0 "several modes in one run"
expect_true "[ \"\$(printf '%s\n' \"\$OUT\" | grep -c '^\\\\_ ')\" = 3 ]" "several modes: one line of long output each"

# ---- a query past the deadline is cancelled, not left running on the server ------------------
release
active_sleeps() { sql "select count(*) from pg_stat_activity where state = 'active' and query like '%pg_sleep(60)%' and pid <> pg_backend_pid()"; }
mw "${S[@]}" -m query -q "select pg_sleep(60)" -W 1 -C 2 -t 1
expect_true "[ $RC = 2 ] && grep -q 'timed out waiting for the answer' <<<\"\$OUT\"" "query past the timeout: CRITICAL, timed out"
wait_for "[ \$(active_sleeps) = 0 ]" 3
expect_true "[ \$(active_sleeps) = 0 ]" "the timed-out query is stopped on the server"
# The cancel request and the session's statement_timeout (the time the run had left) race: the
# server names whichever came first.
expect_true "grep -qE 'canceling statement due to (user request|statement timeout)' '$PGDIR/primary.log'" "by the cancel request or the session's statement_timeout"
cat >"$PGDIR/loop.conf" <<CONF
state_dir = "$PGDIR/loop-state";
checks: { slow: { check = "postgres"; host = "$SOCK"; port = "$PORT"; user = "postgres"; dbname = "postgres";
  mode = ["query"]; query = "select pg_sleep(60)"; query_warning = "1"; query_critical = "2"; timeout = 1; interval = 1; }; };
CONF
"$MCPWATCH" agent --config "$PGDIR/loop.conf" --status-file "$PGDIR/loop.status" 2>"$PGDIR/loop.log" &
LOOP=$!
on_exit "kill $LOOP"
MAX=0
for _ in $(seq 1 24); do
  n=$(active_sleeps)
  [ "$n" -gt "$MAX" ] && MAX=$n
  sleep 0.25
done
stop_agent "$LOOP" 10
expect_true "[ $MAX -le 1 ]" "an agent timing out a pg_sleep(60) every second: at most one active backend at any moment over 6 s ($MAX)"
expect_true "grep -q 'timed out' '$PGDIR/loop.status'" "and its status says the query timed out"
expect_true "[ \$(sql \"select setting from pg_settings where name = 'statement_timeout'\") = 0 ]" "the server's own statement_timeout is untouched"

# ---- server notices never reach stderr ----------------------------------------------------------
sql "create or replace function noisy() returns int language plpgsql as \$\$ begin raise notice E'mcpwatch agent: db: CRITICAL -> OK\\n\\033[31mforged'; return 1; end \$\$"
mw "${S[@]}" -m query -q "select noisy()" -W 5 -C 10
expect_rc 0 "a query raising a notice: OK"
expect_true "[ -z \"\$ERR\" ]" "the server's notice is not printed"

# ---- replication: a real streaming replica ----------------------------------------------------
as_pg "$PGBIN/pg_basebackup" -h "$SOCK" -p "$PORT" -U postgres -D "$PGDIR/replica" -R -X stream \
  --checkpoint=fast \
  >"$PGDIR/basebackup.log" 2>&1 || skip_all "pg_basebackup failed: $(tail -n 3 "$PGDIR/basebackup.log")"
RPORT=$(free_port)
start_pg replica "$RPORT"
wait_for "[ \"\$(sql \"select count(*) from pg_stat_replication where state = 'streaming'\")\" = 1 ]" 30
R=(postgres -H "$SOCK" -p "$RPORT" -U postgres -d postgres)
mw "${S[@]}" -m replication --min-replicas 1
expect_rc 0 "replication: primary with its streaming replica"
expect_out "replica walreceiver@local streaming" "replication: the replica in long output"
mw "${S[@]}" -m replication --min-replicas 2
expect_rc 2 "replication: fewer than --min-replicas is CRITICAL"
mw "${R[@]}" -m replication
expect_rc 0 "replication: replica streaming"
expect_first "WAL receiver streaming" "replication: says so"
expect_no_out "nan| -[0-9]|=-[0-9]" "replication: no NaN or negative age on a replica"
mw "${R[@]}" -m connection --role primary
expect_rc 2 "role: a replica where a primary is expected is CRITICAL"
expect_first "in recovery" "role: says why"
mw "${R[@]}" --role replica
expect_rc 0 "role: --role replica on the replica"
psql -h "$SOCK" -p "$RPORT" -U postgres -d postgres -Atqc "select pg_wal_replay_pause()"
sql "insert into t select generate_series(1, 20000)"
wait_for "[ \"\$(psql -h '$SOCK' -p $RPORT -U postgres -d postgres -Atqc 'select pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) > 100000')\" = t ]" 20
mw "${R[@]}" -m replication -w 10KB -c 1GB
expect_rc 1 "replication: replay paused, byte lag over -w on the replica"
mw "${S[@]}" -m replication -w 1GB -c 10KB
expect_rc 2 "replication: the primary sees the replay lag over -c"
psql -h "$SOCK" -p "$RPORT" -U postgres -d postgres -Atqc "select pg_wal_replay_resume()"
stop_pg primary
wait_for "[ \"\$(psql -h '$SOCK' -p $RPORT -U postgres -d postgres -Atqc \"select count(*) from pg_stat_wal_receiver where status = 'streaming'\")\" = 0 ]" 20
mw "${R[@]}" -m replication
expect_rc 2 "replication: a replica whose primary is gone is CRITICAL"

# ---- servers that misbehave ------------------------------------------------------------------
mw postgres -H 127.0.0.1 -p "$PORT" -U postgres
expect_rc 2 "down: the stopped primary is CRITICAL"
expect_first "Connection refused" "down: says why"
expect_one_line "down: one line"
start_badserver silent
mw postgres -H 127.0.0.1 -p "$BAD_PORT" -t 1
expect_rc 2 "silent: CRITICAL at the timeout"
expect_within 2000 "silent: within -t + 1 s"
expect_first "timed out connecting" "silent: says so"
start_badserver garbage
mw postgres -H 127.0.0.1 -p "$BAD_PORT" -t 2 --sslmode disable
expect_rc 2 "garbage: CRITICAL"
expect_one_line "garbage: one line"
start_badserver slow "R"
mw postgres -H 127.0.0.1 -p "$BAD_PORT" -t 1 --sslmode disable
expect_rc 2 "one byte a second: CRITICAL"
expect_within 2000 "one byte a second: within -t + 1 s"
start_badserver close
mw postgres -H 127.0.0.1 -p "$BAD_PORT" -t 2
expect_rc 2 "closed mid-handshake: CRITICAL"
expect_one_line "closed mid-handshake: one line"

# ---- bad options -----------------------------------------------------------------------------
mw postgres --sslmode sometimes
expect_one_error_line "sslmode" "options: bad --sslmode"
mw postgres -m query
expect_one_error_line "needs -q" "options: query without -q"
mw postgres -m locks -W 5
expect_one_error_line "-W and -C" "options: -W outside query mode"
mw postgres -m backends -w 5s
expect_one_error_line "backends mode takes" "options: a range of the wrong unit"
mw postgres -m backends -m locks -c 5
expect_one_error_line "one mode" "options: -c with several modes"
mw postgres -p 70000
expect_one_error_line "port" "options: port out of range"

finish
