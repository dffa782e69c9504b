#!/bin/bash
# SPDX-License-Identifier: MIT
# agent_http.sh - the agent's own server (http: { listen }): /health and /health/SERVICE as a load
# balancer asks them, 200, 503 and the DEGRADED status configured, following a real HTTP
# endpoint (fakereceiver.py's health route) as it fails and recovers; /api/v1/status as
# `mcpwatch status --format json`; 404, 405; a non-loopback
# address refused without credentials; slow clients that hold no check back; /metrics, checked
# by promtool and scraped by a real Prometheus (Debian prometheus) whose query API has the series.
. "$(dirname "$0")/lib.sh"

need_check rest-health
command -v curl >/dev/null || skip_all "curl is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs the fake receiver)"

start_receiver
echo 200 >"$R/health"
HPORT=$(free_port)
write_config() {
  cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/spool";
http: { listen = ["127.0.0.1:$HPORT"]; $1 };
checks: {
  api: { check = "rest-health"; url = "http://127.0.0.1:$RECEIVER_PORT/health"; interval = 0.3; timeout = 2; };
  disk: { check = "disk"; path = ["/"]; interval = 0.3; warning = "101%"; critical = "101%"; inode_warning = "101%"; inode_critical = "101%"; };
};
services: { stack: { members = ["api", "disk"]; }; front: { members = ["api"]; }; };
EOF
}
write_config ""
"$MCPWATCH" agent --config "$TMP/agent.conf" --workers 2 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill -9 $AGENT 2>/dev/null"
get() { CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$HPORT$1"); BODY=$(cat "$TMP/body"); }

wait_for "get /health; [ \"\$CODE\" = 200 ] && jq -e '.checks[\"service:stack\"][0].observedValue == \"HEALTHY\"' <<<\"\$BODY\" >/dev/null" 15
expect_true "[ '$CODE' = 200 ]" "/health: 200 while every service is HEALTHY"
expect_true "loopback_only $HPORT" "the server listens on 127.0.0.1 only"
expect_true "jq -e '.status == \"pass\" and .checks[\"service:stack\"][0].observedValue == \"HEALTHY\" and (.checks | length) == 4' <<<'$BODY' >/dev/null" \
  "/health: application/health+json, services and instances"
expect_true "curl -s -D - -o /dev/null http://127.0.0.1:$HPORT/health | grep -qi '^content-type: application/health+json'" "/health: its content type"

# Every instance's perfdata is published once it has run; poll for it rather than take the
# first scrape, which can come between a run and its publication under load.
M=$TMP/metrics
has_perfdata() {
  get /metrics
  cp "$TMP/body" "$M" 2>/dev/null
  grep -qE '^mcpwatch_perfdata_seconds[{]instance="api",check="rest-health",label="time"[}] [0-9.e-]+$' "$M" &&
    grep -qE '^mcpwatch_perfdata_ratio[{]instance="disk",check="disk",label="/ inodes"[}] [0-9.e+-]+$' "$M"
}
wait_for has_perfdata 10
expect_true "[ '$CODE' = 200 ] && curl -s -D - -o /dev/null http://127.0.0.1:$HPORT/metrics | grep -qi '^content-type: text/plain; version=0.0.4'" \
  "/metrics: 200, the Prometheus text format"
expect_true "grep -qx 'mcpwatch_check_state{instance=\"api\",check=\"rest-health\"} 0' '$M' && grep -qx 'mcpwatch_service_state{service=\"stack\"} 0' '$M'" \
  "/metrics: instance and service states"
expect_true "grep -qE '^mcpwatch_perfdata_seconds[{]instance=\"api\",check=\"rest-health\",label=\"time\"[}] [0-9.e-]+$' '$M' && grep -qE '^mcpwatch_perfdata_ratio[{]instance=\"disk\",check=\"disk\",label=\"/ inodes\"[}] [0-9.e+-]+$' '$M'" \
  "/metrics: perfdata in base units (seconds, a ratio for %) ($(grep -E '^mcpwatch_perfdata' "$M" | head -n 4 | tr '\n' ' '))"
expect_true "grep -qE '^mcpwatch_check_runs_total[{]instance=\"api\",check=\"rest-health\"[}] [1-9]' '$M'" "/metrics: run counters"
if command -v promtool >/dev/null; then
  expect_true "promtool check metrics <'$M' >'$TMP/promtool.out' 2>&1" "promtool check metrics: no problem"
elif [ "${MCPWATCH_REQUIRE_ALL:-0}" = 1 ]; then
  not_ok "promtool is not installed (Debian: prometheus)"
fi

# OpenMetrics when asked by Accept, as Prometheus asks.
OM=$(curl -s --max-time 5 -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' -D "$TMP/om.headers" "http://127.0.0.1:$HPORT/metrics")
expect_true "grep -qi '^content-type: application/openmetrics-text; version=1.0.0' '$TMP/om.headers' && [ \"\$(tail -n 1 <<<\"\$OM\")\" = '# EOF' ] && grep -qx '# TYPE mcpwatch_check_runs counter' <<<\"\$OM\" && grep -qE '^mcpwatch_check_runs_total[{]instance=\"api\"' <<<\"\$OM\"" \
  "/metrics with Accept: application/openmetrics-text: OpenMetrics 1.0 (counter families without _total, # EOF)"

# /api/v1/status: the JSON of `mcpwatch status --format json`, from the same status file.
shape='[paths(scalars) | map(if type == "number" then 0 else . end) | join(".")] | unique'
# The API and the command read the same status file at two moments: a run in between can add
# or change a field, so the two are read again (up to 5 times) until one pair was taken between
# runs.
same_status() {
  get /api/v1/status
  cp "$TMP/body" "$TMP/api.json"
  "$MCPWATCH" status --config "$TMP/agent.conf" --format json >"$TMP/cli.json"
  [ "$(jq -c "$shape" "$TMP/api.json")" = "$(jq -c "$shape" "$TMP/cli.json")" ] &&
    [ "$(jq -c '[.instances[].state, .services[].state]' "$TMP/api.json")" = "$(jq -c '[.instances[].state, .services[].state]' "$TMP/cli.json")" ]
}
for _ in 1 2 3 4 5; do same_status && break; done
expect_true "[ '$CODE' = 200 ] && jq -e '.agent.running and (.instances | map(.name)) == [\"api\",\"disk\"] and (.services | map(.name)) == [\"stack\",\"front\"]' '$TMP/api.json' >/dev/null" \
  "/api/v1/status: 200, the agent running, its instances and services"
expect_true "[ \"\$(jq -c \"\$shape\" '$TMP/api.json')\" = \"\$(jq -c \"\$shape\" '$TMP/cli.json')\" ] && [ \"\$(jq -c '[.instances[].state, .services[].state]' '$TMP/api.json')\" = \"\$(jq -c '[.instances[].state, .services[].state]' '$TMP/cli.json')\" ]" \
  "/api/v1/status: the same fields and states as mcpwatch status --format json"
expect_true "curl -s -D - -o /dev/null http://127.0.0.1:$HPORT/api/v1/status | grep -qi '^content-type: application/json'" "/api/v1/status: application/json"

# A real Prometheus scrapes the agent every second; its query API has the series and values.
if command -v prometheus >/dev/null; then
  PPORT=$(free_port)
  mkdir -p "$TMP/prom"
  cat >"$TMP/prom/prometheus.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: mcpwatch
    honor_labels: true
    static_configs: [ { targets: ["127.0.0.1:$HPORT"] } ]
EOF
  prometheus --config.file="$TMP/prom/prometheus.yml" --storage.tsdb.path="$TMP/prom/data" \
    --web.listen-address="127.0.0.1:$PPORT" >"$TMP/prom/log" 2>&1 &
  PROM=$!
  on_exit "kill $PROM 2>/dev/null"
  query() { curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1"; }
  wait_for "curl -sf -o /dev/null http://127.0.0.1:$PPORT/-/ready || ! kill -0 $PROM" 90
  wait_for "query 'count(mcpwatch_check_state)' | jq -e '.data.result[0].value[1] == \"2\"' >/dev/null 2>&1" 60
  Q=$(query 'mcpwatch_check_state{instance="api",check="rest-health"}')
  expect_true "jq -e '.data.result[0].value[1] == \"0\" and .data.result[0].metric.job == \"mcpwatch\"' <<<'$Q' >/dev/null" \
    "Prometheus scraped the agent: mcpwatch_check_state of api is 0"
  Q=$(query 'mcpwatch_perfdata_seconds{instance="api",label="time"} < 5')
  expect_true "jq -e '.data.result | length == 1' <<<'$Q' >/dev/null" "Prometheus: api's response time in seconds"
  Q=$(query 'count(mcpwatch_check_state)')
  expect_true "jq -e '.data.result[0].value[1] == \"2\"' <<<'$Q' >/dev/null" "Prometheus: both instances"
  kill "$PROM"
elif [ "${MCPWATCH_REQUIRE_ALL:-0}" = 1 ]; then
  not_ok "prometheus is not installed (Debian: prometheus)"
fi

echo 503 >"$R/health"
wait_for "get /health; [ \"\$CODE\" = 503 ]" 15
expect_true "[ '$CODE' = 503 ] && jq -e '.status == \"fail\" and .checks[\"service:front\"][0].observedValue == \"UNHEALTHY\"' <<<'$BODY' >/dev/null" \
  "/health: 503 when a service is UNHEALTHY"
get /health/stack
expect_true "[ '$CODE' = 200 ] && jq -e '.status == \"warn\" and (.checks | keys) == [\"service:stack\"]' <<<'$BODY' >/dev/null" \
  "/health/stack: DEGRADED is 200 by default, its status warn"
get /health/front
expect_true "[ '$CODE' = 503 ]" "/health/front: 503"
get /health/nope
expect_true "[ '$CODE' = 404 ]" "/health/nope: 404"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$HPORT/health")
expect_true "[ '$CODE' = 405 ]" "POST: 405"
get /../../etc/passwd
expect_true "[ '$CODE' = 404 ] && ! grep -q root: <<<'$BODY'" "a path outside: 404, nothing read"

# Ten clients that send a byte a second hold no worker: the checks keep their schedule.
SLOW=()
for _ in $(seq 10); do
  (exec 3<>"/dev/tcp/127.0.0.1/$HPORT"; for c in G E T ' ' /; do printf '%s' "$c" >&3; sleep 1; done) 2>/dev/null &
  SLOW+=($!)
done
wait_for "[ -n \"\$(last_run '$TMP/state/agent.status' api)\" ]" 5
start=$(last_run "$TMP/state/agent.status" api)
sleep 3
end=$(last_run "$TMP/state/agent.status" api)
kill "${SLOW[@]}" 2>/dev/null
expect_true "[ -n '$start' ] && [ -n '$end' ] && [ \$(($end - $start)) -ge 2 ]" \
  "ten slow clients: the api check still runs (last run $start, then $end, 3 s later)"

# DEGRADED answered 503 when configured; a reload keeps the server.
write_config "degraded = 503;"
kill -HUP "$AGENT"
wait_for "get /health/stack; [ \"\$CODE\" = 200 ] || [ \"\$CODE\" = 503 ]" 10
echo 200 >"$R/health"
wait_for "get /health; [ \"\$CODE\" = 200 ]" 15
expect_true "[ '$CODE' = 200 ]" "after a reload the server answers, and /health is 200 again when api recovers"
kill "$AGENT"
wait "$AGENT"
expect_true "[ $? = 0 ]" "the agent stops cleanly with the server on"

# An address other than loopback without credentials is refused at load.
cat >"$TMP/open.conf" <<EOF
state_dir = "$TMP/state2";
http: { listen = ["0.0.0.0:$HPORT"]; };
checks: { disk: { check = "disk"; path = ["/"]; }; };
EOF
OUT=$("$MCPWATCH" agent --config "$TMP/open.conf" 2>&1)
RC=$?
expect_true "[ $RC != 0 ] && grep -q 'an address other than loopback needs basic_file or token_file' <<<\"\$OUT\"" \
  "0.0.0.0 without credentials: refused, and said ($OUT)"

finish
