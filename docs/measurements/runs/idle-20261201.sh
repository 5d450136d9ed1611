#!/bin/bash
# Idle measurements after the merge, from /root/ci-check's release build (commit in idle.log).
set -u
cd /root/ci-check
B=/root/ci-check/build/bin
R=/work/runs
echo "rev $(git rev-parse --short HEAD)" > $R/idle.log
{ echo "fleet start $(date -u +%T) $(uptime)"
  tests/bench/fleet_fit.sh $B "4 8 16 20 24" 10 20 15 > $R/fleet-fit-idle.jsonl 2> $R/fleet-fit-idle.stderr
  echo "fleet end $(date -u +%T) $(uptime)"
  echo "after start $(date -u +%T) $(uptime)"
  $B/minerlab run --seed 1 --out $R/quick-after > $R/quick-after.stdout 2> $R/quick-after.stderr
  echo "after end rc=$? $(date -u +%T) $(uptime)"
  echo "before start $(date -u +%T) $(uptime)"
  ML_LAB_INTERNET=0 $B/minerlab run --seed 1 --out $R/quick-before > $R/quick-before.stdout 2> $R/quick-before.stderr
  echo "before end rc=$? $(date -u +%T) $(uptime)"
} >> $R/idle.log 2>&1
echo done >> $R/idle.log
