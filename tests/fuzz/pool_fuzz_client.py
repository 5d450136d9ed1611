#!/usr/bin/env python3
"""A fuzzing client for a running minerlab-pool: TCP, TLS and WebSocket at
once, one thread each, for SECONDS. Each connection sends a mix of valid
Stratum/Coinhive messages, mutated ones (bit flips, truncation, splices,
type swaps, huge numbers, deep nesting) and raw garbage, in random splits,
sometimes stops reading, sometimes closes half-way. At the end a good client
must still be served. Prints the counts as one JSON line.

usage: pool_fuzz_client.py TCP_PORT TLS_PORT WS_PORT SECONDS [SEED]
"""
import json
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time

TCP, TLS, WS = (int(x) for x in sys.argv[1:4])
SECONDS = float(sys.argv[4])
SEED = int(sys.argv[5]) if len(sys.argv) > 5 else int.from_bytes(os.urandom(4), "little")
HOST = "127.0.0.1"
counts = {"tcp": 0, "tls": 0, "ws": 0, "bytes": 0, "errors": 0}
lock = threading.Lock()

BASE = [
    {"id": 1, "jsonrpc": "2.0", "method": "login",
     "params": {"login": "4FUZZ", "pass": "x", "agent": "fuzz", "algo": ["rx/0"]}},
    {"id": 2, "jsonrpc": "2.0", "method": "submit",
     "params": {"id": "0011223344556677", "job_id": "1", "nonce": "00000000",
                "result": "00" * 32}},
    {"id": 3, "jsonrpc": "2.0", "method": "keepalived", "params": {"id": "x"}},
    {"type": "auth", "params": {"site_key": "k", "type": "anonymous", "user": None}},
    {"type": "submit", "params": {"job_id": "1", "nonce": "00000000", "result": "00" * 32}},
]
ODD = [None, True, -1, 2 ** 64, 1e308, "", "x" * 5000, [], {}, [[[[[[[[]]]]]]]], "\u0000",
       "ff" * 40, -2 ** 63]


def mutate_obj(rng, o):
    o = json.loads(json.dumps(o))
    for _ in range(rng.randint(1, 4)):
        tgt = o if rng.random() < 0.3 or not isinstance(o.get("params"), dict) else o["params"]
        if not tgt:
            break
        k = rng.choice(list(tgt.keys()))
        r = rng.random()
        if r < 0.5:
            tgt[k] = rng.choice(ODD)
        elif r < 0.7:
            del tgt[k]
        else:
            tgt[rng.choice(["extra", "id", "method", "params", "\u00ff"])] = rng.choice(ODD)
    return o


def mutate_bytes(rng, b):
    b = bytearray(b)
    for _ in range(rng.randint(1, 8)):
        if not b:
            break
        op = rng.random()
        i = rng.randrange(len(b))
        if op < 0.4:
            b[i] ^= 1 << rng.randrange(8)
        elif op < 0.6:
            del b[i:i + rng.randint(1, 16)]
        elif op < 0.8:
            b[i:i] = os.urandom(rng.randint(1, 16))
        else:
            b[i:i] = b[: rng.randint(1, 64)]
    return bytes(b)


def message(rng):
    r = rng.random()
    if r < 0.3:
        return json.dumps(rng.choice(BASE)).encode()
    if r < 0.7:
        return json.dumps(mutate_obj(rng, rng.choice(BASE))).encode()
    if r < 0.9:
        return mutate_bytes(rng, json.dumps(rng.choice(BASE)).encode())
    return os.urandom(rng.randint(0, 300))


def ws_frame(rng, payload):
    op = rng.choice([1, 1, 1, 2, 8, 9, 10, 0, 3, 15])
    fin = 0x80 if rng.random() < 0.9 else 0
    n = len(payload)
    mask = rng.random() < 0.95
    if n < 126 and rng.random() < 0.9:
        hdr = struct.pack("!BB", fin | op, n | (0x80 if mask else 0))
    elif n < 65536:
        hdr = struct.pack("!BBH", fin | op, 126 | (0x80 if mask else 0), n)
    else:
        hdr = struct.pack("!BBQ", fin | op, 127 | (0x80 if mask else 0), n)
    if rng.random() < 0.05:  # a lying length
        hdr = hdr[:1] + bytes([hdr[1] | 0x7f]) + os.urandom(8)
    if not mask:
        return hdr + payload
    key = os.urandom(4)
    return hdr + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def connect(kind):
    port = {"tcp": TCP, "tls": TLS, "ws": WS}[kind]
    s = socket.create_connection((HOST, port), timeout=2)
    if kind == "tls":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    return s


def session(rng, kind):
    s = connect(kind)
    s.settimeout(0.5)
    if kind == "ws":
        head = (b"GET /%s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                % rng.choice([b"", b"x", b"miner.html", b"../etc"]))
        if rng.random() < 0.15:
            head = mutate_bytes(rng, head)
        s.sendall(head)
    data = b""
    for _ in range(rng.randint(1, 40)):
        m = message(rng)
        data += ws_frame(rng, m) if kind == "ws" else m + (b"\n" if rng.random() < 0.9 else b"")
    # random splits; sometimes read, sometimes not
    while data:
        cut = rng.randint(1, max(1, len(data)))
        s.sendall(data[:cut])
        counts["bytes"] += cut
        data = data[cut:]
        if rng.random() < 0.5:
            try:
                s.recv(65536)
            except (socket.timeout, ssl.SSLError):
                pass
        if rng.random() < 0.02:
            break  # close half-way
    s.close()


def worker(kind, seed):
    rng = random.Random(seed)
    end = time.time() + SECONDS
    while time.time() < end:
        try:
            session(rng, kind)
        except (OSError, ssl.SSLError, ValueError):
            with lock:
                counts["errors"] += 1
        with lock:
            counts[kind] += 1


threads = [threading.Thread(target=worker, args=(k, SEED + i))
           for i, k in enumerate(("tcp", "tls", "ws"))]
for t in threads:
    t.start()
for t in threads:
    t.join()
# a good client is still served
s = socket.create_connection((HOST, TCP), timeout=10)
s.sendall(json.dumps(BASE[0]).encode() + b"\n")
buf = b""
while b"\n" not in buf:
    d = s.recv(65536)
    if not d:
        print("FAIL: pool closed a good client after fuzzing", file=sys.stderr)
        sys.exit(1)
    buf += d
r = json.loads(buf.split(b"\n")[0])
if not r.get("result"):
    print("FAIL: good login refused after fuzzing: %r" % r, file=sys.stderr)
    sys.exit(1)
counts["seed"] = SEED
counts["seconds"] = SECONDS
print(json.dumps(counts, sort_keys=True))
