#!/usr/bin/env bash
# gpu-compute.sh — the benign GPU job (scenarios/benign/benign-gpu-compute.yaml):
# the scenario's command (minerlab-gpu-matmul, a CUDA matrix-multiply loop,
# nothing of RandomX) run for the window by benign.sh. It needs an NVIDIA GPU
# and a build made with nvcc: check exits 77 with the reason when either is
# missing (the usual case in CI), so the run lists it as skipped.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ml_check() {
    local tool rc=0
    [[ -e ${ML_NVIDIACTL:-/dev/nvidiactl} ]] ||
        ml_skip "no NVIDIA GPU (${ML_NVIDIACTL:-/dev/nvidiactl} does not exist)"
    tool=$(ml_helper minerlab-gpu-matmul) ||
        ml_skip "this minerlab build has no CUDA tools (nvcc was not found at build time)"
    "$tool" --probe >/dev/null 2>&1 || rc=$?
    [[ $rc -eq 0 ]] || ml_skip "no NVIDIA GPU usable by CUDA (minerlab-gpu-matmul --probe exit $rc)"
}

ml_start() {
    # ml_main took ML_* out of the environment; benign.sh needs them back.
    export ML_SANDBOX ML_DURATION ML_COMMAND ML_BIN_DIR ML_SOURCE_DIR ML_MINER \
        ML_SCENARIO_ID ML_STATE_FILE
    exec bash "$ML_LAUNCH_DIR/benign.sh" start
}

ml_main "$@"
