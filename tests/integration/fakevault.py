#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fakevault.py - a local HTTP server that answers as Vault's documented API does, for the vault
check's tests: Vault itself is not packaged for Debian.

    fakevault.py STATEDIR PORTFILE [CERT KEY]

Listens on 127.0.0.1 (an ephemeral port, written to PORTFILE), over TLS with CERT and KEY. Every request re-reads its answer
from STATEDIR, so a test changes the server's state by writing a file:
  health   GET /v1/sys/health: first line the status code, then the JSON body; "@now",
           "@now+N" and "@now-N" become the current Unix time (plus or minus N seconds)
  token    the token lookup-self accepts; any other (or none) gets 403 permission denied
  lookup   GET /v1/auth/token/lookup-self with that token: status line, then the body
Every X-Vault-Token received is appended to STATEDIR/tokens-seen.
"""
import http.server
import os
import re
import ssl
import sys
import time

STATE = sys.argv[1]


def read_answer(name):
    with open(os.path.join(STATE, name), encoding="utf-8") as f:
        code, _, body = f.read().partition("\n")
    now = int(time.time())
    body = re.sub(r"@now([+-]\d+)?", lambda m: str(now + int(m.group(1) or 0)), body)
    return int(code), body.encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        token = self.headers.get("X-Vault-Token")
        if token is not None:
            with open(os.path.join(STATE, "tokens-seen"), "a", encoding="utf-8") as f:
                f.write(token + "\n")
        path = self.path.split("?")[0]
        if path == "/v1/sys/health":
            self.answer(*read_answer("health"))
        elif path == "/v1/auth/token/lookup-self":
            try:
                with open(os.path.join(STATE, "token"), encoding="utf-8") as f:
                    good = f.read().strip()
            except FileNotFoundError:
                good = None
            if token is None or token != good:
                self.answer(403, b'{"errors":["permission denied"]}\n')
            else:
                self.answer(*read_answer("lookup"))
        else:
            self.answer(404, b'{"errors":[]}\n')

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) > 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(sys.argv[2] + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
