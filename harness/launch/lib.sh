# shellcheck shell=bash
# lib.sh — helpers shared by the scenario launchers (sourced, never run).
#
# Launcher contract (scenarios/README.md): `<launcher>.sh start|check|cleanup`,
# run by the harness in ML_SANDBOX with the ML_* variables set.  stdout carries
# only `ML-PID <pid> <role>` lines; exit 0 = ran, 77 = skipped (reason as the
# last stderr line), anything else = failed to start.

# shellcheck disable=SC2034  # used by the launchers that source this file
ML_LAUNCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ML_LAUNCHER=$(basename "$0" .sh)
ML_CHILD_PIDS=()

# Records something the launcher is about to create (KIND VALUE, e.g.
# "cgroup /sys/fs/cgroup/cpu/minerlab/x") in the run's state file, so that
# the harness's watchdog, or the next run, removes it if we are killed.
ml_state_add() {
    [[ -n ${ML_STATE_FILE:-} && -w ${ML_STATE_FILE:-} ]] || return 0
    printf '%s %s\n' "$1" "$2" >>"$ML_STATE_FILE"
}

ml_log() {
    printf '%s: %s\n' "${ML_LAUNCHER:-launch}" "$*" >&2
}

ml_die() {
    ml_log "$*"
    exit 1
}

# Exit 77 with the reason as the last stderr line (the harness records it).
ml_skip() {
    printf '%s\n' "$*" >&2
    exit 77
}

ml_need_env() {
    local v
    for v in "$@"; do
        [[ -n ${!v:-} ]] || ml_die "environment variable $v is not set"
    done
}

# Tells the harness about a process we started.
ml_announce() {
    printf 'ML-PID %s %s\n' "$1" "$2"
}

# Where the helper executables are: ML_BIN_DIR first, then the miner's dir.
ml_helper() {
    local name=$1 d
    for d in "${ML_BIN_DIR:-}" "$(dirname "${ML_MINER:-/nonexistent/x}")"; do
        if [[ -n $d && -x $d/$name ]]; then
            printf '%s\n' "$d/$name"
            return 0
        fi
    done
    return 1
}

# The miner's safety net: it stops itself 5 s after the window.
ml_max_duration() {
    echo $((${ML_DURATION:-20} + 5))
}

# JSON string escaping for the few values we put into configs.  The values
# come from the harness (URLs, wallet, names), never from the network.
ml_json_str() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    printf '"%s"' "$s"
}

ml_ramp_valid() {
    [[ ${ML_RAMP:-} =~ ^[0-9]+:[0-9]+:[0-9]+$ ]]
}

# Sends TERM, then KILL after a grace, to each pid given (and its group when
# it leads one of its own).  Quiet: the processes may already be gone.
ml_stop_pids() {
    local p i alive
    for p in "$@"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        alive=0
        for p in "$@"; do
            kill -0 "$p" 2>/dev/null && alive=1
        done
        ((alive)) || return 0
        sleep 0.15
        : "$i"
    done
    for p in "$@"; do
        kill -KILL "$p" 2>/dev/null || true
    done
}

# Prints pid $1 and all its descendants (parents before children).
ml_tree() {
    ps -e -o pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2; pids[NR] = $1 }
        END {
            keep[root] = 1; print root
            do {
                grew = 0
                for (i = 1; i <= NR; i++) {
                    p = pids[i]
                    if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; print p; grew = 1 }
                }
            } while (grew)
        }'
}

# Stops pid $1 and everything it started.
ml_stop_tree() {
    local -a all=()
    mapfile -t all < <(ml_tree "$1")
    ((${#all[@]})) && ml_stop_pids "${all[@]}"
    return 0
}

ml_on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    local p
    for p in "${ML_CHILD_PIDS[@]}"; do
        ml_stop_tree "$p"
    done
    wait 2>/dev/null || true
    if declare -F ml_launcher_cleanup >/dev/null; then
        ml_launcher_cleanup || true
    fi
    exit "$rc"
}

ml_install_traps() {
    trap ml_on_exit EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
}

# Waits ML_DURATION seconds while pid $1 (role $2) runs.  Returns 0 when the
# window ran out (the process is then stopped), or the process's own exit
# status when it ended first with an error.  A process that ends early with
# status 0 is reported as failure too: the window was not filled.
ml_run_window() {
    local pid=$1 role=$2 deadline now rc
    deadline=$((SECONDS + ${ML_DURATION:-20}))
    while kill -0 "$pid" 2>/dev/null; do
        now=$SECONDS
        ((now >= deadline)) && break
        sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
        ml_stop_tree "$pid"
        wait "$pid" 2>/dev/null || true
        return 0
    fi
    rc=0
    wait "$pid" || rc=$?
    ml_log "$role (pid $pid) ended $((deadline - SECONDS)) s before the window's end, status $rc"
    ((rc == 0)) && rc=1
    return "$rc"
}

# Nothing planted: the harness hands `start` of a malicious scenario the
# wallet and the pool URL on stdin (ML_SECRETS_STDIN=1, NAME=VALUE lines),
# never in the environment; a launcher run by hand may export them instead.
# Either way they, and every other ML_* setting, stay shell variables of the
# launcher: no helper it runs and no workload inherits them. The miner gets
# them only the way its attack does (command line, config file, APP_CONFIG,
# stdin, the page); benign.sh exports the few its commands are documented to
# use. ML_RUN_TOKEN stays: it is how the harness finds what it must kill.
ml_scrub_env() {
    local line v
    if [[ ${ML_SECRETS_STDIN:-} == 1 ]]; then
        while IFS= read -r line; do
            case $line in
            ML_WALLET=* | ML_POOL_URL=*) printf -v "${line%%=*}" '%s' "${line#*=}" ;;
            esac
        done
    fi
    for v in $(compgen -e ML_); do
        # shellcheck disable=SC2163  # $v names the variable to unexport
        [[ $v == ML_RUN_TOKEN ]] || export -n "$v"
    done
}

# Dispatch for the three verbs.  The launcher defines ml_start, ml_check and
# optionally ml_launcher_cleanup.
ml_main() {
    local verb=${1:-}
    ml_scrub_env
    case "$verb" in
    start)
        ml_install_traps
        ml_check
        ml_start
        ;;
    check) ml_check ;;
    cleanup)
        if declare -F ml_launcher_cleanup >/dev/null; then
            ml_launcher_cleanup
        fi
        ;;
    *)
        printf 'usage: %s start|check|cleanup\n' "$0" >&2
        exit 2
        ;;
    esac
}

# Workloads that need no root run unprivileged, as most real cryptojackers do
# (www-data, a container user): as nobody (65534) unless ML_RUN_AS=root.
# Fills ML_AS_USER with the command prefix; empty when we are not root or
# setpriv is missing.  The sandbox is handed to that user; when the user
# still cannot reach $1 or $2 (the run directory lies below a private one)
# the workload stays root and the reason is logged.
ml_unpriv_prefix() {
    local exe=$1 cfg=${2:-}
    ML_AS_USER=()
    [[ $(id -u) -eq 0 && ${ML_RUN_AS:-nobody} != root ]] || return 0
    command -v setpriv >/dev/null || return 0
    local -a p=(setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --)
    [[ -n ${ML_SANDBOX:-} && -d $ML_SANDBOX ]] && chown 65534:65534 "$ML_SANDBOX"
    if "${p[@]}" test -x "$exe" && { [[ -z $cfg || ! -e $cfg ]] || "${p[@]}" test -r "$cfg"; }; then
        ML_AS_USER=("${p[@]}")
    else
        ml_log "$exe is not reachable as nobody; the workload runs as root"
    fi
}

# Fills ML_CLEAN with the command prefix that starts a workload with a clean
# environment: only PATH, HOME and the run token (how the harness finds what
# it must kill). `env` execs the workload, so $! is the workload's pid.
ml_clean_env() {
    ML_CLEAN=(env -i "PATH=${PATH:-/usr/bin:/bin}" "HOME=${HOME:-/}")
    [[ -n ${ML_RUN_TOKEN:-} ]] && ML_CLEAN+=("ML_RUN_TOKEN=$ML_RUN_TOKEN")
    return 0
}
