#!/bin/sh
# A detector that only captures what it is given to watch: dumpcap on
# $ML_IFACE into $ML_TEST_PCAP (the fleet test reads it back). No alerts.
trap 'kill -TERM $cap 2>/dev/null; wait $cap; exit 0' TERM
printf '{"ts":%s,"detector":"cap","technique":"other","info":{"version":"capdet 1.0"}}\n' "$(date +%s.%N)"
dumpcap -q -i "$ML_IFACE" -w "$ML_TEST_PCAP" 2>"$ML_TEST_PCAP.err" &
cap=$!
wait $cap
