#!/usr/bin/env python3
"""The browser lane of minerlab-pool: static page over HTTP on the ws port,
Coinhive-style JSON over WebSocket with the synthetic SHA-256 share, and the
pool's JSON API.

usage: browser_lane.py WS_PORT API_PORT EVENTS_FILE
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import time
import urllib.request

from mltest import fail, ok

WS, API = int(sys.argv[1]), int(sys.argv[2])
EVENTS = sys.argv[3]


class WsClient:
    def __init__(self, path="/"):
        self.s = socket.create_connection(("127.0.0.1", WS), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: lab\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (path, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(4096)
        head, self.buf = head.split(b"\r\n\r\n", 1)
        want = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if b" 101 " not in head or want not in head:
            fail("bad upgrade: %r" % head)

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        hdr = bytes([0x81])
        n = len(data)
        hdr += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
        self.s.sendall(hdr + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(data)))

    def _need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d

    def recv(self):
        self._need(2)
        op, ln = self.buf[0] & 15, self.buf[1] & 127
        off = 2
        if ln == 126:
            self._need(4)
            ln, off = struct.unpack(">H", self.buf[2:4])[0], 4
        elif ln == 127:
            self._need(10)
            ln, off = struct.unpack(">Q", self.buf[2:10])[0], 10
        self._need(off + ln)
        payload, self.buf = self.buf[off:off + ln], self.buf[off + ln:]
        if op != 1:
            fail("unexpected opcode %d" % op)
        return json.loads(payload)


def target64(hex8):
    t32 = struct.unpack("<I", bytes.fromhex(hex8))[0]
    return 0xFFFFFFFFFFFFFFFF // (0xFFFFFFFF // t32)


def nhex(nonce):
    """The nonce as the pool expects it: its 4 raw little-endian bytes."""
    return struct.pack("<I", nonce).hex()


def synth(blob, nonce):
    b = bytearray(blob)
    b[39:43] = struct.pack("<I", nonce)
    return hashlib.sha256(bytes(b)).digest()


# static page
page = urllib.request.urlopen("http://127.0.0.1:%d/" % WS, timeout=10).read()
if b"minerlab test page" not in page:
    fail("static page: %r" % page[:80])
try:
    urllib.request.urlopen("http://127.0.0.1:%d/../etc/passwd" % WS, timeout=10)
    fail("path escape served")
except urllib.error.HTTPError as e:
    if e.code != 404:
        fail("path escape: HTTP %d" % e.code)
ok("static page served, path escape refused")

c = WsClient("/proxy")
c.send({"type": "auth", "params": {"site_key": "LABSITEKEY", "type": "anonymous",
                                   "user": None}})
a = c.recv()
if a["type"] != "authed" or a["params"]["lab"]["name"] != "minerlab-pool":
    fail("authed: %r" % a)
j = c.recv()
if j["type"] != "job":
    fail("job: %r" % j)
p = j["params"]
blob, t = bytes.fromhex(p["blob"]), target64(p["target"])
# The lab marker (docs/stratum.md): previous-block hash = pattern + run.
run = bytes.fromhex(a["params"]["lab"]["run"])
if blob[7:23] != b"minerlab-labonly" or blob[23:39] != run:
    fail("browser-lane job without the lab marker: %s" % p["blob"])
ok("browser-lane job carries the lab marker of the announced run")
found = []
nonce = 0
while len(found) < 2 and nonce < 200000:
    h = synth(blob, nonce)
    if struct.unpack("<Q", h[24:32])[0] < t:
        found.append((nonce, h))
    nonce += 1
if len(found) < 2:
    fail("no synthetic share found")
n0, h0 = found[0]
c.send({"type": "submit", "params": {"job_id": p["job_id"], "nonce": nhex(n0),
                                     "result": h0.hex()}})
r = c.recv()
if r["type"] != "hash_accepted" or r["params"]["hashes"] <= 0:
    fail("hash_accepted: %r" % r)
ok("synthetic share accepted after %d hashes (hashes=%d)" % (n0 + 1, r["params"]["hashes"]))
c.send({"type": "submit", "params": {"job_id": p["job_id"], "nonce": nhex(n0),
                                     "result": h0.hex()}})
r = c.recv()
if r != {"type": "error", "params": {"error": "Duplicate share"}}:
    fail("duplicate: %r" % r)
n1, h1 = found[1]
forged = bytearray(h1)
forged[0] ^= 1
c.send({"type": "submit", "params": {"job_id": p["job_id"], "nonce": nhex(n1),
                                     "result": bytes(forged).hex()}})
r = c.recv()
if r["params"].get("error") != "Invalid share":
    fail("forged: %r" % r)
c.send({"type": "submit", "params": {"job_id": "nope", "nonce": "00000000",
                                     "result": "00" * 32}})
if c.recv()["params"].get("error") != "Invalid job id":
    fail("unknown job id")
ok("duplicate, forged and unknown-job shares rejected")

stats = json.load(urllib.request.urlopen("http://127.0.0.1:%d/stats" % API, timeout=10))
if stats["shares_accepted"] != 1 or stats["rejected_by"]["duplicate"] != 1:
    fail("api stats: %r" % stats)
if stats["session_list"][0]["transport"] != "ws":
    fail("api session list: %r" % stats["session_list"])
ok("API counts")

time.sleep(0.6)
ev = [json.loads(l) for l in open(EVENTS)]
names = {e["event"] for e in ev}
for want in ("http_get", "ws_upgrade", "login", "job", "share"):
    if want not in names:
        fail("no %s event" % want)
sh = [e for e in ev if e["event"] == "share" and e["accepted"]]
if not sh or sh[0]["verify"] != "sha256" or sh[0]["transport"] != "ws":
    fail("share event: %r" % sh)
ok("events logged")
