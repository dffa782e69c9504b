#!/bin/bash
# SPDX-License-Identifier: MIT
# The prometheus check against a real Prometheus (Debian's) scraping a static target the test
# serves, so the values are known: vectors judged series by series, scalars, strings, NaN and
# +Inf, an empty result, a --for window that is and is not held, the API's own errors; then
# servers that never answer, answer a byte a second, close mid-answer or send garbage.
. "$(dirname "$0")/lib.sh"
need_check prometheus
command -v prometheus >/dev/null || skip_all "prometheus is not installed (apt-get install prometheus)"

WWW=$TMP/www
mkdir -p "$WWW"
cat >"$WWW/metrics" <<'M'
# TYPE test_gauge gauge
test_gauge{job="api",instance="a"} 0.7
test_gauge{job="api",instance="b"} 0.2
test_gauge{job="db",instance="c"} 0.4
M
TPORT=$(free_port)
(cd "$WWW" && exec python3 -m http.server --bind 127.0.0.1 "$TPORT") >/dev/null 2>&1 &
TARGET=$!
on_exit "kill $TARGET"
PPORT=$(free_port)
cat >"$TMP/prometheus.yml" <<Y
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: static
    static_configs: [ { targets: [ "127.0.0.1:$TPORT" ] } ]
Y
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
  --web.listen-address="127.0.0.1:$PPORT" >"$TMP/prometheus.log" 2>&1 &
PROM=$!
on_exit "kill $PROM"
U=http://127.0.0.1:$PPORT
wait_for "curl -sf -o /dev/null $U/-/ready || ! kill -0 $PROM" 90
# the target scraped for 5 s at least: --for 3s below needs samples at every step
wait_for "[ \"\$(curl -s $U/api/v1/query --data-urlencode 'query=count_over_time(test_gauge{exported_instance=\"a\"}[10s])' | jq -r '.data.result[0].value[1] // 0')\" -ge 5 ] 2>/dev/null" 60
expect_true "kill -0 $PROM" "Prometheus $(prometheus --version 2>&1 | sed -n '1s/.*version \([^ ]*\).*/\1/p') runs and scraped the target"

mw prometheus -u "$U" -q test_gauge -w 0.5 -c 0.8 -l exported_job,exported_instance
expect_rc 1 "a vector: the worst of its three series decides (0.7 against -w 0.5 -c 0.8: WARNING)"
expect_first "^PROMETHEUS WARNING - 1 of 3 series WARNING, worst api,a = 0\.7 \| 'api,a'=0\.7;0\.5;0\.8 'api,b'=0\.2;0\.5;0\.8 'db,c'=0\.4;0\.5;0\.8 time=" \
  "a vector: every series as perfdata, named by --label-key"
expect_out "^\\\\_ \[OK\] db,c = 0\.4$" "a vector: each series in the long output"
mw prometheus -u "$U" -q 'test_gauge{exported_job="db"}' -c 0.3
expect_true "[ $RC = 2 ] && grep -q 'exported_instance=c,exported_job=db,instance=127.0.0.1:$TPORT,job=static = 0.4' <<<\"\$FIRST\"" \
  "by default a series is named by all its labels ($FIRST)"
mw prometheus -u "$U" -q 'scalar(sum(test_gauge))' -w 1 -c 2
expect_true "[ $RC = 1 ] && grep -q '^PROMETHEUS WARNING - scalar 1.3 ' <<<\"\$FIRST\"" "a scalar (1.3) judged"
mw prometheus -u "$U" -q '"a string"'
expect_true "[ $RC = 0 ] && grep -q '^PROMETHEUS OK - string \"a string\"' <<<\"\$FIRST\"" "a string: OK with its text"
mw prometheus -u "$U" -q 'vector(0) / 0' -c 1
expect_true "[ $RC = 3 ] && grep -q 'value = nan (not a number)' <<<\"\$FIRST\" && grep -q 'value=U;;1' <<<\"\$FIRST\"" "NaN: UNKNOWN, U in the perfdata"
mw prometheus -u "$U" -q 'vector(1) / 0' -c 5
expect_true "[ $RC = 2 ] && grep -q 'worst value = inf' <<<\"\$FIRST\"" "+Inf: judged, beyond every range"
mw prometheus -u "$U" -q 'no_such_metric'
expect_true "[ $RC = 3 ] && grep -q 'the query returned no series' <<<\"\$FIRST\"" "an empty result: UNKNOWN by default"
mw prometheus -u "$U" -q 'no_such_metric' --empty-state ok
expect_rc 0 "an empty result with --empty-state ok: OK"
mw prometheus -u "$U" -q 'sum(('
expect_true "[ $RC = 3 ] && grep -q 'HTTP 400: Prometheus: bad_data: .*parse error' <<<\"\$FIRST\"" "a query Prometheus cannot parse: UNKNOWN with its reason"
mw prometheus -u "$U/nothing-here" -q up
expect_true "[ $RC = 2 ] && grep -q '^PROMETHEUS CRITICAL - HTTP 404: ' <<<\"\$FIRST\"" "a wrong URL: CRITICAL, the 404 said"
mw prometheus -u "$U" -q 'up{job="static"}' -c 1:
expect_rc 0 "up of the target is 1"

# --for: every sample of the window must be in the range
mw prometheus -u "$U" -q test_gauge -c 0.5 --for 3s --step 1s -l exported_instance
expect_true "[ $RC = 2 ] && grep -qx '\\\\_ \[CRITICAL\] a = 0.7 (held)' <<<\"\$OUT\"" "--for 3s: 0.7 held above 0.5 at every step: CRITICAL"
mw prometheus -u "$U" -q test_gauge -c 0.5 --for 1h -l exported_instance
expect_true "[ $RC = 0 ] && grep -q 'not held: a gap in the window' <<<\"\$FIRST\"" "--for 1h: the series is younger than the window: not held, OK"
mw prometheus -u "$U" -q 'vector(time()) % 20' --for 1m --step 1s -c 10
expect_rc 0 "--for over values that cross the range: not every sample alerts, OK"
mw prometheus -u "$U" -q 'vector(time()) % 20' --for 1m --step 1s -c @0:100
expect_rc 2 "--for over values that are all inside @0:100: CRITICAL"

# ---- hostile servers -------------------------------------------------------------------------
start_badserver silent
mw prometheus -u "http://127.0.0.1:$BAD_PORT" -q up -t 2
expect_true "[ $RC = 2 ] && [ \$(wc -l <<<\"\$OUT\") = 1 ]" "a server that never answers: CRITICAL, one line ($FIRST)"
expect_within 3500 "a server that never answers: within the timeout"
start_badserver slow $'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"status":"success"'
mw prometheus -u "http://127.0.0.1:$BAD_PORT" -q up -t 2
expect_true "[ $RC = 2 ] && [ \$(wc -l <<<\"\$OUT\") = 1 ]" "a byte a second: CRITICAL at the timeout ($FIRST)"
start_badserver huge $'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"status":"success","data":{"resultType":"vector","result":['
mw prometheus -u "http://127.0.0.1:$BAD_PORT" -q up -t 5
expect_true "[ $RC = 2 ] && grep -qi 'larger\|too large\|limit' <<<\"\$FIRST\"" "an endless body: refused past the size cap ($FIRST)"
start_badserver die $'HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n{"status":"success","data":{"resultType":"vector","result":[]}}'
mw prometheus -u "http://127.0.0.1:$BAD_PORT" -q up -t 2
expect_true "[ $RC = 2 ] && [ \$(wc -l <<<\"\$OUT\") = 1 ]" "closed mid-answer: CRITICAL, one line ($FIRST)"
start_badserver garbage $'HTTP/1.1 200 OK\r\nContent-Length: 62\r\n\r\n{"status":"success","data":{"resultType":"matrix","result":7}}'
mw prometheus -u "http://127.0.0.1:$BAD_PORT" -q up -t 2
expect_true "[ $RC = 2 ] && grep -q \"HTTP 200: a result of type 'matrix' this check does not read\" <<<\"\$FIRST\"" "a result of the wrong shape: CRITICAL, named ($FIRST)"
mw prometheus -q up --step 5s
expect_true "[ $RC = 3 ] && grep -q 'step is only used with --for' <<<\"\$FIRST\"" "--step without --for: refused"
mw prometheus -u "$U" -q up --user u --token-env T
expect_true "[ $RC = 3 ] && grep -q 'exclude each other' <<<\"\$FIRST\"" "Basic and Bearer together: refused"

finish
