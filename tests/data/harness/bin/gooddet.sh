#!/bin/sh
# A well-behaved detector: version info, then a host-level alert every 0.2 s.
trap 'exit 0' TERM
printf '{"ts":%s,"detector":"good","technique":"other","info":{"version":"gooddet 1.0"}}\n' "$(date +%s.%N)"
while :; do
    printf '{"ts":%s,"detector":"good","technique":"system-metrics","score":0.5,"reason":"host busy"}\n' "$(date +%s.%N)"
    sleep 0.2
done
