#!/usr/bin/env bash
# Chaos: SIGKILL of the harness at N random moments of a real run (a cloud
# scenario on the lab link, a fleet of 3 hosts behind a NAT gateway
# namespace, a fileless one and a headless-Chromium one), one
# time the harness alone, the next its whole process group. After each kill:
# no process, network namespace (the fleet's too), veth, cgroup, mount, sandbox or temporary
# file of that run is left (the watchdog swept it). Then a new run works.
# usage: chaos.sh [N] [MAX_KILL_S]   (CI: 3 kills; the slow variant: 20)
. "$(dirname "$0")/lib.sh"
N=${1:-3}
# Kill moments are drawn from 0.2..MAX_S s after run_start. The three
# scenarios take about 66 s on an idle 2-core machine, the fleet 17 s more
# (longer when loaded):
# MAX_S stays well inside that, or a quiet machine finishes the run before
# the kill and nothing is tested.
MAX_S=${2:-45}
[[ $(id -u) -eq 0 ]] || { echo "SKIP: chaos needs root (netns, cgroups)"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: no iproute2"; exit 77; }
SCEN=(cloud-tcp-d10 fleet-tcp-d10-h3 fileless-tcp-d10 browser-chromium-d10)
flags=(--scenarios "$ML_SOURCE_DIR/scenarios" --launch-dir "$ML_SOURCE_DIR/harness/launch"
       --detector cpu-threshold --pool-ports random --warmup 1 --gap 1 --grace 1 --quiet)
. "$(dirname "$0")/leftovers.sh"

for i in $(seq 1 "$N"); do
    out=$WORK/run$i
    mode=harness
    ((i % 2 == 0)) && mode=group
    # Its own session and process group, like a CI job: the group kill below
    # reaches the harness and nothing else of this test.
    setsid "$MINERLAB" run "${SCEN[@]}" "${flags[@]}" --out "$out" >"$WORK/h$i.log" 2>&1 &
    HPID=$!
    wait_for "$out/timeline.jsonl" 30 '"event":"run_start"' || fail "run $i never started"
    start=$(grep -m1 '"event":"run_start"' "$out/timeline.jsonl")
    state=$(sed -n 's/.*"state":"\([^"]*\)".*/\1/p' <<<"$start")
    cg=$(sed -n 's/.*"cgroup":"\([^"]*\)".*/\1/p' <<<"$start")
    id=$(basename "$state" .state)
    id=${id#run-}
    [[ -n $id && -f $state ]] || fail "run $i: no state file in run_start: $start"
    at=$(awk -v s="$RANDOM" -v m="$MAX_S" 'BEGIN { srand(s); printf "%.1f", 0.2 + rand() * m }')
    sleep "$at"
    cp "$state" "$WORK/state$i" 2>/dev/null || : >"$WORK/state$i"
    phase=$(tail -1 "$out/timeline.jsonl" | sed -n 's/.*"event":"\([^"]*\)".*/\1/p' || true)
    started=$(grep '"event":"scenario_start"' "$out/timeline.jsonl" |
        grep -o '"\(cloud\|fleet\|fileless\|browser\)[^"]*"' | tr -d '"' | paste -sd, - || true)
    lab=$(grep -c '"event":"labnet_up","status":0\|"event":"labnet_up".*"status":0' "$out/timeline.jsonl" || true)
    kill -0 "$HPID" 2>/dev/null ||
        fail "run $i ended before its kill at ${at}s (MAX_S $MAX_S is too long for it)"
    if [[ $mode == group ]]; then kill -KILL -- "-$HPID"; else kill -KILL "$HPID"; fi
    wait "$HPID" 2>/dev/null || true
    HPID=
    before=$leftovers
    check_run "$out" "$WORK/state$i" "$id" "$cg"
    echo "kill $i: SIGKILL of the $mode at ${at}s (lab link up: $lab; started: ${started:-none}; last event: $phase): $((leftovers - before)) leftovers"
done

# The next run works (and sweeps nothing: there is nothing left to sweep).
"$MINERLAB" run fileless-tcp-d10 "${flags[@]}" --out "$WORK/after" >"$WORK/after.log" 2>&1 ||
    [[ $? -eq 1 ]] || { cat "$WORK/after.log" >&2; fail "the run after the kills failed"; }
[[ -s $WORK/after/report.json ]] || fail "the run after the kills wrote no report"
grep -q '"status":"ran"' "$WORK/after/timeline.jsonl" || fail "the run after the kills did not run its scenario"
check_run "$WORK/after" /dev/null x ""
echo "chaos: $N kills, $leftovers leftovers; the next run worked"
[[ $leftovers -eq 0 ]] || fail "$leftovers leftovers"
