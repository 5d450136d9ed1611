#!/usr/bin/env bash
# A full disk under the run directory (a 40 KiB tmpfs in a private mount
# namespace): the run still finishes, says which file could not be written
# and why, exits 2, and leaves no process behind. Skipped without mount rights.
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/full"
unshare -m true 2>/dev/null || { echo "no mount namespace here"; exit 77; }
rc=0
unshare -m bash -c '
    mount -t tmpfs -o size=40k tmpfs "$1" || exit 77
    shift
    exec "$@"' _ "$WORK/full" \
    "$MINERLAB" run --suite tiny "${fast_flags[@]}" --out "$WORK/full/run" \
    --detector "good=sh $DATA/bin/gooddet.sh" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
[[ $rc -eq 77 ]] && { echo "tmpfs mount refused"; exit 77; }
cat "$WORK/stderr"
[[ $rc -eq 2 ]] || fail "exit $rc, expected 2 for a report that could not be written"
grep -q "cannot write: No space left on device" "$WORK/stderr" || fail "no ENOSPC message"
grep -q "detected" "$WORK/stdout" || fail "scorecard missing although scoring worked"
[[ -z $(marked_pids) ]] || fail "processes left: $(marked_pids)"
echo "full disk OK"
