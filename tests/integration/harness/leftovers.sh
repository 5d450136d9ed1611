# What a run or soak killed at any moment may not leave behind (chaos.sh,
# soak.sh): check_run RUN_DIR STATE_COPY LABID CGROUP counts each leftover
# (process, netns, veth, mount, cgroup, sandbox, temporary file) in
# $leftovers and names it on stderr. Sourced after lib.sh.
leftovers=0
say_left() { echo "LEFT ($1): $2" >&2; leftovers=$((leftovers + 1)); }

check_run() { # RUN_DIR STATE_COPY LABID CGROUP
    local out=$1 state=$2 id=$3 cg=$4 p k v
    for _ in $(seq 1 300); do # the watchdog's sweep removes the state file last
        [[ -e /run/minerlab/run-$id.state ]] || break
        sleep 0.1
    done
    [[ -e /run/minerlab/run-$id.state ]] && say_left state "/run/minerlab/run-$id.state"
    # A killed process may stay a zombie until its new parent reaps it: give
    # that 5 s before counting what is still in the run's cgroups.
    for _ in $(seq 1 50); do
        [[ -z $(grep -l -- "run-$id" /proc/[0-9]*/cgroup 2>/dev/null) ]] && break
        sleep 0.1
    done
    for p in $(grep -l -- "run-$id" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); do
        say_left process "$p $(ps -o stat=,ppid=,comm= -p "$p" 2>/dev/null) $(cat /proc/$p/cgroup 2>/dev/null | grep run-)"
    done
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/cwd" 2>/dev/null) == "$out"/* ]] &&
            say_left process "${p#/proc/} (cwd in the run) $(tr '\0' ' ' <"$p/cmdline")"
    done
    ip netns list 2>/dev/null | grep -qw "mlab-$id" && say_left netns "mlab-$id"
    ip netns list 2>/dev/null | grep -qw "mlinet-$id" && say_left netns "mlinet-$id"
    ip netns list 2>/dev/null | grep -q "^mlfl-$id-" &&
        say_left netns "$(ip netns list | grep "^mlfl-$id-" | paste -sd' ')"
    pgrep -f "mlinet-$id\.dnsmasq\.pid" >/dev/null && say_left process "dnsmasq of mlinet-$id"
    ip -o link show 2>/dev/null | grep -q "alias mlab-$id" && say_left veth "alias mlab-$id"
    grep -q -- "mlab-$id\|$out" /proc/mounts && say_left mount "$(grep -- "mlab-$id\|$out" /proc/mounts)"
    [[ -n $cg && -d $cg ]] && say_left cgroup "$cg"
    while read -r k v; do
        case $k in
        cgroup) [[ -d $v ]] && say_left cgroup "$v" ;;
        sandbox) [[ -e $v ]] && say_left sandbox "$v" ;;
        netns) ip netns list 2>/dev/null | grep -qw -- "$v" && say_left netns "$v" ;;
        tmp) [[ -e $v ]] && say_left tmp "$v" ;;
        esac
    done <"$state"
    [[ -n $(find "$out" -name '*.tmp' 2>/dev/null) ]] && say_left tmp "$(find "$out" -name '*.tmp')"
    [[ -n $(find "$out/scenarios" "$out/background" -maxdepth 2 -name sandbox 2>/dev/null) ]] &&
        say_left sandbox "$(find "$out/scenarios" "$out/background" -maxdepth 2 -name sandbox 2>/dev/null)"
    return 0
}

