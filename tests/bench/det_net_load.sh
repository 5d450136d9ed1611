#!/usr/bin/env bash
# Keep-up benchmark for the network detectors: each detector captures on lo
# (default settings, no filter) while det_net_load pushes Stratum-like lines
# over loopback; prints packets seen, kernel drops and the detector's CPU.
#   tests/bench/det_net_load.sh BIN_DIR [SECONDS=20] [RATE=5000] [CONNS=100]
# DETS="stratum-dpi tshark" limits the run to some detectors; DET_ARGS adds
# options to each (DET_ARGS=--direct: tshark capturing itself, no ring).
# STOP_WAIT=3 stops each detector as the harness does: SIGTERM, then SIGKILL
# (of it and its children) after 3 s; unset, the script waits for its exit.
# LOAD=pool drives minerlab-pool with tests/bench/pool_load (RATE submits/s
# over CONNS logged-in sessions) instead of the built-in det_net_load.
set -euo pipefail
BIN=${1:?usage: det_net_load.sh BIN_DIR [SECONDS] [RATE] [CONNS]}
SECS=${2:-20} RATE=${3:-5000} CONNS=${4:-100}
OUT=$(mktemp -d)
DET_PID=
cleanup() {
    if [[ -n $DET_PID ]]; then kill "$DET_PID" 2>/dev/null || true; fi
    rm -rf "$OUT"
}
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks of a process and its children (tshark's work is in its child).
tree_ticks() {
    local t
    t=$(ticks "$1")
    for c in $(pgrep -P "$1" || true); do t=$((t + $(ticks "$c"))); done
    echo "$t"
}
printf '%-14s %9s %9s %9s %7s %7s\n' detector packets dropped ifdrop cpu% alerts
for det in ${DETS:-stratum-dpi pool-endpoint flow-cadence tshark}; do
    # shellcheck disable=SC2086
    "$BIN/minerlab-det-$det" --iface lo ${DET_ARGS:-} >"$OUT/$det.jsonl" 2>"$OUT/$det.err" &
    DET_PID=$!
    sleep 3 # capture is open (tshark needs a moment) before the load starts
    t0=$(tree_ticks "$DET_PID") s0=$(date +%s.%N)
    if [[ ${LOAD:-own} == pool ]]; then
        "$BIN/minerlab-pool" --listen 127.0.0.1:0 --verify none --quiet --max-conns-per-ip 0 \
            --login-timeout 600 >"$OUT/pool.out" 2>/dev/null &
        POOL_PID=$!
        for _ in $(seq 1 100); do
            grep -q '^listening tcp' "$OUT/pool.out" 2>/dev/null && break
            sleep 0.1
        done
        port=$(awk '/^listening tcp/{n=split($3,a,":");print a[n]}' "$OUT/pool.out")
        "$BIN/pool_load" --pool "127.0.0.1:$port" --sessions "$CONNS" --rate "$RATE" \
            --duration "$SECS" >"$OUT/load.json" 2>&1 || true
        kill "$POOL_PID"
        wait "$POOL_PID" || true
    else
        "$BIN/det_net_load" --conns "$CONNS" --rate "$RATE" --seconds "$SECS" >"$OUT/load.json"
    fi
    sleep 1
    t1=$(tree_ticks "$DET_PID") s1=$(date +%s.%N)
    kids=$(pgrep -P "$DET_PID" || true)
    kill -TERM "$DET_PID"
    if [[ -n ${STOP_WAIT:-} ]]; then
        for _ in $(seq 1 $((STOP_WAIT * 10))); do
            kill -0 "$DET_PID" 2>/dev/null || break
            sleep 0.1
        done
        # shellcheck disable=SC2086
        kill -KILL "$DET_PID" $kids 2>/dev/null || true
    fi
    wait "$DET_PID" || true
    DET_PID=
    s2=$(date +%s.%N)
    echo "  $det: stopped $(awk -v a="$s1" -v b="$s2" 'BEGIN{printf "%.1f", b - a}') s after SIGTERM"
    cpu=$(awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.1f", 100 * (b - a) / hz / (e - s) }')
    alerts=$(grep -c '"reason"' "$OUT/$det.jsonl" || true)
    if [[ $det == tshark ]] && ! grep '"info"' "$OUT/$det.jsonl" | tail -1 | grep -q '"dropped"'; then
        # tshark reports drops on stderr ("N packets captured", "N packets dropped").
        pk=$(grep -o "[0-9]* packets captured" "$OUT/$det.err" | awk "{print \$1}" | tail -1 || true)
        dr=$(grep -o '[0-9]* packets dropped' "$OUT/$det.err" | awk '{s+=$1} END {print s+0}' ||
            true)
        printf '%-14s %9s %9s %9s %7s %7s\n' "$det" "${pk:-?}" "$dr" - "$cpu" "$alerts"
    else
        info=$(grep '"info"' "$OUT/$det.jsonl" | tail -1)
        get() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$info"; }
        printf '%-14s %9s %9s %9s %7s %7s\n' "$det" "$(get packets)" "$(get dropped)" \
            "$(get ifdropped)" "$cpu" "$alerts"
    fi
    echo "  $det final info: $(grep '"info"' "$OUT/$det.jsonl" | tail -1)"
done
echo "load: $(tr -s " \n" " " <"$OUT/load.json")"
