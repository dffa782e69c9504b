#!/bin/bash
# SPDX-License-Identifier: MIT
# agent_page.sh - the agent's status page (GET /): services with their members, instances with
# state, since when, uptime and a response-time chart (inline SVG), the note of a downtime whose
# comment carries markup (escaped, never run); no script and no external asset. Opened in a real
# headless Chromium with JavaScript off: its DOM has the names, states and chart, and a phone-width
# screenshot is kept as a test artefact (integration/agent_page.png in the build tree).
. "$(dirname "$0")/lib.sh"

need_check rest-health
command -v curl >/dev/null || skip_all "curl is not installed"
"$MCPWATCH" history --help >/dev/null 2>&1 || skip_all "mcpwatch was built without the history"

start_receiver
echo 200 >"$R/health"
HPORT=$(free_port)
cat >"$TMP/agent.conf" <<EOF
state_dir = "$TMP/state";
spool_dir = "$TMP/spool";
http: { listen = ["127.0.0.1:$HPORT"]; };
checks: {
  api: { check = "rest-health"; url = "http://127.0.0.1:$RECEIVER_PORT/health"; interval = 0.2; timeout = 2; };
  disk: { check = "disk"; path = ["/"]; interval = 0.3; warning = "101%"; critical = "101%"; inode_warning = "101%"; inode_critical = "101%"; };
};
services: { front: { members = ["api", "disk"]; }; };
EOF
"$MCPWATCH" agent --config "$TMP/agent.conf" 2>"$TMP/agent.log" &
AGENT=$!
on_exit "kill -9 $AGENT 2>/dev/null"
page() { CODE=$(curl -s -o "$TMP/page.html" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$HPORT/"); }
# api's own table row, from its state badge to the row's end (the page is one line).
api_row() { sed -n 's#.*\(<span class="badge [A-Z]*">[A-Z]*</span></td><td>api<br>.*\)#\1#p' "$TMP/page.html" | sed 's#</tr>.*##'; }

# The service can be HEALTHY before api's first run is in the history (disk's run alone draws a
# chart), so the wait is for api's own row to carry a 24 h figure.
wait_for "page; [ \"\$CODE\" = 200 ] && grep -q '<h3>front <span class=\"badge HEALTHY\">' '$TMP/page.html' && api_row | grep -q '<svg class=\"chart\"' && ! api_row | grep -q 'data-label=\"up 24 h\">&ndash;'" 20
P=$TMP/page.html
expect_true "[ '$CODE' = 200 ] && curl -s -D - -o /dev/null http://127.0.0.1:$HPORT/ | grep -qi '^content-type: text/html; charset=utf-8'" \
  "GET /: 200, text/html"
expect_true "grep -q '<h3>front <span class=\"badge HEALTHY\">HEALTHY</span></h3>' '$P' && grep -q 'members: api, disk' '$P'" \
  "the page: the service front, HEALTHY, with its members"
expect_true "api_row | grep -q '^<span class=\"badge OK\">OK</span></td><td>api<br><small>rest-health</small>' && api_row | grep -q '<td data-label=\"up 24 h\">100.00%</td>'" \
  "the page: api OK with its uptime"
expect_true "grep -q '<polyline' '$P' && grep -q 'viewBox=\"0 0 240 36\"' '$P'" "the page: a response-time chart in inline SVG"
expect_true "! grep -qiE '<script|src=|href=\"https?:|@import|url\\(' '$P'" "the page: no script, no external asset"

echo 503 >"$R/health"
"$MCPWATCH" downtime add api --for 1h --comment '<script>alert(1)</script> deploy & check' --config "$TMP/agent.conf" >/dev/null
wait_for "page; grep -q 'badge CRITICAL\">CRITICAL</span></td><td>api' '$P' && grep -q 'class=\"bad\"' '$P' && grep -q 'deploy &amp; check' '$P'" 20
expect_true "grep -q 'badge CRITICAL\">CRITICAL</span></td><td>api' '$P' && grep -q '<rect class=\"bad\"' '$P'" \
  "api failing: CRITICAL on the page, its half hour marked on the chart"
expect_true "grep -q '&lt;script&gt;alert(1)&lt;/script&gt; deploy &amp; check' '$P' && ! grep -q '<script' '$P'" \
  "the downtime's note is shown, its markup escaped"
expect_true "grep -q 'badge DEGRADED\">DEGRADED' '$P'" "the service front: DEGRADED"

# A real browser, JavaScript off: the rendered DOM and a phone-width screenshot.
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
  SHOT=$(pwd)/integration/agent_page.png
  rm -f "$SHOT"
  # --disable-javascript, not blink-settings' scriptEnabled=false, which leaves --dump-dom empty.
  BROWSER=(timeout 60 "$CHROME" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage
    --disable-javascript --no-first-run)
  "${BROWSER[@]}" --user-data-dir="$TMP/chrome1" --dump-dom "http://127.0.0.1:$HPORT/" >"$TMP/dom.html" 2>"$TMP/chrome.log"
  expect_true "grep -q 'front' '$TMP/dom.html' && grep -q 'DEGRADED' '$TMP/dom.html' && grep -q 'CRITICAL' '$TMP/dom.html' && grep -q '<polyline' '$TMP/dom.html'" \
    "Chromium (no JavaScript): the DOM has the service, the states and the chart"
  "${BROWSER[@]}" --user-data-dir="$TMP/chrome2" --window-size=412,1400 --screenshot="$SHOT" "http://127.0.0.1:$HPORT/" >>"$TMP/chrome.log" 2>&1
  expect_true "[ -s '$SHOT' ] && [ \"\$(head -c 8 '$SHOT' | od -An -tx1 | tr -d ' ')\" = 89504e470d0a1a0a ] && [ \$(stat -c %s '$SHOT') -gt 10000 ]" \
    "Chromium: a phone-width screenshot of the page ($SHOT, $(stat -c %s "$SHOT" 2>/dev/null) bytes)"
elif [ "${MCPWATCH_REQUIRE_ALL:-0}" = 1 ]; then
  not_ok "chromium is not installed (Debian: chromium)"
fi
stop_agent "$AGENT" 10
expect_true "[ $RC = 0 ]" "the agent stops cleanly"
finish
