#!/usr/bin/env bash
# fleetnet.sh — a fleet of infected hosts behind a NAT gateway, on the run's
# lab internet (labinet.sh). Lab only: the hosts reach the lab internet's
# addresses and nothing else.
#
#   fleetnet.sh up RUNID GWNUM HOSTS
#       needs the lab internet of RUNID (labinet.sh up). Makes the gateway
#       namespace mlfl-RUNID-gw, joined to the victim LAN as host
#       198.18.X.GWNUM (labinet.sh attach: its uplink), and HOSTS host
#       namespaces mlfl-RUNID-h1.. on a private fleet LAN 10.201.0.0/24 (a
#       bridge in the gateway; host i is 10.201.0.(10+i), the gateway
#       10.201.0.1 and their default route). In the gateway, nftables table
#       `ip minerlab_fleet` forwards only fleet LAN -> the lab internet half
#       198.18.X.128/25 (and the replies) and masquerades it behind the
#       uplink address; the gateway has no other route. Prints
#       ML_FLEET_GW= (the uplink address), ML_FLEET_GW_NETNS=,
#       ML_FLEET_UPLINK= (the gateway's interface), ML_FLEET_NET=,
#       ML_FLEET_HOSTS= (the host namespaces, space-separated).
#   fleetnet.sh down RUNID   kills what runs in the fleet's namespaces and
#                            removes them with the nft table; the veth pairs
#                            go with them (quiet when absent)
#   fleetnet.sh check        exit 0 if it can be made here, else 77 + reason
#
# The harness records `labnet <this script> RUNID` in the run's state file
# before `up`, so its watchdog and the next run's sweep run `down RUNID`.
set -euo pipefail

FLEET_NET=10.201.0
TABLE=minerlab_fleet

die() {
    printf 'fleetnet: %s\n' "$*" >&2
    exit 1
}

valid_runid() {
    [[ $1 =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || die "bad RUNID '$1' ([A-Za-z0-9_.-], at most 40)"
}

fleet_ns() {
    ip netns list 2>/dev/null | awk -v p="mlfl-$1-" 'index($1, p) == 1 { print $1 }'
}

check() {
    [[ $(id -u) -eq 0 ]] || { echo "a fleet needs root (CAP_NET_ADMIN)" >&2; exit 77; }
    command -v ip >/dev/null || { echo "iproute2 (ip) not installed" >&2; exit 77; }
    command -v nft >/dev/null || { echo "nft (nftables) not installed" >&2; exit 77; }
    local probe="mlfl-probe-$$"
    ip netns add "$probe" 2>/dev/null || { echo "cannot create network namespaces here" >&2; exit 77; }
    if ! ip netns exec "$probe" nft -f - 2>/dev/null <<NFT; then
table ip probe {
    chain p {
        type nat hook postrouting priority srcnat;
        masquerade
    }
}
NFT
        ip netns del "$probe" 2>/dev/null || true
        echo "nftables NAT (masquerade) is not available in this kernel" >&2
        exit 77
    fi
    ip netns del "$probe" 2>/dev/null || true
}

down() {
    local runid=$1 ns gw="mlfl-$1-gw"
    valid_runid "$runid"
    if ip netns list 2>/dev/null | grep -qw -- "$gw"; then
        ip netns exec "$gw" nft delete table ip "$TABLE" 2>/dev/null || true
    fi
    for ns in $(fleet_ns "$runid"); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    done
    for ns in $(fleet_ns "$runid"); do
        ip netns del "$ns" 2>/dev/null || true
    done
    return 0
}

up() {
    local runid=$1 gwnum=$2 hosts=$3 gw="mlfl-$1-gw" here x inet uplink i ns list=()
    valid_runid "$runid"
    if ! [[ $hosts =~ ^[0-9]+$ ]] || ((hosts < 1 || hosts > 100)); then
        die "host count $hosts is not in 1..100"
    fi
    [[ -n $(fleet_ns "$runid") ]] && die "a fleet of $runid exists already (fleetnet.sh down $runid first)"
    here=$(dirname "${BASH_SOURCE[0]}")
    trap 'down "$runid"' ERR
    ip netns add "$gw"
    ip netns exec "$gw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    ip -n "$gw" link set lo up
    inet=$("$here/labinet.sh" attach "$runid" "$gw" "$gwnum") || die "labinet.sh attach failed"
    inet=${inet#ML_INET_HOST=}
    x=$(cut -d. -f3 <<<"$inet")
    uplink="mlv$x-$gwnum"
    # The fleet LAN. Forwarding is switched on in the gateway's namespace
    # only (net.ipv4.ip_forward is per namespace).
    ip -n "$gw" link add lan0 type bridge
    ip -n "$gw" addr add "$FLEET_NET.1/24" dev lan0
    ip -n "$gw" link set lan0 up
    ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
    ip netns exec "$gw" nft -f - <<NFT
table ip $TABLE {
    chain forward {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname "lan0" oifname "$uplink" ip saddr $FLEET_NET.0/24 ip daddr 198.18.$x.128/25 accept
    }
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "$uplink" ip saddr $FLEET_NET.0/24 masquerade
    }
}
NFT
    for ((i = 1; i <= hosts; i++)); do
        ns="mlfl-$runid-h$i"
        ip netns add "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1
        ip -n "$gw" link add "h$i" type veth peer name eth0 netns "$ns"
        ip -n "$gw" link set "h$i" master lan0 up
        ip -n "$ns" addr add "$FLEET_NET.$((10 + i))/24" dev eth0
        ip -n "$ns" link set lo up
        ip -n "$ns" link set eth0 up
        ip -n "$ns" route add default via "$FLEET_NET.1"
        list+=("$ns")
    done
    trap - ERR
    printf 'ML_FLEET_GW=%s\nML_FLEET_GW_NETNS=%s\nML_FLEET_UPLINK=%s\nML_FLEET_NET=%s\nML_FLEET_HOSTS=%s\n' \
        "$inet" "$gw" "$uplink" "$FLEET_NET.0/24" "${list[*]}"
}

case "${1:-}" in
up) [[ $# -eq 4 ]] || die "usage: fleetnet.sh up RUNID GWNUM HOSTS"; up "$2" "$3" "$4" ;;
down) [[ $# -eq 2 ]] || die "usage: fleetnet.sh down RUNID"; down "$2" ;;
check) check ;;
*) die "usage: fleetnet.sh up RUNID GWNUM HOSTS | down RUNID | check" ;;
esac
