#!/usr/bin/env bash
# Measured duty on the real miner: 2 threads at 50 % duty, the harness pinned
# to 2 CPUs (the miner inherits the mask), light mode. Every 5-s slice after
# the first (RandomX cache set-up runs at full speed) must be within 7 points
# of 50 %. Timing-sensitive: labelled slow; on a loaded box rerun it alone.
. "$(dirname "$0")/lib.sh"
[[ -x $ML_BIN_DIR/minerlab-pool && -x $ML_BIN_DIR/minerlab-miner ]] || { echo "pool/miner not built"; exit 77; }
[[ $(nproc) -ge 2 ]] || { echo "needs 2 CPUs"; exit 77; }
cpus=$(python3 -c "import os; print(','.join(map(str, sorted(os.sched_getaffinity(0))[:2])))")
out=$WORK/run
taskset -c "$cpus" "$MINERLAB" run "$DATA/scenarios/binary/real-miner-d50.yaml" \
    --launch-dir "$DATA/launch" --gap 0 --grace 1 --warmup 0.5 --quiet --out "$out" \
    --detector "good=sh $DATA/bin/gooddet.sh" >"$WORK/stdout" 2>"$WORK/stderr" ||
    { cat "$WORK/stderr"; fail "run failed"; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" <<'PY'
import json, sys
tl = [json.loads(l) for l in open(sys.argv[1] + "/timeline.jsonl")]
sl = [e for e in tl if e["event"] == "duty_measured"]
win = [e for e in tl if e["event"] == "duty_window"]
assert len(win) == 1 and sl, (win, sl)
for s in sl:
    print("slice %5.1f-%5.1f s: %5.1f %% (nominal %s, %.2f cores allowed)" % (
        s["slice_start"] - win[0]["start"], s["slice_end"] - win[0]["start"], s["pct"],
        s["nominal_pct"], s["allowed_cores"]))
print("window: %.1f %% measured, %s %% nominal" % (win[0]["pct"], win[0]["nominal_pct"]))
steady = [s for s in sl[1:] if s["slice_end"] - s["slice_start"] >= 4]
assert steady, sl
assert all(s["allowed_cores"] == 2 for s in sl), sl
bad = [s["pct"] for s in steady if abs(s["pct"] - 50) > 7]
assert not bad, "slices off 50 %% by more than 7 points: %s" % bad
PY
echo "measured duty OK"
