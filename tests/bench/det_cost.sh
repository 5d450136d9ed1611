#!/usr/bin/env bash
# det_cost.sh [SECONDS] [BIN_DIR] — runs every host reference detector at its
# default settings for SECONDS (60) at the same time, then reports each one's
# own CPU (utime+stime from /proc/PID/stat) as % of one core, and its alert
# and degraded line counts. Output: one JSON object per detector on stdout.
# Needs root for the full picture (netlink connector, other users' memory).
set -euo pipefail
secs=${1:-60}
bin=${2:-${ML_BIN_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}}
dets=(cpu-threshold cpu-steady memscan exec-watch browser-watch)
tmp=$(mktemp -d /tmp/det-cost.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
hz=$(getconf CLK_TCK)
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
for d in "${dets[@]}"; do
    "$bin/minerlab-det-$d" >"$tmp/$d.out" 2>"$tmp/$d.err" &
    pids+=($!)
done
sleep 1 # let each finish start-up, then measure a clean window
declare -A t0
for i in "${!dets[@]}"; do t0[$i]=$(ticks "${pids[$i]}"); done
start=$(date +%s.%N)
sleep "$secs"
end=$(date +%s.%N)
for i in "${!dets[@]}"; do
    t1=$(ticks "${pids[$i]}")
    d=${dets[$i]}
    alerts=$(grep -vc '"degraded":true' "$tmp/$d.out" || true)
    degraded=$(grep -c '"degraded":true' "$tmp/$d.out" || true)
    awk -v d="$d" -v a="${t0[$i]}" -v b="$t1" -v hz="$hz" -v s="$start" -v e="$end" \
        -v al="$alerts" -v dg="$degraded" 'BEGIN {
        printf "{\"detector\":\"%s\",\"cpu_pct_of_one_core\":%.2f,\"window_s\":%.1f,\"alerts\":%d,\"degraded\":%d}\n",
               d, 100 * (b - a) / hz / (e - s), e - s, al, dg }'
done
