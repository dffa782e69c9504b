#!/bin/bash
# SPDX-License-Identifier: MIT
# agent_http_auth.sh - the agent's server behind credentials and TLS: a bearer token file, a
# Basic password file of crypt(3) hashes (openssl passwd -6), HTTPS with a certificate of a test
# CA. Asked by curl, by mcpwatch's own rest-health (one mcpwatch watching another) and by a real
# Prometheus scraping over HTTPS with basic_auth. Bad files refused at start in one line.
. "$(dirname "$0")/lib.sh"

need_check rest-health
command -v curl >/dev/null || skip_all "curl is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
command -v openssl >/dev/null || skip_all "openssl is not installed"

make_ca "$TMP/ca" || skip_all "openssl could not make a test CA"
make_cert "$TMP/ca" agent localhost "DNS:localhost,IP:127.0.0.1" "$(cert_date '-1 day')" \
  "$(cert_date '+30 days')" || skip_all "openssl could not make a certificate"
HPORT=$(free_port)
TOKEN=mcpwatch-test-token-$RANDOM$RANDOM$RANDOM
printf '%s\n' "$TOKEN" >"$TMP/token"
HASH=$(openssl passwd -6 -salt saltsalt 'correct horse')
printf '# operators\nprom:%s\nops:%s\n' "$HASH" "$(openssl passwd -6 'other')" >"$TMP/users"
chmod 600 "$TMP/token" "$TMP/users"

# start_agent HTTP-SETTINGS: the agent with http: { listen = [...]; HTTP-SETTINGS }.
start_agent() {
  cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/spool";
http: { listen = ["127.0.0.1:$HPORT"]; $1 };
checks: { disk: { check = "disk"; path = ["/"]; interval = 0.5; warning = "101%"; critical = "101%"; inode_warning = "101%"; inode_critical = "101%"; }; };
services: { stack: { members = ["disk"]; }; };
EOF
  "$MCPWATCH" agent --config "$TMP/agent.conf" 2>"$TMP/agent.log" &
  AGENT=$!
  on_exit "kill -9 $AGENT 2>/dev/null"
}
code() { curl -s -o "$TMP/body" -w '%{http_code}' --max-time 5 "$@"; }

# ---- bearer token --------------------------------------------------------------------------
start_agent "token_file = \"$TMP/token\";"
URL=http://127.0.0.1:$HPORT
# 200 comes before the first run (a PENDING member is not a failure): wait for disk's own state
wait_for "[ \"\$(code -H 'Authorization: Bearer $TOKEN' $URL/health)\" = 200 ] && jq -e '.checks[\"instance:disk\"][0].observedValue == \"OK\"' '$TMP/body' >/dev/null" 15
expect_true "[ \"\$(code -H 'Authorization: Bearer $TOKEN' $URL/health)\" = 200 ] && jq -e '.status == \"pass\"' '$TMP/body' >/dev/null" \
  "token_file: the right bearer token gets /health"
expect_true "[ \"\$(code $URL/health)\" = 401 ] && curl -s -D - -o /dev/null $URL/metrics | grep -qi '^www-authenticate: Bearer realm=\"mcpwatch\"'" \
  "token_file: no credentials: 401 with a Bearer challenge"
expect_true "[ \"\$(code -H 'Authorization: Bearer ${TOKEN}x' $URL/metrics)\" = 401 ] && ! grep -q mcpwatch_check_state '$TMP/body'" \
  "token_file: a wrong token: 401, no metrics"
expect_true "[ \"\$(code -H 'Authorization: Bearer ${TOKEN:0:20}' $URL/metrics)\" = 401 ]" \
  "token_file: a prefix of the token: 401"
expect_true "[ \"\$(code -u 'x:$TOKEN' $URL/metrics)\" = 401 ]" "token_file: the token as a Basic password: 401"
OUT=$("$MCPWATCH" rest-health -u "$URL/health" --token-file "$TMP/token" 2>&1)
RC=$?
expect_true "[ $RC = 0 ] && grep -q '^REST-HEALTH OK' <<<\"\$OUT\"" \
  "mcpwatch rest-health watches this agent's /health with the token (${OUT%%|*})"
OUT=$("$MCPWATCH" rest-health -u "$URL/health" 2>&1)
RC=$?
expect_true "[ $RC != 0 ] && grep -q '401' <<<\"\$OUT\"" "rest-health without the token: not OK, the 401 named"
expect_true "! grep -qF '$TOKEN' '$TMP/agent.log'" "the token is in no log line"
kill "$AGENT"
wait "$AGENT" 2>/dev/null

# ---- Basic credentials and TLS -------------------------------------------------------------
start_agent "basic_file = \"$TMP/users\"; tls_cert = \"$TMP/ca/agent.pem\"; tls_key = \"$TMP/ca/agent.key\";"
URL=https://127.0.0.1:$HPORT
TLS=(--cacert "$TMP/ca/ca.pem")
wait_for "[ \"\$(code ${TLS[*]} -u 'prom:correct horse' $URL/health)\" = 200 ]" 15
expect_true "[ \"\$(code ${TLS[*]} -u 'prom:correct horse' $URL/metrics)\" = 200 ] && grep -q '^mcpwatch_check_state{instance=\"disk\"' '$TMP/body'" \
  "basic_file over TLS: the right password gets /metrics, the certificate verified by the test CA"
expect_true "[ \"\$(code ${TLS[*]} -u 'prom:wrong' $URL/metrics)\" = 401 ] && [ \"\$(code ${TLS[*]} -u 'nobody:correct horse' $URL/metrics)\" = 401 ]" \
  "basic_file: a wrong password or an unknown user: 401"
expect_true "[ \"\$(code ${TLS[*]} $URL/health)\" = 401 ] && curl -s -D - -o /dev/null ${TLS[*]} $URL/health | grep -qi '^www-authenticate: Basic realm=\"mcpwatch\"'" \
  "basic_file: no credentials: 401 with a Basic challenge"
expect_true "[ \"\$(code ${TLS[*]} -u 'ops:other' $URL/health/stack)\" = 200 ]" "basic_file: the second user too"
expect_true "[ \"\$(code -u 'prom:correct horse' http://127.0.0.1:$HPORT/health)\" = 000 ]" \
  "TLS on: plain HTTP to the port gets no answer"
expect_true "[ \"\$(code -u 'prom:correct horse' $URL/health)\" = 000 ]" \
  "TLS on: a client that does not trust the test CA refuses the certificate"
OUT=$(printf 'GET /health HTTP/1.0\r\n\r\n' | openssl s_client -connect "127.0.0.1:$HPORT" -CAfile "$TMP/ca/ca.pem" -quiet 2>&1 | head -n 3)
expect_true "grep -q 'verify return:1' <<<\"\$OUT\" || grep -q '401' <<<\"\$OUT\"" \
  "openssl s_client: the chain verifies and an unauthenticated request is refused"

# A real Prometheus scrapes over HTTPS with basic_auth.
if command -v prometheus >/dev/null; then
  PPORT=$(free_port)
  mkdir -p "$TMP/prom"
  cat >"$TMP/prom/prometheus.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: mcpwatch
    scheme: https
    honor_labels: true
    tls_config: { ca_file: "$TMP/ca/ca.pem" }
    basic_auth: { username: prom, password: "correct horse" }
    static_configs: [ { targets: ["127.0.0.1:$HPORT"] } ]
EOF
  prometheus --config.file="$TMP/prom/prometheus.yml" --storage.tsdb.path="$TMP/prom/data" \
    --web.listen-address="127.0.0.1:$PPORT" >"$TMP/prom/log" 2>&1 &
  PROM=$!
  on_exit "kill $PROM 2>/dev/null"
  query() { curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1"; }
  wait_for "curl -sf -o /dev/null http://127.0.0.1:$PPORT/-/ready || ! kill -0 $PROM" 90
  wait_for "query 'mcpwatch_check_state{instance=\"disk\"}' | jq -e '.data.result[0].value[1] == \"0\"' >/dev/null 2>&1 || ! kill -0 $PROM" 90
  Q=$(query 'up{job="mcpwatch"} + on() mcpwatch_check_state{instance="disk"}')
  expect_true "jq -e '.data.result[0].value[1] == \"1\"' <<<'$Q' >/dev/null" \
    "Prometheus scraped over HTTPS with basic_auth: up is 1, disk's state 0"
  kill "$PROM"
  wait "$PROM" 2>/dev/null
elif [ "${MCPWATCH_REQUIRE_ALL:-0}" = 1 ]; then
  not_ok "prometheus is not installed (Debian: prometheus)"
fi
kill "$AGENT"
wait "$AGENT"
expect_true "[ $? = 0 ]" "the agent stops cleanly with TLS and credentials"

# ---- refused at start, in one line ---------------------------------------------------------
refused() {
  cat >"$TMP/bad.conf" <<EOF
state_dir = "$TMP/state3";
http: { listen = ["127.0.0.1:$HPORT"]; $1 };
checks: { disk: { check = "disk"; path = ["/"]; }; };
EOF
  OUT=$(timeout 10 "$MCPWATCH" agent --config "$TMP/bad.conf" 2>&1)
  RC=$?
  expect_true "[ $RC != 0 ] && [ $RC != 124 ] && grep -q -- '$2' <<<\"\$OUT\" && [ \$(grep -c . <<<\"\$OUT\") = 1 ]" "$3 ($OUT)"
}
printf 'prom:correct horse\n' >"$TMP/plain"
refused "basic_file = \"$TMP/plain\";" "is not a crypt(3) hash" "a plain password in basic_file: refused"
refused "basic_file = \"$TMP/missing\";" "cannot read $TMP/missing" "a missing basic_file: refused"
printf 'short\n' >"$TMP/short"
refused "token_file = \"$TMP/short\";" "shorter than 16" "a token of 5 characters: refused"
refused "token_file = \"$TMP/token\"; tls_cert = \"$TMP/ca/agent.key.none\"; tls_key = \"$TMP/ca/agent.key\";" \
  "tls_cert" "a missing certificate: refused"
refused "token_file = \"$TMP/token\"; tls_cert = \"$TMP/token\"; tls_key = \"$TMP/ca/agent.key\";" \
  "not a PEM file" "a certificate that is no PEM: refused"
refused "token_file = \"$TMP/token\"; tls_cert = \"$TMP/ca/ca.pem\"; tls_key = \"$TMP/ca/agent.key\";" \
  "cannot listen on 127.0.0.1:$HPORT: .*do not match" "a key that does not match the certificate: refused, GnuTLS's reason given"
finish
