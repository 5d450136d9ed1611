#!/usr/bin/env bash
# minerlab compare on two recorded runs (fake pool, launchers and detectors):
# one malicious and one benign scenario, 5 repeats each (ID~rK pooled). In
# run 1 detector "good" alerts all the time and "quiet" never; in run 2 the
# two swap. 1 -> 2: good's detection rate 5/5 -> 0/5 (interval entirely
# below) and quiet newly flags the benign scenario: exit 3. A run against
# itself: exit 0. Bad input: exit 2 with one line, nothing written.
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/scen"
for s in mal ben; do
    label=$([[ $s == mal ]] && echo malicious || echo benign)
    type=$([[ $s == mal ]] && echo binary || echo benign)
    {
        printf 'id: cmp-%s\ntitle: "compare test %s"\ntype: %s\nlabel: %s\n' "$s" "$s" "$type" "$label"
        printf 'duration_s: 1\nlauncher: fake\n'
        [[ $s == mal ]] && printf 'miner:\n  threads: 1\n  duty: 30\n  transport: tcp\n' ||
            printf 'command: "sleep 1"\n'
    } >"$WORK/scen/cmp-$s.yaml"
done
quiet="exec sleep 120"
talk="sh $DATA/bin/gooddet.sh"
run() { # OUT GOOD QUIET
    "$MINERLAB" run "$WORK/scen/cmp-mal.yaml" "$WORK/scen/cmp-ben.yaml" --repeat 5 --seed 7 \
        "${fast_flags[@]}" --gap 0.3 --grace 0.3 --out "$1" \
        --detector "good=$2" --detector "quiet=$3" >"$WORK/run.out" 2>&1 ||
        { cat "$WORK/run.out"; fail "run $1 failed"; }
}
run "$WORK/r1" "$talk" "$quiet"
run "$WORK/r2" "$quiet" "$talk"

rc=0
"$MINERLAB" compare --json "$WORK/cmp.json" "$WORK/r1" "$WORK/r2" >"$WORK/cmp.md" 2>"$WORK/cmp.err" || rc=$?
[[ $rc -eq 3 ]] || { cat "$WORK/cmp.md" "$WORK/cmp.err"; fail "compare r1 r2 exited $rc, want 3"; }
grep -q '^| good \*\*REGRESSION\*\* | 5/5 100 % \[57, 100\] | 0/5 0 % \[0, 43\]' "$WORK/cmp.md" ||
    { cat "$WORK/cmp.md"; fail "no TPR regression row for good"; }
grep -q 'quiet: benign cmp-ben newly flagged (5/5 runs)' "$WORK/cmp.md" || fail "no benign regression"
python3 - "$WORK/cmp.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "minerlab-compare/1"
assert sorted(d["common_scenarios"]) == ["cmp-ben", "cmp-mal"], d["common_scenarios"]
p = {(x["detector"], x["scenario"]): x for x in d["pairs"]}
g = p[("good", "cmp-mal")]
assert g["a"]["n"] == 5 and g["a"]["k"] == 5 and g["b"]["k"] == 0, g   # repeats pooled
assert g["regression"] and g["change"] == "worse" and g["a"]["median_ttd_s"] is not None, g
assert p[("good", "cmp-ben")]["change"] == "better" and not p[("good", "cmp-ben")]["regression"]
assert p[("quiet", "cmp-ben")]["regression"], p[("quiet", "cmp-ben")]
assert len(d["regressions"]) == 3, d["regressions"]   # pair, TPR, benign
PY
# The same run twice: nothing changed.
"$MINERLAB" compare "$WORK/r1" "$WORK/r1/report.json" >"$WORK/same.md" || fail "self-compare exited $?"
grep -q '^None\.$' "$WORK/same.md" || fail "self-compare lists regressions"
# A detector that crashes in B: regression.
python3 - "$WORK/r1/report.json" "$WORK/crash.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for x in d["detectors"]:
    if x["name"] == "quiet": x["crashed"] = True
json.dump(d, open(sys.argv[2], "w"))
PY
rc=0; "$MINERLAB" compare "$WORK/r1" "$WORK/crash.json" >"$WORK/crash.md" || rc=$?
[[ $rc -eq 3 ]] && grep -q 'quiet: crashed' "$WORK/crash.md" || fail "crash not a regression (rc $rc)"

# Bad input: one line on stderr, exit 2, the --json file untouched.
bad() { # WANT-SUBSTRING ARGS...
    local want=$1 rc=0
    shift
    echo keep >"$WORK/keep.json"
    "$MINERLAB" compare --json "$WORK/keep.json" "$@" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
    [[ $rc -eq 2 ]] || fail "compare $* exited $rc, want 2"
    [[ $(wc -l <"$WORK/bad.err") -eq 1 ]] || { cat "$WORK/bad.err"; fail "compare $*: not one line"; }
    grep -q -- "$want" "$WORK/bad.err" || { cat "$WORK/bad.err"; fail "compare $*: lacks '$want'"; }
    [[ $(cat "$WORK/keep.json") == keep ]] || fail "compare $* overwrote --json"
}
mkdir "$WORK/empty"
bad "report.json: No such file" "$WORK/empty" "$WORK/r1"
bad "No such file" "$WORK/r1" "$WORK/nowhere"
python3 - "$WORK/r1/report.json" "$WORK" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
old = json.loads(json.dumps(d))
for r in old["results"]: del r["counted"]
json.dump(old, open(sys.argv[2] + "/old.json", "w"))
for s in d["scenarios"]: s["id"] = "other-" + s["id"]
for r in d["results"]: r["scenario"] = "other-" + r["scenario"]
json.dump(d, open(sys.argv[2] + "/disjoint.json", "w"))
PY
bad "lacks results\[\].counted" "$WORK/r1" "$WORK/old.json"
bad "no scenario in common" "$WORK/r1" "$WORK/disjoint.json"
echo '{"format":' >"$WORK/torn.json"
bad "torn.json:" "$WORK/torn.json" "$WORK/r1"
bad "not a minerlab report" "$WORK/r1/run.json" "$WORK/r1"
rc=0; "$MINERLAB" compare "$WORK/r1" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "one argument: exit $rc"
[[ -z $(marked_pids) ]] || fail "workload processes left"
echo "compare OK"
