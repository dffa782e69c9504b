#!/bin/bash
# SPDX-License-Identifier: MIT
# icinga2_notify.sh - a real Icinga 2 (Debian's icinga2-bin) runs the shipped notification
# commands: a service goes CRITICAL and then OK, Icinga 2 calls `mcpwatch notify pagerduty` with
# its macros as arguments, and the local PagerDuty receiver (fakereceiver.py) gets the trigger
# and the resolve under one dedup_key. (packaging.sh runs nagios4 -v on the Nagios
# definitions.)
. "$(dirname "$0")/lib.sh"

[ -f "$MCPWATCH_NOTIFIER_DIR/pagerduty.so" ] || skip_all "the notifiers were not built"
command -v icinga2 >/dev/null || skip_all "icinga2 is not installed (Debian: icinga2-bin)"
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs the fake receiver)"
command -v jq >/dev/null || skip_all "jq is not installed"

start_receiver
echo 0123456789abcdef0123456789abcdef >"$TMP/pd.key"
# Icinga 2 gives its children a clean environment: a wrapper carries the build tree's paths
# (and a sanitizer runtime, when the build has one).
mcpwatch_wrapper "$TMP/mcpwatch" "$TMP/notify.stderr" MCPWATCH_NOTIFIER_DIR
# The check reads the service's state from a file the test rewrites.
echo 2 >"$TMP/state"
printf '#!/bin/sh\nread s < "%s"\necho "state $s"\nexit "$s"\n' "$TMP/state" >"$TMP/check-state"
chmod 0755 "$TMP/check-state"
cat >"$TMP/icinga2.conf" <<EOF
include <itl>
include "$SRCDIR/packaging/icinga2/mcpwatch-notify.conf"
object CheckerComponent "checker" { }
object NotificationComponent "notification" { }
object IcingaApplication "app" { }
object CheckCommand "from-file" {
  command = [ "$TMP/check-state" ]
}
object NotificationCommand "pd-test" {
  import "mcpwatch-pagerduty-service"
  arguments += { "--url" = "http://127.0.0.1:$(cat "$R/port")/v2/enqueue" }
}
object User "oncall" { enable_notifications = true }
object Host "web1" { check_command = "dummy"; check_interval = 1s }
object Service "api" {
  host_name = "web1"
  check_command = "from-file"
  check_interval = 1s
  retry_interval = 1s
  max_check_attempts = 1
}
object Notification "pd" {
  host_name = "web1"
  service_name = "api"
  command = "pd-test"
  users = [ "oncall" ]
  interval = 0
  vars.mcpwatch_binary = "$TMP/mcpwatch"
  vars.mcpwatch_pagerduty_key_file = "$TMP/pd.key"
  vars.mcpwatch_spool_dir = "$TMP/spool"
}
EOF
icinga2_setup "$TMP/icinga2.conf"

"${I2[@]}" -C >"$TMP/validate.log" 2>&1
RC=$?
OUT=$(tail -n 5 "$TMP/validate.log")
expect_rc 0 "icinga2 daemon -C accepts the shipped NotificationCommands"

received() { jq -c "select(.code == 202) | .body | fromjson | ${1:-.}" "$R/requests.jsonl" 2>/dev/null; }
"${I2[@]}" >"$TMP/icinga2.log" 2>&1 &
I2_PID=$!
on_exit "kill $I2_PID; wait $I2_PID"
wait_for "received | grep -q trigger" 30
OUT=$(received '[.event_action, .dedup_key, .payload.source, .payload.component, .payload.severity, .payload.summary, .payload.custom_details.origin, .payload.custom_details.notification_type]')
expect_true "[ '$OUT' = '[\"trigger\",\"mcpwatch/web1/api\",\"web1\",\"api\",\"critical\",\"web1/api CRITICAL: state 2\",\"icinga2\",\"PROBLEM\"]' ]" "Icinga 2's problem notification triggers ($OUT)"
echo 0 >"$TMP/state"
wait_for "received | grep -q resolve" 30
OUT=$(received '[.event_action, .dedup_key]' | tail -n 1)
expect_true "[ '$OUT' = '[\"resolve\",\"mcpwatch/web1/api\"]' ]" "its recovery resolves the same dedup_key ($OUT)"
expect_true "[ \$(received | wc -l) = 2 ]" "exactly two events"
expect_true "! grep -q 0123456789abcdef0123456789abcdef '$TMP/icinga2.log'" "the routing key is not in Icinga 2's log"
OUT=$(cat "$TMP/notify.stderr" 2>/dev/null)
expect_no_out "AddressSanitizer|runtime error|ThreadSanitizer" "notify under Icinga 2: no sanitizer report"

finish
