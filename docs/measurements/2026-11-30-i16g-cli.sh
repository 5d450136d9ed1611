#!/usr/bin/env bash
# Issue 16 (engineer G): every `minerlab` command's --help and its answers to
# good and bad options, as exit status + stdout + stderr, so the option-table
# conversion can be diffed before/after. Nothing here starts a run: the
# scenario directory does not exist, so accepted options end in
# "cannot read scenarios" (exit 2) and refused ones in their usage error.
# usage: 2026-11-30-i16g-cli.sh MINERLAB >OUT.txt
set -u
M=$1
T=$(mktemp -d /tmp/ml-i16g-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
N=/nonexistent-i16g
one() {
    local rc=0
    "$M" "$@" >"$T/out" 2>"$T/err" || rc=$?
    printf '$ minerlab %s\nrc=%d\n' "$*" "$rc"
    sed 's/^/  out| /' "$T/out"
    sed 's/^/  err| /' "$T/err"
}
one --help; one -h; one help; one --version; one nosuch
for c in run list report merge compare; do one $c --help; one $c -h; one $c --nosuch; done
# run: every option, good and bad values, short forms
R=(run --scenarios $N x)
one "${R[@]}"
one "${R[@]}" -s quick; one "${R[@]}" --suite; one "${R[@]}" -d a -d b; one "${R[@]}" -o o -j j -b b -q -e
for o in grace gap warmup; do one "${R[@]}" --$o 5; one "${R[@]}" --$o 601; one "${R[@]}" --$o x; one "${R[@]}" --$o -1; done
one "${R[@]}" --ttd-tolerance 3600; one "${R[@]}" --ttd-tolerance 3601; one "${R[@]}" --ttd-tolerance nan
one "${R[@]}" --max-alerts 0; one "${R[@]}" --max-alerts -1; one "${R[@]}" --max-alerts 1e3
one "${R[@]}" --diff 1; one "${R[@]}" --diff 0; one "${R[@]}" --diff 4294967297
one "${R[@]}" --pool-ports random; one "${R[@]}" --pool-ports well-known; one "${R[@]}" --pool-ports x
one "${R[@]}" --repeat 1; one "${R[@]}" --repeat 0; one "${R[@]}" --repeat 100000
one "${R[@]}" --seed 18446744073709551615; one "${R[@]}" --seed -1; one "${R[@]}" --seed x
one "${R[@]}" --order listed; one "${R[@]}" --order random; one "${R[@]}" --order x
one "${R[@]}" --shard 1/2; one "${R[@]}" --launch-dir d --pool p --gap=1 --sui=quick
one "${R[@]}" --quiet=1; one "${R[@]}" -z; one "${R[@]}" -qz
one run --scenarios $N $(for i in $(seq 33); do printf -- '-d d%d ' "$i"; done)
one --scenarios $N x --grace 1
# the other commands
one list --scenarios $N; one list --scenarios; one list --scenarios $N extra
one report; one report $N; one report $N b; one report $N -j j -b b -t 5 -q -e
one report $N --ttd-tolerance x; one report $N --ttd-tolerance 5
one merge; one merge o; one merge $T/o $N/a $N/b --junit j -q; one merge $T/o $N/a --quiet
one compare; one compare a; one compare a b c; one compare $N/a $N/b --json j; one compare --json
