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

NETLIB_NAME=labnet
# shellcheck source-path=SCRIPTDIR source=netlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"

host_iface_for() {
    ifaces_with_alias "mlab-$1" type veth
}

check() {
    check_netns "lab link" mlab
}

down() {
    local runid=$1 ns="mlab-$1" ifc
    valid_runid "$runid"
    for ifc in $(host_iface_for "$runid"); do
        ip link del "$ifc" 2>/dev/null || true
    done
    if netns_exists "$ns"; then
        # Anything still running in the namespace would keep it alive.
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    fi
    return 0
}

up() {
    local runid=$1 ns="mlab-$1" x hifc nifc
    valid_runid "$runid"
    netns_exists "$ns" && die "namespace $ns exists already (labnet.sh down $runid first)"
    x=$(free_subnet "$runid" 10.254 10.254.X.0/30) || exit 1
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
