#!/usr/bin/env bash
# End-to-end checks of minerlab-miner's offline command line.
set -euo pipefail
MINER=$1
# The pass line counts the sections that reached their "ok"; a failure ends
# the script and the line then says so.
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; exit 1; }
pids=()
tmp=$(mktemp -d)
cleanup() {
    for p in "${pids[@]:-}"; do [[ -n $p ]] && kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
    echo "miner_cli: $passed passed, $failed failed"
}
trap cleanup EXIT

# SIGTERM to pid $1, then waits for it: sets ms (time to exit) and rc.
term_and_wait() {
    local start
    start=$(date +%s%N)
    kill -TERM "$1"
    rc=0
    wait "$1" || rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
}

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
ok "bad input rejected with one line each"

# 2. The offline bench: JSON with the promised keys, result verified.
json=$("$MINER" --bench 20 --json --mode light -t 2)
python3 - "$json" <<'PY' || fail "bench json"
import json, sys
d = json.loads(sys.argv[1])
for k in ("mode", "threads", "hashes", "seconds", "hashrate", "dataset_init_s",
          "cache_init_s", "large_pages", "flags"):
    assert k in d, k
assert d["mode"] == "light" and d["threads"] == 2 and d["hashes"] == 20, d
assert d["hashrate"] > 0 and d["verified"] is True, d
print("bench json", d["hashrate"], "H/s")
PY
ok "bench json"

# 3. --name: ps, comm and cmdline show the disguise; exe is still the miner.
"$MINER" --bench-seconds 30 --mode light -t 1 --duty 5 --name "[kworker/0:2H]" >"$tmp/term.out" &
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
ok "--name shows in comm, cmdline and ps"

# 4. SIGTERM stops within 1 s and still prints the summary; the exit code
# matches it: 0 when the hashes done were verified, 3 when there was nothing
# to verify (a stop before the first hash reports "0 hashes ... MISMATCH").
term_and_wait "$pid"
# 1 s, the sanitizer build too: a stop during the cache fill does not wait
# for it (section 7).
[[ $ms -lt 1000 ]] || fail "SIGTERM took $ms ms (limit 1000 ms)"
hashes=$(sed -n 's/^bench: \([0-9][0-9]*\) hashes in .*/\1/p' "$tmp/term.out")
[[ -n $hashes ]] || fail "no summary after SIGTERM: $(cat "$tmp/term.out")"
grep -q '^bench: result ' "$tmp/term.out" || fail "no result line after SIGTERM"
if [[ $hashes -gt 0 ]]; then
    [[ $rc -eq 0 ]] || fail "SIGTERM after $hashes hashes exited $rc, want 0"
else
    [[ $rc -eq 3 ]] || fail "SIGTERM before any hash exited $rc, want 3"
fi
ok "SIGTERM stop in $ms ms with the summary ($hashes hashes, exit $rc)"

# 5. Config from standard input survives the --name re-exec.
echo '{"duty":5,"threads":1,"mode":"light"}' |
    "$MINER" -c - --bench-seconds 1 --name miner-stdin-test >"$tmp/stdin" 2>&1 ||
    fail "stdin config with --name: $(cat "$tmp/stdin")"
grep -q "duty 5%" "$tmp/stdin" || fail "stdin config not applied: $(cat "$tmp/stdin")"
ok "stdin config with --name"
# 6. --print-time prints XMRig-style speed lines instead of being ignored.
speed=$("$MINER" --bench-seconds 3 --print-time 1 --mode light -t 1 2>&1) ||
    fail "--print-time bench failed: $speed"
grep -q "bench: speed" <<<"$speed" || fail "--print-time printed no speed line: $speed"
ok "--print-time"

# 7. SIGTERM during the cache fill (the Argon2 fill of 256 MiB takes from
# about half a second to several under load): the stop never waits for it.
"$MINER" --bench-seconds 30 --mode light -t 1 >"$tmp/fill.out" 2>&1 &
pid=$!
pids+=("$pid")
# Right after it catches SIGTERM (SigCgt bit 15), before the fill can end.
for _ in $(seq 400); do
    cgt=$(sed -n 's/^SigCgt:\s*//p' "/proc/$pid/status" 2>/dev/null || true)
    [[ -n $cgt ]] && (((0x$cgt >> 14) & 1)) && break
    sleep 0.01
done
term_and_wait "$pid"
[[ $ms -lt 1000 ]] || fail "SIGTERM during the cache fill took $ms ms (limit 1000 ms)"
grep -q '^bench: 0 hashes in ' "$tmp/fill.out" ||
    fail "SIGTERM came after the fill: $(grep hashes "$tmp/fill.out")"
[[ $rc -eq 3 ]] || fail "SIGTERM during the fill exited $rc, want 3 (nothing to verify)"
ok "SIGTERM during the cache fill: stopped in $ms ms"
[[ $passed -eq 7 ]] || fail "ran $passed of 7 sections"
