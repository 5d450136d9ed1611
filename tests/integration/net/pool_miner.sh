#!/bin/bash
# Real minerlab-pool + real minerlab-miner (light mode, 1 thread, low
# difficulty) over one transport: shares accepted AND verified by RandomX on
# the pool, events logged with the 5-tuple, the miner stops within 1 s of
# SIGTERM and prints its summary.
# "rotate" runs TCP with the seed hash rotated every 8 s and requires a
# verified share found after a rotation (the miner re-keys, the pool's
# verifier re-keys).
# usage: pool_miner.sh tcp|tls|ws|rotate
. "$(dirname "$0")/lib.sh"
T=${1:?transport}
EXTRA=""
if [ "$T" = rotate ]; then
    T=tcp
    EXTRA="--seed-rotate 8"
    ROTATE=1
fi
start_pool --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 \
    --diff 4 --verify all --job-interval 5 $EXTRA
case $T in
tcp) URL=stratum+tcp://127.0.0.1:$TCP_PORT ;;
tls) URL=stratum+ssl://127.0.0.1:$TLS_PORT ;;
ws) URL=ws://127.0.0.1:$WS_PORT/miner ;;
esac
timeout -k 5 60 "$BIN/minerlab-miner" -o "$URL" -u 4LABWALLET -p x -t 1 --mode light \
    --max-duration 50 >"$TMP/miner.out" 2>"$TMP/miner.err" &
MINER=$!
PIDS="$PIDS $MINER"
wait_share "$T" 45 ||
    { cat "$TMP/miner.err" >&2; fail "no verified accepted share over $T"; }
ok "verified share over $T"
if [ "${ROTATE:-0}" = 1 ]; then
    wait_event '"seed_rotated":true' 20 || fail "no seed rotation"
    python3 - "$EVENTS" <<'PY' || fail "no verified share after a seed rotation"
import json, sys, time
deadline = time.time() + 40
while time.time() < deadline:
    ev = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")]
    rot = [e["ts"] for e in ev if e.get("seed_rotated")]
    if rot and any(e["event"] == "share" and e["accepted"] and e["verified"]
                   and e["ts"] > rot[0] + 0.5 for e in ev):
        sys.exit(0)
    time.sleep(0.3)
sys.exit(1)
PY
    ok "verified share after a seed rotation"
fi
t0=$(date +%s%N)
kill -TERM $MINER
wait $MINER
rc=$?
t1=$(date +%s%N)
[ $rc = 0 ] || fail "miner exit code $rc after SIGTERM"
ms=$(((t1 - t0) / 1000000))
# The target is 1 s; the limit leaves room for a loaded 2-core CI box. A
# stop that lands in the middle of a re-key waits for the cache init
# (about 1 s in light mode on a busy 2-core box): allow for it there.
LIMIT=2000
[ "${ROTATE:-0}" = 1 ] && LIMIT=5000
[ $ms -lt $LIMIT ] || fail "miner took $ms ms to stop"
ok "miner stopped in $ms ms"
grep -q '^summary: hashes [1-9]' "$TMP/miner.out" || fail "no summary line"
grep -Eq 'shares accepted [1-9]' "$TMP/miner.out" || fail "summary shows no accepted share"
grep -q 'Low difficulty\|Invalid share' "$TMP/miner.err" && fail "miner saw rejects"
for e in conn_open login job share conn_close; do
    wait_event "\"event\":\"$e\"" 3 || fail "no $e event"
done
grep '"event":"login"' "$EVENTS" | grep -q '"agent":"XMRig/' || fail "login event lacks agent"
grep '"event":"share"' "$EVENTS" | grep -q '"peer":"127.0.0.1:[0-9]*"' || fail "no peer"
case $T in
tls) grep -q '"event":"tls_handshake"' "$EVENTS" || fail "no tls_handshake event" ;;
ws) grep -q '"event":"ws_upgrade"' "$EVENTS" || fail "no ws_upgrade event" ;;
esac
ok "events logged"
no_sanitizer_report "$TMP/miner.err"
stop_pool
