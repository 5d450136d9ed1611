#!/usr/bin/env python3
"""Peers that stop reading, against the real pool and the real miner.

usage: slow_peer.py pool WS_PORT API_PORT TCP_PORT WWW_FILE EVENTS
       slow_peer.py miner MINER_BIN
pool:  a WebSocket client floods pings and never reads: the pool closes it
       (write queue full) and keeps serving a Stratum client; a large --www
       file and /stats arrive whole, byte for byte, read slowly.
miner: a hostile ws:// pool floods the miner with pings and never reads:
       the miner drops the connection and keeps running (no crash).
"""
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import base64

from mltest import fail, ok

HOST = "127.0.0.1"
UPGRADE = (b"GET /flood HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")


def read_head(s):
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(4096)
        if not d:
            raise ConnectionError("closed before the HTTP head")
        head += d
    return head


def ping_frame(payload, masked):
    b0 = 0x89
    n = len(payload)
    if n < 126:
        hdr = struct.pack("!BB", b0, n | (0x80 if masked else 0))
    else:
        hdr = struct.pack("!BBH", b0, 126 | (0x80 if masked else 0), n)
    if not masked:
        return hdr + payload
    key = os.urandom(4)
    return hdr + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def flood(s, frame, seconds):
    """Sends frame until the peer closes or seconds pass; bytes sent, closed."""
    sent = 0
    end = time.time() + seconds
    s.settimeout(1)
    blob = frame * 64
    while time.time() < end:
        try:
            sent += s.send(blob)
        except socket.timeout:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return sent, True
    return sent, False


def stratum_keepalive(port):
    s = socket.create_connection((HOST, port), timeout=10)
    s.sendall(json.dumps({"id": 1, "jsonrpc": "2.0", "method": "login", "params": {
        "login": "4GOODWALLET", "pass": "x", "agent": "slow_peer.py",
        "algo": ["rx/0"]}}).encode() + b"\n")
    buf = b""
    while b"\n" not in buf:
        d = s.recv(65536)
        if not d:
            fail("pool closed a good Stratum client")
        buf += d
    r = json.loads(buf.split(b"\n")[0])
    if r.get("error") or not r.get("result"):
        fail("good client not logged in: %r" % r)
    s.close()


def http_get(port, path, slow):
    s = socket.create_connection((HOST, port), timeout=20)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
    data = b""
    while True:
        d = s.recv(4096 if slow else 65536)
        if not d:
            break
        data += d
        if slow and len(data) < 256 * 1024:
            time.sleep(0.002)
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    clen = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
            if l.lower().startswith(b"content-length:")]
    return head, body, clen[0] if clen else -1


def closes(events):
    out = []
    for line in open(events):
        if line.endswith("\n"):
            e = json.loads(line)
            if e["event"] == "conn_close":
                out.append(e)
    return out


def pool_checks(ws, api, tcp, www_file, events):
    # 1. ping flood, never read: the pool's pong queue passes its cap
    s = socket.create_connection((HOST, ws), timeout=10)
    s.sendall(UPGRADE)
    if b" 101 " not in read_head(s):
        fail("no WebSocket upgrade")
    t0 = time.time()
    sent, closed = flood(s, ping_frame(b"p" * 120, True), 80)
    s.close()
    time.sleep(0.5)  # the pool's event flush
    why = [e["reason"] for e in closes(events) if e["transport"] == "ws"]
    if not closed or "peer stopped reading (write queue full)" not in why:
        fail("pool did not drop a never-reading ping flooder for its full queue "
             "(%d bytes in %.1f s, closed %s, reasons %r)" %
             (sent, time.time() - t0, closed, why))
    ok("pool closed a never-reading WebSocket ping flooder after %d bytes (%.1f s)" %
       (sent, time.time() - t0))
    stratum_keepalive(tcp)
    ok("pool still serves Stratum after the flood")
    # 2. large replies are whole, read slowly
    want = open(www_file, "rb").read()
    head, body, clen = http_get(ws, "/" + os.path.basename(www_file), True)
    if b" 200 " not in head.split(b"\r\n")[0]:
        fail("www GET: %r" % head[:80])
    if clen != len(want) or body != want:
        fail("www file cut: Content-Length %d, got %d of %d bytes, same=%s" %
             (clen, len(body), len(want), body == want))
    ok("%d-byte www file arrived whole (sha256 %s)" %
       (len(body), hashlib.sha256(body).hexdigest()[:16]))
    head, body, clen = http_get(api, "/stats", True)
    if clen != len(body) or "sessions" not in json.loads(body):
        fail("/stats cut: Content-Length %d, got %d" % (clen, len(body)))
    ok("/stats arrived whole (%d bytes)" % len(body))


def hostile_pool(lsock, result):
    """Accepts the miner's upgrade, then floods pings and never reads."""
    try:
        lsock.settimeout(30)
        c, _ = lsock.accept()
        req = read_head(c)
        key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n")
               if l.lower().startswith(b"sec-websocket-key:")][0]
        acc = base64.b64encode(hashlib.sha1(
            key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        result["sent"], result["closed"] = flood(c, ping_frame(b"p" * 120, False), 60)
        c.close()
    except Exception as e:  # reported by the main thread
        result["error"] = repr(e)


def miner_checks(miner_bin):
    l = socket.socket()
    l.bind((HOST, 0))
    l.listen(4)
    port = l.getsockname()[1]
    result = {}
    t = threading.Thread(target=hostile_pool, args=(l, result))
    t.start()
    m = subprocess.Popen(["timeout", "-k", "5", "80", miner_bin, "-o",
                          "ws://127.0.0.1:%d/x" % port, "-u", "4LAB", "-p", "x", "-t",
                          "1", "--mode", "light", "--max-duration", "70"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t.join(75)
    l.close()
    time.sleep(1)
    alive = m.poll() is None
    m.terminate()
    try:
        _, err = m.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        m.kill()
        _, err = m.communicate()
    err = err.decode(errors="replace")
    if "error" in result:
        fail("hostile pool: %s" % result["error"])
    if not result.get("closed"):
        fail("miner kept a never-reading ping flooder open after %d bytes" %
             result.get("sent", 0))
    if not alive or "AddressSanitizer" in err or "runtime error" in err:
        fail("miner died under a ping flood (rc %s): %s" % (m.returncode, err[-400:]))
    ok("miner dropped a never-reading ping-flooding pool after %d bytes and kept "
       "running" % result["sent"])


if sys.argv[1] == "pool":
    pool_checks(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5],
                sys.argv[6])
else:
    miner_checks(sys.argv[2])
print("all slow-peer checks passed")
