#!/bin/bash
# A relay faking the lab handshake gets no hash of non-lab work (issue 13):
# non_lab_job.py plays the relay (Stratum over TCP, and the WebSocket lane)
# and launches the miner itself.
. "$(dirname "$0")/lib.sh"
export TMP
for c in unmarked otherrun later ws-unmarked; do
    timeout -k 5 40 python3 "$(dirname "$0")/non_lab_job.py" "$BIN/minerlab-miner" "$c" ||
        fail "non_lab_job.py $c"
    no_sanitizer_report "$TMP/non_lab_job.$c.err"
done
