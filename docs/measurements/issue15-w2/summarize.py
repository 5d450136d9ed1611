#!/usr/bin/env python3
"""Per-detector summary of one minerlab run dir (report.json, timeline.jsonl)."""
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/report.json"))
tl = [json.loads(l) for l in open(d + "/timeline.jsonl")]
cost = {e["detector"]: e for e in tl if e.get("event") == "detector_cost"}
print("scenarios:", ", ".join("%s (%s, %.0f s, connections %s)" % (s["id"], s["label"], s.get("duration_s", 0), s.get("connections")) for s in r["scenarios"]))
for e in tl:
    if e.get("event") in ("detectors_ready",):
        print("detectors_ready:", json.dumps({k: v for k, v in e.items() if k not in ("ts", "t")}))
    if e.get("event") == "detector_info" and "attached_after_s" in e.get("info", {}):
        print("bpftrace info:", json.dumps(e["info"]))
print("%-10s %8s %6s %9s %9s %7s %6s %10s %8s  %s" % ("detector", "detected", "FP", "med_TTD", "tp_alerts", "fp_alrt", "offtgt", "cpu_%1core", "rss_MiB", "version"))
for x in r["detectors"]:
    c = cost.get(x["name"], {})
    print("%-10s %5d/%-2d %3d/%-2d %9s %9d %7d %6d %10s %8s  %s" % (
        x["name"], x["malicious_detected"], x["malicious_ran"], x["benign_flagged"], x["benign_ran"],
        "%.3f" % x["median_ttd_s"] if x.get("median_ttd_s") is not None else "-",
        x["tp_alerts"], x["fp_alerts"], x["off_target_alerts"],
        "%.1f" % c["cpu_pct"] if c.get("cpu_pct") is not None else "-",
        "%.1f" % c["peak_rss_mib"] if "peak_rss_mib" in c else "-",
        x.get("version", "")))
print("per scenario:")
for x in r["results"]:
    print("  %-9s %-22s detected=%s false_positive=%s ttd_s=%s tp=%s fp=%s" % (
        x["detector"], x["scenario"], x["detected"], x["false_positive"], x["ttd_s"], x["tp_alerts"], x["fp_alerts"]))
