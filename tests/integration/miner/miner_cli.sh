#!/usr/bin/env bash
# End-to-end checks of minerlab-miner's offline command line.
set -euo pipefail
MINER=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
pids=()
cleanup() { for p in "${pids[@]:-}"; do [[ -n $p ]] && kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# 1. Bad input: one clear line on stderr and exit code 2, never a crash.
check_bad() {
    local want=$1; shift
    local out rc=0
    out=$("$MINER" "$@" 2>&1 >/dev/null) || rc=$?
    [[ $rc -eq 2 ]] || fail "$* exited $rc, want 2"
    [[ $(wc -l <<<"$out") -eq 1 ]] || fail "$*: want one line, got: $out"
    grep -q -- "$want" <<<"$out" || fail "$*: '$out' does not mention '$want'"
}
check_bad "--duty" --bench 10 --duty 0
check_bad "--duty" --bench 10 --duty 101
check_bad "--threads" --bench 10 -t 0
check_bad "--mode" --bench 10 --mode turbo
check_bad "unknown option" --bench 10 --frobnicate
check_bad "--name" --bench 10 --name ""
check_bad_ulimit() { (ulimit -v 1000000; check_bad "$@"); }
# ASan reserves terabytes of shadow address space, so no ulimit -v there.
if [[ -z ${ML_SANITIZED:-} ]]; then
    check_bad_ulimit "available" --bench 10 -t 8 --mode fast
fi
check_bad "rx/2" --bench 10 --algo rx/2 --mode light
echo "ok: bad input rejected with one line each"

# 2. The offline bench: JSON with the promised keys, result verified.
json=$("$MINER" --bench 20 --json --mode light -t 2)
python3 - "$json" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
for k in ("mode", "threads", "hashes", "seconds", "hashrate", "dataset_init_s",
          "cache_init_s", "large_pages", "flags"):
    assert k in d, k
assert d["mode"] == "light" and d["threads"] == 2 and d["hashes"] == 20, d
assert d["hashrate"] > 0 and d["verified"] is True, d
print("ok: bench json", d["hashrate"], "H/s")
PY

# 3. --name: ps, comm and argv[0] show the disguise; exe is still the miner.
"$MINER" --bench-seconds 30 --mode light -t 1 --duty 5 --name "[kworker/0:2H]" >/dev/null &
pid=$!
pids+=("$pid")
# The re-exec sets cmdline at once and comm a moment later (PR_SET_NAME).
for _ in $(seq 100); do
    [[ $(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null) == "[kworker/0:2H]"* &&
       $(cat /proc/$pid/comm 2>/dev/null) == "[kworker/0:2H]" ]] && break
    sleep 0.1
done
comm=$(cat /proc/$pid/comm)
cmd=$(tr '\0' ' ' </proc/$pid/cmdline)
[[ $comm == "[kworker/0:2H]" ]] || fail "comm is '$comm'"
[[ $cmd == "[kworker/0:2H] --bench-seconds 30"* ]] || fail "cmdline is '$cmd'"
# The re-exec changes argv[0] only (issue 13): every other argument stays
# exactly as given, so no rewrite can drop a limit.
[[ $cmd == "[kworker/0:2H] --bench-seconds 30 --mode light -t 1 --duty 5 --name [kworker/0:2H] " ]] ||
    fail "cmdline is not the original argv with argv[0] replaced: '$cmd'"
[[ $(readlink /proc/$pid/exe) == *minerlab-miner ]] || fail "exe is $(readlink /proc/$pid/exe)"
ps -o args= -p "$pid" | grep -q '^\[kworker/0:2H\]' || fail "ps does not show the name"
echo "ok: --name shows in comm, cmdline and ps"

# 4. SIGTERM stops within 1 s and still prints the summary.
start=$(date +%s%N)
kill -TERM "$pid"
wait "$pid" || true
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ $ms -lt 1000 ]] || fail "SIGTERM took $ms ms"
echo "ok: SIGTERM stop in $ms ms"

# 5. Config from standard input survives the --name re-exec.
echo '{"duty":5,"threads":1,"mode":"light"}' |
    "$MINER" -c - --bench-seconds 1 --name miner-stdin-test >/tmp/ml-stdin.$$ 2>&1 ||
    fail "stdin config with --name: $(cat /tmp/ml-stdin.$$)"
grep -q "duty 5%" /tmp/ml-stdin.$$ || fail "stdin config not applied: $(cat /tmp/ml-stdin.$$)"
rm -f /tmp/ml-stdin.$$
echo "ok: stdin config with --name"
# 6. --print-time prints XMRig-style speed lines instead of being ignored.
speed=$("$MINER" --bench-seconds 3 --print-time 1 --mode light -t 1 2>&1) ||
    fail "--print-time bench failed: $speed"
grep -q "bench: speed" <<<"$speed" || fail "--print-time printed no speed line: $speed"
echo "ok: --print-time"
echo "miner_cli: 6 passed, 0 failed"
