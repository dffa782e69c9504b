#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""http_hostile.py - hostile clients against an HTTP server on 127.0.0.1, for agent_http_hostile.sh.

    http_hostile.py PORT ATTACK [COUNT]

Attacks (each prints one line "ATTACK: ..." with what it saw, and exits 0 unless the script
itself failed):
  flood N        N connections opened, a GET /health sent, the answer read, closed; 32 at a time
  hold N         N connections opened and held idle for 3 s, then closed; prints how many the
                 server accepted and how many it answered after the 3 s
  bigheader      a GET with a 1 MiB header; prints the status line (or "closed")
  bigline        a request line of 1 MiB; prints the status line (or "closed")
  garbage        random bytes, then a close; prints what came back
  body           a POST announcing 1 GiB and sending 8 MiB of it; prints the status line
"""
import os
import socket
import sys
import threading
import time


def connect(port, timeout=5.0):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def status_line(sock):
    data = b""
    try:
        while b"\r\n" not in data and len(data) < 4096:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionError):
        pass
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    return line if line else "closed"


def flood(port, count):
    answered = 0
    failed = 0
    lock = threading.Lock()
    per_thread = count // 32

    def worker():
        nonlocal answered, failed
        for _ in range(per_thread):
            try:
                sock = connect(port)
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                ok = status_line(sock).startswith("HTTP/1.1 ")
                sock.close()
            except OSError:
                ok = False
            with lock:
                if ok:
                    answered += 1
                else:
                    failed += 1

    threads = [threading.Thread(target=worker) for _ in range(32)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("flood: %d answered, %d failed in %.1f s" % (answered, failed,
                                                       time.monotonic() - start))


def hold(port, count):
    socks = []
    for _ in range(count):
        try:
            socks.append(connect(port, timeout=2.0))
        except OSError:
            break
    time.sleep(3)
    answered = 0
    for sock in socks:
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if status_line(sock).startswith("HTTP/1.1 "):
                answered += 1
        except OSError:
            pass
        sock.close()
    print("hold: %d connected, %d answered after 3 s idle" % (len(socks), answered))


def send_and_status(port, payload):
    sock = connect(port)
    try:
        sock.sendall(payload)
    except OSError:
        pass
    line = status_line(sock)
    sock.close()
    return line


def main():
    port = int(sys.argv[1])
    attack = sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if attack == "flood":
        flood(port, count)
    elif attack == "hold":
        hold(port, count)
    elif attack == "bigheader":
        payload = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
        print("bigheader: " + send_and_status(port, payload))
    elif attack == "bigline":
        payload = b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        print("bigline: " + send_and_status(port, payload))
    elif attack == "garbage":
        print("garbage: " + send_and_status(port, os.urandom(65536)))
    elif attack == "body":
        sock = connect(port)
        sock.sendall(b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n")
        sent = 0
        try:
            chunk = b"x" * 65536
            while sent < (8 << 20):
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        print("body: %s after %d bytes sent" % (status_line(sock), sent))
        sock.close()
    else:
        print("unknown attack " + attack, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
