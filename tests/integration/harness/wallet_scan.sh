#!/usr/bin/env bash
# Nothing planted: while a short run of real launchers, pool and miner goes
# on, every process's command line and environment is scanned every 50 ms.
# The lab wallet may appear only in the miners (the processes the attack
# puts it in: command line, APP_CONFIG); never in a launcher, a launcher's
# helper, a benign workload, a detector or the harness's environment.
. "$(dirname "$0")/lib.sh"
[[ -x $ML_BIN_DIR/minerlab-pool && -x $ML_BIN_DIR/minerlab-miner ]] || { echo "pool/miner not built"; exit 77; }
out=$WORK/run
# The pattern lives in a file: on grep's command line it would be found in grep.
printf '%s\n' 4AMinerLabTestMinerLabTestMinerLabTestMinerLabTestMin'erLabTestMinerLabTestMinerLabTestMinerLabT' >"$WORK/pattern"
# 1 when pid $1 descends from pid $2 (this run's harness; it is a child
# subreaper, so orphans of the run stay below it too). The machine may run
# other people's minerlab runs: those are not this test's business.
descends() {
    local p=$1 i
    for ((i = 0; i < 64 && p > 1; i++)); do
        [[ $p == "$2" ]] && return 0
        p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null) || return 1
        [[ -n $p ]] || return 1
    done
    return 1
}
scan() {
    local f p
    while [[ ! -e $WORK/stop ]]; do
        for f in $(grep -l -a -F -f "$WORK/pattern" /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null); do
            p=${f#/proc/}
            p=${p%%/*}
            descends "$p" "$1" || continue
            printf '%s %s %s\n' "$p" "${f##*/}" "$(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | cut -c1-120)"
        done
        sleep 0.05
    done >"$WORK/holders"
}
"$MINERLAB" run wallet-binary wallet-fileless wallet-benign --scenarios "$DATA/scenarios" \
    --gap 0.5 --grace 1 --warmup 0.5 --quiet --out "$out" \
    --detector "good=sh $DATA/bin/gooddet.sh" >"$WORK/stdout" 2>"$WORK/stderr" &
HPID=$!
scan "$HPID" &
spid=$!
rc=0
wait "$HPID" || rc=$?
HPID=
touch "$WORK/stop"
wait "$spid"
((rc == 0)) || { cat "$WORK/stderr"; fail "run failed"; }
python3 - "$out" "$WORK/holders" <<'PY'
import json, sys
out, holders = sys.argv[1], sys.argv[2]
found = {"fork", "child", "group", "adopted", "launcher"}
procs, allowed, ran = {}, set(), set()
for line in open(out + "/timeline.jsonl"):
    e = json.loads(line)
    if e.get("event") == "scenario_end" and e.get("status") == "ran":
        ran.add(e["scenario"])
    if e.get("event") != "pid" or not e.get("scenario", "").startswith("wallet-"):
        continue
    p = procs.setdefault((e["scenario"], e["pid"]), {"ppid": 0, "announced": False})
    p["ppid"] = e.get("ppid") or p["ppid"]
    p["announced"] |= e.get("role") not in found
assert ran >= {"wallet-binary", "wallet-fileless", "wallet-benign"}, ran
# The miners: announced pids of the malicious scenarios and their descendants.
for (scen, pid), p in procs.items():
    if scen != "wallet-benign" and p["announced"]:
        allowed.add(pid)
grew = True
while grew:
    grew = False
    for (scen, pid), p in procs.items():
        if scen != "wallet-benign" and pid not in allowed and p["ppid"] in allowed:
            allowed.add(pid); grew = True
seen = [l.split(" ", 2) for l in open(holders).read().splitlines()]
held = {int(s[0]) for s in seen}
assert held & allowed, f"the scan never saw the wallet in a miner: {seen[:5]}"
bad = [s for s in seen if int(s[0]) not in allowed]
assert not bad, "the lab wallet is in processes that should not hold it: %s" % bad[:10]
print(f"wallet only in the miners: {sorted(held)} ({len(seen)} sightings)")
PY
[[ -z $(marked_pids) ]] || fail "workload processes left: $(marked_pids)"
echo "wallet scan OK"
