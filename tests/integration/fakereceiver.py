#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fakereceiver.py - a local HTTP server that answers as the receivers mcpwatch forwards to do:
PagerDuty Events API v2, Atlassian Statuspage, Cachet 2.x and a generic webhook. None of them
can be installed locally, so the notifier tests use this, following the documented APIs and
their error codes.

    fakereceiver.py STATEDIR PORTFILE [PORT]

Listens on 127.0.0.1 (PORT, or an ephemeral one, written to PORTFILE). Every request re-reads
STATEDIR/mode, so a test changes the answer by writing that file:
  ok        (or no file) answer as the API does on success
  400 / 404 / 410 / 500 / 503   answer that status code
  429       429 with "Retry-After: 1"
  hang      read the request and never answer (until the client goes away)
  close     read the request and close the connection without an answer
  echo      400 with the request's body as the answer (as careless receivers do in errors)
  N:MODE    MODE for the next N requests, then ok (the file is rewritten as it counts down)
STATEDIR/health (first line a status code, "degraded", or "hang": no answer until it changes)
answers GET /health, for checks to watch; STATEDIR/health-NAME answers GET /health/NAME. POST
/hook and /hook/NAME take webhooks.
Every request is appended to STATEDIR/requests.jsonl as {"method","path","headers","body",
"code"} once it has been answered (code 0 when it was not).

Routes (as documented):
  POST  /v2/enqueue                             PagerDuty: 202, 400 on an invalid event
  PATCH /v1/pages/PAGE/components/ID            Statuspage: Authorization "OAuth KEY"
  POST  /v1/pages/PAGE/incidents                Statuspage: 201 with the incident id
  PATCH /v1/pages/PAGE/incidents/ID             Statuspage
  PUT   /api/v1/components/ID                   Cachet: X-Cachet-Token, status 1..4
  POST  /hook                                   generic webhook: 200
"""
import fcntl
import http.server
import json
import os
import re
import sys
import threading
import time

STATE = sys.argv[1]
LOCK = threading.Lock()
INCIDENTS = [0]
STATUSES = {"operational", "degraded_performance", "partial_outage", "major_outage",
            "under_maintenance"}


def take_mode():
    """The mode for this request, counting down N:MODE."""
    path = os.path.join(STATE, "mode")
    with LOCK:
        try:
            with open(path, encoding="utf-8") as f:
                mode = f.read().strip()
        except FileNotFoundError:
            return "ok"
        m = re.fullmatch(r"(\d+):(.+)", mode)
        if not m:
            return mode or "ok"
        left, inner = int(m.group(1)), m.group(2)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(f"{left - 1}:{inner}\n" if left > 1 else "ok\n")
        os.rename(path + ".tmp", path)
        return inner if left > 0 else "ok"


def record(entry):
    line = json.dumps(entry, sort_keys=True) + "\n"
    with LOCK, open(os.path.join(STATE, "requests.jsonl"), "a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(line)


def pagerduty(body):
    try:
        ev = json.loads(body)
    except ValueError:
        return 400, {"status": "invalid event", "message": "Event object is invalid",
                     "errors": ["Malformed JSON"]}
    errors = []
    if not isinstance(ev.get("routing_key"), str) or len(ev["routing_key"]) != 32:
        errors.append("'routing_key' must be 32 characters")
    action = ev.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        errors.append("'event_action' is invalid")
    key = ev.get("dedup_key")
    if key is not None and (not isinstance(key, str) or len(key) > 255):
        errors.append("'dedup_key' is too long")
    if action != "trigger" and not key:
        errors.append("'dedup_key' is required")
    if action == "trigger":
        payload = ev.get("payload") or {}
        if not payload.get("summary") or len(payload["summary"]) > 1024:
            errors.append("'payload.summary' is missing or too long")
        if not payload.get("source"):
            errors.append("'payload.source' is missing")
        if payload.get("severity") not in ("critical", "error", "warning", "info"):
            errors.append("'payload.severity' is invalid")
    if errors:
        return 400, {"status": "invalid event", "message": "Event object is invalid",
                     "errors": errors}
    return 202, {"status": "success", "message": "Event processed",
                 "dedup_key": key or "generated"}


def statuspage(method, path, headers, body):
    if not re.fullmatch(r"OAuth \S+", headers.get("Authorization", "")):
        return 401, {"error": "Could not authenticate"}
    try:
        data = json.loads(body)
    except ValueError:
        return 400, {"error": "malformed JSON"}
    m = re.fullmatch(r"/v1/pages/([\w-]+)/components/([\w-]+)", path)
    if m and method == "PATCH":
        status = (data.get("component") or {}).get("status")
        if status not in STATUSES:
            return 422, {"error": "status is invalid"}
        return 200, {"id": m.group(2), "page_id": m.group(1), "status": status}
    if re.fullmatch(r"/v1/pages/[\w-]+/incidents", path) and method == "POST":
        inc = data.get("incident") or {}
        if not inc.get("name"):
            return 422, {"error": "name can't be blank"}
        with LOCK:
            INCIDENTS[0] += 1
            return 201, {"id": f"inc{INCIDENTS[0]}", "name": inc["name"],
                         "status": inc.get("status")}
    m = re.fullmatch(r"/v1/pages/[\w-]+/incidents/([\w-]+)", path)
    if m and method == "PATCH":
        return 200, {"id": m.group(1), "status": (data.get("incident") or {}).get("status")}
    return 404, {"error": "Not found"}


def cachet(path, headers, body):
    if not headers.get("X-Cachet-Token"):
        return 401, {"errors": [{"status": 401, "title": "Unauthorized"}]}
    try:
        status = json.loads(body).get("status")
    except ValueError:
        status = None
    if status not in (1, 2, 3, 4):
        return 400, {"errors": [{"status": 400, "title": "Bad Request"}]}
    return 200, {"data": {"id": int(path.rsplit("/", 1)[1]), "status": status}}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, obj, extra=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        path = self.path.split("?", 1)[0]
        entry = {"method": self.command, "path": path, "headers": dict(self.headers.items()),
                 "body": body, "code": 0}
        if path == "/health" or re.fullmatch(r"/health/[\w-]+", path):
            # /health/NAME reads STATEDIR/health-NAME. "hang": no answer until the file says
            # something else (30 s at most); "degraded": 200 with a degraded health document.
            name = "health" if path == "/health" else "health-" + path.split("/")[2]
            for _ in range(300):
                try:
                    with open(os.path.join(STATE, name), encoding="utf-8") as f:
                        first = f.readline().strip()
                except FileNotFoundError:
                    first = "200"
                # Empty: caught between the shell's truncation and its write ('echo 503 >F');
                # answering 200 then closed a test's circuit breaker by chance (agent.sh in CI).
                if first == "":
                    time.sleep(0.01)
                    continue
                if first != "hang":
                    break
                time.sleep(0.1)
            if first == "degraded":
                self.answer(200, {"status": "degraded"})
                return
            try:
                code = int(first)
            except ValueError:
                code = 200
            self.answer(code, {"status": "ok" if code == 200 else "failing"})
            return
        mode = take_mode()
        if mode == "hang":
            record(entry)
            while True:
                time.sleep(0.2)
                try:
                    # Ends when the client has gone away.
                    self.connection.setblocking(False)
                    if self.connection.recv(1) == b"":
                        return
                except BlockingIOError:
                    pass
                except OSError:
                    return
        if mode == "close":
            record(entry)
            self.close_connection = True
            return
        if mode == "echo":
            code = 400
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif mode.isdigit():
            code = int(mode)
            extra = {"Retry-After": "1"} if code == 429 else None
            obj = {"status": "throttle event", "message": "Requests for this service are arriving "
                   "too quickly.  Please retry later."} if code == 429 else {"error": f"mode {code}"}
            self.answer(code, obj, extra)
        elif path == "/v2/enqueue" and self.command == "POST":
            code, obj = pagerduty(body)
            self.answer(code, obj)
        elif path.startswith("/v1/pages/"):
            code, obj = statuspage(self.command, path, self.headers, body)
            self.answer(code, obj)
        elif path.startswith("/api/v1/components/") and self.command == "PUT":
            code, obj = cachet(path, self.headers, body)
            self.answer(code, obj)
        elif (path == "/hook" or re.fullmatch(r"/hook/[\w-]+", path)) and self.command == "POST":
            code = 200
            self.answer(code, {"ok": True})
        else:
            code = 404
            self.answer(code, {"error": "Not found"})
        entry["code"] = code
        record(entry)

    do_GET = do_POST = do_PUT = do_PATCH = handle_any


def main():
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    with open(sys.argv[2] + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    server.serve_forever()


if __name__ == "__main__":
    main()
