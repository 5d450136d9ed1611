#!/usr/bin/env python3
"""A benign near-miss for browser-behaviour detectors: headless Chromium
loads a web app (scenarios/www/benign/compute.html) that keeps every core
busy with JavaScript and WebAssembly in Web Workers, served from a
loopback web server on a free port. Chromium gets the same closed-network
flags as the browser-mining scenario (browser-chromium.sh) and nothing
else: no wallet, no pool, no WebSocket. Stops Chromium at the deadline.

    browser_compute.py [--seconds N] [--workers K]
"""
import argparse
import functools
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--no-default-browser-check",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions", "--disable-default-apps",
         "--disable-crash-reporter", "--disable-breakpad", "--disable-dev-shm-usage",
         "--mute-audio", "--password-store=basic"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    served = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Quiet.served.append(self.path.split("?")[0])
        super().do_GET()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    chromium = os.environ.get("ML_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("browser_compute: chromium not installed")
    root = os.path.join(os.environ.get("ML_SOURCE_DIR", "."), "scenarios", "www", "benign")
    srv = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/compute.html?workers=%d" % (srv.server_address[1], a.workers)
    home = os.path.abspath("home")
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home + "/.config",
               XDG_CACHE_HOME=home + "/.cache")
    print("browser_compute: loading " + url, file=sys.stderr)
    proc = subprocess.Popen([chromium] + FLAGS + ["--user-data-dir=" + os.path.abspath("profile"),
                                                  url],
                            stdin=subprocess.DEVNULL, stdout=sys.stderr, env=env,
                            start_new_session=True)
    deadline = time.monotonic() + a.seconds
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    srv.shutdown()
    print("browser_compute: chromium ran %.0f s; served %s" % (
        a.seconds - max(0, deadline - time.monotonic()), " ".join(sorted(set(Quiet.served)))))


if __name__ == "__main__":
    main()
