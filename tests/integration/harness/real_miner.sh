#!/usr/bin/env bash
# Ground truth with the real pool and miner: the connection is attributed
# through /proc (socket inode owned by the scenario's tree), the miner pid is
# in the tree, and a flow alert on that connection scores as a true positive.
. "$(dirname "$0")/lib.sh"
[[ -x $ML_BIN_DIR/minerlab-pool && -x $ML_BIN_DIR/minerlab-miner ]] || { echo "pool/miner not built"; exit 77; }
out=$WORK/run
"$MINERLAB" run "$DATA/scenarios/binary/real-miner.yaml" --launch-dir "$DATA/launch" \
    --gap 0 --grace 2 --warmup 0.5 --quiet --out "$out" --detector "good=sh $DATA/bin/gooddet.sh" \
    >"$WORK/stdout" 2>"$WORK/stderr" || { cat "$WORK/stderr"; fail "run failed"; }
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
tl = [json.loads(l) for l in open(out + "/timeline.jsonl")]
conns = [e for e in tl if e["event"] == "conn" and e["scenario"] == "real-miner"]
assert conns, "no connection recorded"
assert any(c["via"] == "proc" for c in conns), conns
miner = [e for e in tl if e["event"] == "miner_start"]
assert miner, "no miner_start"
end = [e for e in tl if e["event"] == "scenario_end"][0]
assert end["status"] == "ran" and end["logins"] >= 1, end
rep = json.load(open(out + "/report.json"))
assert rep["scenarios"][0]["connections"] >= 1
PY
# A detector that reports exactly that flow scores a true positive.
flow=$(python3 -c "import json,sys
for l in open('$out/timeline.jsonl'):
    e=json.loads(l)
    if e['event']=='conn': print(e['src'], e['dst'], e['ts']); break")
read -r src dst ts <<<"$flow"
printf '{"ts":%s,"detector":"x","detector_name":"good","technique":"network","flow":{"src":"%s","dst":"%s"}}\n' \
    "$ts" "$dst" "$src" >"$out/alerts.jsonl"
"$MINERLAB" report "$out" --quiet
python3 -c "import json; d=json.load(open('$out/report.json'))['detectors'][0]; assert d['tp_alerts']==1 and d['tpr']==1.0, d"
echo "real miner OK: connection via /proc, flow alert scored"
