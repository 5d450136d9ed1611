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
leftovers=0
say_left() { echo "LEFT ($1): $2" >&2; leftovers=$((leftovers + 1)); }

check_run() { # RUN_DIR STATE_COPY LABID CGROUP
    local out=$1 state=$2 id=$3 cg=$4 p k v
    for _ in $(seq 1 300); do # the watchdog's sweep removes the state file last
        [[ -e /run/minerlab/run-$id.state ]] || break
        sleep 0.1
    done
    [[ -e /run/minerlab/run-$id.state ]] && say_left state "/run/minerlab/run-$id.state"
    # A killed process may stay a zombie until its new parent reaps it: give
    # that 5 s before counting what is still in the run's cgroups.
    for _ in $(seq 1 50); do
        [[ -z $(grep -l -- "run-$id" /proc/[0-9]*/cgroup 2>/dev/null) ]] && break
        sleep 0.1
    done
    for p in $(grep -l -- "run-$id" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); do
        say_left process "$p $(ps -o stat=,ppid=,comm= -p "$p" 2>/dev/null) $(cat /proc/$p/cgroup 2>/dev/null | grep run-)"
    done
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/cwd" 2>/dev/null) == "$out"/* ]] &&
            say_left process "${p#/proc/} (cwd in the run) $(tr '\0' ' ' <"$p/cmdline")"
    done
    ip netns list 2>/dev/null | grep -qw "mlab-$id" && say_left netns "mlab-$id"
    ip netns list 2>/dev/null | grep -qw "mlinet-$id" && say_left netns "mlinet-$id"
    ip netns list 2>/dev/null | grep -q "^mlfl-$id-" &&
        say_left netns "$(ip netns list | grep "^mlfl-$id-" | paste -sd' ')"
    pgrep -f "mlinet-$id\.dnsmasq\.pid" >/dev/null && say_left process "dnsmasq of mlinet-$id"
    ip -o link show 2>/dev/null | grep -q "alias mlab-$id" && say_left veth "alias mlab-$id"
    grep -q -- "mlab-$id\|$out" /proc/mounts && say_left mount "$(grep -- "mlab-$id\|$out" /proc/mounts)"
    [[ -n $cg && -d $cg ]] && say_left cgroup "$cg"
    while read -r k v; do
        case $k in
        cgroup) [[ -d $v ]] && say_left cgroup "$v" ;;
        sandbox) [[ -e $v ]] && say_left sandbox "$v" ;;
        netns) ip netns list 2>/dev/null | grep -qw -- "$v" && say_left netns "$v" ;;
        tmp) [[ -e $v ]] && say_left tmp "$v" ;;
        esac
    done <"$state"
    [[ -n $(find "$out" -name '*.tmp' 2>/dev/null) ]] && say_left tmp "$(find "$out" -name '*.tmp')"
    [[ -n $(find "$out/scenarios" -maxdepth 2 -name sandbox 2>/dev/null) ]] &&
        say_left sandbox "$(find "$out/scenarios" -maxdepth 2 -name sandbox)"
    return 0
}

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
