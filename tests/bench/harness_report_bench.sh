#!/usr/bin/env bash
# Benchmark (not in CI): `minerlab report` on a generated run directory with
# 200 scenarios and 1,000,000 alerts from 10 detectors. Target: < 2 s wall,
# < 500 MiB peak RSS. Usage: harness_report_bench.sh [BUILD_DIR] [ALERTS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
N=${2:-1000000}
DIR=$(mktemp -d /tmp/ml-report-bench.XXXXXX)
trap '[[ -n ${KEEP:-} ]] || rm -rf "$DIR"' EXIT
python3 - "$DIR" "$N" <<'PY'
import json, random, sys
d, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
dets = ["det-%d" % i for i in range(10)]
scen, t = [], 1_800_000_000.0
with open(d + "/timeline.jsonl", "w") as tl:
    for i in range(200):
        mal = i % 5 != 4
        sid = "s-%03d" % i
        scen.append({"id": sid, "type": ["binary", "cloud", "fileless", "browser"][i % 4] if mal else "benign",
                     "label": "malicious" if mal else "benign", "duty_pct": [100, 70, 30, 10][i % 4],
                     "expect": {"det-0": "detect"} if mal else {}})
        w = lambda **k: tl.write(json.dumps(dict(k, scenario=sid)) + "\n")
        w(ts=t, event="scenario_start")
        for p in range(20):
            w(ts=t + 0.1, event="pid", pid=10000 + i * 100 + p)
        w(ts=t + 0.2, event="miner_start", pid=10000 + i * 100)
        w(ts=t + 0.3, event="conn", src="127.0.0.1:%d" % (20000 + i), dst="127.0.0.1:3333", via="proc")
        w(ts=t + 20, event="scenario_end", status="ran")
        t += 23
json.dump({"run_id": "bench", "started": 1_800_000_000.0, "settings": {"grace_s": 10},
           "detectors": [{"name": x, "cmd": x} for x in dets], "scenarios": scen},
          open(d + "/run.json", "w"))
span = t - 1_800_000_000.0
with open(d + "/alerts.jsonl", "w") as f:
    for k in range(n):
        ts = 1_800_000_000.0 + random.random() * span
        i = int((ts - 1_800_000_000.0) // 23)
        a = {"ts": ts, "detector": "x", "detector_name": dets[k % 10], "technique": "memory",
             "score": 0.5, "reason": "benchmark alert", "recv_ts": ts + 0.01}
        r = k % 3
        if r == 0:
            a["pid"] = 10000 + i * 100 + k % 20
        elif r == 1:
            a["flow"] = {"proto": "tcp", "src": "127.0.0.1:%d" % (20000 + i), "dst": "127.0.0.1:3333"}
        f.write(json.dumps(a, sort_keys=True, separators=(",", ":")) + "\n")
PY
echo "run dir: $(du -sh "$DIR" | cut -f1), $(wc -l <"$DIR/alerts.jsonl") alerts"
/usr/bin/time -f "minerlab report: %e s wall, %U s user, %M KiB peak RSS" \
    "$BUILD/bin/minerlab" report "$DIR" --quiet
