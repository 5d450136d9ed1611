# shellcheck shell=bash
# minerlib.sh — the miner half of the launchers' helpers (sourced, never run):
# finding the miner, its XMRig-style flags and JSON config, and starting it.
# Only the attack launchers source it.  It is kept out of lib.sh so that a
# benign launcher's shell (benign.sh, and every fork of it before it execs)
# holds no miner text: a memory scanner that flags the miner's option names
# in a benign launcher would be flagging the lab, not the workload (issue 11).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ml_find_miner() {
    if [[ -n ${ML_MINER:-} && -x ${ML_MINER} ]]; then
        printf '%s\n' "$ML_MINER"
    elif [[ -n ${ML_BIN_DIR:-} && -x ${ML_BIN_DIR}/minerlab-miner ]]; then
        printf '%s\n' "$ML_BIN_DIR/minerlab-miner"
    else
        return 1
    fi
}

ml_check_miner() {
    ml_find_miner >/dev/null || ml_skip "minerlab-miner not found (ML_MINER/ML_BIN_DIR)"
}

ml_init_threads() {
    local n
    n=$(nproc 2>/dev/null || echo 1)
    ((n > 16)) && n=16
    echo "$n"
}

# Fills ML_LAB_FLAGS with the lab flags the miner accepts on its command line
# only (never from a config): the lab DNS and lab net of the lab internet
# (the pool by name, resolved at the lab DNS alone), or the lab link's net.
ml_lab_flags() {
    ML_LAB_FLAGS=()
    if [[ -n ${ML_LAB_DNS:-} && -n ${ML_LAB_NET:-} ]]; then
        ML_LAB_FLAGS=(--lab-dns "$ML_LAB_DNS" --lab-net "$ML_LAB_NET")
    elif [[ -n ${ML_LAB_CIDR:-} && -n ${ML_LAB_NETNS:-} ]]; then
        ML_LAB_FLAGS=(--lab-net "$ML_LAB_CIDR")
    fi
    return 0
}

# Fills the global array ML_ARGS with the miner's XMRig-style flags for the
# scenario: -o URL -u WALLET -p x -t N --duty D|--duty-ramp F:T:S --mode M
# --max-duration S [--tls] [--lab-dns ADDR --lab-net CIDR | --lab-net CIDR]
# [--name NAME].
ml_miner_args() {
    local name=${1-${ML_NAME:-}}
    ML_ARGS=(-o "$ML_POOL_URL" -u "${ML_WALLET:-minerlab}" -p x
        -t "${ML_THREADS:-1}" --mode "${ML_MODE:-light}"
        --max-duration "$(ml_max_duration)" --donate-level 0)
    if ml_ramp_valid; then
        ML_ARGS+=(--duty-ramp "$ML_RAMP")
    else
        ML_ARGS+=(--duty "${ML_DUTY:-100}")
    fi
    # Like XMRig, build the fast-mode dataset on every core, whatever the
    # number of hashing threads.
    [[ ${ML_MODE:-light} != light ]] && ML_ARGS+=(--randomx-init "$(ml_init_threads)")
    [[ ${ML_TRANSPORT:-} == tls ]] && ML_ARGS+=(--tls)
    ml_lab_flags
    ML_ARGS+=("${ML_LAB_FLAGS[@]}")
    [[ -n $name ]] && ML_ARGS+=(--name "$name")
    return 0
}

# Prints the miner's JSON config (keys = long option names, plus the
# XMRig-style pools array that real droppers ship).
ml_miner_config_json() {
    local name=${1-${ML_NAME:-}} tls=false duty_line
    [[ ${ML_TRANSPORT:-} == tls ]] && tls=true
    if ml_ramp_valid; then
        duty_line="\"duty-ramp\": $(ml_json_str "$ML_RAMP")"
    else
        duty_line="\"duty\": ${ML_DUTY:-100}"
    fi
    printf '{\n'
    printf '  "donate-level": 0,\n'
    printf '  "pools": [{"url": %s, "user": %s, "pass": "x", "tls": %s}],\n' \
        "$(ml_json_str "$ML_POOL_URL")" "$(ml_json_str "${ML_WALLET:-minerlab}")" "$tls"
    printf '  "threads": %d,\n  %s,\n  "mode": %s,\n  "max-duration": %d' \
        "${ML_THREADS:-1}" "$duty_line" "$(ml_json_str "${ML_MODE:-light}")" \
        "$(ml_max_duration)"
    if [[ ${ML_MODE:-light} != light ]]; then
        printf ',\n  "randomx-init": %d' "$(ml_init_threads)"
    fi
    if [[ -n $name ]]; then
        printf ',\n  "name": %s' "$(ml_json_str "$name")"
    fi
    printf '\n}\n'
}

# Starts the miner executable $1 in the background with the scenario's
# settings, passing its configuration the way ML_CONFIG says (args, file,
# env or stdin); $2 is the config file path for `file`, $3 the process name.
# Sets ML_MINER_PID, announces it, and remembers it for the exit trap.  The
# miner's stdout (its summary) goes to stderr: stdout is for ML-PID lines.
ml_spawn_miner() {
    local exe=$1 cfg_file=${2:-config.json} name=${3-${ML_NAME:-}} mode
    local -a extra=()
    mode=${ML_CONFIG:-args}
    [[ -n $name ]] && extra=(--name "$name")
    # The miner takes --lab-net only on its command line (issue 13).
    ml_lab_flags
    extra+=("${ML_LAB_FLAGS[@]}")
    [[ $mode == file ]] && ml_miner_config_json "" >"$cfg_file"
    ml_unpriv_prefix "$exe" "$([[ $mode == file ]] && echo "$cfg_file")"
    # A clean environment (issue 10), then the unprivileged user (issue 13):
    # env and setpriv exec in turn, so $! is the miner's pid.
    ml_clean_env
    local -a as=("${ML_CLEAN[@]}")
    case "$mode" in
    args)
        ml_miner_args "$name"
        "${as[@]}" "${ML_AS_USER[@]}" "$exe" "${ML_ARGS[@]}" >&2 &
        ;;
    file)
        "${as[@]}" "${ML_AS_USER[@]}" "$exe" -c "$cfg_file" "${extra[@]}" >&2 &
        ;;
    env)
        "${as[@]}" APP_CONFIG="$(ml_miner_config_json "")" "${ML_AS_USER[@]}" "$exe" \
            --config-env APP_CONFIG "${extra[@]}" >&2 &
        ;;
    stdin)
        ml_miner_config_json "" | "${as[@]}" "${ML_AS_USER[@]}" "$exe" -c - "${extra[@]}" >&2 &
        ;;
    *) ml_die "unknown ML_CONFIG '$mode' (args|file|env|stdin)" ;;
    esac
    ML_MINER_PID=$!
    ML_CHILD_PIDS+=("$ML_MINER_PID")
    ml_announce "$ML_MINER_PID" miner
}
