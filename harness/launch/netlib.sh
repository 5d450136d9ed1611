# netlib.sh — shell helpers shared by the lab network scripts (labnet.sh,
# the lab link; labinet.sh, the lab internet). Sourced, never run. The
# script sets NETLIB_NAME (its name in error lines) before sourcing.
# shellcheck shell=bash

die() {
    printf '%s: %s\n' "${NETLIB_NAME:-netlib}" "$*" >&2
    exit 1
}

valid_runid() {
    [[ $1 =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || die "bad RUNID '$1' ([A-Za-z0-9_.-], at most 40)"
}

# Names of the interfaces carrying ALIAS (`ip -o link` prints
# "N: NAME@PEER: <...> ...\    alias ALIAS"), so `down` finds them even when
# the namespace is gone. Extra arguments narrow the listing ("type veth").
ifaces_with_alias() {
    local alias=$1
    shift
    ip -o link show "$@" 2>/dev/null |
        awk -v a="alias $alias" 'index($0, a) { n = $2; sub(/@.*/, "", n); sub(/:$/, "", n); print n }'
}

# Is some address in PREFIX.X.0/24 (PREFIX "10.254", "198.18") taken here?
addr_taken() {
    local prefix=${1//./\\.}
    ip -4 -o addr show 2>/dev/null | grep -q " $prefix\.$2\."
}

# The subnet number X (1..250) for RUNID under PREFIX: derived from RUNID
# (cksum), moving on to the next free one; dies with WHAT when none is free.
free_subnet() {
    local runid=$1 prefix=$2 what=$3 x i
    x=$(($(printf '%s' "$runid" | cksum | cut -d' ' -f1) % 250 + 1))
    for i in $(seq 1 250); do
        if ! addr_taken "$prefix" "$x"; then
            printf '%s\n' "$x"
            return 0
        fi
        x=$((x % 250 + 1))
        : "$i"
    done
    die "no free $what lab subnet"
}

netns_exists() {
    ip netns list 2>/dev/null | grep -qw -- "$1"
}

# Exit 0 when root can make network namespaces here, else 77 with the
# reason (WHAT: "lab link", "lab internet"; PROBE: a namespace name prefix).
check_netns() {
    local what=$1 probe="$2-probe-$$"
    [[ $(id -u) -eq 0 ]] || { echo "$what needs root (CAP_NET_ADMIN)" >&2; exit 77; }
    command -v ip >/dev/null || { echo "iproute2 (ip) not installed" >&2; exit 77; }
    if ! ip netns add "$probe" 2>/dev/null; then
        echo "cannot create network namespaces here" >&2
        exit 77
    fi
    ip netns del "$probe" 2>/dev/null || true
}
