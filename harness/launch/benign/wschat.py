#!/usr/bin/env python3
"""A benign WebSocket chat: an RFC 6455 server and a few clients
exchanging steady small text messages (python3 stdlib only: the opening
handshake, masked client frames, ping/pong and close).  When the run has a
lab internet (ML_INET_NETNS and ML_INET_WEB from the harness) the chat
server runs there, on the lab web host, and the clients reach it over the
victims' uplink, the link the network detectors watch (labserve.py);
otherwise server and clients run on 127.0.0.1.

    wschat.py [--seconds N] [--clients K] [--interval S]
    wschat.py --serve [--bind ADDR] [--seconds N]   (the server alone; prints
                                                    "port N" when it listens)
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labserve  # noqa: E402

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_FRAME = 65536
CHAT_PORTS = [8081, 9000, 8000, 0]


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def read_frame(sock):
    b0, b1 = recv_exact(sock, 2)
    opcode, masked, length = b0 & 0x0F, b1 & 0x80, b1 & 0x7F
    if length == 126:
        length = struct.unpack("!H", recv_exact(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", recv_exact(sock, 8))[0]
    if length > MAX_FRAME:
        raise ConnectionError("frame too large")
    mask = recv_exact(sock, 4) if masked else None
    data = recv_exact(sock, length)
    if mask:
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
    return opcode, data


def send_frame(sock, opcode, data, mask):
    head = bytes([0x80 | opcode])
    n = len(data)
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        head += key
        data = bytes(c ^ key[i % 4] for i, c in enumerate(data))
    sock.sendall(head + data)


class ChatServer:
    def __init__(self, addr):
        self.clients, self.lock = [], threading.Lock()
        for port in CHAT_PORTS:
            try:
                self.sock = socket.create_server((addr, port))
                break
            except OSError:
                continue
        else:
            raise SystemExit("wschat: no free port")
        self.port = self.sock.getsockname()[1]

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        try:
            req = b""
            while b"\r\n\r\n" not in req:
                req += conn.recv(1024)
                if len(req) > 8192 or not req:
                    return
            key = ""
            for line in req.decode("latin-1").split("\r\n"):
                if line.lower().startswith("sec-websocket-key:"):
                    key = line.split(":", 1)[1].strip()
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
                          % accept).encode())
            with self.lock:
                self.clients.append(conn)
            while True:
                op, data = read_frame(conn)
                if op == 8:
                    send_frame(conn, 8, b"", False)
                    return
                if op == 9:
                    send_frame(conn, 10, data, False)
                elif op == 1:
                    with self.lock:
                        peers = list(self.clients)
                    for p in peers:
                        try:
                            send_frame(p, 1, data, False)
                        except OSError:
                            pass
        except (ConnectionError, OSError, ValueError):
            pass
        finally:
            with self.lock:
                if conn in self.clients:
                    self.clients.remove(conn)
            conn.close()


def chat_client(host, port, name, seconds, interval, stats):
    sock = socket.create_connection((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET /chat HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                  "Sec-WebSocket-Version: 13\r\nOrigin: http://%s\r\n\r\n"
                  % (host, port, key, host)).encode())
    resp = b""
    while b"\r\n\r\n" not in resp:
        resp += sock.recv(1024)
    if b" 101 " not in resp.split(b"\r\n")[0]:
        raise SystemExit("wschat: handshake refused")
    sock.settimeout(0.05)
    deadline, n = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        n += 1
        msg = {"type": "message", "room": "lobby", "from": name, "seq": n,
               "text": "hello %d from %s" % (n, name)}
        send_frame(sock, 1, json.dumps(msg).encode(), True)
        if n % 20 == 0:
            send_frame(sock, 9, b"ping", True)
        end = time.monotonic() + interval
        while time.monotonic() < end:
            try:
                read_frame(sock)
                stats[name] = stats.get(name, 0) + 1
            except socket.timeout:
                pass
            except (ConnectionError, OSError):
                break
    send_frame(sock, 8, b"", True)
    sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=3)
    ap.add_argument("--interval", type=float, default=0.3)
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--bind", default="127.0.0.1")
    a = ap.parse_args()
    if a.serve:
        srv = ChatServer(a.bind)
        print("port %d" % srv.port, flush=True)
        threading.Thread(target=srv.serve, daemon=True).start()
        time.sleep(a.seconds)
        return
    proc, host, port = labserve.start(__file__, "wschat", a.seconds) or (None, None, 0)
    if not proc:
        srv, host = ChatServer("127.0.0.1"), "127.0.0.1"
        port = srv.port
        threading.Thread(target=srv.serve, daemon=True).start()
    print("wschat: serving on %s:%d" % (host, port), file=sys.stderr)
    stats, threads = {}, []
    for i in range(a.clients):
        t = threading.Thread(target=chat_client,
                             args=(host, port, "user%d" % i, a.seconds, a.interval, stats))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    if proc:
        labserve.stop(proc, 0)
    else:
        srv.sock.close()
    print("wschat: received %d messages" % sum(stats.values()))


if __name__ == "__main__":
    main()
