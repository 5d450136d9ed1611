#!/usr/bin/env bash
# run_launcher.sh — drives one scenario launcher the way the harness does,
# without the harness: a real minerlab-pool on 127.0.0.1:0 ports (plus the
# lab link when asked), the ML_* contract variables, `LAUNCHER.sh start` in
# its own process group, then checks:
#   - the launcher exits 0 (77 = skipped, passed through for ctest);
#   - malicious: the pool's events show an accepted share on the transport;
#   - per-launcher facts (persistence files, memfd exe, namespaces, detached
#     session, empty sandbox for fileless);
#   - after `cleanup`: no process left that carries our sandbox in its
#     environment, no mount, namespace, veth link or cgroup of ours, and the
#     sandbox can be removed.
#
#   run_launcher.sh LAUNCHER [--transport tcp|tls|ws] [--duty PCT]
#       [--ramp F:T:S] [--config args|file|env|stdin] [--duration S]
#       [--name NAME] [--command CMD | --benign ID] [--lab] [--min-shares N]
#
# Needs ML_BIN_DIR (minerlab-pool, minerlab-miner, helpers) and
# ML_SOURCE_DIR; ctest sets both.
# shellcheck disable=SC2015  # ok() always succeeds, so A && ok || fail is if/else
set -euo pipefail

SRC=${ML_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BIN=${ML_BIN_DIR:-$SRC/build/bin}
LAUNCHER=${1:?usage: run_launcher.sh LAUNCHER [options]}
shift
TRANSPORT=tcp DUTY=100 RAMP="" CONFIG="" DURATION=12 NAME="" COMMAND="" LAB=0 MIN_SHARES=1
while (($#)); do
    case "$1" in
    --transport) TRANSPORT=$2; shift 2 ;;
    --duty) DUTY=$2; shift 2 ;;
    --ramp) RAMP=$2; shift 2 ;;
    --config) CONFIG=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --name) NAME=$2; shift 2 ;;
    --command) COMMAND=$2; shift 2 ;;
    --benign)
        # The command of scenarios/benign/ID.yaml (single-quoted YAML scalar).
        COMMAND=$(sed -n "s/^command: '\\(.*\\)'$/\\1/p" "$SRC/scenarios/benign/$2.yaml" | sed "s/''/'/g")
        [[ -n $COMMAND ]] || { echo "run_launcher: no command in benign/$2.yaml" >&2; exit 2; }
        shift 2 ;;
    --lab) LAB=1; shift ;;
    --min-shares) MIN_SHARES=$2; shift 2 ;;
    *) echo "run_launcher: unknown option $1" >&2; exit 2 ;;
    esac
done
SCRIPT=$SRC/harness/launch/$LAUNCHER.sh
[[ -x $SCRIPT ]] || { echo "run_launcher: no launcher $SCRIPT" >&2; exit 2; }

FAILS=0
fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}
ok() {
    echo "ok: $*" >&2
}

TMP=$(mktemp -d /tmp/mlscen.XXXXXX)
# Traversable (not listable) like a harness run directory, so that a
# workload the launcher runs unprivileged can reach its sandbox.
chmod 0711 "$TMP"
SANDBOX=$TMP/sandbox
RUNID=t$$
SCEN_ID=test-$LAUNCHER-$$
POOL_PID="" LAUNCH_PID="" LAB_UP=0
mkdir -p "$SANDBOX"

teardown() {
    set +e
    [[ -n $LAUNCH_PID ]] && kill -KILL -- "-$LAUNCH_PID" 2>/dev/null
    if [[ -n $POOL_PID ]]; then
        kill -TERM "$POOL_PID" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$POOL_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$POOL_PID" 2>/dev/null
        wait "$POOL_PID" 2>/dev/null
        POOL_PID=""
    fi
    ML_SCENARIO_ID=$SCEN_ID ML_SANDBOX=$SANDBOX "$SCRIPT" cleanup >/dev/null 2>&1
    ((LAB_UP)) && "$SRC/harness/launch/labnet.sh" down "$RUNID"
    LAB_UP=0
}
trap 'teardown; [[ -n ${ML_TEST_KEEP:-} ]] && echo "kept $TMP" >&2 || rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# Skip early, as the harness would, when the machine lacks something.
rc=0
ML_BIN_DIR=$BIN ML_MINER=$BIN/minerlab-miner "$SCRIPT" check 2>"$TMP/check.err" || rc=$?
if ((rc == 77)); then
    echo "SKIP: $(tail -n 1 "$TMP/check.err")" >&2
    exit 77
elif ((rc != 0)); then
    cat "$TMP/check.err" >&2
    exit 1
fi
[[ -x $BIN/minerlab-pool ]] || { echo "SKIP: minerlab-pool not built" >&2; exit 77; }

if ((LAB)); then
    rc=0
    "$SRC/harness/launch/labnet.sh" check 2>"$TMP/check.err" || rc=$?
    ((rc == 0)) || { echo "SKIP: $(tail -n 1 "$TMP/check.err")" >&2; exit 77; }
    "$SRC/harness/launch/labnet.sh" up "$RUNID" >"$TMP/lab.env"
    LAB_UP=1
    while IFS='=' read -r k v; do
        [[ $k =~ ^ML_LAB_(HOST|NETNS|CIDR|IFACE)$ ]] && export "$k=$v"
    done <"$TMP/lab.env"
fi

# The pool: every transport on loopback, the lab host too when it is up.
pool_args=(--listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 --ws-listen 127.0.0.1:0
    --www "$SRC/scenarios/www" --events "$TMP/events.jsonl" --diff 5
    --browser-diff 200000)
if ((LAB)); then
    pool_args+=(--listen "$ML_LAB_HOST:0" --tls-listen "$ML_LAB_HOST:0")
fi
: >"$TMP/pool.out"
"$BIN/minerlab-pool" "${pool_args[@]}" >"$TMP/pool.out" 2>"$TMP/pool.err" &
POOL_PID=$!
port_of() { # transport [host]
    awk -v t="$1" -v h="${2:-127.0.0.1}" '$1 == "listening" && $2 == t && index($3, h ":") == 1 {
        sub(/.*:/, "", $3); print $3; exit }' "$TMP/pool.out"
}
for _ in $(seq 1 100); do
    [[ -n $(port_of ws) ]] && break
    kill -0 "$POOL_PID" 2>/dev/null || break
    sleep 0.1
done
P_TCP=$(port_of tcp) P_TLS=$(port_of tls) P_WS=$(port_of ws)
[[ -n $P_TCP && -n $P_TLS && -n $P_WS ]] || { cat "$TMP/pool.err" >&2; echo "FAIL: pool did not start" >&2; exit 1; }

HOST=127.0.0.1
if ((LAB)); then
    HOST=$ML_LAB_HOST
    P_TCP=$(port_of tcp "$HOST") P_TLS=$(port_of tls "$HOST")
fi
case "$TRANSPORT" in
tcp) URL=stratum+tcp://$HOST:$P_TCP ;;
tls) URL=stratum+ssl://$HOST:$P_TLS ;;
ws) URL=ws://$HOST:$P_WS ;;
*) echo "run_launcher: bad transport $TRANSPORT" >&2; exit 2 ;;
esac

export ML_BIN_DIR=$BIN ML_MINER=$BIN/minerlab-miner ML_SOURCE_DIR=$SRC
export ML_SCENARIO_ID=$SCEN_ID ML_SANDBOX=$SANDBOX ML_DURATION=$DURATION
export ML_POOL_HOST=127.0.0.1 ML_POOL_PORT_TCP=$P_TCP ML_POOL_PORT_TLS=$P_TLS
export ML_POOL_PORT_WS=$P_WS ML_POOL_URL=$URL
export ML_THREADS=1 ML_DUTY=$DUTY ML_RAMP=$RAMP ML_MODE=light ML_TRANSPORT=$TRANSPORT
export ML_NAME=$NAME ML_CONFIG=$CONFIG ML_COMMAND=$COMMAND
export ML_WALLET=44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A
[[ -z $CONFIG ]] && unset ML_CONFIG

# Start it the way the harness does: cwd = sandbox, own process group.
: >"$TMP/launch.out"
: >"$TMP/launch.err"
(cd "$SANDBOX" && exec setsid "$SCRIPT" start) >"$TMP/launch.out" 2>"$TMP/launch.err" &
LAUNCH_PID=$!
STARTED=$SECONDS
# Watch the announced pids while the window runs.
MINER_PID="" EXE="" NETNS="" PIDNS="" CGROUP="" MSID="" MUID=""
for _ in $(seq 1 $((DURATION * 5))); do
    kill -0 "$LAUNCH_PID" 2>/dev/null || break
    MINER_PID=$(awk '$1 == "ML-PID" && ($3 == "miner" || $3 == "browser") { p = $2 } END { print p }' "$TMP/launch.out")
    if [[ -n $MINER_PID && -d /proc/$MINER_PID ]] && ((SECONDS - STARTED >= 3)); then
        EXE=$(readlink "/proc/$MINER_PID/exe" 2>/dev/null || true)
        NETNS=$(readlink "/proc/$MINER_PID/ns/net" 2>/dev/null || true)
        PIDNS=$(readlink "/proc/$MINER_PID/ns/pid" 2>/dev/null || true)
        CGROUP=$(grep -E '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:|^0::' "/proc/$MINER_PID/cgroup" 2>/dev/null | head -n 1 || true)
        MSID=$(awk '{ print $6 }' "/proc/$MINER_PID/stat" 2>/dev/null || true)
        MUID=$(awk '/^Uid:/ { print $2 }' "/proc/$MINER_PID/status" 2>/dev/null || true)
        break
    fi
    sleep 0.2
done
SANDBOX_FILES_DURING=$(cd "$SANDBOX" && find . -mindepth 1 | sort)

LRC=0
wait "$LAUNCH_PID" || LRC=$?
LAUNCH_PID_DONE=$LAUNCH_PID
LAUNCH_PID=""
ELAPSED=$((SECONDS - STARTED))
if ((LRC == 77)); then
    echo "SKIP: $(tail -n 1 "$TMP/launch.err")" >&2
    exit 77
fi
((LRC == 0)) && ok "launcher exited 0 after ${ELAPSED} s" ||
    { fail "launcher exited $LRC"; sed 's/^/  launch: /' "$TMP/launch.err" >&2; }
((ELAPSED >= DURATION - 1)) || fail "launcher returned after ${ELAPSED} s, window is ${DURATION} s"
grep -qv '^ML-PID [0-9]\+ [a-z-]\+$' "$TMP/launch.out" &&
    fail "launcher stdout has lines other than ML-PID: $(grep -v '^ML-PID' "$TMP/launch.out" | head -n 3)"

# Ground truth from the pool: accepted shares on our transport.
sleep 0.5
SHARES=0
if [[ -z $COMMAND ]]; then
    SHARES=$(grep '"event":"share"' "$TMP/events.jsonl" | grep '"accepted":true' |
        grep -c "\"transport\":\"$TRANSPORT\"" || true)
    ((SHARES >= MIN_SHARES)) && ok "pool accepted $SHARES share(s) over $TRANSPORT" ||
        { fail "pool accepted $SHARES share(s) over $TRANSPORT (want >= $MIN_SHARES)";
          sed 's/^/  launch: /' "$TMP/launch.err" | tail -n 20 >&2; }
    [[ -n $MINER_PID ]] || fail "launcher announced no miner pid"
    if ((LAB)); then
        grep '"event":"login"' "$TMP/events.jsonl" | grep -q "\"peer\":\"${ML_LAB_HOST%.1}.2:" &&
            ok "miner reached the pool from the lab namespace" ||
            fail "no login from ${ML_LAB_HOST%.1}.2 in the pool events"
    fi
else
    grep -q '"event":"login"' "$TMP/events.jsonl" && fail "benign workload logged in to the pool"
fi

# What each attack type must look like while it runs.
case "$LAUNCHER" in
binary)
    grep -q '^./persist/systemd-journald-helper.service$' <<<"$SANDBOX_FILES_DURING" &&
        grep -q '^./persist/crontab$' <<<"$SANDBOX_FILES_DURING" &&
        ok "persistence artifacts written in the sandbox" || fail "no persistence artifacts in the sandbox"
    [[ $EXE == "$SANDBOX"/* ]] && ok "miner runs from the sandbox copy ($EXE)" || fail "miner exe is '$EXE'"
    # A dropped miner needs no root: it runs as nobody (issue 13).
    if (($(id -u) == 0)); then
        [[ $MUID == 65534 ]] && ok "miner runs unprivileged (uid $MUID)" || fail "miner uid '$MUID', not 65534"
    fi
    ;;
fileless)
    [[ $EXE == /memfd:* ]] && ok "miner runs from memory ($EXE)" || fail "miner exe is '$EXE', not a memfd"
    [[ -z $SANDBOX_FILES_DURING ]] && ok "nothing written to the sandbox" ||
        fail "fileless wrote files: $SANDBOX_FILES_DURING"
    ;;
supply-chain)
    [[ -n $MSID && $MSID != "$LAUNCH_PID_DONE" ]] && ok "miner detached into its own session ($MSID)" ||
        fail "miner session '$MSID' is the launcher's"
    ;;
cloud)
    [[ -n $NETNS && $NETNS != "$(readlink /proc/self/ns/net)" ]] && ok "miner in its own netns" || fail "miner netns '$NETNS'"
    [[ -n $PIDNS && $PIDNS != "$(readlink /proc/self/ns/pid)" ]] && ok "miner in its own pid ns" || fail "miner pid ns '$PIDNS'"
    [[ $CGROUP == *minerlab/* ]] && ok "miner in cgroup ${CGROUP##*:}" || fail "miner cgroup '$CGROUP'"
    ;;
esac

# Cleanup and leftovers, as the harness sees them after the window.
ML_SCENARIO_ID=$SCEN_ID "$SCRIPT" cleanup >&2 || fail "cleanup verb failed"
leftover=$(grep -l -s -z -F "ML_SANDBOX=$SANDBOX" /proc/[0-9]*/environ 2>/dev/null |
    awk -F/ -v self=$$ '$3 != self' || true)
for f in $leftover; do
    p=${f#/proc/}
    p=${p%%/*}
    # Ignore our own subshells (they carry the exported variable too).
    [[ $p == "$$" || $(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) == "$$" ]] && continue
    [[ -d /proc/$p ]] && fail "leftover process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-120)"
done
grep -qF "$TMP" /proc/self/mountinfo && fail "leftover mount under $TMP"
for d in /sys/fs/cgroup/cpu/minerlab/"$SCEN_ID"-* /sys/fs/cgroup/minerlab/"$SCEN_ID"-*; do
    [[ -d $d ]] && fail "leftover cgroup $d"
done
kill -TERM "$POOL_PID" 2>/dev/null || true
wait "$POOL_PID" 2>/dev/null || true
POOL_PID=""
if ((LAB)); then
    "$SRC/harness/launch/labnet.sh" down "$RUNID"
    LAB_UP=0
    ip netns list | grep -qw "mlab-$RUNID" && fail "leftover netns mlab-$RUNID"
    ip -o link show | grep -q "alias mlab-$RUNID" && fail "leftover veth for $RUNID"
    [[ -e /run/netns/mlab-$RUNID ]] && fail "leftover /run/netns/mlab-$RUNID"
fi
rm -rf "$SANDBOX" && [[ ! -e $SANDBOX ]] || fail "sandbox could not be removed"
ok "no leftovers checked (processes, mounts, cgroup, netns, veth, sandbox)"

((FAILS == 0)) || { echo "run_launcher: $FAILS check(s) failed for $LAUNCHER" >&2; exit 1; }
echo "PASS: $LAUNCHER transport=$TRANSPORT duty=$DUTY shares=$SHARES elapsed=${ELAPSED}s" >&2
