#!/bin/bash
# SPDX-License-Identifier: MIT
# vault.sh - the vault check against fakevault.py, a local server that answers as Vault's
# documented API does (Vault is not packaged for Debian): every /v1/sys/health status code,
# clock skew, version, token lookup, TLS, and servers that misbehave.
. "$(dirname "$0")/lib.sh"

need_check vault
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs the fake Vault)"
command -v openssl >/dev/null || skip_all "openssl is not installed"

V=$TMP/vault
mkdir -p "$V"
# health CODE [JSON fields that replace the defaults]: the next /v1/sys/health answer.
health() {
  local code=$1 extra=${2:-}
  printf '%s\n{"initialized":true,"sealed":false,"standby":false,"performance_standby":false,"replication_performance_mode":"disabled","replication_dr_mode":"disabled","server_time_utc":@now,"version":"1.15.2","cluster_name":"vault-cluster-test","cluster_id":"3b9e0ea1"%s}\n' \
    "$code" "${extra:+,$extra}" >"$V/health"
}
lookup() { printf '200\n{"request_id":"1","data":{"ttl":%s,"expire_time":%s,"renewable":true,"policies":["monitoring"]}}\n' "$1" "$2" >"$V/lookup"; }

start_fakevault "$V" PORT
A=(vault -u "http://127.0.0.1:$PORT")

# ---- /v1/sys/health status codes -------------------------------------------------------------
health 200
mw "${A[@]}"
expect_rc 0 "200 active is OK"
expect_first "^VAULT OK - active, version 1.15.2, cluster vault-cluster-test" "version and cluster"
expect_out "clock_skew=[01]s;30;;0 time=" "skew and time as perfdata"
health 429 '"standby":true'
mw "${A[@]}"
expect_rc 1 "429 standby is WARNING"
expect_first "standby" "says standby"
mw "${A[@]}" --standby-ok
expect_rc 0 "429 standby with --standby-ok is OK"
health 473 '"standby":true,"performance_standby":true'
mw "${A[@]}"
expect_rc 1 "473 performance standby is WARNING"
expect_first "performance standby" "says performance standby"
mw "${A[@]}" --standby-ok
expect_rc 0 "473 with --standby-ok is OK"
health 472 '"replication_dr_mode":"secondary"'
mw "${A[@]}"
expect_rc 1 "472 DR secondary is WARNING"
mw "${A[@]}" --standby-ok
expect_rc 0 "472 with --standby-ok is OK"
health 474 '"standby":true'
mw "${A[@]}" --standby-ok
expect_rc 2 "474 standby that cannot reach the active node is CRITICAL, even with --standby-ok"
expect_first "cannot reach the active node" "says so"
health 501 '"initialized":false,"sealed":true'
mw "${A[@]}"
expect_rc 2 "501 not initialized is CRITICAL"
expect_first "not initialized" "says not initialized"
health 503 '"sealed":true'
mw "${A[@]}"
expect_rc 2 "503 sealed is CRITICAL"
expect_first "sealed" "says sealed"
expect_one_line "sealed: one line"
health 530
mw "${A[@]}"
expect_rc 2 "530 removed from the cluster is CRITICAL"
health 418
mw "${A[@]}"
expect_rc 3 "an undocumented code is UNKNOWN"
expect_first "unexpected HTTP 418" "says which"
printf '200\nthis is not JSON\n' >"$V/health"
mw "${A[@]}"
expect_rc 2 "200 with a body that is not JSON is CRITICAL"
expect_first "not Vault's health JSON" "says so"

# ---- version and clock ----------------------------------------------------------------------
health 200
mw "${A[@]}" --expect-version 1.15
expect_rc 0 "--expect-version 1.15 matches 1.15.2"
mw "${A[@]}" --expect-version 1.15.2
expect_rc 0 "--expect-version 1.15.2"
mw "${A[@]}" --expect-version 1.1
expect_rc 1 "--expect-version 1.1 does not match 1.15.2"
expect_first "version 1.15.2, expected 1.1" "says both"
health 200 '"server_time_utc":@now-120'
mw "${A[@]}"
expect_rc 1 "a clock 120 s behind is WARNING under the default 30s"
expect_first "clock skew 1[12][0-9] s" "says the skew"
expect_out "clock_skew=1[12][0-9]s;30;;0" "skew perfdata"
health 200 '"server_time_utc":@now+600'
mw "${A[@]}" --skew-critical 5m
expect_rc 2 "a clock 600 s ahead is CRITICAL over --skew-critical 5m"
mw "${A[@]}" --skew-warning 1h
expect_rc 0 "--skew-warning 1h tolerates it"

# ---- token TTL ------------------------------------------------------------------------------
health 200
printf 'hvs.monitoring-token\n' >"$V/token"
printf 'hvs.monitoring-token\n' >"$TMP/token"
chmod 600 "$TMP/token"
lookup 86400 '"2030-01-01T00:00:00Z"'
mw "${A[@]}" --token-file "$TMP/token" --token-ttl-warning 7d --token-ttl-critical 1h
expect_rc 1 "a token with a day left under --token-ttl-warning 7d is WARNING"
mw "${A[@]}" --token-file "$TMP/token" --token-ttl-warning 12h --token-ttl-critical 1h
expect_rc 0 "a token with a day left, -w 12h"
expect_out "token_ttl=86400s;43200:;3600:" "token TTL perfdata alerts below"
expect_true "grep -qx 'hvs.monitoring-token' '$V/tokens-seen'" "the token was sent as X-Vault-Token"
expect_no_out "hvs\\.monitoring" "the token is never printed"
lookup 1800 '"2030-01-01T00:00:00Z"'
mw "${A[@]}" --token-file "$TMP/token" --token-ttl-warning 12h --token-ttl-critical 1h
expect_rc 2 "half an hour left under -c 1h is CRITICAL"
expect_first "" "first line"
expect_out "token expires in 1800 s" "says when"
VAULT_TOKEN=hvs.monitoring-token mw "${A[@]}" --token-ttl-warning 1h
expect_rc 1 "VAULT_TOKEN from the environment; 1800 s under -w 1h"
lookup 0 null
VAULT_TOKEN=hvs.monitoring-token mw "${A[@]}" --token-ttl-critical 1h
expect_rc 0 "a token that never expires is OK"
expect_out "never expires" "says so"
VAULT_TOKEN=wrong mw "${A[@]}" --token-ttl-critical 1h
expect_rc 2 "a token Vault refuses is CRITICAL"
expect_out "HTTP 403: permission denied" "with Vault's reason"
health 503 '"sealed":true'
VAULT_TOKEN=hvs.monitoring-token mw "${A[@]}" --token-ttl-critical 1h
expect_rc 2 "sealed: the token is not looked up"
expect_out "not looked up" "says so"
mw "${A[@]}" --token-ttl-warning 1h
expect_one_error_line "need a token" "--token-ttl-* without a token is one UNKNOWN line"

# ---- environment, TLS ------------------------------------------------------------------------
health 200
VAULT_ADDR="http://127.0.0.1:$PORT/" mw vault
expect_rc 0 "VAULT_ADDR (trailing slash and all)"
make_ca "$TMP/pki" && make_cert "$TMP/pki" vault localhost "DNS:localhost,IP:127.0.0.1" \
  "$(cert_date '-1 hour')" "$(cert_date '+30 days')" || skip_all "openssl failed: $(tail -n 3 "$TMP/pki/openssl.log")"
start_fakevault "$V" TLS_PORT "$TMP/pki/vault.pem" "$TMP/pki/vault.key"
mw vault -u "https://localhost:$TLS_PORT"
expect_rc 2 "HTTPS with an unknown CA is CRITICAL"
expect_one_line "unknown CA: one line"
mw vault -u "https://localhost:$TLS_PORT" --ca-cert "$TMP/pki/ca.pem"
expect_rc 0 "HTTPS with --ca-cert"
VAULT_CACERT=$TMP/pki/ca.pem mw vault -u "https://localhost:$TLS_PORT"
expect_rc 0 "HTTPS with VAULT_CACERT"
mw vault -u "https://localhost:$TLS_PORT" -k
expect_first "not verified" "--insecure is said"

# ---- misbehaving servers ---------------------------------------------------------------------
mw vault -u "http://127.0.0.1:$(free_port)"
expect_rc 2 "connection refused is CRITICAL"
expect_one_line "refused: one line"
start_badserver silent
mw vault -u "http://127.0.0.1:$BAD_PORT" -t 1
expect_rc 2 "silent: CRITICAL at the timeout"
expect_within 2000 "silent: within -t + 1 s"
start_badserver slow $'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"initialized":'
mw vault -u "http://127.0.0.1:$BAD_PORT" -t 1
expect_rc 2 "one byte a second: CRITICAL"
expect_within 2000 "one byte a second: within -t + 1 s"
start_badserver huge $'HTTP/1.1 200 OK\r\n\r\n{"version":"'
mw vault -u "http://127.0.0.1:$BAD_PORT" -t 5
expect_rc 2 "an endless body: CRITICAL"
expect_first "larger than" "says so"
start_badserver close
mw vault -u "http://127.0.0.1:$BAD_PORT"
expect_rc 2 "closed mid-request: CRITICAL"
expect_one_line "closed: one line"
start_badserver garbage $'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{"i'
mw vault -u "http://127.0.0.1:$BAD_PORT"
expect_rc 2 "truncated JSON: CRITICAL"

# ---- options ---------------------------------------------------------------------------------
mw vault -u ftp://x
expect_one_error_line "http:// or https://" "a URL of another scheme"
mw vault -u "http://127.0.0.1:$PORT" --skew-warning nonsense
expect_one_error_line "" "a bad duration"

finish
