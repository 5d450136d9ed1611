#!/bin/bash
# A burst of invalid shares over many logins from one IP (share_flood.py):
# none accepted, the IP banned, its connections closed and refused.
# usage: share_flood.sh [SESSIONS SHARES_PER_SESSION] (default 8 x 200)
. "$(dirname "$0")/lib.sh"
start_pool --listen 127.0.0.1:0 --diff 1 --verify all --ban-ip-after 20 \
    --ban-after 1000000
timeout -k 5 100 python3 "$(dirname "$0")/share_flood.py" "$TCP_PORT" "$EVENTS" \
    "${1:-8}" "${2:-200}" 20 || fail "share_flood.py"
kill -0 "$POOL_PID" || fail "pool died"
stop_pool
