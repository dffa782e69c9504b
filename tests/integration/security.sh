#!/bin/bash
# SPDX-License-Identifier: MIT
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
  --routing-key-file "$TMP/key" -H web1 --service api -S CRITICAL -o "HTTP 503" --wait 1s
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
"$MCPWATCH" agent --config "$TMP/agent.conf" 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill $AGENT"
wait_for "[ \$(wc -l <'$TMP/commands') -ge 3 ]" 10
kill -TERM "$AGENT"
wait_exit "$AGENT" 10
expect_true "[ \$(grep -vc '^\[[0-9]*\] PROCESS_SERVICE_CHECK_RESULT;[^;]*;vault;0;VAULT OK - ' '$TMP/commands') = 0 ]" \
  "every command file line is one result of the vault instance ($(wc -l <"$TMP/commands") lines)"
expect_true "! grep -q 'forged' <<<\"\$(cut -d';' -f1-4 '$TMP/commands')\"" "no forged command"

# ---- the spool: trusted only when no other user can write it ---------------------------------
start_receiver
RBASE="http://127.0.0.1:$RECEIVER_PORT"
S=$TMP/trust
mkdir -p "$S/keys"
printf '0123456789abcdef0123456789abcdef\n' >"$S/keys/pd.key"
PDN=(notify pagerduty --spool-dir "$S/spool" --url "$RBASE/v2/enqueue" -H web1 --service api -S CRITICAL -o "HTTP 503" --wait 2s)
# A relative key file is stored absolute: flush from another folder still reads it.
(cd "$S" && "$MCPWATCH" "${PDN[@]}" --routing-key-file keys/pd.key >/dev/null 2>&1)
DEST=$(ls "$S/spool")
expect_true "grep -qx 'routing-key-file=$S/keys/pd.key' '$S/spool/$DEST/destination'" "a relative key file is stored absolute"
expect_true "[ \"\$(stat -c %a '$S/spool/$DEST/destination')\" = 640 ]" "the destination file is 0640"
echo 503 >"$R/mode"
mw "${PDN[@]}" --routing-key-file "$S/keys/pd.key" --wait 1s
echo ok >"$R/mode"
rm -f "$R/requests.jsonl"
# Another user's destination file, and a folder every user can write: refused, nothing sent.
chown nobody "$S/spool/$DEST/destination"
mw flush --now --spool-dir "$S/spool"
expect_true "grep -q 'owned by uid 65534' <<<\"\$OUT\$ERR\"" "flush refuses a destination file another user owns"
expect_true "[ ! -s '$R/requests.jsonl' ]" "and sends nothing"
chown root "$S/spool/$DEST/destination"
chmod o+w "$S/spool"
mw flush --now --spool-dir "$S/spool"
expect_true "grep -q 'every user can write $S/spool' <<<\"\$OUT\$ERR\"" "flush refuses a spool every user can write"
expect_true "[ ! -s '$R/requests.jsonl' ]" "and sends nothing"
mw "${PDN[@]}" --routing-key-file "$S/keys/pd.key"
expect_true "[ $RC != 0 ] && grep -q 'every user can write' <<<\"\$OUT\$ERR\"" "notify refuses it too"
chmod o-w "$S/spool"
chmod o+w "$S/spool/$DEST/destination"
mw flush --now --spool-dir "$S/spool"
expect_true "grep -q 'every user can write $S/spool/$DEST/destination' <<<\"\$OUT\$ERR\" && [ ! -s '$R/requests.jsonl' ]" "a world-writable destination file: refused, nothing sent"
chmod o-w "$S/spool/$DEST/destination"
mw flush --now --spool-dir "$S/spool"
accepted() { [ -f "$R/requests.jsonl" ] && jq -c 'select(.code == 202)' "$R/requests.jsonl" | wc -l || echo 0; }
expect_true "[ \$(accepted) = 1 ]" "once put right, the queue is delivered"

# Keys: empty, a folder, another user's, in a world-writable folder: the event stays queued with
# the reason and nothing is sent.
rm -f "$R/requests.jsonl"
key_case() {
  mw "${PDN[@]}" --routing-key-file "$1" --wait 1s
  expect_true "[ $RC = 1 ] && grep -q '$2' <<<\"\$OUT\$ERR\" && [ ! -s '$R/requests.jsonl' ]" "$3: kept queued with the reason, nothing sent"
  expect_true "[ \$(find '$S/spool' -path '*/dead/*' | wc -l) = 0 ]" "$3: nothing moved to dead/"
}
: >"$S/keys/empty.key"
key_case "$S/keys/empty.key" "first line is empty" "an empty key file"
key_case "$S/keys" "not a regular file" "a folder given as key file"
cp "$S/keys/pd.key" "$S/keys/theirs.key"
chown nobody "$S/keys/theirs.key"
key_case "$S/keys/theirs.key" "owned by uid 65534" "a key another user owns"
mkdir -p "$S/open"
chmod 0777 "$S/open"
cp "$S/keys/pd.key" "$S/open/pd.key"
key_case "$S/open/pd.key" "its folder is writable by every user" "a key in a world-writable folder"
rm -rf "$S/spool"

# A receiver that echoes the request in its error: the key is in no output, log or dead letter.
echo echo >"$R/mode"
mw "${PDN[@]}" --routing-key-file "$S/keys/pd.key"
expect_true "grep -q 'HTTP 400' <<<\"\$OUT\$ERR\"" "the echoing receiver refused the event"
expect_true "grep -q '\[secret\]' <<<\"\$OUT\$ERR\"" "its reply is shown scrubbed"
expect_true "! grep -q 0123456789abcdef <<<\"\$OUT\$ERR\" && ! grep -rq 0123456789abcdef '$S/spool'" "the key is in neither output, stderr nor the spool (dead/*.reason)"
echo ok >"$R/mode"

finish
