#!/usr/bin/env bash
# The suricata-eve and falco executables on the sample files: alerts and
# garbage counts as written, a file that appears after start is waited for
# and read, appended lines are followed, SIGTERM ends it cleanly.
# usage: adapters_cli.sh BIN_DIR DATA_DIR
set -euo pipefail
bin=$1 data=$2
tmp=$(mktemp -d)
pid=
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

"$bin/minerlab-det-suricata-eve" --input "$data/eve.json" --from-start --once >"$tmp/eve.out" 2>"$tmp/eve.err"
n=$(grep -c '"reason":"suricata \[' "$tmp/eve.out" || true)
[[ $n == 2 ]] || fail "suricata-eve: $n alerts, want 2"
grep -q '"garbage_lines":4' "$tmp/eve.out" || fail "suricata-eve: garbage count: $(tail -1 "$tmp/eve.out")"
grep -q '"other_records":3' "$tmp/eve.out" || fail "suricata-eve: other records"
echo "ok suricata-eve: 2 alerts, 3 other records, 4 garbage lines"

"$bin/minerlab-det-falco" --input "$data/falco.json" --from-start --once >"$tmp/falco.out" 2>"$tmp/falco.err"
n=$(grep -c '"reason":"falco rule' "$tmp/falco.out" || true)
[[ $n == 4 ]] || fail "falco: $n alerts, want 4"
grep -q '"pid":4242' "$tmp/falco.out" || fail "falco: pid 4242 missing"
grep -q '"garbage_lines":3' "$tmp/falco.out" || fail "falco: garbage count"
echo "ok falco: 4 alerts, 3 garbage lines"

# Without --from-start, what is already in the file is history: not alerted.
"$bin/minerlab-det-falco" --input "$data/falco.json" --once >"$tmp/hist.out" 2>/dev/null
! grep -q '"reason"' "$tmp/hist.out" || fail "falco: replayed history"
echo "ok falco: existing lines are not replayed"

# A file that does not exist yet: degraded notice, then read once it appears.
"$bin/minerlab-det-suricata-eve" --input "$tmp/later/eve.json" --interval-ms 50 >"$tmp/wait.out" 2>"$tmp/wait.err" &
pid=$!
sleep 0.5
grep -q '"degraded":true' "$tmp/wait.out" || fail "no degraded notice while waiting"
grep -q 'does not exist yet' "$tmp/wait.out" || fail "degraded reason"
mkdir -p "$tmp/later"
head -n 1 "$data/eve.json" >"$tmp/later/eve.json"
sleep 0.5
printf '%s\ngarbage\n' "$(sed -n 2p "$data/eve.json")" >>"$tmp/later/eve.json"
for _ in $(seq 50); do
    [[ $(grep -c '"reason":"suricata' "$tmp/wait.out" || true) == 2 ]] && break
    sleep 0.1
done
kill -TERM "$pid"
wait "$pid" || fail "exit status $? after SIGTERM"
pid=
n=$(grep -c '"reason":"suricata' "$tmp/wait.out" || true)
[[ $n == 2 ]] || fail "waited-for file: $n alerts, want 2"
grep -q '"garbage_lines":1' "$tmp/wait.out" || fail "waited-for file: garbage count"
echo "ok suricata-eve: waited for the file, followed appends, exit on SIGTERM"
