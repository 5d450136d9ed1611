#!/usr/bin/env bash
# A verdict that cannot flatter: a detector that alerts on every pid and
# every flow it sees, once a second, on a real run (real launchers, pool and
# miner, a benign JSON-RPC service and a benign sleep loop). The scorer must
# charge it a false positive on every benign workload (by pid, and the
# JSON-RPC one by flow too), count its alerts on other host processes as
# off-target, keep the lab's own processes apart, and give it a precision no
# better than the share of malicious pairs.
. "$(dirname "$0")/lib.sh"
[[ -x $ML_BIN_DIR/minerlab-pool && -x $ML_BIN_DIR/minerlab-miner ]] || { echo "pool/miner not built"; exit 77; }
out=$WORK/run
"$MINERLAB" run wallet-binary everything-jsonrpc wallet-benign --scenarios "$DATA/scenarios" \
    --gap 0.5 --grace 1 --warmup 1 --quiet --out "$out" \
    --detector "everything=python3 $DATA/bin/everythingdet.py" >"$WORK/stdout" 2>"$WORK/stderr" ||
    { cat "$WORK/stderr"; fail "run failed"; }
cat "$WORK/stdout"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
rep = json.load(open(out + "/report.json"))
st = {s["id"]: s for s in rep["scenarios"]}
for s in st.values():
    assert s["status"] == "ran", s
d = rep["detectors"][0]
res = {r["scenario"]: r for r in rep["results"]}
assert d["benign_ran"] == 2 and d["benign_flagged"] == 2, d
assert d["fpr"] == 1.0, d["fpr"]
# The JSON-RPC service's sockets are the scenario's flows: a network alert
# on them is a false positive like a pid alert.
tl = [json.loads(l) for l in open(out + "/timeline.jsonl")]
assert any(e["event"] == "conn" and e.get("scenario") == "everything-jsonrpc"
           and e.get("via") == "socket" for e in tl), "benign flows not recorded"
fp_flow = 0
alerts = [json.loads(l) for l in open(out + "/alerts.jsonl")]
flows = {(e["src"], e["dst"]) for e in tl if e["event"] == "conn"
         and e.get("scenario") == "everything-jsonrpc" and e["dst"] != "*"}
start = [e["ts"] for e in tl if e["event"] == "scenario_start" and e["scenario"] == "everything-jsonrpc"][0]
end = [e["ts"] for e in tl if e["event"] == "scenario_end" and e["scenario"] == "everything-jsonrpc"][0]
for a in alerts:
    f = a.get("flow")
    if f and start <= a["recv_ts"] <= end and ((f["src"], f["dst"]) in flows or (f["dst"], f["src"]) in flows):
        fp_flow += 1
assert fp_flow > 0, "no alert on the benign JSON-RPC flows at all"
assert d["off_target_alerts"] > 0 and d["off_target_per_h"] > 0, d
assert d["lab_alerts"] > 0 and "harness" in d["lab_alerts_by_role"], d["lab_alerts_by_role"]
total = d["tp_alerts"] + d["fp_alerts"] + d["off_target_alerts"] + d["lab_alerts"] + d["outside_alerts"]
assert total == d["alerts"], (total, d["alerts"])
mal = sum(1 for s in st.values() if s["label"] == "malicious")
assert d["precision"] <= mal / len(st) + 1e-9, (d["precision"], mal, len(st))
print("alert-on-everything: FPR %.0f %%, precision %.3f <= %.3f, %d off-target, %d lab, %d flow alerts on benign JSON-RPC"
      % (d["fpr"] * 100, d["precision"], mal / len(st), d["off_target_alerts"], d["lab_alerts"], fp_flow))
PY
[[ -z $(marked_pids) ]] || fail "workload processes left: $(marked_pids)"
echo "alert on everything OK"
