#!/usr/bin/env python3
"""Connection caps of the real pool: --max-conns-per-ip, --api-max-conns,
--api-timeout (see caps.sh for the values).

usage: caps.py TCP_PORT API_PORT EVENTS PER_IP API_MAX API_TIMEOUT
"""
import json
import socket
import sys
import time

from mltest import fail, ok

TCP, API = int(sys.argv[1]), int(sys.argv[2])
EVENTS = sys.argv[3]
PER_IP, API_MAX = int(sys.argv[4]), int(sys.argv[5])
API_TO = float(sys.argv[6])
HOST = "127.0.0.1"


def closed_within(s, seconds):
    s.settimeout(seconds)
    try:
        return s.recv(100) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


held = [socket.create_connection((HOST, TCP)) for _ in range(PER_IP)]
time.sleep(0.3)
extra = socket.create_connection((HOST, TCP))
if not closed_within(extra, 3):
    fail("connection %d from one IP was not refused" % (PER_IP + 1))
if any(closed_within(s, 0.05) for s in held):
    fail("a connection within the per-IP cap was closed")
ok("per-IP cap: %d held, the next refused" % PER_IP)
for s in held:
    s.close()
time.sleep(0.3)
again = socket.create_connection((HOST, TCP))
if closed_within(again, 0.5):
    fail("a connection after the others closed was refused")
again.close()
ok("per-IP cap counts only open connections")

api = [socket.create_connection((HOST, API)) for _ in range(API_MAX)]
time.sleep(0.3)
over = socket.create_connection((HOST, API))
if not closed_within(over, 3):
    fail("API connection %d was not refused" % (API_MAX + 1))
ok("API cap: %d held, the next refused" % API_MAX)
t0 = time.time()
if not all(closed_within(s, API_TO + 3) for s in api):
    fail("idle API connections outlived --api-timeout")
ok("idle API connections closed after %.1f s" % (time.time() - t0 + 0.3))
s = socket.create_connection((HOST, API))
s.sendall(b"GET /stats HTTP/1.1\r\nHost: x\r\n\r\n")
data = b""
s.settimeout(5)
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
if b" 200 " not in data.split(b"\r\n")[0]:
    fail("API not served after the cap: %r" % data[:60])
ok("API served again")
time.sleep(0.6)
ev = [json.loads(l) for l in open(EVENTS) if l.endswith("\n")]
why = sorted({e["reason"] for e in ev if e["event"] == "conn_refused"})
if why != ["too many API connections", "too many connections from this IP"]:
    fail("conn_refused events: %r" % why)
ok("refusals logged: %s" % why)
