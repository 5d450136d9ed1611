#!/usr/bin/env python3
"""Per detector: detections and false alarms in two quick runs (before/after the lab internet)."""
import json, sys, collections
def load(d):
    r = json.load(open(d + '/report.json'))
    out = {}
    for x in r['detectors']:
        out[x['name']] = x
    rules = collections.Counter()
    try:
        for l in open(d + '/alerts.jsonl'):
            a = json.loads(l)
            rules[(a.get('detector_name') or a.get('detector'), (a.get('reason') or '').split(':')[0][:40])] += 1
    except FileNotFoundError:
        pass
    return out, rules
b, rb = load(sys.argv[1]); a, ra = load(sys.argv[2])
print('| detector | before: detected | before: benign flagged | before: TP/off-target alerts | after: detected | after: benign flagged | after: TP/off-target alerts |')
print('|---|---|---|---|---|---|---|')
for n in sorted(set(a) | set(b)):
    def f(x):
        if not x: return ['-'] * 3
        return ['%s/%s' % (x['malicious_detected'], x['malicious_ran']), '%s/%s' % (x['benign_flagged'], x['benign_ran']), '%s/%s' % (x['tp_alerts'], x['off_target_alerts'])]
    print('| %s | %s |' % (n, ' | '.join(f(b.get(n)) + f(a.get(n)))))
