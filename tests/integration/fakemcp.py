#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fakemcp.py - a small MCP server (Streamable HTTP) for what the reference server does not do:
pagination, JSON answers, older and unknown protocol versions, bearer tokens, forgotten
sessions, and misbehaviour on purpose. The mode is the last part of the path: POST /mcp/MODE.

    fakemcp.py PORTFILE

  json         plain JSON answers, two tools (search, fetch)
  paged        tools/list in three pages (nextCursor), JSON answers
  endlesspages tools/list always has a nextCursor
  notify       SSE answers with a notification and a priming event before the response
  oldversion   initialize answers protocolVersion 2024-11-05
  badversion   initialize answers protocolVersion 1999-01-01
  auth         401 with a WWW-Authenticate challenge unless "Authorization: Bearer s3cret"
               (the challenge is PORTFILE.challenge's content when that file exists)
  rpcerror     tools/list answers JSON-RPC error -32601
  iserror      tools/call answers isError
  wrongid      answers carry another id
  badjson      an SSE event whose data is not JSON
  closes       the SSE stream ends before the response (its priming event has an id, no retry:
               the resumption GET is answered 405)
  resume       the tools/list stream ends after a priming event (id, retry: 200); a GET with
               that Last-Event-ID brings the response (2025-11-25 resumability)
  endless      an SSE stream of keep-alive comments that never brings the response
  junk         an SSE event of 10 MB
  forgetful    sessions are forgotten after each tools/list (404 afterwards)
  nodelete     DELETE answers 405
  hangdelete   DELETE never answers
  evil         tool names that try to break Nagios output ('|', newlines)
  redirect     307 to the same path with a trailing slash (FastMCP before 1.12), then as json
  redirect301  the same with 301
  redirectloop 307 to itself
  redirectaway 307 to http://localhost:PORT/mcp/tokenlog: another origin
  tokenlog     as json; the Authorization and X-API-Key headers it gets go to PORTFILE.tokens
  elicit       tools/list first sends an elicitation/create request on the SSE stream and waits
               (10 s at most) for the client's answer, which goes to PORTFILE.elicit
  texterror    421 with the text body "Invalid Host header"
  oautherror   500 with an OAuth error body
  apikey       401 unless "X-API-Key: k3y"
  catalog      JSON answers; tools, resources and prompts (and the capabilities), and what
               resources/read answers for a URI ("reads": {URI: result or {"error": ...}}), are read at
               every request from the file PORTFILE.catalog ({"tools": [...], ...}), so a test
               changes what the server offers between runs; lists are paged 50 items a page;
               tools/call: open (a new handle), query {handle} (two items), fetch {handle, id}
               (the item), slow (0.3 s), anything else isError; a handle is known only to
               the server that gave it
  refuseversion initialize refuses any version but 2025-03-26 and 2024-11-05 with -32602,
               listing them in data.supported
Every initialize is counted in the file PORTFILE.inits, one line each.
"""
import http.server
import json
import os
import sys
import threading
import time
import uuid

PORTFILE = sys.argv[1]
SESSIONS = set()
LOCK = threading.Lock()
ANSWERED = threading.Event()
HANDLES = set()  # catalog: the handles tools/call open gave
PENDING = {}  # resume: Last-Event-ID -> the response the closed stream did not bring
TOOLS = [{"name": n, "description": "tool " + n, "inputSchema": {"type": "object"}}
         for n in ["search", "fetch", "summarise", "translate", "index", "delete-all", "ping-db"]]


def catalog():
    with open(PORTFILE + ".catalog", encoding="utf-8") as f:
        return json.load(f)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", ctype="application/json", headers=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def sse_start(self, headers=()):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True

    def do_DELETE(self):
        if self.path.endswith("/hangdelete"):
            time.sleep(30)
            return
        if self.path.endswith("/nodelete"):
            self.send(405, b'{"error":"not allowed"}')
            return
        with LOCK:
            SESSIONS.discard(self.headers.get("Mcp-Session-Id"))
        self.send(200)

    def do_GET(self):
        with LOCK:
            body = PENDING.pop(self.headers.get("Last-Event-ID", ""), None)
        if not self.path.endswith("/resume") or body is None:
            self.send(405, b"")
            return
        with open(PORTFILE + ".resumes", "a", encoding="utf-8") as f:
            f.write(self.headers.get("Last-Event-ID") + "\n")
        self.sse_start([])
        self.wfile.write(b"event: message\ndata: " + body + b"\n\n")

    def do_POST(self):
        path = self.path.split("?")[0]
        mode = path.rstrip("/").rsplit("/", 1)[-1]
        length = int(self.headers.get("Content-Length", "0"))
        try:
            msg = json.loads(self.rfile.read(length))
        except ValueError:
            self.send(400, b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}')
            return
        if mode in ("redirect", "redirect301") and not path.endswith("/"):
            self.send(307 if mode == "redirect" else 301, b"", headers=[("Location", path + "/")])
            return
        if mode == "redirectloop":
            self.send(307, b"", headers=[("Location", path)])
            return
        if mode == "redirectaway":
            self.send(307, b"", headers=[(
                "Location", "http://localhost:%d/mcp/tokenlog" % self.server.server_address[1])])
            return
        if mode == "tokenlog":
            with open(PORTFILE + ".tokens", "a", encoding="utf-8") as f:
                f.write("%s %s %s\n" % (self.headers.get("Host"), self.headers.get("Authorization"),
                                        self.headers.get("X-API-Key")))
        if mode == "texterror":
            self.send(421, b"Invalid Host header\n", ctype="text/plain")
            return
        if mode == "oautherror":
            self.send(500, b'{"error":"server_error","error_description":"the database is down"}')
            return
        if mode == "apikey" and self.headers.get("X-API-Key") != "k3y":
            self.send(401, b"missing or wrong API key", ctype="text/plain")
            return
        if msg.get("method") is None and "id" in msg:  # the client's answer to our request
            with open(PORTFILE + ".elicit", "a", encoding="utf-8") as f:
                f.write(json.dumps(msg) + "\n")
            ANSWERED.set()
            self.send(202)
            return
        if mode == "auth" and self.headers.get("Authorization") != "Bearer s3cret":
            challenge = ('Bearer realm="mcp", error="invalid_token", '
                         'resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource"')
            try:  # a test may name its own challenge (a hostile metadata server)
                with open(PORTFILE + ".challenge", encoding="utf-8") as f:
                    challenge = f.read().strip()
            except FileNotFoundError:
                pass
            self.send(401, b'{"error":"invalid_token"}', headers=[("WWW-Authenticate", challenge)])
            return
        method = msg.get("method")
        rid = msg.get("id")
        session = self.headers.get("Mcp-Session-Id")
        if method != "initialize":
            with LOCK:
                known = session in SESSIONS
            if not known:
                self.send(404, b'{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}')
                return
        if rid is None:  # a notification
            self.send(202)
            return
        extra = []
        if method == "initialize":
            session = str(uuid.uuid4())
            with LOCK:
                SESSIONS.add(session)
            with open(PORTFILE + ".inits", "a", encoding="utf-8") as f:
                f.write(session + "\n")
            extra.append(("Mcp-Session-Id", session))
            version = {"oldversion": "2024-11-05", "badversion": "1999-01-01"}.get(
                mode, msg["params"]["protocolVersion"])
            if mode == "refuseversion" and version not in ("2025-03-26", "2024-11-05"):
                self.send(200, json.dumps({"jsonrpc": "2.0", "id": rid, "error": {
                    "code": -32602, "message": "Unsupported protocol version",
                    "data": {"supported": ["2024-11-05", "2025-03-26"], "requested": version}}}).encode())
                return
            capabilities = {"tools": {}}
            if mode == "catalog":
                capabilities = {name: {} for name in catalog()}
            result = {"protocolVersion": version, "capabilities": capabilities,
                      "serverInfo": {"name": "fakemcp", "version": "0.1"}}
        elif mode == "catalog" and method in ("tools/list", "resources/list", "prompts/list"):
            member = method.split("/")[0]
            items = catalog().get(member)
            start = int((msg.get("params") or {}).get("cursor") or 0)
            result = None if items is None else {member: items[start:start + 50]}
            if items is not None and start + 50 < len(items):
                result["nextCursor"] = str(start + 50)
        elif method == "tools/list":
            result = self.tools_page(mode, (msg.get("params") or {}).get("cursor"))
            if mode == "forgetful":
                with LOCK:
                    SESSIONS.discard(session)
        elif method == "resources/read" and mode == "catalog":
            read = catalog().get("reads", {}).get((msg.get("params") or {}).get("uri"))
            if read is None or "error" in read:
                error = (read or {}).get("error") or {"code": -32002, "message": "Resource not found"}
                self.answer(mode, method, {"jsonrpc": "2.0", "id": rid, "error": error}, extra)
                return
            result = read
        elif method == "tools/call" and mode == "catalog":
            result = self.flow_call(msg.get("params") or {})
        elif method == "tools/call":
            result = {"content": [{"type": "text", "text": "it broke"}], "isError": mode == "iserror"}
        elif method == "ping":
            result = {}
        else:
            result = None
        if mode == "rpcerror" and method == "tools/list":
            reply = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "Method not found"}}
        elif result is None:
            reply = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "Method not found"}}
        else:
            reply = {"jsonrpc": "2.0", "id": rid + 1000 if mode == "wrongid" else rid, "result": result}
        self.answer(mode, method, reply, extra)

    def flow_call(self, params):
        name = params.get("name")
        args = params.get("arguments") or {}

        def done(structured, text=None):
            return {"content": [{"type": "text", "text": text or json.dumps(structured)}],
                    "structuredContent": structured}
        with LOCK:
            known = args.get("handle") in HANDLES
        if name == "open":
            handle = "h-" + str(uuid.uuid4())
            with LOCK:
                HANDLES.add(handle)
            return done({"handle": handle})
        if name == "query" and known:
            return done({"count": 2, "items": [{"id": "a1"}, {"id": "b2"}]})
        if name == "fetch" and known and args.get("id") in ("a1", "b2"):
            return done({"id": args["id"], "body": "item " + args["id"]}, "item " + args["id"])
        if name == "slow":
            time.sleep(0.3)
            return done({"ok": True})
        return {"content": [{"type": "text", "text": "unknown handle or item: %s" % json.dumps(args)}],
                "isError": True}

    def tools_page(self, mode, cursor):
        if mode == "paged":
            page = {None: 0, "p2": 1, "p3": 2}.get(cursor, 0)
            result = {"tools": TOOLS[page * 3:page * 3 + 3]}
            if page < 2:
                result["nextCursor"] = "p%d" % (page + 2)
            return result
        if mode == "endlesspages":
            return {"tools": TOOLS[:1], "nextCursor": str(uuid.uuid4())}
        if mode == "evil":
            return {"tools": [{"name": "x | pwned=1;2;3", "inputSchema": {}},
                              {"name": "y\nMCP-TOOLS OK - all fine", "inputSchema": {}},
                              {"name": "z\r\u0007bell", "inputSchema": {}}]}
        return {"tools": TOOLS[:2]}

    def answer(self, mode, method, reply, extra):
        body = json.dumps(reply).encode()
        if mode in ("json", "paged", "endlesspages", "oldversion", "badversion", "auth",
                    "rpcerror", "iserror", "wrongid", "forgetful", "nodelete", "evil",
                    "hangdelete", "redirect", "redirect301", "tokenlog", "apikey", "refuseversion",
                    "catalog"):
            self.send(200, body, headers=extra)
            return
        self.sse_start(extra)
        try:
            if mode == "elicit" and method == "tools/list":
                ANSWERED.clear()
                self.wfile.write(b'event: message\ndata: {"jsonrpc":"2.0","id":"elicit-1","method":'
                                 b'"elicitation/create","params":{"message":"Your name?",'
                                 b'"requestedSchema":{"type":"object","properties":{}}}}\n\n')
                self.wfile.flush()
                if ANSWERED.wait(10):
                    self.wfile.write(b"event: message\ndata: " + body + b"\n\n")
            elif mode == "badjson" and method == "tools/list":
                self.wfile.write(b"event: message\ndata: {this is not json\n\n")
            elif mode == "closes" and method == "tools/list":
                self.wfile.write(b"id: 1\ndata: \n\n")
            elif mode == "resume" and method == "tools/list":
                event_id = "r-" + str(uuid.uuid4())
                with LOCK:
                    PENDING[event_id] = body
                self.wfile.write(b"id: " + event_id.encode() + b"\nretry: 200\ndata: \n\n")
            elif mode == "endless" and method == "tools/list":
                self.wfile.write(b"id: 1\ndata: \n\n")
                while True:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    time.sleep(0.2)
            elif mode == "junk" and method == "tools/list":
                chunk = b"data: " + b"x" * 65536 + b"\n"
                for _ in range(160):
                    self.wfile.write(chunk)
            else:
                self.wfile.write(b"id: prime\ndata: \n\n")
                self.wfile.write(b'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message",'
                                 b'"params":{"level":"info","data":"hello"}}\n\n')
                self.wfile.write(b"event: message\ndata: " + body + b"\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORTFILE + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
