#!/bin/bash
# SPDX-License-Identifier: MIT
# conformance-client.sh - the client the MCP conformance suite (@modelcontextprotocol/conformance)
# runs, one scenario at a time: it appends the URL of its scenario server as the last argument
# and says the scenario in MCP_CONFORMANCE_SCENARIO. Turned into `mcpwatch mcp-tools -u URL`,
# with the tool calls the scenario asks for (its MCP_CONFORMANCE_CONTEXT toolCalls, or the ones
# its server offers when it gives none). Each run's output and exit status go to
# $CONFORMANCE_LOG; the exit status is always 0: the suite judges what reached its server.
# An auth/* scenario that hands out client credentials (client_id and client_secret in its
# context) gets them as --oauth-client-id and a secret file; one that hands out none (its
# authorization server expects a user's login) gets --oauth-discovery-only.
url=${!#}
log=${CONFORMANCE_LOG:-/dev/null}
auth=()
case "$MCP_CONFORMANCE_SCENARIO" in
auth/*)
  id=$(jq -r '.client_id // empty' <<<"${MCP_CONFORMANCE_CONTEXT:-{\}}" 2>/dev/null)
  secret=$(jq -r '.client_secret // empty' <<<"${MCP_CONFORMANCE_CONTEXT:-{\}}" 2>/dev/null)
  if [ -n "$id" ] && [ -n "$secret" ]; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    (umask 077 && printf '%s\n' "$secret" >"$dir/secret")
    auth=(--oauth-client-id "$id" --oauth-client-secret-file "$dir/secret")
  else
    auth=(--oauth-discovery-only)
  fi
  ;;
esac
run() {
  "$MCPWATCH" mcp-tools -u "$url" -t 20 -v "${auth[@]}" "$@" >>"$log" 2>&1
  echo "mcpwatch exit $? ($MCP_CONFORMANCE_SCENARIO)" >>"$log"
}
calls=$(jq -c '.toolCalls[]?' <<<"${MCP_CONFORMANCE_CONTEXT:-{\}}" 2>/dev/null)
if [ -n "$calls" ]; then
  while read -r call; do
    run --call "$(jq -r .name <<<"$call")" --call-args "$(jq -c '.arguments // {}' <<<"$call")"
  done <<<"$calls"
  exit 0
fi
case "$MCP_CONFORMANCE_SCENARIO" in
tools_call) run --call add_numbers --call-args '{"a":5,"b":3}' ;;
sse-retry) run --call test_reconnection ;;
http-invalid-tool-headers) run --call valid_tool --call-args '{"region":"us-west1"}' ;;
http-standard-headers)
  run --call test_headers
  run --call my-hyphenated-tool
  ;;
sep-2322-client-request-state)
  run --call test_mrtr_echo_state
  run --call test_mrtr_no_result_type
  run --call test_mrtr_unrelated
  ;;
*) run ;;
esac
exit 0
