#!/usr/bin/env python3
"""A burst of invalid shares against the real pool (--verify all): none is
accepted, the IP is banned after --ban-ip-after bad shares whatever the
logins, every connection from it is closed and new ones are refused, and
the event log agrees. Prints the figures as one JSON line.

usage: share_flood.py TCP_PORT EVENTS SESSIONS SHARES_PER_SESSION BAN_IP_AFTER
"""
import json
import socket
import sys
import time

from mltest import fail, ok

PORT, EVENTS = int(sys.argv[1]), sys.argv[2]
SESSIONS, PER, BAN_AFTER = (int(x) for x in sys.argv[3:6])
HOST = "127.0.0.1"


def recv_lines(s, buf, timeout):
    s.settimeout(timeout)
    try:
        d = s.recv(1 << 20)
    except socket.timeout:
        return buf, [], False
    except (ConnectionResetError, BrokenPipeError):
        return buf, [], True
    if not d:
        return buf, [], True
    buf += d
    *lines, buf = buf.split(b"\n")
    return buf, [json.loads(l) for l in lines if l.strip()], False


socks = []
for i in range(SESSIONS):
    s = socket.create_connection((HOST, PORT), timeout=10)
    s.sendall(json.dumps({"id": 1, "jsonrpc": "2.0", "method": "login", "params": {
        "login": "4FLOOD%02d" % i, "pass": "x", "agent": "share_flood.py",
        "algo": ["rx/0"]}}).encode() + b"\n")
    buf, got = b"", []
    while not got:
        buf, got, closed = recv_lines(s, buf, 10)
        if closed:
            fail("login %d: connection closed" % i)
    r = got[0]
    if r.get("error") or not r.get("result"):
        fail("login %d refused: %r" % (i, r))
    socks.append([s, r["result"]["id"], r["result"]["job"]["job_id"], b"", False])

# The burst: every session sends all its shares at once. The result claims a
# hash of zero, which meets any target, so only RandomX can tell it is false.
sent = 0
t0 = time.time()
for k, (s, sid, job, _, _) in enumerate(socks):
    lines = b"".join(json.dumps({"id": 100 + n, "jsonrpc": "2.0", "method": "submit",
                                  "params": {"id": sid, "job_id": job,
                                             "nonce": "%08x" % (k << 20 | n),
                                             "result": "00" * 32}}).encode() + b"\n"
                     for n in range(PER))
    try:
        s.sendall(lines)
        sent += PER
    except (ConnectionResetError, BrokenPipeError):
        pass  # banned already

replies = {"ok": 0, "error": {}}
deadline = time.time() + 60
while time.time() < deadline and not all(c[4] for c in socks):
    for c in socks:
        if c[4]:
            continue
        c[3], got, c[4] = recv_lines(c[0], c[3], 0.05)
        for r in got:
            if r.get("id") is None or r.get("id") < 100:
                continue
            if r.get("error"):
                m = r["error"].get("message", "?")
                replies["error"][m] = replies["error"].get(m, 0) + 1
            elif r.get("result", {}).get("status") == "OK":
                replies["ok"] += 1
elapsed = time.time() - t0
open_left = sum(1 for c in socks if not c[4])
for c in socks:
    c[0].close()

# A new connection from the banned IP is refused.
refused = False
try:
    s = socket.create_connection((HOST, PORT), timeout=5)
    s.settimeout(5)
    refused = s.recv(100) == b""
except (ConnectionResetError, socket.timeout):
    refused = True
time.sleep(0.6)  # the pool's event flush

ev = [json.loads(l) for l in open(EVENTS) if l.endswith("\n")]
shares = [e for e in ev if e["event"] == "share"]
acc = sum(1 for e in shares if e["accepted"])
by = {}
for e in shares:
    by[e["status"] + "/" + e["reason"]] = by.get(e["status"] + "/" + e["reason"], 0) + 1
bans = [e for e in ev if e["event"] == "ban_ip"]
fig = {"sessions": SESSIONS, "shares_sent": sent, "replies_ok": replies["ok"],
       "replies_error": replies["error"], "accepted_events": acc, "share_events": by,
       "ip_bans": len(bans), "ban_after": BAN_AFTER,
       "connections_left_open": open_left, "new_connection_refused": refused,
       "conn_refused_events": sum(1 for e in ev if e["event"] == "conn_refused"),
       "seconds": round(elapsed, 2)}
print(json.dumps(fig, sort_keys=True))
if acc or replies["ok"]:
    fail("invalid shares accepted: %d events, %d OK replies" % (acc, replies["ok"]))
ok("%d invalid shares sent, none accepted" % sent)
if len(bans) != 1 or bans[0]["ip"] != HOST:
    fail("expected one ban of %s, got %r" % (HOST, bans))
if sum(1 for e in shares if e["reason"] == "invalid_hash") < BAN_AFTER:
    fail("the ban came before %d verified bad shares" % BAN_AFTER)
ok("IP banned after %d bad shares over %d logins" % (BAN_AFTER, SESSIONS))
if open_left:
    fail("%d flooding connections still open after the ban" % open_left)
if not refused:
    fail("a new connection from the banned IP was not refused")
ok("every connection closed, new ones refused")
