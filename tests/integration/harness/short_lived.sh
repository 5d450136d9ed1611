#!/usr/bin/env bash
# Complete ground truth: a launcher that starts 50 processes living 10 ms
# each; every one of them is in the scenario's tree (the process connector
# follows forks as they happen; a once-a-second /proc scan would miss them).
. "$(dirname "$0")/lib.sh"
out=$WORK/run
"$MINERLAB" run fake-burst "${fast_flags[@]}" --out "$out" \
    --detector "good=sh $DATA/bin/gooddet.sh" >/dev/null 2>"$WORK/stderr" ||
    { cat "$WORK/stderr"; fail "run failed"; }
grep -q '"source":"proc-connector"' "$out/timeline.jsonl" || {
    grep '"tree_source"' "$out/timeline.jsonl" >&2
    echo "SKIP: no process connector here (needs CAP_NET_ADMIN)" >&2
    exit 77
}
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
want = [int(m) for m in re.findall(r"^burst-pid (\d+)$",
        open(out + "/scenarios/fake-burst/launcher.stderr").read(), re.M)]
assert len(want) == 50, len(want)
tree = set()
for line in open(out + "/timeline.jsonl"):
    e = json.loads(line)
    if e.get("event") == "pid" and e.get("scenario") == "fake-burst":
        tree.add(e["pid"])
missing = [p for p in want if p not in tree]
assert not missing, f"{len(missing)} of 50 short-lived pids not in the tree: {missing[:10]}"
print(f"all 50 short-lived pids in the tree ({len(tree)} pids recorded)")
PY
[[ -z $(marked_pids) ]] || fail "workload processes left: $(marked_pids)"
echo "short-lived OK"
