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

# The disk fills up in the middle of the run (a filler file on a 4 MiB
# tmpfs once the first, 30-s scenario runs): the harness says so in one
# line, stops instead of running the rest blind, prints the scorecard of
# what ran, and leaves no process behind.
rm -rf "$WORK/full2" && mkdir -p "$WORK/full2"
rc=0
t0=$(date +%s)
unshare -m bash -c '
    mount -t tmpfs -o size=4m tmpfs "$1" || exit 77
    dir=$1; shift
    "$@" &
    h=$!
    for _ in $(seq 1 200); do
        grep -q "\"event\":\"scenario_start\"" "$dir/run/timeline.jsonl" 2>/dev/null && break
        sleep 0.1
    done
    dd if=/dev/zero of="$dir/filler" bs=64k 2>/dev/null
    wait $h' _ "$WORK/full2" \
    "$MINERLAB" run fake-escape fake-mal fake-benign "${fast_flags[@]}" \
    --out "$WORK/full2/run" --detector "good=sh $DATA/bin/gooddet.sh" \
    >"$WORK/stdout2" 2>"$WORK/stderr2" || rc=$?
took=$(($(date +%s) - t0))
cat "$WORK/stderr2"
[[ $rc -eq 77 ]] && { echo "tmpfs mount refused"; exit 77; }
[[ $rc -ne 0 ]] || fail "exit 0 although the disk filled up"
grep -q "disk full?): stopping the run" "$WORK/stderr2" || fail "no clear disk-full line"
((took < 28)) || fail "the run went on for ${took} s after the disk filled up"
grep -q "^good  *1/1 " "$WORK/stdout2" || { cat "$WORK/stdout2"; fail "no scorecard of what ran"; }
[[ -z $(marked_pids) ]] || fail "processes left: $(marked_pids)"
echo "disk full mid-run OK (${took} s, exit $rc)"
