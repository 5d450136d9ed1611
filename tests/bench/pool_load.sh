#!/bin/bash
# Load benchmark of minerlab-pool with tests/bench/pool_load.
#   pool_load.sh smoke    100 sessions, 3 s: everything answered (ctest)
#   pool_load.sh sessions [N]   N (10000) logged-in sessions: pool RSS per
#                         session and job broadcast reach (--job-interval 2)
#   pool_load.sh submits [RATE] submit rate with --verify none (20000/s)
#   pool_load.sh verify [THREADS [NICE]]  --verify all throughput vs light-mode
#                         hash rate, keepalived latency meanwhile
set -u
BIN=${ML_BIN_DIR:?ML_BIN_DIR not set}
MODE=${1:-smoke}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mlload.XXXXXX")
POOL=""
trap '[ -n "$POOL" ] && kill $POOL 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

start_pool() {
    # thousands of sessions from 127.0.0.1: no per-IP cap here
    timeout -k 5 600 "$BIN/minerlab-pool" --listen 127.0.0.1:0 --quiet --max-conns-per-ip 0 \
        --login-timeout 600 "$@" >"$TMP/pool.out" 2>"$TMP/pool.err" &
    POOL=$!
    for _ in $(seq 1 200); do
        grep -q '^listening tcp' "$TMP/pool.out" 2>/dev/null && break
        sleep 0.1
    done
    PORT=$(awk '/^listening tcp/{n=split($3,a,":");print a[n]}' "$TMP/pool.out")
    [ -n "$PORT" ] || fail "pool did not start"
    # The pool runs under timeout(1); its own pid is timeout's child.
    PPID_POOL=$(pgrep -P "$POOL" minerlab-pool || echo "$POOL")
}
# utime+stime of the pool in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PPID_POOL/stat"; }
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$PPID_POOL/status"; }
jget() { python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }

case $MODE in
smoke)
    start_pool --verify none --job-interval 1
    "$BIN/pool_load" --pool 127.0.0.1:$PORT --sessions 100 --rate 500 \
        --keepalive-rate 50 --duration 3 >"$TMP/r.json" || fail "pool_load failed"
    cat "$TMP/r.json"
    [ "$(jget "$TMP/r.json" "['logged_in']")" = 100 ] || fail "not all logged in"
    [ "$(jget "$TMP/r.json" "['submits_error']")" = 0 ] || fail "submit errors"
    [ "$(jget "$TMP/r.json" "['submits_ok']")" -gt 100 ] || fail "too few submits answered"
    [ "$(jget "$TMP/r.json" "['job_broadcast']['complete']")" -ge 1 ] || fail "no broadcast seen"
    echo "ok: smoke" ;;
sessions)
    N=${2:-10000}
    start_pool --verify none --job-interval 2 --events "$TMP/events.jsonl"
    sleep 1
    IDLE=$(rss_kib)
    "$BIN/pool_load" --pool 127.0.0.1:$PORT --sessions "$N" --rate 0 --duration 12 \
        >"$TMP/r.json" &
    LP=$!
    sleep 10
    FULL=$(rss_kib)
    wait $LP
    cat "$TMP/r.json"
    echo "pool RSS idle ${IDLE} KiB, with $N sessions ${FULL} KiB," \
        "$(( (FULL - IDLE) * 1024 / N )) bytes per session"
    # The pool's own time to write the job to every session (loop thread).
    grep '"event":"broadcast"' "$TMP/events.jsonl" | python3 -c '
import json, sys
d = [json.loads(l) for l in sys.stdin]
d = [e for e in d if e["sessions"] == max(x["sessions"] for x in d)]
print("pool-side broadcast to %d sessions: wall %s ms, loop-thread CPU %s ms" % (
      d[0]["sessions"], " ".join("%.0f" % (e["duration_s"] * 1e3) for e in d),
      " ".join("%.0f" % (e["cpu_s"] * 1e3) for e in d)))' ;;
submits)
    RATE=${2:-20000}
    start_pool --verify none --job-interval 30 --ban-after 0
    C0=$(cpu_ticks)
    "$BIN/pool_load" --pool 127.0.0.1:$PORT --sessions 100 --rate "$RATE" \
        --keepalive-rate 100 --duration 10 >"$TMP/r.json"
    C1=$(cpu_ticks)
    cat "$TMP/r.json"
    python3 -c "
import json; d = json.load(open('$TMP/r.json'))
n = d['submits_ok'] + d['submits_error'] + d['keepalived_ok']
us = ($C1 - $C0) * 1e6 / $(getconf CLK_TCK) / max(n, 1)
print('pool CPU per answered request: %.1f us (%.0f requests/s per core)' % (us, 1e6 / us))" ;;
verify)
    T=${2:-2}
    NICE=${3:-5}
    start_pool --verify all --verify-threads "$T" --verify-nice "$NICE" \
        --job-interval 30 --ban-after 0
    sleep 8 # the light cache is keyed on a worker at start: keep it out
    "$BIN/pool_load" --pool 127.0.0.1:$PORT --sessions 20 --rate 400 \
        --keepalive-rate 50 --duration 20 >"$TMP/r.json"
    cat "$TMP/r.json"
    # The forged results fail verification, so every verified share is an
    # "Invalid share" error; beyond the backlog cap shares are answered
    # unverified (OK).
    python3 -c "
import json; d = json.load(open('$TMP/r.json'))
print('verified shares/s with $T threads at nice $NICE: %.1f' % (d['submits_error'] / d['measured_s']))"
    # The same number of light-mode threads hashing flat out, right after.
    "$BIN/minerlab-miner" --bench 200 --mode light -t "$T" --json 2>/dev/null |
        python3 -c "import json,sys; print('light-mode hash rate, $T threads, right after: %.1f H/s' % json.load(sys.stdin)['hashrate'])" ;;
*) fail "unknown mode $MODE" ;;
esac
