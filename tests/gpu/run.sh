#!/usr/bin/env bash
# tests/gpu/run.sh — the GPU checks of issue 7, for ONE run on a lent GPU
# machine (budget: ~8 minutes of its 15). Prints one JSON object on stdout
# (also written to $OUT/gpu-results.json when $OUT is set) and exits 0 when
# every check passed, 1 otherwise, 77 when there is no NVIDIA GPU.
#
#   tests/gpu/run.sh [--prebuilt BIN_DIR] [--quick]
#
# Steps, each under its own timeout and all under one budget (BUDGET_S,
# default 560 s; a step that would not fit is reported as skipped):
#   build    cmake + build with CUDA (Release, all cores)      <= 200 s
#   info     the GPU (minerlab-cuda-check info)                <=  20 s
#   vectors  the five RandomX vectors on the GPU               <=  75 s
#   dataset  the dataset built on the GPU from our own cache    <=  60 s
#            vs librandomx's CPU dataset, all 34 M items
#   random   10,000 random nonces, GPU vs CPU hash by hash,     <= 160 s
#            GPU hash rate and the CPU's rate with all cores    (launches stop at 110 s)
#   cpubench minerlab-miner --bench-seconds 15 (CPU backend,    <=  60 s
#            fast mode, all cores) for the CPU figure
#   duty     CUDA backend at 30 % and 70 %: kernel-time duty,   <= 110 s
#            nvidia-smi utilisation, feeder thread CPU use
#   mine     minerlab-miner --backend cuda against              <=  85 s
#            minerlab-pool: accepted shares, no mismatch (with the
#            GPU-built dataset when the dataset step passed)
# --quick: 2,000 random nonces, 10 s duty phases, 30 s of mining.
# MINERLAB_CUDA_BATCH=N overrides the hashes per launch (default 64 per SM).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RES=${OUT:-$(mktemp -d)}
mkdir -p "$RES"
BIN=""
QUICK=0
while [[ $# -gt 0 ]]; do
    case "$1" in
    --prebuilt) BIN=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    *) echo "usage: tests/gpu/run.sh [--prebuilt BIN_DIR] [--quick]" >&2; exit 2 ;;
    esac
done
NPROC=$(nproc)
T0=$(date +%s)
BUDGET_S=${BUDGET_S:-560}
declare -A STEP_RC
STEPS=()
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.5
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT

# step NAME TIMEOUT CMD...: runs CMD with stdout to $RES/NAME.json, stderr to
# $RES/NAME.err; a step that prints no JSON gets an error object.
step() {
    local name=$1 limit=$2 rc left
    shift 2
    STEPS+=("$name")
    # One global budget (BUDGET_S, default 560 s: under the 10-minute limit
    # of one device command); a step gets what is left of it at most.
    left=$((T0 + BUDGET_S - $(date +%s) - 10))
    if [[ $left -lt 15 ]]; then
        STEP_RC[$name]=124
        echo '{"error": "skipped: the run is out of its time budget", "rc": 124}' >"$RES/$name.json"
        echo "== $name skipped (budget)" >&2
        return 124
    fi
    [[ $limit -gt $left ]] && limit=$left
    echo "== $name (<= ${limit}s): $*" >&2
    timeout -k 5 "$limit" "$@" >"$RES/$name.json" 2>"$RES/$name.err"
    rc=$?
    STEP_RC[$name]=$rc
    if ! grep -q '{' "$RES/$name.json" 2>/dev/null; then
        printf '{"error": "%s", "rc": %d}\n' \
            "$(tail -n 3 "$RES/$name.err" | tr '"\\\n\t' "'/  " | cut -c1-400)" "$rc" \
            >"$RES/$name.json"
    fi
    echo "   rc=$rc" >&2
    return $rc
}

emit() {
    local first=1 name ok=1
    {
        printf '{\n  "machine": {"nproc": %d, "host": "%s", "kernel": "%s"},\n' \
            "$NPROC" "$(hostname)" "$(uname -r)"
        printf '  "total_s": %d,\n' "$(($(date +%s) - T0))"
        for name in "${STEPS[@]}"; do
            [[ $first -eq 1 ]] || printf ',\n'
            first=0
            printf '  "%s": {"rc": %d, "result": ' "$name" "${STEP_RC[$name]}"
            cat "$RES/$name.json"
            printf '}'
            [[ ${STEP_RC[$name]} -eq 0 ]] || ok=0
        done
        printf ',\n  "ok": %s\n}\n' "$([[ $ok -eq 1 ]] && echo true || echo false)"
    } >"$RES/gpu-results.json"
    cat "$RES/gpu-results.json"
    [[ $ok -eq 1 ]]
}

# ---------------------------------------------------------------- build --
if [[ -z $BIN ]]; then
    build_cmd() {
        cmake -S "$ROOT" -B "$ROOT/build-gpurun" -DCMAKE_BUILD_TYPE=Release \
            -DMINERLAB_CUDA=ON >&2 &&
            cmake --build "$ROOT/build-gpurun" -j"$NPROC" --target minerlab-cuda-check \
                minerlab-miner minerlab-pool >&2 &&
            printf '{"built": true, "dir": "%s"}\n' "$ROOT/build-gpurun/bin"
    }
    export -f build_cmd
    export ROOT NPROC
    step build 200 bash -c build_cmd || { emit; exit 1; }
    BIN=$ROOT/build-gpurun/bin
fi
CHECK=$BIN/minerlab-cuda-check

# ----------------------------------------------------------------- info --
step info 20 "$CHECK" info
if [[ ${STEP_RC[info]} -eq 77 ]]; then
    emit
    echo "no NVIDIA GPU" >&2
    exit 77
fi

# ------------------------------------------------------- bit-exactness --
NRAND=10000
DUTY_S=15
MINE_S=45
if [[ $QUICK -eq 1 ]]; then NRAND=2000; DUTY_S=10; MINE_S=30; fi
step vectors 75 "$CHECK" vectors
step dataset 60 "$CHECK" dataset
step random 160 "$CHECK" random -n "$NRAND" -s 7 -t 110

# ------------------------------------------------------------ CPU rate --
step cpubench 60 "$BIN/minerlab-miner" --bench-seconds 15 --json -t "$NPROC" --mode fast

# ----------------------------------------------------------------- duty --
step duty 110 "$CHECK" duty -p 30,70 -t "$DUTY_S"

# ----------------------------------------------------------------- mine --
mine() {
    local port="" ev=$RES/pool-events.jsonl acc rej mm
    "$BIN/minerlab-pool" --listen 127.0.0.1:0 --diff 2000 --events "$ev" \
        >"$RES/pool.out" 2>"$RES/pool.err" &
    PIDS+=($!)
    for _ in $(seq 1 50); do
        port=$(sed -n 's/^listening tcp 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$RES/pool.out" | head -n1)
        [[ -n $port ]] && break
        sleep 0.1
    done
    [[ -n $port ]] || { echo "pool did not start" >&2; return 1; }
    # MINE_BACKEND=cpu checks this step's plumbing on a machine without a GPU.
    # timeout: the miner has been seen to hang after "--max-duration reached".
    timeout -k 3 $((MINE_S + 15)) "$BIN/minerlab-miner" --backend "${MINE_BACKEND:-cuda}" \
        -o "stratum+tcp://127.0.0.1:$port" -u lab -p x --max-duration "$MINE_S" -v \
        >"$RES/miner.out" 2>"$RES/miner.err"
    local mrc=$? pp=${PIDS[-1]}
    # The pool gets 5 s to flush its events after SIGTERM, then SIGKILL.
    kill -TERM "$pp" 2>/dev/null
    for _ in $(seq 1 50); do
        kill -0 "$pp" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pp" 2>/dev/null
    wait "$pp" 2>/dev/null
    acc=$(grep '"share"' "$ev" | grep -c '"accepted": *true')
    rej=$(grep '"share"' "$ev" | grep -c '"accepted": *false')
    mm=$(grep -c "GPU hash differs" "$RES/miner.err")
    printf '{"miner_rc": %d, "accepted": %d, "rejected": %d, "gpu_cpu_mismatch_lines": %d, "seconds": %d, "dataset": "%s"}\n' \
        "$mrc" "$acc" "$rej" "$mm" "$MINE_S" "${MINERLAB_CUDA_DATASET:-cpu}"
    [[ $acc -gt 0 && $rej -eq 0 && $mm -eq 0 ]]
}
export -f mine
# When the GPU-built dataset matched librandomx's, mine with it (the CPU
# then keeps only the light cache): accepted shares prove that path too.
if [[ ${STEP_RC[dataset]:-1} -eq 0 && -z ${MINERLAB_CUDA_DATASET:-} ]]; then
    export MINERLAB_CUDA_DATASET=gpu
fi
export BIN RES MINE_S MINE_BACKEND
step mine $((MINE_S + 40)) bash -c mine

emit
