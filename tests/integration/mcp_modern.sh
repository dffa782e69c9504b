#!/bin/bash
# SPDX-License-Identifier: MIT
# mcp_modern.sh - mcp-tools and the stateless MCP revision (2026-07-28) against servers on the
# TypeScript SDK v2 (@modelcontextprotocol/server, pinned, from npm; MCPWATCH_MCP_SDK names its
# dist/index.mjs; modernmcp.mjs is the server its documentation shows, run by MCPWATCH_NODE, a
# Node the SDK supports): a modern-only server (legacy 'reject'), a dual-era one, and the legacy
# reference server (server-everything), each with --protocol auto and forced, and a kept
# modern state whose server is replaced by a legacy one; the SDK rejects a request whose _meta or
# headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name) are wrong, so every OK is its judgement too.
. "$(dirname "$0")/lib.sh"

need_check mcp-tools
need_everything
need_sdk_v2

# start_modern LEGACY [PORT]: modernmcp.mjs on 127.0.0.1; MODERN_PORT, MODERN_PID.
start_modern() {
  local port=${2:-$(free_port)}
  env -i PATH="$PATH" PORT="$port" LEGACY="$1" MCPWATCH_MCP_SDK="$MCPWATCH_MCP_SDK" \
    "$MCPWATCH_NODE" "$SRCDIR/tests/integration/modernmcp.mjs" >>"$TMP/modern.$1.log" 2>&1 &
  local pid=$!
  on_exit "kill $pid"
  wait_for "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || ! kill -0 $pid" 30
  kill -0 "$pid" 2>/dev/null || skip_all "modernmcp.mjs did not start: $(tail -n 3 "$TMP/modern.$1.log")"
  MODERN_PORT=$port
  MODERN_PID=$pid
}

# ---- a modern-only server ---------------------------------------------------------------------
start_modern reject
M=http://127.0.0.1:$MODERN_PORT/mcp
expect_true "loopback_only $MODERN_PORT" "the test server listens on 127.0.0.1 only"
mw mcp-tools -u "$M" -v
expect_rc 1 "modern-only server: WARNING, from the lint alone"
expect_first "^MCP-TOOLS WARNING - modern-test 2\.4\.0, MCP 2026-07-28 \(modern\), 4 tools in [0-9]+ ms; lint: tool name \"grüße\" breaks the specification's rules" "names the revision and the era, and the tool name the specification does not allow"
expect_out "time=[0-9.]+s;;;0 time_discover=[0-9.]+s;;;0 time_initialize=U;;;0 time_tools_list=[0-9.]+s;;;0 tools=4;;;0" "perfdata: time_discover, no initialize"
expect_out "^\\\\_ \\[OK\\] server/discover: modern-test 2\.4\.0, MCP 2026-07-28 \(modern\) in [0-9.]+ ms" "long output: server/discover with its time"
mw mcp-tools -u "$M" --call echo --call-args '{"text":"hi there"}' --ping -v --lint off
expect_rc 0 "tools/call with Mcp-Name, and --ping"
expect_out "^\\\\_ \\[OK\\] server/discover \(--ping\): answered in" "--ping is server/discover on a modern server"
expect_out "^\\\\_ \\[OK\\] call echo: answered in [0-9.]+ ms: hi there" "the call's answer"
mw mcp-tools -u "$M" --call 'grüße' -v --lint off
expect_rc 0 "a tool name that is not header-safe: Mcp-Name in Base64, which the SDK accepts"
mw mcp-tools -u "$M" --call fails
expect_rc 2 "isError from a modern server: CRITICAL"
expect_first "call fails answered isError: broken on purpose" "with its text"
mw mcp-tools -u "$M" --call add --call-args '{"a":"x"}'
expect_rc 2 "arguments the SDK refuses: CRITICAL"
mw mcp-tools -u "$M" --protocol 2025-11-25
expect_rc 2 "--protocol 2025-11-25 against a modern-only server: CRITICAL"
expect_first "-32022" "with the server's refusal"
expect_one_line "refused legacy: one line"
mw mcp-tools -u "$M" --protocol 2026-07-28 --transport sse
expect_rc 3 "--protocol 2026-07-28 over the legacy sse transport is refused"
OUT=$("$TEST_BIN/repeat" 3 mcp-tools -u "$M" --lint off)
expect_true "[ \"\$(grep -c ' OK - ' <<<\"\$OUT\")\" = 3 ] && [ \"\$(grep -c 'time_discover=U' <<<\"\$OUT\")\" = 2 ]" \
  "a kept instance: the era is found once, then one request a run ($(tr '\n' ' ' <<<"$OUT"))"

# ---- a dual-era server ------------------------------------------------------------------------
kill "$MODERN_PID"
start_modern stateless
D=http://127.0.0.1:$MODERN_PORT/mcp
mw mcp-tools -u "$D" --lint off
expect_rc 0 "dual-era server: OK"
expect_first "MCP 2026-07-28 \(modern\)" "auto speaks the modern revision to it"
mw mcp-tools -u "$D" --protocol 2025-11-25 --call echo --call-args '{"text":"old"}' --lint off
expect_rc 0 "--protocol 2025-11-25: the handshake, which a dual-era server serves"
expect_first "MCP 2025-11-25 \(legacy\)" "and says so"

# ---- the legacy reference server ----------------------------------------------------------------
start_everything streamableHttp
L=http://127.0.0.1:$EVERYTHING_PORT/mcp
mw mcp-tools -u "$L" -v
expect_rc 0 "legacy server with --protocol auto: OK"
expect_first "MCP 2025-11-25 \(legacy\)" "found legacy"
expect_out "^\\\\_ \\[OK\\] server/discover answered .*: a legacy server" "the long output says why"
expect_out "time_discover=U;;;0 time_initialize=[0-9.]+s" "perfdata: initialize timed"
mw mcp-tools -u "$L" --protocol 2026-07-28
expect_rc 2 "--protocol 2026-07-28 against a legacy server: CRITICAL"
expect_first "^MCP-TOOLS CRITICAL - server/discover: " "names the step"

# ---- a kept modern instance whose server is replaced by a legacy one --------------------------
start_modern reject
PORT_SWAP=$MODERN_PORT
OUT=$(REPEAT_BETWEEN="kill $MODERN_PID; while (exec 3<>/dev/tcp/127.0.0.1/$PORT_SWAP) 2>/dev/null; do sleep 0.1; done; env -i PATH=\"$PATH\" PORT=$PORT_SWAP node -r '$SRCDIR/tests/integration/loopback.js' '$MCPWATCH_MCP_SERVER' streamableHttp >>'$TMP/swap.log' 2>&1 & echo \$! >'$TMP/swap.pid'; for i in \$(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT_SWAP) 2>/dev/null && break; sleep 0.1; done" \
  "$TEST_BIN/repeat" 2 mcp-tools -u "http://127.0.0.1:$PORT_SWAP/mcp" 2>"$TMP/swap.err")
[ -f "$TMP/swap.pid" ] && on_exit "kill $(cat "$TMP/swap.pid")"
expect_true "sed -n 1p <<<\"\$OUT\" | grep -q 'MCP 2026-07-28 (modern)' && sed -n 2p <<<\"\$OUT\" | grep -q 'MCP 2025-11-25 (legacy)'" \
  "a kept modern state whose server became legacy: found out again in the same run ($(tr '\n' ' ' <<<"$OUT"))"

finish
