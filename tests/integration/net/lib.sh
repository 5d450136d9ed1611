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

# start_pool ARGS...: starts minerlab-pool (inside $NETNS when that is set)
# on port-0 listeners given in ARGS,
# waits for its "listening" lines; sets POOL_PID, TCP_PORT, TLS_PORT, WS_PORT,
# API_PORT (those that exist) and EVENTS.
start_pool() {
    EVENTS=$TMP/events.jsonl
    # shellcheck disable=SC2086 # NETNS is one word; the prefix is three
    timeout -k 20 "${POOL_TIMEOUT:-170}" ${NETNS:+ip netns exec $NETNS} "$BIN/minerlab-pool" --events "$EVENTS" "$@" \
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
    WSS_PORT=$(port_of wss)
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

# start_labdns ADDR NAME=IP...: a real dnsmasq (the lab DNS) bound to ADDR
# only, on a free port (DNS_PORT; 53 when DNS_PORT is set to 53 first),
# answering each NAME with IP (NODATA for other record types) and NXDOMAIN
# for every other name; no upstream servers, no /etc/hosts. Runs inside
# $NETNS when that is set. Sets DNS_PID; queries are logged in $TMP/dns.log.
# Exits 77 (skip) when dnsmasq is missing.
# A port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds both).
free_dns_port() {
    python3 -c '
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", u.getsockname()[1]))
    except OSError:
        continue
    print(u.getsockname()[1])
    break'
}

start_labdns() {
    command -v dnsmasq >/dev/null || { echo "SKIP: dnsmasq is not installed"; exit 77; }
    local addr=$1 e chosen=${DNS_PORT:-} try
    shift
    local args=()
    for e; do args+=("--address=/${e%%=*}/${e#*=}" "--local=/${e%%=*}/"); done
    local pre=()
    [ -n "${NETNS:-}" ] && pre=(ip netns exec "$NETNS")
    # A port picked here can be taken by another test before dnsmasq binds
    # it: pick again (a port the caller chose is tried once).
    for try in 1 2 3; do
        DNS_PORT=${chosen:-$(free_dns_port)}
        timeout -k 5 170 "${pre[@]}" dnsmasq --keep-in-foreground --conf-file=/dev/null \
            --no-resolv --no-hosts --no-poll --bind-interfaces --listen-address="$addr" \
            --port="$DNS_PORT" --address=/#/ "${args[@]}" --log-queries --log-facility=- \
            --pid-file= >"$TMP/dns.log" 2>&1 &
        DNS_PID=$!
        PIDS="$PIDS $DNS_PID"
        for _ in $(seq 1 100); do
            grep -q 'started, version' "$TMP/dns.log" 2>/dev/null && return 0
            kill -0 "$DNS_PID" 2>/dev/null || break
            sleep 0.1
        done
        [ -z "$chosen" ] && grep -q 'Address already in use' "$TMP/dns.log" || break
        echo "dnsmasq: port $DNS_PORT taken meanwhile (try $try); picking another" >&2
    done
    cat "$TMP/dns.log" >&2
    fail "dnsmasq did not start"
}
