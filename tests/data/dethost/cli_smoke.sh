#!/usr/bin/env bash
# cli_smoke.sh BIN_DIR DATA_DIR — every host detector executable: bad usage
# exits 2 with a message; --once on a recorded snapshot writes valid protocol
# lines; a running detector stops cleanly (exit 0) within 2 s of SIGTERM.
set -euo pipefail
bin=$1 data=$2
dets=(cpu-threshold cpu-steady memscan exec-watch browser-watch)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
valid_lines() { # every line a JSON object with ts, detector, technique
    python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    assert {"ts", "detector", "technique"} <= o.keys(), line
    assert len(line) <= 8192
' || return 1
}
for d in "${dets[@]}"; do
    exe=$bin/minerlab-det-$d
    set +e
    msg=$("$exe" --no-such-option 2>&1 >/dev/null)
    rc=$?
    set -e
    [[ $rc -eq 2 && $msg == *usage* ]] || fail "$d: bad option gave rc=$rc '$msg'"
    "$exe" --once --iface lo --proc-root "$data/miner-snap" 2>/dev/null | valid_lines ||
        fail "$d: --once output is not protocol lines"
    "$exe" --iface lo >/dev/null 2>&1 &
    p=$!; pids+=("$p")
    sleep 1.5
    kill -0 "$p" 2>/dev/null || fail "$d: died on its own within 1.5 s"
    kill -TERM "$p"
    for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && fail "$d: still running 2 s after SIGTERM"
    set +e; wait "$p"; rc=$?; set -e
    [[ $rc -eq 0 ]] || fail "$d: exit $rc after SIGTERM"
done
# The recorded miner is caught by the rules that should catch it.
"$bin/minerlab-det-exec-watch" --once --proc-root "$data/miner-snap" 2>/dev/null |
    grep -q '"pid":[0-9]*,"reason":"pid [0-9]*: stratum-scheme' || fail "exec-watch missed the miner"
echo "cli smoke: ${#dets[@]} detectors OK"
