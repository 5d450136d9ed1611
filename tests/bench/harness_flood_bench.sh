#!/usr/bin/env bash
# Benchmark (not in CI): detectors that flood. One prints 100 MB of short
# garbage lines (every line parsed and rejected), one prints a single 100 MB
# line (cut at 8 KiB and skipped). The harness's peak RSS must stay small and
# the run must finish. Usage: harness_flood_bench.sh [BUILD_DIR] [MB]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
MB=${2:-100}
DATA=$ROOT/tests/data/harness
WORK=$(mktemp -d /tmp/ml-flood-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
bytes=$((MB * 1024 * 1024))
sed 's/duration_s: 2/duration_s: 10/; s/id: fake-mal/id: fake-mal-10s/' \
    "$DATA/scenarios/binary/fake-mal.yaml" >"$WORK/mal10.yaml"
/usr/bin/time -o "$WORK/time" -f "harness: %e s wall, %U s user, %M KiB peak RSS" \
    "$BUILD/bin/minerlab" run "$WORK/mal10.yaml" --launch-dir "$DATA/launch" \
    --pool "$DATA/bin/fakepool.sh" --gap 0 --grace 1 --warmup 0 --quiet --out "$WORK/run" \
    --detector "lines=sh -c 'yes not-an-alert | head -c $bytes; sleep 30'" \
    --detector "oneline=sh -c 'head -c $bytes /dev/zero | tr \"\\\\0\" x; sleep 30'" \
    >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
cat "$WORK/time"
grep -h detector_summary "$WORK/run/timeline.jsonl"
wc -c "$WORK/run/detectors/"*.invalid "$WORK/run/alerts.jsonl"
