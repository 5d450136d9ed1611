#!/usr/bin/env bash
# labnet.sh — the run's lab link for cloud/container scenarios.
#
#   labnet.sh up RUNID     create netns mlab-RUNID and a veth pair:
#                          host side 10.254.X.1/30 (root namespace),
#                          namespace side 10.254.X.2/30; prints
#                          ML_LAB_HOST=, ML_LAB_NETNS=, ML_LAB_CIDR=,
#                          ML_LAB_IFACE= lines on stdout
#   labnet.sh down RUNID   remove them (quiet and successful when absent)
#   labnet.sh check        exit 0 if links can be made here, else 77 + reason
#
# X is derived from RUNID (cksum), moving on to the next free /30 when the
# address is taken.  The host veth carries the alias "mlab-RUNID" so `down`
# finds it even when the namespace is already gone.  Nothing is routed or
# NATed: the namespace reaches only the host side of its own link.
set -euo pipefail

die() {
    printf 'labnet: %s\n' "$*" >&2
    exit 1
}

valid_runid() {
    [[ $1 =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || die "bad RUNID '$1' ([A-Za-z0-9_.-], at most 40)"
}

host_iface_for() {
    # `ip -o link` prints "N: NAME@PEER: <...> ...\    alias ALIAS".
    ip -o link show type veth 2>/dev/null |
        awk -v a="alias mlab-$1" 'index($0, a) { n = $2; sub(/@.*/, "", n); sub(/:$/, "", n); print n }'
}

addr_taken() {
    ip -4 -o addr show 2>/dev/null | grep -q " 10\.254\.$1\."
}

check() {
    [[ $(id -u) -eq 0 ]] || { echo "lab link needs root (CAP_NET_ADMIN)" >&2; exit 77; }
    command -v ip >/dev/null || { echo "iproute2 (ip) not installed" >&2; exit 77; }
    local probe="mlab-probe-$$"
    if ! ip netns add "$probe" 2>/dev/null; then
        echo "cannot create network namespaces here" >&2
        exit 77
    fi
    ip netns del "$probe" 2>/dev/null || true
}

down() {
    local runid=$1 ns="mlab-$1" ifc
    valid_runid "$runid"
    for ifc in $(host_iface_for "$runid"); do
        ip link del "$ifc" 2>/dev/null || true
    done
    if ip netns list 2>/dev/null | grep -qw -- "$ns"; then
        # Anything still running in the namespace would keep it alive.
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    fi
    return 0
}

up() {
    local runid=$1 ns="mlab-$1" x i hifc nifc
    valid_runid "$runid"
    if ip netns list 2>/dev/null | grep -qw -- "$ns"; then
        die "namespace $ns exists already (labnet.sh down $runid first)"
    fi
    x=$(($(printf '%s' "$runid" | cksum | cut -d' ' -f1) % 250 + 1))
    for i in $(seq 1 250); do
        addr_taken "$x" || break
        x=$((x % 250 + 1))
        : "$i"
    done
    addr_taken "$x" && die "no free 10.254.X.0/30 lab subnet"
    hifc="mlh$x"
    nifc="mln$x"
    trap 'down "$runid"' ERR
    ip netns add "$ns"
    ip link add "$hifc" type veth peer name "$nifc"
    ip link set "$hifc" alias "mlab-$runid"
    ip link set "$nifc" netns "$ns"
    ip addr add "10.254.$x.1/30" dev "$hifc"
    ip link set "$hifc" up
    ip -n "$ns" addr add "10.254.$x.2/30" dev "$nifc"
    ip -n "$ns" link set "$nifc" up
    ip -n "$ns" link set lo up
    trap - ERR
    printf 'ML_LAB_HOST=10.254.%d.1\nML_LAB_NETNS=%s\nML_LAB_CIDR=10.254.%d.0/30\nML_LAB_IFACE=%s\n' \
        "$x" "$ns" "$x" "$hifc"
}

case "${1:-}" in
up) [[ $# -eq 2 ]] || die "usage: labnet.sh up RUNID"; up "$2" ;;
down) [[ $# -eq 2 ]] || die "usage: labnet.sh down RUNID"; down "$2" ;;
check) check ;;
*) die "usage: labnet.sh up|down RUNID | check" ;;
esac
