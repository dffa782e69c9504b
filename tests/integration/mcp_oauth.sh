#!/bin/bash
# SPDX-License-Identifier: MIT
# mcp_oauth.sh - mcp-tools as an OAuth client: a real authorization server (oidc-provider, pinned,
# from npm) issuing client credentials tokens with RFC 8707 resources, in front of an MCP server
# on the TypeScript SDK v1 that verifies them (oauthstack.mjs). The good chain, a wrong secret, a
# wrong scope (403 insufficient_scope), metadata that 404s, a resource with a trailing slash, an
# issuer that is not the one the metadata names, the well-known fallback, client_secret_post,
# --oauth-discovery-only, the token kept between runs, replaced before it expires and when the
# server refuses it; then hostile metadata servers (fakemcp.py's challenge pointing at
# badserver). Secrets and tokens never reach the output.
. "$(dirname "$0")/lib.sh"

need_check mcp-tools
need_sdk_v2
need_oauth_stack
SECRET="s3cret-$RANDOM-$RANDOM"
mkdir -m 700 "$TMP/secrets"
printf '%s\n' "$SECRET" >"$TMP/secrets/good"
printf 'not-the-secret\n' >"$TMP/secrets/wrong"
chmod 600 "$TMP/secrets/good" "$TMP/secrets/wrong"
GOOD=(--oauth-client-id mcpwatch --oauth-client-secret-file "$TMP/secrets/good")

no_secrets() {
  expect_no_out "$SECRET" "$1: the client secret is not in the output"
  expect_no_out "eyJ" "$1: no token (a JWT) in the output"
}

# ---- the good chain ---------------------------------------------------------------------------
start_stack good
expect_true "loopback_only ${U#http://127.0.0.1:}" "the MCP server listens on 127.0.0.1 only"
mw mcp-tools -u "$U" "${GOOD[@]}" --call whoami -v
expect_rc 0 "good: OK with a token of the client credentials grant"
expect_first "^MCP-TOOLS OK - oauth-test 1\.0\.0, .* 1 tools" "good: the tools are listed"
expect_out "OAuth: protected resource metadata at http://127.0.0.1:[0-9]+/.well-known/oauth-protected-resource/mcp: resource $U, authorization server $AS" \
  "good: the protected resource metadata from the challenge, resource and server named"
expect_out "OAuth: authorization server metadata at $AS/.well-known/(oauth-authorization-server|openid-configuration): issuer matches, token endpoint $AS/token" \
  "good: the authorization server metadata, issuer checked"
expect_out "OAuth: token from $AS/token \(client mcpwatch, client_secret_basic, scope mcp:tools\), valid 300 s" \
  "good: the token, its method, the challenge's scope and lifetime"
expect_out "call whoami: answered in [0-9.]+ ms: client mcpwatch" "good: the server saw the client's token"
expect_out "time_oauth=[0-9.]+s" "good: time_oauth perfdata"
no_secrets good
expect_true "[ \$(issued) = 1 ]" "good: one token issued"

mw mcp-tools -u "$U" --oauth-client-id mcpwatch --oauth-client-secret-file "$TMP/secrets/wrong"
expect_rc 2 "wrong secret: CRITICAL"
expect_first "^MCP-TOOLS CRITICAL - OAuth: token request: HTTP 401 invalid_client .*at $AS/token" \
  "wrong secret: the failing step and the server's error"
expect_one_line "wrong secret: one line"
no_secrets "wrong secret"

mw mcp-tools -u "$U" "${GOOD[@]}" --oauth-scope mcp:read
expect_rc 2 "wrong scope: CRITICAL"
expect_first 'HTTP 403, the server asks for Bearer error="insufficient_scope".*scope="mcp:tools".*\(token just obtained for scope mcp:read\)' \
  "wrong scope: 403 insufficient_scope, the scope wanted and the one asked for"

mw mcp-tools -u "$U" --oauth-client-id mcpwatch-post --oauth-client-secret-file "$TMP/secrets/good" \
  --oauth-auth-method client_secret_post -v
expect_rc 0 "client_secret_post: OK"
expect_out "client mcpwatch-post, client_secret_post" "client_secret_post: the secret went in the form"

before=$(issued)
mw mcp-tools -u "$U" --oauth-discovery-only -v
expect_rc 0 "discovery only: OK"
expect_first "OAuth discovery holds: resource $U, authorization server $AS, token endpoint $AS/token \(no token asked for" \
  "discovery only: the chain named"
expect_true "[ \$(issued) = $before ]" "discovery only: no token asked for"

mw mcp-tools -u "$U" "${GOOD[@]}" --oauth-issuer https://elsewhere.example
expect_rc 2 "--oauth-issuer not listed: CRITICAL"
expect_first "OAuth: protected resource metadata: authorization_servers does not list --oauth-issuer https://elsewhere.example" \
  "--oauth-issuer: the secret goes to no other server"
mw mcp-tools -u "$U" "${GOOD[@]}" --oauth-issuer "$AS"
expect_rc 0 "--oauth-issuer listed: OK"

# The plain build: no leak and no memory error through the chain, a kept token and a call
# (sanitizer builds have LeakSanitizer on every run above instead).
if [ "${SANITIZERS:-no}" != yes ] && command -v valgrind >/dev/null && [ -n "${LIBTOOL:-}" ]; then
  VG="valgrind --quiet --suppressions=$SRCDIR/tests/integration/valgrind.supp --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=42"
  # shellcheck disable=SC2086
  $LIBTOOL --mode=execute $VG "$TEST_BIN/repeat" 2 mcp-tools -u "$U" "${GOOD[@]}" --call whoami \
    -t 30 >"$TMP/out" 2>"$TMP/vg.log"
  RC=$?
  OUT=$(cat "$TMP/out" "$TMP/vg.log")
  expect_true "[ $RC != 42 ] && [ ! -s '$TMP/vg.log' ] && [ \$(grep -c ' OK - ' '$TMP/out') = 2 ]" \
    "valgrind clean: the chain, a token, a kept token, a call (exit $RC)"
fi

# Kept in a process as the agent and collectd keep it: one token for three runs.
before=$(issued)
OUT=$(REPEAT_VERBOSE=1 "$TEST_BIN/repeat" 3 mcp-tools -u "$U" "${GOOD[@]}" 2>&1)
expect_true "[ \$(grep -c ' OK - ' <<<\"\$OUT\") = 3 ]" "kept: three runs OK"
expect_true "[ \$(grep -c 'OAuth: token kept from an earlier run' <<<\"\$OUT\") = 2 ]" "kept: runs 2 and 3 use the kept token"
expect_true "[ \$(issued) = $((before + 1)) ]" "kept: one token for three runs"
no_secrets kept
stop_stack

# A token the server stops taking (revoked): a new one, within the same run.
start_stack good REVOKE_FILE="$TMP/revoked"
OUT=$(REPEAT_VERBOSE=1 REPEAT_BETWEEN="sleep 1.1; touch '$TMP/revoked'" "$TEST_BIN/repeat" 2 mcp-tools -u "$U" "${GOOD[@]}" 2>&1)
expect_true "[ \$(grep -c ' OK - ' <<<\"\$OUT\") = 2 ]" "revoked: both runs OK"
expect_true "[ \$(issued) = 2 ]" "revoked: the refused token replaced at once"
stop_stack

# Tokens of 2 s: replaced shortly before they expire, never presented expired. The exact count
# depends on how long the runs take on a loaded machine; the invariants do not.
start_stack good TTL=2
OUT=$(REPEAT_VERBOSE=1 REPEAT_BETWEEN="sleep 1.2" "$TEST_BIN/repeat" 4 mcp-tools -u "$U" "${GOOD[@]}" 2>&1)
expect_true "[ \$(grep -c ' OK - ' <<<\"\$OUT\") = 4 ]" "expiry: four runs OK"
expect_true "[ \$(issued) -ge 2 ] && [ \$(grep -c 'valid 2 s' <<<\"\$OUT\") = \$(issued) ]" "expiry: a new token when the first neared its end ($(issued) in all)"
expect_true "[ \$(grep -c 'token kept' <<<\"\$OUT\") -ge 1 ]" "expiry: a token is used in more than one run"
expect_true "[ \$(grep -c '^refused' '$LOG') = 0 ]" "expiry: no expired token was presented"
stop_stack

# The agent keeps the token between runs and replaces it before it expires; neither the secret
# nor a token reaches its log, state or spool.
start_stack good TTL=2
cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/spool";
host = "node1";
checks: {
  mcp: { check = "mcp-tools"; url = "$U"; oauth-client-id = "mcpwatch";
         oauth-client-secret-file = "$TMP/secrets/good"; interval = 0.4; timeout = 5; };
};
EOF
"$MCPWATCH" agent --config "$TMP/agent.conf" --workers 1 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill -9 $AGENT 2>/dev/null"
wait_for "[ \$(issued) -ge 3 ]" 30
STATUS=$("$MCPWATCH" status --config "$TMP/agent.conf" 2>&1)
kill "$AGENT"
wait "$AGENT" 2>/dev/null
SERVED=$(grep -c '^served tools/list' "$LOG")
expect_true "[ \$(issued) -ge 3 ]" "agent: new tokens as the old ones near their end ($(issued) issued)"
expect_true "[ $SERVED -ge \$((2 * \$(issued))) ]" "agent: each token serves several runs ($SERVED tools/list for $(issued) tokens)"
expect_true "[ \$(grep -c '^refused' '$LOG') = 0 ]" "agent: no expired token presented"
expect_true "grep -qE '^OK +mcp ' <<<\"\$STATUS\"" "agent: the instance is OK"
expect_true "! grep -rqaF -- '$SECRET' '$TMP/state' '$TMP/spool' '$TMP/agent.log'" "agent: the secret is in no log, state or spool file"
expect_true "! grep -rqa 'eyJ' '$TMP/state' '$TMP/spool' '$TMP/agent.log'" "agent: no token in them either"
stop_stack

# ---- broken chains ----------------------------------------------------------------------------
start_stack prm404
mw mcp-tools -u "$U" "${GOOD[@]}"
expect_rc 2 "metadata 404: CRITICAL"
expect_first "OAuth: protected resource metadata: HTTP 404 at http://127.0.0.1:[0-9]+/.well-known/oauth-protected-resource/mcp \(from the 401's resource_metadata\)" \
  "metadata 404: the step, the status and the URL"
expect_true "[ \$(issued) = 0 ]" "metadata 404: no token asked for"
stop_stack

start_stack nochallenge
mw mcp-tools -u "$U" "${GOOD[@]}" -v
expect_rc 0 "no resource_metadata in the challenge: OK"
expect_out "OAuth: protected resource metadata at http://127.0.0.1:[0-9]+/.well-known/oauth-protected-resource/mcp:" \
  "no resource_metadata: the path-aware well-known URL"
stop_stack

start_stack slash
mw mcp-tools -u "$U" "${GOOD[@]}"
expect_rc 2 "resource mismatch: CRITICAL"
expect_first "OAuth: protected resource metadata: resource \"$U/\" is not \"$U\" \(the --url\)" \
  "resource mismatch: both named"
mw mcp-tools -u "$U" --oauth-discovery-only
expect_rc 2 "resource mismatch, discovery only: CRITICAL too"
mw mcp-tools -u "$U" "${GOOD[@]}" --oauth-resource "$U/"
expect_rc 2 "--oauth-resource taken, the authorization server refuses that resource"
expect_first "OAuth: token request: HTTP 400 invalid_target" "the refusal named"
stop_stack

start_stack issuer
mw mcp-tools -u "$U" "${GOOD[@]}"
expect_rc 2 "issuer mismatch: CRITICAL"
expect_first "OAuth: authorization server metadata at http://localhost:[0-9]+/.well-known/(oauth-authorization-server|openid-configuration): issuer \"$AS\" is not \"http://localhost:[0-9]+\"" \
  "issuer mismatch: the metadata's issuer and the one expected"
expect_true "[ \$(issued) = 0 ]" "issuer mismatch: the secret was not sent"
stop_stack

# ---- hostile metadata servers -----------------------------------------------------------------
FAKE_PORTFILE=$TMP/fakemcp.port
python3 "$SRCDIR/tests/integration/fakemcp.py" "$FAKE_PORTFILE" 2>"$TMP/fakemcp.log" &
on_exit "kill $!"
wait_for "[ -s '$FAKE_PORTFILE' ]" 20 || skip_all "fakemcp.py did not start: $(tail -n 3 "$TMP/fakemcp.log")"
F=http://127.0.0.1:$(cat "$FAKE_PORTFILE")/mcp/auth
challenge() { printf 'Bearer error="invalid_token", resource_metadata="%s"\n' "$1" >"$FAKE_PORTFILE.challenge"; }
for mode in silent slow huge close garbage; do
  start_badserver "$mode" $'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"resource":'
  challenge "http://127.0.0.1:$BAD_PORT/prm"
  mw mcp-tools -u "$F" --oauth-discovery-only -t 3
  expect_true "[ $RC = 2 ] || [ $RC = 3 ]" "metadata server $mode: CRITICAL or UNKNOWN"
  expect_first "OAuth: (protected resource metadata: .*127.0.0.1:$BAD_PORT/prm|timed out)" "metadata server $mode: the step named"
  expect_one_line "metadata server $mode: one line"
  expect_true "[ $ELAPSED_MS -lt 5000 ]" "metadata server $mode: within the timeout (${ELAPSED_MS} ms)"
done
challenge 'http://127.0.0.1:1/prm|injected=1'
mw mcp-tools -u "$F" --oauth-discovery-only -t 3
expect_rc 2 "a metadata URL with '|': CRITICAL"
expect_no_out "\|injected=1" "no perfdata injected"
challenge 'file:///etc/passwd'
mw mcp-tools -u "$F" --oauth-discovery-only
expect_first "the challenge's resource_metadata is no http\(s\) URL" "a file: URL is not fetched"
rm -f "$FAKE_PORTFILE.challenge"

# ---- options ----------------------------------------------------------------------------------
mw mcp-tools -u "$F" --oauth-client-id mcpwatch
expect_one_error_line "needs --oauth-client-secret-file" "a client id without a secret: one line"
mw mcp-tools -u "$F" --oauth-discovery-only "${GOOD[@]}"
expect_one_error_line "asks for no token" "discovery only with a client: one line"
mw mcp-tools -u "$F" --token-env HOME "${GOOD[@]}"
expect_one_error_line "exclude --oauth" "a static token and OAuth: one line"
mw mcp-tools --command "true" "${GOOD[@]}"
expect_one_error_line "is for servers at a --url" "OAuth with --command: one line"
mw mcp-tools -u "$F" --oauth-scope 'a"b' "${GOOD[@]}"
expect_one_error_line "--oauth-scope must be" "a scope with a quote: one line"
mw mcp-tools -u "$F" "${GOOD[@]}" --oauth-auth-method private_key_jwt
expect_rc 3 "an auth method mcpwatch does not offer: UNKNOWN"

finish
