#!/usr/bin/env bash
# cli.sh BIN_DIR DATA_DIR — the network detectors' command lines (option
# tables, det_netcli): --help on stdout with exit 0, usage errors in one line
# with exit 2, --home-net (and ML_HOME_NET, its default) setting the direction
# on recorded captures; and every reference detector found accepts
# --home-net, which the harness passes to all of them.
set -euo pipefail
bin=$1 data=$2
TMPDIR_CLI=$(mktemp -d)
trap 'rm -rf "$TMPDIR_CLI"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
alerts() { grep -c '"reason":"rule ' || true; }
for d in stratum-dpi pool-endpoint flow-cadence; do
    exe=$bin/minerlab-det-$d
    out=$("$exe" --help) || fail "$d --help exited $?"
    [[ $out == *--home-net* && $out == *--iface* && $out == usage:* ]] ||
        fail "$d --help: $out"
    for bad in "--no-such-option" "--home-net 198.18.7.1/24" "--home-net" "--iface"; do
        set +e
        # shellcheck disable=SC2086 # the words are the arguments
        msg=$("$exe" $bad 2>&1 >/dev/null)
        rc=$?
        set -e
        [[ $rc -eq 2 && $(wc -l <<<"$msg") -eq 1 && $msg == *"see --help"* ]] ||
            fail "$d $bad: rc=$rc '$msg'"
    done
done
echo "ok: --help, and usage errors exit 2 with one line"

sdpi=$bin/minerlab-det-stratum-dpi
n=$("$sdpi" --read "$data/xmrig_login.pcap" 2>/dev/null | alerts)
((n > 0)) || fail "stratum-dpi found nothing in xmrig_login.pcap"
# The capture is 127.0.0.1 -> 127.0.0.1: outbound only when the client is
# home and the server is not.
m=$("$sdpi" --read "$data/xmrig_login.pcap" --home-net 10.0.0.0/8 2>/dev/null | alerts)
[[ $m -eq 0 ]] || fail "stratum-dpi alerted on a client outside --home-net ($m)"
m=$("$sdpi" --read "$data/xmrig_login.pcap" --home-net 127.0.0.0/8 2>/dev/null | alerts)
[[ $m -eq 0 ]] || fail "stratum-dpi alerted on home -> home ($m)"
m=$(ML_HOME_NET=127.0.0.0/8 "$sdpi" --read "$data/xmrig_login.pcap" 2>/dev/null | alerts)
[[ $m -eq 0 ]] || fail "stratum-dpi ignored ML_HOME_NET ($m)"
m=$(ML_HOME_NET=127.0.0.0/8 "$sdpi" --read "$data/xmrig_login.pcap" --home-net 127.0.0.1/32 \
    2>/dev/null | alerts)
[[ $m -eq 0 ]] || fail "stratum-dpi: 127.0.0.1 -> 127.0.0.1 is not outbound ($m)"
m=$(ML_HOME_NET=10.0.0.0/8 "$sdpi" --read "$data/xmrig_login.pcap" --home-net '' \
    2>/dev/null | alerts)
[[ $m -eq $n ]] || fail "stratum-dpi: --home-net '' should override ML_HOME_NET ($m of $n)"
echo "ok: stratum-dpi keeps \$HOME_NET -> \$EXTERNAL_NET ($n alerts without a home net)"

pep=$bin/minerlab-det-pool-endpoint
n=$("$pep" --read "$data/dns_queries.pcap" 2>/dev/null | alerts)
[[ $n -eq 1 ]] || fail "pool-endpoint: $n alerts on dns_queries.pcap, want 1"
m=$("$pep" --read "$data/dns_queries.pcap" --home-net 10.0.0.0/8 2>/dev/null | alerts)
[[ $m -eq 0 ]] || fail "pool-endpoint: a query from outside the home net alerted"
m=$("$pep" --read "$data/dns_queries.pcap" --home-net 127.0.0.0/8 2>/dev/null | alerts)
[[ $m -eq 1 ]] || fail "pool-endpoint: a home host's query to a home resolver is a query"
set +e
msg=$("$pep" --ports 0 2>&1 >/dev/null)
rc=$?
set -e
[[ $rc -eq 2 && $msg == *--ports* ]] || fail "pool-endpoint --ports 0: rc=$rc '$msg'"
echo "ok: pool-endpoint's DNS rule from home hosts only"

fc=$bin/minerlab-det-flow-cadence
n=$("$fc" --read "$data/tls_cadence.pcap" 2>/dev/null | alerts)
((n > 0)) || fail "flow-cadence found nothing in tls_cadence.pcap"
m=$("$fc" --read "$data/tls_cadence.pcap" --home-net 10.0.0.0/8 2>/dev/null | alerts)
[[ $m -eq 0 ]] || fail "flow-cadence judged flows from outside the home net"
echo "ok: flow-cadence judges outbound flows only"

# The harness passes --home-net to every reference detector: none may stop
# on it with a usage error (exit 2) when started as the harness starts it.
k=0
for exe in "$bin"/minerlab-det-*; do
    [[ -x $exe ]] || continue
    setsid "$exe" --iface lo --home-net 198.18.7.0/25 >/dev/null 2>"$TMPDIR_CLI/err" &
    p=$!
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$p" 2>/dev/null || break
        sleep 0.1
    done
    rc=0
    if kill -0 "$p" 2>/dev/null; then
        kill -TERM -- "-$p" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    else
        wait "$p" || rc=$?
    fi
    [[ $rc -ne 2 ]] || fail "$(basename "$exe") refused --home-net: $(head -1 "$TMPDIR_CLI/err")"
    k=$((k + 1))
done
echo "ok: all $k reference detectors start with --iface and --home-net"
