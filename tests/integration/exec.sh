#!/bin/bash
# SPDX-License-Identifier: MIT
# The exec check runs monitoring-plugins' own plugins (Debian monitoring-plugins): check_dummy in
# every state, check_tcp against a real listener, check_load's perfdata; and plugins that hang,
# fork and exit, print 10 MB, die by a signal, or print the guidelines' multi-line perfdata. No
# stray process, no zombie, no descriptor left behind in a kept state.
. "$(dirname "$0")/lib.sh"
need_check exec
PLUGINS=/usr/lib/nagios/plugins
[ -x "$PLUGINS/check_dummy" ] || skip_all "monitoring-plugins is not installed"

for s in 0 1 2 3; do
  mw exec -- "$PLUGINS/check_dummy" "$s" "state $s"
  expect_true "[ $RC = $s ] && grep -qE '^EXEC [A-Z]+ - [A-Z]+: state $s\$' <<<\"\$OUT\"" "check_dummy $s: exit $s, its text as the summary ($FIRST)"
done
mw exec "$PLUGINS/check_dummy" 1 "without --"
expect_rc 1 "without '--' the plugin's own options are still its own"

PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 "$PORT" >/dev/null 2>&1 &
HTTPD=$!
on_exit "kill $HTTPD"
wait_for "(exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null" 10
mw exec -- "$PLUGINS/check_tcp" -H 127.0.0.1 -p "$PORT"
expect_true "[ $RC = 0 ] && grep -qE '^EXEC OK - TCP OK - [0-9.]+ second response time on 127.0.0.1 port $PORT \| time=[0-9.]+s;;;0' <<<\"\$OUT\"" \
  "check_tcp against a real listener: OK with its time perfdata ($FIRST)"
kill "$HTTPD"
wait_for "! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null" 10
mw exec -- "$PLUGINS/check_tcp" -H 127.0.0.1 -p "$PORT"
expect_true "[ $RC = 2 ] && grep -q 'Connection refused' <<<\"\$FIRST\"" "check_tcp once the listener is gone: CRITICAL, refused"

mw exec --format json -- "$PLUGINS/check_load" -w 99,99,99 -c 99,99,99
expect_true "jq -e '.state == \"OK\" and ([.perfdata[].label] == [\"load1\", \"load5\", \"load15\"]) and .perfdata[0].warn == \"99\" and .perfdata[0].min == 0' <<<\"\$OUT\" >/dev/null" \
  "check_load's perfdata read with its ranges (JSON)"

# ---- the guidelines' long output with perfdata on later lines --------------------------------
cat >"$TMP/multi" <<'S'
#!/bin/sh
echo 'DISK OK - free space: / 3326 MB (56%);| /=2643MB;5948;5958;0;5968'
echo '/ 15272 MB (77%);'
echo '/boot 68 MB (69%); | /boot=68MB;88;93;0;98'
echo '/home=69357MB;253404;253409;0;253414'
exit 0
S
chmod +x "$TMP/multi"
mw exec -- "$TMP/multi"
expect_true "[ \"\$OUT\" = \"\$(printf 'EXEC OK - DISK OK - free space: / 3326 MB (56%%); | /=2643MB;5948;5958;0;5968 /boot=68MB;88;93;0;98 /home=69357MB;253404;253409;0;253414\n/ 15272 MB (77%%);\n/boot 68 MB (69%%);')\" ]" \
  "multi-line output: long output kept, perfdata of every line read"

# ---- hostile plugins -------------------------------------------------------------------------
mw exec -t 2 -- /bin/sh -c 'trap "" TERM; echo started; while :; do sleep 1; done'
expect_true "[ $RC = 2 ] && [ \"\$OUT\" = 'EXEC CRITICAL - /bin/sh did not finish before the timeout: its process group was killed' ]" \
  "a plugin that hangs and ignores SIGTERM: CRITICAL at the timeout, one line"
expect_within 3500 "a plugin that hangs: ended within the timeout"
expect_true "! pgrep -f 'while :; do sleep 1; done' >/dev/null" "a plugin that hangs: nothing of it left running"
mw exec -t 2 --timeout-state unknown -- /bin/sleep 30
expect_rc 3 "--timeout-state unknown"

mw exec -- /bin/sh -c 'sleep 300 & echo "forked and left"; exit 0'
expect_true "[ $RC = 0 ] && [ \"\$OUT\" = 'EXEC OK - forked and left' ]" "a plugin that forks and exits: its own state"
expect_within 1500 "a plugin that forks and exits: no wait for its child"
expect_true "! pgrep -x -f 'sleep 300' >/dev/null" "a plugin that forks and exits: the child holding the pipe is killed with its group"

mw exec -- /bin/sh -c 'head -c 10000000 /dev/zero | tr "\0" "x"; echo; echo "line two"; exit 1'
expect_true "[ $RC = 1 ] && [ \$(wc -l <<<\"\$OUT\") = 2 ] && grep -qxE '\\(99344[0-9]{2} bytes of output beyond --output-max dropped\\)' <<<\"\$OUT\"" \
  "a plugin that prints 10 MB: capped at --output-max, the drop said, its state kept"
mw exec -- /bin/sh -c 'echo dying; kill -9 $$'
expect_true "[ $RC = 3 ] && grep -qx '(/bin/sh was killed by SIGKILL)' <<<\"\$OUT\"" "a plugin killed by a signal: UNKNOWN, the signal named"
mw exec -- /bin/sh -c 'echo odd; exit 7'
expect_true "[ $RC = 3 ] && grep -q 'exited with status 7, which is no plugin state' <<<\"\$OUT\"" "exit 7: UNKNOWN, said"
mw exec -- /bin/sh -c 'echo "only on stderr" >&2; exit 2'
expect_true "[ $RC = 2 ] && [ \"\$OUT\" = 'EXEC CRITICAL - (no output on stdout) stderr: only on stderr' ]" "stdout empty: stderr shown"
mw exec -- /bin/sh -c 'printf "a\001b|c\n|x=1\n"'
expect_true "[ $RC = 0 ] && [ \"\$FIRST\" = 'EXEC OK - a b | x=1' ]" "control characters neutralised; a '|' alone starts perfdata"
mw exec -- /nonexistent/check
expect_true "[ $RC = 3 ] && grep -q 'cannot run /nonexistent/check: No such file or directory' <<<\"\$FIRST\"" "a missing plugin: UNKNOWN, named"
mw exec -- check_dummy 0
expect_true "[ $RC = 3 ] && grep -q 'must be an absolute path' <<<\"\$FIRST\"" "a relative command: refused (no PATH search)"
mw exec --env NOEQUALS -- /bin/true
expect_true "[ $RC = 3 ] && grep -q 'is not NAME=VALUE' <<<\"\$FIRST\"" "--env without '=': refused"

# ---- the environment: only PATH and what is passed -------------------------------------------
SECRET_OF_THE_AGENT=hunter2 mw exec --env GREETING=hi -- /usr/bin/env
expect_true "[ \"\$(sed 1d <<<\"\$OUT\" | sort | tr '\n' ' ')\" = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ' ] && grep -q 'GREETING=hi' <<<\"\$FIRST\"" \
  "environment: PATH and --env only, nothing of ours"

# ---- a kept state, as in the agent and collectd: no descriptor or process left ---------------
OUT=$(REPEAT_AUDIT=1 "$TEST_BIN/repeat" 5 exec -- /bin/sh -c 'sleep 300 & echo x' 2>&1)
expect_true "[ \$(grep -c '^audit: ' <<<\"\$OUT\") = 5 ] && [ \$(grep '^audit: ' <<<\"\$OUT\" | sort -u | wc -l) = 1 ] && grep -q 'children=0' <<<\"\$OUT\"" \
  "five runs on one state: the same descriptors after each, no child left (zombie or not)"

# ---- from the configuration ------------------------------------------------------------------
cat >"$TMP/exec.conf" <<EOF2
checks: {
  dummy: { check = "exec"; command = [ "$PLUGINS/check_dummy", "1", "from the config" ]; };
  tcp: { check = "exec"; command = [ "$PLUGINS/check_tcp", "-H", "127.0.0.1", "-p", "$PORT" ]; timeout = 5; };
};
EOF2
OUT=$("$MCPWATCH" run --config "$TMP/exec.conf" 2>&1)
RC=$?
expect_true "grep -qE '^WARNING +dummy +exec .*WARNING: from the config' <<<\"\$OUT\" && grep -qE '^CRITICAL +tcp +exec ' <<<\"\$OUT\"" \
  "mcpwatch run schedules exec instances from command lists"

finish
