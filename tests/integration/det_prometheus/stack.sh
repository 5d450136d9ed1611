#!/usr/bin/env bash
# minerlab-det-prometheus for real: it starts Debian's prometheus,
# node_exporter and process-exporter on loopback ports, a CPU hog with its own
# comm starts, and an alert for the hog's pid must come from Prometheus's
# alerts API; on SIGTERM every process it started is gone and its temp dir is
# removed. Short `for:` and scrape interval (the defaults are 60 s and 15 s)
# so the test stays short; the machinery is the same.
set -euo pipefail
BIN=${ML_BIN_DIR:?}/minerlab-det-prometheus
for t in prometheus prometheus-node-exporter prometheus-process-exporter; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
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
TMPDIR=$work/tmp "$BIN" --scrape-s 2 --for-s 6 --interval-ms 500 >"$work/out" 2>"$work/err" &
det=$!
for _ in $(seq 1 150); do
    grep -q '"min_observation_s"' "$work/out" && break
    kill -0 "$det" 2>/dev/null || { cat "$work/out" "$work/err"; echo "FAIL: detector exited"; exit 1; }
    sleep 0.2
done
grep -q '"min_observation_s":8' "$work/out" || { cat "$work/out"; echo "FAIL: no info line with min_observation_s 8"; exit 1; }
grep -q '"version":"prometheus 2' "$work/out" || { echo "FAIL: no version"; exit 1; }
children=$(ps -o pid= --ppid "$det" | tr -d ' ' | tr '\n' ' ')
[[ $(wc -w <<<"$children") -eq 3 ]] || { ps -f --ppid "$det"; echo "FAIL: expected 3 children, got '$children'"; exit 1; }
"$work/mlprom_hog" -c 'while :; do :; done' &
hog=$!
found=
for _ in $(seq 1 120); do
    if grep -q "\"pid\":$hog,.*NewProcessGroupSustainedCpu.*'mlprom_hog'" "$work/out"; then
        found=1; break
    fi
    sleep 0.5
done
hogpid=$hog; kill "$hog"; wait "$hog" 2>/dev/null || true; hog=
if [[ -z $found ]]; then
    cat "$work/out" "$work/err"; echo "FAIL: no alert for the hog (pid $hogpid) in 60 s"; exit 1
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
