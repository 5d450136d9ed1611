#!/bin/bash
# The lab guard: the miner refuses any pool outside loopback / --lab-net with
# one clear line and exit code 2, before opening any socket; and it refuses
# to hash for a pool whose login result lacks the lab handshake (exit 3, no
# submit, no job handed to the workers).
. "$(dirname "$0")/lib.sh"
M="$BIN/minerlab-miner"
refuse() {
    timeout -k 2 10 "$M" "$@" -u W -p x -t 1 --mode light >"$TMP/o" 2>"$TMP/e"
    rc=$?
    [ $rc = 2 ] || fail "expected exit 2 for $*, got $rc"
    grep -q 'refusing' "$TMP/e" || fail "no refusal line for $*: $(cat "$TMP/e")"
    [ "$(grep -c refusing "$TMP/e")" = 1 ] || fail "more than one refusal line"
}
refuse -o stratum+tcp://8.8.8.8:3333
refuse -o stratum+tcp://10.66.1.2:3333 --lab-net 10.66.0.0/24
refuse -o stratum+ssl://192.168.1.1:443
refuse -o ws://1.2.3.4:8080/
refuse -o stratum+tcp://pool.example.com:3333
refuse -o stratum+tcp://127.0.0.1:3333 --api 0.0.0.0:0
ok "non-lab addresses refused"

# A pool without the lab handshake (minerlab-pool --no-lab answers login
# exactly like a real pool).
start_pool --listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 --no-lab --diff 1
for url in stratum+tcp://127.0.0.1:$TCP_PORT ws://127.0.0.1:$WS_PORT/; do
    timeout -k 2 30 "$M" -o "$url" -u W -p x -t 1 --mode light --max-duration 20 \
        >"$TMP/o" 2>"$TMP/e"
    rc=$?
    [ $rc != 0 ] || fail "miner hashed for a pool without the lab handshake ($url)"
    [ $rc != 124 ] || fail "miner did not exit ($url)"
    grep -q 'pool did not send the lab handshake; refusing to hash' "$TMP/e" ||
        fail "no refusal message ($url)"
    grep -q 'new job' "$TMP/e" && fail "miner accepted a job ($url)"
    grep -q 'summary: hashes 0 ' "$TMP/o" || fail "miner hashed ($url): $(cat "$TMP/o")"
done
wait_event '"event":"login"' 2 || fail "pool saw no login"
grep -q '"event":"share"' "$EVENTS" && fail "miner submitted a share"
ok "no hashing without the lab handshake (tcp and ws)"
no_sanitizer_report "$TMP/e"
stop_pool
