#!/usr/bin/env bash
# The benign launcher's shell must hold no miner text (issue 11). Every fork
# of benign.sh (the poll loop's `sleep`, the `sh -c` before it execs) is a
# copy of its memory; in a soak those forks count as the benign workload, so
# a memory scanner that matched lib.sh's miner flags in them was charged a
# false alarm the lab made. This scans a running benign.sh with the lab's
# own YARA rules and wants no match; as a control, it first scans a shell
# that sourced minerlib.sh and wants miner_xmrig_strings there, so that a
# scanner that cannot read a shell's heap fails the test instead of passing
# it. 77 = yara is not installed.
set -euo pipefail
SRC=${ML_SOURCE_DIR:?}
RULES=$SRC/detectors-under-test/yara/miner-memory.yar
command -v yara >/dev/null || { echo "yara not installed" >&2; exit 77; }
work=$(mktemp -d /tmp/ml-benign-clean.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -- "-$p" "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# scan PID: the names of the rules that match, one per line.
scan() { yara -w "$RULES" "$1" 2>/dev/null | awk '{print $1}' | sort -u; }

# Waits until pid $1 runs a script, so its functions are defined.
settle() {
    local i
    for i in $(seq 50); do
        [[ -e /proc/$1 ]] || { echo "pid $1 died" >&2; exit 1; }
        sleep 0.1
        ((i >= 10)) && return 0
    done
}

# Control: a shell with the miner helpers loaded.
# shellcheck disable=SC2016  # $1 is the inner shell's
setsid bash -c '. "$1/harness/launch/minerlib.sh"; sleep 20; :' ctl "$SRC" &
pids+=($!)
settle "${pids[0]}"
ctl=$(scan "${pids[0]}")
[[ $ctl == *miner_xmrig_strings* ]] || {
    echo "FAIL: control shell with minerlib.sh: yara matched '${ctl//$'\n'/ }'," \
        "expected miner_xmrig_strings (cannot read a shell's memory?)" >&2
    exit 1
}

# The benign launcher, as a run or a soak starts it (no secrets on stdin).
ML_SANDBOX=$work ML_DURATION=15 ML_COMMAND='sleep 30' \
    setsid bash "$SRC/harness/launch/benign.sh" start >/dev/null 2>"$work/err" </dev/null &
pids+=($!)
settle "${pids[1]}"
got=$(scan "${pids[1]}")
if [[ -n $got ]]; then
    echo "FAIL: benign.sh's shell matches the lab's miner rules: ${got//$'\n'/ }" >&2
    exit 1
fi
echo "benign launcher clean: control matched '${ctl//$'\n'/ }'; benign.sh matched none"
