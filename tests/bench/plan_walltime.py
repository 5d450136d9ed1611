#!/usr/bin/env python3
"""Wall time of a sharded plan, computed from measured per-scenario times.

usage: plan_walltime.py RUN_DIR SCENARIOS_DIR [--suite full] [--repeats 5]
                        [--machines 1,10,100] [--seed 1] [--json OUT]

RUN_DIR is a finished `minerlab run` directory. From its timeline:
  - per scenario: the window (scenario_start -> scenario_end) plus what
    follows until the next scenario starts (clean-up and the quiet gap);
  - per run: the fixed cost before the first window (pool, detectors,
    warm-up) and after the last (grace, detector stop, scoring).
Scenarios of the suite that RUN_DIR did not run are estimated as their
duration_s plus the median measured overrun of the ones it did; the output
marks them "estimated". The plan is built with the harness's own rule
(harness/plan.h: splitmix64 Fisher-Yates from the seed, item k to shard
k mod N + 1), so each machine's share is the one `minerlab run --shard`
would give it; the plan's wall time is the slowest machine's.
"""
import argparse
import json
import os
import re
import statistics
import sys

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def shuffle(items, seed):
    """The harness's order (plan.c: draw_below without modulo bias)."""
    state = seed
    items = list(items)
    for i in range(len(items), 1, -1):
        limit = MASK - (MASK % i)
        while True:
            state, v = splitmix64(state)
            if v < limit:
                break
        j = v % i
        items[i - 1], items[j] = items[j], items[i - 1]
    return items


def measured(run_dir):
    events = []
    with open(os.path.join(run_dir, "timeline.jsonl")) as f:
        for line in f:
            try:
                events.append(json.loads(line))
            except ValueError:
                pass  # a torn last line
    start = {}
    per = {}
    order = []
    run_start = run_end = None
    for e in events:
        ev = e.get("event")
        if ev == "run_start":
            run_start = e["ts"]
        elif ev == "run_end":
            run_end = e["ts"]
        elif ev == "scenario_start":
            start[e["scenario"]] = e["ts"]
            order.append(e["scenario"])
        elif ev == "scenario_end" and e["scenario"] in start:
            per[e["scenario"]] = {"window_s": e["ts"] - start[e["scenario"]],
                                  "status": e.get("status")}
    # Clean-up and gap: from a scenario's end to the next one's start.
    for a, b in zip(order, order[1:]):
        if a in per and b in start:
            per[a]["after_s"] = start[b] - (start[a] + per[a]["window_s"])
    gaps = [p["after_s"] for p in per.values() if "after_s" in p]
    gap = statistics.median(gaps) if gaps else 0.0
    for p in per.values():
        p.setdefault("after_s", gap)
    first = min(start.values()) if start else run_start
    last = max(start[s] + per[s]["window_s"] for s in per) if per else run_end
    fixed = (first - run_start) + (run_end - last) if run_start and run_end else 0.0
    return per, fixed, gap


def catalogue(scen_dir):
    cat = {}
    for root, _, files in os.walk(scen_dir):
        if os.path.basename(root) == "suites":
            continue
        for fn in files:
            if not fn.endswith(".yaml"):
                continue
            text = open(os.path.join(root, fn)).read()
            sid = re.search(r"^id:\s*(\S+)", text, re.M)
            dur = re.search(r"^duration_s:\s*(\d+)", text, re.M)
            if sid and dur:
                cat[sid.group(1)] = int(dur.group(1))
    return cat


def suite_ids(scen_dir, suite):
    text = open(os.path.join(scen_dir, "suites", suite + ".yaml")).read()
    body = text.split("scenarios:", 1)[1]
    return re.findall(r"^\s*-\s*([a-z0-9-]+)", body, re.M)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("scen_dir")
    ap.add_argument("--suite", default="full")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--machines", default="1,10,100")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    per, fixed, gap = measured(a.run_dir)
    cat = catalogue(a.scen_dir)
    ids = suite_ids(a.scen_dir, a.suite)
    # A scenario whose window changed since the measured run is estimated too.
    try:
        planned = {x["id"]: x.get("duration_s") for x in
                   json.load(open(os.path.join(a.run_dir, "run.json")))["scenarios"]}
    except (OSError, ValueError, KeyError):
        planned = {}
    overruns = [per[s]["window_s"] - planned.get(s, cat.get(s, 0)) for s in per]
    overrun = statistics.median(overruns) if overruns else 0.0
    cost = {}
    for s in ids:
        if s in per and planned.get(s, cat.get(s)) == cat.get(s):
            cost[s] = {"s": per[s]["window_s"] + per[s]["after_s"], "source": "measured"}
        else:
            cost[s] = {"s": cat.get(s, 0) + overrun + gap, "source": "estimated"}
    items = [(s, k) for k in range(1, a.repeats + 1) for s in ids]  # repeat by repeat
    items = shuffle(items, a.seed)
    result = {"run_dir": os.path.abspath(a.run_dir), "suite": a.suite,
              "repeats": a.repeats, "seed": a.seed, "scenarios": len(ids),
              "runs": len(items), "fixed_per_machine_s": round(fixed, 1),
              "median_gap_s": round(gap, 1), "median_overrun_s": round(overrun, 1),
              "measured_scenarios": sum(c["source"] == "measured" for c in cost.values()),
              "per_scenario": {s: {"s": round(c["s"], 1), "source": c["source"]}
                               for s, c in cost.items()},
              "machines": []}
    for n in [int(x) for x in a.machines.split(",")]:
        loads = [0.0] * n
        for k, (s, _) in enumerate(items):
            loads[k % n] += cost[s]["s"]
        busy = [x for x in loads if x > 0]
        wall = max(busy) + fixed if busy else 0.0
        result["machines"].append({"machines": n, "used": len(busy),
                                   "wall_s": round(wall, 1),
                                   "wall_h": round(wall / 3600, 2),
                                   "machine_hours": round((sum(busy) + fixed * len(busy)) / 3600, 2)})
    out = json.dumps(result, indent=2, sort_keys=True)
    if a.json:
        with open(a.json, "w") as f:
            f.write(out + "\n")
    print(out)


if __name__ == "__main__":
    sys.exit(main())
