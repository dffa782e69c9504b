#!/bin/bash
# SPDX-License-Identifier: MIT
# agent.sh - `mcpwatch agent` against a real redis-server and a local HTTP endpoint (the health
# route of fakereceiver.py, which also plays PagerDuty): schedules, state changes forwarded and
# delivered by the agent itself, soft states and retry_interval, the circuit breaker, `mcpwatch
# status`, SIGHUP with a broken and with a good configuration, SIGTERM.
. "$(dirname "$0")/lib.sh"

need_check redis
need_check rest-health
[ -f "$MCPWATCH_NOTIFIER_DIR/pagerduty.so" ] || skip_all "the notifiers were not built"
command -v redis-server >/dev/null || skip_all "redis-server is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs the fake receiver)"
command -v jq >/dev/null || skip_all "jq is not installed"

start_receiver
RPORT=$(free_port)
start_redis cache "$RPORT"
echo 0123456789abcdef0123456789abcdef >"$TMP/pd.key"
echo 200 >"$R/health"
received() { jq -c "select(.code == 202) | .body | fromjson | ${1:-.}" "$R/requests.jsonl" 2>/dev/null; }
events_for() { received "select(.dedup_key == \"mcpwatch/node1/$1\") | .event_action" | tr -d '"' | tr '\n' ' '; }

write_config() {
  cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/spool";
host = "node1";
backoff_max = 8;
nagios_command_file = "$TMP/nagios.cmd";
notifiers: {
  pd: { type = "pagerduty"; url = "http://127.0.0.1:$RECEIVER_PORT/v2/enqueue"; routing_key_file = "$TMP/pd.key"; timeout = 2; };
};
checks: {
  api: { check = "rest-health"; url = "http://127.0.0.1:$RECEIVER_PORT/health"; interval = 0.3; retry_interval = 0.2; max_attempts = 3; timeout = 1; backoff_max = 2; };
  cache: { check = "redis"; host = "127.0.0.1"; port = $RPORT; interval = 0.3; timeout = 2; };
$1
};
services: { stack: { members = ["api", "cache"]; }; };
EOF
}
write_config ""
# The Nagios command file: a FIFO read the way Nagios reads it (the reader also holds it open
# for writing, so it never sees an end while the agent reopens it across a reload).
mkfifo "$TMP/nagios.cmd"
(exec 3<>"$TMP/nagios.cmd"; exec cat <&3 >"$TMP/nagios.lines") &
READER=$!
on_exit "kill $READER"
"$MCPWATCH" agent --config "$TMP/agent.conf" --workers 2 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill -9 $AGENT"
status() { OUT=$("$MCPWATCH" status --config "$TMP/agent.conf" 2>&1); RC=$?; }
instance_state() { status; awk -v n="$1" '$2 == n { print $1 }' <<<"$OUT"; }

wait_for "[ \"\$(instance_state api)\" = OK ] && [ \"\$(instance_state cache)\" = OK ]" 10
status
expect_true "[ \"\$(instance_state api)\" = OK ] && [ \"\$(instance_state cache)\" = OK ]" "status: both instances OK after their first runs"
expect_out "^agent pid $AGENT, status written" "status names the running agent"
expect_rc 0 "status exits 0 when every row is OK"
expect_true "[ ! -s '$R/requests.jsonl' ] || [ -z \"\$(received)\" ]" "a first OK sends nothing"

# A soft problem: max_attempts 3 at retry_interval 0.2 s, then one trigger.
echo 503 >"$R/health"
wait_for "events_for api | grep -q trigger" 10
expect_true "[ \"\$(events_for api)\" = 'trigger ' ]" "the HTTP endpoint failing: one trigger after it became hard"
expect_true "grep -q 'api: OK -> CRITICAL (problem)' '$TMP/agent.log'" "the change is logged"
wait_for "events_for stack | grep -q trigger" 5
GOT=$(received 'select(.dedup_key == "mcpwatch/node1/stack") | [.payload.severity, .payload.summary, .payload.class]')
expect_true "[ '$GOT' = '[\"warning\",\"node1/stack WARNING: SERVICE WARNING - DEGRADED: 1 of 2 failing (api CRITICAL)\",\"service\"]' ]" "service stack DEGRADED: a warning of its own ($GOT)"
wait_for "status; grep -qE '^DEGRADED +stack' <<<\"\$OUT\"" 5
expect_out "^DEGRADED +stack +\(service\) +- +- +- +DEGRADED: 1 of 2 failing" "status shows the service DEGRADED"
expect_rc 2 "status exits 2 with a CRITICAL row, as a check"
JSON=$("$MCPWATCH" status --config "$TMP/agent.conf" --format json)
RC=$?
expect_rc 2 "status --format json: the same exit code"
expect_true "jq -e '.state == \"CRITICAL\" and .agent.running and (.agent.stale | not) and (.instances | length) == 2 and .services[0].name == \"stack\" and .services[0].state == \"DEGRADED\" and ([.instances[] | select(.name == \"api\")][0] | .state == \"CRITICAL\" and .check == \"rest-health\" and .interval_s > 0 and .next_run_in_s >= 0 and .duration_ms >= 0 and (.summary | length) > 0)' <<<\"\$JSON\" >/dev/null" \
  "status --format json: agent, instances and services with every field"
wait_for "grep -q 'api: .* failures in a row: circuit breaker open' '$TMP/agent.log'" 10
expect_true "grep -q 'api: 5 failures in a row: circuit breaker open, one probe every 0.3s decides' '$TMP/agent.log'" "after 5 failures the circuit breaker opens, and says so"
# A server that hangs holds a worker for the whole timeout: such probes wait longer, up to the
# instance's backoff_max (2) over the global one (8).
echo hang >"$R/health"
wait_for "grep -q 'api: the probe timed out' '$TMP/agent.log'" 10
expect_true "grep -q 'api: the probe timed out; probing every 0.6s instead of every 0.3s (backoff_max 2)' '$TMP/agent.log'" "a probe that times out doubles the wait, up to the instance's backoff_max"
wait_for "status; grep -qE '^CRITICAL +api .*\[backing off\]' <<<\"\$OUT\"" 5
expect_out "^CRITICAL +api .*\[backing off\]" "status shows the instance backing off"
echo 503 >"$R/health"
# Probes sent while the server hung finish at their timeout first; under a loaded CI machine
# that has taken longer than 10 s once (distcheck), so the bound is 20 s and a failure shows
# what the agent logged.
wait_for "grep -q 'api: the probe failed fast; probing every 0.3s again' '$TMP/agent.log'" 20
expect_true "grep -q 'api: the probe failed fast; probing every 0.3s again' '$TMP/agent.log'" \
  "a probe that fails fast probes at the interval again$(grep -q 'api: the probe failed fast' "$TMP/agent.log" || printf ' (agent log: %s)' "$(grep 'api:' "$TMP/agent.log" | tail -n 4 | tr '\n' ' ')")"
T0=$(date +%s%N)
echo 200 >"$R/health"
wait_for "grep -q 'api: answering again: circuit breaker closed' '$TMP/agent.log'" 10
ELAPSED=$((($(date +%s%N) - T0) / 1000000))
expect_true "[ $ELAPSED -lt 1000 ]" "a recovered server is seen within one interval: the probe closes the breaker ($ELAPSED ms at 0.3 s)"
wait_for "events_for api | grep -q resolve" 10
expect_true "[ \"\$(events_for api)\" = 'trigger resolve ' ]" "recovery resolves, once"
wait_for "events_for stack | grep -q resolve" 5
expect_true "[ \"\$(events_for stack)\" = 'trigger resolve ' ]" "service stack HEALTHY again: resolved"
expect_true "grep -q 'api: answering again: circuit breaker closed, checking every 0.3s' '$TMP/agent.log'" "the breaker closes again"
expect_true "grep -q 'service stack: HEALTHY -> DEGRADED' '$TMP/agent.log' && ! grep -qE 'service stack: (OK|WARNING|CRITICAL) ->' '$TMP/agent.log'" "the log speaks of services in their own words"

# Redis stopped and started under the agent: its connection is reopened.
kill "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null
wait_for "events_for cache | grep -q trigger" 10
wait_for "[ \"\$(instance_state cache)\" = CRITICAL ]" 5
expect_true "[ \"\$(instance_state cache)\" = CRITICAL ]" "redis stopped: CRITICAL"
start_redis cache "$RPORT"
wait_for "events_for cache | grep -q resolve" 10
expect_true "[ \"\$(events_for cache)\" = 'trigger resolve ' ]" "redis back: trigger then resolve"

# The receiver down (api's endpoint is the receiver too, so api fails): the problem waits in
# the spool, and the agent's own courier delivers it and the recovery once the receiver is back.
kill "$RECEIVER_PID"
wait "$RECEIVER_PID" 2>/dev/null
rm -f "$R/requests.jsonl"
wait_for "[ \$(ls '$TMP/spool/pd' 2>/dev/null | grep -c '\\.event$') -ge 1 ]" 15
expect_true "[ \$(ls '$TMP/spool/pd' | grep -c '\\.event$') -ge 1 ]" "receiver down: the problem waits in the spool"
start_receiver
wait_for "events_for api | grep -q 'trigger resolve'" 20
expect_true "[ \"\$(events_for api)\" = 'trigger resolve ' ]" "receiver back: the agent delivers trigger then resolve, in order, once"
wait_for "[ \$(ls '$TMP/spool/pd' | grep -c '\\.event$') = 0 ]" 10
expect_true "[ \$(ls '$TMP/spool/pd' | grep -c '\\.event$') = 0 ]" "and the spool is empty"

# Every result reached the command file as a well-formed external command.
LINES=$(cat "$TMP/nagios.lines")
expect_true "grep -qE '^\[[0-9]+\] PROCESS_SERVICE_CHECK_RESULT;node1;api;0;REST-HEALTH OK - HTTP/1.1 200 ' <<<\"\$LINES\"" "command file: api's OK results"
expect_true "grep -qE '^\[[0-9]+\] PROCESS_SERVICE_CHECK_RESULT;node1;cache;0;REDIS OK - .*\|.*time=' <<<\"\$LINES\"" "command file: cache's results with perfdata"
expect_true "grep -qE '^\[[0-9]+\] PROCESS_SERVICE_CHECK_RESULT;node1;api;2;REST-HEALTH CRITICAL - ' <<<\"\$LINES\"" "command file: api's CRITICAL results"
expect_true "grep -qE '^\[[0-9]+\] PROCESS_SERVICE_CHECK_RESULT;node1;stack;1;SERVICE WARNING - DEGRADED: 1 of 2 failing' <<<\"\$LINES\"" "command file: the service's state too"
BAD=$(grep -cvE '^\[[0-9]+\] PROCESS_SERVICE_CHECK_RESULT;node1;(api|cache|stack);[0-3];.+$' <<<"$LINES")
expect_true "[ $BAD = 0 ] && [ \$(wc -l <<<\"\$LINES\") -ge 20 ]" "command file: every one of $(wc -l <<<"$LINES") lines well-formed ($BAD not)"

# The reader goes away: writes fail with EPIPE, which the agent survives, says once, and drops.
kill "$READER"
wait "$READER" 2>/dev/null
wait_for "grep -q 'results are dropped until' '$TMP/agent.log'" 10
expect_true "grep -q 'warning: writing to $TMP/nagios.cmd: Broken pipe; results are dropped' '$TMP/agent.log' && [ \$(grep -c 'results are dropped' '$TMP/agent.log') = 1 ]" "command file without a reader: said once"
expect_true "kill -0 $AGENT" "and the agent keeps running (no SIGPIPE death)"

# SIGHUP: a broken configuration is refused and the running one kept; a good one is taken.
cp "$TMP/agent.conf" "$TMP/agent.good"
echo "checks: { broken" >>"$TMP/agent.conf"
kill -HUP "$AGENT"
wait_for "grep -q 'reload failed' '$TMP/agent.log'" 10
expect_true "grep -q 'error: reload failed: .*agent.conf:[0-9]*: .*; the running configuration stays' '$TMP/agent.log'" "SIGHUP with a broken file: refused, and says why"
expect_true "kill -0 $AGENT" "and the agent keeps running"
write_config "  disk-root: { check = \"disk\"; path = [\"/\"]; interval = 0.3; };"
kill -HUP "$AGENT"
wait_for "[ \"\$(instance_state disk-root)\" = OK ]" 10
expect_true "[ \"\$(instance_state disk-root)\" = OK ]" "SIGHUP with a good file: the new instance runs"
expect_true "[ \"\$(instance_state api)\" = OK ]" "and the others go on"

# SIGTERM: running checks finish, the agent exits 0 within the checks' timeout.
stop_agent "$AGENT" 30
expect_rc 0 "SIGTERM: exit 0"
expect_within 8000 "SIGTERM: stopped within the checks' timeout plus the final delivery"

# A receiver that never answers (the notifier's default 10 s timeout): SIGHUP does not pause the
# checks, SIGTERM exits within 5 s, and the event stays queued.
H=$TMP/hung
mkdir -p "$H"
echo hang >"$R/mode"
rm -f "$R/requests.jsonl"
cat >"$H/agent.conf" <<CONF
state_dir = "$H/state"; spool_dir = "$H/spool"; host = "node1";
notifiers: { pd: { type = "pagerduty"; url = "http://127.0.0.1:$RECEIVER_PORT/v2/enqueue"; routing_key_file = "$TMP/pd.key"; }; };
checks: {
  down: { check = "rest-health"; url = "http://127.0.0.1:$(free_port)/"; interval = 0.2; timeout = 1; };
  up: { check = "disk"; path = ["/"]; interval = 0.2; flap_detection = true; };
};
CONF
"$MCPWATCH" agent --config "$H/agent.conf" --status-file "$H/status" 2>"$H/agent.log" &
HUNG=$!
on_exit "kill -9 $HUNG"
# The receiver records a request when it arrives: the courier is then inside its 10 s attempt.
wait_for "grep -qs '/v2/enqueue' '$R/requests.jsonl'" 15
HUP_AT=$(date +%s)
kill -HUP "$HUNG"
wait_for "[ \"\$(last_run '$H/status' up)\" -ge $((HUP_AT + 2)) ]" 10
expect_true "[ \"\$(last_run '$H/status' up)\" -ge $((HUP_AT + 2)) ]" "SIGHUP while a delivery hangs: the checks go on (last run $(($(last_run "$H/status" up) - HUP_AT)) s after it)"
# up's results (OK from the first) moved only its flap window, which the agent keeps in memory
# and writes at most every 300 s: no state file for it, not even for its first result.
expect_true "[ ! -e '$H/state/up.state' ] && [ -e '$H/state/down.state' ]" \
  "results that only move a flap window write no state file, the first one included"
stop_agent "$HUNG" 20
expect_rc 0 "SIGTERM while a delivery hangs: exit 0"
expect_within 5000 "SIGTERM while a delivery hangs: stopped within 5 s"
expect_true "[ \$(ls '$H/spool/pd' | grep -c '\\.event$') = 1 ] && grep -q 'abandoned (its event stays queued)' '$H/agent.log'" "the event stays queued, and the log says so"
echo ok >"$R/mode"
expect_true "tail -n 1 '$TMP/agent.log' | grep -q 'mcpwatch agent: stopped'" "SIGTERM: says it stopped"
status
expect_out "\(not running\)" "status says when the agent is gone"
expect_rc 3 "status exits 3 UNKNOWN when the agent is not running"

printf 'backoff_max = 0;\n' >"$TMP/bad-backoff.conf"
OUT=$("$MCPWATCH" run --config "$TMP/bad-backoff.conf" 2>&1)
expect_out "bad-backoff.conf:1: backoff_max must be a number from 1 \\(no backoff\\) to 64" "backoff_max 0 is refused with its line"
printf 'checks: { d: { check = "disk"; path = "/"; backoff_max = 65; }; };\n' >"$TMP/bad-backoff.conf"
OUT=$("$MCPWATCH" run --config "$TMP/bad-backoff.conf" 2>&1)
expect_out "bad-backoff.conf:1: 'backoff_max' must be a number from 1" "an instance's backoff_max past 64 is refused"

# A status file as the agent writes it, with a long name, a run that is due and an old update.
NOW=$(date +%s)
LONG=an-instance-with-a-name-much-longer-than-twenty-characters
printf 'mcpwatch-agent-status 1\tpid %d\tupdated %d\n%s\tdisk\tOK\t%d\t%d\t3\t10\t1\tall fine\nb\tredis\tWARNING\t%d\t%d\t4\t10\t1\tslow\nservice\tsvc\tHEALTHY\tHEALTHY: all 2 members OK\n' \
  $$ "$NOW" "$LONG" "$NOW" $((NOW - 5)) "$NOW" $((NOW + 7)) >"$TMP/crafted.status"
OUT=$("$MCPWATCH" status --status-file "$TMP/crafted.status")
RC=$?
expect_rc 1 "status: the worst row (WARNING) decides the exit code"
expect_no_out " -[0-9]+s " "status: a run that is due shows no negative time"
expect_true "[ \"\$(awk 'NR > 2 { print index(\$0, \$NF == \"slow\" ? \"slow\" : \$NF == \"fine\" ? \"all fine\" : \"HEALTHY:\") }' <<<\"\$OUT\" | sort -u | wc -l)\" = 1 ]" \
  "status: columns sized to the longest name, the summaries line up"
printf 'mcpwatch-agent-status 1\tpid %d\tupdated %d\nx\tdisk\tOK\t%d\t%d\t3\t10\t1\tall fine\n' \
  $$ $((NOW - 600)) $((NOW - 600)) $((NOW - 590)) >"$TMP/stale.status"
OUT=$("$MCPWATCH" status --status-file "$TMP/stale.status")
RC=$?
expect_rc 3 "status: a status file older than twice the longest interval (60 s at least) is UNKNOWN"
expect_out "^agent pid .* \(stale\)" "status: says it is stale"
OUT=$("$MCPWATCH" status --status-file "$TMP/stale.status" --stale-after 1h)
RC=$?
expect_rc 0 "status --stale-after 1h: the same file is current"
OUT=$(cat "$TMP/agent.log")
expect_no_out "AddressSanitizer|runtime error|ThreadSanitizer|LeakSanitizer" "agent: no sanitizer report"
expect_true "! grep -q 0123456789abcdef0123456789abcdef '$TMP/agent.log'" "the routing key is not in the log"

# An interval shorter than the scheduler's 250 ms batching slack is still an interval: a disk
# instance every 50 ms runs about 20 times a second, not back to back (it ran 326 times a
# second before the slack was capped at a quarter of the interval).
cat >"$TMP/fast.conf" <<CONF
state_dir = "$TMP/fast-state"; spool_dir = "$TMP/fast-spool"; conf_dir = "$TMP/etc";
nagios_command_file = "$TMP/fast.cmd";
checks: { root: { check = "disk"; path = ["/"]; interval = 0.05; }; };
CONF
mkdir -p "$TMP/etc"
: >"$TMP/fast.cmd"
"$MCPWATCH" agent --config "$TMP/fast.conf" 2>"$TMP/fast.log" &
FAST=$!
on_exit "kill $FAST"
wait_for "[ \$(wc -l <'$TMP/fast.cmd') -ge 5 ]" 10 || cat "$TMP/fast.log"
before=$(wc -l <"$TMP/fast.cmd")
start=$(date +%s%N)
sleep 2 # a measuring window, not a wait for a server
runs=$(($(wc -l <"$TMP/fast.cmd") - before))
window_ms=$((($(date +%s%N) - start) / 1000000))
kill -TERM "$FAST"
wait_exit "$FAST" 10
expect_true "[ $runs -le $((window_ms * 30 / 1000)) ] && [ $runs -ge $((window_ms * 5 / 1000)) ]" \
  "interval 0.05: $runs runs in $window_ms ms (about 20 a second, at most 30)"

# fast_agent STATUS_FILE UNTIL: the fast agent with that status file, stopped once UNTIL holds.
fast_agent() {
  : >"$TMP/fast.cmd"
  "$MCPWATCH" agent --config "$TMP/fast.conf" --status-file "$1" 2>"$TMP/fast.log" &
  FAST=$!
  on_exit "kill $FAST"
  wait_for "$2" 10
  stop_agent "$FAST" 10
}

# A status file that cannot be written is said once, and the checks go on.
fast_agent "$TMP/no-such-dir/agent.status" "[ \$(wc -l <'$TMP/fast.cmd') -ge 40 ]"
expect_true "[ $RC = 0 ] && [ \$(wc -l <'$TMP/fast.cmd') -ge 40 ]" "status file not writable: the checks ran on (exit $RC)"
expect_true "[ \"\$(grep -c 'error: cannot write the status file $TMP/no-such-dir/agent.status: No such file or directory' '$TMP/fast.log')\" = 1 ]" \
  "status file not writable: said once, with the path and the reason"
expect_true "[ ! -e '$TMP/no-such-dir' ]" "status file not writable: nothing created in its place"

# A link planted where the status file's temporary copy goes is replaced, never written through:
# neither the file a symbolic link points to nor one a hard link shares is touched.
mkdir -p "$TMP/planted"
echo precious >"$TMP/victim-sym"
echo precious >"$TMP/victim-hard"
ln -s "$TMP/victim-sym" "$TMP/planted/agent.status.tmp"
ln "$TMP/victim-hard" "$TMP/planted/other.status.tmp"
for name in agent other; do
  fast_agent "$TMP/planted/$name.status" "[ -s '$TMP/planted/$name.status' ] && [ \$(wc -l <'$TMP/fast.cmd') -ge 5 ]"
done
expect_true "[ \"\$(cat '$TMP/victim-sym')\" = precious ] && [ \"\$(cat '$TMP/victim-hard')\" = precious ]" \
  "status file: a planted symbolic or hard link is not written through"
expect_true "[ -f '$TMP/planted/agent.status' ] && [ ! -L '$TMP/planted/agent.status' ] && grep -q '^root' '$TMP/planted/agent.status'" \
  "status file: written in place of the planted link"

# valgrind: an agent that ran every kind of instance, reloaded and stopped gives back everything.
if [ "${SANITIZERS:-no}" = no ] && command -v valgrind >/dev/null; then
  : >"$TMP/agent.log"
  # --child-silent-after-fork: the disk check's statvfs child (where the file system type is
  # unknown, as for a chroot's /) only calls statvfs and _exit, as in valgrind.sh.
  "$LIBTOOL" --mode=execute valgrind --quiet --suppressions="$SRCDIR/tests/integration/valgrind.supp" \
    --child-silent-after-fork=yes --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=42 \
    --log-file="$TMP/vg.log" "$MCPWATCH" agent --config "$TMP/agent.conf" 2>"$TMP/agent.log" &
  VG=$!
  wait_for "[ \"\$(instance_state disk-root)\" = OK ] && grep -q 'running 3 instances' '$TMP/agent.log'" 60
  echo 503 >"$R/health"
  wait_for "grep -q 'api: OK -> CRITICAL' '$TMP/agent.log'" 30
  kill -HUP "$VG"
  wait_for "[ \$(grep -c 'running 3 instances' '$TMP/agent.log') -ge 2 ]" 30
  stop_agent "$VG" 120
  OUT=$(cat "$TMP/vg.log")
  expect_true "[ $RC = 0 ] && [ ! -s '$TMP/vg.log' ]" "valgrind clean: the agent ran, forwarded, reloaded and stopped (exit $RC)"
fi

finish
