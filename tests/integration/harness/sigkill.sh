#!/usr/bin/env bash
# SIGKILL of the harness: no child (launcher, workload, detached escapee,
# detector; all carry the test's marker) is alive 2 s later, and the run's
# state file, cgroup and sandbox are gone. The run dir stays readable.
# (tests/integration/harness/chaos.sh adds the lab link, netns, mounts and
# random kill moments.)
. "$(dirname "$0")/lib.sh"
out=$WORK/run
"$MINERLAB" run fake-escape "${fast_flags[@]}" --out "$out" \
    --detector "good=sh $DATA/bin/gooddet.sh $ML_TEST_MARKER-det" >/dev/null 2>&1 &
HPID=$!
wait_for "$out/timeline.jsonl" 10 '"event":"scenario_start"' || fail "scenario never started"
sleep 1.5
[[ -n $(marked_pids) ]] || fail "workload not running before the kill"
kill -KILL "$HPID"
wait "$HPID" 2>/dev/null || true
HPID=
sleep 2
left=$(marked_pids)
[[ -z $left ]] || fail "alive 2 s after SIGKILL: $(for p in $left; do tr '\0' ' ' </proc/$p/cmdline; echo; done)"
# Beyond processes: the run's state file, cgroups and sandboxes are gone too
# (the watchdog's sweep; cgroups where this machine lets us make them).
start=$(grep -m1 '"event":"run_start"' "$out/timeline.jsonl")
state=$(sed -n 's/.*"state":"\([^"]*\)".*/\1/p' <<<"$start")
cg=$(sed -n 's/.*"cgroup":"\([^"]*\)".*/\1/p' <<<"$start")
for _ in $(seq 1 50); do
    [[ -n $state && -e $state ]] || [[ -n $cg && -d $cg ]] || break
    sleep 0.1
done
[[ -n $state ]] || fail "run_start names no state file"
[[ ! -e $state ]] || fail "state file left: $state"
[[ -z $cg || ! -d $cg ]] || fail "cgroup left: $cg"
[[ -z $(find "$out/scenarios" -maxdepth 2 -name sandbox) ]] || fail "sandbox left"
"$MINERLAB" report "$out" --quiet || fail "the killed run's directory cannot be scored"
echo "SIGKILL: nothing left after 2 s (processes, state, cgroup ${cg:-none}, sandbox); killed run re-scored"
