#!/usr/bin/env bash
# det_cost_tree.sh SECONDS DETECTOR [ARGS...] — runs one detector (a path or
# a reference name in build/bin) for SECONDS and reports the CPU of it and
# every process it started (auditd, bpftrace, ...: the whole process tree,
# sampled each second, so short-lived children are not counted) as % of one
# core, the largest summed RSS (MiB), and its alert and degraded line counts.
# Output: one JSON object on stdout. Needs root for the detectors that do.
set -euo pipefail
secs=$1
det=$2
shift 2
bin=${ML_BIN_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
[[ $det == */* ]] || det=$bin/minerlab-det-$det
tmp=$(mktemp -d /tmp/det-cost-tree.XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
hz=$(getconf CLK_TCK)
tree() { # pid and its descendants
    local p=$1 c
    echo "$p"
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}
declare -A last # per pid: utime+stime at the last sample
"$det" "$@" >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 1
for p in $(tree "$pid"); do
    last[$p]=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' /proc/"$p"/stat 2>/dev/null || echo 0)
done
start=$(date +%s.%N)
used=0 peak_kb=0
for ((i = 0; i < secs; i++)); do
    sleep 1
    rss=0
    for p in $(tree "$pid"); do
        t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' /proc/"$p"/stat 2>/dev/null) || continue
        used=$((used + t - ${last[$p]:-t}))
        last[$p]=$t
        kb=$(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status 2>/dev/null || echo 0)
        rss=$((rss + ${kb:-0}))
    done
    ((rss > peak_kb)) && peak_kb=$rss
done
end=$(date +%s.%N)
procs=$(tree "$pid" | wc -l)
kill -TERM "$pid"
wait "$pid" || true
pid=
alerts=$(grep '"reason"' "$tmp/out" | grep -vc '"degraded"' || true)
degraded=$(grep -c '"degraded":true' "$tmp/out" || true)
awk -v d="$(basename "$det")" -v u="$used" -v hz="$hz" -v s="$start" -v e="$end" \
    -v kb="$peak_kb" -v n="$procs" -v al="$alerts" -v dg="$degraded" -v la="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    printf "{\"detector\":\"%s\",\"cpu_pct_of_one_core\":%.2f,\"peak_rss_mib\":%.1f,\"processes\":%d,\"window_s\":%.1f,\"alerts\":%d,\"degraded\":%d,\"loadavg\":\"%s\"}\n",
           d, 100 * u / hz / (e - s), kb / 1024, n, e - s, al, dg, la }'
