#!/usr/bin/env python3
"""Benign near-misses for network cadence detectors: a long-lived push
feed with a steady cadence, the shape of a market-data
ticker, a notification channel or a telemetry stream.

  --transport ws   an RFC 6455 WebSocket (wschat.py's framing): the
                   client subscribes once, the server pushes one small
                   JSON quote every --interval seconds, the client
                   acknowledges every tenth and pings now and then;
  --transport tcp  newline-delimited JSON over plain TCP: the client
                   sends one hello, then the server streams one metrics
                   record every --interval seconds.

One connection for the whole window (no reconnects), no hashing, no login,
no job. Prints a summary line at the end.  When the run has a lab internet
(ML_INET_NETNS and ML_INET_WEB from the harness) the feed's server runs
there, on the lab web host, and the client subscribes over the victims'
uplink, the link the network detectors watch (labserve.py); otherwise both
ends run on 127.0.0.1.

    push.py [--transport ws|tcp] [--seconds N] [--interval S]
    push.py --serve [--bind ADDR] [--transport ws|tcp] [--seconds N] [--interval S]
        (the server alone: prints "port N" when it listens, serves one
        subscriber for --seconds less 5, prints "sent N")
"""
import argparse
import base64
import hashlib
import json
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labserve  # noqa: E402
from wschat import GUID, read_frame, send_frame  # noqa: E402

MAX_LINE = 8192


def quote(seq, rng):
    return {"type": "quote", "seq": seq, "symbol": rng.choice(["ACME", "GLOBX", "INIT"]),
            "bid": round(rng.uniform(99, 101), 2), "ask": round(rng.uniform(101, 103), 2),
            "ts": time.time()}


def serve_ws(conn, seconds, interval):
    req = b""
    while b"\r\n\r\n" not in req:
        chunk = conn.recv(1024)
        if not chunk:
            return 0
        req += chunk
    key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n")
           if l.lower().startswith(b"sec-websocket-key:")][0]
    accept = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest()).decode()
    conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
                  % accept).encode())
    read_frame(conn)  # the subscription
    conn.settimeout(0.05)
    rng, seq = random.Random(1), 0
    deadline, nxt = time.monotonic() + seconds, time.monotonic()
    while time.monotonic() < deadline:
        if time.monotonic() >= nxt:
            seq += 1
            send_frame(conn, 1, json.dumps(quote(seq, rng)).encode(), False)
            nxt += interval
        try:
            op, data = read_frame(conn)
            if op == 9:
                send_frame(conn, 10, data, False)
            elif op == 8:
                break
        except socket.timeout:
            pass
    return seq


def serve_tcp(conn, seconds, interval):
    f = conn.makefile("rwb")
    if not f.readline(MAX_LINE + 1):
        return 0
    rng, seq = random.Random(2), 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seq += 1
        rec = {"metric": "node.load", "seq": seq, "host": "web-%d" % (seq % 3),
               "value": round(rng.uniform(0.1, 2.0), 3), "ts": time.time()}
        f.write((json.dumps(rec) + "\n").encode())
        f.flush()
        time.sleep(interval)
    return seq


def client_ws(host, port, stats):
    s = socket.create_connection((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /feed HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (host, port, key)).encode())
    resp = b""
    while b"\r\n\r\n" not in resp:
        resp += s.recv(1024)
    send_frame(s, 1, json.dumps({"type": "subscribe", "symbols": ["ACME", "GLOBX"]}).encode(),
               True)
    try:
        while True:
            op, data = read_frame(s)
            if op != 1:
                continue
            stats["received"] += 1
            if stats["received"] % 10 == 0:
                send_frame(s, 1, json.dumps({"type": "ack", "seq": stats["received"]}).encode(),
                           True)
            if stats["received"] % 25 == 0:
                send_frame(s, 9, b"keepalive", True)
    except (ConnectionError, OSError):
        pass
    s.close()


def client_tcp(host, port, stats):
    with socket.create_connection((host, port)) as s:
        f = s.makefile("rwb")
        f.write(b'{"hello":"collector","version":1}\n')
        f.flush()
        while f.readline(MAX_LINE + 1):
            stats["received"] += 1


def listen(addr):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, 0))
    srv.listen(1)
    return srv


def serve_one(srv, transport, seconds, interval):
    """Serves the one subscriber; returns the records sent (-1: it broke)."""
    conn, _ = srv.accept()
    try:
        sent = (serve_ws if transport == "ws" else serve_tcp)(conn, seconds, interval)
    except (ConnectionError, OSError):
        sent = -1
    conn.close()
    srv.close()
    return sent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transport", choices=["ws", "tcp"], default="ws")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--interval", type=float, default=3)
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--bind", default="127.0.0.1")
    a = ap.parse_args()
    if a.serve:
        # labserve gives the service 5 s more than the window, to start.
        srv = listen(a.bind)
        print("port %d" % srv.getsockname()[1], flush=True)
        print("sent %d" % serve_one(srv, a.transport, max(a.seconds - 5, 0), a.interval),
              flush=True)
        return
    srv = None
    proc, host, port = labserve.start(__file__, "push", a.seconds,
                                      ["--transport", a.transport,
                                       "--interval", str(a.interval)]) or (None, None, 0)
    if not proc:
        srv, host = listen("127.0.0.1"), "127.0.0.1"
        port = srv.getsockname()[1]
    print("push: %s feed on %s:%d every %.1f s" % (a.transport, host, port, a.interval),
          file=sys.stderr)
    stats = {"received": 0}
    client = threading.Thread(target=client_ws if a.transport == "ws" else client_tcp,
                              args=(host, port, stats), daemon=True)
    client.start()
    if proc:
        # The server ends the feed after the window; the client then sees
        # the connection close.
        out = labserve.stop(proc, a.seconds + 5)
        sent = int(out.split()[-1]) if out.startswith("sent ") else -1
    else:
        sent = serve_one(srv, a.transport, a.seconds, a.interval)
    client.join(2)
    print("push: sent %d, received %d" % (sent, stats["received"]))


if __name__ == "__main__":
    main()
