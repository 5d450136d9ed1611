#!/usr/bin/env python3
"""A relay that fakes the lab handshake but forwards work that is not the
lab's: the miner must refuse the first such job, submit nothing for it and
exit non-zero within a second of receiving it.

This stands in for the 30-line relay of issue 13: it answers login exactly
like minerlab-pool (lab extension, lab object with a valid-looking run
value) and then sends blobs as a real pool would.

usage: non_lab_job.py MINER_BINARY CASE
CASE: unmarked     login job with a random previous-block hash
      otherrun     login job with the lab pattern but another run's value
      later        a correctly marked login job, then an unmarked job pushed
      ws-unmarked  the Coinhive-style lane over WebSocket: authed with the
                   lab object, then an unmarked job
"""
import base64
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import time

from mltest import fail, ok

MINER, CASE = sys.argv[1], sys.argv[2]
PATTERN = b"minerlab-labonly"
RUN = os.urandom(16)
LAB = {"name": "minerlab-pool", "version": "0.1.0", "run": RUN.hex()}


def blob(pattern=None, run=None):
    b = bytearray(os.urandom(76))
    b[0] = b[1] = 16
    b[39:43] = b"\0\0\0\0"
    if pattern:
        b[7:23] = pattern
        b[23:39] = run
    return b.hex()


def job(job_id, blob_hex):
    # Target 0xff000000 (difficulty about 4.3e9): no share is expected even
    # from a marked job in the seconds this test runs, so any submit at all
    # would be for work the miner should not have done.
    return {"blob": blob_hex, "job_id": job_id, "target": "000000ff00000000",
            "algo": "rx/0", "height": 3000001, "seed_hash": os.urandom(32).hex()}


class Line:
    """Stratum: newline-delimited JSON."""

    def __init__(self, conn):
        self.conn, self.f = conn, conn.makefile("rb")

    def recv(self):
        return json.loads(self.f.readline())

    def send(self, obj):
        self.conn.sendall((json.dumps(obj, separators=(",", ":")) + "\n").encode())

    def rest(self):
        return [json.loads(l) for l in self.f.read().decode(errors="replace").splitlines()
                if l.strip()]


class Ws:
    """Server side of RFC 6455: text frames, client frames masked."""

    def __init__(self, conn):
        self.conn, self.buf = conn, b""
        while b"\r\n\r\n" not in self.buf:
            d = conn.recv(4096)
            if not d:
                fail("no WebSocket upgrade")
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        key = [l.split(b":", 1)[1].strip() for l in head.split(b"\r\n")
               if l.lower().startswith(b"sec-websocket-key:")][0]
        acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                               .digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")

    def _need(self, n):
        while len(self.buf) < n:
            d = self.conn.recv(65536)
            if not d:
                raise EOFError
            self.buf += d

    def recv(self):
        self._need(2)
        op, ln, off = self.buf[0] & 15, self.buf[1] & 127, 2
        if ln == 126:
            self._need(4)
            ln, off = struct.unpack(">H", self.buf[2:4])[0], 4
        elif ln == 127:
            self._need(10)
            ln, off = struct.unpack(">Q", self.buf[2:10])[0], 10
        self._need(off + 4 + ln)
        mask = self.buf[off:off + 4]
        data = bytes(b ^ mask[i & 3] for i, b in enumerate(self.buf[off + 4:off + 4 + ln]))
        self.buf = self.buf[off + 4 + ln:]
        return json.loads(data) if op == 1 else {"opcode": op}

    def send(self, obj):
        data = json.dumps(obj, separators=(",", ":")).encode()
        n = len(data)
        hdr = bytes([0x81, n]) if n < 126 else bytes([0x81, 126]) + struct.pack(">H", n)
        self.conn.sendall(hdr + data)

    def rest(self):
        out = []
        try:
            while True:
                out.append(self.recv())
        except (EOFError, OSError):
            return out


srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(20)
port = srv.getsockname()[1]
url = ("ws://127.0.0.1:%d/" if CASE.startswith("ws-") else "stratum+tcp://127.0.0.1:%d") % port
err = open(os.environ.get("TMP", "/tmp") + "/non_lab_job.%s.err" % CASE, "w+")
miner = subprocess.Popen([MINER, "-o", url, "-u", "W", "-p", "x", "-t", "1", "--mode",
                          "light", "--max-duration", "30"],
                         stdout=subprocess.PIPE, stderr=err, text=True)
try:
    conn, _ = srv.accept()
    conn.settimeout(10)
    if CASE.startswith("ws-"):
        peer = Ws(conn)
        auth = peer.recv()
        if auth.get("type") != "auth":
            fail("expected auth, got %r" % auth)
        peer.send({"type": "authed", "params": {"token": "", "hashes": 0, "lab": LAB,
                                                "hash": "rx/0"}})
        peer.send({"type": "job", "params": job("1", blob())})
    else:
        peer = Line(conn)
        login = peer.recv()
        if login.get("method") != "login":
            fail("expected login, got %r" % login)
        first = {"unmarked": blob(), "otherrun": blob(PATTERN, os.urandom(16)),
                 "later": blob(PATTERN, RUN)}[CASE]
        peer.send({"id": 1, "jsonrpc": "2.0", "error": None, "result": {
            "id": "sess", "job": job("1", first),
            "extensions": ["algo", "nicehash", "keepalive", "lab"],
            "lab": LAB, "status": "OK"}})
    bad_job, t_bad = "1", time.monotonic()
    if CASE == "later":
        time.sleep(1.5)
        if miner.poll() is not None:
            fail("miner exited on a correctly marked job (rc %d)" % miner.returncode)
        peer.send({"jsonrpc": "2.0", "method": "job", "params": job("2", blob())})
        bad_job, t_bad = "2", time.monotonic()
    try:
        rc = miner.wait(timeout=5)
    except subprocess.TimeoutExpired:
        fail("miner still running 5 s after a job without the lab marker")
    took = time.monotonic() - t_bad
    submits = [m for m in peer.rest()
               if m.get("method") == "submit" or m.get("type") == "submit"]
finally:
    if miner.poll() is None:
        miner.kill()
        miner.wait()
out = miner.stdout.read()
err.seek(0)
log = err.read()
if rc == 0:
    fail("%s: miner exited 0 after a non-lab job" % CASE)
if took > 1.0:
    fail("%s: miner took %.2f s to exit after the non-lab job (limit 1 s)" % (CASE, took))
if any(s["params"].get("job_id") == bad_job for s in submits):
    fail("%s: share submitted for the non-lab job" % CASE)
refusals = [l for l in log.splitlines() if "refusing to hash job" in l]
if len(refusals) != 1 or ("job %s " % bad_job) not in refusals[0]:
    fail("%s: expected one refusal line for job %s, got: %s" % (CASE, bad_job, log))
if "summary: hashes 0 " not in out and CASE != "later":
    fail("%s: the miner hashed: %r" % (CASE, out))
ok("%s: non-lab job refused, exit %d %.2f s after it, %d submits; %s"
   % (CASE, rc, took, len(submits), refusals[0].split("net  ", 1)[-1]))
