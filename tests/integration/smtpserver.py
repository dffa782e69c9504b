#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""smtpserver.py - a real SMTP server for the email notifier's tests: Debian's aiosmtpd with
STARTTLS (required before MAIL) or implicit TLS, and AUTH PLAIN/LOGIN (only over TLS).

    smtpserver.py DIR PORT CERT KEY starttls|implicit USER PASSWORD

Listens on 127.0.0.1:PORT and writes DIR/port once it answers. Every message accepted is
written to DIR/N.eml (the message as received) and DIR/N.json ({"from", "to", "auth"}). DIR/mode,
re-read at each command, makes it refuse: "550" refuses every recipient (5.1.1), "451" answers
DATA with a temporary failure.
"""
import json
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

DIR, PORT, CERT, KEY, TLS_MODE, USER, PASSWORD = sys.argv[1:8]


def mode():
    try:
        with open(os.path.join(DIR, "mode"), encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return "ok"


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if mode() == "550":
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if mode() == "451":
            return "451 4.3.0 try again later"
        n = len([f for f in os.listdir(DIR) if f.endswith(".eml")]) + 1
        with open(os.path.join(DIR, "%d.json" % n), "w", encoding="utf-8") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "auth": session.authenticated is True}, f)
        with open(os.path.join(DIR, "%d.eml.tmp" % n), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(os.path.join(DIR, "%d.eml.tmp" % n), os.path.join(DIR, "%d.eml" % n))
        return "250 2.0.0 accepted as %d" % n


def authenticate(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
            and auth_data.password == PASSWORD.encode():
        return AuthResult(success=True)
    return AuthResult(success=False, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(CERT, KEY)
common = dict(hostname="127.0.0.1", port=int(PORT), authenticator=authenticate,
              auth_require_tls=True, decode_data=False)
if TLS_MODE == "implicit":
    controller = Controller(Handler(), ssl_context=context, **common)
else:
    controller = Controller(Handler(), tls_context=context, require_starttls=True, **common)
controller.start()
with open(os.path.join(DIR, "port.tmp"), "w", encoding="utf-8") as f:
    f.write(PORT)
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
while True:  # until the test kills it by its PID
    time.sleep(3600)
