#!/bin/bash
# Connection caps of the pool (caps.py): per IP, API count and API life.
. "$(dirname "$0")/lib.sh"
start_pool --listen 127.0.0.1:0 --api 127.0.0.1:0 --verify none \
    --max-conns-per-ip 5 --api-max-conns 3 --api-timeout 1.5
timeout -k 5 60 python3 "$(dirname "$0")/caps.py" "$TCP_PORT" "$API_PORT" "$EVENTS" \
    5 3 1.5 || fail "caps.py"
kill -0 "$POOL_PID" || fail "pool died"
stop_pool
