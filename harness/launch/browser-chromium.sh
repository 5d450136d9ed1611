#!/usr/bin/env bash
# browser-chromium.sh — browser-style mining, variant (b): a real headless
# Chromium loads http://127.0.0.1:$ML_POOL_PORT_WS/miner.html from the pool's
# static files (scenarios/www); the page's Web Workers hash synthetically at
# throttle = 1 - duty/100 and talk Coinhive-style JSON over a WebSocket to
# the same port.  Profile, cache and HOME all live in the sandbox.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ML_CHROMIUM, when set, names the only browser to use.
find_chromium() {
    local c
    local -a candidates=(chromium chromium-browser google-chrome)
    [[ -n ${ML_CHROMIUM:-} ]] && candidates=("$ML_CHROMIUM")
    for c in "${candidates[@]}"; do
        command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }
    done
    return 1
}

ml_check() {
    find_chromium >/dev/null || ml_skip "chromium not installed"
}

page_url() {
    local throttle ramp=""
    throttle=$(awk -v d="${ML_DUTY:-100}" 'BEGIN { t = 1 - d / 100; if (t < 0) t = 0; printf "%.2f", t }')
    if ml_ramp_valid; then
        ramp="&ramp=$ML_RAMP"
        throttle=$(awk -v r="$ML_RAMP" 'BEGIN { split(r, a, ":"); printf "%.2f", 1 - a[1] / 100 }')
    fi
    # The wallet is the page's own (its site key), as on a compromised site:
    # never on Chromium's command line.
    printf 'http://%s:%s/miner.html?throttle=%s&threads=%s%s\n' \
        "${ML_POOL_HOST:-127.0.0.1}" "$ML_POOL_PORT_WS" "$throttle" "${ML_THREADS:-1}" \
        "$ramp"
}

ml_start() {
    local chromium url
    ml_need_env ML_SANDBOX ML_POOL_PORT_WS ML_DURATION
    chromium=$(find_chromium)
    url=$(page_url)
    cd "$ML_SANDBOX"
    mkdir -p home profile
    ml_log "loading $url"
    # Flags for a closed network: no background fetches, updates, sync,
    # QUIC or first-run pages; root needs --no-sandbox.
    HOME=$ML_SANDBOX/home XDG_CONFIG_HOME=$ML_SANDBOX/home/.config \
        XDG_CACHE_HOME=$ML_SANDBOX/home/.cache \
        "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-extensions \
        --disable-default-apps --disable-crash-reporter --disable-breakpad \
        --disable-dev-shm-usage --mute-audio --password-store=basic \
        --user-data-dir="$ML_SANDBOX/profile" "$url" </dev/null >&2 &
    ML_MINER_PID=$!
    ML_CHILD_PIDS+=("$ML_MINER_PID")
    # A hard wall-clock limit, whatever happens to us or to the harness:
    # the window plus 15 s, then SIGKILL.
    (sleep $((ML_DURATION + 15)) && kill -KILL "$ML_MINER_PID" 2>/dev/null) </dev/null >/dev/null 2>&1 &
    ML_CHILD_PIDS+=("$!")
    ml_announce "$ML_MINER_PID" browser
    ml_run_window "$ML_MINER_PID" browser
}

ml_main "$@"
