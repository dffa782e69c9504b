#!/bin/bash
# SPDX-License-Identifier: MIT
# email.sh - the email notifier against a real SMTP server (Debian's aiosmtpd, smtpserver.py):
# STARTTLS and implicit TLS verified against a test CA, AUTH with a password file, several
# recipients, the message parsed back with Python's email package (Nagios's subject, body,
# threading of a recovery under its problem), refusals (550 final, 451 and a wrong password
# retried), servers without STARTTLS or that never answer, and run --notify routing criticals
# to email.
. "$(dirname "$0")/lib.sh"
NOTIFIER="${MCPWATCH_NOTIFIER_DIR:-}/email.so"
[ -f "$NOTIFIER" ] || skip_all "the email notifier was not built"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || skip_all "Debian's python3-aiosmtpd is not installed"
command -v openssl >/dev/null || skip_all "openssl is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"

make_ca "$TMP/ca"
make_cert "$TMP/ca" smtp localhost "DNS:localhost,IP:127.0.0.1" "$(cert_date '-1 day')" "$(cert_date '+30 days')"
echo "s3cret pass" >"$TMP/smtp.pass"
chmod 600 "$TMP/smtp.pass"
echo "wrong" >"$TMP/wrong.pass"
chmod 600 "$TMP/wrong.pass"

# start_smtp NAME starttls|implicit: the server in $TMP/NAME, its port in the variable NAME_PORT.
start_smtp() {
  local dir="$TMP/$1" port
  mkdir -p "$dir"
  port=$(free_port)
  /usr/bin/python3 "$SRCDIR/tests/integration/smtpserver.py" "$dir" "$port" "$TMP/ca/smtp.pem" \
    "$TMP/ca/smtp.key" "$2" monitor "s3cret pass" 2>>"$TMP/smtp.log" &
  on_exit "kill $!"
  wait_for "[ -s '$dir/port' ]" 20 || skip_all "smtpserver.py did not start: $(tail -n 3 "$TMP/smtp.log")"
  printf -v "${1^^}_PORT" '%s' "$port"
}
start_smtp starttls starttls
start_smtp implicit implicit

# header N FIELD (from $TMP/DIR/N.eml, decoded), body N.
header() { /usr/bin/python3 -c 'import email, email.policy, sys; m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default); print(m[sys.argv[2]] or "")' "$TMP/$1.eml" "$2"; }
body() { /usr/bin/python3 -c 'import email, email.policy, sys; m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default); print(m.get_content())' "$TMP/$1.eml"; }

SEND=(notify email --from mcpwatch@example.com --to oncall@example.com --to dev@example.com
  --user monitor --password-file "$TMP/smtp.pass" --ca-cert "$TMP/ca/ca.pem" --spool-dir "$TMP/spool" --wait 10)

# ---- STARTTLS, AUTH, two recipients, the message ------------------------------------------------
mw "${SEND[@]}" --url "smtp://localhost:$STARTTLS_PORT" -H web1 --service api -S CRITICAL \
  -o "HTTP/1.1 503 in 2 ms" --long-output $'database: connection refused\nqueue: 12 waiting' --check rest-health
expect_rc 0 "STARTTLS with AUTH: delivered, exit 0"
expect_true "[ -f '$TMP/starttls/1.eml' ]" "the server has the message"
GOT=$(jq -c '[.from, .to, .auth]' "$TMP/starttls/1.json")
expect_true "[ '$GOT' = '[\"mcpwatch@example.com\",[\"oncall@example.com\",\"dev@example.com\"],true]' ]" "envelope: the sender, both recipients, authenticated ($GOT)"
expect_true "[ \"\$(header starttls/1 Subject)\" = '** PROBLEM Service Alert: web1/api is CRITICAL **' ]" "Subject as Nagios builds it ($(header starttls/1 Subject))"
expect_true "[ \"\$(header starttls/1 To)\" = 'oncall@example.com, dev@example.com' ]" "To: both ($(header starttls/1 To))"
PROBLEM_ID=$(header starttls/1 Message-ID)
expect_true "grep -qE '^<evt_[0-9a-f]{32}\.[0-9]+@example.com>$' <<<'$PROBLEM_ID'" "a Message-ID in the sender's domain ($PROBLEM_ID)"
expect_true "[ -n \"\$(header starttls/1 Date)\" ] && [ \"\$(header starttls/1 Auto-Submitted)\" = auto-generated ]" "Date and Auto-Submitted: auto-generated"
BODY=$(body starttls/1)
expect_true "grep -q '^State: CRITICAL' <<<\"\$BODY\" && grep -q '^HTTP/1.1 503 in 2 ms$' <<<\"\$BODY\" && grep -q '^queue: 12 waiting$' <<<\"\$BODY\" && grep -q '^Check: rest-health$' <<<\"\$BODY\"" \
  "the body: state, output, long output, check"
expect_true "! grep -q 's3cret' '$TMP/starttls/1.eml' && ! grep -rq 's3cret' '$TMP/spool'" "the password is neither in the message nor in the spool"

# ---- the recovery answers the problem ------------------------------------------------------------
mw "${SEND[@]}" --url "smtp://localhost:$STARTTLS_PORT" -H web1 --service api -S OK -T RECOVERY \
  --previous-state CRITICAL -o "HTTP/1.1 200 in 1 ms"
expect_rc 0 "the recovery: delivered"
expect_true "[ \"\$(header starttls/2 Subject)\" = '** RECOVERY Service Alert: web1/api is OK **' ]" "its subject ($(header starttls/2 Subject))"
expect_true "[ \"\$(header starttls/2 In-Reply-To)\" = '$PROBLEM_ID' ] && [ \"\$(header starttls/2 References)\" = '$PROBLEM_ID' ]" \
  "In-Reply-To and References: the problem's Message-ID, so it lands in its thread"
mw "${SEND[@]}" --url "smtp://localhost:$STARTTLS_PORT" -H web1 --service api -S WARNING -o "slow"
expect_true "[ $RC = 0 ] && [ -z \"\$(header starttls/3 In-Reply-To)\" ]" "the next problem starts a thread of its own"

# ---- implicit TLS, a host event, a subject that is not ASCII, a header that tries to inject ------
mw "${SEND[@]}" --url "smtps://localhost:$IMPLICIT_PORT" -H web1 -S CRITICAL -o "host down"
expect_true "[ $RC = 0 ] && [ \"\$(header implicit/1 Subject)\" = '** PROBLEM Host Alert: web1 is DOWN **' ]" "smtps://: delivered; a host event's subject ($(header implicit/1 Subject))"
mw "${SEND[@]}" --url "smtps://localhost:$IMPLICIT_PORT" -H web1 --service $'Überwachung\r\nBcc: evil@example.net' -S WARNING -o x
expect_true "[ $RC = 0 ] && [ \"\$(header implicit/2 Subject)\" = '** PROBLEM Service Alert: web1/Überwachung  Bcc: evil@example.net is WARNING **' ] && [ -z \"\$(header implicit/2 Bcc)\" ]" \
  "a service name with CR LF stays in the subject (RFC 2047, one line): no Bcc header ($(header implicit/2 Subject))"
expect_true "[ \"\$(jq -c .to '$TMP/implicit/2.json')\" = '[\"oncall@example.com\",\"dev@example.com\"]' ]" "and no extra recipient"

# ---- refusals ------------------------------------------------------------------------------------
echo 550 >"$TMP/starttls/mode"
mw "${SEND[@]}" --url "smtp://localhost:$STARTTLS_PORT" -H web1 --service api -S CRITICAL -o x
expect_true "[ $RC = 2 ] && grep -q 'SMTP 550: RCPT failed' <<<\"\$ERR\"" "a recipient refused with 550: final, exit 2, the reason logged ($ERR)"
echo 451 >"$TMP/starttls/mode"
mw "${SEND[@]}" --url "smtp://localhost:$STARTTLS_PORT" -H web1 --service api -S CRITICAL -o x --wait 1
expect_true "[ $RC = 1 ] && grep -q 'SMTP 451' <<<\"\$OUT\"" "451 at DATA: kept for later, exit 1 ($OUT)"
echo ok >"$TMP/starttls/mode"
SEND_WRONG=("${SEND[@]}")
SEND_WRONG[11]="$TMP/wrong.pass"
mw "${SEND_WRONG[@]}" --url "smtp://localhost:$STARTTLS_PORT" --spool-dir "$TMP/spool2" -H web1 --service api -S CRITICAL -o x --wait 1
expect_true "[ $RC = 1 ] && grep -q 'SMTP 535' <<<\"\$OUT\"" "a wrong password: kept for later (the operator fixes it), exit 1 ($OUT)"
cp "$TMP/smtp.pass" "$TMP/wrong.pass"
mw flush --spool-dir "$TMP/spool2" --now
expect_true "[ $RC = 0 ] && [ -f '$TMP/starttls/4.eml' ]" "the password file fixed: flush delivers what waited ($OUT)"
mw notify email --from mcpwatch@example.com --to oncall@example.com --url "smtp://localhost:$STARTTLS_PORT" \
  --spool-dir "$TMP/spool3" -H web1 --service api -S CRITICAL -o x --wait 1
expect_true "[ $RC = 1 ] && grep -qi 'certificate' <<<\"\$OUT\"" "the test CA not given: the certificate is refused, kept for later ($OUT)"

# ---- hostile servers -----------------------------------------------------------------------------
python3 "$SRCDIR/tests/integration/fakesmtp.py" "$TMP/nostls.port" "$TMP/ca/smtp.pem" "$TMP/ca/smtp.key" nostarttls 2>>"$TMP/smtp.log" &
on_exit "kill $!"
wait_for "[ -s '$TMP/nostls.port' ]" 10
mw notify email --from a@example.com --to b@example.com --url "smtp://127.0.0.1:$(cat "$TMP/nostls.port")" \
  --spool-dir "$TMP/spool4" -H web1 --service api -S CRITICAL -o x --wait 1
expect_true "[ $RC = 1 ]" "a server without STARTTLS: nothing sent in plain text, kept ($OUT)"
start_badserver silent
mw notify email --from a@example.com --to b@example.com --url "smtp://127.0.0.1:$BAD_PORT" \
  --spool-dir "$TMP/spool5" -H web1 --service api -S CRITICAL -o x --wait 1 --timeout 2
expect_true "[ $RC = 1 ] && [ $ELAPSED_MS -lt 8000 ]" "a server that never greets: given up within the timeout, kept (${ELAPSED_MS} ms)"

# ---- bad options: one line each ------------------------------------------------------------------
for args in "--to b@example.com" "--from nobody --to b@example.com" "--from a@example.com" \
  "--from a@example.com --to b@example.com --url http://x" \
  "--from a@example.com --to b@example.com --user u" \
  "--from a@example.com --to b@example.com --starttls no --user u --password-file $TMP/smtp.pass"; do
  # shellcheck disable=SC2086
  mw notify email $args --spool-dir "$TMP/spool6" -H web1 -S CRITICAL -o x
  expect_one_error_line "." "refused: $args ($OUT)"
done

# ---- run --notify: criticals by email, warnings elsewhere ----------------------------------------
start_receiver
cat >"$TMP/mail.conf" <<EOF
state_dir = "$TMP/state"; spool_dir = "$TMP/spool-run"; host = "web1";
notifiers: {
  mail: { type = "email"; url = "smtp://localhost:$STARTTLS_PORT"; from = "mcpwatch@example.com";
          to = ["oncall@example.com"]; user = "monitor"; password_file = "$TMP/smtp.pass";
          ca_cert = "$TMP/ca/ca.pem"; states = ["critical", "recovery"]; };
  chat: { type = "webhook"; url = "http://127.0.0.1:$RECEIVER_PORT/hook/chat"; states = ["warning"]; };
};
checks: { api: { check = "rest-health"; url = "http://127.0.0.1:$RECEIVER_PORT/health/api"; }; };
EOF
rm -f "$TMP"/starttls/*.eml "$TMP"/starttls/*.json
echo 503 >"$R/health-api"
mw run --config "$TMP/mail.conf" --notify
wait_for "[ -f '$TMP/starttls/1.eml' ]" 10
expect_true "[ \"\$(header starttls/1 Subject)\" = '** PROBLEM Service Alert: web1/api is CRITICAL **' ]" "run --notify: a CRITICAL goes by email ($(header starttls/1 Subject))"
echo 200 >"$R/health-api"
mw run --config "$TMP/mail.conf" --notify
wait_for "[ -f '$TMP/starttls/2.eml' ]" 10
expect_true "[ \"\$(header starttls/2 In-Reply-To)\" = \"\$(header starttls/1 Message-ID)\" ]" "and its recovery in the same thread"
echo degraded >"$R/health-api"
mw run --config "$TMP/mail.conf" --notify
expect_true "[ ! -f '$TMP/starttls/3.eml' ] && grep -q '/hook/chat' '$R/requests.jsonl'" "a WARNING goes to chat, not by email"
# ---- a link planted as a thread's file is neither read nor written through ----------------------
rm -f "$TMP"/starttls/*.eml "$TMP"/starttls/*.json
LINKS=(notify email --from mcpwatch@example.com --to oncall@example.com --user monitor
  --password-file "$TMP/smtp.pass" --ca-cert "$TMP/ca/ca.pem" --spool-dir "$TMP/spool-links" --wait 10
  --url "smtp://localhost:$STARTTLS_PORT" -H web9 --service db)
mw "${LINKS[@]}" -S CRITICAL -o down
THREAD=$(ls "$TMP"/spool-links/email-*/thread-* 2>/dev/null | head -n 1)
expect_true "[ $RC = 0 ] && [ -f '$THREAD' ]" "a problem keeps its thread's Message-ID in a file"
rm -f "$THREAD"
echo '<stolen@example.net>' >"$TMP/thread-secret"
ln -s "$TMP/thread-secret" "$THREAD"
mw "${LINKS[@]}" -S OK -T RECOVERY --previous-state CRITICAL -o up
expect_true "[ $RC = 0 ] && [ -f '$TMP/starttls/2.eml' ] && [ -z \"\$(header starttls/2 In-Reply-To)\" ]" \
  "a thread file that is a symbolic link is not read ($(header starttls/2 In-Reply-To))"
ln -sf "$TMP/thread-victim" "$THREAD"
mw "${LINKS[@]}" -S CRITICAL -o down
expect_true "[ $RC = 0 ] && [ ! -e '$TMP/thread-victim' ] && [ -f '$THREAD' ] && [ ! -L '$THREAD' ]" \
  "nor written through: the new thread's file replaces the link"
finish
