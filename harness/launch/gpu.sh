#!/usr/bin/env bash
# gpu.sh — the GPU-style miner scenarios: minerlab-miner with the CUDA
# backend (one quiet feeder thread on the CPU, the GPU busy, 2 GiB of device
# memory) started the binary way (renamed, config on disk, sandboxed
# persistence artifacts: binary.sh) or the cloud way (own namespaces and a
# CPU-quota cgroup over the lab veth link: cloud.sh). The variant follows
# the scenario id: gpu-cloud-* is the cloud one, anything else the binary one.
#
# It delegates to those launchers with ML_MINER pointing at a small wrapper
# in the sandbox that execs the real miner with `--backend cuda` appended
# (exec: same pid, so the harness's process tree is unchanged).
#
# check exits 77 "no NVIDIA GPU ..." on machines without one (the usual case
# in CI), or when this build has no CUDA backend.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=minerlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/minerlib.sh"

gpu_variant() {
    case "${ML_SCENARIO_ID:-}" in
    gpu-cloud-*) echo cloud ;;
    *) echo binary ;;
    esac
}

ml_check() {
    local check out rc=0
    command -v nvidia-smi >/dev/null 2>&1 ||
        ml_skip "no NVIDIA GPU (nvidia-smi not installed)"
    out=$(nvidia-smi -L 2>/dev/null) || ml_skip "no NVIDIA GPU (nvidia-smi cannot reach a driver)"
    grep -q '^GPU ' <<<"$out" || ml_skip "no NVIDIA GPU (nvidia-smi lists none)"
    check=$(ml_helper minerlab-cuda-check) ||
        ml_skip "this minerlab build has no CUDA backend (nvcc was not found at build time)"
    "$check" info >/dev/null 2>&1 || rc=$?
    [[ $rc -eq 0 ]] || ml_skip "no NVIDIA GPU usable by CUDA (minerlab-cuda-check info exit $rc)"
    ml_check_miner
    if [[ $(gpu_variant) == cloud ]]; then
        bash "$ML_LAUNCH_DIR/cloud.sh" check
    fi
}

ml_start() {
    local real wrapper
    ml_need_env ML_SANDBOX
    real=$(ml_find_miner)
    wrapper=$ML_SANDBOX/.gpu-miner-wrapper
    # The wrapper is copied (binary.sh) or run in place (cloud.sh); either
    # way it replaces itself with the real miner.
    cat >"$wrapper" <<WRAP
#!/bin/sh
exec "$real" "\$@" --backend cuda
WRAP
    chmod 0755 "$wrapper"
    export ML_MINER=$wrapper
    # A GPU container keeps its vCPUs: the CUDA backend builds the 2 GiB
    # dataset on all cores before the GPU starts (a 0.9-core quota would
    # spend the whole window there).
    export ML_CPU_QUOTA_PCT=${ML_CPU_QUOTA_PCT:-$((100 * $(nproc)))}
    exec bash "$ML_LAUNCH_DIR/$(gpu_variant).sh" start
}

ml_launcher_cleanup() {
    if [[ $(gpu_variant) == cloud ]]; then
        bash "$ML_LAUNCH_DIR/cloud.sh" cleanup
    fi
    return 0
}

ml_main "$@"
