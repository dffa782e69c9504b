#!/bin/bash
# icinga2_notify.sh - a real Icinga 2 (Debian's icinga2-bin) runs the shipped notification
# commands: a service goes CRITICAL and then OK, Icinga 2 calls `mcpwatch notify pagerduty` with
# its macros as arguments, and the local PagerDuty receiver (fakereceiver.py) gets the trigger
# and the resolve under one dedup_key. The Nagios definitions are validated by nagios4 -v.
. "$(dirname "$0")/lib.sh"

[ -f "$MCPWATCH_NOTIFIER_DIR/pagerduty.so" ] || skip_all "the notifiers were not built"
command -v icinga2 >/dev/null || skip_all "icinga2 is not installed (Debian: icinga2-bin)"
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs the fake receiver)"
command -v jq >/dev/null || skip_all "jq is not installed"

start_receiver
echo 0123456789abcdef0123456789abcdef >"$TMP/pd.key"
# Icinga 2 gives its children a clean environment: a wrapper carries the build tree's paths
# (and a sanitizer runtime, when the build has one).
{
  echo '#!/bin/sh'
  printf "export MCPWATCH_NOTIFIER_DIR='%s'\n" "$MCPWATCH_NOTIFIER_DIR"
  for v in LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS LSAN_OPTIONS; do
    [ -n "${!v:-}" ] && printf "export %s='%s'\n" "$v" "${!v}"
  done
  printf "exec '%s' \"\$@\" 2>>'%s'\n" "$MCPWATCH" "$TMP/notify.stderr"
} >"$TMP/mcpwatch"
chmod 0755 "$TMP/mcpwatch"
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

# The Nagios definitions: nagios4 -v on a minimal main file that includes them.
if command -v nagios4 >/dev/null; then
  mkdir -p "$TMP/nagios"
  cat >"$TMP/nagios/nagios.cfg" <<EOF
cfg_file=$SRCDIR/packaging/nagios/mcpwatch-notify.cfg
cfg_file=$TMP/nagios/objects.cfg
enable_environment_macros=1
check_result_path=$TMP/nagios
lock_file=$TMP/nagios/nagios.lock
temp_file=$TMP/nagios/tmp
status_file=$TMP/nagios/status.dat
log_file=$TMP/nagios/nagios.log
nagios_user=$(id -un)
nagios_group=$(id -gn)
illegal_macro_output_chars=\`~\$&|'"<>
EOF
  cat >"$TMP/nagios/objects.cfg" <<EOF
define timeperiod {
  timeperiod_name always
  alias always
  monday 00:00-24:00
  tuesday 00:00-24:00
  wednesday 00:00-24:00
  thursday 00:00-24:00
  friday 00:00-24:00
  saturday 00:00-24:00
  sunday 00:00-24:00
}
define command {
  command_name true
  command_line /bin/true
}
define contact {
  contact_name oncall
  service_notification_commands notify-by-mcpwatch-pagerduty
  host_notification_commands notify-by-mcpwatch-pagerduty
  service_notification_period always
  host_notification_period always
  service_notification_options w,u,c,r
  host_notification_options d,u,r
}
define host {
  host_name web1
  address 127.0.0.1
  check_command true
  max_check_attempts 1
  check_period always
  notification_period always
  contacts oncall
}
define service {
  host_name web1
  service_description api
  check_command true
  max_check_attempts 1
  check_interval 1
  retry_interval 1
  check_period always
  notification_period always
  contacts oncall
}
EOF
  nagios4 -v "$TMP/nagios/nagios.cfg" >"$TMP/nagios.out" 2>&1
  RC=$?
  OUT=$(cat "$TMP/nagios.out")
  expect_rc 0 "nagios4 -v accepts the shipped notification commands"
  expect_out "Total Errors: +0" "nagios4 -v: no errors"
fi

finish
