#!/usr/bin/env python3
"""Lab pids with more than one entry in a run's or soak's timeline
(lab_pid, lab_pid_end), the role sequences they went through, and how many
of them later joined a scenario's or episode's tree ("pid" events).
usage: pid_reuse.py DIR"""
import collections, gzip, json, os, sys
d = sys.argv[1]
p = d + "/timeline.jsonl"
tl = open(p) if os.path.exists(p) else gzip.open(p + ".gz", "rt")
ev = [json.loads(l) for l in tl]
hist = collections.defaultdict(list)
tree = collections.defaultdict(list)
for e in ev:
    if e.get("event") in ("lab_pid", "lab_pid_end"):
        hist[e["pid"]].append((e["ts"], e.get("role", "END")))
    elif e.get("event") == "pid":
        tree[e["pid"]].append((e["ts"], e.get("scenario"), e.get("role")))
multi = {p: h for p, h in hist.items() if len(h) > 1}
print("lab pids %d, with more than one entry %d, lab_pid_end events %d" % (
    len(hist), len(multi), sum(1 for e in ev if e.get("event") == "lab_pid_end")))
later = [p for p in multi if any(t > multi[p][0][0] for t, _, _ in tree.get(p, []))]
print("of those, later in a scenario/episode tree: %d" % len(later))
print("role sequences (most common):")
c = collections.Counter(" > ".join(r for _, r in h) for h in multi.values())
for k, n in c.most_common(12):
    print("  %5d  %s" % (n, k))
