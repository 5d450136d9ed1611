#!/usr/bin/env bash
# SIGINT (and SIGTERM) of the harness in the middle of a scenario: every child,
# including one that detached into its own session, is gone within 2 s, and a
# partial report exists.
. "$(dirname "$0")/lib.sh"
for sig in INT TERM; do
    out=$WORK/run-$sig
    "$MINERLAB" run fake-escape "${fast_flags[@]}" --out "$out" \
        --detector "good=sh $DATA/bin/gooddet.sh" >"$WORK/stdout" 2>"$WORK/stderr" &
    HPID=$!
    wait_for "$out/timeline.jsonl" 10 '"event":"scenario_start"' || fail "scenario never started"
    sleep 1.5 # let the escapee detach and the tree scan see it
    [[ -n $(marked_pids) ]] || fail "workload not running before the signal"
    t0=$(date +%s%N)
    kill -"$sig" "$HPID"
    rc=0
    wait "$HPID" || rc=$?
    HPID=
    sleep 0.1
    left=$(marked_pids)
    ms=$((($(date +%s%N) - t0) / 1000000))
    [[ -z $left ]] || fail "SIG$sig: processes left after ${ms} ms: $left"
    ((ms < 2000)) || fail "SIG$sig: harness took ${ms} ms to stop"
    [[ $rc -eq 130 ]] || fail "SIG$sig: exit status $rc, expected 130"
    [[ -s $out/report.json && -s $out/report.html ]] || fail "SIG$sig: no partial report"
    grep -q '"interrupted": true' "$out/run.json" || fail "SIG$sig: run.json not marked"
    grep -q '"status": "interrupted"' "$out/report.json" || fail "SIG$sig: scenario status"
    echo "SIG$sig: stopped in ${ms} ms, partial report written"
done
