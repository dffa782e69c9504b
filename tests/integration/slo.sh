#!/bin/bash
# SPDX-License-Identifier: MIT
# slo.sh - service level objectives in the agent: a rest-health instance following a real HTTP
# endpoint (fakereceiver.py) with slo = { availability = "99.9%"; latency = "p95 < 500ms"; }
# and a service with an availability objective. While the endpoint answers, the objectives are
# OK; when it fails, the availability burns fast: api.slo turns CRITICAL, the change goes to a
# webhook like any other, and mcpwatch status, /metrics (burn rates, budget) and the page show
# it; after recovery and with the bad runs out of the short windows it is OK again. Refusals: an
# objective without the history, latency on a service.
. "$(dirname "$0")/lib.sh"

need_check rest-health
command -v jq >/dev/null || skip_all "jq is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"
"$MCPWATCH" history --help >/dev/null 2>&1 || skip_all "mcpwatch was built without the history"

start_receiver
echo 200 >"$R/health"
HPORT=$(free_port)
cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/spool";
history: { slo_interval = "1s"; };
http: { listen = ["127.0.0.1:$HPORT"]; };
notifiers: { hook: { type = "webhook"; url = "http://127.0.0.1:$RECEIVER_PORT/hook/slo"; }; };
checks: {
  api: { check = "rest-health"; url = "http://127.0.0.1:$RECEIVER_PORT/health"; interval = 0.2; timeout = 2;
         notify = ["hook"]; slo = { availability = "99.9%"; latency = "p95 < 500ms"; }; };
};
services: { front: { members = ["api"]; notify = []; slo = { availability = "99%"; window = "7d"; }; }; };
EOF
"$MCPWATCH" agent --config "$TMP/agent.conf" 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill -9 $AGENT 2>/dev/null"
status() { "$MCPWATCH" status --config "$TMP/agent.conf" --format json 2>/dev/null; }
slo_state() { status | jq -r ".slos[] | select(.name == \"$1\" and .objective == \"$2\") | .state" 2>/dev/null; }

# Judged once with runs in the window (the first judgement may come before the first run is
# written, with no figures yet).
wait_for "[ \"\$(slo_state api availability)\" = OK ] && [ \"\$(slo_state front availability)\" = OK ] && status | jq -e '.slos[0].sli == 1 and .slos[2].sli != null' >/dev/null" 20
S=$(status)
expect_true "jq -e '[.slos[] | [.name, .objective, .state]] == [[\"api\",\"availability\",\"OK\"],[\"api\",\"latency\",\"OK\"],[\"front\",\"availability\",\"OK\"]]' <<<'$S' >/dev/null" \
  "status: three objectives, OK while the endpoint answers"
expect_true "jq -e '.slos[0].target == 0.999 and .slos[0].sli == 1 and .slos[0].budget_left == 1 and .slos[0].burn_1h == 0' <<<'$S' >/dev/null" \
  "status: api availability reached 100%, budget untouched, no burn"

echo 503 >"$R/health"
wait_for "[ \"\$(slo_state api availability)\" = CRITICAL ]" 30
S=$(status)
expect_true "jq -e '.slos[0].state == \"CRITICAL\" and .slos[0].burn_1h > 14.4 and .slos[0].burn_5m > 14.4 and (.slos[0].summary | test(\"fast burn\"))' <<<'$S' >/dev/null" \
  "the endpoint fails: api's availability burns fast (1 h and 5 min over 14.4): CRITICAL"
expect_true "jq -e '.state == \"CRITICAL\" and .exit_code == 2' <<<'$S' >/dev/null" "status exits 2 with it"
# The state may pass through WARNING (slow burn) before CRITICAL: wait for the critical alert.
slo_hook() { grep '/hook/slo' "$R/requests.jsonl" 2>/dev/null | jq -r '.body' | jq -c '.alerts[0] | select(.labels.service == "api.slo" and .labels.severity == "critical")' 2>/dev/null | head -n 1; }
wait_for "[ -n \"\$(slo_hook)\" ]" 20
HOOK=$(slo_hook)
expect_true "[ -n '$HOOK' ] && jq -e '.labels.severity == \"critical\" and .labels.check == \"slo\" and (.annotations.summary | test(\"availability .* fast burn\"))' <<<'$HOOK' >/dev/null" \
  "the webhook received api.slo critical with its summary ($(jq -r .annotations.summary <<<"$HOOK" 2>/dev/null | cut -c1-120))"
M=$(curl -s --max-time 5 "http://127.0.0.1:$HPORT/metrics")
expect_true "grep -qx 'mcpwatch_slo_state{name=\"api\"} 2' <<<\"\$M\" && grep -qE '^mcpwatch_slo_burn_rate[{]name=\"api\",objective=\"availability\",window=\"1h\"[}] [0-9.e+]+$' <<<\"\$M\" && grep -qE '^mcpwatch_slo_error_budget_remaining_ratio[{]name=\"api\",objective=\"availability\"[}] -' <<<\"\$M\"" \
  "/metrics: the objective's state 2, its burn rate, its budget overspent"
expect_true "grep -qE '^mcpwatch_slo_objective_ratio[{]name=\"api\",objective=\"latency\"[}] 0[.]95$' <<<\"\$M\" && grep -qE '^mcpwatch_slo_availability_ratio[{]name=\"front\"[}] 0[.][0-9]' <<<\"\$M\"" \
  "/metrics: the latency target and the service's availability"
expect_true "grep -qE '^mcpwatch_notifier_delivered_total[{]notifier=\"hook\"[}] [1-9]' <<<\"\$M\" && grep -qx 'mcpwatch_notifier_queue_events{notifier=\"hook\"} 0' <<<\"\$M\" && grep -qE '^mcpwatch_history_written_total [1-9]' <<<\"\$M\" && grep -qx 'mcpwatch_history_dropped_total 0' <<<\"\$M\"" \
  "/metrics: the webhook's deliveries and empty queue, the history's writes and no drop"
if command -v promtool >/dev/null; then
  expect_true "promtool check metrics <<<\"\$M\" >'$TMP/promtool.out' 2>&1" "promtool check metrics with objectives: no problem"
fi
PAGE=$(curl -s --max-time 5 "http://127.0.0.1:$HPORT/")
expect_true "grep -q '<h2>Objectives</h2>' <<<\"\$PAGE\" && grep -q '<span class=\"badge CRITICAL\">CRITICAL</span></td><td>api</td><td>availability 99.9%</td>' <<<\"\$PAGE\"" \
  "the page: the objectives table, api's availability CRITICAL"

echo 200 >"$R/health"
# The bad runs leave the 5 minute window only after 5 minutes; a recovery that fast is not
# waited for here: the unit test's fixture judges the windows moving on. The endpoint's own
# recovery is still seen by the instance.
wait_for "status | jq -e '.instances[0].state == \"OK\"' >/dev/null" 20
expect_true "status | jq -e '.instances[0].state == \"OK\" and (.slos[0].state == \"CRITICAL\" or .slos[0].state == \"WARNING\")' >/dev/null" \
  "recovered: api OK, its objective still burning (the bad runs are in the last 5 minutes)"
stop_agent "$AGENT" 10
expect_true "[ $RC = 0 ]" "the agent stops cleanly"

# Refusals at start, in one line.
sed -e 's/^history: .*$/history = false;/' "$TMP/agent.conf" >"$TMP/nohistory.conf"
OUT=$(timeout 10 "$MCPWATCH" agent --config "$TMP/nohistory.conf" 2>&1)
RC=$?
expect_true "[ $RC != 0 ] && [ $RC != 124 ] && grep -q 'slo: objectives are judged from the history, which is off' <<<\"\$OUT\" && [ \$(grep -c . <<<\"\$OUT\") = 1 ]" \
  "an objective with history = false: refused in one line ($OUT)"
sed -e 's/slo = { availability = "99%"; window = "7d"; }/slo = { latency = "p95 < 1s"; }/' "$TMP/agent.conf" >"$TMP/svclatency.conf"
OUT=$("$MCPWATCH" status --config "$TMP/svclatency.conf" 2>&1)
expect_true "grep -q \"service 'front': slo latency: a service has no response time\" <<<\"\$OUT\"" \
  "latency on a service: refused at load"
finish
