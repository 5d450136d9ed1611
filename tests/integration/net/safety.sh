#!/bin/bash
# Safety by construction (issue 13): the lab-net rule and where --lab-net may
# come from, the default lifetime, the --name re-exec keeping argv, and the
# API's bearer token for duty changes.
. "$(dirname "$0")/lib.sh"
M="$BIN/minerlab-miner"

# refused EXPECT_RE ARGS...: exit 2, exactly one stderr line, matching EXPECT_RE.
refused() {
    local re=$1
    shift
    timeout -k 2 10 "$M" "$@" >"$TMP/o" 2>"$TMP/e" </dev/null
    rc=$?
    [ $rc = 2 ] || fail "expected exit 2 for $*, got $rc: $(cat "$TMP/e")"
    [ "$(wc -l <"$TMP/e")" = 1 ] || fail "expected one line for $*: $(cat "$TMP/e")"
    grep -q -- "$re" "$TMP/e" || fail "no '$re' for $*: $(cat "$TMP/e")"
}
U=(-o stratum+tcp://127.0.0.1:3333 -u W -p x -t 1 --mode light --dry-run)
for net in 0.0.0.0/0 ::/0 8.8.8.0/24 64:ff9b::/96 10.0.0.0/8 ::ffff:10.0.0.0/104 \
    fe80::/10 100.128.0.0/16 192.0.2.0/24; do
    refused "lab net $net refused" "${U[@]}" --lab-net "$net"
done
ok "--lab-net outside the non-global ranges, or wider than /16 and /48: refused"
for net in 10.254.7.0/30 192.168.5.0/24 100.64.3.0/24 198.18.0.0/16 fd00:6c61:6200::/48 \
    fe80::/64; do
    "$M" "${U[@]}" --lab-net "$net" >"$TMP/o" 2>"$TMP/e" || fail "lab net $net refused: $(cat "$TMP/e")"
    grep -q "lab-net $net," "$TMP/o" || fail "dry run does not show $net: $(cat "$TMP/o")"
done
ok "lab nets inside the non-global ranges accepted"

# A lab net given only in a config, by every config route: refused.
echo '{"url":"stratum+tcp://10.66.0.2:3333","user":"W","lab-net":"10.66.0.0/24"}' >"$TMP/c1.json"
echo '{"pools":[{"url":"stratum+tcp://10.66.0.2:3333","user":"W","lab-net":"10.66.0.0/24"}]}' >"$TMP/c2.json"
refused 'config: "lab-net" is accepted only on the command line' -c "$TMP/c1.json" --dry-run
refused 'config: "lab-net" is accepted only on the command line' -c "$TMP/c2.json" --dry-run
LABCFG=$(cat "$TMP/c1.json") refused '"lab-net" is accepted only on the command line' \
    --config-env LABCFG --dry-run
timeout 10 "$M" -c - --dry-run <"$TMP/c2.json" >"$TMP/o" 2>"$TMP/e"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$TMP/e")" = 1 ] && grep -q 'only on the command line' "$TMP/e" ||
    fail "stdin config with lab-net: rc $rc $(cat "$TMP/e")"
echo '{"url":"stratum+tcp://127.0.0.1:3333","user":"W","soak":true,"max-duration":90000}' >"$TMP/c3.json"
refused '"soak" is accepted only on the command line' -c "$TMP/c3.json" --dry-run
ok "lab-net (and --soak) from -c FILE, pools[], --config-env and stdin: refused"

# The default lifetime: one hour, stated in --help, and the computed deadline.
"$M" --help >"$TMP/help"
grep -q '3600: one hour' "$TMP/help" && grep -q 'at most 86400' "$TMP/help" &&
    grep -q -- '--soak' "$TMP/help" || fail "--help does not state the lifetime limits"
now=$(date +%s)
"$M" "${U[@]}" >"$TMP/o" || fail "dry run failed"
grep -q 'lifetime 3600 s (default)' "$TMP/o" || fail "no 1-hour default: $(cat "$TMP/o")"
stop=$(sed -n 's/.*stops by \([0-9]*\) .*/\1/p' "$TMP/o")
d=$((stop - now))
[ "$d" -ge 3598 ] && [ "$d" -le 3602 ] || fail "deadline $d s from now, not 3600"
refused 'over the default limit of 86400 s' "${U[@]}" --max-duration 86401
"$M" "${U[@]}" --max-duration 86401 --soak | grep -q 'lifetime 86401 s (--max-duration)' ||
    fail "--soak does not allow 86401 s"
refused 'over the --soak limit of 604800 s' "${U[@]}" --max-duration 604801 --soak
refused 'refusing 0.0.0.0:0' "${U[@]}" --api 0.0.0.0:0
ok "lifetime: 1 h by default (deadline now + 3600 s), 24 h at most, 7 days with --soak"

# The --name re-exec keeps argv: "-p --name" is the password, the limit holds.
# The pool here is a silent listener that records the login line and never
# sends a job, so the figure is the lifetime itself, not how long a RandomX
# cache takes to build on a loaded box.
python3 - "$TMP/login.line" >"$TMP/listener.port" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
s.settimeout(30)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
c.settimeout(30)
f = c.makefile("rb")
open(sys.argv[1], "wb").write(f.readline())
f.read()  # until the miner closes
PY
PIDS="$PIDS $!"
for _ in $(seq 1 50); do [ -s "$TMP/listener.port" ] && break; sleep 0.1; done
LPORT=$(cat "$TMP/listener.port")
t0=$(date +%s.%N)
timeout -k 2 30 "$M" -o "stratum+tcp://127.0.0.1:$LPORT" -u W -t 1 --mode light \
    -p --name --max-duration 3 --name kworker >"$TMP/o" 2>"$TMP/e"
rc=$?
took=$(echo "$(date +%s.%N) - $t0" | bc)
[ $rc = 0 ] || fail "renamed miner exit $rc: $(tail -3 "$TMP/e")"
[ "$(echo "$took < 5" | bc)" = 1 ] || fail "-p --name --max-duration 3 ran ${took} s"
grep -q '"pass":"--name"' "$TMP/login.line" ||
    fail "the password '--name' did not reach the pool: $(cat "$TMP/login.line")"
ok "-p --name --max-duration 3 --name kworker ended after ${took} s, password kept"

start_pool --listen 127.0.0.1:0 --diff 100000 --verify none
# The API: summary for anyone, duty changes only with the bearer token.
TOKEN=lab-token-$RANDOM$RANDOM$RANDOM
echo "$TOKEN" >"$TMP/token"
timeout -k 20 60 "$M" -o "stratum+tcp://127.0.0.1:$TCP_PORT" -u W -p x -t 1 --mode light \
    --max-duration 40 --duty 50 --api 127.0.0.1:0 --api-token-file "$TMP/token" \
    >"$TMP/m.out" 2>"$TMP/m.err" &
MP=$!
PIDS="$PIDS $MP"
for _ in $(seq 1 100); do
    grep -q '^api listening' "$TMP/m.out" && break
    sleep 0.1
done
API="http://$(awk '/^api listening/{print $3; exit}' "$TMP/m.out")"
duty() { curl -s "$API/1/summary" | python3 -c 'import json,sys; print(json.load(sys.stdin)["duty"])'; }
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
[ "$(duty)" = 50 ] || fail "summary without a token: duty $(duty)"
c=$(code -X POST -d '{"duty":90}' "$API/1/duty")
[ "$c" = 401 ] || fail "POST /1/duty without token: HTTP $c"
c=$(code -X PUT -d '{"duty":90}' -H "Authorization: Bearer wrong-$TOKEN" "$API/1/config")
[ "$c" = 401 ] || fail "PUT /1/config with a wrong token: HTTP $c"
c=$(code -X POST -d '{"duty":90}' -H "Authorization: Bearer ${TOKEN}x" "$API/1/duty")
[ "$c" = 401 ] || fail "POST /1/duty with a longer token: HTTP $c"
[ "$(duty)" = 50 ] || fail "duty changed without the token: $(duty)"
c=$(code -X POST -d '{"duty":90}' -H "Authorization: Bearer $TOKEN" "$API/1/duty")
[ "$c" = 200 ] || fail "POST /1/duty with the token: HTTP $c"
[ "$(duty)" = 90 ] || fail "duty not changed with the token: $(duty)"
ok "API: summary readable, POST/PUT without or with a wrong token 401 and duty unchanged, token works"
kill -TERM $MP
wait $MP || fail "miner with API exit $?"
no_sanitizer_report "$TMP/m.err"

# No token configured: the API is read-only.
timeout -k 20 60 "$M" -o "stratum+tcp://127.0.0.1:$TCP_PORT" -u W -p x -t 1 --mode light \
    --max-duration 40 --api 127.0.0.1:0 >"$TMP/m.out" 2>"$TMP/m.err" &
MP=$!
PIDS="$PIDS $MP"
for _ in $(seq 1 100); do
    grep -q '^api listening' "$TMP/m.out" && break
    sleep 0.1
done
API="http://$(awk '/^api listening/{print $3; exit}' "$TMP/m.out")"
c=$(code -X POST -d '{"duty":10}' -H "Authorization: Bearer anything-at-all-here" "$API/1/duty")
[ "$c" = 403 ] || fail "read-only API answered HTTP $c"
[ "$(duty)" = 100 ] || fail "read-only API changed the duty"
ok "API without --api-token: read-only (403)"
kill -TERM $MP
wait $MP || fail "miner exit $?"
stop_pool
