#!/bin/bash
# Pool names through the lab DNS, on loopback (no root needed): a real
# dnsmasq answers the lab's names; the miner resolves stratum+ssl:// and
# wss:// names there alone (c-ares), sends the name as SNI, and the pool
# presents the certificate made for that name by the per-run lab CA
# (harness/launch/labca.sh). The safety bars: --lab-dns outside --lab-net,
# an answer outside --lab-net, an unknown name and a name without --lab-dns
# each end the miner with one line and exit 2; a pinned fingerprint that
# does not match gets no login.
. "$(dirname "$0")/lib.sh"
M="$BIN/minerlab-miner"
LAB=127.0.0.0/24
NAME=pool.supportxmr.com
NAME2=gulf.moneroocean.stream
"$ML_SOURCE_DIR/harness/launch/labca.sh" "$TMP/ca" "$NAME" "$NAME2" >"$TMP/certs" ||
    fail "labca.sh failed"
start_labdns 127.0.0.1 "$NAME=127.0.0.1" "$NAME2=127.0.0.1" outside.lab-test=192.0.2.7
DNS=127.0.0.1:$DNS_PORT
SNI_ARGS=()
while read -r l; do SNI_ARGS+=(--tls-cert "$l"); done <"$TMP/certs"
start_pool --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 --wss-listen 127.0.0.1:0 \
    "${SNI_ARGS[@]}" --diff 4 --verify all --job-interval 5
[ -n "$WSS_PORT" ] || fail "no wss listener"

# One line, exit 2, no socket to the pool.
refuse() {
    local want=$1
    shift
    timeout -k 2 20 "$M" "$@" -u W -p x -t 1 --mode light >"$TMP/o" 2>"$TMP/e"
    rc=$?
    [ $rc = 2 ] || fail "expected exit 2 for $*, got $rc: $(cat "$TMP/e")"
    [ "$(wc -l <"$TMP/e")" = 1 ] || fail "not one line for $*: $(cat "$TMP/e")"
    grep -q -- "$want" "$TMP/e" || fail "no '$want' for $*: $(cat "$TMP/e")"
}
refuse "the lab DNS must lie inside --lab-net" \
    -o "stratum+tcp://$NAME:$TCP_PORT" --lab-dns 10.66.0.1 --lab-net 10.77.0.0/24
refuse "the lab DNS must lie inside --lab-net" \
    -o "stratum+tcp://127.0.0.1:$TCP_PORT" --lab-dns 127.0.0.53 --lab-net 10.77.0.0/24
refuse "a name needs --lab-dns" -o "stratum+tcp://$NAME:$TCP_PORT" --lab-net $LAB
refuse "does not know nothere.example (NXDOMAIN)" \
    -o "stratum+tcp://nothere.example:$TCP_PORT" --lab-dns "$DNS" --lab-net $LAB
refuse "refusing lab DNS answer 192.0.2.7 for outside.lab-test: outside --lab-net" \
    -o "stratum+tcp://outside.lab-test:$TCP_PORT" --lab-dns "$DNS" --lab-net $LAB
grep -q 'query\[A\] nothere.example' "$TMP/dns.log" || fail "the lab DNS saw no query"
grep -q 'config nothere.example is NXDOMAIN' "$TMP/dns.log" || fail "no NXDOMAIN answer"
wait_event '"event":"conn_open"' 1 && fail "a refused miner reached the pool"
ok "lab DNS bars: outside --lab-net, no --lab-dns, NXDOMAIN, answer outside"

# The leaf certificate's SHA-256, as the miner logs it and XMRig pins it.
fp_of() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
FP=$(fp_of "$TMP/ca/$NAME.pem")
FP2=$(fp_of "$TMP/ca/$NAME2.pem")

mine() { # TRANSPORT URL ARGS...
    local t=$1 url=$2
    shift 2
    timeout -k 5 60 "$M" -o "$url" --lab-dns "$DNS" --lab-net $LAB -u 4LABWALLET -p x -t 1 \
        --mode light --max-duration 50 "$@" >"$TMP/miner.$t.out" 2>"$TMP/miner.$t.err" &
    MINER=$!
    PIDS="$PIDS $MINER"
    wait_share "$t" 45 || { cat "$TMP/miner.$t.err" >&2; fail "no verified share over $t"; }
    kill -TERM $MINER
    wait $MINER || fail "miner exit code $? over $t"
    no_sanitizer_report "$TMP/miner.$t.err"
}
mine tls "stratum+ssl://$NAME:$TLS_PORT" --tls-fingerprint "$FP"
grep -q "sni $NAME fingerprint $FP" "$TMP/miner.tls.err" ||
    fail "miner did not get $NAME's certificate: $(grep TLS "$TMP/miner.tls.err")"
grep '"event":"tls_handshake"' "$EVENTS" | grep -q "\"sni\":\"$NAME\"" || fail "pool saw no SNI"
ok "stratum+ssl:// by name: SNI $NAME, its lab-CA certificate, pinned fingerprint"

mine wss "wss://$NAME2:$WSS_PORT/proxy"
grep -q "sni $NAME2 fingerprint $FP2" "$TMP/miner.wss.err" ||
    fail "miner did not get $NAME2's certificate over wss"
grep '"event":"tls_handshake"' "$EVENTS" | grep -q "\"sni\":\"$NAME2\"" ||
    fail "pool saw no SNI over wss"
grep '"event":"ws_upgrade"' "$EVENTS" | grep -q '"transport":"wss"' || fail "no wss upgrade"
[ "$(grep -c "query\[A\] $NAME2" "$TMP/dns.log")" -ge 1 ] || fail "no query for $NAME2"
ok "wss:// by name: SNI $NAME2 and its certificate, shares verified"

# A numeric address sends no SNI; the pool presents its default certificate.
timeout -k 5 20 "$M" -o "stratum+ssl://127.0.0.1:$TLS_PORT" -u W -p x -t 1 --mode light \
    --max-duration 3 >"$TMP/o" 2>"$TMP/e"
grep -q "sni - fingerprint" "$TMP/e" || fail "SNI sent for an address: $(grep TLS "$TMP/e")"
grep -q "fingerprint $FP" "$TMP/e" && fail "the named certificate without SNI"
ok "no SNI for an address literal"

# A wrong pin: the connection is dropped before login, like XMRig.
n_login=$(grep -c '"event":"login"' "$EVENTS")
timeout -k 5 20 "$M" -o "stratum+ssl://$NAME:$TLS_PORT" --lab-dns "$DNS" --lab-net $LAB \
    --tls-fingerprint "$FP2" -u W -p x -t 1 --mode light --max-duration 3 >"$TMP/o" 2>"$TMP/e"
grep -q "TLS fingerprint mismatch: pinned $FP2, the server presented $FP" "$TMP/e" ||
    fail "no mismatch line: $(cat "$TMP/e")"
[ "$(grep -c '"event":"login"' "$EVENTS")" = "$n_login" ] || fail "login despite a wrong pin"
grep -q 'summary: hashes 0 ' "$TMP/o" || fail "hashed despite a wrong pin"
ok "a wrong --tls-fingerprint gets no login"
stop_pool
