#!/usr/bin/env bash
# Sharding and merging (docs/scaling.md): one small plan (tiny suite x 2
# repeats, fixed seed) run whole and as 3 shards; merging the shards must
# give the same scenario list, in the same order, and the same per-detector
# detected/ran counts as the whole run. Then the refusals: a missing shard,
# a duplicated one, a shard of another plan, a run without a plan, bad
# --shard/--repeat/--seed values; each exits 2 with a line naming the culprit
# and writes nothing.
. "$(dirname "$0")/lib.sh"
checks=0
pass() { checks=$((checks + 1)); }

run() { # run OUTDIR [extra args...]
    local out=$1
    shift
    "$MINERLAB" run --suite tiny "${fast_flags[@]}" --order random --repeat 2 --seed 7 \
        --out "$out" \
        --detector "good=sh $DATA/bin/gooddet.sh" "$@" >"$out.stdout" 2>"$out.stderr"
}
expect_refusal() { # expect_refusal PATTERN CMD...: exit 2 and PATTERN on stderr
    local pat=$1 rc=0
    shift
    "$@" >"$WORK/refusal.out" 2>"$WORK/refusal.err" || rc=$?
    [[ $rc -eq 2 ]] || { cat "$WORK/refusal.err"; fail "'$*' exited $rc, expected 2"; }
    grep -q -- "$pat" "$WORK/refusal.err" ||
        { cat "$WORK/refusal.err"; fail "'$*': no line matching '$pat'"; }
    pass
}

run "$WORK/whole" || fail "whole run failed: $(tail -3 "$WORK/whole.stderr")"
run "$WORK/s1" --shard 1/3 || fail "shard 1 failed"
run "$WORK/s2" --shard 2/3 || fail "shard 2 failed"
JOB_COMPLETION_INDEX=2 run "$WORK/s3" --shard auto/3 || fail "shard auto/3 failed"
pass
"$MINERLAB" merge "$WORK/merged" "$WORK/s3" "$WORK/s1" "$WORK/s2" --quiet \
    >"$WORK/merge.out" 2>"$WORK/merge.err" || { cat "$WORK/merge.err"; fail "merge failed"; }
pass

python3 - "$WORK" <<'PY' || fail "merged report differs from the whole run"
import json, re, sys
w = sys.argv[1]
whole = json.load(open(w + "/whole/report.json"))
merged = json.load(open(w + "/merged/report.json"))
s3 = json.load(open(w + "/s3/run.json"))
assert s3["plan"]["shard"] == {"index": 3, "count": 3}, s3["plan"]["shard"]
# The plan is the same whole or sharded: hash and order (item k is in shard
# k mod 3 + 1).
assert whole["run"]["plan"]["hash"] == merged["run"]["plan"]["hash"]
order = lambda r: [i["id"] for i in r["run"]["plan"]["items"]]
assert order(whole) == order(merged), (order(whole), order(merged))
assert [i["shard"] for i in merged["run"]["plan"]["items"]] == [1, 2, 3, 1, 2, 3]
ids = lambda r: [s["id"] for s in r["scenarios"]]
assert ids(whole) == ids(merged), (ids(whole), ids(merged))
assert len(ids(whole)) == 6 and "fake-mal~r2" in ids(whole), ids(whole)
status = lambda r: {s["id"]: s["status"] for s in r["scenarios"]}
assert status(whole) == status(merged), (status(whole), status(merged))
count_key = re.compile(r"(detected|_ran|flagged)$")
for dw, dm in zip(whole["detectors"], merged["detectors"]):
    keys = [k for k in dw if count_key.search(k) and isinstance(dw[k], int)]
    assert keys, dw.keys()
    for k in keys:
        assert dw[k] == dm[k], (dw["name"], k, dw[k], dm[k])
# Issue 11: the merged report carries the intervals, survival, cost, pooled
# repeats and the matrix, with the same numbers as the whole run.
assert merged["format"] == "minerlab-report/2", merged["format"]
for dw, dm in zip(whole["detectors"], merged["detectors"]):
    for k in ("tpr_interval", "fpr_interval", "ttd_survival", "by_type"):
        assert k in dm, (dm["name"], k)
    for k in ("tpr_interval", "fpr_interval"):
        assert {x: dw[k][x] for x in ("k", "n")} == {x: dm[k][x] for x in ("k", "n")}, k
    assert dm["cost"] and dm["cost"]["cpu_s"] >= 0, dm["cost"]
key = lambda p: (p["detector"], p["scenario"], p["k"], p["n"])
assert sorted(map(key, whole["pooled"])) == sorted(map(key, merged["pooled"]))
# n of a pooled cell = the repeats of that base id that counted for the detector.
base = {s["id"]: s["base_id"] for s in merged["scenarios"]}
for p in merged["pooled"]:
    n = sum(1 for r in merged["results"] if r["detector"] == p["detector"] and
            base[r["scenario"]] == p["scenario"] and r["counted"] and r["observable"])
    assert p["n"] == n and 1 <= n <= 2, (p, n)
cells = lambda r: sorted((c["type"], c["technique"], c["k"], c["n"])
                         for c in r["attack_matrix"]["cells"])
assert cells(whole) == cells(merged), (cells(whole), cells(merged))
shards = merged["run"]["shards"]
assert [s["index"] for s in shards] == [1, 2, 3], shards
assert all(s["machine"] and s["versions"] for s in shards)
assert merged["run"]["machines_differ"] is False
print("merge ok:", len(ids(merged)), "runs,", len(shards), "shards")
PY
pass
grep -q "^## Shards" "$WORK/merged/report.md" || fail "report.md lists no shards"
pass

# Refusals: nothing written to the output directory.
expect_refusal "shard 2/3 is missing" "$MINERLAB" merge "$WORK/m2" "$WORK/s1" "$WORK/s3"
[[ ! -e $WORK/m2/run.json ]] || fail "a refused merge wrote run.json"
expect_refusal "are both shard 1/3" "$MINERLAB" merge "$WORK/m3" "$WORK/s1" "$WORK/s1" \
    "$WORK/s2" "$WORK/s3"
run "$WORK/other" --shard 2/3 --seed 8 || fail "other plan's shard failed"
expect_refusal "other.* is a shard of another plan" "$MINERLAB" merge "$WORK/m4" \
    "$WORK/s1" "$WORK/other" "$WORK/s3"
mkdir -p "$WORK/old" && echo '{"run_id":"x","scenarios":[]}' >"$WORK/old/run.json"
expect_refusal "has no plan" "$MINERLAB" merge "$WORK/m5" "$WORK/s1" "$WORK/old"
expect_refusal "already holds a run" "$MINERLAB" merge "$WORK/merged" "$WORK/s1" \
    "$WORK/s2" "$WORK/s3"
for bad in "--shard 0/3" "--shard 4/3" "--shard 1/0" "--shard x" "--repeat 0" \
    "--seed abc" "--seed -1"; do
    # shellcheck disable=SC2086
    expect_refusal "minerlab run" "$MINERLAB" run --suite tiny "${fast_flags[@]}" \
        --out "$WORK/never" $bad
done
env -u JOB_COMPLETION_INDEX "$MINERLAB" run --suite tiny "${fast_flags[@]}" \
    --out "$WORK/never" --shard auto/3 2>"$WORK/auto.err" && fail "auto/3 without index ran"
grep -q "JOB_COMPLETION_INDEX is unset" "$WORK/auto.err" || fail "auto/3: no reason"
pass
[[ ! -e $WORK/never/run.json ]] || fail "a refused run wrote a run directory"
[[ -z $(marked_pids) ]] || fail "workload processes left: $(marked_pids)"
pass
echo "shard_merge: $checks passed, 0 failed"
