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

# The event log's cap: past --events-max-mb 1, events are counted, not
# written; stop and exit still are.
rm -f "$TMP/events.jsonl"
start_pool --listen 127.0.0.1:0 --verify none --events-max-mb 1
python3 - "$TCP_PORT" "$EVENTS" <<'PY' || fail "connection churn"
import os, socket, sys, time
# Churn until the log has reached its cap, and then as much again.
n, end = 0, time.time() + 60
while time.time() < end:
    for _ in range(500):
        socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()
    n += 500
    if os.path.getsize(sys.argv[2]) >= 1048576 and n >= 8000:
        break
PY
sleep 0.5
stop_pool
size=$(stat -c %s "$EVENTS")
((size < 1048576 + 4096)) || fail "event log $size bytes past a 1 MiB cap"
tail -1 "$EVENTS" | grep -q '"event":"exit"' || fail "no exit event at the end"
dropped=$(tail -1 "$EVENTS" | sed -n 's/.*"events_dropped":\([0-9]*\).*/\1/p')
((dropped > 0)) || fail "no dropped events counted"
grep -q "events dropped past --events-max-mb" "$TMP/pool.err" || fail "drops not said on stderr"
ok "event log capped at $size bytes, $dropped events counted as dropped"
