#!/usr/bin/env bash
# How many fleet hosts fit on this machine (issue 12): for each host count N,
# the lab internet (labinet.sh) with the pool inside, a fleet of N hosts
# behind its NAT gateway (fleetnet.sh), one light-mode miner per host at
# DUTY %, 1 thread, mining by name through the lab DNS like fleet.sh. After
# WARM s (the 256-MiB light cache of every host is built), the miners' CPU
# time (utime+stime) is read over WINDOW s and their memory from
# /proc/PID/smaps_rollup (RSS, PSS); MemAvailable before the fleet and at
# the end. One JSON line per N on stdout; the load average is in each line.
#   tests/bench/fleet_fit.sh BIN_DIR "N1 N2 ..." [DUTY=10] [WINDOW=20] [WARM=15]
# Root only. Everything it makes is removed at exit (also on ^C).
set -euo pipefail
BIN=${1:?usage: fleet_fit.sh BIN_DIR "N1 N2 ..." [DUTY] [WINDOW] [WARM]}
COUNTS=${2:?host counts}
DUTY=${3:-10} WINDOW=${4:-20} WARM=${5:-15}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
L=$SRC/harness/launch
RUNID=fit$$
TMP=$(mktemp -d /tmp/ml-fleetfit.XXXXXX)
PIDS=()
cleanup() {
    set +e
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    wait 2>/dev/null
    "$L/fleetnet.sh" down "$RUNID"
    "$L/labinet.sh" down "$RUNID"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
memavail() { awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
"$L/labinet.sh" up "$RUNID" "$SRC/scenarios/pool-domains.txt" "$TMP" >"$TMP/inet.env"
# shellcheck disable=SC1091
. "$TMP/inet.env"
ip netns exec "$ML_INET_NETNS" "$BIN/minerlab-pool" --listen "$ML_INET_POOL:3333" --verify none \
    --diff 100000 --quiet >"$TMP/pool.out" 2>"$TMP/pool.err" &
PIDS+=("$!")
sleep 1
hz=$(getconf CLK_TCK)
for n in $COUNTS; do
    miners=()
    avail0=$(memavail)
    t_up=$(date +%s.%N)
    "$L/fleetnet.sh" up "$RUNID" 10 "$n" >"$TMP/fleet.env"
    t_up=$(awk -v a="$t_up" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
    hosts=$(sed -n 's/^ML_FLEET_HOSTS=//p' "$TMP/fleet.env")
    for ns in $hosts; do
        ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs -- \
            "$BIN/minerlab-miner" -o stratum+tcp://pool.supportxmr.com:3333 -u fleetfit -p x -t 1 \
            --mode light --duty "$DUTY" --max-duration $((WARM + WINDOW + 30)) --donate-level 0 \
            --lab-dns "$ML_INET_DNS" --lab-net "$ML_INET_NET" >/dev/null 2>"$TMP/m.$ns.err" &
        miners+=("$!")
        PIDS+=("$!")
    done
    sleep "$WARM"
    init=0
    for p in "${miners[@]}"; do init=$((init + $(ticks "$p"))); done
    t0=$(date +%s.%N)
    sleep "$WINDOW"
    t1=$(date +%s.%N)
    used=0 alive=0 rss=0 pss=0
    for p in "${miners[@]}"; do
        kill -0 "$p" 2>/dev/null || continue
        alive=$((alive + 1))
        used=$((used + $(ticks "$p")))
        read -r r s < <(awk '/^Rss:/ {r = $2} /^Pss:/ {s = $2} END {print r + 0, s + 0}' \
            "/proc/$p/smaps_rollup" 2>/dev/null || echo "0 0")
        rss=$((rss + r))
        pss=$((pss + s))
    done
    kill -0 "${PIDS[0]}" 2>/dev/null || echo "the pool ended: $(tail -2 "$TMP/pool.err" | tr '\n' ' ')" >&2
    avail1=$(memavail)
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    awk -v n="$n" -v alive="$alive" -v duty="$DUTY" -v init="$init" -v used="$used" -v hz="$hz" \
        -v t0="$t0" -v t1="$t1" -v rss="$rss" -v pss="$pss" -v a0="$avail0" -v a1="$avail1" \
        -v load="$load" -v up="$t_up" -v warm="$WARM" 'BEGIN {
        w = t1 - t0; cpu = (used - init) / hz
        printf "{\"hosts\":%d,\"alive\":%d,\"duty_pct\":%d,\"window_s\":%.1f,\"fleetnet_up_s\":%s,", n, alive, duty, w, up
        printf "\"cpu_pct_of_one_core_per_host\":%.2f,\"cpu_pct_of_machine\":%.1f,", 100 * cpu / w / n, 100 * cpu / w / 2
        printf "\"first_%ds_cpu_s_per_host\":%.2f,", warm, init / hz / n
        printf "\"rss_mib_per_host\":%.1f,\"pss_mib_per_host\":%.1f,", rss / 1024 / (alive ? alive : 1), pss / 1024 / (alive ? alive : 1)
        printf "\"memavail_mib_before\":%d,\"memavail_mib_during\":%d,\"memavail_drop_mib_per_host\":%.1f,", a0, a1, (a0 - a1) / n
        printf "\"loadavg\":\"%s\"}\n", load
    }'
    for p in "${miners[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${miners[@]}"; do wait "$p" 2>/dev/null || true; done
    "$L/fleetnet.sh" down "$RUNID"
    sleep 2
done
