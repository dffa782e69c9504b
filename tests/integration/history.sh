#!/bin/bash
# SPDX-License-Identifier: MIT
# history.sh - the agent's history (STATE_DIR/history.db): every run and change of a rest-health
# instance following a real HTTP endpoint (fakereceiver.py) as it fails and recovers, and of a
# service; `mcpwatch history` in text, CSV and JSON agreeing with the database read by sqlite3;
# kill -9 while it writes, five times: the database stays whole, no run is counted twice and at
# most the last second or so is lost (the agent's own run counter from /metrics against the rows);
# history = false writes nothing; bad input in one line.
. "$(dirname "$0")/lib.sh"

need_check rest-health
command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed (Debian: sqlite3)"
command -v jq >/dev/null || skip_all "jq is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"
"$MCPWATCH" history --help >/dev/null 2>&1 || skip_all "mcpwatch was built without the history"

start_receiver
echo 200 >"$R/health"
HPORT=$(free_port)
DB=$TMP/state/history.db
cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/spool";
http: { listen = ["127.0.0.1:$HPORT"]; };
checks: {
  api: { check = "rest-health"; url = "http://127.0.0.1:$RECEIVER_PORT/health"; interval = 0.1; timeout = 2; };
  disk: { check = "disk"; path = ["/"]; interval = 0.2; warning = "101%"; critical = "101%"; inode_warning = "101%"; inode_critical = "101%"; };
};
services: { front: { members = ["api", "disk"]; }; };
EOF
start_agent() {
  "$MCPWATCH" agent --config "$TMP/agent.conf" 2>>"$TMP/agent.log" &
  AGENT=$!
  on_exit "kill -9 $AGENT 2>/dev/null"
}
rows() { sqlite3 "$DB" "SELECT count(*) FROM runs WHERE series = (SELECT id FROM series WHERE name = '$1')" 2>/dev/null; }
runs_total() {
  curl -s --max-time 2 "http://127.0.0.1:$HPORT/metrics" |
    sed -n "s/^mcpwatch_check_runs_total{instance=\"$1\",check=\"[a-z-]*\"} //p"
}

start_agent
wait_for "[ \"\$(rows api)\" -ge 10 ] 2>/dev/null" 20
expect_true "[ \"\$(rows api)\" -ge 10 ] && [ \"\$(sqlite3 '$DB' 'PRAGMA journal_mode')\" = wal ]" \
  "runs are written within a second or two, the database in WAL mode"
echo 503 >"$R/health"
wait_for "[ \"\$(sqlite3 '$DB' \"SELECT count(*) FROM changes WHERE state = 2\")\" -ge 1 ] 2>/dev/null" 20
echo 200 >"$R/health"
wait_for "[ \"\$(sqlite3 '$DB' \"SELECT count(*) FROM changes c JOIN series s ON s.id = c.series WHERE s.name = 'api' AND c.previous = 2 AND c.state = 0\")\" -ge 1 ] 2>/dev/null" 20
sleep 1.5 # a write more, so that the rows below include the recovery's runs
OUT=$("$MCPWATCH" history --config "$TMP/agent.conf" api --format json)
RC=$?
echo "$OUT" >"$TMP/api.json"
expect_true "[ $RC = 0 ] && jq -e '[.changes[] | (.previous // \"none\") + \">\" + .state] | index(\"none>OK\") != null and index(\"OK>CRITICAL\") != null and index(\"CRITICAL>OK\") != null' '$TMP/api.json' >/dev/null" \
  "history --format json: api's changes OK -> CRITICAL -> OK"
DBRUNS=$(sqlite3 "$DB" "SELECT count(*), sum(r.state = 2) FROM runs r JOIN series s ON s.id = r.series WHERE s.name = 'api'")
expect_true "[ \"\$(jq -r '\"\\(.summary.runs)|\\(.summary.critical)\"' '$TMP/api.json')\" = '$DBRUNS' ] || [ \$(jq -r .summary.runs '$TMP/api.json') -le \${DBRUNS%|*} ]" \
  "history: the summary's runs and CRITICAL runs are the database's ($DBRUNS)"
expect_true "jq -e '.summary.availability > 0 and .summary.availability < 1 and .summary.p95_ms >= 0 and (.rows | length) == .summary.runs and (.rows | all(.kind == \"run\"))' '$TMP/api.json' >/dev/null" \
  "history: availability between 0 and 1, a p95, one row per run in the last day"
OUT=$("$MCPWATCH" history --config "$TMP/agent.conf" api --format csv)
expect_true "[ \"\$(head -n 1 <<<\"\$OUT\")\" = 'time,kind,state,runs,ok,warning,critical,unknown,mean_ms,max_ms,output' ] && grep -q ',change,CRITICAL,' <<<\"\$OUT\" && grep -qE ',run,OK,1,1,0,0,0,' <<<\"\$OUT\"" \
  "history --format csv: a header, change rows and run rows"
OUT=$("$MCPWATCH" history --config "$TMP/agent.conf" front --since 1h)
expect_true "grep -qE '^front: [0-9]+ runs in the last 1h, availability' <<<\"\$OUT\" && grep -qE '\\(first\\) +-> OK' <<<\"\$OUT\" && grep -qE 'OK +-> (WARNING|CRITICAL)' <<<\"\$OUT\"" \
  "history (text) of the service front: its summary and its changes"

# kill -9 while it writes: the database stays whole and keeps all but the last second or so.
for round in 1 2 3 4 5; do
  wait_for "[ -n \"\$(runs_total api)\" ]" 10
  sleep "0.$((RANDOM % 9 + 1))"
  before=$(rows api)
  counted=$(runs_total api)
  kill -9 "$AGENT"
  wait "$AGENT" 2>/dev/null
  after=$(rows api)
  check=$(sqlite3 "$DB" 'PRAGMA integrity_check')
  if [ "$check" != ok ] || [ "$after" -lt "$before" ]; then
    not_ok "kill -9 round $round: integrity $check, rows $before before the kill, $after after"
  fi
  LOST+=" $((counted + ${base:-0} - after))"
  base=$after
  start_agent
done
expect_true "true" "kill -9 five times: integrity_check ok and no row lost after each (runs counted but not written:$LOST)"
max_lost=0
for l in $LOST; do [ "$l" -gt "$max_lost" ] && max_lost=$l; done
expect_true "[ $max_lost -le 25 ]" "kill -9: at most about a second and a half of runs lost (interval 0.1 s; the most: $max_lost)"
wait_for "[ -n \"\$(runs_total api)\" ]" 10
DUP=$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT series, t FROM runs GROUP BY series, t HAVING count(*) > 1)")
expect_true "[ '$DUP' = 0 ]" "no run stored twice"
stop_agent "$AGENT" 10
expect_true "[ $RC = 0 ] && [ \"\$(sqlite3 '$DB' 'PRAGMA integrity_check')\" = ok ]" "a clean stop: the database whole"

# Bad input: one line, exit 3.
OUT=$("$MCPWATCH" history --config "$TMP/agent.conf" nope 2>&1)
RC=$?
expect_true "[ $RC = 3 ] && [ \$(grep -c . <<<\"\$OUT\") = 1 ] && grep -q \"no history of 'nope'\" <<<\"\$OUT\"" "history of an unknown name: one line, exit 3"
OUT=$("$MCPWATCH" history --config "$TMP/agent.conf" --since soon api 2>&1)
RC=$?
expect_true "[ $RC = 3 ] && [ \$(grep -c . <<<\"\$OUT\") = 1 ]" "history --since soon: one line, exit 3 ($OUT)"
OUT=$("$MCPWATCH" history --database "$TMP/none.db" api 2>&1)
RC=$?
expect_true "[ $RC = 3 ] && grep -q 'no history in' <<<\"\$OUT\" && [ ! -e '$TMP/none.db' ]" "history of a missing database: one line, nothing created"

# A symbolic link planted as history.db: refused, nothing written through it.
mkdir -p "$TMP/state3"
ln -s "$TMP/victim.db" "$TMP/state3/history.db"
sed -e "s#state_dir = \"$TMP/state\";#state_dir = \"$TMP/state3\";#" -e '/^http:/d' "$TMP/agent.conf" >"$TMP/link.conf"
OUT=$(timeout 10 "$MCPWATCH" agent --config "$TMP/link.conf" 2>&1)
RC=$?
expect_true "[ $RC = 1 ] && grep -q 'history.db is a symbolic link, not a file: refused' <<<\"\$OUT\" && [ ! -e '$TMP/victim.db' ]" \
  "history.db planted as a symbolic link: refused in one line, nothing written through it"

# history = false: nothing written.
sed -e "s#state_dir = \"$TMP/state\";#state_dir = \"$TMP/state2\"; history = false;#" -e '/^http:/d' "$TMP/agent.conf" >"$TMP/off.conf"
"$MCPWATCH" agent --config "$TMP/off.conf" 2>"$TMP/off.log" &
OFF=$!
on_exit "kill -9 $OFF 2>/dev/null"
wait_for "[ -s '$TMP/state2/agent.status' ]" 10
sleep 1.5
stop_agent "$OFF" 10
expect_true "[ -s '$TMP/state2/agent.status' ] && [ ! -e '$TMP/state2/history.db' ]" "history = false: no history.db"
finish
