#!/bin/bash
# The pool against pool_fuzz_client.py over TCP, TLS and WebSocket at once
# for SECONDS (default 20; the issue's long run is 600 on an ASan build):
# the pool lives, serves a good client afterwards, stops cleanly and prints
# no sanitizer report.
# usage: pool_fuzz.sh [SECONDS]
. "$(dirname "$0")/../integration/net/lib.sh"
S=${1:-20}
POOL_TIMEOUT=$((S + 120)) # the pool outlives the fuzzing
start_pool --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 \
    --verify none --ban-after 0 --ban-ip-after 0 --max-conns-per-ip 0 \
    --handshake-timeout 2 --login-timeout 5
PYTHONPATH="$(dirname "$0")/../integration/net" timeout -k 5 $((S + 60)) \
    python3 "$(dirname "$0")/pool_fuzz_client.py" "$TCP_PORT" "$TLS_PORT" "$WS_PORT" "$S" ||
    fail "pool_fuzz_client.py"
kill -0 "$POOL_PID" || fail "pool died"
stop_pool
no_sanitizer_report "$TMP/pool.err"
ok "pool survived $S s of fuzzing over tcp, tls and ws"
