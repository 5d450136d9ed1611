#!/usr/bin/env bash
# snapshot_proc.sh OUTDIR PID... — copies the /proc files the host detectors
# read (stat, cmdline, comm, cgroup, maps, exe link, socket fd links,
# task/*/stat) for each PID, plus uptime, stat and net/tcp{,6}, into OUTDIR
# so unit tests can replay them with --proc-root OUTDIR.
# Used to record tests/data/dethost/miner-snap from a live minerlab-miner.
set -euo pipefail
out=$1; shift
mkdir -p "$out/net"
cp /proc/uptime "$out/uptime"
grep '^cpu' /proc/stat > "$out/stat"
for f in tcp tcp6; do cp "/proc/net/$f" "$out/net/$f"; done
for pid in "$@"; do
    d=$out/$pid
    mkdir -p "$d/fd" "$d/task"
    for f in stat cmdline comm cgroup maps; do cat "/proc/$pid/$f" > "$d/$f"; done
    ln -sfn "$(readlink "/proc/$pid/exe")" "$d/exe"
    for fd in /proc/$pid/fd/*; do
        t=$(readlink "$fd" || true)
        case $t in socket:*) ln -sfn "$t" "$d/fd/${fd##*/}" ;; esac
    done
    for t in /proc/$pid/task/*; do
        mkdir -p "$d/task/${t##*/}"
        cat "$t/stat" > "$d/task/${t##*/}/stat"
    done
done
