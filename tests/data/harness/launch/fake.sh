#!/bin/sh
# Test launcher for the harness's own tests (launcher contract, no real miner).
# The workload is a sleep loop whose argv carries ML_TEST_MARKER so tests can
# find leftovers; fake-escape also detaches a child into its own session.
marker=${ML_TEST_MARKER:-ml-harness-test}
case "$1" in
check)
    if [ "$ML_SCENARIO_ID" = fake-skip ]; then
        echo "fake-skip: this machine has no flux capacitor" >&2
        exit 77
    fi
    exit 0 ;;
start)
    if [ "$ML_SCENARIO_ID" = fake-fail ]; then
        echo "minerlab-miner: exited at once: cannot load its config" >&2
        exit 1
    fi
    sh -c 'while :; do sleep 0.2; done' "$marker-work" &
    echo "ML-PID $! miner"
    if [ "$ML_SCENARIO_ID" = fake-escape ]; then
        setsid sh -c 'while :; do sleep 0.2; done' "$marker-escaped" </dev/null >/dev/null 2>&1 &
    fi
    if [ "$ML_SCENARIO_ID" = fake-burst ]; then
        # 50 short-lived processes (10 ms each), one at a time; each pid to
        # stderr so the test can look for every one in the tree.
        i=0
        while [ $i -lt 50 ]; do
            sleep 0.01 &
            echo "burst-pid $!" >&2
            wait $!
            i=$((i + 1))
        done
    fi
    echo "fake launcher: running $ML_SCENARIO_ID for $ML_DURATION s in $PWD" >&2
    sleep "$ML_DURATION"
    kill $! 2>/dev/null
    exit 0 ;;
cleanup)
    exit 0 ;;
*)
    echo "usage: fake.sh check|start|cleanup" >&2
    exit 2 ;;
esac
