#!/bin/bash
# Runs browser_lane.py against a pool with a static page directory.
. "$(dirname "$0")/lib.sh"
mkdir -p "$TMP/www"
echo '<html><body>minerlab test page</body></html>' >"$TMP/www/index.html"
start_pool --ws-listen 127.0.0.1:0 --api 127.0.0.1:0 --www "$TMP/www" --browser-diff 64
timeout -k 5 60 python3 "$(dirname "$0")/browser_lane.py" "$WS_PORT" "$API_PORT" \
    "$EVENTS" || fail "browser_lane.py"
stop_pool
