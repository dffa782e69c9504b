#!/bin/bash
# SPDX-License-Identifier: MIT
# crashpoints.sh - write-ahead order: `mcpwatch run --notify` killed (SIGKILL, through
# MCPWATCH_CRASH_AT) at every step between a state change and its delivery, then run again.
# Whatever the step, the receiver ends with exactly one trigger and one resolve (two triggers
# only when the kill came after the receiver accepted one, the duplicate PagerDuty folds by its
# dedup_key), the resolve after the trigger, and nothing staged or half-written left behind.
. "$(dirname "$0")/lib.sh"

[ -f "$MCPWATCH_NOTIFIER_DIR/pagerduty.so" ] || skip_all "the notifiers were not built"
need_check rest-health
command -v jq >/dev/null || skip_all "jq is not installed"

start_receiver
BASE="http://127.0.0.1:$RECEIVER_PORT"
echo 0123456789abcdef0123456789abcdef >"$TMP/pd.key"

# setup NAME: a fresh configuration, state and spool for one round.
setup() {
  D=$TMP/$1
  mkdir -p "$D"
  cat >"$D/mcpwatch.conf" <<EOF
state_dir = "$D/state";
spool_dir = "$D/spool";
host = "web1";
notifiers: { oncall: { type = "pagerduty"; url = "$BASE/v2/enqueue"; routing_key_file = "$TMP/pd.key"; }; };
checks: { api: { check = "rest-health"; url = "$BASE/health"; timeout = 5; interval = 1; }; };
EOF
  rm -f "$R/requests.jsonl"
}
health() { echo "$1" >"$R/health"; }
run_notify() { mw run --notify --notify-wait 5 --config "$D/mcpwatch.conf"; }
# actions: the PagerDuty actions the receiver accepted, in order, one word each.
actions() {
  [ -f "$R/requests.jsonl" ] || return 0
  jq -r 'select(.code >= 200 and .code < 300 and .path == "/v2/enqueue") | .body | fromjson | .event_action' \
    "$R/requests.jsonl" | tr '\n' ' '
}
leftovers() { find "$D/spool" "$D/state" \( -name 'P*' -o -name '.tmp-*' \) | wc -l; }

# The points, in the order a change passes them: the staged event's temporary file, the state
# file's temporary file, staged, recorded in the state file, committed to the queue, and
# accepted by the receiver but not yet removed from the queue.
for point in tmp-written:1 tmp-written:2 staged recorded committed delivered; do
  setup "${point/:/-}"
  health 200
  run_notify
  expect_true "[ '$RC' = 0 ] && [ -z \"\$(actions)\" ]" "$point: a first OK run sends nothing"

  health 503
  MCPWATCH_CRASH_AT=$point run_notify
  expect_true "[ '$RC' = 137 ]" "$point: the problem run is killed there (exit $RC)"
  run_notify
  got=$(actions)
  if [ "$point" = delivered ]; then
    expect_true "[ '$got' = 'trigger trigger ' ]" "$point: the trigger the receiver accepted goes again once ($got)"
  else
    expect_true "[ '$got' = 'trigger ' ]" "$point: the run after it sends the trigger exactly once ($got)"
  fi
  run_notify
  expect_true "[ '$(actions)' = '$got' ]" "$point: a third run sends nothing more"

  health 200
  MCPWATCH_CRASH_AT=$point run_notify
  expect_true "[ '$RC' = 137 ]" "$point: the recovery run is killed there"
  run_notify
  got2=$(actions)
  if [ "$point" = delivered ]; then
    expect_true "[ '$got2' = '${got}resolve resolve ' ]" "$point: resolve accepted, sent again once, after the trigger ($got2)"
  else
    expect_true "[ '$got2' = '${got}resolve ' ]" "$point: exactly one resolve, after the trigger ($got2)"
  fi
  expect_true "[ $(leftovers) = 0 ]" "$point: no staged or temporary file left"
done

# Kill points inside the agent too: the courier delivers while the workers hand off.
setup agent
health 503
MCPWATCH_CRASH_AT=recorded "$MCPWATCH" agent --config "$D/mcpwatch.conf" --status-file "$D/status" 2>"$D/agent.err" &
wait_exit $! 20
RC=$?
expect_true "[ $RC = 137 ]" "agent: killed between recording and queueing (exit $RC)"
expect_true "[ -z \"\$(actions)\" ] && [ \$(find '$D/spool' -name 'P*' | wc -l) = 1 ]" "agent: nothing sent, one staged event left"
"$MCPWATCH" agent --config "$D/mcpwatch.conf" --status-file "$D/status" 2>"$D/agent2.err" &
PID=$!
wait_for "[ \"\$(actions)\" = 'trigger ' ]" 20
expect_true "[ \"\$(actions)\" = 'trigger ' ]" "agent: the restarted agent queues and sends the staged trigger once"
stop_agent $PID 10
expect_true "[ $RC = 0 ] && [ \$(find '$D/spool' -name 'P*' -o -name 'E*' | wc -l) = 0 ]" "agent: stopped, nothing left"

# ---- a queue that cannot take the event: spool_max, then a full file system -----------------
setup full
sed -i "s|^checks: .*|spool_max = 1;\\nchecks: { api: { check = \"rest-health\"; url = \"$BASE/health\"; }; api2: { check = \"rest-health\"; url = \"$BASE/health\"; }; };|" "$D/mcpwatch.conf"
echo 503 >"$R/mode"
health 503
mw run --notify --notify-wait 1 --config "$D/mcpwatch.conf" api
expect_true "[ \$(find '$D/spool/oncall' -name 'E*' | wc -l) = 1 ]" "spool_max: the first problem is queued"
mw run --notify --notify-wait 1 --config "$D/mcpwatch.conf" api2
expect_true "grep -q 'api2: CRITICAL for oncall NOT queued: spool full' <<<\"\$ERR\"" "spool_max: the second is refused with a clear line"
expect_true "[ \$(echo \"\$ERR\" | grep -c 'NOT queued') = 1 ]" "spool_max: one line for it"
expect_true "[ \$(find '$D/spool/oncall' -name 'E*' | wc -l) = 1 ]" "spool_max: nothing queued was dropped"
echo ok >"$R/mode"
mw flush --now --spool-dir "$D/spool"
mw run --notify --notify-wait 5 --config "$D/mcpwatch.conf" api2
expect_true "[ \"\$(actions)\" = 'trigger trigger ' ]" "spool_max: once there is room, the refused problem goes out at the next run"
mw run --notify --notify-wait 5 --config "$D/mcpwatch.conf"
expect_true "[ \"\$(actions)\" = 'trigger trigger ' ]" "spool_max: and only once"

if [ "$(id -u)" = 0 ] && mount_tmpfs "$TMP/small" 512k; then
  setup disk
  sed -i "s|$D/state|$TMP/small/state|; s|$D/spool|$TMP/small/spool|" "$D/mcpwatch.conf"
  health 200
  run_notify
  health 503
  head -c 600k /dev/zero >"$TMP/small/fill" 2>/dev/null
  run_notify
  expect_true "grep -q 'api: CRITICAL for oncall NOT queued: .*No space left on device' <<<\"\$ERR\"" "full disk: a clear line"
  expect_true "[ -z \"\$(actions)\" ]" "full disk: nothing sent"
  rm -f "$TMP/small/fill"
  run_notify
  expect_true "[ \"\$(actions)\" = 'trigger ' ]" "full disk: the problem goes out once space is back"
  expect_true "[ \$(find '$TMP/small' -name '.tmp-*' -o -name 'P*' | wc -l) = 0 ]" "full disk: no temporary file left"
else
  not_ok "cannot mount a tmpfs for the full-disk case (needs root)"
fi
finish
