#!/usr/bin/env python3
"""A benign JSON-RPC 2.0 service on a pool-like port, plus its client.

A key-value/ledger service speaks newline-delimited JSON-RPC over TCP (the
framing Stratum uses too, and LSP-style tools, wallets and node IPC use) on
the first free port of a list of ports that pool-port lists flag (8080,
8888, 3333, ...).  When the run has a lab internet (ML_INET_NETNS and
ML_INET_WEB from the harness) the service runs there, on the lab web host,
and the client reaches it over the victims' uplink, the link the network
detectors watch, as the miner reaches its pool; otherwise both run on
127.0.0.1.  A client calls it steadily: `status`,
`kv.put`, `kv.get`, `ledger.sum`.  With --login the client first calls a
`login` method (user and password, answered with a session token) and
sends the token with every call, as many JSON-RPC APIs do: a near miss
for rules that key on a `login` method on a pool port.  Nothing here
mines: no job, no share, no hashing loop.

    jsonrpc.py [--seconds N] [--rate PER_S] [--login]
    jsonrpc.py --serve [--bind ADDR] [--seconds N]   (the service alone; prints
                                                      "port N" when it listens)
"""
import argparse
import json
import socket
import os
import socketserver
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labserve  # noqa: E402

POOL_LIKE_PORTS = [8080, 8888, 3333, 4444, 5555, 7777, 9999, 14444, 0]
MAX_LINE = 8192


class Handler(socketserver.StreamRequestHandler):
    store = {}
    lock = threading.Lock()

    def handle(self):
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line or len(line) > MAX_LINE:
                return
            try:
                req = json.loads(line)
                result = self.dispatch(req.get("method"), req.get("params") or {})
                resp = {"jsonrpc": "2.0", "id": req.get("id"), "result": result}
            except (ValueError, KeyError, TypeError) as e:
                resp = {"jsonrpc": "2.0", "id": None,
                        "error": {"code": -32600, "message": str(e)}}
            self.wfile.write((json.dumps(resp) + "\n").encode())

    def dispatch(self, method, params):
        with self.lock:
            if method == "login":
                if not params.get("user") or not params.get("password"):
                    raise KeyError("login needs user and password")
                return {"session": "s-%08x" % (hash(params["user"]) & 0xFFFFFFFF),
                        "expires_in": 3600}
            if method == "status":
                return {"ok": True, "keys": len(self.store), "uptime": time.monotonic()}
            if method == "kv.put":
                self.store[str(params["key"])] = params["value"]
                return True
            if method == "kv.get":
                return self.store.get(str(params["key"]))
            if method == "ledger.sum":
                return sum(float(v) for v in params["amounts"])
        raise KeyError("method not found: %s" % method)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def bind(addr):
    for port in POOL_LIKE_PORTS:
        try:
            return Server((addr, port), Handler)
        except OSError:
            continue
    raise SystemExit("jsonrpc: no free port")


def client(host, port, seconds, rate, login):
    deadline = time.monotonic() + seconds
    n = 0
    session = None
    with socket.create_connection((host, port), timeout=10) as s:
        f = s.makefile("rwb")
        if login:
            f.write((json.dumps({"jsonrpc": "2.0", "id": 0, "method": "login",
                                 "params": {"user": "ledger-app",
                                            "password": "correct horse"}}) + "\n").encode())
            f.flush()
            session = json.loads(f.readline(MAX_LINE + 1))["result"]["session"]
        while time.monotonic() < deadline:
            n += 1
            method, params = [
                ("status", {}),
                ("kv.put", {"key": "user:%d" % (n % 50), "value": {"n": n, "ts": time.time()}}),
                ("kv.get", {"key": "user:%d" % ((n * 7) % 50)}),
                ("ledger.sum", {"amounts": [i * 0.01 for i in range(n % 20)]}),
            ][n % 4]
            if session:
                params = dict(params, session=session)
            f.write((json.dumps({"jsonrpc": "2.0", "id": n, "method": method,
                                 "params": params}) + "\n").encode())
            f.flush()
            if not f.readline(MAX_LINE + 1):
                break
            time.sleep(1.0 / rate)
    return n


def serve(addr, seconds):
    srv = bind(addr)
    print("port %d" % srv.server_address[1], flush=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    time.sleep(seconds)
    srv.shutdown()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--rate", type=float, default=5)
    ap.add_argument("--login", action="store_true")
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--bind", default="127.0.0.1")
    a = ap.parse_args()
    if a.serve:
        serve(a.bind, a.seconds)
        return
    proc, host, port = labserve.start(__file__, "jsonrpc", a.seconds) or (None, None, 0)
    if not proc:
        proc, srv, host = None, bind("127.0.0.1"), "127.0.0.1"
        port = srv.server_address[1]
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("jsonrpc: serving on %s:%d" % (host, port), file=sys.stderr)
    try:
        n = client(host, port, a.seconds, a.rate, a.login)
    finally:
        if proc:
            labserve.stop(proc, 0)
        else:
            srv.shutdown()
    print("jsonrpc: %d calls" % n)


if __name__ == "__main__":
    main()
