#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# fakestdio.py - MCP servers over stdio for the tests, well-behaved and hostile, in the shapes the
# stdio binding of 2026-07-28 and 2025-11-25 allows or that broken servers take. The first
# argument is the mode:
#   modern       server/discover, tools/list in two pages, tools/call; a notification before
#                every answer, a line on stderr
#   legacy       -32601 for server/discover, then initialize and a session
#   silent       legacy, and silent to anything before initialize (server/discover unanswered)
#   slow-modern  modern, but answers nothing for 2.5 s and refuses initialize (-32601)
#   asks         legacy, and sends a sampling request before answering tools/list; the answer it
#                gets is written to $FAKESTDIO_LOG
#   env          modern; tools/call 'env' writes its environment and folder to $FAKESTDIO_LOG
#   stderr-flood modern, after writing 4 MiB to stderr
#   nonewline    modern; its last answer has no newline and it exits at once
#   never        reads and never answers
#   flood        writes notifications without end
#   garbage      writes a banner on stdout, then nothing
#   exit         three lines on stderr, exit status 3 at once
#   ignore-term  ignores SIGTERM (and stdin's end) and never answers
#   holder       starts a child (pid in $FAKESTDIO_LOG) that ignores SIGTERM and holds the pipes,
#                and exits itself
#   huge         a 2 MiB line
#   trickle      an answer one byte a second
# The standard library only.
import json
import os
import signal
import sys
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else "modern"
MODERN = "2026-07-28"
LEGACY = "2025-11-25"
TOOLS = [{"name": n, "inputSchema": {"type": "object"}} for n in ("echo", "add", "env")]


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def answer(mid, result):
    send({"jsonrpc": "2.0", "id": mid, "result": result})


def error(mid, code, message, data=None):
    err = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    send({"jsonrpc": "2.0", "id": mid, "error": err})


def log(text):
    path = os.environ.get("FAKESTDIO_LOG")
    if path:
        with open(path, "a") as f:
            f.write(text + "\n")


def hostile():
    if MODE == "never":
        for _ in sys.stdin:
            pass
        time.sleep(3600)
    if MODE == "flood":
        note = {"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "data": "x" * 200}}
        while True:
            send(note)
    if MODE == "garbage":
        sys.stdout.write("Starting the server on stdio...\n")
        sys.stdout.flush()
        time.sleep(3600)
    if MODE == "exit":
        sys.stderr.write("loading configuration\nError: DATABASE_URL is not set\n"
                         "    at main (server.js:12)\n")
        sys.exit(3)
    if MODE == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(3600)
    if MODE == "holder":
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(3600)
            os._exit(0)
        log(str(pid))
        os._exit(0)
    if MODE == "huge":
        sys.stdin.readline()
        sys.stdout.write('{"jsonrpc":"2.0","method":"x","params":"' + "a" * (2 << 20) + '"}\n')
        sys.stdout.flush()
        time.sleep(3600)
    if MODE == "trickle":
        line = sys.stdin.readline()
        mid = json.loads(line)["id"]
        text = json.dumps({"jsonrpc": "2.0", "id": mid, "result": {}}) + "\n"
        for ch in text:
            sys.stdout.write(ch)
            sys.stdout.flush()
            time.sleep(1)
        time.sleep(3600)


def serve():
    legacy = MODE in ("legacy", "silent", "asks")
    initialised = False
    if MODE == "stderr-flood":
        chunk = "x" * 1023 + "\n"
        for _ in range(4096):
            sys.stderr.write(chunk)
        sys.stderr.flush()
    if MODE == "slow-modern":
        time.sleep(2.5)
    sys.stderr.write("fakestdio %s ready\n" % MODE)
    sys.stderr.flush()
    pending = []
    for line in sys.stdin:
        msg = json.loads(line)
        method = msg.get("method")
        mid = msg.get("id")
        if method is None:
            if mid is not None and MODE == "asks":
                log(json.dumps(msg))
                if pending:
                    answer(pending.pop(), {"tools": TOOLS})
            continue
        if mid is None:
            continue
        if not legacy:
            send({"jsonrpc": "2.0", "method": "notifications/message",
                  "params": {"level": "debug", "data": "working on " + method}})
            if method == "initialize":
                error(mid, -32601, "Method not found")
                continue
            meta = (msg.get("params") or {}).get("_meta") or {}
            if meta.get("io.modelcontextprotocol/protocolVersion") != MODERN:
                error(mid, -32022, "Unsupported protocol version",
                      {"supported": [MODERN], "requested": meta.get(
                          "io.modelcontextprotocol/protocolVersion")})
                continue
        if method == "server/discover":
            if legacy:
                if MODE == "legacy":
                    error(mid, -32601, "Method not found")
                continue
            answer(mid, {"resultType": "complete", "supportedVersions": [MODERN],
                         "capabilities": {"tools": {}},
                         "serverInfo": {"name": "fakestdio-" + MODE, "version": "1.0"}})
        elif method == "initialize":
            initialised = True
            answer(mid, {"protocolVersion": LEGACY, "capabilities": {"tools": {}},
                         "serverInfo": {"name": "fakestdio-" + MODE, "version": "1.0"}})
        elif legacy and not initialised:
            if MODE == "legacy":
                error(mid, -32600, "not initialised")
        elif method == "tools/list":
            cursor = (msg.get("params") or {}).get("cursor")
            if MODE == "asks":
                send({"jsonrpc": "2.0", "id": "s1", "method": "sampling/createMessage",
                      "params": {"messages": [], "maxTokens": 1}})
                pending.append(mid)
                continue
            if legacy or cursor == "p2":
                done = {"tools": TOOLS[2:] if cursor else TOOLS}
                if not legacy:
                    done["resultType"] = "complete"
                if MODE == "nonewline":
                    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": mid, "result": done}))
                    sys.stdout.flush()
                    os._exit(0)
                answer(mid, done)
            else:
                answer(mid, {"resultType": "complete", "tools": TOOLS[:2], "nextCursor": "p2"})
        elif method == "tools/call":
            text = "ok"
            if msg["params"].get("name") == "env":
                log(json.dumps({"env": dict(os.environ), "cwd": os.getcwd()}))
            result = {"content": [{"type": "text", "text": text}]}
            if not legacy:
                result["resultType"] = "complete"
            answer(mid, result)
        elif method == "ping":
            answer(mid, {})
        else:
            error(mid, -32601, "Method not found")


if __name__ == "__main__":
    hostile()
    serve()
