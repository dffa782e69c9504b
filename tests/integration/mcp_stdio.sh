#!/bin/bash
# SPDX-License-Identifier: MIT
# mcp_stdio.sh - mcp-tools --command: MCP servers started as subprocesses and spoken to over
# stdio. Servers others wrote: the reference server (server-everything, a legacy stdio server on
# the v1 SDK) and modernmcp.mjs on the TypeScript SDK v2's serveStdio (modern-only and dual-era);
# fakestdio.py for the shapes no SDK takes on purpose (a silent legacy server, a modern one slow to
# start, a server that asks, floods stderr, exits, writes garbage, never answers, ignores SIGTERM,
# leaves a child holding the pipes, writes a huge line, trickles). Every run must end within -t
# and a second, leave no process (repeat's audit: no child, not even a zombie) and no descriptor,
# and a failure says why in one line with the exit status and stderr in the long output.
. "$(dirname "$0")/lib.sh"

need_check mcp-tools
need_everything
need_sdk_v2
command -v python3 >/dev/null || skip_all "python3 is not installed"
FAKE="$SRCDIR/tests/integration/fakestdio.py"

# audit_clean: every "audit:" line of $OUT shows no child and the descriptors of the first.
audit_clean() {
  local lines
  lines=$(grep '^audit:' <<<"$OUT")
  [ -n "$lines" ] && ! grep -qv 'children=0$' <<<"$lines" &&
    [ "$(sed 's/ children.*//' <<<"$lines" | sort -u | wc -l)" = 1 ]
}

# ---- options ------------------------------------------------------------------------------------
mw mcp-tools -u "python3 srv.py"
expect_rc 3 "-u with a command line: UNKNOWN"
expect_first "--url must start with http:// or https:// \(a server started as a subprocess is given with --command\)" "says --command is the way"
mw mcp-tools -u http://127.0.0.1:1/mcp --command "python3 srv.py"
expect_rc 3 "--url and --command together: refused"
expect_first "exclude each other" "and says so"
mw mcp-tools
expect_rc 3 "neither --url nor --command: refused"
expect_first "--url URL or --command 'PROG ARGS' is required" "names both"
mw mcp-tools --command "python3 $FAKE modern" --header "X-Key: 1"
expect_rc 3 "an HTTP option with --command: refused"
expect_first "--header is for servers at a --url, not for --command" "names the option"
mw mcp-tools --command "python3 srv.py | tee log"
expect_rc 3 "an unquoted pipe: refused (no shell runs --command)"
expect_first "not run by a shell: an unquoted pipe sign" "says why"
expect_one_line "the refusal is one line"
mw mcp-tools --command "python3 'srv.py"
expect_first "unclosed ' quote" "an unclosed quote: refused"
mw mcp-tools --command "python3 $FAKE modern" --env "1BAD=x"
expect_rc 3 "--env with a bad name: refused"
mw mcp-tools --command "python3 $FAKE modern" --env NOT_SET_ANYWHERE_$$
expect_first "not set in mcpwatch's environment" "--env NAME that mcpwatch does not have: refused"
mw mcp-tools --command "python3 $FAKE modern" --cwd "$TMP/nowhere"
expect_first "--cwd $TMP/nowhere: No such file or directory" "--cwd that does not exist: refused at once"
mw mcp-tools --arg x -u http://127.0.0.1:1/mcp
expect_first "--arg, --env and --cwd are for --command" "--arg without --command: refused"
mw mcp-tools --command "/nonexistent/mcp-server --stdio"
expect_rc 2 "a program that does not exist: CRITICAL"
expect_first "cannot start /nonexistent/mcp-server: No such file or directory" "and says so"
mw mcp-tools --help
expect_out "--command='PROG ARGS'" "--help documents --command"
expect_out "--env=NAME=VALUE" "and --env"

# ---- well-behaved servers ---------------------------------------------------------------------
mw mcp-tools --command "python3 $FAKE modern" -v
expect_rc 0 "modern stdio server: OK"
expect_first "^MCP-TOOLS OK - fakestdio-modern 1\.0, MCP 2026-07-28 \(modern, stdio\), 3 tools in [0-9]+ ms" "names the revision, era and transport"
expect_out "tools/list page 2: 1 tools" "reads every page"
expect_out "server process exited with status 0 when its input closed" "the server ends as the binding says: its input closed"
mw mcp-tools --command "python3 $FAKE legacy" -v
expect_rc 0 "legacy stdio server: OK"
expect_first "MCP 2025-11-25 \(legacy, stdio\)" "found legacy"
expect_out "server/discover answered error -32601 Method not found: a legacy server" "from its answer to server/discover"
mw mcp-tools --command "python3 $FAKE silent" -v
expect_rc 0 "a legacy server silent before initialize: OK"
expect_out "server/discover unanswered within 2000 ms: taken for a legacy server" "the probe's silence means legacy"
mw mcp-tools --command "python3 $FAKE slow-modern" -t 8 -v
expect_rc 0 "a modern server slow to start (it refuses initialize): OK"
expect_first "MCP 2026-07-28 \(modern, stdio\)" "found modern from its late answer to server/discover"
mw mcp-tools --command "python3 $FAKE modern" --protocol 2025-11-25
expect_rc 2 "--protocol 2025-11-25 against a modern-only server: CRITICAL"
mw mcp-tools --command "python3 $FAKE stderr-flood"
expect_rc 0 "a server that writes 4 MiB to stderr first: OK (stderr is read as it comes)"
mw mcp-tools --command "python3 $FAKE nonewline"
expect_rc 0 "a last answer without its newline, then exit: OK"
rm -f "$TMP/asks.log"
mw mcp-tools --command "python3 $FAKE asks" --env "FAKESTDIO_LOG=$TMP/asks.log" -v
expect_rc 0 "a legacy server that asks for sampling: OK"
expect_out "the server sent 1 request on stdout: answered -32601 at once" "the request is reported"
expect_true "grep -q '\"id\": \"s1\", \"error\": {\"code\": -32601' '$TMP/asks.log'" "and the server got -32601 for it"

# The server's environment: PATH and the like from mcpwatch, --env, nothing else; --cwd; --arg.
mkdir -p "$TMP/srvdir"
rm -f "$TMP/env.log"
OUT=$(env SECRET_OF_MCPWATCH=hidden PASS_ME=along "$MCPWATCH" mcp-tools --command "python3 $FAKE" \
  --arg env --env "GIVEN=a b" --env PASS_ME --env "FAKESTDIO_LOG=$TMP/env.log" --cwd "$TMP/srvdir" \
  --call env 2>&1)
RC=$?
expect_true "[ $RC = 0 ]" "--arg, --env, --cwd: OK ($OUT)"
ENVJSON=$(cat "$TMP/env.log" 2>/dev/null)
expect_true "jq -e '.cwd == \"$TMP/srvdir\"' <<<'$ENVJSON' >/dev/null" "the server starts in --cwd"
expect_true "jq -e '.env.GIVEN == \"a b\" and .env.PASS_ME == \"along\" and (.env.PATH | length) > 0' <<<'$ENVJSON' >/dev/null" "it gets --env NAME=VALUE, --env NAME and PATH"
expect_true "jq -e '.env | has(\"SECRET_OF_MCPWATCH\") | not' <<<'$ENVJSON' >/dev/null" "and none of mcpwatch's other variables"

# ---- hostile servers: each ends within -t + 1 s, one line, exit status and stderr -------------
# -t 5: python3 must have started and misbehaved before the end, on a loaded machine too.
hostile() { # MODE STATE_RC WHAT...
  local mode=$1 rc=$2 start
  shift 2
  start=$(date +%s%N)
  mw mcp-tools --command "python3 $FAKE $mode" -t 5 --env "FAKESTDIO_LOG=$TMP/$mode.log" -v
  ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
  expect_rc "$rc" "$mode: exit $rc"
  expect_true "[ $ELAPSED_MS -lt 6000 ]" "$mode: ended within -t + 1 s ($ELAPSED_MS ms)"
  expect_true "[ \$(grep -vc '^\\\\_' <<<\"\$OUT\") = 1 ]" "$mode: the status is one line"
}
hostile exit 2
expect_first "server/discover: the server closed its stdout without answering" "exit: said"
expect_out "server process exited with status 3$" "exit: its exit status in the long output"
expect_out "stderr: Error: DATABASE_URL is not set" "exit: and the last lines of its stderr"
hostile garbage 2
expect_first "no JSON-RPC message to stdout: 'Starting the server on stdio...'" "garbage: quoted"
hostile never 2
expect_first "timed out" "never: timed out"
expect_out "server process killed by SIGTERM" "never: ended with SIGTERM"
hostile flood 2
expect_first "timed out" "flood: timed out"
hostile ignore-term 2
expect_out "server process killed by SIGKILL" "ignore-term: SIGKILL after the grace"
hostile holder 2
HOLDER=$(cat "$TMP/holder.log" 2>/dev/null)
expect_true "[ -n '$HOLDER' ] && wait_for '! kill -0 $HOLDER 2>/dev/null || grep -q \"^State:.Z\" /proc/$HOLDER/status' 5" "holder: the child that held the pipes is killed with the group"
hostile huge 2
expect_first "a line of more than 1048576 bytes to stdout \(--max-size\)" "huge: refused at --max-size"
hostile trickle 2

# ---- kept in a process: the agent's and collectd's way ----------------------------------------
OUT=$(REPEAT_AUDIT=1 REPEAT_VERBOSE=1 "$TEST_BIN/repeat" 3 mcp-tools --command "python3 $FAKE silent" -t 5 2>&1)
expect_true "[ \$(grep -c ' OK - ' <<<\"\$OUT\") = 3 ]" "kept instance: three runs, each with a new process"
expect_true "[ \$(grep -c 'no server/discover: the last run.s server process spoke legacy' <<<\"\$OUT\") = 2 ]" "the era found is remembered for the next processes (no silent probe again)"
expect_true audit_clean "no child and no descriptor left after any run ($(grep '^audit' <<<"$OUT" | tr '\n' ' '))"
for mode in never exit holder ignore-term garbage; do
  OUT=$(REPEAT_AUDIT=1 "$TEST_BIN/repeat" 2 mcp-tools --command "python3 $FAKE $mode" -t 2 2>&1)
  expect_true audit_clean "$mode twice in one process: no child, no descriptor left ($(grep '^audit' <<<"$OUT" | tr '\n' ' '))"
done

# ---- in the agent: a process per run, none left, no descriptor kept ---------------------------
cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
checks: {
  srv: { check = "mcp-tools"; command = "python3 $FAKE"; arg = ["modern"]; interval = 0.5; timeout = 5; };
  stuck: { check = "mcp-tools"; command = "python3 $FAKE ignore-term"; interval = 0.5; timeout = 1; };
};
EOF
"$MCPWATCH" agent --config "$TMP/agent.conf" --workers 2 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill -9 $AGENT"
instance_state() { "$MCPWATCH" status --config "$TMP/agent.conf" 2>/dev/null | awk -v n="$1" '$2 == n { print $1 }'; }
zombies() { ps -o stat= --ppid "$AGENT" | grep -c '^Z'; }
wait_for "[ \"\$(instance_state srv)\" = OK ] && [ \"\$(instance_state stuck)\" = CRITICAL ]" 20
expect_true "[ \"\$(instance_state srv)\" = OK ] && [ \"\$(instance_state stuck)\" = CRITICAL ]" "agent: the stdio instance OK, the one that ignores SIGTERM CRITICAL"
expect_true "\"\$MCPWATCH\" status --config '$TMP/agent.conf' | grep -q 'MCP 2026-07-28 (modern, stdio)'" "agent: the status names the era and transport"
# Descriptors the agent holds that none of its children shares: the pipes of a run under way are
# shared with its server and do not count, so what is left is the agent's own plus whatever a
# finished run left open. The fewest seen in two seconds, since a child may end between the two
# listings.
own_fds() {
  local shared n=0 link
  shared=$(for child in $(ps -o pid= --ppid "$AGENT"); do
    readlink /proc/"$child"/fd/* 2>/dev/null
  done | sort -u)
  for fd in /proc/"$AGENT"/fd/*; do
    link=$(readlink "$fd" 2>/dev/null) || continue
    grep -qxF "$link" <<<"$shared" || n=$((n + 1))
  done
  echo "$n"
}
min_fds() {
  local least=999 n
  for _ in $(seq 40); do
    n=$(own_fds)
    [ "$n" -lt "$least" ] && least=$n
    sleep 0.05
  done
  echo "$least"
}
BASE=$(min_fds)
SINCE=$(date +%s)
wait_for "[ \"\$(last_run '$TMP/state/agent.status' stuck)\" -ge $((SINCE + 4)) ] 2>/dev/null" 15
expect_true "[ \"\$(last_run '$TMP/state/agent.status' stuck)\" -ge $((SINCE + 4)) ]" "agent: runs go on for 4 s more"
# Eight runs of srv at least in those 4 s: a descriptor kept per run would add eight or more.
AFTER=$(min_fds)
expect_true "[ $AFTER -le $((BASE + 2)) ]" "agent: no descriptor kept across runs (fewest $BASE, then $AFTER after 4 s of runs)"
expect_true "wait_for '[ \$(zombies) = 0 ]' 5" "agent: no zombie left"
stop_agent "$AGENT" 10
expect_rc 0 "agent: stops cleanly with servers under way"
expect_true "wait_for '! pgrep -f \"$FAKE\" >/dev/null' 5" "agent: no server process outlives it"

# ---- servers others wrote ---------------------------------------------------------------------
mw mcp-tools --command "node $MCPWATCH_MCP_SERVER stdio" -e echo,get-sum --call get-sum --call-args '{"a":2,"b":3}' -t 15 -v
expect_rc 0 "server-everything over stdio: OK"
expect_first "MCP 2025-11-25 \(legacy, stdio\)" "a legacy server, found so"
expect_out "call get-sum: answered in [0-9.]+ ms" "a call over stdio"
OUT=$(REPEAT_AUDIT=1 "$TEST_BIN/repeat" 2 mcp-tools --command "node $MCPWATCH_MCP_SERVER stdio" -t 15 2>&1)
expect_true "[ \$(grep -c ' OK - ' <<<\"\$OUT\") = 2 ] && audit_clean" "server-everything twice in one process: OK, nothing left ($(tr '\n' ' ' <<<"$OUT"))"
SDKCMD="$MCPWATCH_NODE $SRCDIR/tests/integration/modernmcp.mjs stdio"
mw mcp-tools --command "$SDKCMD" --env MCPWATCH_MCP_SDK --env LEGACY=reject --call add --call-args '{"a":1,"b":2}' -t 15 -v --lint off
expect_rc 0 "TypeScript SDK v2, modern-only, over stdio: OK"
expect_first "MCP 2026-07-28 \(modern, stdio\)" "spoken modern"
expect_out "call add: answered in [0-9.]+ ms: 3" "a call with _meta the SDK accepts"
mw mcp-tools --command "$SDKCMD" --env MCPWATCH_MCP_SDK --env LEGACY=reject --protocol 2025-11-25 -t 15
expect_rc 2 "the SDK's modern-only server refuses initialize: CRITICAL"
expect_first "2026-07-28" "naming the version it speaks"
mw mcp-tools --command "$SDKCMD" --env MCPWATCH_MCP_SDK --env LEGACY=serve -t 15 --lint off
expect_rc 0 "TypeScript SDK v2, dual-era, over stdio: OK"
expect_first "MCP 2026-07-28 \(modern, stdio\)" "auto speaks modern to it"
mw mcp-tools --command "$SDKCMD" --env MCPWATCH_MCP_SDK --env LEGACY=serve --protocol 2025-11-25 -t 15 --lint off
expect_rc 0 "and --protocol 2025-11-25 the handshake, which it serves"
expect_first "MCP 2025-11-25 \(legacy, stdio\)" "and says so"

finish
