#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fakesmtp.py - just enough of an SMTP server for STARTTLS: greeting, EHLO (offering
STARTTLS), STARTTLS, then TLS with CERT and KEY. For the tls-expiry check's --starttls smtp.

    fakesmtp.py PORTFILE CERT KEY [nostarttls]
"""
import os
import socketserver
import ssl
import sys

PORTFILE, CERT, KEY = sys.argv[1:4]
OFFER = len(sys.argv) < 5
CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
CONTEXT.load_cert_chain(CERT, KEY)


class Handler(socketserver.StreamRequestHandler):
    def do_line(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.do_line("220 fakesmtp ESMTP ready")
        for line in self.rfile:
            word = line.strip().split(b" ")[0].upper()
            if word == b"EHLO":
                self.do_line("250-fakesmtp hello")
                self.do_line("250-SIZE 1000000")
                self.do_line("250 STARTTLS" if OFFER else "250 8BITMIME")
            elif word == b"STARTTLS" and OFFER:
                self.do_line("220 go ahead")
                try:
                    tls = CONTEXT.wrap_socket(self.connection, server_side=True)
                    tls.recv(1)
                    tls.close()
                except (ssl.SSLError, OSError):
                    pass
                return
            elif word == b"QUIT":
                self.do_line("221 bye")
                return
            else:
                self.do_line("502 not implemented")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
