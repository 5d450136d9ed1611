# Shared helpers for the network integration tests (sourced by bash).
# Every child runs under `timeout` so that nothing outlives a killed test,
# and the EXIT trap kills what is still running.
set -u
BIN=${ML_BIN_DIR:?ML_BIN_DIR not set}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mlnet.XXXXXX")
PIDS=""
cleanup() {
    # Each entry is a timeout(1) wrapper: TERM reaches its child through it.
    # Whatever is still there after 5 s is killed, children first, by pid.
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 1 50); do
        alive=""
        for p in $PIDS; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
        [ -z "$alive" ] && break
        sleep 0.1
    done
    for p in $PIDS; do
        for c in $(pgrep -P "$p" 2>/dev/null); do kill -KILL "$c" 2>/dev/null; done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "${KEEP_TMP:-0}" = 0 ]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$TMP/pool.err" ] && tail -5 "$TMP/pool.err" >&2; exit 1; }
ok() { echo "ok: $*"; }

# start_pool ARGS...: starts minerlab-pool on port-0 listeners given in ARGS,
# waits for its "listening" lines; sets POOL_PID, TCP_PORT, TLS_PORT, WS_PORT,
# API_PORT (those that exist) and EVENTS.
start_pool() {
    EVENTS=$TMP/events.jsonl
    timeout -k 20 "${POOL_TIMEOUT:-170}" "$BIN/minerlab-pool" --events "$EVENTS" "$@" \
        >"$TMP/pool.out" 2>"$TMP/pool.err" &
    POOL_PID=$!
    PIDS="$PIDS $POOL_PID"
    local want
    want=$(printf '%s\n' "$@" | grep -c -- '-listen$\|^--api$')
    for _ in $(seq 1 300); do
        [ "$(grep -c '^listening ' "$TMP/pool.out" 2>/dev/null)" -ge "$want" ] && break
        kill -0 "$POOL_PID" 2>/dev/null || fail "pool exited early"
        sleep 0.1
    done
    port_of() { awk -v t="$1" '$1=="listening" && $2==t {n=split($3,a,":"); print a[n]; exit}' "$TMP/pool.out"; }
    TCP_PORT=$(port_of tcp); TLS_PORT=$(port_of tls); WS_PORT=$(port_of ws); API_PORT=$(port_of api)
}

# wait_share TRANSPORT SECONDS: waits for an accepted, RandomX-verified share
# event over TRANSPORT (key order independent).
wait_share() {
    for _ in $(seq 1 $(($2 * 10))); do
        grep '"event":"share"' "$EVENTS" 2>/dev/null | grep "\"transport\":\"$1\"" |
            grep '"accepted":true' | grep -q '"verified":true' && return 0
        sleep 0.1
    done
    return 1
}

# wait_event PATTERN SECONDS: waits until the event log has a matching line.
wait_event() {
    for _ in $(seq 1 $(($2 * 10))); do
        grep -q -- "$1" "$EVENTS" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# stop_pool: SIGTERM, then the pool must exit 0 with no sanitizer report.
stop_pool() {
    kill -TERM "$POOL_PID"
    wait "$POOL_PID"
    local rc=$?
    grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error' "$TMP/pool.err" &&
        { cat "$TMP/pool.err" >&2; fail "sanitizer report from the pool"; }
    [ $rc = 0 ] || fail "pool exit code $rc"
    ok "pool stopped cleanly"
}

# no_sanitizer_report FILE: fails when FILE has an ASan/UBSan report.
no_sanitizer_report() {
    grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error' "$1" &&
        { cat "$1" >&2; fail "sanitizer report in $1"; }
    return 0
}
