#!/usr/bin/env python3
"""Issue 11's figures as Markdown, from raw run directories:
  tables.py benign RUN_DIR   the benign catalogue: each workload's measured
                             CPU share (its cgroup's usage over the window),
                             its flows (the tree's sockets, from the timeline)
                             and the detectors that flagged it
(The soak's figures are the harness's own report.md of the soak directory.)
Reads only what the harness wrote; computes nothing it did not measure."""
import json
import sys
from collections import defaultdict


def benign(d):
    rep = json.load(open(d + "/report.json"))
    tl = [json.loads(l) for l in open(d + "/timeline.jsonl")]
    socks = defaultdict(list)
    for e in tl:
        if e.get("event") == "conn":
            socks[e.get("scenario")].append(e)
    fps = defaultdict(list)
    for r in rep["results"]:
        if r.get("false_positive"):
            fps[r["scenario"]].append("%s (%d)" % (r["detector"], r["fp_alerts"]))
    print("| benign workload | status | window | CPU share | CPU s | flows | listening / "
          "remote endpoints | flagged by (alerts) |")
    print("|---|---|---|---|---|---|---|---|")
    for s in rep["scenarios"]:
        if s["label"] != "benign":
            continue
        ss = socks.get(s["id"], [])
        listen = sorted({"%s %s" % (e["proto"], e["src"]) for e in ss if e.get("listening")})
        pairs = {frozenset((e["src"], e["dst"])) for e in ss
                 if not e.get("listening") and e.get("dst") not in (None, "*")}
        # The far end of each flow: a listening address in the tree, else its dst.
        lset = {e["src"] for e in ss if e.get("listening")}
        remote = set()
        for e in ss:
            if e.get("listening") or e.get("dst") in (None, "*"):
                continue
            if e["src"] in lset:
                continue
            remote.add("%s %s" % (e["proto"], e["dst"]))
        ends = ", ".join(["listen " + x for x in listen] + sorted(remote)[:4])
        if len(remote) > 4:
            ends += ", +%d more" % (len(remote) - 4)
        cpu = "-" if s.get("cpu_pct") is None else "%.1f %%" % s["cpu_pct"]
        cpus = "-" if s.get("cpu_s") is None else "%.1f" % s["cpu_s"]
        win = "-" if s.get("duration_s") is None else "%.0f s" % s["duration_s"]
        note = s.get("reason", "")
        print("| %s | %s%s | %s | %s | %s | %d | %s | %s |" % (
            s["id"], s["status"], (": " + note) if note else "", win, cpu, cpus,
            len(pairs), ends or "none", ", ".join(fps.get(s["id"], [])) or "none"))
    print()
    print("CPU share: of the %s cores the harness may use; flows: distinct "
          "connections of the scenario's process tree (both ends in the tree "
          "count once)." % (rep["run"].get("machine", {}).get("cores", "?")))


if __name__ == "__main__":
    {"benign": benign}[sys.argv[1]](sys.argv[2])
