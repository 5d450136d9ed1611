"""Benign network services in the run's lab internet.

With a lab internet up, the network detectors capture on the victims'
uplink, and a service on 127.0.0.1 never crosses it: the detectors would
get a vacuous "no false alarm" on it.  The harness then passes
ML_INET_NETNS and ML_INET_WEB (the lab internet's namespace and the lab web
host's address) to benign scenarios; a workload runs its service there
with `ip netns exec NETNS python3 SCRIPT --serve --bind ADDR ...` and its
client reaches it over the uplink, as the miner reaches its pool.  Without
a lab internet both stay on loopback.

The service's contract: with --serve it listens on --bind, prints
"port N" on stdout once it listens, and exits by itself after --seconds.
"""
import os
import subprocess
import sys


def lab_internet():
    """(netns, web address) when the run has a lab internet, else None."""
    netns, web = os.environ.get("ML_INET_NETNS"), os.environ.get("ML_INET_WEB")
    return (netns, web) if netns and web else None


def remote_server(script, netns, addr, seconds, args=()):
    """SCRIPT --serve in the lab internet's namespace on ADDR; returns
    (process, port), or (None, 0) when it did not start (then the caller
    falls back to loopback).  The process's stdout stays a pipe: what it
    prints after the port line is read by stop()."""
    proc = subprocess.Popen(["ip", "netns", "exec", netns, sys.executable,
                             os.path.abspath(script), "--serve", "--bind", addr,
                             "--seconds", str(seconds + 5)] + list(args),
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("port "):
        stop(proc, 0)
        return None, 0
    return proc, int(line.split()[1])


def start(script, tag, seconds, args=()):
    """With a lab internet, SCRIPT's service there: returns (process, host,
    port).  None without a lab internet, or when the service did not start
    there (said on stderr): the caller then serves on 127.0.0.1."""
    inet = lab_internet()
    if not inet:
        return None
    netns, host = inet
    proc, port = remote_server(script, netns, host, seconds, args)
    if not proc:
        print("%s: the service did not start in %s; serving on loopback" % (tag, netns),
              file=sys.stderr)
        return None
    return proc, host, port


def stop(proc, wait_s):
    """Waits up to WAIT_S seconds for the service to exit by itself, then
    kills it; returns the rest of its stdout."""
    try:
        out, _ = proc.communicate(timeout=wait_s) if wait_s > 0 else ("", None)
    except subprocess.TimeoutExpired:
        out = ""
    if proc.poll() is None:
        proc.kill()
        rest, _ = proc.communicate()
        out += rest or ""
    return out or ""
