#!/bin/bash
# SPDX-License-Identifier: MIT
# alerting.sh - the notification policy through `mcpwatch run --notify` and the agent, against
# the fake PagerDuty and webhook receivers: routing by state (3 notifiers x 4 states), flapping
# (one FLAPPINGSTART, one FLAPPINGSTOP), dependencies (a parent's outage pages once, the
# children's problems are held, then released or dropped), reminders per notifier, and why a
# notification was or was not sent in the state file and `mcpwatch status`.
. "$(dirname "$0")/lib.sh"
need_check rest-health
command -v jq >/dev/null || skip_all "jq is not installed"

start_receiver
BASE="http://127.0.0.1:$RECEIVER_PORT"
echo "0123456789abcdef0123456789abcdef" >"$TMP/pd.key"
chmod 600 "$TMP/pd.key"
health() { echo "$2" >"$R/health-$1"; }
forget() { rm -f "$R/requests.jsonl"; }
# One line per notification received: "pd ACTION SERVICE" or "HOOK TYPE STATE SERVICE".
events() {
  [ -f "$R/requests.jsonl" ] || return 0
  jq -r 'select(.code >= 200 and .code < 300) | (.body | fromjson) as $b |
    if .path == "/v2/enqueue" then "pd \($b.event_action) \($b.dedup_key | split("/") | last)"
    else "\(.path | split("/") | last) \($b.mcpwatch.notification_type) \($b.mcpwatch.state) \($b.alerts[0].labels.service)" end' \
    "$R/requests.jsonl"
}
run_notify() { mw run --config "$TMP/$1.conf" --notify "${@:2}"; }
note_of() { sed -n 's/^note //p' "$TMP/state-$1/$2.state" 2>/dev/null; }

notifiers() {
  cat <<EOF
notifiers: {
  pd: { type = "pagerduty"; url = "$BASE/v2/enqueue"; routing_key_file = "$TMP/pd.key";
        states = ["critical", "recovery"]; };
  chat: { type = "webhook"; url = "$BASE/hook/chat"; states = ["warning", "recovery", "flapping"]; };
  all: { type = "webhook"; url = "$BASE/hook/all"; };
};
EOF
}

# ---- routing: 3 notifiers x 4 states -----------------------------------------------------------
cat >"$TMP/route.conf" <<EOF
state_dir = "$TMP/state-route"; spool_dir = "$TMP/spool-route"; host = "node1";
$(notifiers)
checks: {
  api: { check = "rest-health"; url = "$BASE/health/api"; timeout = "1s"; timeout_state = "unknown"; };
};
EOF
health api 200
run_notify route
expect_true "[ -z \"\$(events)\" ]" "routing: OK at the start sends nothing"
health api degraded
run_notify route
GOT=$(events | sort | tr '\n' ';')
expect_true "[ '$GOT' = 'all PROBLEM WARNING api;chat PROBLEM WARNING api;' ]" "WARNING: to chat and all, not to PagerDuty ($GOT)"
forget
health api 503
run_notify route
GOT=$(events | sort | tr '\n' ';')
expect_true "[ '$GOT' = 'all PROBLEM CRITICAL api;pd trigger api;' ]" "CRITICAL: to PagerDuty and all, not to chat ($GOT)"
forget
health api hang
run_notify route
health api 200
GOT=$(events | sort | tr '\n' ';')
expect_true "[ '$GOT' = 'all PROBLEM UNKNOWN api;' ]" "UNKNOWN: to all only ($GOT)"
expect_true "[ -z \"\$(note_of route api)\" ]" "and the state file has no note: it went out"
forget
run_notify route
GOT=$(events | sort | tr '\n' ';')
expect_true "[ '$GOT' = 'all RECOVERY OK api;chat RECOVERY OK api;pd resolve api;' ]" "OK: a recovery to each notifier that was told a problem ($GOT)"
forget
# A problem no notifier of the instance takes is said in the state file.
sed 's/^  api: { check/  api: { notify = ["pd"]; check/' "$TMP/route.conf" >"$TMP/route-pd.conf"
health api degraded
run_notify route-pd
expect_true "[ -z \"\$(events)\" ] && [ \"\$(note_of route api)\" = 'WARNING: its notifier does not take it' ]" \
  "WARNING with only PagerDuty (critical, recovery): nothing sent, and the state file says why ($(note_of route api))"
health api 200
run_notify route-pd
expect_true "[ -z \"\$(events)\" ]" "and its end sends no recovery (nothing was sent)"

# A notify entry narrows what one instance sends to a notifier: "all:critical,recovery".
sed 's/state-route/state-entry/; s/spool-route/spool-entry/; s/^  api: { check/  api: { notify = ["all:critical,recovery"]; check/' "$TMP/route.conf" >"$TMP/entry.conf"
forget
health api degraded
run_notify entry
expect_true "[ -z \"\$(events)\" ]" "notify = [\"all:critical,recovery\"]: a WARNING is not sent to all"
health api 503
run_notify entry
health api 200
run_notify entry
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'all PROBLEM CRITICAL api;all RECOVERY OK api;' ]" "its CRITICAL and recovery are ($GOT)"
forget
sed 's/"all:critical,recovery"/"all:critical,sometimes"/' "$TMP/entry.conf" >"$TMP/entry-bad.conf"
mw run --config "$TMP/entry-bad.conf"
expect_true "[ $RC = 3 ] && grep -q \"entry-bad.conf:[0-9]*: notify 'all': 'sometimes' is not one of warning\" <<<\"\$OUT\$ERR\"" "a notify entry with an unknown state is refused with its line ($OUT$ERR)"

# ---- reminders per notifier ---------------------------------------------------------------------
sed 's|url = "'"$BASE"'/hook/all"; };|url = "'"$BASE"'/hook/all"; renotify = "1h"; };|' "$TMP/route.conf" |
  sed 's/state-route/state-remind/; s/spool-route/spool-remind/' >"$TMP/remind.conf"
health api 503
run_notify remind
forget
run_notify remind
expect_true "[ -z \"\$(events)\" ]" "reminders: none before renotify has passed"
# An hour later, as far as the state file knows.
sed -i 's/^\(told all CRITICAL.*\) at=[0-9]*/\1 at=1000/' "$TMP/state-remind/api.state"
run_notify remind
GOT=$(events | sort | tr '\n' ';')
expect_true "[ '$GOT' = 'all PROBLEM CRITICAL api;' ]" "after renotify: the problem again to 'all' only, not to PagerDuty ($GOT)"
forget
run_notify remind
expect_true "[ -z \"\$(events)\" ]" "and not again at the next run"
health api 200
run_notify remind

# At a short interval, as it runs: renotify = "1s" on 'all' only.
sed 's/renotify = "1h"/renotify = "1s"/; s/state-remind/state-remind1s/; s/spool-remind/spool-remind1s/' "$TMP/remind.conf" >"$TMP/remind1s.conf"
forget
health api 503
run_notify remind1s
wait_for "run_notify remind1s; [ \"\$(events | grep -c '^all PROBLEM CRITICAL api$')\" -ge 3 ]" 20
expect_true "[ \"\$(events | grep -c '^all PROBLEM CRITICAL api$')\" -ge 3 ] && [ \"\$(events | grep -c '^pd trigger api$')\" = 1 ]" \
  "renotify = \"1s\": the problem again and again to 'all', once to PagerDuty ($(events | sort | uniq -c | tr -s ' ' | tr '\n' ';'))"
health api 200
run_notify remind1s

# ---- flapping -------------------------------------------------------------------------------------
cat >"$TMP/flap.conf" <<EOF
state_dir = "$TMP/state-flap"; spool_dir = "$TMP/spool-flap"; host = "node1";
$(notifiers)
checks: {
  web: { check = "rest-health"; url = "$BASE/health/web"; flap_detection = true; notify = ["chat", "all"]; };
};
EOF
forget
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  if [ $((i % 2)) = 1 ]; then health web 503; else health web 200; fi
  run_notify flap
done
expect_true "[ \"\$(events | grep -c 'FLAPPINGSTART')\" = 2 ]" "flapping: one FLAPPINGSTART to each notifier that takes it ($(events | grep -c FLAPPINGSTART))"
expect_true "[ \"\$(events | grep -c 'all PROBLEM')\" = 3 ] && [ \"\$(events | grep -c 'all RECOVERY')\" = 3 ]" \
  "before it: 3 problems and 3 recoveries; none after the 7th result ($(events | grep '^all' | awk '{print $2}' | tr '\n' ' '))"
expect_true "grep -q '^flapping$' '$TMP/state-flap/web.state' && note_of flap web | grep -q '^flapping ([0-9.]*% state change)$'" \
  "the state file says flapping, with the percentage ($(note_of flap web))"
health web 200
STOPPED=0
for i in $(seq 1 25); do
  run_notify flap
  if events | grep -q FLAPPINGSTOP; then STOPPED=$i; break; fi
done
expect_true "[ $STOPPED -gt 0 ] && [ \"\$(events | grep -c FLAPPINGSTOP)\" = 2 ]" "steady OK: one FLAPPINGSTOP to each, after $STOPPED runs"
expect_true "[ \"\$(events | grep -c 'PROBLEM\|RECOVERY')\" = 6 ]" "and no problem or recovery in between (the last told was a recovery, the state is OK)"
# Flapping that starts on a problem after a recovery was told, and stops while failing:
# FLAPPINGSTOP, then the problem (the receiver last heard OK).
sed 's/state-flap/state-flap2/; s/spool-flap/spool-flap2/' "$TMP/flap.conf" >"$TMP/flap2.conf"
forget
for i in 1 2 3 4 5 6 7 8; do
  if [ $((i % 2)) = 1 ]; then health web 503; else health web 200; fi
  run_notify flap2
done
GOT=$(events | grep '^all' | awk '{print $2}' | tr '\n' ' ')
expect_true "[ '$GOT' = 'PROBLEM RECOVERY PROBLEM RECOVERY PROBLEM RECOVERY FLAPPINGSTART ' ]" "flapping starts at the 7th result, a CRITICAL one: only FLAPPINGSTART ($GOT)"
health web 503
for i in $(seq 1 25); do
  run_notify flap2
  events | grep -q 'all FLAPPINGSTOP' && break
done
GOT=$(events | grep '^all' | tail -n 2 | awk '{print $2, $3}' | tr '\n' ';')
expect_true "[ '$GOT' = 'FLAPPINGSTOP CRITICAL;PROBLEM CRITICAL;' ]" "it stops while CRITICAL: FLAPPINGSTOP, then the problem ($GOT)"
health web 200
run_notify flap2

# ---- dependencies: a database takes four services with it --------------------------------------
cat >"$TMP/dep.conf" <<EOF
state_dir = "$TMP/state-dep"; spool_dir = "$TMP/spool-dep"; host = "node1";
$(notifiers)
checks: {
  s1: { check = "rest-health"; url = "$BASE/health/s1"; depends_on = ["db"]; notify = ["pd"]; };
  s2: { check = "rest-health"; url = "$BASE/health/s2"; depends_on = ["db"]; notify = ["pd"]; };
  s3: { check = "rest-health"; url = "$BASE/health/s3"; depends_on = ["db"]; notify = ["pd"]; };
  s4: { check = "rest-health"; url = "$BASE/health/s4"; depends_on = ["db"]; notify = ["pd"]; };
  db: { check = "rest-health"; url = "$BASE/health/db"; notify = ["pd"]; };
};
EOF
forget
for n in db s1 s2 s3 s4; do health $n 503; done
run_notify dep
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd trigger db;' ]" "db down with its four children: one PagerDuty incident, db's ($GOT)"
expect_true "[ \"\$(note_of dep s3)\" = 'held: db is CRITICAL' ]" "a child's state file says why ($(note_of dep s3))"
run_notify dep
expect_true "[ \"\$(events | wc -l)\" = 1 ]" "still held at the next run"
forget
health db 200; health s1 200; health s3 200; health s4 200
run_notify dep
GOT=$(events | sort | tr '\n' ';')
expect_true "[ '$GOT' = 'pd resolve db;pd trigger s2;' ]" "db back: its resolve, and the child still failing is sent; the recovered ones are dropped ($GOT)"
forget
health s2 200
run_notify dep
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd resolve s2;' ]" "the released child's resolve ($GOT)"
forget
# A child that was sent before its parent failed is never held back from its resolve.
health s1 503
run_notify dep
health db 503
run_notify dep
forget
health s1 200
run_notify dep
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd resolve s1;' ]" "resolves are never held ($GOT)"
health db 200
run_notify dep
mw run --config "$TMP/dep.conf" --notify s1 s2
expect_rc 0 "a run of some instances only reads the parents' state files"

# ---- downtimes: ad-hoc from the command line, recurring in the configuration -------------------
LATER="$(date -u -d '+2 hours' +%H:%M)-$(date -u -d '+3 hours' +%H:%M)"
cat >"$TMP/down.conf" <<EOF
state_dir = "$TMP/state-down"; spool_dir = "$TMP/spool-down"; host = "node1";
$(notifiers)
checks: {
  api: { check = "rest-health"; url = "$BASE/health/api"; notify = ["pd"]; };
  mcp: { check = "rest-health"; url = "$BASE/health/mcp"; notify = ["pd"]; };
  web: { check = "rest-health"; url = "$BASE/health/web"; notify = ["pd"]; };
};
downtimes: {
  always: { members = ["mcp"]; every = "daily 00:00-24:00"; timezone = "Europe/Berlin"; comment = "all day"; };
  later: { members = ["web"]; every = "$LATER"; timezone = "UTC"; };
};
EOF
forget
for n in api mcp web; do health $n 200; done
run_notify down
mw downtime add api --for 3s --comment "deploy 1.4" --config "$TMP/down.conf"
expect_out "^downtime 1: api until [0-9-]+ [0-9:]+ UTC$" "downtime add: its id and end ($OUT)"
for n in api mcp web; do health $n 503; done
run_notify down
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd trigger web;' ]" "in downtime (ad-hoc api, recurring mcp): only web, whose window is later, is sent ($GOT)"
expect_true "note_of down api | grep -q '^held: in downtime 1 until .* UTC: deploy 1.4$'" "the held problem's note names the downtime ($(note_of down api))"
expect_true "[ \"\$(note_of down mcp)\" = 'held: in downtime always, daily 00:00-24:00 Europe/Berlin' ]" "and the recurring window ($(note_of down mcp))"
mw downtime list --format json --config "$TMP/down.conf"
GOT=$(jq -c '[.recurring[] | [.name, .active]], [.adhoc[] | [.id, .member, .comment]]' <<<"$OUT" | tr '\n' ';')
expect_true "[ '$GOT' = '[[\"always\",true],[\"later\",false]];[[1,\"api\",\"deploy 1.4\"]];' ]" "downtime list --format json ($GOT)"
wait_for "run_notify down; events | grep -q 'pd trigger api'" 15
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd trigger web;pd trigger api;' ]" "the downtime ends with api still failing: sent then ($GOT)"
forget
mw downtime add api --for 1h --config "$TMP/down.conf"
health api 200
run_notify down
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd resolve api;' ]" "a resolve of a problem that was sent goes out inside a downtime ($GOT)"
health api 503
run_notify down
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd resolve api;' ]" "a new problem inside it is held ($GOT)"
mw downtime remove api --config "$TMP/down.conf"
expect_out "^removed 1 downtime \(api\)$" "downtime remove NAME ($OUT)"
run_notify down
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd resolve api;pd trigger api;' ]" "removed: the problem is sent at the next result ($GOT)"
health mcp 200
run_notify down
expect_true "! events | grep -q mcp" "a problem that starts and ends inside a window sends nothing at all"
# A list another user could have written holds nothing back: the problem is sent, and why.
health api 200
run_notify down
forget
mw downtime add api --for 1h --config "$TMP/down.conf"
chmod o+w "$TMP/state-down/downtimes"
health api 503
run_notify down
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd trigger api;' ] && grep -q 'refusing the downtimes: every user can write $TMP/state-down/downtimes' <<<\"\$ERR\"" \
  "a downtime list every user can write is not believed: the problem is sent, the reason logged ($GOT)"
mw downtime list --config "$TMP/down.conf"
expect_true "[ $RC = 3 ] && grep -q 'refusing the downtimes: every user can write' <<<\"\$OUT\"" "downtime list refuses it too ($OUT)"
chmod o-w "$TMP/state-down/downtimes"
chmod o+w "$TMP/state-down"
mw downtime list --config "$TMP/down.conf"
expect_true "[ $RC = 3 ] && grep -q 'refusing the downtimes: every user can write $TMP/state-down ' <<<\"\$OUT\"" "and a list in a folder every user can write ($OUT)"
chmod o-w "$TMP/state-down"
mw downtime list --config "$TMP/down.conf"
expect_true "[ $RC = 0 ] && grep -q ' api ' <<<\"\$OUT\"" "put right: the list is read again ($OUT)"
mw downtime remove api --config "$TMP/down.conf"
health api 200
run_notify down
forget
mw downtime add api --for 0s --config "$TMP/down.conf"
expect_one_error_line "^DOWNTIME UNKNOWN - --for expects a duration" "downtime add --for 0s: refused in one line"
mw downtime add nosuch --for 1m --config "$TMP/down.conf"
expect_true "[ $RC = 3 ] && grep -q \"'nosuch' is neither a check instance nor a service\" <<<\"\$OUT\"" "downtime add of an unknown name: refused ($OUT)"
mw downtime remove 99 --config "$TMP/down.conf"
expect_true "[ $RC = 3 ] && grep -q '^DOWNTIME UNKNOWN - no ad-hoc downtime with ID 99$' <<<\"\$OUT\"" "downtime remove of an unknown id: exit 3 ($OUT)"
sed 's/every = "daily 00:00-24:00"/every = "Sun 2:00-4:00"/' "$TMP/down.conf" >"$TMP/down-bad.conf"
mw run --config "$TMP/down-bad.conf"
expect_true "[ $RC = 3 ] && grep -q \"down-bad.conf:[0-9]*: downtime 'always': 'Sun 2:00-4:00' is not a window\" <<<\"\$OUT\$ERR\"" "a malformed window is refused at load, with its line ($OUT$ERR)"
sed 's|timezone = "Europe/Berlin"|timezone = "Mars/Olympus"|' "$TMP/down.conf" >"$TMP/down-bad.conf"
mw run --config "$TMP/down-bad.conf"
expect_true "[ $RC = 3 ] && grep -q \"time zone 'Mars/Olympus': no such zone\" <<<\"\$OUT\$ERR\"" "an unknown time zone too ($OUT$ERR)"
sed 's|members = \["mcp"\]|members = ["mcq"]|' "$TMP/down.conf" >"$TMP/down-bad.conf"
mw run --config "$TMP/down-bad.conf"
expect_true "[ $RC = 3 ] && grep -q \"downtime 'always' names 'mcq'\" <<<\"\$OUT\$ERR\"" "and a member that does not exist ($OUT$ERR)"
for n in api mcp web; do health $n 200; done
run_notify down

# The README's Alerting example is a configuration that loads (downtime list reads all of it).
sed -n '/^### Alerting/,/^### The agent/p' "$SRCDIR/README.md" | awk '/^```$/ { n++; next } n == 1' |
  sed "s|/var/lib/mcpwatch|$TMP/state-readme|; s|/var/spool/mcpwatch|$TMP/spool-readme|; s|/etc/mcpwatch/pagerduty.key|$TMP/pd.key|" \
    >"$TMP/readme.conf"
mw downtime list --config "$TMP/readme.conf"
expect_true "[ $RC = 0 ] && grep -qE '^ *(NOW +)?nightly-deploy +Sun 02:00-04:00 Europe/Berlin: api mcp - weekly release$' <<<\"\$OUT\"" \
  "the README's Alerting example loads ($OUT)"

# ---- the agent: the same dependency, and status says why ----------------------------------------
# Children need 3 results for a hard problem, so their parent's first result (within the first
# interval) is always in before theirs.
sed 's/state-dep/state-agent/; s/spool-dep/spool-agent/; s/depends_on = \["db"\];/depends_on = ["db"]; max_attempts = 3;/; s/notify = \["pd"\]; };/notify = ["pd"]; interval = "300ms"; };/; s/^  db: { check/  db: { flap_detection = true; check/' \
  "$TMP/dep.conf" >"$TMP/agent.conf"
forget
for n in db s1 s2 s3 s4; do health $n 503; done
"$MCPWATCH" agent --config "$TMP/agent.conf" --status-file "$TMP/agent.status" 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill -9 $AGENT 2>/dev/null"
wait_for "[ \"\$(\"\$MCPWATCH\" status --status-file '$TMP/agent.status' 2>/dev/null | grep -c '\[held: db is CRITICAL\] ')\" = 4 ]" 15
OUT=$("$MCPWATCH" status --status-file "$TMP/agent.status" 2>&1)
expect_out "^CRITICAL +s2 +rest-health .*\[held: db is CRITICAL\] HTTP" "agent: status shows a held child and why"
OUT=$("$MCPWATCH" status --status-file "$TMP/agent.status" --format json 2>&1)
GOT=$(jq -r '.instances[] | select(.name == "s4") | .notification' <<<"$OUT")
expect_true "[ '$GOT' = 'held: db is CRITICAL' ]" "and its JSON has the same field ($GOT)"
wait_for "[ \"\$(events | grep -c 'pd trigger')\" -ge 1 ]" 10
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd trigger db;' ]" "agent: one PagerDuty incident for the parent ($GOT)"
health db 200; health s1 200; health s2 200; health s3 200
wait_for "events | grep -q 'pd trigger s4'" 15
GOT=$(events | sort | tr '\n' ';')
expect_true "[ '$GOT' = 'pd resolve db;pd trigger db;pd trigger s4;' ]" "db back: resolved, and the child still failing is sent ($GOT)"
wait_for "\"\$MCPWATCH\" status --status-file '$TMP/agent.status' --format json 2>/dev/null | jq -e '.instances[] | select(.name == \"db\" and .state == \"OK\")' >/dev/null" 10
OUT=$("$MCPWATCH" status --status-file "$TMP/agent.status" --format json 2>&1)
GOT=$(jq -c '[.instances[] | select(.name == "db" or .name == "s1") | [.name, .flap_percent]]' <<<"$OUT")
expect_true "jq -e '.[0] == [\"s1\", null] and .[1][1] > 5 and .[1][1] <= 6.25' <<<'$GOT' >/dev/null" \
  "status JSON: db's percent state change (one change, recent: 5 to 6.25%), null where flap detection is off ($GOT)"
OUT=$("$MCPWATCH" status --status-file "$TMP/agent.status" 2>&1)
expect_out "^OK +db .*\[flap [56]\.[0-9]%\] " "and the table shows it"
# The agent keeps tracks in memory: results that only move db's flap window are not written
# (a write and two fsyncs each), while the percentage the agent shows keeps moving.
flap_of_db() { "$MCPWATCH" status --status-file "$TMP/agent.status" --format json 2>/dev/null | jq -r '.instances[] | select(.name == "db") | .flap_percent'; }
window_in_file() { sed -n 's/^history //p' "$TMP/state-agent/db.state" | tr -d '\n' | wc -c; }
H0=$(window_in_file)
P0=$(flap_of_db)
wait_for "[ \"\$(flap_of_db)\" != '$P0' ]" 10
P1=$(flap_of_db)
wait_for "[ \"\$(flap_of_db)\" != '$P1' ]" 10
P2=$(flap_of_db)
expect_true "[ '$P0' != '$P1' ] && [ '$P1' != '$P2' ] && [ \"\$(window_in_file)\" = '$H0' ]" \
  "agent: two more results moved db's flap window in memory ($P0, $P1, $P2 %), its state file's window not ($H0 states, now $(window_in_file))"
# An ad-hoc downtime set while the agent runs.
mw downtime add s1 --for 1h --comment "deploy 1.4" --config "$TMP/agent.conf"
expect_rc 0 "agent running: downtime add s1"
wait_for "\"\$MCPWATCH\" status --status-file '$TMP/agent.status' 2>/dev/null | grep -q '^OK  *s1 .*\[in downtime 1 until .*: deploy 1.4\] '" 10
OUT=$("$MCPWATCH" status --status-file "$TMP/agent.status" 2>&1)
expect_out "^OK +s1 .*\[in downtime 1 until [^]]*: deploy 1.4\] " "agent: status shows an instance in downtime, OK too"
forget
health s1 503
wait_for "\"\$MCPWATCH\" status --status-file '$TMP/agent.status' 2>/dev/null | grep -q '^CRITICAL  *s1 .*\[held: in downtime 1'" 10
OUT=$("$MCPWATCH" status --status-file "$TMP/agent.status" 2>&1)
expect_out "^CRITICAL +s1 .*\[held: in downtime 1 until " "agent: s1 fails in downtime: held, and status says so"
expect_true "[ -z \"\$(events)\" ]" "nothing sent for it"
mw downtime remove 1 --config "$TMP/agent.conf"
wait_for "events | grep -q 'pd trigger s1'" 10
GOT=$(events | tr '\n' ';')
expect_true "[ '$GOT' = 'pd trigger s1;' ]" "agent: downtime removed from the command line, the problem is sent ($GOT)"
stop_agent $AGENT 10
expect_rc 0 "agent: SIGTERM, exit 0"
expect_true "! grep -q 'runtime error\|Sanitizer' '$TMP/agent.log'" "no sanitizer report"

finish
