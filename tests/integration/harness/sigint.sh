#!/usr/bin/env bash
# SIGINT (and SIGTERM) of the harness in the middle of a scenario: every child,
# including one that detached into its own session, is gone within 2 s, and a
# partial report exists.
. "$(dirname "$0")/lib.sh"
for sig in INT TERM; do
    out=$WORK/run-$sig
    "$MINERLAB" run fake-escape "${fast_flags[@]}" --out "$out" \
        --detector "good=sh $DATA/bin/gooddet.sh $ML_TEST_MARKER-det" >"$WORK/stdout" \
        2>"$WORK/stderr" &
    HPID=$!
    wait_for "$out/timeline.jsonl" 10 '"event":"scenario_start"' || fail "scenario never started"
    sleep 1.5 # let the escapee detach and the tree scan see it
    [[ -n $(marked_pids) ]] || fail "workload not running before the signal"
    t0=$(date +%s%N)
    kill -"$sig" "$HPID"
    # The spec: every child gone within 2 s of the signal (the harness may
    # take longer to exit: it still scores and writes the partial report).
    ms=0
    while [[ -n $(marked_pids) ]] && ((ms < 2000)); do
        sleep 0.05
        ms=$((($(date +%s%N) - t0) / 1000000))
    done
    left=$(marked_pids)
    ms=$((($(date +%s%N) - t0) / 1000000))
    [[ -z $left ]] || fail "SIG$sig: processes left after ${ms} ms: $left"
    rc=0
    wait "$HPID" || rc=$?
    HPID=
    exit_ms=$((($(date +%s%N) - t0) / 1000000))
    ((exit_ms < 10000)) || fail "SIG$sig: harness took ${exit_ms} ms to exit"
    [[ $rc -eq 130 ]] || fail "SIG$sig: exit status $rc, expected 130"
    [[ -s $out/report.json && -s $out/report.html ]] || fail "SIG$sig: no partial report"
    grep -q '"interrupted": true' "$out/run.json" || fail "SIG$sig: run.json not marked"
    grep -q '"status": "interrupted"' "$out/report.json" || fail "SIG$sig: scenario status"
    echo "SIG$sig: children gone in ${ms} ms, harness exited in ${exit_ms} ms, partial report written"
done
