#!/usr/bin/env bash
# --baseline catches a planted regression: a detector that caught the miner in
# the baseline run misses it now (its alerts removed) -> exit 3; unchanged -> 0.
. "$(dirname "$0")/lib.sh"
out=$WORK/run
"$MINERLAB" run fake-mal "${fast_flags[@]}" --out "$out" \
    --detector "good=sh $DATA/bin/gooddet.sh" >/dev/null 2>"$WORK/stderr" ||
    { cat "$WORK/stderr"; fail "run failed"; }
cp "$out/report.json" "$WORK/baseline.json"
"$MINERLAB" report "$out" --baseline "$WORK/baseline.json" >"$WORK/same" ||
    fail "no regression expected against itself"
grep -q "0 regressions" "$WORK/same" || fail "comparison summary missing"
: >"$out/alerts.jsonl" # plant the regression: the detector said nothing
rc=0
"$MINERLAB" report "$out" --baseline "$WORK/baseline.json" >"$WORK/regressed" || rc=$?
[[ $rc -eq 3 ]] || fail "exit $rc, expected 3 for a regression"
grep -q "REGRESSION good: missed fake-mal" "$WORK/regressed" || fail "regression not named"
rc=0
"$MINERLAB" report "$out" --baseline "$WORK/nonexistent.json" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "missing baseline: exit $rc, expected 2"
echo "baseline OK"
