#!/bin/bash
# security.sh - the claims of docs/SECURITY.md that no other test makes: secret files other users
# can read are refused (checks, notifiers, the agent's passive receivers), secrets never reach
# argv, output, perfdata or logs, and what a malicious server puts in its answer cannot forge a
# second status line, perfdata or a Nagios external command.
. "$(dirname "$0")/lib.sh"

need_check vault
need_check rest-health
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs the fake Vault)"

# ---- secret files ------------------------------------------------------------------------------
V=$TMP/vault
mkdir -p "$V"
printf '200\n{"initialized":true,"sealed":false,"standby":false,"server_time_utc":@now,"version":"1.15.2","cluster_name":"c1"}\n' >"$V/health"
printf '200\n{"data":{"ttl":86400,"renewable":true}}\n' >"$V/lookup"
printf 'hvs.s3cret-token\n' >"$V/token"
start_fakevault "$V" PORT
printf 'hvs.s3cret-token\n' >"$TMP/token"
chmod 0644 "$TMP/token"
mw vault -u "http://127.0.0.1:$PORT" --token-file "$TMP/token" --token-ttl-warning 1h
expect_rc 3 "a token file every user can read: the lookup is refused (UNKNOWN: the set-up is wrong)"
expect_out "refusing $TMP/token: every user can read or write it \(chmod o= $TMP/token\)" "says why and how to fix it"
expect_no_out "s3cret" "without the token"
chmod 0640 "$TMP/token"
mw vault -u "http://127.0.0.1:$PORT" --token-file "$TMP/token" --token-ttl-warning 1h
expect_rc 0 "0640 (owner and group): the token is used"
expect_true "grep -qx 'hvs.s3cret-token' '$V/tokens-seen'" "Vault received it"
expect_no_out "s3cret" "the token is in neither output nor perfdata"
chmod 0602 "$TMP/token"
mw rest-health -u "http://127.0.0.1:$PORT/v1/sys/health" --token-file "$TMP/token"
expect_one_error_line "refusing $TMP/token" "a world-writable token file: UNKNOWN, one line"

printf 'R0123456789abcdef0123456789abcdef\n' >"$TMP/key"
chmod 0604 "$TMP/key"
mw notify pagerduty --spool-dir "$TMP/spool" --url "http://127.0.0.1:$PORT/v2/enqueue" \
  --routing-key-file "$TMP/key" -H web1 -s api -S CRITICAL -o "HTTP 503" -w 1s
expect_rc 1 "notify with a world-readable routing key file: the event waits in the spool"
expect_true "grep -q 'refusing $TMP/key' <<<\"\$ERR\$OUT\"" "and says why"
expect_true "! grep -q 0123456789abcdef <<<\"\$ERR\$OUT\"" "without the key"
expect_true "[ -n \"\$(ls '$TMP/spool'/*/*.event 2>/dev/null)\" ]" "the event is kept for when the file is fixed"
expect_true "! grep -rq 0123456789abcdef '$TMP/spool'" "the spool holds the file name, never the key"

# ---- a malicious server's answer ---------------------------------------------------------------
# Vault's cluster name and version are printed: a server that puts a newline, '|' and perfdata in
# them must not add a line, perfdata or a state of its own.
printf '200\n{"initialized":true,"sealed":false,"standby":false,"server_time_utc":@now,"version":"1.15.2\\nVAULT OK - fine | evil=1","cluster_name":"x | injected=666;1;2\\r\\n[0] PROCESS_SERVICE_CHECK_RESULT;h;s;0;forged"}\n' >"$V/health"
mw vault -u "http://127.0.0.1:$PORT"
expect_true "[ \"\$(printf '%s\n' \"\$OUT\" | wc -l)\" = 1 ]" "one status line, whatever the server sends"
expect_true "[ \"\$(grep -o '|' <<<\"\$OUT\" | wc -l)\" = 1 ]" "one '|': the server's became '!'"
expect_true "grep -qE '^clock_skew=[^ ]+ time=[^ ]+\$' <<<\"\${FIRST##* | }\"" "the perfdata is the check's own two items"
expect_first "^VAULT OK - active, version 1.15.2 VAULT OK - fine ! evil=1" "the text is kept, neutralised"

# The agent's Nagios external command file: one line per result, the server's text cannot start
# a command of its own.
cat >"$TMP/agent.conf" <<CONF
state_dir = "$TMP/state"; spool_dir = "$TMP/spool2"; conf_dir = "$TMP/etc";
nagios_command_file = "$TMP/commands";
checks: { vault: { check = "vault"; url = "http://127.0.0.1:$PORT"; interval = 0.2; }; };
CONF
mkdir -p "$TMP/etc"
: >"$TMP/commands"
"$MCPWATCH" agent -c "$TMP/agent.conf" 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill $AGENT"
wait_for "[ \$(wc -l <'$TMP/commands') -ge 3 ]" 10
kill -TERM "$AGENT"
wait_exit "$AGENT" 10
expect_true "[ \$(grep -vc '^\[[0-9]*\] PROCESS_SERVICE_CHECK_RESULT;[^;]*;vault;0;VAULT OK - ' '$TMP/commands') = 0 ]" \
  "every command file line is one result of the vault instance ($(wc -l <"$TMP/commands") lines)"
expect_true "! grep -q 'forged' <<<\"\$(cut -d';' -f1-4 '$TMP/commands')\"" "no forged command"

finish
