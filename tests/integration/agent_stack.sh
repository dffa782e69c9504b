#!/bin/bash
# SPDX-License-Identifier: MIT
# agent_stack.sh - `mcpwatch agent` watching the stack an MCP service runs on: a real PostgreSQL,
# the MCP reference server (server-everything, Streamable HTTP) and its REST health path (the
# /health route of fakereceiver.py, which also plays PagerDuty). Each server stopped and started
# under the agent: the state changes reach the receiver once each; the service made of the MCP
# check and the health check goes DEGRADED when only the REST path fails and UNHEALTHY when both
# do; the PostgreSQL connection and the MCP session are kept between runs. The agent's own
# /health (http: { listen }) follows: 200 while mcp is HEALTHY or DEGRADED, 503 when it is
# UNHEALTHY, and /health/db while PostgreSQL is down.
. "$(dirname "$0")/lib.sh"

need_check postgres
need_check mcp-tools
need_check rest-health
[ -f "$MCPWATCH_NOTIFIER_DIR/pagerduty.so" ] || skip_all "the notifiers were not built"
need_everything
command -v jq >/dev/null || skip_all "jq is not installed"
pg_setup

as_pg "$PGBIN/initdb" -D "$PGDIR/main" -U postgres --auth-local=trust --auth-host=trust \
  >"$PGDIR/initdb.log" 2>&1 || skip_all "initdb failed: $(tail -n 3 "$PGDIR/initdb.log")"
PGPORT=$(free_port)
start_pg main "$PGPORT"
sql() { psql -h "$SOCK" -p "$PGPORT" -U postgres -d postgres -Atqc "$1"; }
start_everything streamableHttp
MCP_PORT=$EVERYTHING_PORT
start_receiver
echo 200 >"$R/health"
echo 0123456789abcdef0123456789abcdef >"$TMP/pd.key"
received() { jq -c "select(.code == 202) | .body | fromjson | ${1:-.}" "$R/requests.jsonl" 2>/dev/null; }
events_for() { received "select(.dedup_key == \"mcpwatch/node1/$1\") | .event_action" | tr -d '"' | tr '\n' ' '; }

HPORT=$(free_port)
health() { curl -s -o /dev/null -w "%{http_code}" --max-time 5 "http://127.0.0.1:$HPORT/health${1:-}"; }
cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/spool";
host = "node1";
http: { listen = ["127.0.0.1:$HPORT"]; };
notifiers: {
  pd: { type = "pagerduty"; url = "http://127.0.0.1:$RECEIVER_PORT/v2/enqueue"; routing_key_file = "$TMP/pd.key"; timeout = 2; };
};
checks: {
  db: { check = "postgres"; host = "127.0.0.1"; port = $PGPORT; user = "postgres"; dbname = "postgres"; interval = 0.3; timeout = 2; };
  tools: { check = "mcp-tools"; url = "http://127.0.0.1:$MCP_PORT/mcp"; expect_tools = ["echo"]; interval = 0.3; timeout = 3; };
  health: { check = "rest-health"; url = "http://127.0.0.1:$RECEIVER_PORT/health"; interval = 0.3; timeout = 2; };
};
services: { mcp: { members = ["tools", "health"]; }; };
EOF
"$MCPWATCH" agent --config "$TMP/agent.conf" --workers 3 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill -9 $AGENT"
status() { OUT=$("$MCPWATCH" status --config "$TMP/agent.conf" 2>&1); }
instance_state() { status; awk -v n="$1" '$2 == n { print $1 }' <<<"$OUT"; }
all_ok() { [ "$(instance_state db)" = OK ] && [ "$(instance_state tools)" = OK ] && [ "$(instance_state health)" = OK ]; }

wait_for all_ok 20
expect_true all_ok "postgres, mcp-tools and rest-health instances OK"
status
expect_out "^HEALTHY +mcp +\(service\) +- +- +- +HEALTHY: all 2 members OK" "service mcp HEALTHY"
expect_true "[ \"\$(health)\" = 200 ] && [ \"\$(health /mcp)\" = 200 ]" "/health and /health/mcp: 200 against the real servers"

# Check state is kept between runs: one PostgreSQL backend and one MCP session, run after run.
FIRST_PID=$(sql "select pid from pg_stat_activity where application_name = 'mcpwatch'")
SINCE=$(date +%s)
wait_for "[ \"\$(last_run '$TMP/state/agent.status' db)\" -ge $((SINCE + 2)) ] 2>/dev/null && [ \"\$(last_run '$TMP/state/agent.status' tools)\" -ge $((SINCE + 2)) ] 2>/dev/null" 10
expect_true "[ -n '$FIRST_PID' ] && [ \"\$(sql \"select pid from pg_stat_activity where application_name = 'mcpwatch'\")\" = '$FIRST_PID' ]" \
  "postgres: one backend ($FIRST_PID) serves run after run"
SESSIONS=$(grep -c 'Session initialized' "$TMP/everything.streamableHttp.log")
POSTS=$(grep -c 'Received MCP POST' "$TMP/everything.streamableHttp.log")
expect_true "[ $SESSIONS = 1 ] && [ $POSTS -ge 8 ]" "mcp-tools: one MCP session for $POSTS requests ($SESSIONS initialized)"

# The REST path fails, the MCP server still answers: the service is DEGRADED.
echo 503 >"$R/health"
wait_for "events_for mcp | grep -q trigger" 10
GOT=$(received 'select(.dedup_key == "mcpwatch/node1/mcp") | [.payload.severity, .payload.summary]')
expect_true "[ '$GOT' = '[\"warning\",\"node1/mcp WARNING: SERVICE WARNING - DEGRADED: 1 of 2 failing (health CRITICAL)\"]' ]" \
  "only the REST path failing: service mcp DEGRADED ($GOT)"
expect_true "[ \"\$(health /mcp)\" = 200 ]" "/health/mcp while DEGRADED: 200 (the default of degraded)"
# And the MCP server stopped as well: UNHEALTHY.
kill "$EVERYTHING_PID"
wait "$EVERYTHING_PID" 2>/dev/null
wait_for "events_for tools | grep -q trigger" 10
expect_true "[ \"\$(events_for tools)\" = 'trigger ' ]" "server-everything stopped: mcp-tools triggers once"
wait_for "status; grep -qE '^UNHEALTHY +mcp' <<<\"\$OUT\"" 10
expect_out "^UNHEALTHY +mcp +\(service\) +- +- +- +UNHEALTHY: 2 of 2 failing" "both members failing: service mcp UNHEALTHY"
expect_true "[ \"\$(health)\" = 503 ] && [ \"\$(health /mcp)\" = 503 ]" "/health and /health/mcp while UNHEALTHY: 503"
GOT=$(received 'select(.dedup_key == "mcpwatch/node1/mcp") | .payload.severity' | tr -d '"' | tr '\n' ' ')
expect_true "[ '$GOT' = 'warning critical ' ]" "the service's events: warning, then critical ($GOT)"
# The MCP server back (on the same port, a new process: the agent opens a new session), then
# the REST path: DEGRADED again, then HEALTHY.
start_everything streamableHttp "$MCP_PORT"
wait_for "events_for tools | grep -q resolve" 20
expect_true "[ \"\$(events_for tools)\" = 'trigger resolve ' ]" "server-everything back: mcp-tools resolves"
expect_true "[ \$(grep -c 'Session initialized' '$TMP/everything.streamableHttp.log') -ge 2 ]" "with a new session on the new server"
wait_for "[ \"\$(events_for mcp)\" = 'trigger trigger trigger ' ]" 10
GOT=$(received 'select(.dedup_key == "mcpwatch/node1/mcp") | .payload.severity' | tr -d '"' | tr '\n' ' ')
expect_true "[ '$GOT' = 'warning critical warning ' ]" "the MCP server back, the REST path not: DEGRADED again ($GOT)"
echo 200 >"$R/health"
wait_for "events_for mcp | grep -q resolve" 10
expect_true "[ \"\$(events_for mcp)\" = 'trigger trigger trigger resolve ' ]" "both back: service mcp HEALTHY, resolved"
wait_for "[ \"\$(health)\" = 200 ]" 10
expect_true "[ \"\$(health)\" = 200 ]" "/health: 200 again"

# PostgreSQL stopped and started: its connection is reopened.
stop_pg main
wait_for "events_for db | grep -q trigger" 10
wait_for "[ \"\$(instance_state db)\" = CRITICAL ]" 5
expect_true "[ \"\$(instance_state db)\" = CRITICAL ]" "PostgreSQL stopped: db CRITICAL"
expect_true "[ \"\$(events_for db)\" = 'trigger ' ]" "and one trigger"
expect_true "curl -s --max-time 5 http://127.0.0.1:$HPORT/health | jq -e '.checks[\"instance:db\"][0].status == \"fail\"' >/dev/null" \
  "/health names db failing while PostgreSQL is down"
start_pg main "$PGPORT"
wait_for "events_for db | grep -q resolve" 15
expect_true "[ \"\$(events_for db)\" = 'trigger resolve ' ]" "PostgreSQL back: db resolves"
wait_for "[ \"\$(sql \"select count(*) from pg_stat_activity where application_name = 'mcpwatch'\")\" = 1 ]" 5
expect_true "[ \"\$(sql \"select count(*) from pg_stat_activity where application_name = 'mcpwatch'\")\" = 1 ]" "one new backend, no leaked connections"

stop_agent "$AGENT" 15
expect_rc 0 "SIGTERM: exit 0"
OUT=$(cat "$TMP/agent.log")
expect_no_out "AddressSanitizer|runtime error|ThreadSanitizer|LeakSanitizer" "no sanitizer report"
expect_true "[ \$(received | wc -l) = 10 ]" "10 events in all: each change sent once ($(received | wc -l))"

finish
