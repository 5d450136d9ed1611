#!/usr/bin/env bash
# A small fleet through the real harness (root only; 77 otherwise):
# fleet-tcp-d10-h3 runs 3 infected hosts, each its own namespace and its own
# light-mode miner at 10 % duty, behind a NAT gateway namespace on the lab
# internet; a capture-only detector records the victim LAN's uplink, the
# view of a network sensor at the edge. Checks:
#   - on the uplink the fleet is one home address, the gateway's: no fleet
#     LAN address (10.201.0.0/24) appears, every packet is between the
#     gateway and the lab DNS or the pool; the hosts' DNS queries for the
#     pool name and their Stratum logins are there, NATed;
#   - ground truth: the gateway's NAT table is in the timeline (`conn` via
#     "nat", the post-NAT tuple with the host behind it), and the pool saw
#     a login from the gateway's address per host;
#   - scoring: alerts on a NATed DNS flow and a NATed Stratum flow as the
#     sensor saw them, and one on a miner's pid, are true positives of the
#     fleet scenario;
#   - nothing is left: no fleet or lab namespace, no lab veth, no process of
#     the run, no state file.
. "$(dirname "$0")/lib.sh"
skip() { echo "SKIP: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "a fleet needs root (network namespaces, nftables)"
for t in ip nft dnsmasq dumpcap tshark python3; do
    command -v $t >/dev/null || skip "$t is not installed"
done
[[ -x $ML_BIN_DIR/minerlab-pool && -x $ML_BIN_DIR/minerlab-miner ]] || skip "pool/miner not built"
"$ML_SOURCE_DIR/harness/launch/fleetnet.sh" check 2>"$WORK/check" || skip "$(cat "$WORK/check")"
"$ML_SOURCE_DIR/harness/launch/labinet.sh" check 2>"$WORK/check" || skip "$(cat "$WORK/check")"
out=$WORK/run
export ML_TEST_PCAP=$WORK/uplink.pcapng
rc=0
"$MINERLAB" run fleet-tcp-d10-h3 --scenarios "$ML_SOURCE_DIR/scenarios" \
    --launch-dir "$ML_SOURCE_DIR/harness/launch" --detector "cap=sh $DATA/bin/capdet.sh" \
    --warmup 2 --gap 0 --grace 2 --quiet --out "$out" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
[[ $rc == 0 || $rc == 1 ]] || { cat "$WORK/stderr" >&2; fail "minerlab run exited $rc"; }
# What the fleet needs was checked above: a skip here is a failure.
grep -q '"status":"skipped"' "$out/timeline.jsonl" &&
    fail "fleet skipped: $(grep -o '"reason":"[^"]*"' "$out/timeline.jsonl" | head -1)"
[[ -s $ML_TEST_PCAP ]] || fail "the capture detector wrote nothing: $(cat "$ML_TEST_PCAP.err" 2>/dev/null)"

# The lab's addresses and the fleet's, from the timeline.
read -r GW DNS POOL < <(python3 - "$out" <<'PY'
import json, sys
tl = [json.loads(l) for l in open(sys.argv[1] + "/timeline.jsonl")]
up = [e for e in tl if e["event"] == "labinet_up"][0]
assert up["status"] == 0, up
nat = [e for e in tl if e["event"] == "conn" and e.get("via") == "nat"]
assert nat, "no NATed flow in the timeline"
gws = {e["src"].rsplit(":", 1)[0] for e in nat}
assert len(gws) == 1, gws
print(gws.pop(), up["dns"], up["pool"])
PY
) || fail "no lab internet or NAT ground truth in the timeline"
echo "gateway $GW, lab DNS $DNS, pool $POOL" >&2

python3 - "$out" "$GW" "$DNS" "$POOL" <<'PY' || fail "ground truth"
import ipaddress, json, sys
out, gw, dns, pool = sys.argv[1:]
tl = [json.loads(l) for l in open(out + "/timeline.jsonl")]
end = [e for e in tl if e["event"] == "scenario_end"][0]
assert end["status"] == "ran" and "reason" not in end, end  # not killed at window + 5 s
assert end["logins"] >= 3, end
miners = {e["pid"] for e in tl if e["event"] == "pid" and e.get("role") == "miner"}
assert len(miners) == 3, miners
nat = [e for e in tl if e["event"] == "conn" and e.get("via") == "nat"]
fleet_lan = ipaddress.ip_network("10.201.0.0/24")
for e in nat:
    assert e["scenario"] == "fleet-tcp-d10-h3", e
    assert e["src"].startswith(gw + ":"), e
    assert ipaddress.ip_address(e["inner"].rsplit(":", 1)[0]) in fleet_lan, e
dnsf = [e for e in nat if e["proto"] == "udp" and e["dst"] == dns + ":53"]
strat = [e for e in nat if e["proto"] == "tcp" and e["dst"] == pool + ":3333"]
assert dnsf and strat, (dnsf, strat)
hosts = {e["inner"].rsplit(":", 1)[0] for e in strat}
assert len(hosts) == 3, hosts
pool_seen = [e for e in tl if e["event"] == "conn" and e.get("via") in ("window", "proc")]
assert pool_seen and all(e["src"].startswith(gw + ":") for e in pool_seen), pool_seen
print("ground truth: %d NATed flows (%d DNS, %d Stratum) from %d hosts behind %s"
      % (len(nat), len(dnsf), len(strat), len(hosts), gw), file=sys.stderr)
PY

tsh() { tshark -r "$ML_TEST_PCAP" "$@" 2>/dev/null; }
tsh -Y 'ip && !igmp' -T fields -e ip.src -e ip.dst | sort -u >"$WORK/pairs"
[[ -s $WORK/pairs ]] || fail "nothing on the uplink"
grep -q '10\.201\.' "$WORK/pairs" && fail "a fleet LAN address on the uplink: $(cat "$WORK/pairs")"
grep -vE "^$GW	($DNS|$POOL)$|^($DNS|$POOL)	$GW$" "$WORK/pairs" &&
    fail "traffic on the uplink beyond the gateway and the lab internet"
tsh -Y 'dns.flags.response == 0' -T fields -e ip.src -e ip.dst -e dns.qry.name | sort -u >"$WORK/q"
grep -qx "$GW	$DNS	pool.supportxmr.com" "$WORK/q" ||
    fail "no NATed DNS query for the pool name: $(cat "$WORK/q")"
tsh -Y "tcp.dstport == 3333 && tcp.payload && ip.src == $GW" -T fields -e tcp.srcport -e tcp.payload \
    >"$WORK/stratum"
n=0
while read -r port payload; do
    xxd -r -p <<<"$payload" | grep -q '"method":"login"' && n=$((n + 1))
    : "$port"
done <"$WORK/stratum"
((n >= 3)) || fail "expected 3 Stratum logins from the gateway on the uplink, saw $n"
echo "ok: the uplink shows one home address ($GW): DNS for the pool name and $n Stratum logins, NATed" >&2

# Alerts as the edge sensor would raise them: a DNS flow and a Stratum flow
# exactly as captured, and a host agent's alert on a miner pid.
python3 - "$out" "$ML_TEST_PCAP" "$GW" "$DNS" "$POOL" <<'PY' || fail "scoring"
import json, subprocess, sys
out, pcap, gw, dns, pool = sys.argv[1:]
def first(filt, fields):
    r = subprocess.run(["tshark", "-r", pcap, "-Y", filt, "-T", "fields"] +
                       sum((["-e", f] for f in fields), []),
                       capture_output=True, text=True, check=True)
    return r.stdout.split("\n")[0].split("\t")
d = first("udp.dstport == 53 && ip.src == %s" % gw, ["frame.time_epoch", "udp.srcport"])
s = first("tcp.dstport == 3333 && tcp.payload && ip.src == %s" % gw,
          ["frame.time_epoch", "tcp.srcport"])
tl = [json.loads(l) for l in open(out + "/timeline.jsonl")]
miner = [e["pid"] for e in tl if e["event"] == "pid" and e.get("role") == "miner"][0]
alerts = [
    {"ts": float(d[0]) + 1, "detector": "cap", "detector_name": "cap", "technique": "network",
     "flow": {"proto": "udp", "src": "%s:%s" % (gw, d[1]), "dst": dns + ":53"}},
    {"ts": float(s[0]) + 1, "detector": "cap", "detector_name": "cap", "technique": "network",
     "flow": {"proto": "tcp", "src": "%s:%s" % (gw, s[1]), "dst": pool + ":3333"}},
    {"ts": float(s[0]) + 1, "detector": "cap", "detector_name": "cap",
     "technique": "system-metrics", "pid": miner},
]
with open(out + "/alerts.jsonl", "w") as f:
    for a in alerts:
        f.write(json.dumps(a) + "\n")
PY
"$MINERLAB" report "$out" --quiet || fail "minerlab report failed"
python3 - "$out" <<'PY' || fail "the NATed flows and the miner pid did not score as the fleet's"
import json, sys
d = json.load(open(sys.argv[1] + "/report.json"))["detectors"][0]
assert d["tp_alerts"] == 3 and d["off_target_alerts"] == 0, d
PY
echo "ok: alerts on the NATed DNS and Stratum flows and on a miner pid are the fleet's" >&2

# Nothing of the run is left (other runs on this machine may have their own).
state=$(sed -n 's/.*"state":"\([^"]*\)".*/\1/p' "$out/timeline.jsonl" | head -1)
id=$(basename "$state" .state)
id=${id#run-}
[[ -n $id ]] || fail "no state file named in run_start"
[[ -e $state ]] && fail "state file left: $state"
left=$(ip netns list | grep -E "^(mlfl-$id-|mlinet-$id( |$))" || true)
[[ -z $left ]] || fail "namespaces left: $left"
ip -o link | grep -q "alias mlinet-$id" && fail "a lab veth left: $(ip -o link | grep "alias mlinet-$id")"
left=$(grep -l -- "run-$id" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 || true)
[[ -z $left ]] || fail "processes left in the run's cgroups: $left"
for p in /proc/[0-9]*; do
    [[ $(readlink "$p/cwd" 2>/dev/null) == "$out"/* ]] &&
        fail "process ${p#/proc/} left in the run: $(tr '\0' ' ' <"$p/cmdline")"
done
echo "fleet OK: NATed on the uplink, attributed, nothing left" >&2
