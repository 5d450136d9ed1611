#!/usr/bin/env bash
# Bad input gives a clear message naming the cause: an unknown detector, a
# scenario with duty 150, malformed YAML, an unwritable report directory, and a
# scenario whose miner fails to start (recorded as failed; the run goes on).
. "$(dirname "$0")/lib.sh"
expect_rc() { # rc pattern command...
    local want=$1 pat=$2 rc=0
    shift 2
    "$@" >"$WORK/out" 2>&1 || rc=$?
    [[ $rc -eq $want ]] || { cat "$WORK/out"; fail "$* exited $rc, expected $want"; }
    grep -q -- "$pat" "$WORK/out" || { cat "$WORK/out"; fail "message lacks '$pat'"; }
}
expect_rc 2 "detector 'nosuch'.*minerlab-det-nosuch not found" \
    "$MINERLAB" run fake-mal "${fast_flags[@]}" --out "$WORK/a" --detector nosuch
sed 's/duty: 30/duty: 150/' "$DATA/scenarios/binary/fake-mal.yaml" >"$WORK/d150.yaml"
expect_rc 2 "d150.yaml:10: miner.duty: 150 is outside 1..100" \
    "$MINERLAB" run "$WORK/d150.yaml" "${fast_flags[@]}" --out "$WORK/b"
# A scenario runs as code: a launcher outside harness/launch/ and command: on a
# malicious scenario are refused at load, with file:line (issue 13).
sed 's|launcher: fake|launcher: ../../tmp/x|' "$DATA/scenarios/binary/fake-mal.yaml" >"$WORK/esc.yaml"
expect_rc 2 "esc.yaml:7: launcher: '../../tmp/x' must match \\[a-z0-9-\\]+" \
    "$MINERLAB" run "$WORK/esc.yaml" "${fast_flags[@]}" --out "$WORK/e"
sed 's|^duration_s: 2|duration_s: 2\ncommand: "touch /tmp/owned"|' \
    "$DATA/scenarios/binary/fake-mal.yaml" >"$WORK/cmd.yaml"
expect_rc 2 "cmd.yaml:7: command: only for benign scenarios" \
    "$MINERLAB" run "$WORK/cmd.yaml" "${fast_flags[@]}" --out "$WORK/f"
[[ ! -e $WORK/e && ! -e $WORK/f ]] || fail "a run directory was created for a rejected scenario"
printf 'id: x\ntype: [binary\n' >"$WORK/bad.yaml"
expect_rc 2 "bad.yaml:3: malformed YAML" "$MINERLAB" run "$WORK/bad.yaml" --out "$WORK/c"
expect_rc 2 "cannot create /proc/nope/run" \
    "$MINERLAB" run fake-mal "${fast_flags[@]}" --out /proc/nope/run
[[ ! -e $WORK/a && ! -e $WORK/b ]] || fail "a run directory was created for a rejected run"
out=$WORK/run
expect_rc 0 "fake-fail failed: launcher exit 1: minerlab-miner: exited at once" \
    "$MINERLAB" run fake-fail fake-mal "${fast_flags[@]}" --out "$out" \
    --detector "good=sh $DATA/bin/gooddet.sh"
python3 - "$out" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1] + "/report.json"))
st = {s["id"]: s for s in rep["scenarios"]}
assert st["fake-fail"]["status"] == "failed" and "cannot load its config" in st["fake-fail"]["reason"]
assert st["fake-mal"]["status"] == "ran"
assert rep["detectors"][0]["malicious_ran"] == 1  # the failed one is not scored
PY
echo "bad input OK"
