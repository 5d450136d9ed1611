#!/bin/bash
# The real-Chromium scenario in the lab internet (root, chromium, dnsmasq;
# skips with 77 otherwise): browser-chromium.sh loads
# https://www.example.com/miner.html BY NAME from the lab web host (the lab
# internet's .180, HTTPS with a certificate of the run's lab CA) and the page
# mines over wss:// to ws001.coin-hive.com:8443 by name. The launcher runs in
# a victim namespace of its own on the lab LAN, whose default route leads
# into a dead-end veth pair, and under decoy /etc/resolv.conf and /etc/hosts
# (another resolver, other addresses for both names): every packet Chromium
# sends anywhere is in the capture, and none may go to anything but the lab
# DNS, the web host and the pool. It must resolve through the lab DNS only.
. "$(dirname "$0")/lib.sh"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for ip netns"
for t in ip dumpcap tshark dnsmasq openssl unshare chromium; do
    command -v $t >/dev/null || skip "$t is not installed"
done
LABINET=$ML_SOURCE_DIR/harness/launch/labinet.sh
"$LABINET" check 2>"$TMP/check" || skip "$(cat "$TMP/check")"
RUNID=t12c-$$
V=mlt12c-v-$$
chromium_cleanup() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    "$LABINET" down "$RUNID" 2>/dev/null
    ip netns del "$V" 2>/dev/null
    cleanup
}
trap chromium_cleanup EXIT
"$LABINET" up "$RUNID" "$ML_SOURCE_DIR/scenarios/pool-domains.txt" "$TMP" >"$TMP/inet.env" \
    2>"$TMP/inet.err" || fail "labinet.sh up: $(cat "$TMP/inet.err")"
. "$TMP/inet.env"
WEB=www.example.com POOLNAME=ws001.coin-hive.com
"$ML_SOURCE_DIR/harness/launch/labca.sh" "$TMP/ca" "$WEB" "$POOLNAME" >"$TMP/certs" ||
    fail "labca.sh failed"
SNI=()
while read -r l; do SNI+=(--tls-cert "$l"); done <"$TMP/certs"
NETNS=$ML_INET_NETNS start_pool --wss-listen "$ML_INET_POOL:8443" \
    --wss-listen "$ML_INET_WEB:443" --www "$ML_SOURCE_DIR/scenarios/www" "${SNI[@]}" \
    --verify none --browser-diff 200000

# The victim: its own namespace on the LAN, a default route into a veth
# pair that leads nowhere (any packet for the rest of the world shows there).
ip netns add "$V" || fail "cannot add a namespace"
"$LABINET" attach "$RUNID" "$V" 3 >"$TMP/attach.env" 2>"$TMP/attach.err" ||
    fail "labinet.sh attach: $(cat "$TMP/attach.err")"
. "$TMP/attach.env"
{ ip -n "$V" link add d0 type veth peer name d1 &&
    ip -n "$V" addr add 10.254.0.1/24 dev d0 && ip -n "$V" link set d0 up &&
    ip -n "$V" link set d1 up && ip -n "$V" link set lo up &&
    ip -n "$V" neigh add 10.254.0.2 lladdr 02:00:00:00:00:02 dev d0 nud permanent &&
    ip -n "$V" route add default via 10.254.0.2 dev d0; } ||
    fail "cannot give the victim a default route"
ip netns exec "$V" dumpcap -q -i any -w "$TMP/victim.pcapng" 2>"$TMP/dumpcap.err" &
CAP=$!
PIDS="$PIDS $CAP"
for _ in $(seq 1 100); do
    grep -q 'Capturing on' "$TMP/dumpcap.err" && break
    kill -0 $CAP 2>/dev/null || fail "dumpcap died: $(cat "$TMP/dumpcap.err")"
    sleep 0.1
done

# Decoys: what Chromium would use if it read the outer files.
printf 'nameserver 192.0.2.53\n' >"$TMP/decoy.resolv"
printf '192.0.2.80 %s %s\n' "$WEB" "$POOLNAME" >"$TMP/decoy.hosts"
mkdir -p "$TMP/sb"
printf 'ML_WALLET=4LABWALLET\nML_POOL_URL=wss://%s:8443\n' "$POOLNAME" >"$TMP/secrets"
# shellcheck disable=SC2016 # expanded by the inner shell
timeout -k 5 90 ip netns exec "$V" unshare --mount --propagation private -- /bin/sh -c \
    'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 2 &&
     exec "$@"' sh "$TMP/decoy.resolv" "$TMP/decoy.hosts" \
    env ML_SANDBOX="$TMP/sb" ML_DURATION=30 ML_POOL_PORT_WS=8080 ML_THREADS=1 ML_DUTY=30 \
    ML_LAB_DNS="$ML_INET_DNS" ML_LAB_NET="$ML_INET_NET" ML_LAB_WEB="$WEB" \
    ML_LAB_CA="$TMP/ca/ca.pem" ML_SOURCE_DIR="$ML_SOURCE_DIR" ML_SECRETS_STDIN=1 \
    "$ML_SOURCE_DIR/harness/launch/browser-chromium.sh" start \
    <"$TMP/secrets" >"$TMP/launcher.out" 2>"$TMP/launcher.err" &
L=$!
PIDS="$PIDS $L"
for _ in $(seq 1 400); do
    grep '"event":"share"' "$EVENTS" 2>/dev/null | grep '"transport":"wss"' |
        grep "\"peer\":\"$ML_INET_HOST:" | grep -q '"accepted":true' && break
    kill -0 $L 2>/dev/null || break
    sleep 0.1
done
grep '"event":"share"' "$EVENTS" | grep '"transport":"wss"' | grep "\"peer\":\"$ML_INET_HOST:" |
    grep -q '"accepted":true' ||
    { tail -20 "$TMP/launcher.err" >&2; fail "no accepted wss share from the page at $ML_INET_HOST"; }
ok "Chromium mined over wss:// from $ML_INET_HOST"
wait $L || fail "the launcher exited $? ($(tail -3 "$TMP/launcher.err"))"
sleep 0.5
kill -TERM $CAP
wait $CAP 2>/dev/null

tsh() { tshark -r "$TMP/victim.pcapng" "$@" 2>/dev/null; }
# Every DNS (and mDNS/LLMNR) query, to whom, for what.
tsh -Y '(dns || mdns || llmnr) && dns.flags.response == 0' -T fields -e ip.dst \
    -e dns.qry.name | sort -u >"$TMP/q"
[ -s "$TMP/q" ] || fail "no DNS query in the capture"
grep -v "^$ML_INET_DNS	" "$TMP/q" && fail "a DNS query went elsewhere than the lab DNS"
grep -q "	$WEB$" "$TMP/q" || fail "no query for $WEB: $(cat "$TMP/q")"
grep -q "	$POOLNAME$" "$TMP/q" || fail "no query for $POOLNAME: $(cat "$TMP/q")"
ok "every DNS query went to the lab DNS $ML_INET_DNS ($(wc -l <"$TMP/q") distinct)"
tsh -Y 'ip && !igmp' -T fields -e ip.dst | sort -u >"$TMP/dsts"
grep -vxE "$ML_INET_DNS|$ML_INET_WEB|$ML_INET_POOL|$ML_INET_HOST" "$TMP/dsts" &&
    fail "Chromium sent packets beyond the lab internet"
tsh -Y 'tls.handshake.extensions_server_name' -T fields -e ip.dst -e tcp.dstport \
    -e tls.handshake.extensions_server_name | sort -u >"$TMP/sni"
grep -qx "$ML_INET_WEB	443	$WEB" "$TMP/sni" || fail "no TLS to the web host by name: $(cat "$TMP/sni")"
grep -qx "$ML_INET_POOL	8443	$POOLNAME" "$TMP/sni" || fail "no wss to the pool by name: $(cat "$TMP/sni")"
ok "page from https://$WEB (lab CA), wss:// to $POOLNAME, nothing else on the wire"
stop_pool
"$LABINET" down "$RUNID" || fail "labinet.sh down failed"
ip netns del "$V"
mount | grep -q "$TMP" && fail "a bind mount outlived the launcher"
ok "lab internet, victim namespace and mounts gone"
