#!/usr/bin/env bash
# minerlab bench (minerlab-kbench), light mode, short: librandomx JIT and the
# demo external kernel are bit-exact and timed over two rounds; external
# kernels that print a wrong hash, too few hashes, garbage, or hang are each
# reported failed with the first bad input and a time limit while the others
# still run; a threads list beyond the machine's memory is one line and
# nothing starts.
set -euo pipefail
BIN=${ML_BIN_DIR:?}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
DEMO=$BIN/minerlab-kbench-demo

rc=0
"$BIN/minerlab" bench --modes fast --threads 1,65536 >"$WORK/mem.out" 2>"$WORK/mem.err" || rc=$?
[[ $rc -eq 2 ]] || fail "threads beyond memory exited $rc, expected 2"
[[ $(wc -l <"$WORK/mem.err") -eq 1 ]] || { cat "$WORK/mem.err"; fail "not one line"; }
grep -q "need .* MiB.*nothing started" "$WORK/mem.err" || fail "message: $(cat "$WORK/mem.err")"
[[ ! -s $WORK/mem.out ]] || fail "something ran: $(cat "$WORK/mem.out")"

rc=0
"$BIN/minerlab" bench --modes light --threads 1 --seconds 1 --rounds 2 --verify 2 \
    --ext-timeout 20 --ext-init 240 --kernels lib-jit,cuda --external "$DEMO" \
    --external "$DEMO --fault wrong" --external "$DEMO --fault few --fault-at 8" \
    --external "$DEMO --fault garbage --fault-at 8" \
    --external "$DEMO --fault hang --fault-at 8" \
    --json "$WORK/r.json" --md "$WORK/r.md" >"$WORK/out" 2>&1 || rc=$?
[[ $rc -eq 1 ]] || { cat "$WORK/out"; fail "exited $rc, expected 1 (failed kernels)"; }
python3 - "$WORK/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "minerlab-kbench/1"
k = {x["name"]: x for x in r["kernels"]}
def ok(name):
    x = k[name]
    assert x["status"] == "ok", (name, x["status"], x["reason"])
    v = x["verify"]["light"]
    assert v["ok"] and v["vectors_ok"] == 5 and v["random_ok"] == 2, (name, v)
    runs = [u for u in x["runs"] if "hs_total" in u]
    assert len(runs) == 2 and all(u["hs_total"] > 0 for u in runs), (name, x["runs"])
ok("lib-jit")
ok("ext:minerlab-kbench-demo")
assert k["cuda"]["status"] == "skipped" and k["cuda"]["reason"], k["cuda"]
want = {"wrong": "wrong hash for input", "few": "fewer hashes than inputs",
        "garbage": "not a 64-hex-digit hash", "hang": "no hash within the 20 s limit"}
# wrong: the 3rd verification input; the others: the 8th input, the first
# timed one (template, nonce 0), whose batch has the 20 s limit.
tmpl0 = "0707f7a4f0d605b303260816ba3f10902e1a145ac5fad3aa3af6ea44c11869dc4f853f002b2eea0000000077b206a02ca5b1d4ce6bbfdf0acac38bded34d2dcdeef95cd20cefc12f61d56109"
for f, msg in want.items():
    name = "ext:minerlab-kbench-demo --fault " + f + ("" if f == "wrong" else " --fault-at 8")
    x = k[name]
    assert x["status"] == "failed", (f, x)
    assert msg in x["reason"], (f, x["reason"])
    run = x["runs"][0]
    if f == "wrong":
        assert x["verify"]["light"]["first_mismatch"]["input_hex"] == \
            "sed do eiusmod tempor incididunt ut labore et dolore magna aliqua".encode().hex(), x
    else:
        assert run["time_limit_s"] == 20, run
        assert "first bad input" in x["reason"], x["reason"]
        assert run["first_bad_input_hex"] == tmpl0, run
    assert len(x["runs"]) == 1, (f, "a failed kernel ran again")
s = {(x["kernel"], x["threads"]): x for x in r["summary"]}
assert abs(s[("lib-jit", 1)]["ratio_to_lib_jit"] - 1) < 1e-9
print("kbench report checked:", len(k), "kernels")
PY
grep -q "^| lib-jit | light | 1 |" "$WORK/r.md" || fail "no lib-jit row in the Markdown table"
if ps -eo args | grep -v grep | grep -q -- "minerlab-kbench-demo --fault hang"; then
    fail "the hanging kernel was left running"
fi
echo "kbench: ok"
