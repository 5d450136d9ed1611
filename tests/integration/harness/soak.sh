#!/usr/bin/env bash
# minerlab soak, short (CI): benign background work from the catalogue with
# real miner episodes (real launchers, pool and miner, light mode) and a
# detector that alerts on every pid and flow once a second. Bad input first
# (one line, exit 2, nothing overwritten). Then a soak is SIGKILLed once it
# has judged an episode: soak.json (rewritten every few seconds) keeps the
# episodes with their measured facts, `minerlab report` renders the partial
# soak, and nothing of it is left behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/leftovers.sh"
[[ -x $ML_BIN_DIR/minerlab-pool && -x $ML_BIN_DIR/minerlab-miner ]] || { echo "SKIP: pool/miner not built"; exit 77; }
[[ $(id -u) -eq 0 ]] || export ML_LAB_INTERNET=0 # the loopback pool without root

bad() { # EXPECTED-TEXT ARGS...: exit 2, one line naming the problem
    local want=$1 rc=0
    shift
    "$MINERLAB" soak "$@" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
    [[ $rc -eq 2 ]] || fail "soak $*: exit $rc, want 2"
    [[ $(wc -l <"$WORK/bad.err") -eq 1 ]] || fail "soak $*: not one line: $(cat "$WORK/bad.err")"
    grep -q -- "$want" "$WORK/bad.err" || fail "soak $*: '$(cat "$WORK/bad.err")' does not say '$want'"
}
bad "--hours wants a positive number" --hours 0 --out "$WORK/b1"
bad "--hours wants a positive number" --hours -1 --out "$WORK/b1"
bad "--seed wants a decimal number" --minutes 1 --seed abc --out "$WORK/b1"
bad "how long" --out "$WORK/b1"
bad "at least the grace" --minutes 1 --gap 1:2 --grace 5 --out "$WORK/b1"
[[ ! -e $WORK/b1 ]] || fail "bad input created the soak directory"
mkdir -p "$WORK/ro" && touch "$WORK/ro/file"
bad "cannot create the soak directory" --minutes 1 --out "$WORK/ro/file/x"
mkdir -p "$WORK/taken" && echo '{"keep":1}' >"$WORK/taken/soak.json"
bad "already holds" --minutes 1 --out "$WORK/taken"
grep -q keep "$WORK/taken/soak.json" || fail "an existing soak.json was overwritten"
if [[ $(id -u) -ne 0 ]]; then
    mkdir -p "$WORK/nowrite" && chmod 555 "$WORK/nowrite"
    bad "cannot write in the soak directory" --minutes 1 --out "$WORK/nowrite"
fi

out=$WORK/soak
setsid "$MINERLAB" soak --minutes 3 --seed 42 --scenarios "$DATA/scenarios" \
    --recipes wallet-binary,wallet-benign,everything-jsonrpc \
    --episode 8:12 --gap 5:8 --grace 2 --warmup 1 --duty 30:60 --write-every 3 \
    --pool-ports random --detector "everything=python3 $DATA/bin/everythingdet.py" \
    --out "$out" >"$WORK/soak.out" 2>"$WORK/soak.err" &
HPID=$!
wait_for "$out/timeline.jsonl" 30 '"event":"run_start"' || { cat "$WORK/soak.err"; fail "the soak never started"; }
start=$(grep -m1 '"event":"run_start"' "$out/timeline.jsonl")
state=$(sed -n 's/.*"state":"\([^"]*\)".*/\1/p' <<<"$start")
cg=$(sed -n 's/.*"cgroup":"\([^"]*\)".*/\1/p' <<<"$start")
id=$(basename "$state" .state)
id=${id#run-}
grep -q 'seed 42 (replay with --seed 42)' "$WORK/soak.err" || fail "the seed is not printed"
# Kill it once soak.json holds a judged episode and a second one has begun.
for ((i = 0; i < 900; i++)); do
    python3 - "$out/soak.json" 2>/dev/null <<'PY' && break
import json, sys
d = json.load(open(sys.argv[1]))
eps = d["episodes"]
sys.exit(0 if any(e["judged"] for e in eps) and len(eps) >= 2 else 1)
PY
    kill -0 "$HPID" 2>/dev/null || { cat "$WORK/soak.err"; fail "the soak ended before its kill"; }
    sleep 0.2
done
cp "$state" "$WORK/state" 2>/dev/null || : >"$WORK/state"
kill -KILL "$HPID"
wait "$HPID" 2>/dev/null || true
HPID=
check_run "$out" "$WORK/state" "$id" "$cg"
[[ $leftovers -eq 0 ]] || fail "$leftovers leftovers after the SIGKILL"

"$MINERLAB" report "$out" >"$WORK/report.out" 2>&1 || { cat "$WORK/report.out"; fail "report of the partial soak failed"; }
grep -q '^\*\*Partial soak\*\*' "$out/report.md" || fail "report.md does not say the soak is partial"
grep -q 'minerlab soak' "$out/report.html" || fail "no report.html"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
d = json.load(open(out + "/soak.json"))
assert d["format"] == "minerlab-soak/1" and d["seed"] == "42", d["seed"]
assert not d["complete"] and "finished" not in d, "a killed soak cannot be complete"
assert d["recipes"]["malicious"] == ["wallet-binary"], d["recipes"]
assert set(d["recipes"]["benign"]) == {"wallet-benign", "everything-jsonrpc"}, d["recipes"]
assert d["background"], "no background work recorded"
judged = [e for e in d["episodes"] if e["judged"]]
assert judged, d["episodes"]
for e in judged:
    assert e["recipe"] == "wallet-binary" and 30 <= e["duty_pct"] <= 60, e
    assert 8 <= e["planned_s"] <= 12, e
    # measured facts: the window, the miner, its duty, its tree and its pool login
    assert e["start"] < e["miner_start"] < e["end"], e
    assert isinstance(e["measured_duty_pct"], float) and e["measured_duty_pct"] > 0, e
    assert e["pids"] >= 1 and e["logins"] >= 1 and e["connections"] >= 1, e
    ev = e["detectors"]["everything"]
    assert ev["caught"] and 0 <= ev["latency_s"] < e["end"] - e["miner_start"] + 2, ev
    assert ev["alerts"]["tp"] >= 1, ev
# Episodes follow the schedule: a quiet gap of at least the grace before each.
for a, b in zip(d["episodes"], d["episodes"][1:]):
    if a.get("end") and b.get("start"):
        assert b["start"] - a["end"] >= d["settings"]["grace_s"], (a, b)
fa = d["false_alarms"]["everything"]
# It alerts on the background's processes, on the host's and on the lab's.
assert fa["fp"] >= 1 and fa["outside"] >= 1 and fa["lab"] >= 1, fa
# A background launcher is the lab's, as in a run; what it starts is the
# benign workload.
import gzip, os
tlp = out + "/timeline.jsonl"
roles = {}
for l in (open(tlp) if os.path.exists(tlp) else gzip.open(tlp + ".gz", "rt")):
    ev = json.loads(l)
    if ev.get("event") == "lab_pid":
        roles.setdefault(ev["role"], set()).add(ev["pid"])
assert roles.get("background-launcher") and roles.get("background"), sorted(roles)
assert not roles["background-launcher"] & roles["background"], roles
assert d["quiet_s"] > 0 and d["quiet_s"] < d["elapsed_s"], d
rep = json.load(open(out + "/report.json"))
assert rep["kind"] == "soak" and rep["partial"] is True
s = rep["summary"]["everything"]
assert s["episodes_judged"] == len(judged) and s["episodes_caught"] == len(judged), s
assert s["false_alarms"] == fa["fp"] + fa["outside"] and s["false_alarms_per_host_hour"] > 0, s
print("soak: %d episodes judged, %d false alarms over %.0f quiet s" %
      (len(judged), s["false_alarms"], d["quiet_s"]))
PY
echo "soak OK: bad input refused, partial soak kept and rendered after SIGKILL, nothing left"
