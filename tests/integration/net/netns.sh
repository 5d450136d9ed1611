#!/bin/bash
# The guard's bars inside an empty network namespace (issue 13): no route, no
# interface but loopback. The address guard, the lab-net rule, the lab
# handshake and the lab marker must hold there exactly as on the host: they
# are decided before any socket is opened and never depend on what the
# network looks like. The namespace is private to this process tree
# (unshare -n) and disappears with it.
set -u
: "${ML_BIN_DIR:?ML_BIN_DIR not set}"
DIR=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
    echo "skip: needs root and unshare -n" >&2
    exit 77
fi
TMPDIR_NS=$(mktemp -d)
export TMPDIR_NS
trap 'rm -rf "$TMPDIR_NS"' EXIT
unshare -n -- bash -c '
    set -u
    ip link set lo up || { echo "FAIL: cannot bring lo up" >&2; exit 1; }
    links=$(ip -o link | awk -F": " "{print \$2}" | tr "\n" " ")
    [ "$links" = "lo " ] || { echo "FAIL: namespace not empty: $links" >&2; exit 1; }
    ip -o route | grep -q . && { echo "FAIL: namespace has routes" >&2; exit 1; }
    echo "ok: in an empty network namespace (links: $links; no routes)"
    M=$ML_BIN_DIR/minerlab-miner
    for net in 0.0.0.0/0 ::/0 8.8.8.0/24 64:ff9b::/96; do
        "$M" -o 127.0.0.1:3333 --lab-net "$net" --dry-run >/dev/null 2>"$TMPDIR_NS/e"
        rc=$?
        [ $rc = 2 ] && [ "$(wc -l <"$TMPDIR_NS/e")" = 1 ] ||
            { echo "FAIL: --lab-net $net: rc $rc $(cat "$TMPDIR_NS/e")" >&2; exit 1; }
    done
    echo "ok: lab-net rule holds in the namespace"
    bash "$0/guard.sh" && bash "$0/non_lab_job.sh"
' "$DIR" </dev/null
