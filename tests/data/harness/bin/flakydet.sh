#!/bin/sh
# A badly behaved detector: valid alerts, garbage, a degraded notice, a line
# with a wrong field, then it crashes (exit 3) while the run goes on.
now() { date +%s.%N; }
printf '{"ts":%s,"detector":"flaky","technique":"other","degraded":true,"reason":"no eBPF here"}\n' "$(now)"
i=0
while [ $i -lt 10 ]; do
    printf '{"ts":%s,"detector":"flaky","technique":"network","reason":"beacon"}\n' "$(now)"
    echo "this is not json"
    printf '{"ts":%s,"detector":"flaky","technique":"telepathy"}\n' "$(now)"
    sleep 0.2
    i=$((i + 1))
done
echo "flaky: giving up" >&2
exit 3
