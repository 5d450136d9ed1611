#!/usr/bin/env bash
# minerlab soak for 10 minutes (label slow): light-mode episodes of every
# CPU attack type from the catalogue's recipes, benign catalogue work in the
# background, every reference detector. The soak runs to its end: soak.json
# is complete, episodes were judged, the report renders, nothing is left.
# KEEP=DIR keeps the soak directory there (docs/measurements/).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/leftovers.sh"
[[ -x $ML_BIN_DIR/minerlab-pool && -x $ML_BIN_DIR/minerlab-miner ]] || { echo "SKIP: pool/miner not built"; exit 77; }
[[ $(id -u) -eq 0 ]] || { echo "SKIP: the soak's lab internet needs root"; exit 77; }
out=${KEEP:-$WORK/soak}
"$MINERLAB" soak --minutes 10 --seed "${SEED:-11}" --out "$out" \
    --recipes binary-tcp-d30,fileless-tcp-d30,supply-chain-tcp-d30,cloud-tcp-d30,browser-ws-d30,benign-jsonrpc,benign-xz,benign-stream-tcp,benign-science,benign-compile \
    --episode 45:90 --gap 30:60 --pool-ports random >"$WORK/soak.out" 2>"$WORK/soak.err" ||
    { cat "$WORK/soak.err"; fail "the soak failed"; }
cat "$WORK/soak.out"
start=$(grep -m1 '"event":"run_start"' "$out/timeline.jsonl")
state=$(sed -n 's/.*"state":"\([^"]*\)".*/\1/p' <<<"$start")
cg=$(sed -n 's/.*"cgroup":"\([^"]*\)".*/\1/p' <<<"$start")
id=$(basename "$state" .state)
check_run "$out" /dev/null "${id#run-}" "$cg"
[[ $leftovers -eq 0 ]] || fail "$leftovers leftovers"
python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/soak.json"))
assert d["complete"] and d["finished"] and d["elapsed_s"] >= 590, d["elapsed_s"]
judged = [e for e in d["episodes"] if e["judged"]]
assert len(judged) >= 3, [(e["recipe"], e["status"], e.get("not_judged")) for e in d["episodes"]]
assert len(d["background"]) >= 3, d["background"]
rep = json.load(open(sys.argv[1] + "/report.json"))
assert rep["partial"] is False and rep["summary"], rep.keys()
for name, s in rep["summary"].items():
    assert s["episodes_judged"] == len(judged), (name, s)
    assert s["false_alarms_per_host_hour"] is not None, (name, s)
print("soak (10 min): %d episodes judged, %d background runs" % (len(judged), len(d["background"])))
PY
grep -q '^# minerlab soak' "$out/report.md" || fail "no report.md"
echo "soak_slow OK"
