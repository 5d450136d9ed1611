#!/usr/bin/env python3
"""Which processes the 1-hour soak's false alarms (bucket fp: alerts outside
episode windows on a background workload's pids) named: per detector, the
process name and rule. Written after the soak, when yara's fp alerts turned
out to name bash processes holding '--donate-level': the benign launcher's
own forks (benign.sh sources lib.sh, whose text names miner flags), not the
benign workload. Reads soak.json, timeline.jsonl(.gz) and alerts.jsonl.
usage: soak_bg_alerts.py SOAK_DIR"""
import gzip, json, os, re, sys
from collections import Counter

d = sys.argv[1]
s = json.load(open(d + "/soak.json"))
p = d + "/timeline.jsonl"
tl = open(p) if os.path.exists(p) else gzip.open(p + ".gz", "rt")
ev = [json.loads(l) for l in tl]
bg = sorted((e["ts"], e["pid"]) for e in ev
            if e.get("event") == "lab_pid" and e.get("role") == "background")
bgpids = {p for _, p in bg}
launchers = set()
for b in s["background"]:  # the launcher: the first pid registered at its start
    for ts, pid in bg:
        if ts >= b["start"] - 0.5:
            launchers.add(pid)
            break
g = s["settings"]["grace_s"]
wins = [(e["start"], (e.get("end") or e["start"]) + g) for e in s["episodes"] if e.get("start")]
c = Counter()
for l in open(d + "/alerts.jsonl"):
    a = json.loads(l)
    t = a.get("recv_ts", a["ts"])
    if t < s["started"] or any(x <= t <= y for x, y in wins) or a.get("pid") not in bgpids:
        continue
    m = re.search(r"\(([^)]*)\)", a.get("reason", ""))
    who = "launcher" if a["pid"] in launchers else (m.group(1) if m else "?")
    c[(a["detector_name"], who, a.get("reason", "").split(":")[0][:40])] += 1
print("detector | process | rule/reason head | alerts")
for (det, who, why), n in sorted(c.items()):
    print("%s | %s | %s | %d" % (det, who, why, n))
