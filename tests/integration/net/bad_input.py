#!/usr/bin/env python3
"""Bad input to a running minerlab-pool: every abuse gets the error a real
pool sends or a closed connection, is recorded in the event log, and a good
client logged in before, during and after is served throughout.

usage: bad_input.py TCP_PORT TLS_PORT WS_PORT EVENTS_FILE
"""
import json
import os
import resource
import socket
import sys
import time

from mltest import fail, ok

TCP, TLS, WS = (int(x) for x in sys.argv[1:4])
EVENTS = sys.argv[4]
HOST = "127.0.0.1"


class Client:
    def __init__(self, port=TCP):
        self.s = socket.create_connection((HOST, port), timeout=10)
        self.buf = b""
        self.next_id = 2

    def send(self, obj):
        self.s.sendall(json.dumps(obj, separators=(",", ":")).encode() + b"\n")

    def recv(self, timeout=10):
        self.s.settimeout(timeout)
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def login(self, login="4GOODWALLET"):
        self.send({"id": 1, "jsonrpc": "2.0", "method": "login",
                   "params": {"login": login, "pass": "x", "agent": "bad_input.py",
                              "algo": ["rx/0"]}})
        r = self.recv()
        if r.get("error") or "lab" not in r["result"]:
            fail("login failed: %r" % r)
        self.sid = r["result"]["id"]
        self.job = r["result"]["job"]
        return r

    def keepalive(self):
        self.send({"id": self.next_id, "jsonrpc": "2.0", "method": "keepalived",
                   "params": {"id": self.sid}})
        self.next_id += 1
        while True:  # job notifications may come first
            r = self.recv()
            if "id" in r and r["id"] is not None:
                return r

    def closed_within(self, seconds):
        """True when the pool closes this connection within seconds."""
        self.s.settimeout(seconds)
        end = time.time() + seconds
        try:
            while time.time() < end:
                if not self.s.recv(65536):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        return False


def assert_served(good, what):
    r = good.keepalive()
    if r.get("result", {}).get("status") != "KEEPALIVED":
        fail("good client not served after %s: %r" % (what, r))
    c = Client()
    c.login("4FRESHWALLET")
    c.s.close()
    ok("pool still serving after " + what)


def events(name):
    time.sleep(0.6)  # the pool flushes its log every 250 ms
    with open(EVENTS) as f:
        return [e for e in map(json.loads, f) if e["event"] == name]


good = Client()
good.login()

# 1. garbage bytes
c = Client()
c.s.sendall(b"\x00\xff\xfe garbage \x01\x02\n")
if not c.closed_within(5):
    fail("garbage did not close the connection")
if not any("invalid JSON" in e.get("error", "") for e in events("bad_message")):
    fail("garbage not in the event log")
assert_served(good, "garbage")

# 2. a 10 MB line
c = Client()
try:
    chunk = b"a" * 65536
    for _ in range(160):
        c.s.sendall(chunk)
except (BrokenPipeError, ConnectionResetError):
    pass
if not c.closed_within(5):
    fail("10 MB line did not close the connection")
if not any("longer than" in e.get("reason", "") for e in events("conn_close")):
    fail("long line not in the event log")
assert_served(good, "a 10 MB line")

# 3. valid JSON with wrong types
c = Client()
c.send({"id": 1, "jsonrpc": "2.0", "method": "login", "params": {"login": 123}})
r = c.recv()
if not r.get("error") or r["error"]["message"] != "Invalid login":
    fail("wrong-typed login: %r" % r)
c.send({"id": 2, "jsonrpc": "2.0", "method": "submit", "params": []})
r = c.recv()
if r["error"]["message"] != "Unauthenticated":
    fail("submit before login: %r" % r)
c.login("4TYPESWALLET")
c.send({"id": 3, "jsonrpc": "2.0", "method": "submit",
        "params": {"id": c.sid, "job_id": 7, "nonce": None, "result": ["x"]}})
r = c.recv()
if r["error"]["message"] != "Invalid share data":
    fail("wrong-typed submit: %r" % r)
c.send({"id": 4, "jsonrpc": "2.0", "method": "getjob", "params": {}})
if c.recv()["error"]["message"] != "Unsupported method":
    fail("unknown method")
c.s.close()
assert_served(good, "wrong types")

# 4. 100 invalid (low difficulty) shares -> ban
c = Client()
c.login("4BADSHARESWALLET")
replies = 0
for i in range(100):
    c.send({"id": 10 + i, "jsonrpc": "2.0", "method": "submit",
            "params": {"id": c.sid, "job_id": c.job["job_id"],
                       "nonce": "%08x" % i, "result": "ff" * 32}})
try:
    while True:
        r = c.recv(5)
        if r.get("error", {}) and r["error"]["message"] == "Low difficulty share":
            replies += 1
except (ConnectionError, socket.timeout):
    pass
if replies != 100:
    fail("expected 100 'Low difficulty share' replies, got %d" % replies)
bans = events("ban")
if not bans or bans[-1]["login"] != "4BADSHARESWALLET":
    fail("no ban event")
c2 = Client()
c2.send({"id": 1, "jsonrpc": "2.0", "method": "login",
         "params": {"login": "4BADSHARESWALLET", "pass": "x", "agent": "a"}})
if "banned" not in c2.recv()["error"]["message"]:
    fail("banned login accepted again")
assert_served(good, "100 invalid shares and a ban")

# 5. 1000 connections that never send anything
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
idle = [socket.create_connection((HOST, TCP), timeout=10) for _ in range(1000)]
time.sleep(0.5)
assert_served(good, "1000 idle connections")
opens = events("conn_open")
if len(opens) < 1000:
    fail("idle connections not in the event log (%d)" % len(opens))
for s in idle:
    s.close()

# 6. a TLS client that stalls mid-handshake (a partial ClientHello)
t = Client(TLS)
t.s.sendall(bytes.fromhex("160301020001000001fc0303") + os.urandom(20))
assert_served(good, "a stalled TLS handshake")
if not t.closed_within(6):
    fail("stalled TLS handshake never timed out")
if not any(e.get("reason") == "handshake timeout" and e["transport"] == "tls"
           for e in events("conn_close")):
    fail("stalled handshake not in the event log")
ok("stalled TLS handshake dropped after the timeout")

# 7. WebSocket: an unmasked client frame is a protocol error
w = Client(WS)
w.s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"
            b"\r\n\r\n")
head = b""
while b"\r\n\r\n" not in head:
    head += w.s.recv(4096)
if b" 101 " not in head or b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" not in head:
    fail("bad upgrade answer %r" % head)
w.s.sendall(b"\x81\x05hello")
if not w.closed_within(5):
    fail("unmasked frame did not close the WebSocket")
assert_served(good, "an unmasked WebSocket frame")
print("all bad-input checks passed")
