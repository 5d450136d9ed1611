#!/usr/bin/env python3
"""A relay that fakes the lab handshake but forwards work that is not the
lab's: the miner must refuse the first such job, submit nothing for it and
exit non-zero within a second of receiving it.

This stands in for the 30-line relay of issue 13: it answers login exactly
like minerlab-pool (lab extension, lab object with a valid-looking run
value) and then sends blobs as a real pool would.

usage: non_lab_job.py MINER_BINARY CASE
CASE: unmarked   login job with a random previous-block hash
      otherrun   login job with the lab pattern but another run's value
      later      a correctly marked login job, then an unmarked job pushed
"""
import json
import os
import socket
import subprocess
import sys
import time

from mltest import fail, ok

MINER, CASE = sys.argv[1], sys.argv[2]
PATTERN = b"minerlab-labonly"
RUN = os.urandom(16)


def blob(marked, run=RUN):
    b = bytearray(os.urandom(76))
    b[0] = b[1] = 16
    b[39:43] = b"\0\0\0\0"
    if marked:
        b[7:23] = PATTERN
        b[23:39] = run
    return b.hex()


def job(job_id, blob_hex):
    # Difficulty 2^40: no share is expected even from a marked job in the
    # seconds this test runs, so any submit at all is a failure.
    return {"blob": blob_hex, "job_id": job_id, "target": "ffffff0000000000"[:16],
            "algo": "rx/0", "height": 3000001, "seed_hash": os.urandom(32).hex()}


def send(conn, obj):
    conn.sendall((json.dumps(obj, separators=(",", ":")) + "\n").encode())


srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(20)
port = srv.getsockname()[1]
err = open(os.environ.get("TMP", "/tmp") + "/non_lab_job.%s.err" % CASE, "w+")
miner = subprocess.Popen([MINER, "-o", "stratum+tcp://127.0.0.1:%d" % port, "-u", "W",
                          "-p", "x", "-t", "1", "--mode", "light",
                          "--max-duration", "30"],
                         stdout=subprocess.PIPE, stderr=err, text=True)
try:
    conn, _ = srv.accept()
    conn.settimeout(10)
    f = conn.makefile("rb")
    login = json.loads(f.readline())
    if login.get("method") != "login":
        fail("expected login, got %r" % login)
    first = blob(CASE in ("later",), RUN if CASE != "otherrun" else os.urandom(16))
    if CASE == "otherrun":
        first = bytearray.fromhex(first)
        first[7:23] = PATTERN
        first[23:39] = os.urandom(16)
        first = first.hex()
    send(conn, {"id": 1, "jsonrpc": "2.0", "error": None, "result": {
        "id": "sess", "job": job("1", first),
        "extensions": ["algo", "nicehash", "keepalive", "lab"],
        "lab": {"name": "minerlab-pool", "version": "0.1.0", "run": RUN.hex()},
        "status": "OK"}})
    bad_job, t_bad = "1", time.monotonic()
    if CASE == "later":
        time.sleep(1.5)
        if miner.poll() is not None:
            fail("miner exited on a correctly marked job (rc %d)" % miner.returncode)
        send(conn, {"jsonrpc": "2.0", "method": "job", "params": job("2", blob(False))})
        bad_job, t_bad = "2", time.monotonic()
    try:
        rc = miner.wait(timeout=5)
    except subprocess.TimeoutExpired:
        fail("miner still running 5 s after a job without the lab marker")
    took = time.monotonic() - t_bad
    rest = f.read().decode(errors="replace")
    submits = [json.loads(l) for l in rest.splitlines()
               if l.strip() and json.loads(l).get("method") == "submit"]
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
if "summary:" not in out:
    fail("%s: no summary line: %r" % (CASE, out))
ok("%s: non-lab job refused, exit %d %.2f s after it, %d submits; %s"
   % (CASE, rc, took, len(submits), refusals[0].split("net  ", 1)[-1]))
