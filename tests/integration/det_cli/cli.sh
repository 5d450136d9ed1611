#!/usr/bin/env bash
# The command lines of the detectors converted to base/opt tables (ndpi,
# tshark, sigma, auditd, bpftrace, suricata-eve, falco, yara): --help is
# generated and exits 0, a usage error exits 2 with one line and the usage,
# --version names the tool driven and minerlab, --needs says who stays out
# of minerlab run's default set; and `minerlab list` shows all of it.
#   cli.sh BIN_DIR
set -uo pipefail
BIN=${1:?usage: cli.sh BIN_DIR}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
bad() {
    echo "FAIL: $*"
    fail=1
}
unset ML_SURICATA_EVE ML_FALCO_EVENTS ML_HOME_NET

declare -A want_version=(
    [ndpi]='^nDPI 4\.[0-9.]+.* \(minerlab [0-9.]+\)$'
    [tshark]='^TShark .*\(minerlab [0-9.]+\)$'
    [sigma]='^minerlab [0-9.]+ sigma engine \(libyaml [0-9.]+\)$'
    [auditd]='^auditd [0-9.]+ \(minerlab [0-9.]+\)$'
    [bpftrace]='^bpftrace v[0-9.]+ \(minerlab [0-9.]+\)$'
    [suricata-eve]='^minerlab [0-9.]+ suricata-eve adapter$'
    [falco]='^minerlab [0-9.]+ falco adapter$'
    [yara]='^yara 4\.[0-9.]+ \(minerlab [0-9.]+\)$'
)
declare -A needs_tool=([ndpi]= [tshark]=tshark [sigma]= [auditd]=auditctl
    [bpftrace]=bpftrace [suricata-eve]= [falco]= [yara]=yara)

for det in "${!want_version[@]}"; do
    exe=$BIN/minerlab-det-$det
    [[ -x $exe ]] || { bad "$det: $exe not built"; continue; }
    # --help: generated from the table, on stdout, exit 0, every line an option.
    "$exe" --help >"$TMP/help" 2>"$TMP/help.err"
    rc=$?
    ((rc == 0)) || bad "$det --help exited $rc"
    head -1 "$TMP/help" | grep -q "^usage: minerlab-det-$det \[options\]" ||
        bad "$det --help: no usage line: $(head -1 "$TMP/help")"
    grep -q -- '--version' "$TMP/help" || bad "$det --help does not list --version"
    grep -q -- '-h, --help' "$TMP/help" || bad "$det --help does not list --help"
    # A usage error: exit 2, the reason first, then the usage, on stderr.
    "$exe" --no-such-option >"$TMP/out" 2>"$TMP/err"
    rc=$?
    ((rc == 2)) || bad "$det --no-such-option exited $rc, not 2"
    [[ ! -s $TMP/out ]] || bad "$det --no-such-option wrote to stdout"
    head -1 "$TMP/err" | grep -q "^minerlab-det-$det: .*--no-such-option" ||
        bad "$det --no-such-option: first line '$(head -1 "$TMP/err")'"
    grep -q '^usage: ' "$TMP/err" || bad "$det --no-such-option: no usage on stderr"
    "$exe" --version extra-argument >/dev/null 2>&1
    (($? == 2)) || bad "$det: a stray argument is not a usage error"
    # --version: the tool driven, then minerlab.
    if [[ -n ${needs_tool[$det]} ]] && ! command -v "${needs_tool[$det]}" >/dev/null; then
        echo "skip: $det --version (${needs_tool[$det]} not installed)"
        continue
    fi
    v=$("$exe" --version 2>/dev/null)
    rc=$?
    ((rc == 0)) || bad "$det --version exited $rc"
    [[ $v =~ ${want_version[$det]} ]] || bad "$det --version: '$v'"
done

# Numbers are checked against their ranges.
"$BIN/minerlab-det-yara" --interval 0 >/dev/null 2>"$TMP/err"
(($? == 2)) && grep -q -- '--interval wants an integer in 1..3600' "$TMP/err" ||
    bad "yara --interval 0: $(head -1 "$TMP/err")"
"$BIN/minerlab-det-yara" --pid 12,x >/dev/null 2>"$TMP/err"
(($? == 2)) || bad "yara --pid 12,x is not a usage error"
"$BIN/minerlab-det-ndpi" --home-net 10.0.0.0/33 >/dev/null 2>"$TMP/err"
(($? == 2)) && grep -q -- '--home-net' "$TMP/err" || bad "ndpi --home-net 10.0.0.0/33 accepted"
"$BIN/minerlab-det-sigma" --mode sometimes >/dev/null 2>"$TMP/err"
(($? == 2)) || bad "sigma --mode sometimes is not a usage error"

# --needs: the adapters without a file and auditd stay out of the default set.
for det in suricata-eve falco auditd; do
    n=$("$BIN/minerlab-det-$det" --needs)
    [[ -n $n ]] || bad "$det --needs printed nothing"
done
[[ $("$BIN/minerlab-det-falco" --needs) == *"--detector falco:FILE"* ]] ||
    bad "falco --needs does not name --detector falco:FILE"
n=$(ML_FALCO_EVENTS=$TMP/events.json "$BIN/minerlab-det-falco" --needs)
[[ -z $n ]] || bad "falco --needs with \$ML_FALCO_EVENTS set: '$n'"
for det in sigma bpftrace; do
    n=$("$BIN/minerlab-det-$det" --needs 2>/dev/null)
    [[ -z $n ]] || bad "$det --needs printed '$n'"
done

# minerlab list: a version for every detector that drives a tool or is one of
# the project's own models (pool-endpoint, stratum-dpi and flow-cadence parse
# their options elsewhere), and what the opt-in ones need.
if [[ -x $BIN/minerlab ]]; then
    "$BIN/minerlab" list >"$TMP/list" 2>/dev/null
    sed -n '/^reference detectors/,$p' "$TMP/list" >"$TMP/dets"
    while read -r name rest; do
        [[ $name == not ]] && continue
        case $name in reference | "" | pool-endpoint | stratum-dpi | flow-cadence) continue ;; esac
        if [[ -z $rest ]]; then
            # minerlab list gives each --version 3 s; on a loaded box a tool
            # (tshark loads its plugins) can take longer: that is timing.
            t0=$(date +%s%N)
            "$BIN/minerlab-det-$name" --version >/dev/null 2>&1
            ms=$((($(date +%s%N) - t0) / 1000000))
            if ((ms > 2000)); then
                echo "skip: $name --version took $ms ms here (minerlab list allows 3 s)"
            else
                bad "minerlab list: no version for $name"
            fi
        fi
    done < <(grep -v 'not run by default' "$TMP/dets")
    for det in suricata-eve falco auditd; do
        grep -A1 "^  $det " "$TMP/dets" | grep -q 'not run by default: ' ||
            bad "minerlab list does not say why $det is not run by default"
    done
    grep -A1 "^  sigma " "$TMP/dets" | grep -q 'not run by default' &&
        bad "minerlab list: sigma marked as not run by default"
fi

((fail == 0)) && echo "det_cli: all checks passed"
exit $fail
