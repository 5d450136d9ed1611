#!/usr/bin/env bash
# DNS queries are attributed from the lab DNS's query log, not the socket
# scan: the miner's c-ares socket lives for milliseconds, far less than the
# 0.5-s scan, so pool-endpoint's alert on the miner's own lookup used to land
# in the off-target bucket. A real run in the lab internet (root, dnsmasq):
# the real miner mines to the pool by name while pool-endpoint captures on
# the uplink; its DNS alert must be the scenario's, and the query log must
# attribute only queries of that scenario's host for its pool's name. Then a
# benign network workload run alone must get the lab internet as well.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root for the lab internet"; exit 77; }
for t in ip dnsmasq openssl; do
    command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
[[ -x $ML_BIN_DIR/minerlab-miner && -x $ML_BIN_DIR/minerlab-det-pool-endpoint ]] ||
    { echo "SKIP: miner or pool-endpoint not built"; exit 77; }
out=$WORK/run
"$MINERLAB" run "$DATA/scenarios/binary/real-miner.yaml" --launch-dir "$DATA/launch" \
    --gap 0 --grace 2 --warmup 1 --quiet --out "$out" --detector pool-endpoint \
    >"$WORK/stdout" 2>"$WORK/stderr" || { cat "$WORK/stderr"; fail "run failed"; }
grep -q '"event":"labinet_up"' "$out/timeline.jsonl" &&
    grep '"event":"labinet_up"' "$out/timeline.jsonl" | grep -q '"status":0' ||
    { echo "SKIP: the lab internet did not come up: $(grep labinet_up "$out/timeline.jsonl")"; exit 77; }
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
tl = [json.loads(l) for l in open(out + "/timeline.jsonl")]
inet = [e for e in tl if e["event"] == "labinet_up"][0]
dns = [e for e in tl if e["event"] == "conn" and e.get("via") == "labdns"]
assert dns, "no DNS query attributed from the lab DNS's log"
victim = inet["home_net"].rsplit(".", 1)[0] + ".1"
for e in dns:
    assert e["scenario"] == "real-miner", e
    assert e["name"] == "pool.supportxmr.com", e
    assert e["src"].startswith(victim + ":"), (e, victim)
    assert e["dst"] == inet["dns"] + ":53", e
# The log has the same query, client port and all.
log = open(out + "/labdns.log").read()
for e in dns:
    ip, port = e["src"].rsplit(":", 1)
    assert f"{ip}/{port} query[" in log, e
alerts = [json.loads(l) for l in open(out + "/alerts.jsonl")]
pep = [a for a in alerts if a["detector_name"] == "pool-endpoint"]
rules = {a["reason"].split(":")[0] for a in pep}
assert "rule pool-dns" in rules, rules
assert "rule falco-miner-pool" in rules, rules
rep = json.load(open(out + "/report.json"))
d = [x for x in rep["detectors"] if x["name"] == "pool-endpoint"][0]
assert d["off_target_alerts"] == 0, d
assert d["tp_alerts"] == len(pep), (d["tp_alerts"], len(pep), rules)
print("ok: %d DNS queries attributed from the log; pool-endpoint %d alerts, all the "
      "scenario's (%s)" % (len(dns), len(pep), ", ".join(sorted(rules))))
PY
ns=$(python3 -c "import json,sys
for l in open('$out/timeline.jsonl'):
    e = json.loads(l)
    if e['event'] == 'labinet_up': print(e['netns'])")
ip netns list | grep -qw -- "$ns" && fail "the lab internet $ns was left behind"

# A run of a benign network workload alone gets the lab internet too: its
# JSON-RPC server sits on the lab web host and its flows cross the uplink,
# as in a run that also holds a miner (it used to stay on loopback).
out2=$WORK/benign
"$MINERLAB" run "$DATA/scenarios/benign/everything-jsonrpc.yaml" --gap 0 --grace 1 \
    --warmup 0.5 --quiet --out "$out2" --detector pool-endpoint \
    >"$WORK/stdout2" 2>"$WORK/stderr2" || { cat "$WORK/stderr2"; fail "benign run failed"; }
python3 - "$out2" <<'PY'
import ipaddress, json, sys
tl = [json.loads(l) for l in open(sys.argv[1] + "/timeline.jsonl")]
up = [e for e in tl if e["event"] == "labinet_up"]
assert up and up[0]["status"] == 0, ("no lab internet for a benign-only run", up)
home = ipaddress.ip_network(up[0]["home_net"], strict=False)
inet = ipaddress.ip_network(str(home.network_address) + "/24", strict=False)
flows = [e for e in tl if e["event"] == "conn" and e["scenario"] == "everything-jsonrpc"
         and not e.get("listening")]
assert flows, "the benign workload made no flow"
for e in flows:
    for end in (e["src"], e["dst"]):
        ip = ipaddress.ip_address(end.rsplit(":", 1)[0])
        assert ip in inet and not ip.is_loopback, ("a flow off the lab internet", e)
print("ok: benign-only run: lab internet %s up, %d flows on it" % (inet, len(flows)))
PY
ns2=$(sed -n 's/.*"event":"labinet_up".*"netns":"\([^"]*\)".*/\1/p' "$out2/timeline.jsonl")
[[ -n $ns2 ]] && ip netns list | grep -qw -- "$ns2" && fail "the lab internet $ns2 was left behind"
echo "labdns attribution OK"
