#!/usr/bin/env bash
# check_catalogue.sh — static checks of the scenario catalogue that need no
# harness: every scenario file's id matches its file name and is unique, its
# type matches its folder, its launcher exists and is executable, malicious
# ones have a miner block and benign ones a command, every suite names only
# existing scenarios, and each launcher answers `check` with 0 or 77.
set -euo pipefail

SRC=${ML_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BIN=${ML_BIN_DIR:-$SRC/build/bin}
FAILS=0
fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

field() { # file key -> top-level scalar value (quotes stripped)
    awk -v k="$2" -F': ' '$1 == k { v = substr($0, length(k) + 3); gsub(/^["'\'']|["'\'']$/, "", v); print v; exit }' "$1"
}

declare -A seen
n=0
for f in "$SRC"/scenarios/*/*.yaml; do
    dir=$(basename "$(dirname "$f")")
    [[ $dir == suites ]] && continue
    n=$((n + 1))
    id=$(field "$f" id)
    type=$(field "$f" type)
    label=$(field "$f" label)
    launcher=$(field "$f" launcher)
    launcher=${launcher:-$type}
    [[ $id == "$(basename "$f" .yaml)" ]] || fail "$f: id '$id' differs from the file name"
    [[ $id =~ ^[a-z0-9-]+$ ]] || fail "$f: id '$id' is not [a-z0-9-]+"
    [[ -z ${seen[$id]:-} ]] || fail "$f: id '$id' also in ${seen[$id]}"
    seen[$id]=$f
    [[ $type == "$dir" || ($dir == gpu && $type == gpu) ]] || fail "$f: type '$type' in folder $dir"
    [[ -x $SRC/harness/launch/$launcher.sh ]] || fail "$f: launcher $launcher.sh missing"
    dur=$(field "$f" duration_s)
    [[ $dur =~ ^[0-9]+$ && $dur -ge 5 && $dur -le 120 ]] || fail "$f: duration_s '$dur'"
    case "$label" in
    malicious) grep -q '^miner:' "$f" || fail "$f: malicious without a miner block" ;;
    benign) [[ -n $(field "$f" command) ]] || fail "$f: benign without a command" ;;
    *) fail "$f: label '$label'" ;;
    esac
done
((n >= 40)) || fail "only $n scenarios"

for s in quick full throttle ci; do
    f=$SRC/scenarios/suites/$s.yaml
    [[ -f $f ]] || { fail "suite $s missing"; continue; }
    [[ $(field "$f" name) == "$s" ]] || fail "$f: name is not $s"
    count=0
    while read -r id; do
        count=$((count + 1))
        [[ -n ${seen[$id]:-} ]] || fail "$f: unknown scenario '$id'"
    done < <(sed -n 's/^  - \([a-z0-9-]*\)$/\1/p' "$f")
    ((count > 0)) || fail "$f: no scenarios"
done

# Every launcher must answer check with 0 (can run) or 77 (+ reason).
# lib.sh, minerlib.sh and the lab network scripts (netlib, labnet, labinet, labca,
# fleetnet) are not launchers.
for l in "$SRC"/harness/launch/*.sh; do
    case "$(basename "$l")" in lib.sh | minerlib.sh | netlib.sh | labnet.sh | labinet.sh | labca.sh | fleetnet.sh) continue ;; esac
    rc=0
    ML_BIN_DIR=$BIN ML_MINER=$BIN/minerlab-miner "$l" check >/dev/null 2>&1 || rc=$?
    [[ $rc == 0 || $rc == 77 ]] || fail "$(basename "$l") check exited $rc"
done
# A missing miner must be a skip with a reason, never a pass or a crash.
rc=0
msg=$(ML_BIN_DIR=/nonexistent ML_MINER=/nonexistent/minerlab-miner \
    "$SRC/harness/launch/binary.sh" check 2>&1) || rc=$?
[[ $rc == 77 && -n $msg ]] || fail "binary.sh check without a miner: rc $rc '$msg'"
rc=0
msg=$(ML_CHROMIUM=/nonexistent/chromium \
    "$SRC/harness/launch/browser-chromium.sh" check 2>&1) || rc=$?
[[ $rc == 77 && $msg == *"chromium not installed"* ]] ||
    fail "browser-chromium.sh check without chromium: rc $rc '$msg'"

# Without root, the cloud launcher and the lab link must skip with a reason.
# nobody may not be able to read the checkout (a root-only home, mode 700):
# the launchers it runs and the miner they look for are copied to a
# directory it can read, and it runs from /.
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
    pub=$(mktemp -d /tmp/ml-catalogue.XXXXXX)
    trap 'rm -rf "$pub"' EXIT
    cp "$SRC"/harness/launch/{lib.sh,minerlib.sh,netlib.sh,cloud.sh,labnet.sh,fleet.sh,fleetnet.sh} \
        "$BIN/minerlab-miner" "$pub/"
    chmod 755 "$pub" "$pub"/*
    for l in cloud.sh labnet.sh fleet.sh fleetnet.sh; do
        rc=0
        msg=$(cd / && setpriv --reuid 65534 --regid 65534 --clear-groups env \
            ML_BIN_DIR="$pub" ML_MINER="$pub/minerlab-miner" bash "$pub/$l" check 2>&1) ||
            rc=$?
        [[ $rc == 77 && $msg == *root* ]] || fail "$l check as nobody: rc $rc '$msg'"
    done
fi

((FAILS == 0)) || exit 1
echo "catalogue ok: $n scenarios, 4 suites" >&2
