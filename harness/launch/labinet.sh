#!/usr/bin/env bash
# labinet.sh — the run's lab "internet": a network namespace that holds the
# pool, the lab DNS and the lab web host, reached from the victim hosts over
# a lab LAN, like remote hosts on the internet.
#
#   labinet.sh up RUNID CATALOGUE [RUNDIR]
#       creates a bridge mlbX in the root namespace (the victim LAN; the
#       root namespace is the victim host 198.18.X.1/24 on it) and netns
#       mlinet-RUNID joined to it by a veth pair, holding the lab DNS
#       198.18.X.253, the pool 198.18.X.200 and the web host 198.18.X.180.
#       Starts dnsmasq in the namespace, bound to the DNS address only,
#       answering every name of CATALOGUE (NAME TAG lines,
#       scenarios/pool-domains.txt) with the pool address (names tagged
#       "web" with the web host's; NODATA for other record types) and
#       NXDOMAIN for every other name; no upstream, no /etc/hosts. Its query
#       log (client address/port, name: --log-queries=extra) goes to
#       RUNDIR/labdns.log (default: the current directory). Prints ML_INET_NETNS=, ML_INET_IFACE= (the
#       bridge port toward the lab internet: the victims' uplink, where every
#       victim's traffic to the internet passes and a sensor captures; the
#       bridge itself sees only the root host's own frames), ML_INET_DNS=,
#       ML_INET_POOL=, ML_INET_WEB=, ML_INET_NET= (the lab internet half,
#       198.18.X.128/25, for the miner's --lab-net), ML_INET_HOME= (the
#       victims' half, 198.18.X.0/25: a sensor's home net).
#   labinet.sh attach RUNID NETNS N
#       joins another namespace (a cloud scenario's, a fleet gateway's) to
#       the victim LAN as host 198.18.X.N/24 (N in 2..120); prints its
#       ML_INET_HOST=.
#   labinet.sh down RUNID   kills what runs in the namespace (dnsmasq, pool),
#                           removes it, the bridge and every veth on it
#                           (quiet when absent)
#   labinet.sh check        exit 0 if it can be made here, else 77 + reason
#
# 198.18.0.0/15 is RFC 2544's benchmarking range: never routed on the
# internet, yet not RFC 1918, so rules written for outbound traffic (Falco
# excludes 10/8, 172.16/12, 192.168/16 and loopback) see an external peer.
# Nothing is routed or NATed: the LAN is one bridged /24 and the victims
# reach only the lab internet's addresses on it. X comes from RUNID
# (cksum), moving on to the next free /24.
set -euo pipefail

NETLIB_NAME=labinet
# shellcheck source-path=SCRIPTDIR source=netlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"

# Interfaces carrying the alias mlinet-RUNID (the bridge and the root ends
# of the veths), so `down` finds them even when the namespace is gone.
ifaces_for() {
    ifaces_with_alias "mlinet-$1"
}

check() {
    check_netns "lab internet" mlinet
    command -v dnsmasq >/dev/null || { echo "dnsmasq (dnsmasq-base) not installed" >&2; exit 77; }
}

down() {
    local runid=$1 ns="mlinet-$1" ifc
    valid_runid "$runid"
    if netns_exists "$ns"; then
        # dnsmasq and the pool run inside; anything left keeps it alive.
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -TERM 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] && break
            sleep 0.1
        done
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    fi
    for ifc in $(ifaces_for "$runid"); do
        ip link del "$ifc" 2>/dev/null || true
    done
    return 0
}

attach() {
    local runid=$1 other=$2 n=$3 br x
    valid_runid "$runid"
    [[ $n =~ ^[0-9]+$ ]] && ((n >= 2 && n <= 120)) || die "host number $n is not in 2..120"
    netns_exists "$other" || die "namespace $other does not exist"
    br=$(ifaces_for "$runid" | grep '^mlb' | head -1)
    [[ -n $br ]] || die "no lab internet for $runid (labinet.sh up first)"
    x=${br#mlb}
    trap 'ip link del "mla$x-$n" 2>/dev/null || true' ERR
    ip link add "mla$x-$n" type veth peer name "mlv$x-$n"
    ip link set "mla$x-$n" alias "mlinet-$runid"
    sysctl -qw "net.ipv6.conf.mla$x-$n.disable_ipv6=1" 2>/dev/null || true
    ip link set "mla$x-$n" master "$br"
    ip link set "mlv$x-$n" netns "$other"
    ip netns exec "$other" sysctl -qw "net.ipv6.conf.mlv$x-$n.disable_ipv6=1" 2>/dev/null || true
    ip -n "$other" addr add "198.18.$x.$n/24" dev "mlv$x-$n"
    ip -n "$other" link set "mlv$x-$n" up
    ip link set "mla$x-$n" up
    trap - ERR
    printf 'ML_INET_HOST=198.18.%d.%d\n' "$x" "$n"
}

up() {
    local runid=$1 catalogue=$2 rundir=${3:-.} ns="mlinet-$1" x br hifc nifc
    valid_runid "$runid"
    [[ -r $catalogue ]] || die "cannot read the domain catalogue '$catalogue'"
    command -v dnsmasq >/dev/null || die "dnsmasq (dnsmasq-base) is not installed"
    netns_exists "$ns" && die "namespace $ns exists already (labinet.sh down $runid first)"
    x=$(free_subnet "$runid" 198.18 198.18.X.0/24) || exit 1
    local net="198.18.$x" args=() name tag
    while read -r name tag _; do
        [[ -z $name || $name == \#* ]] && continue
        [[ -n $tag ]] || die "$catalogue: '$name' has no source tag"
        if [[ $tag == web ]]; then
            args+=("--address=/$name/$net.180" "--local=/$name/")
        else
            args+=("--address=/$name/$net.200" "--local=/$name/")
        fi
    done <"$catalogue"
    ((${#args[@]})) || die "$catalogue names no domain"
    br="mlb$x"
    hifc="mli$x"
    nifc="mlo$x"
    trap 'down "$runid"' ERR
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    # The victim LAN: a bridge in the root namespace. No IPv6 on it: router
    # solicitations would be the only noise.
    ip link add "$br" type bridge
    ip link set "$br" alias "mlinet-$runid"
    sysctl -qw "net.ipv6.conf.$br.disable_ipv6=1" 2>/dev/null || true
    ip addr add "$net.1/24" dev "$br"
    ip link add "$hifc" type veth peer name "$nifc"
    ip link set "$hifc" alias "mlinet-$runid"
    sysctl -qw "net.ipv6.conf.$hifc.disable_ipv6=1" 2>/dev/null || true
    ip link set "$hifc" master "$br"
    ip link set "$nifc" netns "$ns"
    for a in 253 200 180; do ip -n "$ns" addr add "$net.$a/24" dev "$nifc"; done
    ip -n "$ns" link set "$nifc" up
    ip -n "$ns" link set lo up
    ip link set "$hifc" up
    ip link set "$br" up
    ip netns exec "$ns" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
        --bind-interfaces --listen-address="$net.253" --port=53 --address=/#/ "${args[@]}" \
        --log-queries=extra --log-facility="$(realpath -m "$rundir")/labdns.log" \
        --pid-file="/run/mlinet-$runid.dnsmasq.pid"
    trap - ERR
    printf 'ML_INET_NETNS=%s\nML_INET_IFACE=%s\nML_INET_DNS=%s\nML_INET_POOL=%s\nML_INET_WEB=%s\nML_INET_NET=%s\nML_INET_HOME=%s\n' \
        "$ns" "$hifc" "$net.253" "$net.200" "$net.180" "$net.128/25" "$net.0/25"
}

case "${1:-}" in
up) [[ $# -eq 3 || $# -eq 4 ]] || die "usage: labinet.sh up RUNID CATALOGUE [RUNDIR]"; up "$2" "$3" "${4:-.}" ;;
down) [[ $# -eq 2 ]] || die "usage: labinet.sh down RUNID"; down "$2"; rm -f "/run/mlinet-$2.dnsmasq.pid" ;;
attach) [[ $# -eq 4 ]] || die "usage: labinet.sh attach RUNID NETNS N"; attach "$2" "$3" "$4" ;;
check) check ;;
*) die "usage: labinet.sh up RUNID CATALOGUE [RUNDIR] | attach RUNID NETNS N | down RUNID | check" ;;
esac
