#!/bin/bash
# SPDX-License-Identifier: MIT
# killloop.sh - the agent killed with SIGKILL at random moments, again and again, while the Redis
# it watches flaps and the PagerDuty receiver cycles through 500, never answering, 429 and OK.
# The agent notifies a webhook (whose requests carry the event id, webhook-id) and PagerDuty.
# At the end Redis stays up, the receiver answers, and one last agent runs until its queues are
# empty. Then, from the receiver's accepted requests and the agents' logs:
#   - every event an agent logged as queued was accepted by the receiver,
#   - an event id accepted twice is counted as a duplicate (accepted, answer lost to the kill),
#   - in the order accepted (duplicates folded), no resolve comes before its trigger or twice,
#   - the incident ends resolved, at the webhook and at PagerDuty.
# KILL_CYCLES (default 25) sets the number of kills; tests/bench/killloop runs 200.
. "$(dirname "$0")/lib.sh"

[ -f "$MCPWATCH_NOTIFIER_DIR/pagerduty.so" ] || skip_all "the notifiers were not built"
need_check redis
command -v redis-server >/dev/null || skip_all "redis-server is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"

CYCLES=${KILL_CYCLES:-25}
start_receiver
BASE="http://127.0.0.1:$RECEIVER_PORT"
echo 0123456789abcdef0123456789abcdef >"$TMP/pd.key"
echo "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" >"$TMP/wh.secret"
RPORT=$(free_port)
start_redis flap "$RPORT"
D=$TMP/loop
mkdir -p "$D"
cat >"$D/mcpwatch.conf" <<EOF
state_dir = "$D/state";
spool_dir = "$D/spool";
host = "web1";
notifiers: {
  oncall: { type = "pagerduty"; url = "$BASE/v2/enqueue"; routing_key_file = "$TMP/pd.key"; timeout = 1; };
  hook: { type = "webhook"; url = "$BASE/hook"; secret_file = "$TMP/wh.secret"; timeout = 1; };
};
checks: { cache: { check = "redis"; host = "127.0.0.1"; port = $RPORT; timeout = 1; interval = 0.1; }; };
EOF

redis_up() {
  kill -0 "$REDIS_PID" 2>/dev/null && return 0
  start_redis flap "$RPORT"
}
redis_down() {
  kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
  return 0
}
# A random fraction of a second, from 0.0 to $1 tenths.
pause() { sleep "0.$((RANDOM % $1))"; }

MODES=(500 hang 429 ok)
for ((i = 0; i < CYCLES; i++)); do
  echo "${MODES[$((i % 4))]}" >"$R/mode"
  if ((RANDOM % 2)); then redis_up; else redis_down; fi
  "$MCPWATCH" agent --config "$D/mcpwatch.conf" --status-file "$D/status" 2>>"$D/agent.log" &
  pid=$!
  pause 10
  # Half the cycles the state changes under the running agent.
  if ((RANDOM % 2)); then
    if kill -0 "$REDIS_PID" 2>/dev/null; then redis_down; else redis_up; fi
    pause 6
  fi
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
ok "$CYCLES agents killed at random moments"

# The end: Redis up, the receiver answering; the last agent sends what is left and resolves.
echo ok >"$R/mode"
redis_up
# The status file is written once the agent holds its signals: an agent asked to stop before
# that dies of SIGTERM (143), so "settled" waits for it too (the queues may be empty already).
rm -f "$D/status"
"$MCPWATCH" agent --config "$D/mcpwatch.conf" --status-file "$D/status" 2>>"$D/agent.log" &
pid=$!
settled() {
  [ -s "$D/status" ] &&
    [ "$(find "$D/spool" -name 'E*.event' -o -name 'P*' 2>/dev/null | wc -l)" = 0 ] &&
    ! grep -qs '^told' "$D/state/cache.state" && [ -s "$D/state/cache.state" ]
}
# The agents' failures add up in each queue's backoff (kept across restarts, doubling up to
# 300 s), so the last agent may first wait that out: the bound is 60 s after the latest one.
backoff_left_s() {
  local now_ms latest=0 attempts next f
  now_ms=$(date +%s%3N)
  for f in "$D"/spool/*/.backoff; do
    [ -f "$f" ] && read -r attempts next <"$f" && [ "${next:-0}" -gt "$latest" ] && latest=$next
  done
  echo $(((latest > now_ms ? latest - now_ms : 0) / 1000 + 1))
}
LEFT=$(backoff_left_s)
echo "# the queues' backoff: $(cat "$D"/spool/*/.backoff 2>/dev/null | tr '\n' ' ')(${LEFT} s left)"
wait_for settled $((60 + LEFT))
if ! settled; then
  echo "# left in the spool: $(find "$D/spool" -name 'E*.event' -o -name 'P*' -o -name .backoff | tr '\n' ' ')"
  echo "# state: $(head -c 300 "$D/state/cache.state" 2>/dev/null | tr '\n' ' ')"
  tail -5 "$D/agent.log" | sed 's/^/# agent: /'
fi
expect_true settled "the last agent empties the queue and nothing stays told a problem"
stop_agent "$pid" 10
expect_true "[ $RC = 0 ]" "the last agent stops cleanly"

# accepted: "ID STATUS" per request the webhook accepted, in order.
jq -r 'select(.code >= 200 and .code < 300 and .path == "/hook") |
  "\(.headers | with_entries(.key |= ascii_downcase) | ."webhook-id") \(.body | fromjson | .status)"' \
  "$R/requests.jsonl" >"$D/accepted" 2>/dev/null
grep -oE 'cache: (CRITICAL|OK|WARNING|UNKNOWN) for hook queued as evt_[0-9a-f]+' "$D/agent.log" |
  awk '{print $NF}' | sort -u >"$D/queued"
awk '{print $1}' "$D/accepted" | sort -u >"$D/delivered"
EXPECTED=$(wc -l <"$D/queued")
DELIVERED=$(wc -l <"$D/delivered")
DUPLICATES=$(($(wc -l <"$D/accepted") - DELIVERED))
MISSING=$(comm -23 "$D/queued" "$D/delivered" | wc -l)
SEQUENCE=$(awk '!seen[$1]++ {print $2}' "$D/accepted" | tr '\n' ' ')
PD_SEQUENCE=$(jq -r 'select(.code >= 200 and .code < 300 and .path == "/v2/enqueue") | .body | fromjson |
  .event_action' "$R/requests.jsonl" | uniq | tr '\n' ' ')
echo "# cycles $CYCLES, webhook events queued $EXPECTED, delivered $DELIVERED, duplicates $DUPLICATES, missing $MISSING"
echo "# webhook: $(cut -c1-400 <<<"$SEQUENCE")"
echo "# pagerduty (repeats folded): $(cut -c1-400 <<<"$PD_SEQUENCE")"
expect_true "[ $EXPECTED -ge 2 ]" "state changes were seen and queued ($EXPECTED)"
expect_true "[ $MISSING = 0 ]" "every queued event was delivered ($DELIVERED of $EXPECTED)"
# alternates SEQUENCE: no resolve before a trigger or twice in a row, and resolved at the end.
alternates() {
  local open=no a
  for a in $1; do
    case "$open/$a" in
    no/trigger | yes/trigger | no/firing | yes/firing) open=yes ;; # a change of problem state fires again
    yes/resolve | yes/resolved) open=no ;;
    *) return 1 ;;
    esac
  done
  [ "$open" = no ]
}
expect_true "alternates '$SEQUENCE'" "webhook: no resolve before its trigger, and the incident ends resolved"
expect_true "alternates '$PD_SEQUENCE'" "pagerduty: no resolve before its trigger, and the incident ends resolved"
finish
