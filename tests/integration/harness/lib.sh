# Shared by the harness integration tests: paths, a private work dir, and a
# check that no process carrying this test's marker is left.
set -euo pipefail
: "${ML_BIN_DIR:?set by ctest}" "${ML_SOURCE_DIR:?set by ctest}"
MINERLAB=$ML_BIN_DIR/minerlab
DATA=$ML_SOURCE_DIR/tests/data/harness
WORK=$(mktemp -d /tmp/ml-harness-it.XXXXXX)
export ML_TEST_MARKER="ml-harness-it-$$-$RANDOM"
HPID=

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Processes whose command line carries the marker (our workloads only). One
# grep over all cmdlines: forking per process is too slow on a busy machine.
# The pattern "m[l]-harness..." matches the marker but not grep's own argv.
marked_pids() {
    grep -l -a -- "${ML_TEST_MARKER:0:1}[${ML_TEST_MARKER:1:1}]${ML_TEST_MARKER:2}" \
        /proc/[0-9]*/cmdline 2>/dev/null | sed 's|^/proc/||; s|/cmdline$||' || true
}

cleanup() {
    set +e # a failed kill must not stop the clean-up (errexit applies in traps)
    [[ -n $HPID ]] && kill -KILL "$HPID" 2>/dev/null
    local p
    for p in $(marked_pids); do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# The common flags of a fast run on fake pool and detectors.
fast_flags=(--scenarios "$DATA/scenarios" --launch-dir "$DATA/launch"
            --pool "$DATA/bin/fakepool.sh" --gap 0.5 --grace 1 --warmup 0.5 --quiet
            --order listed)

# Waits up to $2 seconds for file $1 to contain $3.
wait_for() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        grep -q -- "$3" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
