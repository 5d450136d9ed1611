#!/usr/bin/env bash
# det_tree_cost.sh HARNESS_PID OUT [INTERVAL_S=2] — while a `minerlab run`
# (HARNESS_PID) runs, samples each detector it started with all its
# descendants (tshark/dumpcap, the Prometheus stack): CPU (utime+stime,
# clock ticks) and resident memory (VmRSS), until the harness exits. Writes
# one line per detector to OUT: name, CPU % of one core over the sampled
# span, peak and last RSS in MiB.
set -euo pipefail
hp=${1:?usage: det_tree_cost.sh HARNESS_PID OUT [INTERVAL_S]}
out=${2:?}
iv=${3:-2}
hz=$(getconf CLK_TCK)
declare -A first last peak rss name
tree() { echo "$1"; for c in $(pgrep -P "$1" || true); do tree "$c"; done; }
t0=$(date +%s.%N)
while kill -0 "$hp" 2>/dev/null; do
    for d in $(pgrep -P "$hp" || true); do
        cmd=$( (tr '\0' ' ' <"/proc/$d/cmdline") 2>/dev/null) || continue
        [[ $cmd == *minerlab-det-* ]] || continue # a scenario's launcher
        n=$(grep -o 'minerlab-det-[a-z0-9-]*' <<<"$cmd" | head -1 | sed 's/minerlab-det-//')
        [[ $cmd == *--for-s* ]] && n="$n (short)"
        t=0 r=0
        for p in $(tree "$d"); do
            s=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || continue
            m=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null) || m=0
            t=$((t + s)) r=$((r + ${m:-0}))
        done
        key=$d
        name[$key]=$n
        peak[$key]=${peak[$key]:-0}
        [[ -z ${first[$key]:-} ]] && first[$key]="$t $(date +%s.%N)"
        # CPU only grows; a smaller sum means part of the tree already exited.
        if [[ -z ${last[$key]:-} || $t -ge ${last[$key]%% *} ]]; then
            last[$key]="$t $(date +%s.%N)"
        fi
        rss[$key]=$r
        ((r > ${peak[$key]:-0})) && peak[$key]=$r
    done
    sleep "$iv"
done
for k in "${!name[@]}"; do
    read -r a ta <<<"${first[$k]}"
    read -r b tb <<<"${last[$k]}"
    awk -v n="${name[$k]}" -v a="$a" -v b="$b" -v ta="$ta" -v tb="$tb" -v hz="$hz" \
        -v p="${peak[$k]}" -v l="${rss[$k]}" 'BEGIN {
        span = tb - ta; cpu = span > 0 ? 100 * (b - a) / hz / span : 0
        printf "%-20s cpu %5.1f%% of one core over %.0f s, rss peak %.1f MiB, last %.1f MiB\n",
               n, cpu, span, p / 1024, l / 1024 }'
done | sort >"$out"
