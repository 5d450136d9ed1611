#!/usr/bin/env python3
"""Loopback traffic for the detnet pcaps (run by gen.sh while dumpcap records).

Each scenario starts a tiny server and a client on loopback and sends the
exact bytes the detectors' rules are about. Nothing leaves loopback.
usage: gen_traffic.py SCENARIO [PORT]
"""
import os
import socket
import ssl
import struct
import sys
import threading
import time

LOGIN = (b'{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":'
         b'"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",'
         b'"pass":"x","agent":"XMRig/6.26.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0",'
         b'"rigid":"","algo":["rx/0"]}}\n')
BLOB = "0" * 152
SEED = "ab" * 32
LOGIN_RESULT = ('{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"sess1","job":{"blob":"%s",'
                '"job_id":"1","target":"b88d0600","height":3000000,"algo":"rx/0","seed_hash":"%s"},'
                '"extensions":["algo","nicehash","keepalive"],"status":"OK"}}\n' % (BLOB, SEED)).encode()
JOB = ('{"jsonrpc":"2.0","method":"job","params":{"blob":"%s","job_id":"2","target":"b88d0600",'
       '"height":3000001,"algo":"rx/0","seed_hash":"%s"}}\n' % (BLOB, SEED)).encode()
SUBMIT = (b'{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"sess1","job_id":"1",'
          b'"nonce":"deadbeef","result":"' + b"11" * 32 + b'"}}\n')
OK = b'{"id":2,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n'
KEEPALIVED = b'{"id":3,"jsonrpc":"2.0","method":"keepalived","params":{"id":"sess1"}}\n'


def listener(family=socket.AF_INET, host="127.0.0.1", port=0):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(4)
    return s


def connect(addr, family=socket.AF_INET):
    c = socket.socket(family, socket.SOCK_STREAM)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.connect(addr)
    return c


def serve_once(srv, fn):
    def run():
        conn, _ = srv.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            fn(conn)
        finally:
            conn.close()
    t = threading.Thread(target=run)
    t.start()
    return t


def read_line(conn):
    buf = b""
    while not buf.endswith(b"\n"):
        d = conn.recv(1)
        if not d:
            break
        buf += d
    return buf


def stratum(port, family=socket.AF_INET, host="127.0.0.1"):
    srv = listener(family, host, port)
    def pool(conn):
        read_line(conn)
        conn.sendall(LOGIN_RESULT)
        read_line(conn)
        conn.sendall(OK)
        read_line(conn)
        conn.sendall(b'{"id":3,"jsonrpc":"2.0","error":null,"result":{"status":"KEEPALIVED"}}\n')
        conn.sendall(JOB)
        time.sleep(0.2)
    t = serve_once(srv, pool)
    c = connect((host, port), family)
    c.sendall(LOGIN)
    read_line(c)
    c.sendall(SUBMIT)
    read_line(c)
    c.sendall(KEEPALIVED)
    read_line(c)
    read_line(c)
    c.close()
    t.join()
    srv.close()


def mining_v1(port):
    srv = listener(port=port)
    def pool(conn):
        read_line(conn)
        conn.sendall(b'{"id": 1, "result": [[["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f"]], "08000002", 4], "error": null}\n')
        read_line(conn)
        conn.sendall(b'{"id": 2, "result": true, "error": null}\n')
        conn.sendall(b'{"id": null, "method": "mining.notify", "params": ["bf", "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000", "01000000010000", "072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000", [], "00000002", "1c2ac4af", "504e86b9", false]}\n')
        time.sleep(0.2)
    t = serve_once(srv, pool)
    c = connect(("127.0.0.1", port))
    c.sendall(b'{"id": 1, "method": "mining.subscribe", "params": []}\n')
    read_line(c)
    c.sendall(b'{"id": 2, "method": "mining.authorize", "params": ["worker1", "password"]}\n')
    read_line(c)
    read_line(c)
    c.close()
    t.join()
    srv.close()


def benign_jsonrpc(port):
    """A non-mining JSON-RPC service (a node's RPC) on port 8080."""
    srv = listener(port=port)
    reqs = [b'{"id":1,"jsonrpc":"2.0","method":"get_info","params":{}}\n',
            b'{"id":2,"jsonrpc":"2.0","method":"getblockcount","params":{"verbose":true}}\n',
            b'{"id":3,"jsonrpc":"2.0","method":"login","params":{"user":"alice","password":"hunter2"}}\n']
    def svc(conn):
        for i in range(len(reqs)):
            read_line(conn)
            conn.sendall(b'{"id":%d,"jsonrpc":"2.0","result":{"status":"OK","height":123}}\n' % (i + 1))
    t = serve_once(srv, svc)
    c = connect(("127.0.0.1", port))
    for r in reqs:
        c.sendall(r)
        read_line(c)
    c.close()
    t.join()
    srv.close()


def ws_frame(payload, opcode=1, mask=None, fin=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        hdr = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        hdr += mask
    return hdr + payload


def ws_session(port, client_msgs, server_msgs, split_first=True):
    srv = listener(port=port)
    def server(conn):
        req = b""
        while b"\r\n\r\n" not in req:
            req += conn.recv(1024)
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
        for i, m in enumerate(client_msgs):
            time.sleep(0.05)
            if i < len(server_msgs):
                conn.sendall(ws_frame(server_msgs[i]))
        time.sleep(0.3)
    t = serve_once(srv, server)
    c = connect(("127.0.0.1", port))
    c.sendall(b"GET /proxy HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Version: 13\r\n\r\n" % port)
    resp = b""
    while b"\r\n\r\n" not in resp:
        resp += c.recv(1024)
    for i, m in enumerate(client_msgs):
        f = ws_frame(m, mask=os.urandom(4))
        if i == 0 and split_first:
            # Frame split across three segments: header, half the payload, the rest.
            c.sendall(f[:4]); time.sleep(0.05)
            c.sendall(f[4:20]); time.sleep(0.05)
            c.sendall(f[20:])
        else:
            c.sendall(f)
        time.sleep(0.1)
    time.sleep(0.5)
    c.close()
    t.join()
    srv.close()


def coinhive(port):
    ws_session(port,
               [b'{"type":"auth","params":{"site_key":"SK-lab-0001","type":"anonymous","user":null,"goal":0}}',
                b'{"type":"submit","params":{"job_id":"j1","nonce":"0a0b0c0d","result":"' + b"22" * 32 + b'"}}'],
               [b'{"type":"authed","params":{"token":"","hashes":0}}',
                b'{"type":"job","params":{"job_id":"j1","blob":"' + BLOB.encode() + b'","target":"b88d0600","id":"sess"}}'])


def ws_chat(port):
    ws_session(port,
               [b'{"type":"message","params":{"room":"lobby","text":"hello there"}}',
                b'{"type":"typing","params":{"room":"lobby"}}'],
               [b'{"type":"message","params":{"from":"bob","text":"hi! how is the job search going?"}}',
                b'{"type":"presence","params":{"user":"bob","status":"online"}}'])


def dns(port):
    def query(name, qid):
        q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
        for label in name.split("."):
            q += bytes([len(label)]) + label.encode()
        q += b"\x00" + struct.pack("!HH", 1, 1)
        return q
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", port))
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i, name in enumerate(["pool.supportxmr.com", "example.org", "gulf.moneroocean.stream"]):
        c.sendto(query(name, 0x1000 + i), ("127.0.0.1", port))
        srv.recvfrom(512)
    c.close()
    srv.close()


def tls_ctx_server(certdir):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(certdir, "cert.pem"), os.path.join(certdir, "key.pem"))
    return ctx


def tls_client_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def sni(port, certdir):
    """Two short TLS sessions: SNI of a pool domain, and a benign SNI."""
    srv = listener(port=port)
    sctx = tls_ctx_server(certdir)
    def server(conn):
        with sctx.wrap_socket(conn, server_side=True) as s:
            s.recv(64)
    for name in ["xmr-eu1.nanopool.org", "www.example.org"]:
        t = serve_once(srv, server)
        c = connect(("127.0.0.1", port))
        with tls_client_ctx().wrap_socket(c, server_hostname=name) as s:
            s.sendall(b"ping")
            time.sleep(0.1)
        t.join()
    srv.close()


def cadence(port, certdir, seconds):
    """Long flows for flow-cadence, all at once: a Stratum-like TLS session,
    a bulk TLS transfer, an interactive (keystroke-like) TLS session and a
    request/response keepalive session."""
    srv = listener(port=port)
    sctx = tls_ctx_server(certdir)
    end = time.time() + seconds

    def miner_pool(s):
        s.recv(4096)          # login
        s.sendall(LOGIN_RESULT)
        last_job = time.time()
        s.settimeout(0.2)
        while time.time() < end + 1:
            try:
                d = s.recv(4096)
                if not d:
                    break
                s.sendall(OK)
            except socket.timeout:
                pass
            if time.time() - last_job > 12:
                s.sendall(JOB)
                last_job = time.time()

    def miner_client(s):
        s.sendall(LOGIN)
        s.recv(4096)
        n = 0
        while time.time() < end:
            time.sleep(4.0 + (n % 3))     # shares every 4-6 s
            s.sendall(SUBMIT)
            n += 1

    def bulk_server(s):
        s.recv(64)
        chunk = os.urandom(8192)
        while time.time() < end:
            s.sendall(chunk)
            time.sleep(0.1)

    def bulk_client(s):
        s.sendall(b"GET /big HTTP/1.1\r\n\r\n")
        s.settimeout(1)
        while time.time() < end:
            try:
                s.recv(65536)
            except socket.timeout:
                pass

    def echo_server(s):
        s.settimeout(0.5)
        while time.time() < end + 1:
            try:
                d = s.recv(4096)
                if not d:
                    break
                s.sendall(d)
            except socket.timeout:
                pass

    def keys_client(s):
        while time.time() < end:
            s.sendall(b"k")
            s.recv(64)
            time.sleep(0.3)

    def ping_client(s):
        while time.time() < end:
            s.sendall(b'{"op":"ping"}')
            s.recv(64)
            time.sleep(10)

    pairs = [(miner_pool, miner_client), (bulk_server, bulk_client),
             (echo_server, keys_client), (echo_server, ping_client)]
    threads = []
    for srv_fn, cli_fn in pairs:
        def server(conn, srv_fn=srv_fn):
            with sctx.wrap_socket(conn, server_side=True) as s:
                srv_fn(s)
        threads.append(serve_once(srv, server))
        c = connect(("127.0.0.1", port))
        s = tls_client_ctx().wrap_socket(c, server_hostname="localhost")
        t = threading.Thread(target=lambda s=s, f=cli_fn: (f(s), s.close()))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    srv.close()


if __name__ == "__main__":
    name = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if name == "stratum":
        stratum(port)
    elif name == "stratum6":
        stratum(port, socket.AF_INET6, "::1")
    elif name == "mining_v1":
        mining_v1(port)
    elif name == "benign_jsonrpc":
        benign_jsonrpc(port)
    elif name == "coinhive":
        coinhive(port)
    elif name == "ws_chat":
        ws_chat(port)
    elif name == "dns":
        dns(port)
    elif name == "sni":
        sni(port, sys.argv[3])
    elif name == "cadence":
        cadence(port, sys.argv[3], float(sys.argv[4]))
    else:
        sys.exit("unknown scenario " + name)
