#!/usr/bin/env python3
"""Ground truth at shutdown: sessions still open when the pool gets SIGTERM
have their conn_close in the event log, and the exit event, with its
counters, comes last.

usage: stop_truth.py EVENTS
"""
import json
import sys

from mltest import fail, ok

ev = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")]
if not ev or ev[-1]["event"] != "exit":
    fail("the last event is not exit: %r" % (ev[-1] if ev else None))
for k in ("accepted", "rejected", "unverified", "not_verified", "events_dropped",
          "event_write_errors"):
    if k not in ev[-1]:
        fail("exit event without %s: %r" % (k, ev[-1]))
opened = {e["conn"] for e in ev if e["event"] == "conn_open"}
closed = {e["conn"] for e in ev if e["event"] == "conn_close"}
if opened - closed:
    fail("connections without conn_close: %r" % sorted(opened - closed))
stops = [e for e in ev if e["event"] == "conn_close" and e["reason"] == "pool shutting down"]
if not stops:
    fail("no conn_close of a session open at the stop")
ok("%d sessions closed by the stop are logged; exit event last" % len(stops))
