#!/bin/bash
# SPDX-License-Identifier: MIT
# mcp_calls.sh - mcp-tools making real calls: --call with --call-expect and time ranges, and
# flows (--calls, and calls = ( {...} ) in the configuration) in which a result's values feed
# the next call's arguments: against fakemcp.py in catalog mode (open gives a handle that only
# that server knows; query and fetch need it) and against the reference server
# (server-everything: get-structured-content, echo). Expectations that hold and fail, per-call
# perfdata, a failed call ending the flow, and calls refused at open.
. "$(dirname "$0")/lib.sh"

need_check mcp-tools
need_everything
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs fakemcp.py)"

FAKE_PORTFILE=$TMP/fakemcp.port
python3 - "$FAKE_PORTFILE.catalog" <<'PY'
import json, sys
obj = {"type": "object"}
tools = [{"name": "open", "inputSchema": obj},
         {"name": "query", "inputSchema": {"type": "object", "properties": {"handle": {"type": "string"}}, "required": ["handle"]}},
         {"name": "fetch", "inputSchema": {"type": "object", "properties": {"handle": {"type": "string"}, "id": {"type": "string"}}, "required": ["handle", "id"]}},
         {"name": "slow", "inputSchema": obj}]
json.dump({"tools": tools}, open(sys.argv[1], "w"))
PY
python3 "$SRCDIR/tests/integration/fakemcp.py" "$FAKE_PORTFILE" 2>"$TMP/fakemcp.log" &
FAKE_PID=$!
on_exit "kill $FAKE_PID"
wait_for "[ -s '$FAKE_PORTFILE' ]" 20 || skip_all "fakemcp.py did not start: $(tail -n 3 "$TMP/fakemcp.log")"
F=http://127.0.0.1:$(cat "$FAKE_PORTFILE")/mcp/catalog

OPEN='{"tool": "open", "expect": ["structuredContent.handle"]}'
QUERY='{"tool": "query", "args_from": {"handle": "structuredContent.handle"}, "expect": ["structuredContent.count;1:"]}'
FETCH='{"tool": "fetch", "args_from": {"handle": "flow[0].structuredContent.handle", "id": "structuredContent.items[1].id"}, "expect": ["structuredContent.body=item b2", "text=item b2"]}'

# ---- a flow of three calls with a handle --------------------------------------------------------
mw mcp-tools -u "$F" --calls "$OPEN" --calls "$QUERY" --calls "$FETCH"
expect_rc 0 "open, query with its handle, fetch with the handle and an id: OK"
expect_out "time_call_open=[0-9.]+s;;;0 time_call_query=[0-9.]+s;;;0 time_call_fetch=[0-9.]+s;;;0" "per-call perfdata, in order"
expect_out '^\\_ \[OK\] call query: expect structuredContent.count = 2$' "the expectation's line"
expect_out '^\\_ \[OK\] call fetch: expect text = item b2$' "a text content that is no JSON is read as text"
expect_out "^\\\\_ \\[OK\\] call fetch: answered in [0-9.]+ ms: item b2" "the last call answered"

mw mcp-tools -u "$F" --calls "$OPEN" --calls '{"tool": "query", "args_from": {"handle": "structuredContent.handle"}, "expect": ["structuredContent.count;5:"]}'
expect_rc 1 "an expectation's WARNING range not met: WARNING"
expect_first "call query: structuredContent.count = 2" "names the call, the path and the value"
mw mcp-tools -u "$F" --calls "$OPEN" --calls '{"tool": "query", "args_from": {"handle": "structuredContent.handle"}, "expect": "structuredContent.count;;3:"}'
expect_rc 2 "a CRITICAL range not met: CRITICAL"
mw mcp-tools -u "$F" --calls "$OPEN" --calls '{"tool": "query", "args_from": {"handle": "structuredContent.handle"}, "expect": ["structuredContent.missing"]}'
expect_rc 2 "a path the result does not have: CRITICAL"
expect_first "call query: .*missing" "says which"
mw mcp-tools -u "$F" --calls "$OPEN" --calls '{"tool": "query", "args_from": {"handle": "structuredContent.handle"}, "expect": ["structuredContent.items[0].id=zz"]}'
expect_rc 2 "an unequal value: CRITICAL"
expect_first "structuredContent.items\[0\].id is a1, expected zz" "with both values"

# A failed call ends the flow: later calls are not made.
mw mcp-tools -u "$F" --calls "$OPEN" --calls '{"tool": "query", "args": {"handle": "forged"}}' --calls "$FETCH"
expect_rc 2 "a handle the server does not know: isError, CRITICAL"
expect_first "call query answered isError: unknown handle" "with the server's text"
expect_out "call fetch: not run: an earlier call of the flow failed" "the rest of the flow not run"
expect_out "time_call_fetch=U" "and its time unknown"
mw mcp-tools -u "$F" --calls "$OPEN" --calls '{"tool": "query", "args_from": {"handle": "structuredContent.nothing"}}'
expect_rc 2 "args_from a path the last result lacks: CRITICAL"
expect_first "call query: args_from handle: " "says which argument"

# Time ranges per call.
mw mcp-tools -u "$F" --calls '{"tool": "slow", "warning": "100ms", "critical": 5}'
expect_rc 1 "a call slower than its warning range: WARNING"
expect_first "call slow slow: [0-9]+ ms" "says so"
expect_out "time_call_slow=0\.[0-9]+s;0\.1;5;0" "the ranges in its perfdata"
mw mcp-tools -u "$F" --calls "$OPEN" --calls "$OPEN"
expect_rc 0 "one tool twice"
expect_out "time_call_open=[0-9.]+s;;;0 time_call_open_2=[0-9.]+s;;;0" "two labels"

# ---- --call with its own options --------------------------------------------------------------
mw mcp-tools -u "$F" --call open --call-expect structuredContent.handle --call-warning 2s --call-critical 5s
expect_rc 0 "--call with --call-expect and ranges"
expect_out "time_call_open=[0-9.]+s;2;5;0" "perfdata with the ranges"
mw mcp-tools -u "$F" --call query --call-args '{"handle": "forged"}'
expect_rc 2 "--call answered isError: CRITICAL"
mw mcp-tools -u "$F" --call open --calls "$QUERY" --calls "$FETCH"
expect_rc 0 "--call first, then the flow"

# ---- refused at open ----------------------------------------------------------------------------
mw mcp-tools -u "$F" --calls 'not json'
expect_rc 3 "--calls that is no JSON: UNKNOWN"
expect_one_line "one line"
mw mcp-tools -u "$F" --calls '{"tool": "open", "tol": 1}'
expect_rc 3 "an unknown key: refused"
expect_first "unknown key \"tol\"" "names it"
mw mcp-tools -u "$F" --calls "$QUERY"
expect_rc 3 "args_from in the first call: refused"
mw mcp-tools -u "$F" --call-expect x
expect_rc 3 "--call-expect without --call: refused"
mw mcp-tools -u "$F" --calls '{"tool": "open", "expect": ["a..b"]}'
expect_rc 3 "a bad JSON path: refused"
mw mcp-tools -u "$F" --calls '{"tool": "open", "warning": "fast"}'
expect_rc 3 "a bad range: refused"
ARGS=()
for _ in $(seq 17); do ARGS+=(--calls "$OPEN"); done
mw mcp-tools -u "$F" "${ARGS[@]}"
expect_rc 3 "17 calls: refused"
expect_first "at most 16 calls" "says the limit"

# ---- the flow in the configuration --------------------------------------------------------------
cat >"$TMP/flow.conf" <<CONF
checks: {
  flow: {
    check = "mcp-tools";
    url = "$F";
    calls = (
      { tool = "open"; expect = [ "structuredContent.handle" ]; },
      { tool = "query"; args_from = { handle = "structuredContent.handle"; };
        expect = [ "structuredContent.count;1:" ]; warning = "2s"; },
      { tool = "fetch"; args_from = { handle = "flow[0].structuredContent.handle";
        id = "structuredContent.items[0].id"; }; expect = [ "structuredContent.body=item a1" ]; }
    );
  };
};
CONF
mw run --config "$TMP/flow.conf" -v flow
expect_rc 0 "the flow from the configuration: OK"
expect_out "call fetch: expect structuredContent.body = item a1" "the third call's expectation"
mw run --config "$TMP/flow.conf" --format json flow
expect_out '"label":"time_call_query","value":[0-9.]+,"uom":"s","warn":"2"' "its range in the perfdata"

# ---- the reference server -------------------------------------------------------------------------
start_everything streamableHttp
E=http://127.0.0.1:$EVERYTHING_PORT/mcp
mw mcp-tools -u "$E" --calls '{"tool": "get-structured-content", "args": {"location": "New York"}, "expect": ["structuredContent.temperature;-50:60", "structuredContent.conditions"]}' \
  --calls '{"tool": "echo", "args_from": {"message": "structuredContent.conditions"}}' \
  --calls '{"tool": "echo", "args_from": {"message": "text"}, "expect": ["text"]}'
expect_rc 0 "server-everything: structured content feeding two echo calls"
expect_out "^\\\\_ \\[OK\\] call echo: answered in [0-9.]+ ms: Echo: Echo: " "the second echo got the first one's text"
expect_out "time_call_get-structured-content=[0-9.]+s;;;0 time_call_echo=[0-9.]+s;;;0 time_call_echo_2=[0-9.]+s;;;0" "three timings"
mw mcp-tools -u "$E" --call get-sum --call-args '{"a": 2, "b": 3}' --call-expect 'text=The sum of 2 and 3 is 5.'
expect_rc 0 "get-sum's text checked"
finish
