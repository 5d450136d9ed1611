#!/usr/bin/env python3
"""The "alert on everything" detector: once a second, one alert for every
pid it can see in /proc and one for every TCP/UDP flow (v4 and v6) in
/proc/net. It knows nothing of the scenarios; a scorer that cannot be
flattered must charge it a false positive on every benign workload with a
process or a socket, and count its alerts on the rest of the host."""
import json, os, signal, socket, struct, sys, time

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
out = sys.stdout


def ep(hexaddr, v6):
    ip, port = hexaddr.split(":")
    raw = bytes.fromhex(ip)
    # /proc/net prints each 32-bit word in host (little-endian) order.
    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    if v6:
        return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, raw), int(port, 16))
    return "%s:%d" % (socket.inet_ntop(socket.AF_INET, raw), int(port, 16))


def flows():
    for name, v6 in (("tcp", 0), ("tcp6", 1), ("udp", 0), ("udp6", 1)):
        try:
            lines = open("/proc/net/" + name).read().splitlines()[1:]
        except OSError:
            continue
        for l in lines:
            f = l.split()
            src, dst = ep(f[1], v6), ep(f[2], v6)
            if not dst.endswith(":0"):
                yield name[:3], src, dst


def emit(o):
    o.update(ts=time.time(), detector="everything")
    out.write(json.dumps(o) + "\n")


emit({"technique": "other", "info": {"version": "everything 1.0"}})
out.flush()
while True:
    for p in os.listdir("/proc"):
        if p.isdigit():
            emit({"technique": "memory", "pid": int(p)})
    for proto, src, dst in flows():
        emit({"technique": "network", "flow": {"proto": proto, "src": src, "dst": dst}})
    out.flush()
    time.sleep(1)
