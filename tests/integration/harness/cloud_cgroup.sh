#!/usr/bin/env bash
# cloud.sh's CPU-quota cgroup under the harness (issue 14): it is in the
# run's state file; the miner in it is inside the scenario's cgroup-v2
# subtree, so cgroup.kill of the scenario's cgroup kills it, tokens or not;
# after the run no quota cgroup is left. Where the cpu controller is on the
# v2 hierarchy (cgroup-v2-only hosts) the quota cgroup is SCEN/quota itself,
# with cpu.max set; where it is on v1 (hybrid hosts) it is a v1 cgroup with
# cpu.cfs_quota_us set and the miner stays in the scenario's v2 cgroup too.
. "$(dirname "$0")/lib.sh"
[[ $(id -u) -eq 0 ]] || { echo "SKIP: the cloud scenario needs root"; exit 77; }
for t in ip unshare; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
out=$WORK/run
setsid "$MINERLAB" run cloud-tcp-d10 --scenarios "$ML_SOURCE_DIR/scenarios" \
    --launch-dir "$ML_SOURCE_DIR/harness/launch" --detector cpu-threshold \
    --pool-ports random --warmup 1 --gap 1 --grace 1 --quiet --out "$out" \
    >"$WORK/h.log" 2>&1 &
HPID=$!
wait_for "$out/timeline.jsonl" 30 '"event":"run_start"' || fail "run never started"
start=$(grep -m1 '"event":"run_start"' "$out/timeline.jsonl")
state=$(sed -n 's/.*"state":"\([^"]*\)".*/\1/p' <<<"$start")
runcg=$(sed -n 's/.*"cgroup":"\([^"]*\)".*/\1/p' <<<"$start")
[[ -n $runcg ]] || { echo "SKIP: no writable cgroup-v2 hierarchy (the run has no cgroup)"; exit 77; }
root=${runcg%/minerlab/run-*}
scen=$runcg/w0
miner=
for _ in $(seq 1 400); do
    for p in $(grep -l -- "${runcg#"$root"}/" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); do
        [[ $(readlink "/proc/$p/exe" 2>/dev/null) == */minerlab-miner ]] && miner=$p && break
    done
    [[ -n $miner ]] && break
    grep -q '"event":"scenario_end"' "$out/timeline.jsonl" && break
    sleep 0.1
done
[[ -n $miner ]] || fail "no miner in the run's cgroup: $(grep scenario_end "$out/timeline.jsonl")"
v2=$(sed -n 's/^0:://p' "/proc/$miner/cgroup")
[[ $root$v2 == "$scen" || $root$v2 == "$scen"/* ]] ||
    fail "miner's v2 cgroup $root$v2 is outside the scenario's $scen"
if grep -qw cpu "$root/cgroup.controllers"; then
    quota=$root$v2
    [[ $quota == "$scen/quota" ]] || fail "v2 cpu: the miner is in $quota, not $scen/quota"
    [[ $(cat "$quota/cpu.max") == "180000 100000" ]] || fail "cpu.max is $(cat "$quota/cpu.max")"
    where="v2: $quota (cpu.max 180000 100000)"
else
    v1=$(sed -n 's/^[0-9]*:\(cpu\|cpu,cpuacct\|cpuacct,cpu\):\(.*\)$/\2/p' "/proc/$miner/cgroup")
    quota=/sys/fs/cgroup/cpu$v1
    [[ $v1 == /minerlab/cloud-tcp-d10-* && -d $quota ]] || fail "miner's v1 cpu cgroup is '$v1'"
    [[ $(cat "$quota/cpu.cfs_quota_us") == 180000 ]] ||
        fail "cpu.cfs_quota_us is $(cat "$quota/cpu.cfs_quota_us")"
    where="v1 cpu: $quota (cfs_quota_us 180000), v2: $root$v2"
fi
grep -qx "cgroup $quota" "$state" || fail "the quota cgroup $quota is not in the state file"
# The scenario's cgroup.kill reaches the miner in its quota cgroup.
echo 1 >"$scen/cgroup.kill"
for _ in $(seq 1 40); do
    [[ -d /proc/$miner ]] || break
    sleep 0.05
done
[[ ! -d /proc/$miner ]] || fail "miner $miner alive 2 s after cgroup.kill of $scen"
# The run goes on to its end; then nothing of the quota cgroup is left.
for _ in $(seq 1 900); do
    kill -0 "$HPID" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$HPID" 2>/dev/null && fail "the run did not end after the scenario died"
wait "$HPID" 2>/dev/null || true
HPID=
[[ ! -d $quota ]] || fail "quota cgroup left: $quota"
[[ ! -d $scen ]] || fail "scenario cgroup left: $scen"
[[ ! -e $state ]] || fail "state file left: $state"
echo "cloud cgroup: $where, in the state file; cgroup.kill of $scen killed the miner; nothing left after the run"
