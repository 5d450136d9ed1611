#!/usr/bin/env bash
# benign.sh — the honest negatives: runs $ML_COMMAND with `sh -c` in the
# sandbox for the window, restarting it whenever it ends early, so the load
# fills the window like a miner's would.  The command's stdout goes to
# stderr (stdout is reserved for ML-PID lines).  Commands may use
# $ML_LAUNCH_DIR/benign/* helpers and the variables ML_SANDBOX, ML_DURATION,
# ML_SOURCE_DIR, ML_BIN_DIR (exported), plus ML_REMAINING (seconds left),
# and, when the run has a lab internet, ML_INET_NETNS and ML_INET_WEB (its
# namespace and the lab web host's address) so that network services can
# run there and be reached over the uplink the network detectors watch.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ml_check() {
    [[ -n ${ML_COMMAND:-} ]] || return 0
    # Commands name their tools first; skip when one is missing.
    local tool
    for tool in ${ML_REQUIRE_TOOLS:-}; do
        command -v "$tool" >/dev/null || ml_skip "$tool not installed"
    done
}

ml_start() {
    local deadline rc pid runs=0 failures=0
    ml_need_env ML_SANDBOX ML_DURATION ML_COMMAND
    cd "$ML_SANDBOX"
    export ML_LAUNCH_DIR ML_SANDBOX ML_DURATION ML_SOURCE_DIR ML_BIN_DIR
    if [[ -n ${ML_INET_NETNS:-} && -n ${ML_INET_WEB:-} ]]; then
        export ML_INET_NETNS ML_INET_WEB
    fi
    deadline=$((SECONDS + ML_DURATION))
    while ((SECONDS < deadline)); do
        ML_REMAINING=$((deadline - SECONDS)) sh -c "$ML_COMMAND" >&2 &
        pid=$!
        ML_CHILD_PIDS=("$pid")
        ml_announce "$pid" workload
        runs=$((runs + 1))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            # The window is over: stop the command and what it started.
            ml_stop_tree "$pid"
            wait "$pid" 2>/dev/null || true
            break
        fi
        rc=0
        wait "$pid" || rc=$?
        if ((rc != 0)); then
            failures=$((failures + 1))
            # A command that keeps failing at once is broken, not a workload.
            if ((failures >= 3 && runs == failures)); then
                ml_die "command failed $failures times (status $rc): $ML_COMMAND"
            fi
        fi
    done
    ml_log "ran the command $runs time(s) over ${ML_DURATION} s"
}

ml_main "$@"
