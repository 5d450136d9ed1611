#!/bin/bash
# Peers that stop reading (see slow_peer.py): the pool and the miner close
# them and live on; large HTTP replies are whole.
. "$(dirname "$0")/lib.sh"
mkdir -p "$TMP/www"
head -c $((6 * 1024 * 1024)) /dev/urandom >"$TMP/www/big.bin"
start_pool --listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 --api 127.0.0.1:0 \
    --www "$TMP/www" --diff 1000000 --verify none --login-timeout 300
timeout -k 5 150 python3 "$(dirname "$0")/slow_peer.py" pool "$WS_PORT" "$API_PORT" \
    "$TCP_PORT" "$TMP/www/big.bin" "$EVENTS" || fail "slow_peer.py pool"
kill -0 "$POOL_PID" || fail "pool died"
stop_pool
timeout -k 5 110 python3 "$(dirname "$0")/slow_peer.py" miner "$BIN/minerlab-miner" ||
    fail "slow_peer.py miner"
ok "pool and miner alive after peers that stopped reading"
