#!/bin/bash
# Runs bad_input.py against a fresh pool (see there for the checks).
. "$(dirname "$0")/lib.sh"
start_pool --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 \
    --diff 1000000 --verify none --ban-after 100 --handshake-timeout 2 \
    --ban-ip-after 0 --max-conns-per-ip 0 # per-login bans and 1000 idle peers here; IP caps: caps.py
timeout -k 5 100 python3 "$(dirname "$0")/bad_input.py" "$TCP_PORT" "$TLS_PORT" \
    "$WS_PORT" "$EVENTS" || fail "bad_input.py"
kill -0 "$POOL_PID" || fail "pool died"
stop_pool
ok "pool alive"
