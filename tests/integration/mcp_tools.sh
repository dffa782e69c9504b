#!/bin/bash
# SPDX-License-Identifier: MIT
# mcp_tools.sh - the mcp-tools check against the real MCP reference server
# (@modelcontextprotocol/server-everything, pinned, from npm; MCPWATCH_MCP_SERVER names its
# dist/index.js) in both of its HTTP transports, against fakemcp.py for what the reference
# server does not do (pages, JSON answers, versions, tokens, forgotten sessions, misbehaviour),
# and against servers that never answer.
. "$(dirname "$0")/lib.sh"

need_check mcp-tools
need_everything
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs fakemcp.py)"

start_everything streamableHttp
MCP=http://127.0.0.1:$EVERYTHING_PORT/mcp
expect_true "loopback_only $EVERYTHING_PORT" "the reference server listens on 127.0.0.1 only"

# ---- the reference server, Streamable HTTP ----------------------------------------------------
mw mcp-tools -u "$MCP"
expect_rc 0 "streamable HTTP: OK"
expect_first "^MCP-TOOLS OK - mcp-servers/everything [0-9.]+, MCP 2025-11-25 \\(legacy\\), [0-9]+ tools in [0-9]+ ms" "server, version, era and tool count"
expect_out "time=[0-9.]+s;;;0 time_discover=U;;;0 time_initialize=[0-9.]+s;;;0 time_tools_list=[0-9.]+s;;;0 tools=[0-9]+;;;0" "perfdata"
expect_out "^\\\\_ \\[OK\\] tool echo$" "the tools in long output"
mw mcp-tools -u "$MCP" --expect-tools echo,get-sum -w 5s -c 10s
expect_rc 0 "expected tools present"
expect_out "time=[0-9.]+s;5;10;0" "time ranges in perfdata"
mw mcp-tools -u "$MCP" --expect-tools echo,no-such-tool,other-missing
expect_rc 2 "a missing tool is CRITICAL"
expect_first "missing: no-such-tool, other-missing" "names the missing tools"
mw mcp-tools -u "$MCP" --expect-tools no-such-tool --missing-state warning
expect_rc 1 "--missing-state warning"
printf '# tools the app needs\necho\n\n  get-sum  \nno-such-tool # gone?\n' >"$TMP/tools.txt"
mw mcp-tools -u "$MCP" --expect-tools-file "$TMP/tools.txt"
expect_rc 2 "--expect-tools-file: comments, blanks and spaces ignored"
expect_first "missing: no-such-tool$|missing: no-such-tool " "only the missing one named"
mw mcp-tools -u "$MCP" --forbid-tools get-env
expect_rc 2 "a forbidden tool present is CRITICAL"
expect_first "forbidden: get-env" "names it"
mw mcp-tools -u "$MCP" --min-tools 1000
expect_rc 2 "--min-tools above the count is CRITICAL"
mw mcp-tools -u "$MCP" --call echo --call-args '{"message":"hello"}' --ping
expect_rc 0 "tools/call echo and ping"
mw mcp-tools -u "$MCP" --call get-sum --call-args '{"a":"x"}'
expect_rc 2 "a call the server refuses is CRITICAL"
expect_first "call get-sum" "names the call"
mw mcp-tools -u "$MCP" --call no-such-tool
expect_rc 2 "calling an unknown tool is CRITICAL"
mw mcp-tools -u "$MCP" -w 0
expect_rc 1 "-w 0 on the time is WARNING"
mw mcp-tools -u "$MCP" --transport sse
expect_rc 2 "--transport sse against a Streamable HTTP server is CRITICAL"
expect_one_line "wrong transport: one line"
mw mcp-tools -u "http://127.0.0.1:$EVERYTHING_PORT/nowhere"
expect_rc 2 "a wrong path is CRITICAL"
expect_one_line "wrong path: one line"
OUT=$("$TEST_BIN/repeat" 3 mcp-tools -u "$MCP")
expect_true "[ \"\$(grep -c ' OK - ' <<<\"\$OUT\")\" = 3 ]" "a kept instance: three runs OK"
expect_true "[ \"\$(grep -c 'time_initialize=U' <<<\"\$OUT\")\" = 2 ]" "a kept instance reuses its session"

# ---- the reference server, legacy HTTP+SSE ----------------------------------------------------
start_everything sse
SSE=http://127.0.0.1:$EVERYTHING_PORT/sse
mw mcp-tools -u "$SSE" --transport sse --expect-tools echo --call echo --call-args '{"message":"x"}' --ping
expect_rc 0 "legacy SSE transport: OK, with a call and ping"
expect_first "MCP 2025-11-25 \\(legacy SSE\\)" "says legacy SSE"
mw mcp-tools -u "$SSE"
expect_rc 0 "auto falls back to legacy SSE when the POST is refused"
mw mcp-tools -u "$SSE" --forbid-tools echo
expect_rc 2 "legacy SSE: a forbidden tool present"
OUT=$("$TEST_BIN/repeat" 2 mcp-tools -u "$SSE")
expect_true "[ \"\$(grep -c ' OK - ' <<<\"\$OUT\")\" = 2 ]" "legacy SSE: a kept instance runs again"

# ---- fakemcp.py: what the reference server does not do ----------------------------------------
FAKE_PORTFILE=$TMP/fakemcp.port
python3 "$SRCDIR/tests/integration/fakemcp.py" "$FAKE_PORTFILE" 2>"$TMP/fakemcp.log" &
FAKE_PID=$!
on_exit "kill $FAKE_PID"
wait_for "[ -s '$FAKE_PORTFILE' ]" 20 || skip_all "fakemcp.py did not start: $(tail -n 3 "$TMP/fakemcp.log")"
F=http://127.0.0.1:$(cat "$FAKE_PORTFILE")/mcp

mw mcp-tools -u "$F/json" --expect-tools search,fetch --call search --ping
expect_rc 0 "JSON answers instead of SSE"
mw mcp-tools -u "$F/notify" --expect-tools search
expect_rc 0 "SSE: a priming event and a notification before the response"
mw mcp-tools -u "$F/paged" --expect-tools search,summarise,delete-all,ping-db --min-tools 7
expect_rc 0 "three pages of tools/list, every tool found"
expect_first " 7 tools" "seven tools over three pages"
mw mcp-tools -u "$F/endlesspages" --max-pages 5
expect_rc 2 "a server that pages without end is CRITICAL"
expect_first "still paging after 5 pages" "says so"
mw mcp-tools -u "$F/oldversion"
expect_rc 0 "an older protocol version the server answers is accepted"
expect_first "MCP 2024-11-05" "and reported"
mw mcp-tools -u "$F/badversion"
expect_rc 2 "an unknown protocol version is CRITICAL"
expect_first "1999-01-01" "names it"
expect_one_line "unknown version: one line"
mw mcp-tools -u "$F/auth"
expect_rc 2 "no token: 401 is CRITICAL"
expect_first 'HTTP 401, the server asks for Bearer realm="mcp", error="invalid_token"' "summarises the challenge"
expect_one_line "401: one line"
printf 's3cret\n' >"$TMP/token"
mw mcp-tools -u "$F/auth" --token-file "$TMP/token"
expect_rc 0 "bearer token from --token-file"
MCP_TOKEN=wrong mw mcp-tools -u "$F/auth" --token-env MCP_TOKEN
expect_rc 2 "a wrong token is CRITICAL"
expect_no_out "wrong|s3cret" "tokens are never printed"
mw mcp-tools -u "$F/rpcerror"
expect_rc 2 "a JSON-RPC error is CRITICAL"
expect_first "error -32601 Method not found" "with code and message"
mw mcp-tools -u "$F/iserror" --call search
expect_rc 2 "a call answering isError is CRITICAL"
expect_first "isError: it broke" "with the tool's text"
mw mcp-tools -u "$F/wrongid"
expect_rc 2 "an answer with another id is CRITICAL"
expect_first "no response with id" "says so"
mw mcp-tools -u "$F/badjson"
expect_rc 2 "invalid JSON in an SSE event is CRITICAL"
expect_first "invalid JSON in an SSE event" "says so"
expect_one_line "invalid JSON: one line"
mw mcp-tools -u "$F/closes"
expect_rc 2 "an SSE stream closed before the response, not resumable: CRITICAL"
expect_first "HTTP 405 \\(resuming the response stream\\)" "says the resumption was refused ($FIRST)"
mw mcp-tools -u "$F/resume" -v
expect_rc 0 "a stream closed after its priming event: resumed with GET and Last-Event-ID"
expect_out "resumed 1 time with Last-Event-ID" "the long output says so"
expect_true "grep -q '^r-' '$FAKE_PORTFILE.resumes'" "the GET named the event id"
mw mcp-tools -u "$F/endless" -t 2
expect_rc 2 "an SSE stream that never brings the response: CRITICAL at the timeout"
expect_within 3000 "endless stream: within -t + 1 s"
expect_first "timed out" "endless stream: says so"
mw mcp-tools -u "$F/junk" -t 5
expect_rc 2 "10 MB of SSE junk is CRITICAL"
expect_first "larger than" "junk: says the limit"
expect_one_line "junk: one line"
mw mcp-tools -u "$F/evil" --forbid-tools "x | pwned=1;2;3" --lint off
expect_rc 2 "tool names with '|' and newlines: matched as they are"
expect_true "[ \"\$(printf '%s\n' \"\$OUT\" | wc -l)\" = 8 ] && [ \"\$(printf '%s\n' \"\$OUT\" | tail -n +2 | grep -vc '^\\\\_ \\[')\" = 0 ]" "a server cannot add lines to the output"
expect_true "[ \"\$(printf '%s\n' \"\$OUT\" | tr -cd '|' | wc -c)\" = 1 ]" "nor start perfdata: one '|' in all the output"
expect_true "! grep -q pwned <<<\"\${FIRST#*|}\"" "the injected text stays out of the perfdata"
mw mcp-tools -u "$F/evil"
expect_out "lint: tool name \"x ! pwned=1;2;3\" breaks the specification's rules" "the lint names them too"
expect_true "[ \"\$(printf '%s\n' \"\$OUT\" | tail -n +2 | grep -vc '^\\\\_ \\[')\" = 0 ] && [ \"\$(printf '%s\n' \"\$OUT\" | tr -cd '|' | wc -c)\" = 1 ]" "in lines of their own, no '|' added"
mw mcp-tools -u "$F/nodelete"
expect_rc 0 "DELETE answered 405 is fine"
mw mcp-tools -u "$F/hangdelete" -t 1
expect_rc 0 "a DELETE that never answers does not change the state"
expect_within 2000 "nor keep the check past -t + 1 s"
: >"$FAKE_PORTFILE.inits"
OUT=$("$TEST_BIN/repeat" 2 mcp-tools -u "$F/forgetful")
expect_true "[ \"\$(grep -c ' OK - ' <<<\"\$OUT\")\" = 2 ]" "a forgotten session: the second run still OK"
expect_true "[ \"\$(wc -l <'$FAKE_PORTFILE.inits')\" = 2 ]" "re-initialised once"
: >"$FAKE_PORTFILE.inits"
OUT=$("$TEST_BIN/repeat" 3 mcp-tools -u "$F/json")
expect_true "[ \"\$(wc -l <'$FAKE_PORTFILE.inits')\" = 1 ]" "a kept session is initialised once for three runs"

# ---- servers that are not the reference server ------------------------------------------------
mw mcp-tools -u "$F/redirect" --expect-tools search -vv
expect_rc 0 "307 to /mcp/ (FastMCP before 1.12) is followed, POST and body kept"
expect_out "followed HTTP 307 to /mcp/redirect/" "the long output says where it was redirected"
mw mcp-tools -u "$F/redirect301" --expect-tools search
expect_rc 0 "301 is followed with the POST kept"
mw mcp-tools -u "$F/redirectloop" --max-redirects 3
expect_rc 2 "a redirect loop is CRITICAL"
expect_first "more than 3 redirects" "says so"
expect_one_line "redirect loop: one line"
mw mcp-tools -u "$F/redirect" --max-redirects 0
expect_rc 2 "--max-redirects 0: the 307 is the answer"
: >"$FAKE_PORTFILE.tokens"
mw mcp-tools -u "$F/redirectaway" --token-file "$TMP/token" --header "X-API-Key: k3y"
expect_rc 0 "a redirect to another origin is followed"
expect_true "[ -s '$FAKE_PORTFILE.tokens' ] && ! grep -q 's3cret\|k3y' '$FAKE_PORTFILE.tokens'" \
  "neither the token nor --header go to the other origin ($(head -c 200 "$FAKE_PORTFILE.tokens"))"
expect_out "on another origin" "the long output says the credentials were left out"
: >"$FAKE_PORTFILE.elicit"
mw mcp-tools -u "$F/elicit" -t 8
expect_rc 0 "an elicitation request on the response stream is answered, the check goes on"
expect_within 3000 "at once, not at the timeout"
expect_true "grep -q '\"id\": \"elicit-1\".*-32601' '$FAKE_PORTFILE.elicit'" "answered with -32601 and the request's id"
expect_out "request \\(last: elicitation/create\\): answered -32601" "the long output says so"
mw mcp-tools -u "$F/texterror"
expect_rc 2 "421 with a text body is CRITICAL"
expect_first "initialize: HTTP 421: Invalid Host header" "the text body summarised in the line"
mw mcp-tools -u "$F/oautherror"
expect_rc 2 "500 with an OAuth error body is CRITICAL"
expect_first "HTTP 500: server_error: the database is down" "the OAuth error summarised"
mw mcp-tools -u "$F/rpcerror"
expect_no_out "tools/list: tools/list|initialize: initialize" "no doubled prefix"
expect_first "tools/list: error -32601 Method not found" "the step named once"
mw mcp-tools -u "$F/apikey"
expect_rc 2 "an API-key server without the key is CRITICAL"
mw mcp-tools -u "$F/apikey" --header "X-API-Key: k3y" --expect-tools search
expect_rc 0 "--header sends the API key"
printf '# the key\nX-API-Key: k3y\n\n' >"$TMP/headers"
mw mcp-tools -u "$F/apikey" --header-file "$TMP/headers"
expect_rc 0 "--header-file sends it too"
expect_no_out "k3y" "the key is never printed"
printf 'not a header\n' >"$TMP/badheaders"
mw mcp-tools -u "$F/apikey" --header-file "$TMP/badheaders"
expect_rc 3 "a --header-file line that is not a header is UNKNOWN"
expect_first "line 1 is not 'Name: value'" "says which line"
mw mcp-tools -u "$F/apikey" --header "X-API-Key k3y"
expect_one_error_line "expected 'Name: value'" "a --header without a colon is refused"
mw mcp-tools -u "$F/refuseversion"
expect_rc 0 "a version refusal listing supported versions is retried once with a common one"
expect_first "MCP 2025-03-26" "with the newest common one"
expect_out "2025-11-25 refused \\(the server speaks 2024-11-05, 2025-03-26\\): retried with 2025-03-26" "the long output says so"
mw mcp-tools -u "$F/json" --ping --call search --expect-tools search,nothere -vv
expect_out "^\\\\_ \\[OK\\] initialize: fakemcp 0.1, MCP 2025-11-25 \\(legacy\\) in [0-9.]+ ms" "long output: initialize with its time"
expect_out "^\\\\_ \\[OK\\] tools/list page 1: 2 tools in [0-9.]+ ms" "long output: each page with its time"
expect_out "^\\\\_ \\[OK\\] ping \\(--ping\\): answered in [0-9.]+ ms" "long output: ping"
expect_out "^\\\\_ \\[OK\\] call search: answered in [0-9.]+ ms: it broke" "long output: the call"
expect_out "^\\\\_ \\[CRITICAL\\] missing tool nothere" "long output: the missing tool"
mw mcp-tools -u "$F/endless" -t 1.5
expect_first "tools/list: timed out: no answer within the 1.5 s timeout" "a timeout gives the run's budget"

# ---- servers that misbehave on the TCP level --------------------------------------------------
mw mcp-tools -u "http://127.0.0.1:$(free_port)/mcp"
expect_rc 2 "connection refused is CRITICAL"
expect_one_line "refused: one line"
start_badserver silent
mw mcp-tools -u "http://127.0.0.1:$BAD_PORT/mcp" -t 1
expect_rc 2 "a server that never answers: CRITICAL at the timeout"
expect_within 2000 "silent: within -t + 1 s"
start_badserver slow $'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nevent: message\ndata: {"jsonrpc"'
mw mcp-tools -u "http://127.0.0.1:$BAD_PORT/mcp" -t 2
expect_rc 2 "one byte a second: CRITICAL"
expect_within 3000 "one byte a second: within -t + 1 s"
start_badserver close
mw mcp-tools -u "http://127.0.0.1:$BAD_PORT/mcp"
expect_rc 2 "closed mid-request: CRITICAL"
expect_one_line "closed: one line"
start_badserver huge $'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"jsonrpc":"2.0","id":1,"result":"'
mw mcp-tools -u "http://127.0.0.1:$BAD_PORT/mcp" -t 5
expect_rc 2 "an endless JSON body: CRITICAL at the cap"
expect_first "larger than" "says so"

# ---- options ---------------------------------------------------------------------------------
mw mcp-tools
expect_one_error_line "--url URL or --command .PROG ARGS. is required" "no --url (nor --command)"
mw mcp-tools -u "$MCP" --call-args '[1]' --call echo
expect_one_error_line "JSON object" "--call-args that is not an object"
mw mcp-tools -u "$MCP" --call-args '{}'
expect_one_error_line "needs --call" "--call-args without --call"
mw mcp-tools -u "$MCP" --expect-tools-file "$TMP/missing.txt"
expect_one_error_line "cannot read" "an unreadable --expect-tools-file"
mw mcp-tools -u "$MCP" --transport carrier-pigeon
expect_one_error_line "transport" "an unknown transport"

finish
