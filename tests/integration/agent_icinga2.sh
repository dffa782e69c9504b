#!/bin/bash
# SPDX-License-Identifier: MIT
# agent_icinga2.sh - the agent's passive results reach a real Icinga 2 (Debian's icinga2-bin)
# through its REST API on 127.0.0.1, over TLS verified against a test CA: results read back
# through the API (state, output, perfdata, check source), a redis-server stopped and started,
# a service's state, Icinga 2 stopped and started under the agent, refusals (403, 404) logged
# once however often they repeat, the shipped freshness template turning a silent service
# UNKNOWN, and `mcpwatch notify icinga2` with a wrong CA and a wrong password.
. "$(dirname "$0")/lib.sh"

need_check redis
[ -f "$MCPWATCH_NOTIFIER_DIR/icinga2.so" ] || skip_all "the icinga2 notifier was not built"
command -v icinga2 >/dev/null || skip_all "icinga2 is not installed (Debian: icinga2-bin)"
command -v redis-server >/dev/null || skip_all "redis-server is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"

# ---- a central Icinga 2 with its API on 127.0.0.1 ---------------------------------------------
icinga2_api_setup
make_ca "$TMP/other-ca"
PASSWORD="pw-$RANDOM$RANDOM$RANDOM"
printf '%s\n' "$PASSWORD" >"$TMP/password"
chmod 0600 "$TMP/password"
cat >"$TMP/icinga2.conf" <<EOF
include <itl>
include "$SRCDIR/packaging/icinga2/mcpwatch-agent.conf"
include "$TMP/icinga2-api.conf"
object ApiUser "mcpwatch-agent" {
  password = "$PASSWORD"
  permissions = [ "actions/process-check-result" ]
}
object CheckerComponent "checker" { }
object IcingaApplication "app" { }
object Host "node1" { check_command = "dummy"; enable_active_checks = false }
object Service "cache" {
  import "mcpwatch-agent-result"
  host_name = "node1"
  check_interval = 300s
}
object Service "stack" {
  import "mcpwatch-agent-result"
  host_name = "node1"
}
object Service "quiet" {
  import "mcpwatch-agent-result"
  host_name = "node1"
  check_interval = 2s
}
object Service "closed" {
  host_name = "node1"
  check_command = "dummy"
  enable_active_checks = false
  enable_passive_checks = false
}
EOF
icinga2_setup "$TMP/icinga2.conf"
"${I2[@]}" -C >"$TMP/validate.log" 2>&1
RC=$?
OUT=$(tail -n 5 "$TMP/validate.log")
expect_rc 0 "icinga2 daemon -C accepts the shipped mcpwatch-agent-result template"
start_icinga2
on_exit 'kill $I2_PID; wait $I2_PID'
# The last check result of node1!NAME: state, output, ...
result_of() { service_result "node1!$1" "${2:-}"; }
state_of() { result_of "$1" .state; }

# ---- the agent ------------------------------------------------------------------------------
RPORT=$(free_port)
start_redis cache "$RPORT"
cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/spool";
host = "node1";
checks: {
  cache: { check = "redis"; host = "127.0.0.1"; port = $RPORT; interval = 0.5; timeout = 2; };
  quiet: { check = "redis"; host = "127.0.0.1"; port = $RPORT; interval = 0.5; timeout = 2; };
  closed: { check = "redis"; host = "127.0.0.1"; port = $RPORT; interval = 0.3; timeout = 2; };
  unknown: { check = "redis"; host = "127.0.0.1"; port = $RPORT; interval = 0.3; timeout = 2; };
};
services: { stack: { members = ["cache"]; }; };
passive_results: {
  central: { type = "icinga2"; url = "https://127.0.0.1:$API_PORT"; user = "mcpwatch-agent";
             password_file = "$TMP/password"; ca_cert = "$TMP/ca/ca.pem"; timeout = 2; };
};
EOF
"$MCPWATCH" agent --config "$TMP/agent.conf" --workers 2 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill -9 $AGENT"

wait_for "[ \"\$(state_of cache)\" = 0 ]" 15
OUT=$(result_of cache '[.state, .output, .check_source, .command, (.performance_data | length > 0), (.performance_data[0] | test("^time=[0-9.e-]+s;"))]')
expect_true "grep -q '^\[0,\"REDIS OK - Redis .*\",\"node1\",\"redis\",true,true\]$' <<<'$OUT'" \
  "Icinga 2 holds the agent's result for node1!cache: state, output, check source, command, perfdata items ($OUT)"
wait_for "[ \"\$(state_of stack)\" = 0 ]" 10
OUT=$(result_of stack)
expect_true "grep -q '^\[0,\"SERVICE OK - HEALTHY: all 1 members OK\"\]$' <<<'$OUT'" "the mcpwatch service is a passive result too ($OUT)"

# Redis stopped and started: both states reach Icinga 2.
kill "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null
wait_for "[ \"\$(state_of cache)\" = 2 ]" 15
OUT=$(result_of cache)
expect_out '^\[2,"REDIS CRITICAL - ' "redis stopped: node1!cache CRITICAL in Icinga 2 ($OUT)"
wait_for "[ \"\$(state_of stack)\" = 2 ]" 10
expect_true "[ \"\$(state_of stack)\" = 2 ]" "and the service UNHEALTHY (CRITICAL)"
start_redis cache "$RPORT"
wait_for "[ \"\$(state_of cache)\" = 0 ]" 20
expect_true "[ \"\$(state_of cache)\" = 0 ]" "redis back: node1!cache OK again"

# Refusals are final for the result and logged once however often they repeat.
wait_for "grep -q 'result of unknown refused' '$TMP/agent.log' && grep -q 'result of closed refused' '$TMP/agent.log'" 10
expect_true "grep -q 'error: central: result of unknown refused: HTTP 404: .*No objects found' '$TMP/agent.log'" "a service Icinga 2 does not know: 404, said"
expect_true "grep -q 'error: central: result of closed refused: HTTP 403: .*Passive checks are disabled' '$TMP/agent.log'" "passive checks disabled: 403, said"
# Both go on being refused at every run (0.3 s); two seconds of runs later, each was written once.
SINCE=$(date +%s)
wait_for "[ \"\$(last_run '$TMP/state/agent.status' unknown)\" -ge $((SINCE + 2)) ] 2>/dev/null" 10
expect_true "[ \$(grep -c 'result of unknown refused' '$TMP/agent.log') = 1 ] && [ \$(grep -c 'result of closed refused' '$TMP/agent.log') = 1 ]" \
  "repeated identical errors are rate-limited ($(grep -c 'refused' "$TMP/agent.log") lines)"
"$MCPWATCH" status --config "$TMP/agent.conf" >"$TMP/status" 2>&1
expect_true "grep -qE '^OK +unknown ' '$TMP/status'" "the refused instance still runs (status)"
expect_true "grep -qE '^passive results to central: [1-9][0-9]* sent, [1-9][0-9]* refused, [0-9]+ replaced unsent, [0-9]+ waiting$' '$TMP/status' && grep -qE '^  last refusal: (closed|unknown): HTTP 40[34]' '$TMP/status' && ! grep -q retrying '$TMP/status'" \
  "status counts the results sent and refused, and shows the last refusal ($(grep -A2 passive "$TMP/status" | tr '\n' ' '))"

# Icinga 2 stopped under the agent, then started again: it gets current results.
stop_icinga2
wait_for "grep -q 'central: passive results not accepted' '$TMP/agent.log'" 10
wait_for "\"\$MCPWATCH\" status --config '$TMP/agent.conf' | grep -q '^  retrying: '" 5
OUT=$("$MCPWATCH" status --config "$TMP/agent.conf")
expect_out "^  retrying: " "status says the receiver is being retried, and why"
expect_true "grep -q 'warning: central: passive results not accepted: .*retrying with backoff' '$TMP/agent.log'" "Icinga 2 down: the agent says so and retries"
kill "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null
start_icinga2
wait_for "[ \"\$(state_of cache)\" = 2 ]" 30
expect_true "[ \"\$(state_of cache)\" = 2 ]" "Icinga 2 back: it receives the state reached while it was down"
expect_true "grep -q 'central: passive results are accepted again' '$TMP/agent.log'" "and the agent says it recovered"
expect_true "[ \$(grep -c 'passive results not accepted' '$TMP/agent.log') -le 2 ]" "the outage was logged at most twice ($(grep -c 'passive results not accepted' "$TMP/agent.log"))"

# The shipped template's freshness check: a service that stops receiving results turns UNKNOWN.
wait_for "[ \"\$(state_of quiet)\" = 2 ]" 10
expect_true "[ \"\$(state_of quiet)\" = 2 ]" "node1!quiet receives results (CRITICAL: redis is down)"
sed -i '/^  quiet:/d' "$TMP/agent.conf"
kill -HUP "$AGENT"
wait_for "[ \"\$(state_of quiet)\" = 3 ]" 20
OUT=$(result_of quiet)
expect_out '^\[3,"No result from the mcpwatch agent for 2 s"\]' "no results for check_interval: the template makes it UNKNOWN ($OUT)"

expect_true "! grep -q -- '$PASSWORD' '$TMP/agent.log' '$TMP/icinga2.log' && ! tr '\\0' ' ' </proc/$AGENT/cmdline | grep -q -- '$PASSWORD'" \
  "the password is in neither log nor the agent's command line"
stop_agent "$AGENT" 15
expect_rc 0 "SIGTERM: the agent exits 0"
OUT=$(cat "$TMP/agent.log")
expect_no_out "AddressSanitizer|runtime error|ThreadSanitizer|LeakSanitizer" "no sanitizer report"

# valgrind: the agent sending passive results over TLS, reloaded and stopped, gives back
# everything.
if [ "${SANITIZERS:-no}" = no ] && command -v valgrind >/dev/null; then
  start_redis cache "$RPORT"
  rm -f "$TMP/state/agent.status" # the last agent's
  sent() { "$MCPWATCH" status --config "$TMP/agent.conf" 2>/dev/null | sed -n 's/^passive results to central: \([0-9]*\) sent.*/\1/p'; }
  "$LIBTOOL" --mode=execute valgrind --quiet --suppressions="$SRCDIR/tests/integration/valgrind.supp" \
    --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=42 \
    --log-file="$TMP/vg.log" "$MCPWATCH" agent --config "$TMP/agent.conf" 2>"$TMP/vg-agent.log" &
  VG=$!
  wait_for "[ \"\$(sent)\" -ge 5 ] 2>/dev/null" 60
  kill -HUP "$VG"
  wait_for "[ \$(grep -c 'running 3 instances' '$TMP/vg-agent.log') -ge 2 ] && [ \"\$(sent)\" -ge 3 ] 2>/dev/null" 60
  stop_agent "$VG" 120
  expect_true "[ $RC = 0 ] && [ ! -s '$TMP/vg.log' ] && grep -q 'stopped' '$TMP/vg-agent.log'" \
    "valgrind clean: the agent sent passive results, reloaded and stopped (exit $RC)"
fi

# ---- hostile receivers ------------------------------------------------------------------------
# Receivers that never answer, answer 1 byte a second, or send without end: each has its own
# thread, so the checks go on at their interval, status says why results are not accepted, and
# SIGTERM still ends the agent within the 5 s it gives the receivers.
if [ -x "$TEST_BIN/badserver" ] && [ -f "$MCPWATCH_CHECK_DIR/disk.so" ]; then
  {
    echo "state_dir = \"$TMP/state2\"; spool_dir = \"$TMP/spool2\"; host = \"node1\";"
    echo "checks: { d1: { check = \"disk\"; path = [\"/\"]; interval = 0.3; }; };"
    echo "passive_results: {"
    for mode in silent slow huge; do
      start_badserver "$mode" || skip_all "badserver did not start"
      echo "  $mode: { type = \"icinga2\"; url = \"http://127.0.0.1:$BAD_PORT\"; user = \"u\"; password_file = \"$TMP/password\"; timeout = 1; max_size = 4096; };"
    done
    echo "};"
  } >"$TMP/hostile.conf"
  "$MCPWATCH" agent --config "$TMP/hostile.conf" 2>"$TMP/hostile.log" &
  HOSTILE=$!
  on_exit "kill -9 $HOSTILE"
  hstatus() { "$MCPWATCH" status --config "$TMP/hostile.conf" 2>/dev/null; }
  wait_for "[ \$(hstatus | grep -c '^  retrying: ') = 3 ]" 20
  OUT=$(hstatus)
  expect_true "[ \$(grep -c '^  retrying: ' <<<\"\$OUT\") = 3 ]" "silent, 1 byte/s and endless receivers: all three retried, each with its reason"
  expect_out "^  retrying: (no answer before the timeout|the answer was too large)" "the reasons say what went wrong"
  SINCE=$(date +%s)
  wait_for "[ \"\$(last_run '$TMP/state2/agent.status' d1)\" -ge $((SINCE + 2)) ] 2>/dev/null" 10
  expect_true "[ \"\$(last_run '$TMP/state2/agent.status' d1)\" -ge $((SINCE + 2)) ]" "the check goes on running meanwhile"
  stop_agent "$HOSTILE" 30
  expect_rc 0 "SIGTERM with three hostile receivers: exit 0"
  expect_within 8000 "and within the 5 s given to the receivers plus one attempt's timeout"
  OUT=$(cat "$TMP/hostile.log")
  expect_no_out "AddressSanitizer|runtime error|ThreadSanitizer|LeakSanitizer" "no sanitizer report"
fi

# ---- `mcpwatch notify icinga2` --------------------------------------------------------------
NOTIFY=(notify icinga2 --url "https://127.0.0.1:$API_PORT" --user mcpwatch-agent
  --password-file "$TMP/password" --host node1 --service cache --state warning
  --output "from notify" --spool-dir "$TMP/notify-spool" --wait 0.5 --timeout 2)
mw "${NOTIFY[@]}" --ca-cert "$TMP/other-ca/ca.pem"
expect_rc 1 "a certificate from another CA: not sent, kept"
OUT="$OUT $ERR"
expect_out "certificate" "and the reason names the certificate"
echo wrong >"$TMP/wrong"
WRONG=("${NOTIFY[@]}")
WRONG[7]=$TMP/wrong
mw "${WRONG[@]}" --ca-cert "$TMP/ca/ca.pem"
expect_rc 2 "a wrong password: 401, refused for good"
OUT="$OUT $ERR"
expect_out "HTTP 401" "the reason quotes Icinga 2's 401"
mw "${NOTIFY[@]}" --ca-cert "$TMP/ca/ca.pem"
expect_rc 0 "with the right CA and password: delivered"
OUT=$(result_of cache)
expect_true "[ '$OUT' = '[1,\"from notify\"]' ]" "Icinga 2 holds it ($OUT)"

finish
