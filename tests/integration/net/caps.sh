#!/bin/bash
# Connection caps of the pool (caps.py): per IP, API count and API life;
# then the events of a stop with sessions open (stop_truth.py).
. "$(dirname "$0")/lib.sh"
start_pool --listen 127.0.0.1:0 --api 127.0.0.1:0 --verify none \
    --max-conns-per-ip 5 --api-max-conns 3 --api-timeout 1.5
timeout -k 5 60 python3 "$(dirname "$0")/caps.py" "$TCP_PORT" "$API_PORT" "$EVENTS" \
    5 3 1.5 || fail "caps.py"
kill -0 "$POOL_PID" || fail "pool died"
# Ground truth at the stop: two sessions are still open when SIGTERM comes.
exec 7<>"/dev/tcp/127.0.0.1/$TCP_PORT" 8<>"/dev/tcp/127.0.0.1/$TCP_PORT"
sleep 0.5
stop_pool
exec 7>&- 8>&-
python3 "$(dirname "$0")/stop_truth.py" "$EVENTS" || fail "stop_truth.py"
