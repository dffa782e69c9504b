#!/bin/bash
# SPDX-License-Identifier: MIT
# packaging.sh - the integration files the build generates from the checks' option tables, and
# the hand-written pages: every man page renders without a warning (man --warnings), every check
# has a page naming each of its options; a real Icinga 2 (Debian's icinga2-bin) validates the
# generated CheckCommands with the shipped notification and agent files and runs services whose
# check command is mcpwatch, read back through its API; nagios4 -v validates the Nagios
# command definitions.
. "$(dirname "$0")/lib.sh"

[ -d "${PACKAGING_DIR:-}" ] || skip_all "PACKAGING_DIR does not name the build's packaging folder"
[ -f "$PACKAGING_DIR/mcpwatch-commands.conf" ] || skip_all "the command definitions were not generated"
need_check disk
command -v man >/dev/null || skip_all "man is not installed (Debian: man-db)"
command -v icinga2 >/dev/null || skip_all "icinga2 is not installed (Debian: icinga2-bin)"
command -v nagios4 >/dev/null || skip_all "nagios4 is not installed (Debian: nagios4-core)"
command -v jq >/dev/null || skip_all "jq is not installed"
command -v systemd-analyze >/dev/null || skip_all "systemd-analyze is not installed (Debian: systemd)"

# ---- man pages --------------------------------------------------------------------------------
PAGES=("$PACKAGING_DIR"/check-pages/*.1 "$PACKAGING_DIR/mcpwatch.1" "$PACKAGING_DIR/mcpwatch.conf.5")
for page in "${PAGES[@]}"; do
  OUT=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
  expect_true "[ -z \"\$OUT\" ]" "man -l $(basename "$page"): no warnings${OUT:+ ($OUT)}"
done
for check in $("$MCPWATCH" list | awk '{ print $1 }'); do
  page=$PACKAGING_DIR/check-pages/mcpwatch-$check.1
  if [ ! -f "$page" ]; then
    not_ok "mcpwatch list shows $check, which has no page"
    continue
  fi
  TEXT=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$page" 2>/dev/null)
  MISSING=
  for opt in $("$MCPWATCH" "$check" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'); do
    grep -qF -- "$opt" <<<"$TEXT" || MISSING="$MISSING $opt"
  done
  expect_true "[ -z '$MISSING' ]" "mcpwatch-$check(1) names every option of 'mcpwatch $check --help'${MISSING:+ (missing:$MISSING)}"
done

# ---- mcpwatch.conf(5)'s example runs as it reads -------------------------------------------------
# The CHECK INSTANCES and NOTIFIERS examples, taken from the rendered page, loaded and the disk
# instance run: the state must be the one its ranges give for / (used percent, as df counts it).
LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$PACKAGING_DIR/mcpwatch.conf.5" 2>/dev/null |
  sed -n '/^CHECK INSTANCES/,/^SEE ALSO/p' | sed -n '/^ *\(checks\|notifiers\): {/,/^ *};$/p' >"$TMP/example.conf"
expect_true "grep -q 'root-disk' '$TMP/example.conf'" "mcpwatch.conf(5) has a disk example ($(tr -s ' \n' ' ' <"$TMP/example.conf" | cut -c1-100))"
OUT=$("$MCPWATCH" run --config "$TMP/example.conf" --format json root-disk 2>&1)
RC=$?
USED=$(python3 -c 'import os; s = os.statvfs("/"); u = s.f_blocks - s.f_bfree; print(100.0 * u / (u + s.f_bavail))')
WANT=$(python3 -c "u = $USED; print('CRITICAL' if u > 95 else 'WARNING' if u > 85 else 'OK')")
GOT=$(jq -r '.instances[0].result.state' <<<"$OUT" 2>/dev/null)
expect_true "[ '$GOT' = '$WANT' ]" "the example's root-disk is $WANT with / ${USED%.*}% used (got $GOT: $(head -c 200 <<<"$OUT"))"

# ---- the agent's systemd unit -----------------------------------------------------------------
# verify runs `man` for Documentation= (the pages of this build) and wants ExecStart's binary.
mkdir -p "$TMP/man/man1" "$TMP/man/man5" "$TMP/unit"
cp "$PACKAGING_DIR/mcpwatch.1" "$TMP/man/man1/"
cp "$PACKAGING_DIR/mcpwatch.conf.5" "$TMP/man/man5/"
sed "s|^ExecStart=[^ ]*|ExecStart=$MCPWATCH|" "$PACKAGING_DIR/mcpwatch-agent.service" >"$TMP/unit/mcpwatch-agent.service"
OUT=$(MANPATH="$TMP/man" systemd-analyze verify "$TMP/unit/mcpwatch-agent.service" 2>&1)
RC=$?
expect_rc 0 "systemd-analyze verify accepts mcpwatch-agent.service"
expect_true "[ -z \"\$OUT\" ]" "and says nothing${OUT:+ ($OUT)}"
OUT=$(systemd-analyze security --offline=yes "$TMP/unit/mcpwatch-agent.service" 2>&1 | grep -o 'Overall exposure level.*')
expect_out "exposure level for mcpwatch-agent.service: [0-1]\.[0-9] " "its hardening: exposure below 2 of 10 ($OUT)"
expect_true "grep -q '^ExecStart=.*/mcpwatch agent --config /.*/mcpwatch/mcpwatch.conf$' '$PACKAGING_DIR/mcpwatch-agent.service' && grep -q '^User=mcpwatch$' '$PACKAGING_DIR/mcpwatch-agent.service'" \
  "the unit runs the installed binary on the installed configuration as user mcpwatch"

# ---- make install: the folders the programs default to -----------------------------------------
# Only the hook runs (a full install would relink libraries that other tests are using).
TOP_BUILD=$(cd "$PACKAGING_DIR/.." && pwd)
LSD=$(sed -n 's/^localstatedir = //p' "$TOP_BUILD/Makefile" | sed "s|\${prefix}|$(sed -n 's/^prefix = //p' "$TOP_BUILD/Makefile")|")
make -s -C "$TOP_BUILD" install-data-local DESTDIR="$TMP/inst" >"$TMP/inst.log" 2>&1
expect_true "[ \"\$(stat -c %a '$TMP/inst$LSD/spool/mcpwatch' 2>/dev/null)\" = 750 ] && [ \"\$(stat -c %a '$TMP/inst$LSD/lib/mcpwatch' 2>/dev/null)\" = 750 ]" \
  "make install creates the spool and state folders, 0750 ($LSD)"
start_receiver
OUT=$("$MCPWATCH" notify webhook -u "http://127.0.0.1:$RECEIVER_PORT/hook" --spool-dir "$TMP/inst$LSD/spool/mcpwatch" \
  -H web1 --service api -S CRITICAL -o "down" 2>&1)
RC=$?
expect_rc 0 "mcpwatch notify delivers through the installed spool folder ($OUT)"

# ---- Icinga 2 ---------------------------------------------------------------------------------
icinga2_api_setup
# Icinga 2 gives its children a clean environment: a wrapper carries the build tree's paths.
mcpwatch_wrapper "$TMP/mcpwatch" "$TMP/check.stderr" MCPWATCH_CHECK_DIR
mkdir -p "$TMP/empty"
cat >"$TMP/icinga2.conf" <<EOF
include <itl>
include "$PACKAGING_DIR/mcpwatch-commands.conf"
include "$SRCDIR/packaging/icinga2/mcpwatch-notify.conf"
include "$SRCDIR/packaging/icinga2/mcpwatch-agent.conf"
include "$TMP/icinga2-api.conf"
object CheckerComponent "checker" { }
object IcingaApplication "app" { }
object Host "node1" { check_command = "dummy"; enable_active_checks = false }
template Service "mcpwatch-test" {
  host_name = "node1"
  check_interval = 1s
  retry_interval = 1s
  vars.mcpwatch_binary = "$TMP/mcpwatch"
}
object Service "disks" {
  import "mcpwatch-test"
  check_command = "mcpwatch-disk"
  vars.mcpwatch_disk_path = [ "/", "$TMP/empty" ]
  vars.mcpwatch_disk_warning = "1%:"
  vars.mcpwatch_timeout = "5s"
}
object Service "strict" {
  import "mcpwatch-test"
  check_command = "mcpwatch-disk"
  vars.mcpwatch_disk_path = [ "/" ]
  vars.mcpwatch_disk_critical = "100%:"
}
EOF
icinga2_setup "$TMP/icinga2.conf"
"${I2[@]}" -C >"$TMP/validate.log" 2>&1
RC=$?
OUT=$(tail -n 5 "$TMP/validate.log")
expect_rc 0 "icinga2 daemon -C accepts the generated CheckCommands with the shipped notification and agent files"
CMDS=$(grep -c '^object CheckCommand "mcpwatch-' "$PACKAGING_DIR/mcpwatch-commands.conf")
expect_true "[ $CMDS = \$(\"\$MCPWATCH\" list | wc -l) ]" "one CheckCommand per installed check ($CMDS)"
start_icinga2
on_exit 'kill $I2_PID; wait $I2_PID'
has_result() { [ "$(service_result "$1" '.state | numbers')" != "" ]; }
wait_for "has_result 'node1!disks' && has_result 'node1!strict'" 30
OUT=$(service_result 'node1!disks' '[.state, .exit_status, .output, (.performance_data | length)]')
expect_out '^\[0,0,"DISK OK - ' "Icinga 2 ran mcpwatch-disk: OK ($OUT)"
expect_true "grep -qE ',[2-9][0-9]*\]$' <<<'$OUT'" "both paths of the repeated option were checked (perfdata items)"
OUT=$(service_result 'node1!disks' .command)
expect_true "jq -e '. == [\"$TMP/mcpwatch\", \"disk\", \"--path\", \"/\", \"--path\", \"$TMP/empty\", \"--timeout\", \"5s\", \"--warning\", \"1%:\"]' <<<'$OUT' >/dev/null" \
  "the command line Icinga 2 built from the variables (options in Icinga 2's key order) ($OUT)"
OUT=$(service_result 'node1!strict' '[.state, .exit_status]')
expect_true "[ '$OUT' = '[2,2]' ]" "a threshold no disk can meet: CRITICAL ($OUT)"
OUT=$(cat "$TMP/check.stderr" 2>/dev/null)
expect_no_out "AddressSanitizer|runtime error|ThreadSanitizer" "the checks under Icinga 2: no sanitizer report"

# ---- Nagios -----------------------------------------------------------------------------------
mkdir -p "$TMP/nagios"
cat >"$TMP/nagios/nagios.cfg" <<EOF
cfg_file=$PACKAGING_DIR/mcpwatch-commands.cfg
cfg_file=$SRCDIR/packaging/nagios/mcpwatch-notify.cfg
cfg_file=$TMP/nagios/objects.cfg
check_result_path=$TMP/nagios
lock_file=$TMP/nagios/nagios.lock
temp_file=$TMP/nagios/tmp
status_file=$TMP/nagios/status.dat
log_file=$TMP/nagios/nagios.log
nagios_user=$(id -un)
nagios_group=$(id -gn)
enable_environment_macros=1
illegal_macro_output_chars=\`~\$&|'"<>
EOF
cat >"$TMP/nagios/objects.cfg" <<EOF
define timeperiod {
  timeperiod_name always
  alias always
  monday 00:00-24:00
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
  check_command mcpwatch-disk!--path /
  max_check_attempts 1
  check_period always
  notification_period always
  contacts oncall
}
define service {
  host_name web1
  service_description disk
  check_command mcpwatch-disk!--path / --warning 10%:
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
expect_rc 0 "nagios4 -v accepts the generated command definitions and the shipped notification commands"
expect_out "Total Errors: +0" "nagios4 -v: no errors"
CMDS=$(grep -c 'command_name  mcpwatch-' "$PACKAGING_DIR/mcpwatch-commands.cfg")
expect_true "[ $CMDS = \$(\"\$MCPWATCH\" list | wc -l) ]" "one Nagios command per installed check ($CMDS)"

finish
