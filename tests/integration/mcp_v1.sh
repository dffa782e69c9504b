#!/bin/bash
# SPDX-License-Identifier: MIT
# mcp_v1.sh - mcp-tools against servers on the TypeScript SDK v1 (@modelcontextprotocol/sdk,
# pinned, from npm; MCPWATCH_MCP_SDK_V1 names its dist/esm folder; v1mcp.mjs is the server its
# documentation shows): stateless Streamable HTTP with SSE answers, the same with JSON answers,
# and stdio; seven tools in pages of three, so every run reads three pages. The SDK answers the
# server/discover probe its own way (HTTP 400 -32000 naming the versions it speaks over HTTP,
# -32601 over stdio): both must lead to the handshake.
. "$(dirname "$0")/lib.sh"

need_check mcp-tools
need_everything
[ -d "${MCPWATCH_MCP_SDK_V1:-}" ] ||
  skip_all "MCPWATCH_MCP_SDK_V1 does not name @modelcontextprotocol/sdk's dist/esm (./quickstart test installs it)"
V1="$SRCDIR/tests/integration/v1mcp.mjs"

for mode in stateless json; do
  port=$(free_port)
  env -i PATH="$PATH" PORT="$port" MCPWATCH_MCP_SDK_V1="$MCPWATCH_MCP_SDK_V1" \
    node "$V1" "$mode" >>"$TMP/v1.$mode.log" 2>&1 &
  pid=$!
  on_exit "kill $pid"
  wait_for "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || ! kill -0 $pid" 30
  expect_true "loopback_only $port" "$mode: the test server listens on 127.0.0.1 only"
  mw mcp-tools -u "http://127.0.0.1:$port/mcp" --call tool5 -e tool0,tool6 -v
  expect_rc 0 "SDK v1, $mode: OK"
  expect_first "^MCP-TOOLS OK - v1-test 1\.32\.2, MCP 2025-11-25 \(legacy\), 7 tools" "$mode: legacy, every tool"
  expect_out "server/discover answered error -32000 Bad Request: Unsupported protocol version: 2026-07-28 .*: a legacy server" "$mode: the SDK's refusal of the probe leads to the handshake"
  expect_out "tools/list page 3: 1 tools" "$mode: three pages read"
  expect_out "call tool5: answered in [0-9.]+ ms: called tool5" "$mode: the call"
  OUT=$("$TEST_BIN/repeat" 3 mcp-tools -u "http://127.0.0.1:$port/mcp" 2>&1)
  expect_true "[ \$(grep -c ' OK - ' <<<\"\$OUT\") = 3 ]" "$mode: kept in a process, three runs OK ($(tr '\n' ' ' <<<"$OUT"))"
  kill "$pid"
done

mw mcp-tools --command "node $V1 stdio" --env MCPWATCH_MCP_SDK_V1 --call tool6 -t 15 -v
expect_rc 0 "SDK v1 over stdio: OK"
expect_first "MCP 2025-11-25 \(legacy, stdio\), 7 tools" "legacy over stdio, every tool"
# -32601 for the probe; or, when node takes over a second to start (a loaded machine), the
# probe's second runs out first: legacy either way.
expect_out "server/discover (answered error -32601 Method not found|unanswered within 2000 ms): (taken for )?a legacy server" "stdio: the probe says legacy"
expect_out "server process exited with status 0 when its input closed" "stdio: the SDK's server ends when its input closes"

finish
