#!/usr/bin/env bash
# fleet.sh — the fleet scenario: ML_FLEET_HOSTS infected hosts, each its own
# network namespace with its own address on a private fleet LAN, behind a
# NAT gateway namespace on the run's lab internet (fleetnet.sh). Every host
# runs one light-mode miner at the scenario's (low) duty that mines to the
# pool by domain name through the lab DNS, like the other scenarios. A
# network sensor on the victim LAN's uplink sees the gateway's NATed flows
# only: one home address, many connections.
#
# Needs the lab internet (ML_INET_ID, ML_LAB_DNS, ML_LAB_NET from the
# harness); without it `start` skips with the reason.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=minerlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/minerlib.sh"

# The gateway's host number on the victim LAN (198.18.X.GWNUM): the cloud
# scenario's namespace is .2; scenarios run one at a time.
FLEET_GWNUM=10

fleetnet() {
    "$ML_LAUNCH_DIR/fleetnet.sh" "$@"
}

ml_check() {
    ml_check_miner
    [[ $(id -u) -eq 0 ]] || ml_skip "a fleet needs root (network namespaces, nftables)"
    local why
    why=$(fleetnet check 2>&1 >/dev/null) || ml_skip "${why:-fleetnet.sh check failed}"
}

ml_launcher_cleanup() {
    [[ -n ${ML_INET_ID:-} && ${FLEET_LEAVE_UP:-0} != 1 ]] || return 0
    fleetnet down "$ML_INET_ID"
}

ml_start() {
    local miner i ns k v gw="" gwns="" hosts="" alive deadline rc keeper
    local -a miners=() list=()
    ml_need_env ML_SANDBOX ML_POOL_URL ML_DURATION ML_FLEET_HOSTS
    [[ -n ${ML_INET_ID:-} && -n ${ML_LAB_DNS:-} && -n ${ML_LAB_NET:-} ]] ||
        ml_skip "a fleet mines through the lab internet, and this run has none"
    miner=$(ml_find_miner)
    cd "$ML_SANDBOX"
    ml_launcher_cleanup
    # In the run's state file before they exist: the watchdog and the next
    # run's sweep run `fleetnet.sh down RUNID` (the `labnet` kind); the
    # namespaces and the nft table are listed for the record.
    ml_state_add labnet "$ML_LAUNCH_DIR/fleetnet.sh $ML_INET_ID"
    ml_state_add netns "mlfl-$ML_INET_ID-gw"
    ml_state_add nft "mlfl-$ML_INET_ID-gw ip minerlab_fleet"
    for ((i = 1; i <= ML_FLEET_HOSTS; i++)); do
        ml_state_add netns "mlfl-$ML_INET_ID-h$i"
    done
    fleetnet up "$ML_INET_ID" "$FLEET_GWNUM" "$ML_FLEET_HOSTS" >fleet.env ||
        ml_die "fleetnet.sh up failed"
    while IFS='=' read -r k v; do
        case $k in
        ML_FLEET_GW) gw=$v ;;
        ML_FLEET_GW_NETNS) gwns=$v ;;
        ML_FLEET_HOSTS) hosts=$v ;;
        esac
    done <fleet.env
    [[ -n $gw && -n $gwns && -n $hosts ]] || ml_die "fleetnet.sh up printed no fleet"
    read -r -a list <<<"$hosts"
    ml_log "fleet of ${#list[@]} hosts behind the NAT gateway $gw ($gwns)"
    # A lab helper that lives in the gateway's namespace for the window (never
    # announced, so never the workload): the harness reads the gateway's NAT
    # table through its /proc/PID/net, the ground truth for the NATed flows.
    ip netns exec "$gwns" sleep $(($(ml_max_duration) + 10)) </dev/null &
    keeper=$!
    ML_CHILD_PIDS+=("$keeper")
    ml_miner_args "${ML_NAME:-}"
    ml_clean_env
    ml_unpriv_prefix "$miner"
    for ns in "${list[@]}"; do
        # ip netns exec, env and setpriv exec in turn: $! is the miner.
        "${ML_CLEAN[@]}" ip netns exec "$ns" "${ML_AS_USER[@]}" "$miner" "${ML_ARGS[@]}" \
            </dev/null >&2 &
        miners+=("$!")
        ML_CHILD_PIDS+=("$!")
        ml_announce "$!" miner
    done
    # The window, counted from the launcher's start (SECONDS): making the
    # fleet takes seconds of it, and the harness gives the launcher only 5 s
    # past the window to stop the miners.
    deadline=$ML_DURATION
    while ((SECONDS < deadline)); do
        alive=0
        for i in "${miners[@]}"; do
            kill -0 "$i" 2>/dev/null && alive=1
        done
        ((alive)) || break
        sleep 0.25
    done
    if ((SECONDS < deadline)); then
        rc=0
        wait "${miners[0]}" || rc=$?
        ml_log "every host's miner ended $((deadline - SECONDS)) s before the window's end (first: status $rc)"
        return $((rc ? rc : 1))
    fi
    # TERM, then KILL after 1 s: a host still building its cache (a loaded
    # machine) does not answer TERM, and the harness gives the launcher
    # only 5 s past the window, some of which its own start took.
    ml_log "window over at ${SECONDS}s of the launcher; stopping the hosts' miners"
    kill -TERM "${miners[@]}" "$keeper" 2>/dev/null || true
    for i in 1 2 3 4 5 6 7 8 9 10; do
        alive=0
        for k in "${miners[@]}" "$keeper"; do
            kill -0 "$k" 2>/dev/null && alive=1
        done
        ((alive)) || break
        sleep 0.1
    done
    kill -KILL "${miners[@]}" "$keeper" 2>/dev/null || true
    wait 2>/dev/null || true
    ml_log "stopped at ${SECONDS}s"
    # Stopped (none has children): the exit trap need not walk their trees
    # (a ps per pid). The harness's `cleanup` takes the fleet down: the
    # launcher has 5 s past the window, `cleanup` 20 s.
    ML_CHILD_PIDS=()
    FLEET_LEAVE_UP=1
    return 0
}

ml_main "$@"
