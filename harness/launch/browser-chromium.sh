#!/usr/bin/env bash
# browser-chromium.sh — browser-style mining, variant (b): a real headless
# Chromium loads miner.html (scenarios/www); the page's Web Workers hash
# synthetically at throttle = 1 - duty/100 and talk Coinhive-style JSON over
# a WebSocket.  Profile, cache and HOME all live in the sandbox.
#
# In the lab internet (ML_LAB_DNS set) the page is a compromised website:
# https://$ML_LAB_WEB/miner.html from the lab web host, by name, and the page
# mines over wss:// to the pool name it carries (window.mlPool, which must be
# the scenario's ML_POOL_URL). Chromium resolves through the lab DNS only: it
# runs in its own mount namespace where /etc/resolv.conf names only the lab
# DNS, /etc/hosts is empty and nsswitch says "files dns" (what `ip netns
# exec` does with /etc/netns). It trusts the run's lab CA for this run only
# (--ignore-certificate-errors-spki-list with the CA's SPKI hash; it needs
# --user-data-dir, the sandbox's profile).  Otherwise (loopback pool) it
# loads http://127.0.0.1:$ML_POOL_PORT_WS/miner.html from the pool's static
# files and the page talks ws:// to the same port.
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
    if [[ -n ${ML_LAB_DNS:-} ]]; then
        command -v unshare >/dev/null || ml_skip "unshare (util-linux) not installed"
        command -v openssl >/dev/null || ml_skip "openssl not installed"
        [[ $(id -u) -eq 0 ]] || ml_skip "a private resolver for Chromium needs root"
    fi
}

page_url() {
    local throttle ramp="" base
    base="http://${ML_POOL_HOST:-127.0.0.1}:$ML_POOL_PORT_WS"
    [[ -n ${ML_LAB_DNS:-} ]] && base="https://${ML_LAB_WEB:-}"
    throttle=$(awk -v d="${ML_DUTY:-100}" 'BEGIN { t = 1 - d / 100; if (t < 0) t = 0; printf "%.2f", t }')
    if ml_ramp_valid; then
        ramp="&ramp=$ML_RAMP"
        throttle=$(awk -v r="$ML_RAMP" 'BEGIN { split(r, a, ":"); printf "%.2f", 1 - a[1] / 100 }')
    fi
    # The wallet is the page's own (its site key), as on a compromised site:
    # never on Chromium's command line.
    printf '%s/miner.html?throttle=%s&threads=%s%s\n' "$base" "$throttle" \
        "${ML_THREADS:-1}" "$ramp"
}

# The lab internet: the page's pool must be the scenario's, and Chromium gets
# its own resolver files and the lab CA's SPKI. Fills ML_CHROME_PRE (the
# mount-namespace wrapper) and ML_CHROME_TLS (the trust flag).
lab_internet_setup() {
    local page=$ML_SOURCE_DIR/scenarios/www/miner.html spki
    ML_CHROME_PRE=() ML_CHROME_TLS=()
    [[ -n ${ML_LAB_DNS:-} ]] || return 0
    ml_need_env ML_LAB_WEB ML_LAB_CA ML_POOL_URL ML_SOURCE_DIR
    grep -qF "window.mlPool = '$ML_POOL_URL/';" "$page" ||
        ml_die "the page mines to the pool in $page, not to $ML_POOL_URL"
    spki=$(openssl x509 -in "$ML_LAB_CA" -noout -pubkey | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | base64) || ml_die "cannot hash the lab CA $ML_LAB_CA"
    ML_CHROME_TLS=(--ignore-certificate-errors-spki-list="$spki")
    printf 'nameserver %s\noptions attempts:2 timeout:2\n' "$ML_LAB_DNS" >"$ML_SANDBOX/resolv.conf"
    : >"$ML_SANDBOX/hosts"
    printf 'hosts: files dns\n' >"$ML_SANDBOX/nsswitch.conf"
    # unshare and sh exec in place: $! stays Chromium's pid.
    # shellcheck disable=SC2016 # expanded by that inner shell
    ML_CHROME_PRE=(unshare --mount --propagation private -- /bin/sh -c
        'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts &&
         mount --bind "$3" /etc/nsswitch.conf && shift 3 && exec "$@"' sh
        "$ML_SANDBOX/resolv.conf" "$ML_SANDBOX/hosts" "$ML_SANDBOX/nsswitch.conf")
}

ml_start() {
    local chromium url
    ml_need_env ML_SANDBOX ML_POOL_PORT_WS ML_DURATION
    chromium=$(find_chromium)
    url=$(page_url)
    cd "$ML_SANDBOX"
    mkdir -p home profile
    lab_internet_setup
    ml_log "loading $url"
    # Flags for a closed network: no background fetches, updates, sync,
    # QUIC or first-run pages; root needs --no-sandbox.
    HOME=$ML_SANDBOX/home XDG_CONFIG_HOME=$ML_SANDBOX/home/.config \
        XDG_CACHE_HOME=$ML_SANDBOX/home/.cache \
        "${ML_CHROME_PRE[@]}" "$chromium" "${ML_CHROME_TLS[@]}" --headless --no-sandbox --disable-gpu --disable-quic \
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
