#!/usr/bin/env bash
# binary.sh — the standalone-miner scenario: the miner copied into the
# sandbox under a service-like file name, shown by ps under a kernel-thread
# name, its config on disk, and persistence artifacts (a systemd unit and a
# crontab line) written under $ML_SANDBOX/persist/ only, never installed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=minerlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/minerlib.sh"

ml_check() {
    ml_check_miner
}

# Writes the would-be persistence into the sandbox.  Nothing here is ever
# handed to systemctl or crontab.
write_persistence() {
    local exe=$1 cfg=$2 dir=$ML_SANDBOX/persist
    mkdir -p "$dir"
    cat >"$dir/systemd-journald-helper.service" <<UNIT
# minerlab lab artifact: never installed, lives only in the scenario sandbox.
[Unit]
Description=Journal Helper Service
After=network-online.target

[Service]
Type=simple
ExecStart=$exe -c $cfg
Restart=always
RestartSec=30
Nice=10

[Install]
WantedBy=multi-user.target
UNIT
    cat >"$dir/crontab" <<CRON
# minerlab lab artifact: never installed, lives only in the scenario sandbox.
@reboot $exe -c $cfg >/dev/null 2>&1
*/10 * * * * pgrep -f systemd-journald-helper >/dev/null || $exe -c $cfg >/dev/null 2>&1
CRON
}

ml_start() {
    local src dir exe cfg
    ml_need_env ML_SANDBOX ML_POOL_URL ML_DURATION
    src=$(ml_find_miner)
    cd "$ML_SANDBOX"
    dir=$ML_SANDBOX/.local/lib/systemd
    mkdir -p "$dir"
    exe=$dir/systemd-journald-helper
    cp "$src" "$exe"
    chmod 0755 "$exe"
    cfg=$dir/journald.conf.json
    write_persistence "$exe" "$cfg"
    ML_CONFIG=${ML_CONFIG:-file}
    [[ $ML_CONFIG == file ]] || ml_miner_config_json "" >"$cfg"
    ml_spawn_miner "$exe" "$cfg" "${ML_NAME:-[kworker/0:2-events]}"
    ml_run_window "$ML_MINER_PID" miner
}

ml_main "$@"
