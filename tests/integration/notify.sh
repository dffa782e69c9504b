#!/bin/bash
# SPDX-License-Identifier: MIT
# notify.sh - forwarding: `mcpwatch notify`, `mcpwatch flush` and `mcpwatch run --notify` against
# fakereceiver.py, a local server that answers as PagerDuty Events v2, Statuspage, Cachet and a
# webhook receiver do (none can be installed locally), including their error codes.
. "$(dirname "$0")/lib.sh"

[ -f "$MCPWATCH_NOTIFIER_DIR/pagerduty.so" ] || skip_all "the notifiers were not built"
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs the fake receivers)"
command -v jq >/dev/null || skip_all "jq is not installed"

SPOOL=$TMP/spool
stop_receiver() { kill "$RECEIVER_PID" && wait "$RECEIVER_PID" 2>/dev/null; }
mode() { echo "$1" >"$R/mode"; }
# received [JQ FILTER]: the accepted requests (2xx), as JSON lines, through the filter.
received() { [ -f "$R/requests.jsonl" ] && jq -c "select(.code >= 200 and .code < 300) | ${1:-.}" "$R/requests.jsonl"; }
count_received() { received | wc -l; }
forget() { rm -f "$R/requests.jsonl"; }

start_receiver
BASE="http://127.0.0.1:$RECEIVER_PORT"
KEY=0123456789abcdef0123456789abcdef
echo "$KEY" >"$TMP/pd.key"
PD=(notify pagerduty --spool-dir "$SPOOL" --url "$BASE/v2/enqueue" --routing-key-file "$TMP/pd.key")

# ---- command line --------------------------------------------------------------------------
mw notify
expect_one_error_line "^NOTIFY UNKNOWN - which notifier" "notify without a notifier: one line"
mw notify nosuch
expect_one_error_line "^NOTIFY UNKNOWN - unknown notifier 'nosuch'" "unknown notifier: one line"
mw notify --help
expect_rc 0 "notify --help exits 0"
expect_out "installed in .*: email icinga2 pagerduty statuspage webhook" "it names the installed notifiers"
mw notify pagerduty --help
expect_rc 0 "notify pagerduty --help exits 0"
expect_out "--routing-key-file=FILE" "help lists the routing key file"
expect_no_out "--routing-key[ =]" "no option takes the key itself"
mw "${PD[@]}" -H web1 --service api
expect_one_error_line "^NOTIFY UNKNOWN - no state" "no state: one line"
mw "${PD[@]}" -H web1 --service api --state purple
expect_one_error_line "is not OK, WARNING" "bad state: one line"
mw notify pagerduty --spool-dir "$SPOOL" --url "$BASE/v2/enqueue" -H web1 --service api --state CRITICAL
expect_one_error_line "routing-key-file is required" "no routing key: one line"
mw notify webhook --spool-dir "$SPOOL" --url "$BASE/hook" --format html -H h --state OK
expect_one_error_line "^NOTIFY UNKNOWN - " "bad --format: one line"

# ---- PagerDuty: the exact JSON, trigger then resolve ---------------------------------------
forget
mw "${PD[@]}" -H web1 --service api --check rest-health --state CRITICAL -o "HTTP 503 in 0.2s" \
  --long-output $'db: down\ncache: ok' --perfdata "time=0.2s;1;2" --previous-state OK --client-url https://mon.example/
expect_rc 0 "trigger delivered: exit 0"
expect_first "^NOTIFY OK - evt_[0-9a-f]{32} \(api CRITICAL\) delivered to pagerduty-" "says delivered"
BODY=$(received '.body | fromjson')
expect_true "[ \"\$(jq -r '.payload.timestamp' <<<\"\$BODY\" | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$')\" = 1 ]" "timestamp is ISO 8601 UTC"
EXPECTED='{"client":"mcpwatch","client_url":"https://mon.example/","dedup_key":"mcpwatch/web1/api","event_action":"trigger","payload":{"class":"rest-health","component":"api","custom_details":{"long_output":"db: down\ncache: ok","notification_type":"PROBLEM","origin":"cli","output":"HTTP 503 in 0.2s","perfdata":"time=0.2s;1;2","previous_state":"OK","state":"CRITICAL"},"severity":"critical","source":"web1","summary":"web1/api CRITICAL: HTTP 503 in 0.2s"},"routing_key":"0123456789abcdef0123456789abcdef"}'
GOT=$(jq -cS 'del(.payload.timestamp) | del(.payload.custom_details.event_id)' <<<"$BODY")
if [ "$GOT" = "$(jq -cS . <<<"$EXPECTED")" ]; then ok "trigger JSON is exactly the documented event"; else not_ok "trigger JSON: $GOT"; fi
expect_true "[ \"\$(jq -r '.payload.custom_details.event_id' <<<\"\$BODY\")\" = \"\$(grep -oE 'evt_[0-9a-f]{32}' <<<\"\$OUT\")\" ]" "custom_details carries the event id"
mw "${PD[@]}" -H web1 --service api --state OK -o "HTTP 200 in 0.1s"
expect_rc 0 "resolve delivered"
GOT=$(received '.body | fromjson | [.event_action, .dedup_key] | join(" ")' | tail -n 1)
expect_true "[ '$GOT' = '\"resolve mcpwatch/web1/api\"' ]" "resolve carries the trigger's dedup_key"
mw "${PD[@]}" -H web1 --service api --state CRITICAL --type ACKNOWLEDGEMENT
GOT=$(received '.body | fromjson | .event_action' | tail -n 1)
expect_true "[ '$GOT' = '\"acknowledge\"' ]" "an acknowledgement acknowledges"
N=$(count_received)
mw "${PD[@]}" -H web1 --service api --state CRITICAL --type FLAPPINGSTART
expect_rc 0 "a flapping notice is done with"
expect_true "[ $(count_received) = $N ]" "and sends nothing to PagerDuty"

# A summary longer than PagerDuty's 1024 characters is cut, multi-byte characters intact.
forget
LONG=$(printf 'é%.0s' {1..1500})
mw "${PD[@]}" -H web1 --service long --state WARNING -o "$LONG"
expect_rc 0 "a 3000-byte output is accepted (summary cut)"
LEN=$(received '.body | fromjson | .payload.summary | utf8bytelength' | tail -n 1)
expect_true "[ $LEN -le 1024 ] && [ $LEN -ge 1000 ]" "summary cut to at most 1024 bytes ($LEN)"
expect_true "received '.body | fromjson | .payload.custom_details.output' | tail -n 1 | grep -q 'ééé\"$'" "full output kept in custom_details"

# Nagios notification command: everything from the environment macros.
forget
OUT=$(NAGIOS_HOSTNAME=db1 NAGIOS_SERVICEDESC=pg NAGIOS_SERVICESTATE=WARNING NAGIOS_SERVICEOUTPUT="5 of 10 connections" \
  NAGIOS_SERVICEPERFDATA="conn=5;4;8" NAGIOS_NOTIFICATIONTYPE=PROBLEM NAGIOS_LASTSERVICESTATE=OK "$MCPWATCH" "${PD[@]}" 2>&1)
RC=$?
expect_rc 0 "from Nagios environment macros"
GOT=$(received '.body | fromjson | [.payload.source, .payload.component, .payload.severity, .payload.summary, .payload.custom_details.origin] | join("|")')
expect_true "[ '$GOT' = '\"db1|pg|warning|db1/pg WARNING: 5 of 10 connections|nagios\"' ]" "Nagios macros become the event ($GOT)"
forget
OUT=$(NAGIOS_HOSTNAME=db1 NAGIOS_HOSTSTATE=DOWN NAGIOS_HOSTOUTPUT="PING CRITICAL - 100% loss" NAGIOS_NOTIFICATIONTYPE=PROBLEM \
  "$MCPWATCH" "${PD[@]}" 2>&1)
RC=$?
expect_rc 0 "a host notification"
GOT=$(received '.body | fromjson | [.dedup_key, .payload.severity, .payload.summary] | join("|")')
expect_true "[ '$GOT' = '\"mcpwatch/db1/|critical|db1 CRITICAL: PING CRITICAL - 100% loss\"' ]" "host DOWN triggers critical ($GOT)"

# ---- errors: 400 to the dead letters, 429 with Retry-After, 5xx retried ---------------------
forget
mode 400
mw "${PD[@]}" -H web1 --service bad --state CRITICAL -o x
expect_rc 2 "400: exit 2"
expect_first "refused by pagerduty-[0-9a-f]+ for good; kept in .*/dead" "says refused for good"
DEST=$(grep -oE 'pagerduty-[0-9a-f]{8}' <<<"$OUT" | head -n 1)
expect_true "grep -q 'HTTP 400' '$SPOOL/$DEST'/dead/*.reason && grep -q '^service bad$' '$SPOOL/$DEST'/dead/*.event" "the event and its reason are in dead/"
expect_true "grep -q 'rejected, moved to' <<<\"\$ERR\"" "the refusal is logged on stderr"
mode "1:429"
forget
mw "${PD[@]}" -H web1 --service throttled --state WARNING -o x
expect_rc 0 "429 then 202: delivered"
expect_true "[ $ELAPSED_MS -ge 900 ]" "Retry-After: 1 was honoured (${ELAPSED_MS} ms)"
expect_true "[ \$(jq -r 'select(.code == 429) | .path' '$R/requests.jsonl' | wc -l) = 1 ]" "one 429 answered"
mode "2:500"
forget
mw "${PD[@]}" -H web1 --service flaky --state CRITICAL -o x
expect_rc 0 "500, 500, then 202: delivered"
KEYS=$(jq -r '.body | fromjson | .dedup_key' "$R/requests.jsonl" | sort -u)
expect_true "[ \$(jq -c . '$R/requests.jsonl' | wc -l) = 3 ] && [ '$KEYS' = 'mcpwatch/web1/flaky' ]" "three attempts, one dedup_key"
expect_true "[ $(count_received) = 1 ]" "accepted once"

# ---- hostile receivers: every attempt bounded by --timeout, the event kept, one line ----------
HOSTILE=(notify pagerduty --spool-dir "$TMP/hostile" --routing-key-file "$TMP/pd.key" -H web1 --service h --state CRITICAL --timeout 1 --wait 1.5)
for m in silent close garbage slow huge; do
  case $m in
  slow) start_badserver slow "HTTP/1.1 202 Accepted"$'\r\n'"Content-Length: 2"$'\r\n\r\n'"{}" ;;
  huge) start_badserver huge "HTTP/1.1 202 Accepted"$'\r\n\r\n' ;;
  *) start_badserver "$m" ;;
  esac
  mw "${HOSTILE[@]}" --url "http://127.0.0.1:$BAD_PORT/v2/enqueue" --destination "h-$m"
  expect_true "[ $RC = 1 ] && [ \$(printf '%s\n' \"\$OUT\" | wc -l) = 1 ]" "receiver $m: exit 1, one line (queued)"
  expect_within 3500 "receiver $m: within --wait plus one attempt"
  expect_true "[ \$(ls '$TMP/hostile/h-$m' | grep -c '\\.event$') = 1 ]" "receiver $m: the event is kept"
done
mode hang
mw "${HOSTILE[@]}" --url "$BASE/v2/enqueue" --destination h-hang
expect_true "[ $RC = 1 ]" "a receiver that hangs: queued"
expect_within 3500 "a receiver that hangs: bounded"
expect_true "grep -q 'no answer before the timeout' <<<\"\$ERR\"" "the timeout is logged"
mode ok

# ---- receiver down, then up: every event, in order, once ------------------------------------
forget
mode ok
stop_receiver
for i in 1 2 3 4 5; do
  mw "${PD[@]}" -H web1 --service "order$i" --state CRITICAL -o "event $i" --wait 0.3
  [ "$RC" = 1 ] || not_ok "event $i while down: exit 1 (queued)"
done
expect_first "^NOTIFY WARNING - evt_[0-9a-f]{32} queued in .*; 'mcpwatch flush' delivers it" "queued while the receiver is down"
expect_true "[ \$(ls '$SPOOL/$DEST' | grep -c '\\.event$') = 5 ]" "five events in the spool"
start_receiver
mw flush --spool-dir "$SPOOL" --now
expect_rc 0 "flush: nothing left"
expect_out "^$DEST: 5 delivered, 0 refused, 0 pending" "flush says 5 delivered"
GOT=$(received '.body | fromjson | .payload.component' | tr -d '"' | tr '\n' ' ')
expect_true "[ '$GOT' = 'order1 order2 order3 order4 order5 ' ]" "in order, once each ($GOT)"
mw flush --spool-dir "$SPOOL"
expect_out "0 delivered, 0 refused, 0 pending" "a second flush has nothing to do"

# ---- kill -9 between spool write and delivery -----------------------------------------------
forget
mode hang
"$MCPWATCH" "${PD[@]}" -H web1 --service killed --state CRITICAL -o "before the crash" --wait 30 >/dev/null 2>&1 &
SENDER=$!
wait_for "[ -f '$R/requests.jsonl' ]" 20
expect_true "! tr '\\0' ' ' </proc/$SENDER/cmdline | grep -q '$KEY'" "the routing key is not in the sender's command line"
kill -9 "$SENDER"
wait "$SENDER" 2>/dev/null
expect_true "[ \$(ls '$SPOOL/$DEST' | grep -c '\\.event$') = 1 ]" "the killed sender's event is still in the spool"
mode ok
mw flush --spool-dir "$SPOOL" --now
expect_out "1 delivered" "flush delivers it"
expect_true "[ \$(received '.body | fromjson | .payload.component' | grep -c killed) = 1 ]" "delivered once, nothing lost"

# ---- a damaged event file: set aside with its reason, the queue goes on ----------------------
forget
head -c 3000 /dev/urandom >"$SPOOL/$DEST/E00000000000000000001-0000000001-000001.event"
printf 'mcpwatch-event 1\nstate OK\n' >"$SPOOL/$DEST/E00000000000000000002-0000000001-000001.event"
mw "${PD[@]}" -H web1 --service after-damage --state WARNING -o x
expect_rc 0 "an event behind two damaged files is delivered"
expect_true "grep -q 'not an mcpwatch event file' '$SPOOL/$DEST/dead/E00000000000000000001-0000000001-000001.event.reason' && grep -q 'lacks its id' '$SPOOL/$DEST/dead/E00000000000000000002-0000000001-000001.event.reason'" "the damaged files are in dead/ with their reasons"
expect_true "[ $(count_received) = 1 ]" "and nothing was sent for them"

# ---- 50 concurrent notifications ------------------------------------------------------------
forget
PIDS=()
for i in $(seq 1 50); do
  "$MCPWATCH" "${PD[@]}" -H web1 --service "c$i" --state CRITICAL -o "concurrent $i" --wait 20 >"$TMP/c$i.out" 2>&1 &
  PIDS+=($!)
done
FAILED=0
for p in "${PIDS[@]}"; do wait "$p" || FAILED=$((FAILED + 1)); done
expect_true "[ $FAILED = 0 ]" "50 concurrent notify runs all report delivered ($FAILED did not)"
mw flush --spool-dir "$SPOOL"
expect_true "[ \$(received '.body | fromjson | .payload.component' | sort -u | wc -l) = 50 ] && [ $(count_received) = 50 ]" "50 events received, each once"

# ---- spool bound -----------------------------------------------------------------------------
stop_receiver
mw "${PD[@]}" -H web1 --service full1 --state CRITICAL --wait 0.2 --spool-max 2
mw "${PD[@]}" -H web1 --service full2 --state CRITICAL --wait 0.2 --spool-max 2
mw "${PD[@]}" -H web1 --service full3 --state CRITICAL --wait 0.2 --spool-max 2
expect_rc 3 "a full spool refuses the event: exit 3"
expect_first "^NOTIFY UNKNOWN - spool full: 2 events wait in .*NOT queued" "and says so"
expect_true "grep -q 'spool full' <<<\"\$ERR\"" "loudly, on stderr too"
expect_true "[ \$(ls '$SPOOL/$DEST' | grep -c '\\.event$') = 2 ]" "what was queued is kept"
start_receiver
forget
mw flush --spool-dir "$SPOOL"
expect_out "2 delivered" "the kept events are delivered"

# ---- webhook: Standard Webhooks signature, same id across retries, slack, 410 ---------------
echo "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" >"$TMP/wh.secret"
WH=(notify webhook --spool-dir "$SPOOL" --url "$BASE/hook" --secret-file "$TMP/wh.secret")
forget
mode "2:503"
mw "${WH[@]}" -H web1 --service api --check mcp-tools --state CRITICAL -o "tools/list failed" --perfdata "tools=0"
expect_rc 0 "webhook delivered after two 503s"
IDS=$(jq -r '.headers["webhook-id"]' "$R/requests.jsonl" | sort -u)
expect_true "[ \$(jq -c . '$R/requests.jsonl' | wc -l) = 3 ] && [ \$(wc -l <<<'$IDS') = 1 ] && grep -qE '^evt_[0-9a-f]{32}$' <<<'$IDS'" "three attempts, one webhook-id"
VERIFY='
import base64, hashlib, hmac, json, sys
secret = base64.b64decode(open(sys.argv[1]).read().strip()[len("whsec_"):])
bad = 0
for line in open(sys.argv[2]):
    r = json.loads(line)
    h = {k.lower(): v for k, v in r["headers"].items()}
    content = (h["webhook-id"] + "." + h["webhook-timestamp"] + "." + r["body"]).encode()
    sig = "v1," + base64.b64encode(hmac.new(secret, content, hashlib.sha256).digest()).decode()
    bad += sig not in h["webhook-signature"].split(" ")
print(bad)'
expect_true "[ \$(python3 -c '$VERIFY' '$TMP/wh.secret' '$R/requests.jsonl') = 0 ]" "every signature verifies"
BODY=$(received '.body | fromjson')
GOT=$(jq -c '[.version, .status, .receiver, .groupKey, .alerts[0].labels.alertname, .alerts[0].labels.check, .alerts[0].labels.severity, .alerts[0].annotations.summary, .alerts[0].annotations.perfdata, .alerts[0].fingerprint, .mcpwatch.state]' <<<"$BODY")
expect_true "[ '$GOT' = '[\"1\",\"firing\",\"mcpwatch\",\"mcpwatch/web1/api\",\"api\",\"mcp-tools\",\"critical\",\"tools/list failed\",\"tools=0\",\"mcpwatch/web1/api\",\"CRITICAL\"]' ]" "webhook JSON follows the schema ($GOT)"
forget
echo "$BASE/hook" >"$TMP/slack.url"
mw notify webhook --spool-dir "$SPOOL" --url-file "$TMP/slack.url" --format slack -H web1 --service api --state OK -o "all good"
expect_rc 0 "slack format delivered (URL from a file)"
SLACK_DEST=$(grep -oE 'webhook-[0-9a-f]{8}' <<<"$OUT")
expect_true "grep -q '^url-file=' '$SPOOL/$SLACK_DEST/destination' && ! grep -q '/hook' '$SPOOL/$SLACK_DEST/destination'" "the URL itself is not in the spool"
expect_true "[ \"\$(received '.body')\" = '\"{\\\"text\\\":\\\"[OK] web1/api: all good\\\"}\"' ]" "slack body is one text field"
expect_true "[ \"\$(received '.headers[\"webhook-signature\"] // \"none\"')\" = '\"none\"' ]" "unsigned without a secret"
mode 410
mw "${WH[@]}" -H web1 --service gone --state CRITICAL
expect_rc 2 "410 Gone: stop, dead letter"
mode ok

# ---- Statuspage and Cachet -----------------------------------------------------------------
echo "sp-secret-key-123" >"$TMP/sp.key"
SP=(notify statuspage --spool-dir "$SPOOL" --url "$BASE/v1" --page-id pg1 --component api=cmp1 --api-key-file "$TMP/sp.key" --incidents)
forget
mw "${SP[@]}" -H web1 --service api --state CRITICAL -o "down"
expect_rc 0 "statuspage problem delivered"
GOT=$(received '[.method, .path, .headers.Authorization, (.body | fromjson | .component.status // .incident.status)] | join(" ")' | tr -d '"' | tr '\n' ';')
expect_true "[ '$GOT' = 'PATCH /v1/pages/pg1/components/cmp1 OAuth sp-secret-key-123 major_outage;POST /v1/pages/pg1/incidents OAuth sp-secret-key-123 investigating;' ]" "component major_outage, incident opened ($GOT)"
forget
mw "${SP[@]}" -H web1 --service api --state OK -o "back"
GOT=$(received '[.method, .path, (.body | fromjson | .component.status // .incident.status)] | join(" ")' | tr -d '"' | tr '\n' ';')
expect_true "[ '$GOT' = 'PATCH /v1/pages/pg1/components/cmp1 operational;PATCH /v1/pages/pg1/incidents/inc1 resolved;' ]" "operational, incident resolved ($GOT)"
# A link planted where the incident's id is kept is neither written through nor read.
SPDIR=$(ls -d "$SPOOL"/statuspage-* | head -n 1)
ln -s "$TMP/sp-victim" "$SPDIR/incident-cmp1"
forget
mw "${SP[@]}" -H web1 --service api --state CRITICAL -o "down"
GOT=$(received '[.method, .path] | join(" ")' | tr -d '"' | tr '\n' ';')
expect_true "[ $RC = 0 ] && [ ! -e '$TMP/sp-victim' ] && [ ! -L '$SPDIR/incident-cmp1' ] && grep -qE '^inc[0-9]+\$' '$SPDIR/incident-cmp1'" \
  "statuspage: a link planted as the incident's file is replaced, not written through"
expect_true "[[ '$GOT' == *'POST /v1/pages/pg1/incidents;'* ]]" "and the incident is opened ($GOT)"
rm "$SPDIR/incident-cmp1"
echo stolen1 >"$TMP/sp-secret"
ln -s "$TMP/sp-secret" "$SPDIR/incident-cmp1"
forget
mw "${SP[@]}" -H web1 --service api --state OK -o "back"
GOT=$(received '[.method, .path] | join(" ")' | tr -d '"' | tr '\n' ';')
expect_true "[ $RC = 0 ] && [[ '$GOT' != *stolen1* ]]" "statuspage: an incident id is not read through a link ($GOT)"
rm -f "$SPDIR/incident-cmp1"
forget
mw "${SP[@]}" -H web1 --service other --state CRITICAL
expect_rc 0 "a service without a component is done with"
expect_true "[ $(count_received) = 0 ]" "and nothing is sent"
forget
mw notify statuspage --spool-dir "$SPOOL" --flavour cachet --url "$BASE" --component db=7 --api-key-file "$TMP/sp.key" -H web1 --service db --state WARNING
expect_rc 0 "cachet delivered"
GOT=$(received '[.method, .path, .headers["X-Cachet-Token"], (.body | fromjson | .status | tostring)] | join(" ")' | tr -d '"')
expect_true "[ '$GOT' = 'PUT /api/v1/components/7 sp-secret-key-123 2' ]" "cachet status 2 for WARNING ($GOT)"

# ---- secrets never in logs, spool files or output ------------------------------------------
ALL_OUTPUT=$(cat "$TMP"/c*.out)
expect_true "! grep -rq -e '$KEY' -e 'sp-secret-key-123' -e MfKQ9r8 '$SPOOL'" "no secret in the spool (only file names)"
expect_true "! grep -q -e '$KEY' <<<\"\$ALL_OUTPUT\$OUT\$ERR\"" "no secret in notify's output"

# ---- run --notify: state file, soft states, forwarding ---------------------------------------
if [ -f "$MCPWATCH_CHECK_DIR/rest_health.so" ]; then
  cat >"$TMP/mcpwatch.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/runspool";
host = "node7";
notifiers: {
  oncall: { type = "pagerduty"; url = "$BASE/v2/enqueue"; routing_key_file = "$TMP/pd.key"; };
};
checks: {
  api: { check = "rest-health"; url = "$BASE/health"; max_attempts = 2; notify = ["oncall"]; };
  quiet: { check = "rest-health"; url = "$BASE/health"; notify = []; };
};
EOF
  forget
  echo 503 >"$R/health"
  mw run --config "$TMP/mcpwatch.conf" --notify
  expect_rc 2 "run --notify: CRITICAL"
  expect_true "[ $(count_received) = 0 ]" "first failure is soft: nothing sent"
  expect_true "grep -q '^hard=OK last=CRITICAL attempts=1 ' '$TMP/state/api.state'" "state file records the soft attempt"
  mw run --config "$TMP/mcpwatch.conf" --notify
  expect_true "[ \"\$(grep -c 'queued as' <<<\"\$ERR\")\" = 1 ] && grep -q '^mcpwatch: api: CRITICAL for oncall queued as evt_' <<<\"\$ERR\"" "run --notify says what it queued, one line per event, without -v"
  GOT=$(received '.body | fromjson | [.event_action, .dedup_key, .payload.class, .payload.custom_details.origin] | join(" ")' | tr -d '"')
  expect_true "[ '$GOT' = 'trigger mcpwatch/node7/api rest-health run' ]" "second failure is hard: one trigger ($GOT)"
  mw run --config "$TMP/mcpwatch.conf" --notify
  expect_true "[ $(count_received) = 1 ]" "no repeat while the problem lasts"
  echo 200 >"$R/health"
  mw run --config "$TMP/mcpwatch.conf" --notify
  expect_rc 0 "run --notify: OK again"
  GOT=$(received '.body | fromjson | [.event_action, .dedup_key] | join(" ")' | tr -d '"' | tail -n 1)
  expect_true "[ '$GOT' = 'resolve mcpwatch/node7/api' ] && [ $(count_received) = 2 ]" "recovery resolves ($GOT)"
  expect_true "[ -f '$TMP/state/quiet.state' ]" "an instance with notify = [] is tracked too"
  sed 's/notify = \["oncall"\]/notify = ["pager"]/' "$TMP/mcpwatch.conf" >"$TMP/typo.conf"
  mw run --config "$TMP/typo.conf" --notify
  expect_one_error_line "notifies 'pager', which no notifiers" "an unknown notifier name is a configuration error"

  # A notifier block that does not open is a configuration error for run, run --notify and the
  # agent, naming file and line; the ongoing problem is sent once the block is fixed.
  echo 503 >"$R/health"
  sed 's/routing_key_file = /routing_kye_file = /' "$TMP/mcpwatch.conf" >"$TMP/broken.conf"
  BROKEN_LINE=$(grep -n routing_kye_file "$TMP/broken.conf" | cut -d: -f1)
  for args in "" "--notify"; do
    mw run --config "$TMP/broken.conf" $args
    expect_one_error_line "broken.conf:$BROKEN_LINE: notifier 'oncall': unknown option 'routing.kye.file'" "run $args: a broken notifier block is refused with its file and line"
  done
  expect_true "grep -q '^hard=OK ' '$TMP/state/api.state'" "and nothing is recorded"
  "$MCPWATCH" agent --config "$TMP/broken.conf" --status-file "$TMP/st" 2>"$TMP/agent-broken.log" &
  wait_exit $! 10
  expect_true "[ $? = 3 ] && grep -q 'broken.conf:$BROKEN_LINE: notifier' '$TMP/agent-broken.log'" "the agent refuses to start with it"
  forget
  mw run --config "$TMP/mcpwatch.conf" --notify
  mw run --config "$TMP/mcpwatch.conf" --notify
  expect_true "[ $(count_received) = 1 ]" "fixed: the ongoing problem is sent"
  echo 200 >"$R/health"
  mw run --config "$TMP/mcpwatch.conf" --notify
fi

# ---- the shipped notifiers example, beside a check that fails ----------------------------------
mkdir -p "$TMP/shipped/conf.d"
cp "$SRCDIR/conf.d/notifiers.conf.example" "$TMP/shipped/conf.d/notifiers.conf"
cat >"$TMP/shipped/mcpwatch.conf" <<EOF
state_dir = "$TMP/shipped/state";
spool_dir = "$TMP/shipped/spool";
checks: { root: { check = "disk"; path = ["/"]; critical = "0%"; }; };
EOF
mw run --config "$TMP/shipped/mcpwatch.conf" --notify --notify-wait 0.3
expect_rc 2 "shipped notifiers example: the configuration loads"
expect_true "[ -f '$TMP/shipped/spool/oncall/destination' ] && [ \$(ls '$TMP/shipped/spool/oncall' | grep -c '\\.event$') = 1 ]" "its notifier opens and the event is queued"
expect_true "grep -q 'routing key: cannot read /etc/mcpwatch/pagerduty.key' <<<\"\$ERR\" || [ -r /etc/mcpwatch/pagerduty.key ]" "and waits for its key file, saying so"

# ---- valgrind: every path of notify, flush and run --notify gives back what it took ----------
if [ "${SANITIZERS:-no}" = no ] && command -v valgrind >/dev/null; then
  VG="valgrind --quiet --suppressions=$SRCDIR/tests/integration/valgrind.supp --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=42"
  vg() {
    "$LIBTOOL" --mode=execute $VG "$MCPWATCH" "$@" >"$TMP/vg.out" 2>"$TMP/vg.log"
    RC=$?
    OUT=$(cat "$TMP/vg.out" "$TMP/vg.log")
    expect_true "[ $RC != 42 ] && ! grep -q '^==' '$TMP/vg.log'" "valgrind clean: ${VG_WHAT} (exit $RC)"
  }
  mode ok
  VG_WHAT="pagerduty delivered" vg "${PD[@]}" -H web1 --service vg --state CRITICAL -o x
  mode 503
  VG_WHAT="pagerduty retried, then queued" vg "${PD[@]}" -H web1 --service vg --state OK --wait 1.5
  mode ok
  VG_WHAT="flush" vg flush --spool-dir "$SPOOL" --now
  mode 400
  VG_WHAT="webhook refused (dead letter)" vg "${WH[@]}" -H web1 --service vg --state CRITICAL
  mode ok
  VG_WHAT="webhook signed" vg "${WH[@]}" -H web1 --service vg --state OK
  VG_WHAT="statuspage with an incident" vg "${SP[@]}" -H web1 --service api --state CRITICAL
  VG_WHAT="statuspage incident resolved" vg "${SP[@]}" -H web1 --service api --state OK
  VG_WHAT="bad input" vg notify webhook --spool-dir "$SPOOL" --url "$BASE/hook" --state purple
  if [ -f "$TMP/mcpwatch.conf" ]; then
    echo 503 >"$R/health"
    VG_WHAT="run --notify" vg run --config "$TMP/mcpwatch.conf" --notify
  fi
fi

finish
