#!/usr/bin/env bash
# The command line of every `minerlab` command (base/opt.h option tables):
# --help prints the generated usage on stdout and exits 0; a usage error (an
# unknown option, a bad value, a missing or stray operand) is one line on
# stderr naming the cause and exits 2; short forms and GNU order (options
# after operands) are accepted. Nothing starts a run: accepted options end
# at the missing scenario directory, which is also exit 2 but says so.
. "$(dirname "$0")/lib.sh"
cd "$WORK"
N=$WORK/no-such-dir
checks=0
expect() { # expect RC PATTERN ARGS...: exit RC, PATTERN in the output
    local want=$1 pat=$2 rc=0
    shift 2
    "$MINERLAB" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    [[ $rc -eq $want ]] || { cat "$WORK/out" "$WORK/err"; fail "minerlab $*: exit $rc, want $want"; }
    cat "$WORK/out" "$WORK/err" | grep -q -- "$pat" || { cat "$WORK/out" "$WORK/err"; fail "minerlab $*: lacks '$pat'"; }
    checks=$((checks + 1))
}
usage_error() { # usage_error PATTERN ARGS...: exit 2, one line on stderr, nothing on stdout
    expect 2 "$@"
    [[ $(wc -l <"$WORK/err") -eq 1 && ! -s $WORK/out ]] || { cat "$WORK/err"; fail "minerlab ${*:2}: not one line"; }
    grep -q -- "$1" "$WORK/err" || fail "minerlab ${*:2}: '$1' not on stderr"
}
expect 0 "usage: minerlab <command>" --help
cp "$WORK/out" "$WORK/top"
for c in run list report merge compare; do
    grep -q "^  $c " "$WORK/top" || fail "minerlab --help does not list $c"
    expect 0 "usage: minerlab $c \[options\]" $c --help
    [[ ! -s $WORK/err ]] || fail "minerlab $c --help wrote to stderr"
    expect 0 "-h, --help" $c -h
    usage_error "unknown option '--nosuch'" $c --nosuch
done
# Defaults come from the table: run's --help shows them.
expect 0 "--grace S .*(default 10)" run --help
grep -A1 -- "--order random|listed " "$WORK/out" | grep -q "(default random)" ||
    fail "no default for --order"
# Short forms and options after operands are accepted (the run then stops at the scenarios).
expect 2 "cannot read scenarios in $N" run x --scenarios "$N" -s quick -d a -d b -o o -j j -b b -q -e \
    --grace 5 --gap 1 --warmup 0 --ttd-tolerance 3600 --max-alerts 0 --diff 1 --pool-ports random \
    --repeat 2 --seed 18446744073709551615 --order listed --shard 1/2 --launch-dir d --pool p
expect 2 "cannot read scenarios in $N" --scenarios "$N" x # options without a command: run
# Bad values: one line naming the option.
for bad in "--grace 601" "--gap x" "--warmup -1" "--ttd-tolerance nan" "--max-alerts -1" \
    "--diff 0" "--repeat 0" "--pool-ports x" "--order x" "--seed -1" "--suite"; do
    # shellcheck disable=SC2086
    usage_error "${bad%% *}" run x --scenarios "$N" $bad
done
usage_error "unknown option '-z'" run -z x
usage_error "--detector given more than 32 times" run x $(for i in $(seq 33); do printf -- '-d d%d ' "$i"; done)
# Operands: counted per command.
usage_error "DIR expected, got 0 arguments" report
usage_error "DIR expected, got 2 arguments" report a b
usage_error "ttd-tolerance" report a --ttd-tolerance x
expect 2 "" report "$N" -j j -b b -t 5 -q -e # accepted; the directory is missing
usage_error "OUT DIR... expected, got 1 argument" merge o
usage_error "A B expected, got 1 argument" compare a
usage_error "A B expected, got 3 arguments" compare a b c
usage_error "unexpected argument 'extra'" list --scenarios "$N" extra
expect 2 "cannot read $N" list --scenarios "$N"
[[ -z $(ls -A "$WORK" | grep -v -x -e out -e err -e top) ]] || { ls -A "$WORK"; fail "a command wrote files"; }
echo "cli: $checks checks passed"
