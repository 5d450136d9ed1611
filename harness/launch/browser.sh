#!/usr/bin/env bash
# browser.sh — browser-style mining, variant (a): the native miner speaking
# the ws:// transport (ML_POOL_URL from the harness) with browser-like
# settings: few threads, the duty taken from the page's throttle
# (duty = 100 - throttle*100), config passed as arguments.
# Variant (b), a real headless Chromium, is browser-chromium.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=minerlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/minerlib.sh"

ml_check() {
    ml_check_miner
}

ml_start() {
    ml_need_env ML_SANDBOX ML_POOL_URL ML_DURATION
    cd "$ML_SANDBOX"
    ML_CONFIG=${ML_CONFIG:-args}
    ml_spawn_miner "$(ml_find_miner)" "$ML_SANDBOX/config.json" "${ML_NAME:-}"
    ml_run_window "$ML_MINER_PID" miner
}

ml_main "$@"
