#!/bin/bash
# SPDX-License-Identifier: MIT
# mcp_resources.sh - what mcp-tools checks besides tools: --expect-resources and --expect-prompts
# (with the counts as perfdata) and one resources/read (--read-resource) with its MIME type and
# size; against the reference server (server-everything over stdio) and fakemcp.py in catalog
# mode for what it does not do: missing items, no resources capability, an unknown URI, a wrong
# MIME type, too few bytes, Base64 blobs (well and badly formed), no contents, a huge answer.
. "$(dirname "$0")/lib.sh"

need_check mcp-tools
need_everything
command -v python3 >/dev/null || skip_all "python3 is not installed (it runs fakemcp.py)"

# ---- the reference server ---------------------------------------------------------------------
DOC=demo://resource/static/document/architecture.md
mw mcp-tools --command "node $MCPWATCH_MCP_SERVER stdio" -t 20 --lint off -v \
  --expect-resources "$DOC" --expect-prompts simple-prompt --read-resource "$DOC" \
  --read-mime text/markdown --read-min-size 100
expect_rc 0 "server-everything: the resource and prompt are there, the read holds"
expect_out "resources/list page 1: [0-9]+ resources" "server-everything: resources/list read for --expect-resources"
expect_out "prompts/list page 1: [0-9]+ prompts" "server-everything: prompts/list read for --expect-prompts"
expect_out "resources/read $DOC: [0-9]+ bytes of text/markdown in [0-9.]+ ms" "server-everything: the read, its size and type"
expect_out " resources=[1-9][0-9]*;;;0 prompts=[1-9][0-9]*;;;0" "server-everything: the counts as perfdata"
expect_out " time_read=[0-9.]+s;;;0 read_bytes=[1-9][0-9]*B;;;0" "server-everything: time_read and read_bytes"
mw mcp-tools --command "node $MCPWATCH_MCP_SERVER stdio" -t 20 --lint off \
  --read-resource "$DOC" --read-mime application/json
expect_rc 2 "server-everything: the wrong MIME type is CRITICAL"
expect_first "resources/read $DOC: MIME type text/markdown, not application/json" "and names both"

# ---- fakemcp.py, catalog mode -----------------------------------------------------------------
FAKE_PORTFILE=$TMP/fakemcp.port
CATALOG=$FAKE_PORTFILE.catalog
catalog() {
  python3 - "$CATALOG" "${1:-pass}" <<'PY'
import base64, json, os, sys
c = {
    "tools": [{"name": "search", "description": "Search.", "inputSchema": {"type": "object"}}],
    "resources": [{"uri": "file:///docs/a.md", "name": "a", "mimeType": "text/markdown"},
                  {"uri": "file:///img/logo.png", "name": "logo", "mimeType": "image/png"}],
    "prompts": [{"name": "review", "description": "Review code."}],
    "reads": {
        "file:///docs/a.md": {"contents": [{"uri": "file:///docs/a.md",
                                            "mimeType": "text/markdown; charset=utf-8",
                                            "text": "# A\n" + "x" * 96}]},
        "file:///img/logo.png": {"contents": [{"uri": "file:///img/logo.png",
                                               "mimeType": "image/png",
                                               "blob": base64.b64encode(b"\x89PNG" + bytes(60)).decode()}]},
    },
}
exec(sys.argv[2])
with open(sys.argv[1] + ".tmp", "w", encoding="utf-8") as f:
    json.dump(c, f)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
PY
}
catalog
python3 "$SRCDIR/tests/integration/fakemcp.py" "$FAKE_PORTFILE" 2>"$TMP/fakemcp.log" &
on_exit "kill $!"
wait_for "[ -s '$FAKE_PORTFILE' ]" 20 || skip_all "fakemcp.py did not start: $(tail -n 3 "$TMP/fakemcp.log")"
F=http://127.0.0.1:$(cat "$FAKE_PORTFILE")/mcp/catalog

mw mcp-tools -u "$F" --expect-resources file:///docs/a.md,file:///img/logo.png --expect-prompts review
expect_rc 0 "every expected resource and prompt: OK"
expect_out " resources=2;;;0 prompts=1;;;0" "the counts as perfdata"
mw mcp-tools -u "$F" --expect-resources file:///docs/a.md,file:///gone.md --expect-prompts review,gone -v
expect_rc 2 "a missing resource and prompt: CRITICAL"
expect_first "missing resources: file:///gone.md; missing prompts: gone" "both named in the status line"
expect_out "\[CRITICAL\] missing resource file:///gone.md" "the long output names the resource"
mw mcp-tools -u "$F" --expect-prompts gone --missing-state warning
expect_rc 1 "--missing-state warning applies to prompts"
catalog 'del c["resources"]'
mw mcp-tools -u "$F" --expect-resources file:///docs/a.md -v
expect_rc 2 "no resources capability: the expected one is missing"
expect_out "missing resource file:///docs/a.md \(the server offers none\)" "says the server offers none"
expect_no_out "resources/list page" "resources/list is not asked of a server that does not offer it"
catalog

mw mcp-tools -u "$F" --read-resource file:///docs/a.md --read-mime text/markdown --read-min-size 100 -v
expect_rc 0 "a read: a MIME type with parameters matches, 100 bytes"
expect_out "resources/read file:///docs/a.md: 100 bytes of text/markdown; charset=utf-8" "its size and type"
mw mcp-tools -u "$F" --read-resource file:///docs/a.md --read-min-size 101
expect_rc 2 "too few bytes: CRITICAL"
expect_first "resources/read file:///docs/a.md: 100 bytes, fewer than --read-min-size 101" "names both sizes"
mw mcp-tools -u "$F" --read-resource file:///img/logo.png --read-mime IMAGE/PNG --read-min-size 64
expect_rc 0 "a Base64 blob counts its decoded bytes (64)"
expect_out "read_bytes=64B" "read_bytes of the blob"
mw mcp-tools -u "$F" --read-resource file:///nope.md
expect_rc 2 "an unknown URI: CRITICAL"
expect_first "resources/read file:///nope.md: error -32002 Resource not found" "with the server's error"
catalog 'c["reads"]["file:///docs/a.md"] = {"contents": [{"uri": "x", "blob": "not base64!"}]}'
mw mcp-tools -u "$F" --read-resource file:///docs/a.md
expect_rc 2 "a blob that is no Base64: CRITICAL"
expect_first "content 0 has neither text nor a Base64 blob" "says so"
catalog 'c["reads"]["file:///docs/a.md"] = {"contents": []}'
mw mcp-tools -u "$F" --read-resource file:///docs/a.md
expect_rc 2 "no contents: CRITICAL"
expect_first "resources/read file:///docs/a.md: no contents in the answer" "says so"
catalog 'c["reads"]["file:///docs/a.md"] = {"contents": [{"uri": "x", "text": "y" * 3000000}]}'
mw mcp-tools -u "$F" --read-resource file:///docs/a.md
expect_rc 2 "an answer over --max-size: CRITICAL"
expect_one_line "an answer over --max-size: one line"
catalog 'c["reads"]["file:///docs/a.md"] = {"contents": [{"uri": "x", "mimeType": "text/plain|x=1\nCRITICAL", "text": "z"}]}'
mw mcp-tools -u "$F" --read-resource file:///docs/a.md --read-mime text/plain
expect_rc 2 "a hostile MIME type: CRITICAL"
expect_no_out "\|x=1" "no perfdata injected by the MIME type"
catalog

mw mcp-tools -u "$F" --read-mime text/plain
expect_one_error_line "need --read-resource" "--read-mime alone: one line"
mw mcp-tools -u "$F" --read-resource file:///docs/a.md --read-min-size -1
expect_one_error_line "--read-min-size must be 0 or more" "a negative size: one line"

finish
