#!/usr/bin/env bash
# The adapters through the harness: `--detector 'falco:FILE'` and
# `--detector 'suricata-eve:FILE'` start the reference adapters with their
# file; the Falco file appears only after the run started (degraded notice,
# then followed); alert lines appended during the window reach alerts.jsonl
# and the report under the adapters' names.
. "$ML_SOURCE_DIR/tests/integration/harness/lib.sh"
out=$WORK/run
mkdir -p "$WORK/falco"
: >"$WORK/eve.json"
writer() {
    local i ts
    sleep 1
    for i in $(seq 60); do
        ts=$(date -u +%Y-%m-%dT%H:%M:%S.%N)
        printf '{"output":"test alert","priority":"Warning","rule":"Lab test rule","time":"%sZ","output_fields":{}}\n' "$ts" >>"$WORK/falco/events.json"
        printf '{"timestamp":"%s+0000","event_type":"alert","src_ip":"127.0.0.1","src_port":40000,"dest_ip":"127.0.0.1","dest_port":3333,"proto":"TCP","alert":{"gid":1,"signature_id":9000001,"rev":1,"signature":"LAB test","severity":2}}\n' "$ts" >>"$WORK/eve.json"
        echo 'garbage' >>"$WORK/eve.json"
        sleep 0.3
    done
}
writer &
wpid=$!
rc=0
"$MINERLAB" run fake-mal "${fast_flags[@]}" --out "$out" \
    --detector "falco:$WORK/falco/events.json" --detector "suricata-eve:$WORK/eve.json" \
    >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
kill "$wpid" 2>/dev/null || true
wait "$wpid" 2>/dev/null || true
[[ $rc -eq 0 ]] || { cat "$WORK/stderr"; fail "minerlab run exited $rc"; }
grep -q '"detector_name":"falco"' "$out/alerts.jsonl" || fail "no falco alert stored"
grep -q '"detector_name":"suricata-eve"' "$out/alerts.jsonl" || fail "no suricata-eve alert stored"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
rep = json.load(open(out + "/report.json"))
det = {d["name"]: d for d in rep["detectors"]}
assert set(det) == {"falco", "suricata-eve"}, det.keys()
assert det["falco"]["degraded"] == 1, det["falco"]        # waited for its file
assert det["falco"]["version"].endswith("falco adapter"), det["falco"]
assert det["suricata-eve"]["degraded"] == 0, det["suricata-eve"]
assert det["falco"]["tpr"] == 1.0, det["falco"]            # host-level alert in the window
assert "--input" in det["falco"]["cmd"], det["falco"]["cmd"]
PY
grep -q '"garbage_lines":[1-9]' "$out/alerts.jsonl" "$out"/detectors/*.stderr "$out/timeline.jsonl" 2>/dev/null ||
    grep -q 'garbage' "$out/detectors/suricata-eve.stderr" || fail "garbage not counted"
echo "adapter run OK"
