#!/usr/bin/env bash
# SIGKILL of the harness: no child (launcher, workload, detached escapee,
# detector; all carry the test's marker) is alive 2 s later. The run dir
# stays readable.
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
"$MINERLAB" report "$out" --quiet || fail "the killed run's directory cannot be scored"
echo "SIGKILL: nothing left after 2 s; killed run re-scored"
