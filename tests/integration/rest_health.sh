#!/bin/bash
# SPDX-License-Identifier: MIT
# rest_health.sh - the rest-health check against a real nginx on 127.0.0.1 (plain HTTP, HTTPS
# with a generated CA, client certificates, expired and wrong-host certificates) and against
# servers that misbehave.
. "$(dirname "$0")/lib.sh"

need_check rest-health
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || skip_all "nginx is not installed (Debian: nginx-light)"
command -v openssl >/dev/null || skip_all "openssl is not installed"

# nginx workers run as nobody when the test runs as root: they must reach the files.
chmod 711 "$TMP"
NG=$TMP/nginx
mkdir -p "$NG/www" "$NG/tmp" "$NG/pki"
head -c 2000000 /dev/zero | tr '\0' 'a' >"$NG/www/big"
printf 'plain file\n' >"$NG/www/file.txt"
chmod -R a+rX "$NG"

make_ca "$NG/pki" || skip_all "openssl could not make a CA: $(tail -n 3 "$NG/pki/openssl.log")"
NOW=$(cert_date '-1 hour')
make_cert "$NG/pki" good localhost "DNS:localhost,IP:127.0.0.1" "$NOW" "$(cert_date '+60 days')" &&
  make_cert "$NG/pki" expired localhost "DNS:localhost" "$(cert_date '-30 days')" "$(cert_date '-1 day')" &&
  make_cert "$NG/pki" other other.example "DNS:other.example" "$NOW" "$(cert_date '+60 days')" &&
  make_cert "$NG/pki" client monitoring "DNS:monitoring" "$NOW" "$(cert_date '+60 days')" ||
  skip_all "openssl could not sign: $(tail -n 3 "$NG/pki/openssl.log")"
PKI=$NG/pki

HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
EXPIRED_PORT=$(free_port)
OTHER_PORT=$(free_port)
MTLS_PORT=$(free_port)
PROXY_PORT=$(free_port)
tls_server() { # PORT CERT [extra directives]
  printf '  server {\n    listen 127.0.0.1:%s ssl http2;\n    ssl_certificate %s/%s.pem;\n' "$1" "$PKI" "$2"
  printf '    ssl_certificate_key %s/%s.key;\n    %s\n' "$PKI" "$2" "${3:-}"
  printf '    location / { return 200 %s; }\n  }\n' "'{\"status\":\"ok\"}'"
}
cat >"$NG/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $NG/tmp/body;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    root $NG/www;
    location = /health { return 200 '{"status":"healthy","checks":{"db":{"status":"ok","latency_ms":12},"cache":"up"},"version":"1.4.2","uptime":3600.5,"ready":true,"items":[{"id":7},{"id":"x"}]}'; }
    location = /degraded { return 200 '{"status":"degraded","checks":{"db":"ok","cache":"degraded"}}'; }
    location = /unhealthy { return 503 '{"status":"unhealthy","checks":{"db":{"status":"down"},"cache":"up"}}'; }
    location = /spring { return 200 '{"status":"UP","components":{"db":{"status":"UP"},"diskSpace":{"status":"OUT_OF_SERVICE"}}}'; }
    location = /draft { return 200 '{"status":"pass","checks":{"db:responseTime":[{"status":"pass"},{"status":"warn"}]}}'; }
    location = /aggregator { return 200 '{"overall_status":"UNHEALTHY","services":{"db":"HEALTHY"}}'; }
    location = /agg-degraded { return 200 '{"overall_status":"DEGRADED","activeConnections":"7"}'; }
    location = /degraded503 { return 503 '{"status":"degraded","checks":{"db":"ok","cache":"degraded"}}'; }
    location = /prometheus { return 200 '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"mcp"},"value":[1733280000.123,"0.42"]}]}}'; }
    location = /teapot { return 418 'no'; }
    location = /error { return 500 'boom'; }
    location = /moved { return 302 /health; }
    location = /loop { return 302 /loop; }
    location = /text { default_type text/plain; return 200 'all systems go'; }
    location = /invalid { return 200 '{"status": '; }
    location = /auth {
      if (\$http_authorization != "Bearer s3cret token") { return 401 '{"error":"unauthorized"}'; }
      return 200 '{"status":"ok"}';
    }
    location = /method { default_type text/plain; return 200 'method=\$request_method'; }
    location = /header { default_type text/plain; return 200 'x-probe=\$http_x_probe'; }
  }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / { default_type text/plain; return 200 'via proxy for \$host'; }
  }
$(tls_server "$TLS_PORT" good)
$(tls_server "$EXPIRED_PORT" expired)
$(tls_server "$OTHER_PORT" other)
$(tls_server "$MTLS_PORT" good "ssl_verify_client on; ssl_client_certificate $PKI/ca.pem;")
}
CONF
"$NGINX" -p "$NG" -c "$NG/nginx.conf" -e "$NG/error.log" >"$NG/stdout.log" 2>&1 &
NGINX_PID=$!
on_exit "kill -QUIT $NGINX_PID; wait $NGINX_PID"
wait_for "http_answers $HTTP_PORT /file.txt 'plain file' || ! kill -0 $NGINX_PID" 20
kill -0 "$NGINX_PID" 2>/dev/null && http_answers "$HTTP_PORT" /file.txt 'plain file' ||
  skip_all "nginx did not start: $(tail -n 3 "$NG/error.log")"

U=http://127.0.0.1:$HTTP_PORT
H=(rest-health -u)

# ---- status codes ----------------------------------------------------------------------------
mw "${H[@]}" "$U/file.txt"
expect_rc 0 "2xx is OK"
expect_first "^REST-HEALTH OK - HTTP/1.1 200 in [0-9.]+ m?s, 11 B" "says code, time and size"
expect_out "\\| time=[0-9.]+s;;;0 size=11B;;;0 status=200;;;0" "perfdata time, size, status"
mw "${H[@]}" "$U/missing"
expect_rc 1 "4xx is WARNING"
expect_first "HTTP/1.1 404.*error status" "says the code"
mw "${H[@]}" "$U/error"
expect_rc 2 "5xx is CRITICAL"
mw "${H[@]}" "$U/missing" --expect 404
expect_rc 0 "--expect 404 makes 404 OK"
mw "${H[@]}" "$U/file.txt" --expect 201-299,404
expect_rc 2 "a code outside --expect is CRITICAL"
expect_first "unexpected status" "says it was unexpected"
mw "${H[@]}" "$U/teapot" -e 400-417 -e 418
expect_rc 0 "--expect given twice, ranges and codes"
mw "${H[@]}" "$U/moved"
expect_rc 0 "a redirect is followed by default"
expect_first "HTTP/1.1 200 .*after redirects" "says it followed"
mw "${H[@]}" "$U/moved" --onredirect warning
expect_rc 1 "--onredirect warning"
expect_first "HTTP/1.1 302" "reports the 302"
mw "${H[@]}" "$U/moved" --onredirect ok
expect_rc 0 "--onredirect ok"
mw "${H[@]}" "$U/loop"
expect_rc 2 "a redirect loop is CRITICAL"
expect_first "[Mm]aximum \\(5\\) redirects" "says so"
expect_one_line "redirect loop: one line"

# ---- methods, headers, tokens ------------------------------------------------------------------
mw "${H[@]}" "$U/method" --method POST --data '{}' -s method=POST
expect_rc 0 "--method POST with --data"
mw "${H[@]}" "$U/method" --data x -s method=POST
expect_rc 0 "--data alone is a POST"
mw "${H[@]}" "$U/method" --method HEAD
expect_rc 0 "HEAD"
expect_first " 0 B" "HEAD reads no body"
mw "${H[@]}" "$U/header" --header 'X-Probe: mcpwatch 1' -s 'x-probe=mcpwatch 1'
expect_rc 0 "--header is sent"
printf 's3cret token\n' >"$TMP/token"
mw "${H[@]}" "$U/auth"
expect_rc 1 "no token: 401 is WARNING"
mw "${H[@]}" "$U/auth" --token-file "$TMP/token"
expect_rc 0 "bearer token from --token-file"
MY_TOKEN='s3cret token' mw "${H[@]}" "$U/auth" --token-env MY_TOKEN
expect_rc 0 "bearer token from --token-env"
expect_no_out "s3cret" "the token is never printed"
mw "${H[@]}" "$U/auth" --token-env UNSET_TOKEN_VARIABLE
expect_rc 3 "--token-env naming an empty variable is UNKNOWN"

# ---- time ------------------------------------------------------------------------------------
mw "${H[@]}" "$U/file.txt" -w 0 -c 10
expect_rc 1 "-w 0 on the time is WARNING"
expect_first "slow" "says slow"
expect_out "time=[0-9.]+s;0;10;0" "time carries the ranges"
mw "${H[@]}" "$U/file.txt" -w 1ms -c 0ms
expect_rc 2 "-c 0ms is CRITICAL"
mw "${H[@]}" "$U/file.txt" --timings
expect_out "time_dns=[0-9.]+s;;;0 time_connect=[0-9.]+s;;;0 time_tls=0s;;;0 time_firstbyte=[0-9.]+s;;;0 time_transfer=[0-9.]+s;;;0" "--timings: one perfdata per phase"

# ---- body ------------------------------------------------------------------------------------
mw "${H[@]}" "$U/text" -s "systems go"
expect_rc 0 "--string found"
mw "${H[@]}" "$U/text" -s "systems down"
expect_rc 2 "--string missing is CRITICAL"
expect_first '"systems down" not found' "says what was missing"
mw "${H[@]}" "$U/text" -r '^all .* go$'
expect_rc 0 "--regex matches"
mw "${H[@]}" "$U/text" -r '^none'
expect_rc 2 "--regex without a match is CRITICAL"
mw "${H[@]}" "$U/text" -r '('
expect_one_error_line "--regex" "a broken --regex is one UNKNOWN line"

# ---- JSON paths ------------------------------------------------------------------------------
mw "${H[@]}" "$U/health" --json-path status --json-equals healthy
expect_rc 0 "--json-path status --json-equals healthy"
mw "${H[@]}" "$U/health" --json-path status --json-equals sick
expect_rc 2 "an unequal value is CRITICAL"
expect_first "status is healthy, expected sick" "says what it found"
mw "${H[@]}" "$U/health" --json-path checks.db.latency_ms -w 100 -c 500
expect_rc 0 "a number under -w/-c"
expect_out "checks.db.latency_ms=12;100;500" "the number as perfdata with its ranges"
expect_no_out "time=[0-9.]+s;100" "-w/-c did not judge the time"
mw "${H[@]}" "$U/health" --json-path checks.db.latency_ms -w 10 -c 500
expect_rc 1 "a number over -w is WARNING"
mw "${H[@]}" "$U/health" --json-path checks.db.latency_ms -w 5 -c 10
expect_rc 2 "a number over -c is CRITICAL"
mw "${H[@]}" "$U/health" --json-path 'checks.db.latency_ms;100;500' --json-path 'uptime;60:' \
  --json-path version=1.4.2 --json-path ready=true --json-path 'items[0].id=7' --json-path items.1.id=x
expect_rc 0 "several paths: ranges, strings, booleans, array elements"
expect_out "uptime=3600.5;60: 'items\\[0\\].id'=7" "a real number with an alert-below range"
mw "${H[@]}" "$U/health" --json-path 'checks.db.latency_ms;5' --json-path version=1.4.2
expect_rc 1 "several paths: the worst decides"
mw "${H[@]}" "$U/health" --json-path checks.queue.depth
expect_rc 2 "a missing path is CRITICAL"
expect_first 'no "queue"' "says which key is missing"
mw "${H[@]}" "$U/health" --json-path 'version;10'
expect_rc 2 "a range on text is CRITICAL"
expect_first "not a number" "says why"
mw "${H[@]}" "$U/health" --json-path 'items[5].id'
expect_rc 2 "an index past the end is CRITICAL"
mw "${H[@]}" "$U/invalid" --json-path status
expect_rc 2 "invalid JSON with a --json-path is CRITICAL"
expect_first "not JSON" "says so"
mw "${H[@]}" "$U/health" --json-path 'a..b'
expect_one_error_line "empty key" "a bad path is one UNKNOWN line"
mw "${H[@]}" "$U/health" --json-path a --json-path b --json-equals x
expect_one_error_line "exactly one" "--json-equals with several paths is refused"

# ---- health documents ------------------------------------------------------------------------
mw "${H[@]}" "$U/health"
expect_rc 0 "a healthy document"
expect_out "^\\\\_ \\[OK\\] db: ok" "one line per component"
mw "${H[@]}" "$U/degraded"
expect_rc 1 "a degraded document is WARNING"
expect_first "status degraded \\(cache degraded\\)" "names the component"
mw "${H[@]}" "$U/unhealthy"
expect_rc 2 "unhealthy (and 503) is CRITICAL"
expect_first "status unhealthy \\(db down\\)" "names the failing component only"
mw "${H[@]}" "$U/spring"
expect_rc 2 "Spring Boot components: OUT_OF_SERVICE is CRITICAL"
expect_out "diskSpace: OUT_OF_SERVICE" "Spring Boot component listed"
mw "${H[@]}" "$U/draft"
expect_rc 1 "draft health+json: the worst of a component's array"
mw "${H[@]}" "$U/aggregator"
expect_rc 2 "overall_status UNHEALTHY, upper case, is CRITICAL by default"
expect_first "status UNHEALTHY" "says the status"
mw "${H[@]}" "$U/agg-degraded" --json-path overall_status --state-map HEALTHY=ok,DEGRADED=warning,UNHEALTHY=critical
expect_rc 1 "--state-map: DEGRADED=warning is WARNING"
mw "${H[@]}" "$U/aggregator" --json-path overall_status --state-map healthy=ok,degraded=warning
expect_rc 3 "--state-map: a value not listed is UNKNOWN"
expect_first "does not list" "--state-map: says the value is not listed"
mw "${H[@]}" "$U/aggregator" --json-path overall_status --state-map 'HEALTHY=ok,*=warning'
expect_rc 1 "--state-map: *=warning for values not listed"
mw "${H[@]}" "$U/aggregator" --json-path overall_status --state-map HEALTHY=fine
expect_one_error_line "--state-map HEALTHY=fine" "--state-map with a bad state is refused"
mw "${H[@]}" "$U/agg-degraded" --json-path activeConnections -w 5 -c 10 --health-doc off
expect_rc 1 "a number sent as a JSON string is judged as a number"
expect_out "activeConnections=7;5;10" "and carried as perfdata"
mw "${H[@]}" "$U/prometheus"
expect_rc 0 "Prometheus's {\"status\": \"success\"} is not a failed health document"
mw "${H[@]}" "$U/prometheus" --json-path 'data.result[0].value[1];0.3;1'
expect_rc 1 "a Prometheus sample (a string) is judged as a number"
mw "${H[@]}" "$U/degraded503"
expect_rc 1 "a degraded health document served with 503 is WARNING: the document decides"
expect_first "HTTP/1.1 503" "the code is shown"
mw "${H[@]}" "$U/degraded503" -e 200
expect_rc 2 "with --expect the code still counts"
mw "${H[@]}" "$U/degraded" --health-doc off
expect_rc 0 "--health-doc off ignores it"
mw "${H[@]}" "$U/text" --health-doc on
expect_rc 2 "--health-doc on: a body that is not one is CRITICAL"

# ---- HTTPS -----------------------------------------------------------------------------------
mw "${H[@]}" "https://localhost:$TLS_PORT/" --ca-cert "$PKI/ca.pem"
expect_rc 0 "HTTPS verified against --ca-cert"
expect_first "HTTP/2 200" "HTTP/2 negotiated by default over TLS"
mw "${H[@]}" "https://localhost:$TLS_PORT/" --ca-cert "$PKI/ca.pem" --http-version 1.1
expect_first "HTTP/1.1 200" "--http-version 1.1"
mw "${H[@]}" "$U/file.txt" --http-version 2
expect_rc 0 "--http-version 2 on plain HTTP (nginx declines the upgrade)"
mw "${H[@]}" "https://localhost:$TLS_PORT/"
expect_rc 2 "an unknown CA is CRITICAL"
expect_first "certificate" "says it is the certificate"
expect_one_line "unknown CA: one line"
mw "${H[@]}" "https://localhost:$TLS_PORT/" -k
expect_rc 0 "--insecure"
expect_first "not verified: --insecure" "--insecure is said in the output"
mw "${H[@]}" "https://localhost:$EXPIRED_PORT/" --ca-cert "$PKI/ca.pem"
expect_rc 2 "an expired certificate is CRITICAL"
expect_first "expired" "says expired"
mw "${H[@]}" "https://localhost:$OTHER_PORT/" --ca-cert "$PKI/ca.pem"
expect_rc 2 "a certificate for another host is CRITICAL"
expect_first "localhost" "names the host"
mw "${H[@]}" "https://other.example:$OTHER_PORT/" --ca-cert "$PKI/ca.pem" \
  --resolve "other.example:$OTHER_PORT:127.0.0.1"
expect_rc 0 "--resolve pins the name to 127.0.0.1 and verifies it"
mw "${H[@]}" "https://localhost:$MTLS_PORT/" --ca-cert "$PKI/ca.pem"
expect_rc 1 "mutual TLS without a client certificate: nginx answers 400"
mw "${H[@]}" "https://localhost:$MTLS_PORT/" --ca-cert "$PKI/ca.pem" \
  --client-cert "$PKI/client.pem" --client-key "$PKI/client.key"
expect_rc 0 "mutual TLS with --client-cert and --client-key"
mw "${H[@]}" "https://localhost:$TLS_PORT/" --ca-cert "$PKI/ca.pem" --timings
expect_out "time_tls=[0-9.]+s" "--timings over TLS"

# ---- proxies and kept connections ------------------------------------------------------------
http_proxy=http://127.0.0.1:$PROXY_PORT mw "${H[@]}" "http://service.invalid/health" -s "via proxy for service.invalid"
expect_rc 0 "http_proxy from the environment is used"
http_proxy=http://127.0.0.1:$PROXY_PORT no_proxy=127.0.0.1 mw "${H[@]}" "$U/file.txt" -s "plain file"
expect_rc 0 "no_proxy is honoured"
# httpreuse holds one client for several requests, as the agent and collectd will.
OUT=$("$TEST_BIN/httpreuse" "$U/file.txt" 3 2>&1)
expect_true "[ \"\$OUT\" = \$'200 new\\n200 reused\\n200 reused' ]" "one client keeps its connection between requests"
OUT=$("$TEST_BIN/httpreuse" "https://localhost:$TLS_PORT/" 2 "$PKI/ca.pem" 2>&1)
expect_true "[ \"\$OUT\" = \$'200 new\\n200 reused' ]" "and its TLS connection"
# 50 clients taking turns, as the agent's instances do: each keeps its own connection, and the
# process holds one descriptor per client (libcurl 7.88's easy interface held three: the
# connection and its hidden multi handle's wake-up socket pair).
OUT=$(HTTPREUSE_CLIENTS=50 "$TEST_BIN/httpreuse" "$U/file.txt" 3 2>&1)
HELD=$(sed -n 's/.* \([0-9]*\) descriptors held$/\1/p' <<<"$OUT")
expect_true "grep -q '^clients 50: 100 of 150 requests reused' <<<\"\$OUT\" && [ \"$HELD\" -le 54 ]" \
  "50 clients: each keeps its connection, about one descriptor each ($(tail -n 1 <<<"$OUT"))"

# ---- misbehaving servers ---------------------------------------------------------------------
mw "${H[@]}" "$U/big"
expect_rc 2 "a body over --max-size is CRITICAL"
expect_first "larger than 1048576 bytes" "says so"
mw "${H[@]}" "$U/big" --max-size 3000000
expect_rc 0 "--max-size raises the cap"
mw "${H[@]}" "$U/file.txt" --max-size 5
expect_rc 2 "--max-size 5 on an 11-byte file"
mw "${H[@]}" "http://127.0.0.1:$(free_port)/"
expect_rc 2 "connection refused is CRITICAL"
expect_one_line "refused: one line"
mw "${H[@]}" "http://no-such-host.invalid/" -t 5
expect_rc 2 "DNS failure is CRITICAL"
expect_first "[Rr]esolv" "says it could not resolve"
start_badserver silent
mw "${H[@]}" "http://127.0.0.1:$BAD_PORT/" -t 1
expect_rc 2 "silent server: CRITICAL at the timeout"
expect_within 2000 "silent: within -t + 1 s"
expect_first "timed out" "silent: says so"
mw "${H[@]}" "http://127.0.0.1:$BAD_PORT/" -t 1 --timeout-state unknown
expect_rc 3 "--timeout-state unknown"
start_badserver slow $'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'
mw "${H[@]}" "http://127.0.0.1:$BAD_PORT/" -t 2
expect_rc 2 "one byte a second: CRITICAL"
expect_within 3000 "one byte a second: within -t + 1 s"
start_badserver close
mw "${H[@]}" "http://127.0.0.1:$BAD_PORT/"
expect_rc 2 "closed mid-request: CRITICAL"
expect_one_line "closed: one line"
start_badserver garbage
mw "${H[@]}" "http://127.0.0.1:$BAD_PORT/" -t 2
expect_rc 2 "garbage instead of HTTP: CRITICAL"
expect_one_line "garbage: one line"
start_badserver huge $'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"status":"'
mw "${H[@]}" "http://127.0.0.1:$BAD_PORT/" -t 5
expect_rc 2 "an endless body: CRITICAL at the cap"
expect_first "larger than" "endless body: says so"
start_badserver big $'HTTP/1.1 200 OK\r\nX-Big: '
mw "${H[@]}" "http://127.0.0.1:$BAD_PORT/" -t 5
expect_rc 2 "a response header of megabytes: CRITICAL"
expect_first "a response header is larger than libcurl's 100 KiB limit" "says so (not 'Out of memory')"
start_badserver garbage $'HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{"status":"ok'
mw "${H[@]}" "http://127.0.0.1:$BAD_PORT/" -t 1
expect_rc 2 "a body cut short then silence: the timeout"

# ---- options ---------------------------------------------------------------------------------
mw rest-health
expect_one_error_line "--url is required" "no --url"
mw rest-health -u ftp://127.0.0.1/
expect_one_error_line "http:// or https://" "a URL of another scheme"
mw rest-health -u "$U/" --expect 99
expect_one_error_line "--expect 99" "a bad --expect"
mw rest-health -u "$U/" --header 'no colon'
expect_one_error_line "Name: value" "a bad --header"
mw rest-health -u "$U/" --resolve localhost:80
expect_one_error_line "HOST:PORT:ADDRESS" "a bad --resolve"
mw rest-health -u "$U/" -w 10%
expect_one_error_line "" "a range with a unit the check does not know"
mw rest-health -u "$U/" --token-file "$TMP/token" --token-env X
expect_one_error_line "give one" "two token sources"
mw rest-health -u "$U/auth" --token-file "$TMP/missing"
expect_rc 3 "an unreadable token file is UNKNOWN"

finish
