#!/usr/bin/env bash
# A tiny run: a well-behaved detector, a detector that prints garbage, a
# degraded notice and then crashes, a skipped scenario. Everything is recorded,
# the run goes on, the reports are complete and the JUnit file has the shape
# CI tools expect.
. "$(dirname "$0")/lib.sh"
out=$WORK/run
rc=0
"$MINERLAB" run --suite tiny "${fast_flags[@]}" --out "$out" --junit "$WORK/ci-junit.xml" \
    --detector "good=sh $DATA/bin/gooddet.sh" --detector "flaky=sh $DATA/bin/flakydet.sh" \
    --detector "stuck=trap '' TERM; while :; do sleep 0.2; done" \
    >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
[[ $rc -eq 0 ]] || { cat "$WORK/stderr"; fail "minerlab run exited $rc"; }
for f in run.json timeline.jsonl alerts.jsonl report.json report.md report.html junit.xml \
    detectors/flaky.invalid detectors/flaky.stderr scenarios/fake-mal/launcher.stderr; do
    [[ -s $out/$f ]] || fail "$f missing or empty"
done
cmp -s "$out/junit.xml" "$WORK/ci-junit.xml" || fail "--junit copy differs"
grep -q '"detector":"flaky","event":"detector_exit","status":"exit 3"' "$out/timeline.jsonl" ||
    fail "crash of flaky not recorded"
grep -q '"unexpected":true' "$out/timeline.jsonl" || fail "crash not marked unexpected"
grep -q '"event":"detector_degraded"' "$out/timeline.jsonl" || fail "degraded notice lost"
grep -q "technique 'telepathy' unknown" "$out/detectors/flaky.invalid" || fail "bad line reason"
grep -q "flaky: giving up" "$out/detectors/flaky.stderr" || fail "detector stderr not kept"
grep -q 'scorecard\|detector .*detected' "$WORK/stdout" || fail "no scorecard on stdout"
[[ ! -e $out/scenarios/fake-mal/sandbox ]] || fail "sandbox not removed"
# No marked workload survives the run.
[[ -z $(marked_pids) ]] || fail "workload processes left: $(marked_pids)"
python3 - "$out" <<'PY'
import json, sys, xml.etree.ElementTree as ET
out = sys.argv[1]
rep = json.load(open(out + "/report.json"))
st = {s["id"]: s for s in rep["scenarios"]}
assert st["fake-mal"]["status"] == "ran", st["fake-mal"]
assert st["fake-skip"]["status"] == "skipped" and "flux capacitor" in st["fake-skip"]["reason"]
assert st["fake-benign"]["status"] == "ran"
assert st["fake-mal"]["pids"] >= 2, st["fake-mal"]          # launcher + announced miner
det = {d["name"]: d for d in rep["detectors"]}
assert det["good"]["tpr"] == 1.0 and det["good"]["fpr"] == 1.0, det["good"]
assert det["good"]["version"] == "gooddet 1.0"
assert det["flaky"]["crashed"] is True and det["flaky"]["invalid_lines"] == 20, det["flaky"]
assert det["flaky"]["degraded"] == 1
assert det["stuck"]["hung"] is True and det["good"]["hung"] is False, det["stuck"]
assert rep["run"]["versions"]["minerlab"] and rep["run"]["machine"]["cores"] >= 1
# JUnit: testsuites > testsuite > testcase (> failure | skipped) with consistent counts.
root = ET.parse(out + "/junit.xml").getroot()
assert root.tag == "testsuites"
tot = {"tests": 0, "failures": 0, "skipped": 0}
for ts in root:
    assert ts.tag == "testsuite" and ts.get("name").startswith("minerlab.")
    # <properties> (the detector's rates, intervals and cost) come first, as in
    # the JUnit schema; then the test cases.
    props = [k for k in ts if k.tag == "properties"]
    assert len(props) == 1 and list(ts)[0].tag == "properties", list(ts)
    pv = {p.get("name"): float(p.get("value")) for p in props[0]}
    d = det[ts.get("name")[len("minerlab."):]]
    if d["tpr"] is not None:
        assert abs(pv["tpr"] - d["tpr"]) < 1e-3, (pv, d["tpr"])
        assert pv["tpr_lo"] <= pv["tpr"] <= pv["tpr_hi"], pv
    cases = [k for k in ts if k.tag != "properties"]
    assert all(c.tag == "testcase" and c.get("classname") and c.get("name") for c in cases)
    f = sum(1 for c in cases for k in c if k.tag == "failure")
    s = sum(1 for c in cases for k in c if k.tag == "skipped")
    assert int(ts.get("tests")) == len(cases) and int(ts.get("failures")) == f
    assert int(ts.get("skipped")) == s and ts.get("errors") == "0"
    tot["tests"] += len(cases); tot["failures"] += f; tot["skipped"] += s
for k, v in tot.items():
    assert int(root.get(k)) == v, (k, root.get(k), v)
# good: fake-mal detect (pass), fake-benign miss (fail: host-level FP), fake-skip (skipped);
# flaky: fake-mal detect (pass).
assert tot == {"tests": 4, "failures": 1, "skipped": 1}, tot
PY
# Re-scoring the directory from its files gives the same report.
cp "$out/report.json" "$WORK/first.json"
"$MINERLAB" report "$out" --quiet || fail "minerlab report failed"
cmp -s "$out/report.json" "$WORK/first.json" || fail "re-scoring changed report.json"
# `minerlab list` shows the scenarios, the suite and where detectors are looked for.
"$MINERLAB" list --scenarios "$DATA/scenarios" >"$WORK/list" || fail "minerlab list failed"
grep -q "fake-mal .*binary .*malicious" "$WORK/list" || fail "list lacks fake-mal"
grep -q "tiny .*3 scenarios" "$WORK/list" || fail "list lacks the tiny suite"
grep -q "reference detectors" "$WORK/list" || fail "list lacks detectors"
echo "tiny run OK"
