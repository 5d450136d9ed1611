#!/bin/bash
# The miner survives its pool going away: it backs off, reconnects to a new
# pool on the same port, logs in again and mines on; the new pool runs
# vardiff and must lower the difficulty toward one share per second.
. "$(dirname "$0")/lib.sh"
start_pool --listen 127.0.0.1:0 --diff 4
P=$TCP_PORT
timeout -k 5 80 "$BIN/minerlab-miner" -o stratum+tcp://127.0.0.1:$P -u 4RECONNECT -p x \
    -t 1 --mode light --max-duration 75 >"$TMP/miner.out" 2>"$TMP/miner.err" &
MINER=$!
PIDS="$PIDS $MINER"
wait_event '"event":"login"' 30 || fail "first login"
stop_pool
for _ in $(seq 1 50); do
    grep -q 'retrying in' "$TMP/miner.err" && break
    sleep 0.1
done
grep -q 'retrying in' "$TMP/miner.err" || fail "miner did not notice the pool leaving"
ok "miner backs off after the pool left"
mv "$TMP/events.jsonl" "$TMP/events1.jsonl"
start_pool --listen 127.0.0.1:$P --diff 64 --vardiff --share-target 1 --job-interval 1
wait_event '"event":"login"' 30 || { cat "$TMP/miner.err" >&2; fail "no login on the new pool"; }
ok "miner reconnected and logged in again"
for _ in $(seq 1 400); do
    grep '"event":"job"' "$EVENTS" | grep -vq '"difficulty":64' && break
    sleep 0.1
done
grep '"event":"job"' "$EVENTS" | grep -vq '"difficulty":64' || fail "vardiff never moved"
ok "vardiff moved: $(grep '"event":"job"' "$EVENTS" | tail -1 | grep -o '"difficulty":[0-9]*')"
kill -TERM $MINER
wait $MINER || fail "miner exit code"
no_sanitizer_report "$TMP/miner.err"
stop_pool
