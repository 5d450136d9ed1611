#!/usr/bin/env bash
# Regenerates the detnet pcaps from real loopback traffic (run once, as root,
# the files are committed): gen_traffic.py plays each scenario on 127.0.0.1
# or ::1 while dumpcap records it. Takes about 90 s (the cadence capture is
# 70 s of wall time on purpose: flow-cadence needs flows older than 60 s).
#   tests/data/detnet/gen.sh [only-this-name]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TMP=$(mktemp -d)
DUMPCAP_PID=
cleanup() {
    [[ -n $DUMPCAP_PID ]] && kill "$DUMPCAP_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

capture() { # capture NAME IFACE LINKTYPE FILTER -- command...
    local name=$1 iface=$2 link=$3 filter=$4
    shift 5
    local snap=()
    # The cadence capture only needs headers and sizes: keep the file small.
    [[ $name == tls_cadence || $name == real_tls ]] && snap=(-s 200)
    if [[ -n ${ONLY:-} && $ONLY != "$name" ]]; then return; fi
    local ltopt=()
    [[ -n $link ]] && ltopt=(-y "$link")
    dumpcap -q -P -i "$iface" "${ltopt[@]}" "${snap[@]}" -f "$filter" -w "$TMP/$name.pcap" 2>/dev/null &
    DUMPCAP_PID=$!
    sleep 1.5
    "$@"
    sleep 1
    kill -INT "$DUMPCAP_PID"
    wait "$DUMPCAP_PID" || true
    DUMPCAP_PID=
    cp "$TMP/$name.pcap" "$HERE/$name.pcap"
    echo "gen: $name.pcap $(stat -c %s "$HERE/$name.pcap") bytes"
}

ONLY=${1:-}
PY="python3 $HERE/gen_traffic.py"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=lab.invalid \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null

capture xmrig_login lo "" "tcp port 3333" -- $PY stratum 3333
capture xmrig_login_any_sll2 any LINUX_SLL2 "tcp port 3333" -- $PY stratum 3333
capture xmrig_login_v6 lo "" "tcp port 3333" -- $PY stratum6 3333
capture mining_v1 lo "" "tcp port 4444" -- $PY mining_v1 4444
capture benign_jsonrpc_8080 lo "" "tcp port 8080" -- $PY benign_jsonrpc 8080
capture coinhive_ws lo "" "tcp port 8081" -- $PY coinhive 8081
capture ws_chat lo "" "tcp port 8082" -- $PY ws_chat 8082
capture dns_queries lo "" "udp port 5353" -- $PY dns 5353
capture tls_sni lo "" "tcp port 9443" -- $PY sni 9443 "$TMP"
capture tls_cadence lo "" "tcp port 9444" -- $PY cadence 9444 "$TMP" 70

# Real minerlab-miner <-> minerlab-pool traffic, when a build is at hand:
#   ML_BIN_DIR=build/bin tests/data/detnet/gen.sh real_tcp   (also real_tls, real_ws)
real() { # real PORT_ARGS URL SECONDS
    local poolargs=$1 url=$2 secs=$3
    "$ML_BIN_DIR/minerlab-pool" $poolargs --diff 100 --job-interval 10 --verify none \
        --quiet &
    local pool=$!
    sleep 1
    "$ML_BIN_DIR/minerlab-miner" -o "$url" -u "$WALLET" -p x -t 1 --duty 20 \
        --mode light --max-duration "$secs" >/dev/null 2>&1 || true
    kill "$pool"
    wait "$pool" || true
}
WALLET=44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A
if [[ -x ${ML_BIN_DIR:-/nonexistent}/minerlab-pool ]]; then
    capture real_tcp lo "" "tcp port 3333" -- \
        real "--listen 127.0.0.1:3333" stratum+tcp://127.0.0.1:3333 12
    capture real_ws lo "" "tcp port 8080" -- \
        real "--listen 127.0.0.1:3335 --ws-listen 127.0.0.1:8080" ws://127.0.0.1:8080/ 12
    capture real_tls lo "" "tcp port 3334" -- \
        real "--listen 127.0.0.1:3335 --tls-listen 127.0.0.1:3334" \
        stratum+ssl://127.0.0.1:3334 75
fi

# A capture cut in the middle of its last record.
if [[ -z $ONLY || $ONLY == truncated ]]; then
    size=$(stat -c %s "$HERE/xmrig_login.pcap")
    head -c $((size - 40)) "$HERE/xmrig_login.pcap" >"$HERE/truncated.pcap"
    head -c 10 "$HERE/xmrig_login.pcap" >"$HERE/truncated_header.pcap"
    echo "gen: truncated.pcap, truncated_header.pcap"
fi

# The XMRig login moved onto lab-internet addresses (a victim in the home
# half 198.18.7.0/25, the pool at .200), for the --home-net tests.
if [[ -z $ONLY || $ONLY == xmrig_login_inet ]]; then
    python3 "$HERE/relabel.py" "$HERE/xmrig_login.pcap" "$HERE/xmrig_login_inet.pcap" \
        3333 198.18.7.10 198.18.7.200
    echo "gen: xmrig_login_inet.pcap"
fi
