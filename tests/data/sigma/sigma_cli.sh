#!/usr/bin/env bash
# minerlab-det-sigma and minerlab-det-auditd as executables: a rules
# directory with bad rules loads the good ones and names each skipped one
# with "file: reason"; a missing directory is one error line and exit 2;
# the auditd detector replays a recorded audit log into the Sigma engine.
# usage: sigma_cli.sh BIN_DIR DATA_DIR
set -euo pipefail
bin=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

"$bin/minerlab-det-sigma" --rules "$data/mixed" --mode poll --no-dns --no-connections \
    --once >"$tmp/out" 2>"$tmp/err"
grep -q '"rules_loaded":2' "$tmp/out" || fail "loaded: $(head -1 "$tmp/out")"
grep -q '"rules_skipped":8' "$tmp/out" || fail "skipped count"
for f in malformed_yaml unknown_modifier unknown_logsource bad_condition aggregation \
    unknown_selection collection lookbehind; do
    [[ $(grep -c "^$f.yml: " "$tmp/err") == 1 ]] || fail "no single skip line for $f.yml"
done
! grep -q README "$tmp/err" || fail "README.txt read as a rule"
echo "ok sigma: 2 rules loaded, 8 skipped with one line each"

rc=0
"$bin/minerlab-det-sigma" --rules "$tmp/none" --once >"$tmp/out" 2>"$tmp/err" || rc=$?
[[ $rc == 2 ]] || fail "missing rules dir: exit $rc"
[[ $(wc -l <"$tmp/err") == 1 ]] || fail "missing rules dir: $(cat "$tmp/err")"
grep -q "$tmp/none" "$tmp/err" || fail "error line does not name the directory"
echo "ok sigma: missing rules directory is one error line, exit 2"

"$bin/minerlab-det-auditd" --replay "$data/audit_exec.log" --once >"$tmp/out" 2>"$tmp/err"
[[ $(grep -c '"reason":"sigma rule' "$tmp/out") == 3 ]] || fail "auditd replay: $(cat "$tmp/out")"
grep -q '"garbage_lines":1' "$tmp/out" || fail "auditd replay garbage count"
grep -q '"pid":8620' "$tmp/out" || fail "auditd replay pid"
! grep -q 'cmake' "$tmp/out" || fail "auditd replay: cmake alerted"
echo "ok auditd: replayed log gives 3 alerts on the miner-style exec, xz and cmake quiet"

# Missing tools: a degraded notice naming the reason, the detector keeps
# running until SIGTERM and exits cleanly (no audit rules touched, no mount).
for det in auditd bpftrace; do
    PATH=/nonexistent "$bin/minerlab-det-$det" >"$tmp/$det.out" 2>"$tmp/$det.err" &
    dpid=$!
    for _ in $(seq 50); do
        grep -q '"degraded":true' "$tmp/$det.out" && break
        sleep 0.1
    done
    kill -0 "$dpid" 2>/dev/null || fail "$det exited instead of running degraded"
    kill -TERM "$dpid"
    wait "$dpid" || fail "$det: exit status $? after SIGTERM"
done
grep -q '"degraded":true.*auditctl not installed' "$tmp/auditd.out" || fail "auditd reason: $(cat "$tmp/auditd.out")"
grep -q '"degraded":true.*bpftrace cannot be started: No such file' "$tmp/bpftrace.out" ||
    grep -q '"degraded":true.*tracefs' "$tmp/bpftrace.out" || fail "bpftrace reason: $(cat "$tmp/bpftrace.out")"
echo "ok auditd, bpftrace: missing tools give a degraded notice with the reason"

# Live: a process with a miner flag on its command line fires, a plain one
# stays quiet (the netlink connector as root, else /proc polled every 200 ms).
# Both live 2 s: a process gone before its /proc entry is read is not seen.
"$bin/minerlab-det-sigma" --no-dns --no-connections --interval-ms 200 >"$tmp/live.out" 2>"$tmp/live.err" &
spid=$!
for _ in $(seq 50); do
    grep -q '"rules_loaded"' "$tmp/live.out" && break
    sleep 0.1
done
sleep 0.5
bash -c 'sleep 2; : --donate-level=0' &
mpid=$!
bash -c 'sleep 2; : --version' &
bpid=$!
wait "$mpid" "$bpid" || true
sleep 0.5
kill -TERM "$spid"
wait "$spid" || fail "sigma: exit status $? after SIGTERM"
grep -q "\"pid\":$mpid,\"reason\":\"sigma rule 'Linux Crypto Miner Command Line Flags'" "$tmp/live.out" ||
    fail "sigma live: no alert for pid $mpid: $(cat "$tmp/live.out")"
! grep -q "\"pid\":$bpid," "$tmp/live.out" || fail "sigma live: alert on a plain sleep"
echo "ok sigma live: the miner-flag process fired, the plain one stayed quiet"
