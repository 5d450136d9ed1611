#!/usr/bin/env bash
# The benign GPU compute job (scenarios/benign/benign-gpu-compute.yaml).
# Without an NVIDIA GPU (no /dev/nvidiactl, the usual case): a harness run
# lists it as skipped with that reason, and the launcher's later checks
# (no CUDA tools in the build, no device answering the probe) skip with
# theirs. With a GPU and a CUDA build: it runs, and the job's own check of
# its result against the CPU passes.
set -euo pipefail
SRC=${ML_SOURCE_DIR:?set by ctest}
BIN=${ML_BIN_DIR:?set by ctest}
WORK=$(mktemp -d /tmp/ml-gpu-compute.XXXXXX)
HPID=
cleanup() {
    [[ -n $HPID ]] && kill -KILL "$HPID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
L=$SRC/harness/launch/gpu-compute.sh
TOOL=$BIN/minerlab-gpu-matmul
checks=0

# 1. The whole run: skipped with the reason, or run and verified.
"$BIN/minerlab" run benign-gpu-compute --scenarios "$SRC/scenarios" \
    --launch-dir "$SRC/harness/launch" --detector cpu-threshold --pool-ports random \
    --warmup 0.5 --gap 0.5 --grace 0.5 --quiet --out "$WORK/run" >"$WORK/h.log" 2>&1 &
HPID=$!
wait "$HPID" || fail "minerlab run exited $?: $(tail -3 "$WORK/h.log")"
HPID=
end=$(grep '"event":"scenario_end"' "$WORK/run/timeline.jsonl" | grep benign-gpu-compute) ||
    fail "no scenario_end for benign-gpu-compute"
if [[ ! -e /dev/nvidiactl ]]; then
    [[ $end == *'"status":"skipped"'* && $end == *'no NVIDIA GPU (/dev/nvidiactl does not exist)'* ]] ||
        fail "without /dev/nvidiactl: $end"
    echo "ok: no GPU here: the run lists benign-gpu-compute as skipped: no NVIDIA GPU (/dev/nvidiactl does not exist)"
elif [[ ! -x $TOOL ]] || ! "$TOOL" --probe >/dev/null 2>&1; then
    [[ $end == *'"status":"skipped"'* && $end == *'no '*'CUDA'* ]] || fail "GPU node but no CUDA: $end"
    echo "ok: /dev/nvidiactl exists but CUDA cannot be used: skipped with the reason"
else
    [[ $end != *'"status":"skipped"'* && $end != *'"status":"failed"'* ]] || fail "with a GPU: $end"
    grep -q '"job":"sgemm".*"verified":true' "$WORK/run/scenarios/benign-gpu-compute/launcher.stderr" ||
        fail "no verified sgemm result: $(tail -3 "$WORK/run/scenarios/benign-gpu-compute/launcher.stderr")"
    echo "ok: the GPU job ran: $(grep -m1 '"job":"sgemm"' "$WORK/run/scenarios/benign-gpu-compute/launcher.stderr")"
fi
checks=$((checks + 1))

# 2. The launcher's checks past the device node (an existing file stands in
# for it): a build without the tool, then the real tool's probe.
mkdir "$WORK/emptybin"
rc=0
msg=$(ML_NVIDIACTL=/dev/null ML_BIN_DIR=$WORK/emptybin ML_MINER=$WORK/emptybin/minerlab-miner \
    bash "$L" check 2>&1) || rc=$?
[[ $rc == 77 && $msg == *"no CUDA tools"* ]] || fail "check without the tool: rc $rc '$msg'"
checks=$((checks + 1))
if [[ -x $TOOL ]]; then
    rc=0
    "$TOOL" --seconds 0 >/dev/null 2>&1 || rc=$?
    [[ $rc == 2 ]] || fail "--seconds 0 exited $rc, want 2 (usage)"
    checks=$((checks + 1))
    if ! "$TOOL" --probe >/dev/null 2>&1; then
        rc=0
        "$TOOL" --probe >/dev/null 2>"$WORK/probe.err" || rc=$?
        [[ $rc == 3 && -s $WORK/probe.err ]] || fail "probe without a device: rc $rc"
        rc=0
        msg=$(ML_NVIDIACTL=/dev/null ML_BIN_DIR=$BIN bash "$L" check 2>&1) || rc=$?
        [[ $rc == 77 && $msg == *"no NVIDIA GPU usable by CUDA"*"exit 3"* ]] ||
            fail "check with a failing probe: rc $rc '$msg'"
        checks=$((checks + 2))
        echo "ok: minerlab-gpu-matmul built; its probe finds no device ($(head -1 "$WORK/probe.err")); check skips"
    fi
else
    echo "note: this build has no minerlab-gpu-matmul (no nvcc): probe not checked"
fi
echo "gpu_compute: $checks checks passed"
