#!/bin/sh
# CI checks of the "no NVIDIA GPU" paths (and, on a GPU machine, that the
# same commands succeed instead):
#   nogpu.sh cuda-check   minerlab-cuda-check info: 77 + "no NVIDIA GPU", or 0 + JSON
#   nogpu.sh launcher     harness/launch/gpu.sh check: 77 + reason, or 0
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT
case "${1:-}" in
cuda-check)
    out=$("$ML_BIN_DIR/minerlab-cuda-check" info 2>"$err"); rc=$?
    if [ $rc -eq 77 ]; then
        grep -q "no NVIDIA GPU" "$err" || fail "exit 77 without the reason: $(cat "$err")"
        [ -z "$out" ] || fail "stdout should be empty without a GPU: $out"
    elif [ $rc -eq 0 ]; then
        echo "$out" | grep -q '"device"' || fail "no device in: $out"
    else
        fail "minerlab-cuda-check info exited $rc: $(cat "$err")"
    fi ;;
launcher)
    bash "$ML_SOURCE_DIR/harness/launch/gpu.sh" check >/dev/null 2>"$err"; rc=$?
    if [ $rc -eq 77 ]; then
        tail -n 1 "$err" | grep -q "NVIDIA GPU" || fail "77 without a reason: $(cat "$err")"
    elif [ $rc -ne 0 ]; then
        fail "gpu.sh check exited $rc: $(cat "$err")"
    fi
    # Unknown verbs are usage errors, cleanup always succeeds.
    bash "$ML_SOURCE_DIR/harness/launch/gpu.sh" bogus >/dev/null 2>&1 && fail "bogus verb accepted"
    bash "$ML_SOURCE_DIR/harness/launch/gpu.sh" cleanup || fail "cleanup failed" ;;
*)
    fail "usage: nogpu.sh cuda-check|launcher" ;;
esac
echo ok
