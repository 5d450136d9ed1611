#!/usr/bin/env bash
# Benchmark (not in CI): the harness's own CPU while a scenario runs. Runs a
# 60 s fake scenario with one quiet detector and reads the harness's CPU time
# from /proc at the start and end of the window. Target: < 1 % of one core.
# Usage: harness_overhead_bench.sh [BUILD_DIR] [SECONDS] [SCENARIO_ID]
# With SCENARIO_ID, a real scenario from scenarios/ runs with the real pool
# (its duration_s must be at least SECONDS).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
SECS=${2:-60}
DATA=$ROOT/tests/data/harness
WORK=$(mktemp -d /tmp/ml-overhead-bench.XXXXXX)
trap 'kill $HPID 2>/dev/null || true; rm -rf "$WORK"' EXIT
sed "s/duration_s: 30/duration_s: $SECS/" "$DATA/scenarios/binary/fake-escape.yaml" |
    sed 's/id: fake-escape/id: fake-long/' >"$WORK/long.yaml"
if [[ -n ${3:-} ]]; then
    set -- "$3"
else
    set -- "$WORK/long.yaml" --launch-dir "$DATA/launch" --pool "$DATA/bin/fakepool.sh"
fi
"$BUILD/bin/minerlab" run "$@" --detector "good=sh $DATA/bin/gooddet.sh" \
    --warmup 0 --grace 0 --quiet --out "$WORK/run" >/dev/null 2>&1 &
HPID=$!
until grep -q scenario_start "$WORK/run/timeline.jsonl" 2>/dev/null; do sleep 0.1; done
sleep 2
ticks() { awk '{print $14 + $15}' "/proc/$HPID/stat"; }
t0=$(ticks); s0=$(date +%s.%N)
sleep $((SECS - 6))
t1=$(ticks); s1=$(date +%s.%N)
hz=$(getconf CLK_TCK)
awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$hz" \
    'BEGIN { printf "harness CPU during the window: %.3f s over %.1f s = %.2f %% of one core\n", (b-a)/hz, e-s, 100*(b-a)/hz/(e-s) }'
wait $HPID || true
