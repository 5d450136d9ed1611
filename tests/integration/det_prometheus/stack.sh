#!/usr/bin/env bash
# minerlab-det-prometheus for real: it starts Debian's prometheus,
# node_exporter and process-exporter on loopback ports, a CPU hog with its own
# comm starts, and an alert for the hog's pid must come from Prometheus's
# alerts API; on SIGTERM every process it started is gone and its temp dir is
# removed. A short `for:` (default 60 s) keeps the test short; scrapes every
# 10 s (default 15 s), since at load average 30 on 2 cores one
# process-exporter scrape took over 3 s. The machinery is the same.
set -euo pipefail
BIN=${ML_BIN_DIR:?}/minerlab-det-prometheus
for t in prometheus prometheus-node-exporter prometheus-process-exporter; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
# `minerlab list` names each adapter with the version of the tool behind it.
if [[ -x ${ML_BIN_DIR}/minerlab ]]; then
    "${ML_BIN_DIR}/minerlab" list >/tmp/ml-prom-list.$$ 2>&1 || true
    grep -Eq '^  prometheus +prometheus 2\.[0-9.]+.*, node_exporter [0-9.]+, process-exporter ' \
        /tmp/ml-prom-list.$$ || { cat /tmp/ml-prom-list.$$; rm -f /tmp/ml-prom-list.$$; echo "FAIL: list lacks the prometheus version"; exit 1; }
    if [[ -x ${ML_BIN_DIR}/minerlab-det-ndpi ]]; then
        grep -Eq '^  ndpi +nDPI 4\.' /tmp/ml-prom-list.$$ || { rm -f /tmp/ml-prom-list.$$; echo "FAIL: list lacks the nDPI version"; exit 1; }
    fi
    rm -f /tmp/ml-prom-list.$$
fi
work=$(mktemp -d /tmp/ml-prom-it-XXXXXX)
det=; hog=
cleanup() {
    [[ -n $hog ]] && kill "$hog" 2>/dev/null || true
    [[ -n $det ]] && kill -KILL "$det" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/tmp"
# A hog whose comm no other process has: a copy of a busy-looping shell.
cp "$(command -v dash || command -v bash)" "$work/mlprom_hog"
TMPDIR=$work/tmp "$BIN" --scrape-s 10 --for-s 6 --new-group-cores 0.05 --interval-ms 500 >"$work/out" 2>"$work/err" &
det=$!
for _ in $(seq 1 150); do
    grep -q '"min_observation_s"' "$work/out" && break
    kill -0 "$det" 2>/dev/null || { cat "$work/out" "$work/err"; echo "FAIL: detector exited"; exit 1; }
    sleep 0.2
done
grep -q '"min_observation_s":16' "$work/out" || { cat "$work/out"; echo "FAIL: no info line with min_observation_s 16"; exit 1; }
grep -q '"version":"prometheus 2' "$work/out" || { echo "FAIL: no version"; exit 1; }
children=$(ps -o pid= --ppid "$det" | tr -d ' ' | tr '\n' ' ')
[[ $(wc -w <<<"$children") -eq 3 ]] || { ps -f --ppid "$det"; echo "FAIL: expected 3 children, got '$children'"; exit 1; }
# It runs at nice -15 where allowed. On a 2-core box shared by many builds
# (load average 25+) a busy loop got 0.17 cores even so: the test's "new
# group" rule asks for 0.05 cores (the default is 0.25) so that it checks
# the stack, the rule and the pid lookup, not the box's spare CPU.
nice -n -15 true 2>/dev/null && prio=(nice -n -15) || prio=()
"${prio[@]}" "$work/mlprom_hog" -c 'while :; do :; done' &
hog=$!
found=
for _ in $(seq 1 180); do
    if grep -q "\"pid\":$hog,.*NewProcessGroupSustainedCpu.*'mlprom_hog'" "$work/out"; then
        found=1; break
    fi
    sleep 0.5
done
hogpid=$hog; kill "$hog"; wait "$hog" 2>/dev/null || true; hog=
if [[ -z $found ]]; then
    cat "$work/out" "$work/err"; echo "FAIL: no alert for the hog (pid $hogpid) in 90 s"; exit 1
fi
grep "\"pid\":" "$work/out" | grep mlprom_hog | head -1
kill -TERM "$det"
rc=0; wait "$det" || rc=$?
det=
[[ $rc -eq 0 ]] || { cat "$work/err"; echo "FAIL: detector exit $rc after SIGTERM"; exit 1; }
for c in $children; do
    if kill -0 "$c" 2>/dev/null; then echo "FAIL: child $c survived"; exit 1; fi
done
if [[ -n $(ls -A "$work/tmp") ]]; then ls -la "$work/tmp"; echo "FAIL: temp dir left behind"; exit 1; fi
tail -1 "$work/out" | grep -q '"polls"' || { echo "FAIL: no final info line"; exit 1; }
echo "PASS: alert for the hog's pid, 3 children gone, temp dir removed"
