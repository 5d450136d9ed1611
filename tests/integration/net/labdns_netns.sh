#!/bin/bash
# The lab DNS safety test in an empty network namespace (root only; skips
# with 77 otherwise). Inside a namespace made for this test, holding only
# lo and a veth pair with the lab address 10.99.0.1 (lab DNS = dnsmasq,
# pool) and two decoys: 10.99.0.53, named as the system resolver in the
# namespace's resolv.conf, and 10.99.0.77, given to the pool names in its
# /etc/hosts (ip netns exec mounts both over /etc). dumpcap captures every
# packet in the namespace while the miner is refused (NXDOMAIN, an answer
# outside --lab-net, --lab-dns outside --lab-net, a name without --lab-dns)
# and then mines by name over TLS. Every packet captured must be between
# lab addresses: no query to the decoy resolver, no connect to the hosts-file
# address, no search-domain suffix on a query, nothing to the refused answer.
# The lab DNS and the pool must listen on the lab address only.
. "$(dirname "$0")/lib.sh"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for ip netns"
for t in ip dumpcap tshark dnsmasq ss openssl; do
    command -v $t >/dev/null || skip "$t is not installed"
done
M="$BIN/minerlab-miner"
NS=mlt12-dns-$$
LABNET=10.99.0.0/28
ns_cleanup() {
    cleanup
    ip netns del "$NS" 2>/dev/null
    rm -rf "/etc/netns/$NS"
}
trap ns_cleanup EXIT
ip netns add "$NS" 2>/dev/null || skip "cannot create a network namespace here"
mkdir -p "/etc/netns/$NS"
echo "nameserver 10.99.0.53" >"/etc/netns/$NS/resolv.conf"
echo "10.99.0.77 pool.supportxmr.com nothere.example outside.lab-test" >"/etc/netns/$NS/hosts"
# No IPv6: the kernel's own neighbour discovery would be the only noise.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 || skip "cannot configure the namespace"
ip -n "$NS" link set lo up
# A veth pair with both ends inside (no dummy module needed).
ip -n "$NS" link add d0 type veth peer name d1 || skip "cannot create a veth pair here"
for a in 10.99.0.1 10.99.0.53 10.99.0.77; do ip -n "$NS" addr add $a/24 dev d0; done
ip -n "$NS" link set d0 up
ip -n "$NS" link set d1 up
IN=(ip netns exec "$NS")

timeout -k 5 170 "${IN[@]}" dumpcap -q -i any -w "$TMP/cap.pcapng" 2>"$TMP/dumpcap.err" &
CAP=$!
PIDS="$PIDS $CAP"
for _ in $(seq 1 100); do
    grep -q 'Capturing on' "$TMP/dumpcap.err" && break
    kill -0 $CAP 2>/dev/null || { cat "$TMP/dumpcap.err" >&2; fail "dumpcap died"; }
    sleep 0.1
done
sleep 0.5

"$ML_SOURCE_DIR/harness/launch/labca.sh" "$TMP/ca" pool.supportxmr.com >"$TMP/certs" ||
    fail "labca.sh failed"
NETNS=$NS DNS_PORT=53 start_labdns 10.99.0.1 pool.supportxmr.com=10.99.0.1 \
    outside.lab-test=192.0.2.7
NETNS=$NS start_pool --listen 10.99.0.1:0 --tls-listen 10.99.0.1:0 \
    --tls-cert "$(cat "$TMP/certs")" --diff 4 --verify all --job-interval 5

# The servers listen on the lab address only.
"${IN[@]}" ss -H -lntu >"$TMP/listen"
[ -s "$TMP/listen" ] || fail "nothing listens in the namespace"
awk '{print $5}' "$TMP/listen" | grep -v '^10\.99\.0\.1:' &&
    fail "a lab server listens beyond the lab address: $(cat "$TMP/listen")"
ok "lab DNS and pool listen on 10.99.0.1 only ($(wc -l <"$TMP/listen") sockets)"

refuse() {
    local want=$1
    shift
    timeout -k 2 20 "${IN[@]}" "$M" "$@" -u W -p x -t 1 --mode light >"$TMP/o" 2>"$TMP/e"
    rc=$?
    [ $rc = 2 ] || fail "expected exit 2 for $*, got $rc: $(cat "$TMP/e")"
    [ "$(wc -l <"$TMP/e")" = 1 ] || fail "not one line for $*: $(cat "$TMP/e")"
    grep -q -- "$want" "$TMP/e" || fail "no '$want' for $*: $(cat "$TMP/e")"
}
refuse "does not know nothere.example (NXDOMAIN)" \
    -o stratum+tcp://nothere.example:$TCP_PORT --lab-dns 10.99.0.1 --lab-net $LABNET
refuse "refusing lab DNS answer 192.0.2.7 for outside.lab-test" \
    -o stratum+tcp://outside.lab-test:$TCP_PORT --lab-dns 10.99.0.1 --lab-net $LABNET
refuse "the lab DNS must lie inside --lab-net" \
    -o stratum+tcp://pool.supportxmr.com:$TCP_PORT --lab-dns 10.99.0.53 --lab-net $LABNET
refuse "a name needs --lab-dns" -o stratum+tcp://pool.supportxmr.com:$TCP_PORT \
    --lab-net $LABNET
ok "refusals: NXDOMAIN, answer outside, lab DNS outside, no lab DNS"

timeout -k 5 60 "${IN[@]}" "$M" -o stratum+ssl://pool.supportxmr.com:$TLS_PORT \
    --lab-dns 10.99.0.1 --lab-net $LABNET -u 4LABWALLET -p x -t 1 --mode light \
    --max-duration 50 >"$TMP/miner.out" 2>"$TMP/miner.err" &
MINER=$!
PIDS="$PIDS $MINER"
wait_share tls 45 || { cat "$TMP/miner.err" >&2; fail "no verified share by name in the namespace"; }
kill -TERM $MINER
wait $MINER || fail "miner exit code $?"
grep '"event":"tls_handshake"' "$EVENTS" | grep -q '"sni":"pool.supportxmr.com"' ||
    fail "no SNI at the pool"
ok "mined by name over TLS in the namespace"
sleep 0.5
kill -TERM $CAP
wait $CAP 2>/dev/null

tshark -r "$TMP/cap.pcapng" -T fields -E separator=' ' -e frame.number -e ip.src \
    -e ip.dst -e ipv6.src -e ipv6.dst -e _ws.col.Protocol >"$TMP/pkts" 2>"$TMP/tshark.err" ||
    fail "tshark could not read the capture: $(cat "$TMP/tshark.err")"
total=$(wc -l <"$TMP/pkts")
[ "$total" -gt 20 ] || fail "the capture holds only $total packets"
awk '$2 != "10.99.0.1" || $3 != "10.99.0.1"' "$TMP/pkts" >"$TMP/stray"
[ -s "$TMP/stray" ] && fail "packets outside the lab address: $(head -5 "$TMP/stray")"
tshark -r "$TMP/cap.pcapng" -Y 'dns.flags.response == 0' -T fields -e ip.dst -e udp.dstport \
    -e tcp.dstport -e dns.qry.name 2>/dev/null | sort | uniq -c >"$TMP/queries"
grep -q 'pool.supportxmr.com$' "$TMP/queries" || fail "no query for the pool name captured"
grep -q 'nothere.example$' "$TMP/queries" || fail "no query for the unknown name captured"
awk '{print $2}' "$TMP/queries" | grep -v '^10\.99\.0\.1$' && fail "a query to another server"
awk '{print $NF}' "$TMP/queries" | grep -vxE 'pool\.supportxmr\.com|nothere\.example|outside\.lab-test' &&
    fail "a query for another name (search domain?): $(cat "$TMP/queries")"
ok "$total packets captured, all between lab addresses; queries only to 10.99.0.1:53:"
cat "$TMP/queries"
no_sanitizer_report "$TMP/miner.err"
stop_pool
