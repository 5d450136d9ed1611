#!/usr/bin/env bash
# Detector cost, measured duty and observations on the fake run: a detector that burns CPU
# (in a child it waits for, then itself) and reports its own CPU time at exit;
# the harness's detector_cost must agree with it. The fake miner (a sleep
# loop) gets duty_measured slices and a duty_window with its nominal 30 %
# beside a measured share far below it. A detector's observation line lands
# in observations.jsonl, not in alerts.jsonl.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
out=$WORK/run
# --warmup 3: python must have installed its SIGTERM handler on a loaded box.
"$MINERLAB" run "$DATA/scenarios/binary/fake-mal.yaml" "${fast_flags[@]}" --warmup 3 --out "$out" \
    --detector "burn=python3 $DATA/bin/burndet.py" --detector "good=sh $DATA/bin/gooddet.sh" \
    --detector "obs=printf '{\"ts\":%s,\"detector\":\"o\",\"technique\":\"other\",\"score\":0.2,\"observation\":true}\n' \$(date +%s); exec sleep 60" \
    >"$WORK/stdout" 2>"$WORK/stderr" || { cat "$WORK/stderr"; fail "minerlab run failed"; }
self=$(sed -n 's/^burndet cpu_s //p' "$out/detectors/burn.stderr" | tail -1)
[[ -n $self ]] || { cat "$out/detectors/burn.stderr"; grep burn "$out/timeline.jsonl"; fail "burndet did not report its CPU time"; }
python3 - "$out" "$self" <<'PY'
import json, sys
out, self_cpu = sys.argv[1], float(sys.argv[2])
tl = [json.loads(l) for l in open(out + "/timeline.jsonl")]
cost = {e["detector"]: e for e in tl if e["event"] == "detector_cost"}
assert set(cost) == {"burn", "good", "obs"}, cost
# Observations are kept apart and never counted as alerts.
obs = [json.loads(l) for l in open(out + "/observations.jsonl")]
assert len(obs) == 1 and obs[0]["detector_name"] == "obs" and obs[0]["score"] == 0.2, obs
assert "recv_ts" in obs[0]
alerts = [json.loads(l) for l in open(out + "/alerts.jsonl")]
assert not [a for a in alerts if a["detector_name"] == "obs"], alerts
summ = [e for e in tl if e["event"] == "detector_summary" and e["detector"] == "obs"][0]
assert summ["alerts"] == 0 and summ["observations"] == 1, summ
b = cost["burn"]
# The harness sees the whole group (sh, python, the child python waited for);
# the detector's last report may precede its exit by one 0.05-s burst.
assert self_cpu >= 0.2, self_cpu
assert self_cpu - 0.02 <= b["cpu_s"] <= self_cpu + 0.3, (b, self_cpu)
assert abs(b["cpu_pct"] - b["cpu_s"] / b["wall_s"] * 100) < 0.01, b
assert b["peak_rss_mib"] > 1 and b["samples"] >= 1, b
assert cost["good"]["cpu_s"] < b["cpu_s"], cost
win = [e for e in tl if e["event"] == "duty_window" and e["scenario"] == "fake-mal"]
assert len(win) == 1, win
w = win[0]
assert w["nominal_pct"] == 30 and 0 <= w["pct"] < 20, w
sl = [e for e in tl if e["event"] == "duty_measured" and e["scenario"] == "fake-mal"]
assert sl and all(s["slice_end"] > s["slice_start"] and s["pid"] == w["pid"] for s in sl), sl
# The report carries them (issue 11): cost beside the rates, the measured
# duty of the scenario, and the observing detector's ROC block.
rep = json.load(open(out + "/report.json"))
dets = {d["name"]: d for d in rep["detectors"]}
for n, c in cost.items():
    assert abs(dets[n]["cost"]["cpu_s"] - c["cpu_s"]) < 0.001, (n, dets[n]["cost"], c)
    assert abs(dets[n]["cost"]["peak_rss_mib"] - c["peak_rss_mib"]) < 0.001, n
sc = [s for s in rep["scenarios"] if s["id"] == "fake-mal"][0]
assert abs(sc["measured_duty_pct"] - w["pct"]) < 0.001, (sc, w)
# Workload CPU (the scenario cgroup's usage_usec) holds the miner's own CPU
# time and the launcher's: at least what /proc measured for the miner.
import os
end = [e for e in tl if e["event"] == "scenario_end" and e["scenario"] == "fake-mal"][0]
v2 = any(os.path.exists(p + "/cgroup.controllers")
         for p in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"))
if os.geteuid() == 0 and v2:
    assert "cpu_pct" in end, end
if "cpu_pct" in end:
    assert end["cpu_s"] >= w["cpu_s"] - 0.05, (end, w)
    assert 0 <= end["cpu_pct"] < 50 and sc["cpu_pct"] == round(end["cpu_pct"], 3), (end, sc)
    wall = end["ts"] - [e for e in tl if e["event"] == "scenario_start"][0]["ts"]
    assert abs(end["cpu_pct"] - end["cpu_s"] / (wall * end["cpu_cores"]) * 100) < 1, end
else:
    assert sc["cpu_pct"] is None, sc
assert dets["obs"]["roc"]["observations"] == 1, dets["obs"]["roc"]
assert dets["good"]["roc"] is None
print("cost %.3f s (detector says %.3f s), fake miner %.1f %% measured vs 30 %% nominal"
      % (b["cpu_s"], self_cpu, w["pct"]))
PY
echo "cost and duty OK"
