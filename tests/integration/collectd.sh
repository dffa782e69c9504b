#!/bin/bash
# SPDX-License-Identifier: MIT
# collectd.sh - the collectd plugin inside Debian's real collectd: values written by the csv
# plugin for disk (tmpfs the test fills) and redis (a real redis-server) instances, notifications
# as the logfile plugin logs them and, with their meta data, as the exec plugin's
# NotificationExec receives them, a redis stopped and started under a running daemon,
# configuration errors that skip one instance only, valgrind on a whole -T run, and an mcp-tools
# instance with OAuth keeping its token between reads (oauthstack.mjs, tokens of 2 s).
. "$(dirname "$0")/lib.sh"
: "${SRCDIR:?}"

[ -n "${COLLECTD_PLUGIN:-}" ] && [ -f "$COLLECTD_PLUGIN" ] || skip_all "the collectd plugin was not built (Debian: collectd-dev)"
command -v collectd >/dev/null || skip_all "collectd is not installed (Debian: collectd-core)"
need_check disk
need_check redis
command -v redis-server >/dev/null || skip_all "redis-server is not installed (Debian: redis-server)"
need_root_mounts
# exec refuses to run anything as root; the notification script runs as nobody.
id nobody >/dev/null 2>&1 || skip_all "no user nobody for exec's NotificationExec"

CD_PLUGINS=$(collectd -h | sed -n 's/^ *Plugin directory *//p')
for p in csv logfile exec; do
  [ -f "$CD_PLUGINS/$p.so" ] || skip_all "collectd's $p plugin is missing from $CD_PLUGINS"
done
# PluginDir is one folder and collectd refuses symlinked plugins: copies of each.
mkdir -p "$TMP/plugins"
cp "$CD_PLUGINS"/{csv,logfile,exec}.so "$COLLECTD_PLUGIN" "$TMP/plugins/"

# A sanitizer-built plugin needs its runtime loaded first into the uninstrumented daemon.
# collectd's own allocations at exit are not ours to judge: LeakSanitizer stays off inside it
# (the plain build's valgrind run below checks the plugin's leaks).
CD_ENV=()
META=yes
if ldd "$COLLECTD_PLUGIN" | grep -q libasan; then
  CD_ENV=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so)" "ASAN_OPTIONS=detect_leaks=0:exitcode=99:intercept_tls_get_addr=0")
elif ldd "$COLLECTD_PLUGIN" | grep -q libtsan; then
  CD_ENV=(env "LD_PRELOAD=$(gcc -print-file-name=libtsan.so)"
    "TSAN_OPTIONS=${TSAN_OPTIONS:-}:suppressions=$SRCDIR/tests/integration/tsan-collectd.supp")
  # exec's children inherit the preloaded TSan runtime, and /bin/sh crashes under it: the meta
  # data is asserted in the other builds.
  META=no
fi

# The notification script writes where nobody may write.
chmod o+x "$TMP"
mkdir -m 0777 "$TMP/notes"
cat >"$TMP/notes/notify.sh" <<EOF
#!/bin/sh
{ cat; echo "----"; } >>"$TMP/notes/notifications"
EOF
chmod 0755 "$TMP/notes/notify.sh"

# write_conf FILE INTERVAL BLOCK: a collectd.conf with csv, logfile, exec and an mcpwatch block.
# A fixed host name: collectd would otherwise stop where the machine's name does not resolve.
HOST=mcpwatch-test
write_conf() {
  cat >"$1" <<EOF
Hostname "$HOST"
FQDNLookup false
BaseDir "$TMP"
PIDFile "$TMP/collectd.pid"
PluginDir "$TMP/plugins"
TypesDB "/usr/share/collectd/types.db"
Interval $2
AutoLoadPlugin false
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$TMP/collectd.log"
  Timestamp false
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$TMP/csv"
</Plugin>
$([ "$META" = yes ] && printf 'LoadPlugin exec\n<Plugin exec>\n  NotificationExec "nobody" "%s"\n</Plugin>' "$TMP/notes/notify.sh")
LoadPlugin mcpwatch
<Plugin mcpwatch>
$3
</Plugin>
EOF
}

# last_value INSTANCE TYPE-TYPEINSTANCE: the latest value the csv plugin wrote.
last_value() { tail -n 1 "$TMP"/csv/"$HOST"/mcpwatch-"$1"/"$2"-* 2>/dev/null | cut -d, -f2; }
rows() { cat "$TMP"/csv/"$HOST"/mcpwatch-"$1"/"$2"-* 2>/dev/null | grep -vc '^epoch'; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a == b) }'; }
# notifications: what exec's script received (severity, fields, meta data, message).
notifications() { cat "$TMP/notes/notifications" 2>/dev/null; }
# logged: the notifications logfile wrote, "severity = S, ... message = M" per line.
logged() { grep -h 'Notification: severity' "$TMP/collectd.log" 2>/dev/null; }
# collectd_once CONF: collectd -T (one read of each callback); sets RC and OUT (the log). -T
# drops what the write threads have not written yet when it exits, so values are read from a
# daemon run instead (collectd_until).
# The exec plugin is left out: it runs NotificationExec on a thread of its own that -T's exit
# does not wait for, and under load that thread crashed inside collectd as the process ended
# (AddressSanitizer: SEGV in thread T6, right after the fs-warn notification); the daemon runs
# keep it.
collectd_once() {
  rm -rf "$TMP/csv" "$TMP/collectd.log"
  sed '/^LoadPlugin exec$/,/^<\/Plugin>$/d' "$1" >"$1.once"
  "${CD_ENV[@]}" collectd -C "$1.once" -T >"$TMP/collectd.out" 2>&1
  RC=$?
  OUT=$(cat "$TMP/collectd.log" "$TMP/collectd.out" 2>/dev/null)
}
# collectd_until CONF CONDITION: the daemon in the foreground until CONDITION holds (at most
# 20 s), then SIGTERM; sets RC and OUT like collectd_once. Notifications reach exec's script
# asynchronously, so the condition waits for them too.
collectd_until() {
  local pid
  rm -rf "$TMP/csv" "$TMP/collectd.log"
  "${CD_ENV[@]}" collectd -C "$1" -f >"$TMP/collectd.out" 2>&1 &
  pid=$!
  wait_for "$2" 20
  kill "$pid"
  wait "$pid"
  RC=$?
  OUT=$(cat "$TMP/collectd.log" "$TMP/collectd.out" 2>/dev/null)
}
no_sanitizer_report() {
  expect_no_out "AddressSanitizer|runtime error|ThreadSanitizer" "$1: no sanitizer report"
  # The report itself, whole: the failure line above shows only the start of the log.
  grep -E -A60 "AddressSanitizer|runtime error|ThreadSanitizer" <<<"$OUT" | sed 's/^/#   /' | head -n 80
}

M=$TMP/fs
mount_tmpfs "$M" 4m || skip_all "tmpfs mount failed"
fill "$M" 1024
RPORT=$(free_port)
start_redis main "$RPORT"

# ---- the shipped example loads every instance it defines --------------------------------------
# (Debian's collectd 5.12 ignores -t, so the example is run once with -T.)
printf 'Hostname "mcpwatch-test"\nFQDNLookup false\nBaseDir "%s"\nPIDFile "%s/example.pid"\nPluginDir "%s"\nTypesDB "/usr/share/collectd/types.db"\nAutoLoadPlugin false\nLoadPlugin logfile\n<Plugin logfile>\n  LogLevel info\n  File "%s/example.log"\n</Plugin>\nInclude "%s"\n' \
  "$TMP" "$TMP" "$TMP/plugins" "$TMP" "$SRCDIR/plugins/collectd/mcpwatch.conf.example" >"$TMP/example.conf"
"${CD_ENV[@]}" collectd -C "$TMP/example.conf" -T >"$TMP/example.out" 2>&1
RC=$?
OUT=$(cat "$TMP/example.out" "$TMP/example.log")
expect_rc 0 "the shipped example runs under collectd -T"
expect_out "mcpwatch\" successfully loaded" "the shipped example loads the plugin"
expect_no_out 'mcpwatch plugin: check "' "the shipped example: no instance refused"

# ---- one read of each instance: names, types and values --------------------------------------
mkdir -p "$TMP/etc/conf.d"
cat >"$TMP/etc/mcpwatch.conf" <<EOF
timeout = 5;
checks: {
  from-file: { check = "disk"; interval = 60; path = ["$M"]; };
};
EOF
write_conf "$TMP/once.conf" 10 "
  <Check \"fs\">
    Type \"disk\"
    Path \"$M\"
    Warning \"80%\"
    Critical \"90%\"
  </Check>
  <Check \"cache\">
    Type \"redis\"
    Host \"127.0.0.1\"
    Port $RPORT
    Mode \"ping\" \"clients\" \"memory\"
    Timeout 3
  </Check>
  <Check \"fs-warn\">
    Type \"disk\"
    Path \"$M\"
    Warning \"10%\"
  </Check>
  <Check \"fs-few\">
    Type \"disk\"
    Path \"$M\"
    Values \"state\" \"$(printf '%s' "${M#/}" | tr / -)_inodes\"
  </Check>
  <Check \"bad-values\">
    Type \"disk\"
    Path \"$M\"
    Values 3
  </Check>
  <Check \"fs\">
    Type \"disk\"
    Path \"$M\"
    Warning \"10%\"
  </Check>
  <Check \"typo\">
    Type \"disk\"
    Paht \"/\"
  </Check>
  <Check \"no-such\">
    Type \"nosuch\"
  </Check>
  <Check \"bad-range\">
    Type \"redis\"
    Mode \"memory\"
    Warning \"ten\"
  </Check>
  ConfigFile \"$TMP/etc/mcpwatch.conf\""
collectd_once "$TMP/once.conf"
expect_rc 0 "collectd -T: every read callback succeeded"
no_sanitizer_report "collectd -T"
expect_out 'check "typo": no option "Paht"' "collectd -T: the config error is logged"
expect_out 'check "fs": not loaded: collectd refused' "a second instance of the same name is refused"
rm -f "$TMP/notes/notifications"
ALL_READ='for i in fs fs-warn fs-few cache from-file; do [ "$(rows $i gauge-state)" -ge 1 ] || exit 1; done'
[ "$META" = yes ] && ALL_READ="$ALL_READ; notifications | grep -q 'PluginInstance: fs-warn'"
collectd_until "$TMP/once.conf" "($ALL_READ)"
expect_rc 0 "collectd stops cleanly on SIGTERM"
no_sanitizer_report "collectd -f"
read -r used <<<"$(stat -f -c '%b %f %S' "$M" | { read -r b f s; echo $(((b - f) * s)); })"
MOUNT_INSTANCE=$(printf '%s' "${M#/}" | tr / -)
v=$(last_value fs "bytes-$MOUNT_INSTANCE")
expect_true "near '$v' $used" "disk: bytes-<mount> is the used bytes of the tmpfs ($v = $used)"
v=$(last_value fs "percent-${MOUNT_INSTANCE}_inodes")
expect_true "[ -n '$v' ]" "disk: percent-<mount>_inodes written ($v)"
expect_true "near '$(last_value fs gauge-state)' 0" "disk: state gauge 0 (OK; the first 'fs' is the one read)"
expect_true "near '$(last_value fs-warn gauge-state)' 1" "disk over its warning: state gauge 1"
v=$(last_value cache response_time-time)
expect_true "awk -v v='$v' 'BEGIN { exit !(v > 0 && v < 1) }'" "redis: response_time-time in seconds ($v)"
expect_true "near '$(last_value cache gauge-clients)' 1" "redis: gauge-clients counts the plugin's own connection"
v=$(last_value cache bytes-used_memory)
mem=$(redis-cli -p "$RPORT" info memory | tr -d '\r' | sed -n 's/^used_memory://p')
expect_true "awk -v v='$v' -v m='$mem' 'BEGIN { exit !(v > m / 2 && v < m * 2) }'" "redis: bytes-used_memory near INFO's used_memory ($v, $mem)"
expect_true "[ -n '$(last_value cache derive-evicted_keys)' ]" "redis: a counter ('c') as derive"
expect_true "near '$(last_value cache gauge-state)' 0" "redis: state gauge 0"
expect_true "near '$(last_value from-file gauge-state)' 0" "ConfigFile: its instance is read too"
GOT=$(cd "$TMP/csv/$HOST/mcpwatch-fs-few" && ls | sed 's/-[0-9-]*$//' | sort | tr '\n' ' ')
expect_true "[ '$GOT' = 'gauge-state percent-${MOUNT_INSTANCE}_inodes ' ]" \
  "Values \"state\" \"${MOUNT_INSTANCE}_inodes\": only those two are dispatched, not the bytes ($GOT)"
expect_out 'check "bad-values": Values takes names in quotes' "Values with a number is refused, naming the instance"
expect_true "[ ! -d '$TMP/csv/$HOST/mcpwatch-bad-values' ]" "and that instance is not read"
expect_out 'check "typo": no option "Paht"' "config error logged with the instance's name"
expect_out 'check "no-such": unknown check' "unknown check type logged with the instance's name"
expect_out 'check "bad-range": Warning: ' "invalid value logged with the instance's name and key"
expect_true "[ ! -d '$TMP/csv/$HOST/mcpwatch-typo' ]" "the broken instance is not read"
expect_out 'fs-warn: WARNING' "the first problem is logged"
OUT=$(logged)
expect_out "severity = WARNING, .*plugin_instance = fs-warn, .*message = DISK WARNING - $M 25\.0% used \(1\.00 MiB of 4\.00 MiB" "a first WARNING is notified, the status line as message"
expect_no_out 'plugin_instance = (fs|cache|from-file),' "no notification for instances that start OK"
if [ "$META" = yes ]; then
  OUT=$(notifications)
  expect_out '^Severity: WARNING' "exec receives the notification"
  expect_out '^state: WARNING' "notification meta data: state"
  expect_out '^check: disk' "notification meta data: check"
  expect_out "^output: DISK WARNING - $M 25\.0% used.* \| " "notification meta data: the whole Nagios output with perfdata"
fi

# ---- a long status line fits collectd's 256-byte message --------------------------------------
rm -f "$TMP/notes/notifications"
write_conf "$TMP/long.conf" 10 "
  <Check \"long\">
    Type \"redis\"
    Port $RPORT
    Mode \"ping\" \"clients\" \"memory\" \"persistence\" \"replication\"
    MinReplicas 1
  </Check>"
LONG_SEEN="logged | grep -q 'plugin_instance = long'"
[ "$META" = yes ] && LONG_SEEN="$LONG_SEEN && notifications | grep -q '^output: '"
collectd_until "$TMP/long.conf" "$LONG_SEEN"
expect_rc 0 "collectd with a long status line stops cleanly"
no_sanitizer_report "collectd, long status line"
msg=$(logged | sed -n 's/.*plugin_instance = long, .* message = //p')
expect_true "[ \${#msg} -le 255 ] && [ \"\${msg: -3}\" = ... ] && [ \"\${msg#REDIS CRITICAL - }\" != \"\$msg\" ]" "message: the status line cut to 255 bytes with '...' (${#msg} bytes)"
if [ "$META" = yes ]; then
  OUT=$(notifications | grep '^output: ')
  expect_out "persistence: last save .* \| " "the meta data keeps what the message cut; MinReplicas named --min-replicas"
fi

# ---- a running daemon: redis stopped and started again ---------------------------------------
rm -rf "$TMP/csv" "$TMP/notes/notifications" "$TMP/collectd.log"
# Beside it, a server that accepts and never answers: its reads take their whole timeout on
# a read thread of their own and hold nothing else up.
start_badserver silent
write_conf "$TMP/live.conf" 1 "
  <Check \"cache\">
    Type \"redis\"
    Host \"127.0.0.1\"
    Port $RPORT
    Interval 0.2
    Timeout 1
  </Check>
  <Check \"silent\">
    Type \"redis\"
    Port $BAD_PORT
    Interval 0.2
    Timeout 1
  </Check>"
conns() { redis-cli -p "$RPORT" info stats | tr -d '\r' | sed -n 's/^total_connections_received://p'; }
before=$(conns)
"${CD_ENV[@]}" collectd -C "$TMP/live.conf" -f >"$TMP/collectd.out" 2>&1 &
CD_PID=$!
on_exit "kill $CD_PID; wait $CD_PID"
wait_for "[ \"\$(rows cache gauge-state)\" -ge 5 ]" 20
after=$(conns)
expect_true "[ \$(rows cache gauge-state) -ge 5 ] && [ \$((after - before)) -le 2 ]" "5 reads on one kept connection (connections received: $before -> $after)"
wait_for "[ \"\$(rows silent gauge-state)\" -ge 2 ]" 10
expect_true "near '$(last_value silent gauge-state)' 2" "a server that never answers: CRITICAL after the 1 s timeout, read again"
expect_true "[ \$(rows cache gauge-state) -ge \$((\$(rows silent gauge-state) * 3)) ]" "the silent server does not slow the other instance's reads ($(rows cache gauge-state) vs $(rows silent gauge-state))"
kill "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null
wait_for "logged | grep -q 'severity = FAILURE, .*plugin_instance = cache,'" 20
OUT=$(logged | grep 'plugin_instance = cache,')
expect_out 'severity = FAILURE, .*message = REDIS CRITICAL - .*127\.0\.0\.1' "redis stopped: FAILURE notification with the status line"
if [ "$META" = yes ]; then
  wait_for "notifications | grep -q '^previous_state: OK'" 10
  OUT=$(notifications)
  expect_out '^previous_state: OK' "FAILURE meta data: the previous state"
fi
n=$(rows cache gauge-state)
wait_for "[ \"\$(rows cache gauge-state)\" -ge $((n + 3)) ]" 10
expect_true "near '$(last_value cache gauge-state)' 2" "while redis is down the instance is still read: state 2"
start_redis main "$RPORT"
wait_for "logged | grep -q 'severity = OKAY'" 20
OUT=$(logged)
expect_out 'severity = OKAY, .*message = REDIS OK - ' "redis back: OKAY notification"
expect_true "[ \$(logged | grep -c 'plugin_instance = cache,') = 2 ]" "exactly two notifications for the redis (no OKAY at start, no repeats)"
expect_true "[ \$(logged | grep -c 'plugin_instance = silent,') = 1 ]" "one notification for the silent server"
kill "$CD_PID"
wait "$CD_PID"
RC=$?
expect_rc 0 "collectd stops cleanly"
OUT=$(cat "$TMP/collectd.out" "$TMP/collectd.log")
expect_out 'cache: OK -> CRITICAL' "the state change is logged"
expect_no_out 'read-function of plugin .* failed|suspend' "the read callback never failed, so it was never suspended"
no_sanitizer_report "collectd -f"

# ---- forwarding: the plugin's and the threshold plugin's notifications reach PagerDuty -------
if [ -f "${MCPWATCH_NOTIFIER_DIR:-}/pagerduty.so" ] && [ -f "$CD_PLUGINS/threshold.so" ] && command -v jq >/dev/null; then
  cp "$CD_PLUGINS/threshold.so" "$TMP/plugins/"
  start_receiver
  KEY=0123456789abcdef0123456789abcdef
  echo "$KEY" >"$TMP/pd.key"
  write_conf "$TMP/fwd.conf" 1 "
  SpoolDir \"$TMP/spool\"
  StateDir \"$TMP/state\"
  <Notifier \"oncall\">
    Type \"pagerduty\"
    Url \"http://127.0.0.1:$(cat "$R/port")/v2/enqueue\"
    RoutingKeyFile \"$TMP/pd.key\"
    Timeout 5
  </Notifier>
  <Check \"fs-warn\">
    Type \"disk\"
    Path \"$M\"
    Warning \"10%\"
  </Check>"
  cat >>"$TMP/fwd.conf" <<EOF
LoadPlugin threshold
<Plugin threshold>
  <Plugin "mcpwatch">
    <Type "bytes">
      WarningMax 1000
    </Type>
    <Type "percent">
      WarningMax 99
    </Type>
  </Plugin>
</Plugin>
EOF
  pd_got() { jq -c 'select(.code == 202) | .body | fromjson' "$R/requests.jsonl" 2>/dev/null; }
  collectd_until "$TMP/fwd.conf" "pd_got | grep -q 'above the warning threshold' && pd_got | grep -q '\"component\":\"fs-warn\"'"
  expect_rc 0 "forwarding: collectd stops cleanly"
  no_sanitizer_report "forwarding"
  OWN=$(pd_got | jq -c 'select(.payload.component == "fs-warn") | [.event_action, .dedup_key, .payload.class, .payload.severity, .payload.custom_details.origin]')
  expect_true "[ '$OWN' = '[\"trigger\",\"mcpwatch/$HOST/fs-warn\",\"disk\",\"warning\",\"collectd\"]' ]" "the plugin's own WARNING triggers in PagerDuty ($OWN)"
  expect_true "pd_got | jq -r 'select(.payload.component == \"fs-warn\") | .payload.summary' | grep -q '^$HOST/fs-warn WARNING: DISK WARNING - '" "its summary is the check's status line"
  TH=$(pd_got | jq -c 'select(.payload.summary // "" | test("threshold")) | [.event_action, .payload.class, .payload.severity, (.payload.component | startswith("mcpwatch-fs-warn/bytes"))]' | head -n 1)
  expect_true "[ '$TH' = '[\"trigger\",\"mcpwatch\",\"warning\",true]' ]" "the threshold plugin's notification triggers too ($TH)"
  expect_true "[ \$(ls '$TMP/spool/oncall' | grep -c '\\.event$') = 0 ]" "delivered events are gone from the spool"
  expect_true "! grep -q '$KEY' '$TMP/collectd.log' '$TMP/collectd.out'" "the routing key is not in collectd's log"
  expect_out "notifier \"oncall\" \(pagerduty\): spool $TMP/spool/oncall" "the notifier's spool is logged at start"
  expect_out "within range again" "the threshold plugin said OKAY for a value that never failed"
  expect_true "! pd_got | grep -q 'within range again'" "that OKAY is not forwarded: nothing was wrong"

  # A restart while the problems last: the state files say they were sent already.
  N=$(pd_got | wc -l)
  collectd_until "$TMP/fwd.conf" "grep -q 'above the warning threshold' '$TMP/collectd.log' && grep -q 'fs-warn: WARNING' '$TMP/collectd.log'"
  expect_rc 0 "restart: collectd stops cleanly"
  expect_true "[ \$(pd_got | wc -l) = $N ]" "restart: the same problems are not sent again"
  rm -rf "$TMP/state"

  # A downtime set from the command line: the plugin's WARNING is held while it lasts and sent
  # when it ends, although collectd says nothing new then (its state has not changed).
  rm -rf "$TMP/state"
  rm -f "$R/requests.jsonl"
  printf 'state_dir = "%s";\nchecks: { fs-warn: { check = "disk"; path = "/"; }; };\n' "$TMP/state" >"$TMP/downtime.conf"
  # Taken before the add: the downtime ends 6 s after a moment no earlier than this one (after
  # the add, the clock may have passed into the next second already).
  DT_END=$(($(date +%s) + 6))
  mw downtime add fs-warn --for 6s --config "$TMP/downtime.conf"
  expect_rc 0 "downtime add fs-warn (for collectd's instance)"
  collectd_until "$TMP/fwd.conf" "pd_got | grep -q '\"component\":\"fs-warn\"'"
  expect_rc 0 "downtime: collectd stops cleanly"
  AT=$(sed -n 's/^told oncall WARNING.* at=\([0-9]*\).*/\1/p' "$TMP"/state/collectd-fs-warn*.state)
  expect_true "[ -n '$AT' ] && [ '$AT' -ge $DT_END ]" "downtime: the WARNING went out when the downtime ended, not before (at ${AT:-never}, end $DT_END)"
  expect_true "grep -q 'fs-warn: no longer held' '$TMP/collectd.log'" "and collectd's log says it was released"
  rm -rf "$TMP/state"

  # Routing in collectd: a notifier with States "critical" "recovery" gets no WARNING.
  rm -f "$R/requests.jsonl"
  rm -rf "$TMP/state"
  write_conf "$TMP/route.conf" 1 "
  StateDir \"$TMP/state\"
  SpoolDir \"$TMP/spool\"
  <Notifier \"all\">
    Type \"webhook\"
    Url \"http://127.0.0.1:$(cat "$R/port")/hook/all\"
  </Notifier>
  <Notifier \"crit\">
    Type \"webhook\"
    Url \"http://127.0.0.1:$(cat "$R/port")/hook/crit\"
    States \"critical\" \"recovery\"
  </Notifier>
  <Check \"fs-warn\">
    Type \"disk\"
    Path \"$M\"
    Warning \"10%\"
  </Check>"
  hook_got() { jq -r 'select(.code == 200) | "\(.path) \(.body | fromjson | .alerts[0].labels.service) \(.body | fromjson | .mcpwatch.state)"' "$R/requests.jsonl" 2>/dev/null; }
  collectd_until "$TMP/route.conf" "hook_got | grep -q '^/hook/all fs-warn WARNING$'"
  expect_true "hook_got | grep -q '^/hook/all fs-warn WARNING$' && ! hook_got | grep -q '^/hook/crit fs-warn'" \
    "collectd: States \"critical\" \"recovery\" keeps a WARNING from that notifier ($(hook_got | tr '\n' ';'))"
  rm -rf "$TMP/state"
  # Flap detection in collectd: the plugin's own instance forwards every result (notifications
  # carry changes only), so a flapping endpoint sends one FLAPPINGSTART and one FLAPPINGSTOP.
  if [ -f "$MCPWATCH_CHECK_DIR/rest_health.so" ]; then
    rm -f "$R/requests.jsonl"
    rm -rf "$TMP/state"
    printf 'state_dir = "%s";\nchecks: { flappy: { check = "rest-health"; url = "http://127.0.0.1:%s/health/flappy"; timeout = "2s"; flap_detection = true; flap_window = 9; }; };\n' \
      "$TMP/state" "$(cat "$R/port")" >"$TMP/flap-file.conf"
    write_conf "$TMP/flap.conf" 1 "
  StateDir \"$TMP/state\"
  SpoolDir \"$TMP/spool\"
  <Notifier \"chat\">
    Type \"webhook\"
    Url \"http://127.0.0.1:$(cat "$R/port")/hook/chat\"
  </Notifier>
  ConfigFile \"$TMP/flap-file.conf\""
    flap_got() { jq -r 'select(.code == 200 and .path == "/hook/chat") | .body | fromjson | .mcpwatch.notification_type' "$R/requests.jsonl" 2>/dev/null; }
    # The endpoint changes every 0.6 s while collectd reads it every second.
    (while :; do echo 503 >"$R/health-flappy"; sleep 0.6; echo 200 >"$R/health-flappy"; sleep 0.6; done) &
    TOGGLER=$!
    on_exit "kill $TOGGLER"
    "${CD_ENV[@]}" collectd -C "$TMP/flap.conf" -f >"$TMP/collectd.out" 2>&1 &
    CD=$!
    wait_for "flap_got | grep -q FLAPPINGSTART" 40
    kill "$TOGGLER"
    echo 200 >"$R/health-flappy"
    wait_for "flap_got | grep -q FLAPPINGSTOP" 40
    kill "$CD"
    wait "$CD"
    GOT=$(flap_got | tr '\n' ' ')
    expect_true "[ \"\$(flap_got | grep -c FLAPPINGSTART)\" = 1 ] && [ \"\$(flap_got | grep -c FLAPPINGSTOP)\" = 1 ]" \
      "collectd: a flapping endpoint sends one FLAPPINGSTART and one FLAPPINGSTOP ($GOT)"
    expect_true "[ \"\$(flap_got | sed -n '/FLAPPINGSTART/,/FLAPPINGSTOP/p' | grep -c 'PROBLEM\|RECOVERY')\" = 0 ]" \
      "and no problem or recovery between them"
    rm -rf "$TMP/state"
  fi

  # depends_on from the ConfigFile: while the parent's state file says CRITICAL the child's
  # WARNING is held; once the parent is OK it is sent.
  rm -f "$R/requests.jsonl"
  mkdir -p "$TMP/state"
  printf 'state_dir = "%s";\nchecks: {\n  parent: { check = "disk"; path = "%s"; };\n  child: { check = "disk"; path = "%s"; warning = "10%%"; depends_on = ["parent"]; };\n};\n' \
    "$TMP/state" "$M" "$M" >"$TMP/dep-file.conf"
  write_conf "$TMP/dep.conf" 1 "
  StateDir \"$TMP/state\"
  SpoolDir \"$TMP/spool\"
  <Notifier \"oncall\">
    Type \"pagerduty\"
    Url \"http://127.0.0.1:$(cat "$R/port")/v2/enqueue\"
    RoutingKeyFile \"$TMP/pd.key\"
  </Notifier>
  ConfigFile \"$TMP/dep-file.conf\""
  printf 'hard=CRITICAL last=CRITICAL attempts=0 since=1 notified=1 problem_sent=1\nseq 1\n' >"$TMP/state/collectd-parent.state"
  collectd_until "$TMP/dep.conf" "grep -q '^note held: parent is CRITICAL' '$TMP/state/collectd-child.state' 2>/dev/null"
  expect_true "grep -q '^note held: parent is CRITICAL' '$TMP/state/collectd-child.state' && ! pd_got | grep -q '\"component\":\"child\"'" \
    "collectd: depends_on holds the child's WARNING while the parent is CRITICAL"
  printf 'hard=OK last=OK attempts=0 since=1 notified=1 problem_sent=0\nseq 2\n' >"$TMP/state/collectd-parent.state"
  collectd_until "$TMP/dep.conf" "pd_got | grep -q '\"component\":\"child\"'"
  expect_true "pd_got | grep -q '\"component\":\"child\"'" "and sends it once the parent is OK"
  rm -rf "$TMP/state"

  # The receiver failing all along: events wait on disk past collectd's exit, then flush sends.
  echo 503 >"$R/mode"
  rm -f "$R/requests.jsonl"
  collectd_until "$TMP/fwd.conf" "[ \$(ls '$TMP/spool/oncall' | grep -c '\\.event$') -ge 2 ] && grep -q 'HTTP 503' '$TMP/collectd.log'"
  expect_rc 0 "receiver down: collectd still stops cleanly"
  PENDING=$(ls "$TMP/spool/oncall" | grep -c '\.event$')
  expect_true "[ $PENDING -ge 2 ]" "undelivered events stay in the spool after collectd exits ($PENDING)"
  expect_true "grep -q 'attempt 1, next in' '$TMP/collectd.log'" "the failed attempt and the backoff are logged"
  echo ok >"$R/mode"
  mw flush --spool-dir "$TMP/spool" --now
  expect_out "^oncall: $PENDING delivered, 0 refused, 0 pending" "mcpwatch flush delivers what collectd left"
fi

# ---- valgrind: a whole -T run with every kind of instance --------------------------------------
if [ "${SANITIZERS:-no}" = no ] && command -v valgrind >/dev/null; then
  rm -rf "$TMP/csv"
  valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --keep-debuginfo=yes \
    --log-file="$TMP/vg.log" collectd -C "$TMP/once.conf" -T >/dev/null 2>&1
  # collectd's own allocations are its business; a record that runs through the plugin, the
  # library or a check is ours.
  OUT=$(awk -v RS= '/mcpwatch|mw_|checks\/\.libs|instance_|config_check/' "$TMP/vg.log")
  expect_true "[ -f '$TMP/vg.log' ] && [ -z \"\$OUT\" ]" "valgrind: no leak or memory error from the plugin"
  expect_true "[ -d '$TMP/csv/$HOST/mcpwatch-cache' ]" "valgrind run: values were read"
  if [ -f "$TMP/fwd.conf" ]; then
    # Forwarding: notifiers opened, events spooled and delivered by the thread, all closed.
    rm -rf "$TMP/state" "$R/requests.jsonl"
    valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --keep-debuginfo=yes \
      --log-file="$TMP/vg-fwd.log" collectd -C "$TMP/fwd.conf" -T >/dev/null 2>&1
    OUT=$(awk -v RS= '/mcpwatch|mw_|checks\/\.libs|notify\/\.libs|forward/' "$TMP/vg-fwd.log")
    expect_true "[ -f '$TMP/vg-fwd.log' ] && [ -z \"\$OUT\" ]" "valgrind: no leak or memory error from forwarding"
    expect_true "[ -f '$TMP/state/collectd-fs-warn.state' ]" "valgrind run: a notification went through the tracker"
  fi
fi

# ---- mcp-tools with OAuth: the token kept between reads -----------------------------------------
if ! oauth_stack_available; then
  if [ "${MCPWATCH_REQUIRE_ALL:-0}" = 1 ]; then
    not_ok "collectd with OAuth: the OAuth stack is not installed (./quickstart test installs it)"
  else
    echo "# collectd with OAuth: skipped, the OAuth stack is not installed"
  fi
else
  SECRET="s3cret-$RANDOM-$RANDOM"
  mkdir -m 700 "$TMP/secrets"
  (umask 077 && printf '%s\n' "$SECRET" >"$TMP/secrets/oauth")
  start_stack good TTL=2
  write_conf "$TMP/oauth.conf" 0.5 "
  <Check \"mcp-oauth\">
    Type \"mcp-tools\"
    Url \"$U\"
    OAuthClientId \"mcpwatch\"
    OAuthClientSecretFile \"$TMP/secrets/oauth\"
    Timeout 5
  </Check>"
  collectd_until "$TMP/oauth.conf" "[ \$(issued) -ge 3 ] && [ \"\$(rows mcp-oauth gauge-state)\" -ge 2 ]"
  SERVED=$(grep -c '^served tools/list' "$LOG")
  expect_true "[ \$(issued) -ge 3 ] && [ $SERVED -ge \$((2 * \$(issued))) ]" \
    "collectd: the token kept between reads, replaced before it expires ($(issued) tokens, $SERVED tools/list)"
  expect_true "[ \$(grep -c '^refused' '$LOG') = 0 ]" "collectd: no expired token presented"
  expect_true "near \"\$(last_value mcp-oauth gauge-state)\" 0" "collectd: the instance's state OK ($(last_value mcp-oauth gauge-state))"
  expect_true "! grep -rqaF -- '$SECRET' '$TMP/csv' '$TMP/collectd.log' '$TMP/collectd.out'" "collectd: the secret is in no value or log"
  no_sanitizer_report "collectd with OAuth"
  stop_stack
fi

finish
