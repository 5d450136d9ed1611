#!/bin/bash
# The pool as a remote host (root only; skips with 77 otherwise):
# harness/launch/labinet.sh makes the lab internet (a namespace with the
# lab DNS, pool and web host addresses in 198.18.X.0/24, reached over a veth
# pair on a bridged victim LAN); dnsmasq there answers the catalogue's names. The pool runs inside
# on real pool ports (3333, and 443 like mining disguised as HTTPS); a miner
# in the root namespace mines by name. On the victim's uplink the capture
# shows what a network sensor sees: DNS queries for the pool names, the SNI,
# and Stratum from the home address to the external one. Every lab server
# listens on lab addresses only, and `down` leaves nothing behind.
. "$(dirname "$0")/lib.sh"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for ip netns"
for t in ip dumpcap tshark dnsmasq ss openssl; do
    command -v $t >/dev/null || skip "$t is not installed"
done
LABINET=$ML_SOURCE_DIR/harness/launch/labinet.sh
CAT=$ML_SOURCE_DIR/scenarios/pool-domains.txt
"$LABINET" check 2>"$TMP/check" || skip "$(cat "$TMP/check")"
M="$BIN/minerlab-miner"
RUNID=t12-$$
inet_cleanup() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    "$LABINET" down "$RUNID" 2>/dev/null
    ip netns del "mlt12-v2-$$" 2>/dev/null
    cleanup
}
trap inet_cleanup EXIT
"$LABINET" up "$RUNID" "$CAT" "$TMP" >"$TMP/inet.env" 2>"$TMP/inet.err" ||
    fail "labinet.sh up: $(cat "$TMP/inet.err")"
. "$TMP/inet.env"
[ -n "${ML_INET_POOL:-}" ] || fail "labinet.sh printed no addresses"
DNS=$ML_INET_DNS
VICTIM=${ML_INET_HOME%.0/25}.1
IN=(ip netns exec "$ML_INET_NETNS")
# A second victim host, like a cloud scenario's namespace, on the same LAN.
ip netns add "mlt12-v2-$$" || fail "cannot add a namespace"
"$LABINET" attach "$RUNID" "mlt12-v2-$$" 2 >"$TMP/attach.env" 2>"$TMP/attach.err" ||
    fail "labinet.sh attach: $(cat "$TMP/attach.err")"
. "$TMP/attach.env"

dumpcap -q -i "$ML_INET_IFACE" -w "$TMP/uplink.pcapng" 2>"$TMP/dumpcap.err" &
CAP=$!
PIDS="$PIDS $CAP"
for _ in $(seq 1 100); do
    grep -q 'Capturing on' "$TMP/dumpcap.err" && break
    kill -0 $CAP 2>/dev/null || fail "dumpcap died: $(cat "$TMP/dumpcap.err")"
    sleep 0.1
done

"$ML_SOURCE_DIR/harness/launch/labca.sh" "$TMP/ca" pool.minexmr.com pool.supportxmr.com \
    >"$TMP/certs" || fail "labca.sh failed"
SNI=()
while read -r l; do SNI+=(--tls-cert "$l"); done <"$TMP/certs"
NETNS=$ML_INET_NETNS start_pool --listen "$ML_INET_POOL:3333" --tls-listen "$ML_INET_POOL:443" \
    "${SNI[@]}" --diff 4 --verify all --job-interval 5
"${IN[@]}" ss -H -lntu >"$TMP/listen"
[ "$(wc -l <"$TMP/listen")" -ge 4 ] || fail "expected DNS (udp+tcp) and pool listeners: $(cat "$TMP/listen")"
awk '{print $5}' "$TMP/listen" | grep -vE "^($ML_INET_DNS|$ML_INET_POOL):" &&
    fail "a lab server listens beyond the lab addresses: $(cat "$TMP/listen")"
ok "lab DNS on $DNS:53 and pool on $ML_INET_POOL only"

mine() { # TRANSPORT URL [NETNS HOST]
    timeout -k 5 60 ${3:+ip netns exec $3} "$M" -o "$2" --lab-dns "$DNS" --lab-net "$ML_INET_NET" -u 4LABWALLET \
        -p x -t 1 --mode light --max-duration 50 >"$TMP/m.$1.out" 2>"$TMP/m.$1.err" &
    local pid=$!
    PIDS="$PIDS $pid"
    for _ in $(seq 1 450); do
        grep '"event":"share"' "$EVENTS" | grep "\"transport\":\"$1\"" |
            grep "\"peer\":\"${4:-$VICTIM}:" | grep '"accepted":true' |
            grep -q '"verified":true' && break
        sleep 0.1
    done
    grep '"event":"share"' "$EVENTS" | grep "\"peer\":\"${4:-$VICTIM}:" | grep -q '"verified":true' ||
        { cat "$TMP/m.$1.err" >&2; fail "no verified share over $1 from ${4:-$VICTIM}"; }
    kill -TERM $pid
    wait $pid || fail "miner exit code $? over $1"
    no_sanitizer_report "$TMP/m.$1.err"
}
mine tls stratum+ssl://pool.minexmr.com:443
mine tcp stratum+tcp://pool.supportxmr.com:3333
grep '"event":"login"' "$EVENTS" | grep -q "\"peer\":\"$VICTIM:" ||
    fail "the pool did not see the victim's address"
ok "mined from the root namespace by name: tls on 443, tcp on 3333"
mine tcp stratum+tcp://xmr-eu1.nanopool.org:3333 "mlt12-v2-$$" "$ML_INET_HOST"
grep '"event":"login"' "$EVENTS" | grep -q "\"peer\":\"$ML_INET_HOST:" ||
    fail "no login from the attached host $ML_INET_HOST"
ok "mined from an attached namespace ($ML_INET_HOST) over the same LAN"
timeout -k 2 20 "$M" -o stratum+tcp://example.org:3333 --lab-dns "$DNS" --lab-net "$ML_INET_NET" \
    -u W -t 1 --mode light >"$TMP/o" 2>"$TMP/e"
[ $? = 2 ] && grep -q 'does not know example.org (NXDOMAIN)' "$TMP/e" ||
    fail "a name outside the catalogue was not NXDOMAIN: $(cat "$TMP/e")"
ok "a name outside the catalogue: NXDOMAIN, exit 2"
sleep 0.5
kill -TERM $CAP
wait $CAP 2>/dev/null

tsh() { tshark -r "$TMP/uplink.pcapng" "$@" 2>/dev/null; }
tsh -Y 'dns.flags.response == 0' -T fields -e ip.dst -e dns.qry.name | sort -u >"$TMP/q"
grep -qx "$DNS	pool.minexmr.com" "$TMP/q" || fail "no DNS query for pool.minexmr.com: $(cat "$TMP/q")"
grep -qx "$DNS	pool.supportxmr.com" "$TMP/q" || fail "no DNS query for pool.supportxmr.com"
tsh -Y 'tls.handshake.extensions_server_name' -T fields -e ip.src -e ip.dst -e tcp.dstport \
    -e tls.handshake.extensions_server_name >"$TMP/sni"
grep -qx "$VICTIM	$ML_INET_POOL	443	pool.minexmr.com" "$TMP/sni" ||
    fail "no SNI pool.minexmr.com to $ML_INET_POOL:443 on the uplink: $(cat "$TMP/sni")"
tsh -Y 'tcp.dstport == 3333 && tcp.payload' -T fields -e ip.src -e ip.dst -e tcp.payload |
    head -1 >"$TMP/stratum"
grep -q "^$VICTIM	$ML_INET_POOL	" "$TMP/stratum" &&
    xxd -r -p <<<"$(cut -f3 "$TMP/stratum")" | grep -q '"method":"login"' ||
    fail "no Stratum login from the home address on the uplink"
grep -q "xmr-eu1.nanopool.org" "$TMP/q" || fail "the attached host's query is not on the LAN"
# IGMP membership reports are the kernel's own, not the workloads'.
tsh -Y 'ip && !igmp' -T fields -e ip.src -e ip.dst | sort -u >"$TMP/pairs"
grep -vE "^($VICTIM|$ML_INET_HOST)	($ML_INET_DNS|$ML_INET_POOL)$|^($ML_INET_DNS|$ML_INET_POOL)	($VICTIM|$ML_INET_HOST)$" \
    "$TMP/pairs" && fail "traffic on the LAN beyond the victims and the lab internet"
ok "the uplink shows the DNS queries, the SNI, and Stratum home -> external"
# pool-endpoint on that capture, as a sensor on the uplink with the home net
# set: Falco's rule as written fires for port + name (3333 and a
# miner_domains name) and for the HTTPS variant (443 and an
# https_miner_domains name), from the root host and from the attached one.
"$BIN/minerlab-det-pool-endpoint" --read "$TMP/uplink.pcapng" --home-net "$ML_INET_HOME" \
    >"$TMP/pep.jsonl" 2>"$TMP/pep.err" || fail "pool-endpoint --read: $(cat "$TMP/pep.err")"
falco() { grep '"rule falco-miner-pool' "$TMP/pep.jsonl" | grep "\"src\":\"$1:" |
    grep "\"dst\":\"$ML_INET_POOL:$2\"" | grep -q "$3"; }
falco "$VICTIM" 443 minerpool_https || fail "no Falco HTTPS-variant alert: $(cat "$TMP/pep.jsonl")"
falco "$VICTIM" 3333 minerpool_other || fail "no Falco port+domain alert from $VICTIM"
falco "$ML_INET_HOST" 3333 minerpool_other || fail "no Falco alert for the attached host"
grep -q '"rule pool-dns' "$TMP/pep.jsonl" && grep -q '"rule pool-sni' "$TMP/pep.jsonl" ||
    fail "pool-endpoint's DNS and SNI rules did not fire"
# The same capture with the home net on the wrong side: nothing is outbound.
"$BIN/minerlab-det-pool-endpoint" --read "$TMP/uplink.pcapng" --home-net "$ML_INET_NET" \
    2>/dev/null | grep -q '"rule falco-miner-pool' && fail "Falco's rule fired inbound"
"$BIN/minerlab-det-stratum-dpi" --read "$TMP/uplink.pcapng" --home-net "$ML_INET_HOME" \
    2>/dev/null | grep -q '"rule et-checkin' || fail "stratum-dpi missed the home -> external login"
"$BIN/minerlab-det-stratum-dpi" --read "$TMP/uplink.pcapng" --home-net "$ML_INET_NET" \
    2>/dev/null | grep -q '"reason":"rule ' && fail "stratum-dpi alerted external -> home"
ok "pool-endpoint: Falco's rule (port + name, and 443 + HTTPS name) and DNS/SNI; direction kept"
stop_pool
"$LABINET" down "$RUNID" || fail "labinet.sh down failed"
ip netns list | grep -qw "$ML_INET_NETNS" && fail "namespace left behind"
ip link show "$ML_INET_IFACE" >/dev/null 2>&1 && fail "uplink left behind"
ip link show "mlb${ML_INET_IFACE#mli}" >/dev/null 2>&1 && fail "LAN bridge left behind"
ip -o link | grep -q "alias mlinet-$RUNID" && fail "a veth left behind"
[ -e "/run/mlinet-$RUNID.dnsmasq.pid" ] && fail "pid file left behind"
ok "labinet.sh down left nothing"
