#!/usr/bin/env bash
# labinet.sh — the run's lab "internet": a network namespace that holds the
# pool, the lab DNS and the lab web host, reached from the victim (the root
# namespace) over a veth pair, like a remote host on the internet.
#
#   labinet.sh up RUNID CATALOGUE [RUNDIR]
#       creates netns mlinet-RUNID and a veth pair: victim side (root
#       namespace, the victim's uplink) 198.18.X.1/24, internet side with the
#       lab DNS 198.18.X.53, the pool 198.18.X.10 and the web host
#       198.18.X.80. Starts dnsmasq in the namespace, bound to the DNS
#       address only, answering every name of CATALOGUE (NAME TAG lines,
#       scenarios/pool-domains.txt) with the pool address (NODATA for other
#       record types) and NXDOMAIN for every other name; no upstream, no
#       /etc/hosts. Its query log goes to RUNDIR/labdns.log (default: the
#       current directory). Prints ML_INET_NETNS=, ML_INET_IFACE= (victim
#       uplink), ML_INET_DNS=, ML_INET_POOL=, ML_INET_WEB=, ML_INET_NET=
#       (the lab CIDR for --lab-net), ML_INET_HOME= (the victim's home net).
#   labinet.sh down RUNID   kills what runs in the namespace (dnsmasq, pool),
#                           removes it and the veth (quiet when absent)
#   labinet.sh check        exit 0 if it can be made here, else 77 + reason
#
# 198.18.0.0/15 is RFC 2544's benchmarking range: never routed on the
# internet, yet not RFC 1918, so rules written for outbound traffic (Falco
# excludes 10/8, 172.16/12, 192.168/16 and loopback) see an external peer.
# Nothing is routed or NATed: the victim reaches only the namespace's
# addresses. X comes from RUNID (cksum), moving on to the next free /24.
set -euo pipefail

die() {
    printf 'labinet: %s\n' "$*" >&2
    exit 1
}

valid_runid() {
    [[ $1 =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || die "bad RUNID '$1' ([A-Za-z0-9_.-], at most 40)"
}

host_iface_for() {
    ip -o link show type veth 2>/dev/null |
        awk -v a="alias mlinet-$1" 'index($0, a) { n = $2; sub(/@.*/, "", n); sub(/:$/, "", n); print n }'
}

addr_taken() {
    ip -4 -o addr show 2>/dev/null | grep -q " 198\.18\.$1\."
}

check() {
    [[ $(id -u) -eq 0 ]] || { echo "lab internet needs root (CAP_NET_ADMIN)" >&2; exit 77; }
    command -v ip >/dev/null || { echo "iproute2 (ip) not installed" >&2; exit 77; }
    command -v dnsmasq >/dev/null || { echo "dnsmasq (dnsmasq-base) not installed" >&2; exit 77; }
    local probe="mlinet-probe-$$"
    if ! ip netns add "$probe" 2>/dev/null; then
        echo "cannot create network namespaces here" >&2
        exit 77
    fi
    ip netns del "$probe" 2>/dev/null || true
}

down() {
    local runid=$1 ns="mlinet-$1" ifc
    valid_runid "$runid"
    if ip netns list 2>/dev/null | grep -qw -- "$ns"; then
        # dnsmasq and the pool run inside; anything left keeps it alive.
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -TERM 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] && break
            sleep 0.1
        done
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    fi
    for ifc in $(host_iface_for "$runid"); do
        ip link del "$ifc" 2>/dev/null || true
    done
    return 0
}

up() {
    local runid=$1 catalogue=$2 rundir=${3:-.} ns="mlinet-$1" x i hifc nifc
    valid_runid "$runid"
    [[ -r $catalogue ]] || die "cannot read the domain catalogue '$catalogue'"
    command -v dnsmasq >/dev/null || die "dnsmasq (dnsmasq-base) is not installed"
    if ip netns list 2>/dev/null | grep -qw -- "$ns"; then
        die "namespace $ns exists already (labinet.sh down $runid first)"
    fi
    x=$(($(printf '%s' "$runid" | cksum | cut -d' ' -f1) % 250 + 1))
    for i in $(seq 1 250); do
        addr_taken "$x" || break
        x=$((x % 250 + 1))
        : "$i"
    done
    addr_taken "$x" && die "no free 198.18.X.0/24 lab subnet"
    local net="198.18.$x" args=() name tag
    while read -r name tag _; do
        [[ -z $name || $name == \#* ]] && continue
        [[ -n $tag ]] || die "$catalogue: '$name' has no source tag"
        args+=("--address=/$name/$net.10" "--local=/$name/")
    done <"$catalogue"
    ((${#args[@]})) || die "$catalogue names no domain"
    hifc="mli$x"
    nifc="mlo$x"
    trap 'down "$runid"' ERR
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    ip link add "$hifc" type veth peer name "$nifc"
    ip link set "$hifc" alias "mlinet-$runid"
    ip link set "$nifc" netns "$ns"
    # No IPv6 on the uplink: router solicitations would be the only noise.
    sysctl -qw "net.ipv6.conf.$hifc.disable_ipv6=1" 2>/dev/null || true
    ip addr add "$net.1/24" dev "$hifc"
    ip link set "$hifc" up
    for a in 53 10 80; do ip -n "$ns" addr add "$net.$a/24" dev "$nifc"; done
    ip -n "$ns" link set "$nifc" up
    ip -n "$ns" link set lo up
    ip netns exec "$ns" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
        --bind-interfaces --listen-address="$net.53" --port=53 --address=/#/ "${args[@]}" \
        --log-queries --log-facility="$(realpath -m "$rundir")/labdns.log" \
        --pid-file="/run/mlinet-$runid.dnsmasq.pid"
    trap - ERR
    printf 'ML_INET_NETNS=%s\nML_INET_IFACE=%s\nML_INET_DNS=%s\nML_INET_POOL=%s\nML_INET_WEB=%s\nML_INET_NET=%s\nML_INET_HOME=%s\n' \
        "$ns" "$hifc" "$net.53" "$net.10" "$net.80" "$net.0/24" "$net.1/32"
}

case "${1:-}" in
up) [[ $# -eq 3 || $# -eq 4 ]] || die "usage: labinet.sh up RUNID CATALOGUE [RUNDIR]"; up "$2" "$3" "${4:-.}" ;;
down) [[ $# -eq 2 ]] || die "usage: labinet.sh down RUNID"; down "$2"; rm -f "/run/mlinet-$2.dnsmasq.pid" ;;
check) check ;;
*) die "usage: labinet.sh up RUNID CATALOGUE [RUNDIR] | down RUNID | check" ;;
esac
