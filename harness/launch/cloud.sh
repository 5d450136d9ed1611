#!/usr/bin/env bash
# cloud.sh — the cloud/container scenario: the miner runs in its own network
# namespace (the run's lab netns, reaching the pool over the veth link that
# labnet.sh made), its own pid and mount namespaces (unshare --pid --mount
# --fork --mount-proc) and a cgroup with a CPU quota (cgroup v1 cpu
# controller, or v2 cpu.max where the cpu controller lives on cgroup2).
#
# Where the quota cgroup lives: the harness starts each launcher in the
# scenario's cgroup on the v2 hierarchy (ROOT/minerlab/run-ID/wN) and stops
# the scenario with its cgroup.kill. With the cpu controller on that
# hierarchy (cgroup-v2-only hosts, or a hybrid one whose unified mount has
# it), the quota cgroup is a child of the scenario's, wN/quota, and the
# launcher's own processes move to wN/launcher (a v2 cgroup that holds
# processes cannot hand a controller to its children). With the cpu
# controller on v1 (hybrid hosts), the quota cgroup is a v1 one and the
# miner stays in the scenario's v2 cgroup too (a process is in one cgroup
# per hierarchy), so cgroup.kill covers it either way. Every cgroup made
# here is in the run's state file before it is made.
#
# Extra knob: ML_CPU_QUOTA_PCT (default 90) — the quota in percent of one CPU
# per miner thread, like a container's `cpus:` limit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=minerlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/minerlib.sh"

CG_V1=/sys/fs/cgroup/cpu
CG_PERIOD_US=100000

# minerlab/<scenario id>-<sandbox hash>: unique per run, so runs of the same
# scenario side by side (several harnesses on one host) never share or kill
# each other's cgroup; `cleanup` gets the same ML_SANDBOX and finds it again.
cg_name() {
    local id=${ML_SCENARIO_ID:-cloud} tag
    id=${id//[^A-Za-z0-9_.-]/_}
    tag=$(printf '%s' "${ML_SANDBOX:-$PWD}" | cksum | cut -d' ' -f1)
    printf 'minerlab/%s-%s\n' "$id" "$tag"
}

# Prints "v1 ROOT" or "v2 ROOT" for the hierarchy holding the cpu
# controller, or fails.
cg_flavour() {
    if [[ -f $CG_V1/cpu.cfs_quota_us ]]; then
        printf 'v1 %s\n' "$CG_V1"
        return 0
    fi
    local root
    for root in /sys/fs/cgroup /sys/fs/cgroup/unified; do
        if [[ -f $root/cgroup.controllers ]] && grep -qw cpu "$root/cgroup.controllers"; then
            printf 'v2 %s\n' "$root"
            return 0
        fi
    done
    return 1
}

ml_check() {
    ml_check_miner
    [[ $(id -u) -eq 0 ]] || ml_skip "cloud scenario needs root (namespaces, cgroups)"
    command -v ip >/dev/null || ml_skip "iproute2 (ip) not installed"
    command -v unshare >/dev/null || ml_skip "unshare (util-linux) not installed"
    unshare --pid --mount --fork --mount-proc true 2>/dev/null ||
        ml_skip "cannot create pid/mount namespaces here"
    cg_flavour >/dev/null || ml_skip "no cgroup cpu controller (v1 cpu or v2 cpu.max)"
}

# The scenario's cgroup-v2 directory (this launcher's own cgroup when it is
# ROOT/minerlab/run-ID/wN, where the harness starts launchers), or nothing.
scen_cgroup() {
    local rel root
    rel=$(sed -n 's/^0:://p' /proc/self/cgroup 2>/dev/null)
    rel=${rel%/launcher}
    [[ $rel == /minerlab/run-*/* ]] || return 0
    for root in /sys/fs/cgroup /sys/fs/cgroup/unified; do
        if [[ -f $root/cgroup.controllers && -d $root$rel ]]; then
            printf '%s\n' "$root$rel"
            return 0
        fi
    done
}

# Where cg_create put the quota cgroup (read by cleanup, which the harness
# may run from outside the scenario's cgroup).
CG_RECORD=.quota-cgroup

# Enables the cpu controller for the children of ROOT and of every level
# below it down to DIR.
cg_v2_enable_cpu() {
    local d=$1 rest=${2#"$1"/} part
    while :; do
        grep -qw cpu "$d/cgroup.subtree_control" ||
            echo +cpu >"$d/cgroup.subtree_control" ||
            ml_die "cannot enable the cpu controller in $d"
        [[ -n $rest ]] || break
        part=${rest%%/*}
        if [[ $rest == */* ]]; then rest=${rest#*/}; else rest=; fi
        d=$d/$part
    done
}

# The quota cgroup as SCEN/quota (prints it). The launcher's processes
# (this shell and the subshells running this) move to SCEN/launcher first.
cg_v2_child() {
    local root=$1 scen=$2 leaf=$2/launcher dir=$2/quota p i
    ml_state_add cgroup "$leaf"
    mkdir -p "$leaf"
    for i in $(seq 1 50); do
        [[ -n $(cat "$scen/cgroup.procs" 2>/dev/null) ]] || break
        while read -r p; do
            echo "$p" >"$leaf/cgroup.procs" 2>/dev/null || true
        done <"$scen/cgroup.procs"
        : "$i"
    done
    [[ -z $(cat "$scen/cgroup.procs") ]] || ml_die "cannot move the launcher out of $scen"
    cg_v2_enable_cpu "$root" "$scen"
    ml_state_add cgroup "$dir"
    mkdir -p "$dir"
    printf '%s\n' "$dir"
}

# Creates the cgroup with the quota; prints its directory.
cg_create() {
    local flavour root dir quota scen
    read -r flavour root < <(cg_flavour)
    quota=$((${ML_THREADS:-1} * CG_PERIOD_US * ${ML_CPU_QUOTA_PCT:-90} / 100))
    scen=$(scen_cgroup)
    if [[ $flavour == v1 ]]; then
        dir=$root/$(cg_name)
        ml_state_add cgroup "$dir"
        mkdir -p "$dir"
        echo "$CG_PERIOD_US" >"$dir/cpu.cfs_period_us"
        echo "$quota" >"$dir/cpu.cfs_quota_us"
    elif [[ -n $scen && $scen == "$root"/* ]]; then
        dir=$(cg_v2_child "$root" "$scen")
        echo "$quota $CG_PERIOD_US" >"$dir/cpu.max"
    else
        # Started by hand (no scenario cgroup): a cgroup of its own.
        dir=$root/$(cg_name)
        ml_state_add cgroup "$dir"
        mkdir -p "$root/minerlab"
        grep -qw cpu "$root/cgroup.subtree_control" ||
            echo +cpu >"$root/cgroup.subtree_control"
        grep -qw cpu "$root/minerlab/cgroup.subtree_control" ||
            echo +cpu >"$root/minerlab/cgroup.subtree_control"
        mkdir -p "$dir"
        echo "$quota $CG_PERIOD_US" >"$dir/cpu.max"
    fi
    printf '%s\n' "$dir" >"$CG_RECORD"
    printf '%s\n' "$dir"
}

# Kills what is left in our quota cgroup and removes it (and, for a v1 or
# hand-started one, the shared parent when it is empty). Safe to call when
# nothing exists.
ml_launcher_cleanup() {
    local flavour root dir i p
    if [[ -s ${ML_SANDBOX:-.}/$CG_RECORD ]]; then
        dir=$(<"${ML_SANDBOX:-.}/$CG_RECORD")
    else
        read -r flavour root < <(cg_flavour) || return 0
        dir=$root/$(cg_name)
    fi
    [[ -d $dir ]] || return 0
    # cgroupfs files stat as empty: read them to know.
    for i in $(seq 1 25); do
        [[ -n $(cat "$dir/cgroup.procs" 2>/dev/null) ]] || break
        while read -r p; do
            kill -KILL "$p" 2>/dev/null || true
        done <"$dir/cgroup.procs"
        sleep 0.2
        : "$i"
    done
    for i in $(seq 1 10); do
        rmdir "$dir" 2>/dev/null && break
        sleep 0.2
    done
    [[ -d $dir ]] && ml_log "could not remove cgroup $dir"
    [[ ${dir%/*} == */minerlab ]] && { rmdir "${dir%/*}" 2>/dev/null || true; }
    return 0
}

ml_start() {
    local cg miner child i
    ml_need_env ML_SANDBOX ML_POOL_URL ML_DURATION
    [[ -n ${ML_LAB_NETNS:-} && -n ${ML_LAB_CIDR:-} ]] ||
        ml_skip "no lab link for this run (ML_LAB_NETNS unset; scenario needs requires: [netns])"
    ip netns list | grep -qw -- "$ML_LAB_NETNS" || ml_die "lab namespace $ML_LAB_NETNS does not exist"
    miner=$(ml_find_miner)
    cd "$ML_SANDBOX"
    ml_launcher_cleanup
    cg=$(cg_create)
    ml_miner_args "${ML_NAME:-}"
    ml_clean_env
    # Join the cgroup first, then enter the lab netns and new pid+mount
    # namespaces; --kill-child ties the container's init to unshare.
    # shellcheck disable=SC2016  # $1 and $@ belong to the inner bash
    "${ML_CLEAN[@]}" bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$cg" \
        ip netns exec "$ML_LAB_NETNS" \
        unshare --pid --mount --fork --mount-proc --kill-child=KILL -- \
        "$miner" "${ML_ARGS[@]}" </dev/null >&2 &
    ML_MINER_PID=$!
    ML_CHILD_PIDS+=("$ML_MINER_PID")
    ml_announce "$ML_MINER_PID" container
    # The miner is unshare's child (pid 1 of the new pid namespace).
    for i in $(seq 1 40); do
        child=$(cat "/proc/$ML_MINER_PID/task/$ML_MINER_PID/children" 2>/dev/null || true)
        [[ -n ${child// /} ]] && break
        sleep 0.05
        : "$i"
    done
    child=${child%% *}
    [[ -n ${child// /} ]] && ml_announce "$child" miner
    ml_run_window "$ML_MINER_PID" container
}

ml_main "$@"
