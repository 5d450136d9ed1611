#!/bin/bash
# Issue 11's idle figures, one after another with nothing else on the box,
# from /root/ci-check's release build (a clean clone; commit in idle.log):
# the benign catalogue (every benign scenario once, all reference detectors),
# the quick suite x3 (seed 1), and a 1-hour soak (seed 1, default schedule).
set -u
cd /root/ci-check
B=/root/ci-check/build/bin
R=/work/runs2
L=$R/idle.log
echo "rev $(git rev-parse --short HEAD) $(nproc) cores" > $L
benign=$(ls scenarios/benign/*.yaml | xargs -n1 basename | sed 's/\.yaml$//' | tr '\n' ' ')
{ echo "benign start $(date -u +%FT%T) $(uptime)"
  echo "benign ids: $benign"
  $B/minerlab run --seed 1 --out $R/benign-catalogue $benign > $R/benign.stdout 2> $R/benign.stderr
  echo "benign end rc=$? $(date -u +%FT%T) $(uptime)"
  echo "quick3 start $(date -u +%FT%T) $(uptime)"
  /usr/bin/time -v $B/minerlab run --suite quick --repeat 3 --seed 1 --out $R/quick-r3 > $R/quick-r3.stdout 2> $R/quick-r3.stderr
  echo "quick3 end rc=$? $(date -u +%FT%T) $(uptime)"
  echo "soak start $(date -u +%FT%T) $(uptime)"
  $B/minerlab soak --hours 1 --seed 1 --out $R/soak-1h > $R/soak.stdout 2> $R/soak.stderr
  echo "soak end rc=$? $(date -u +%FT%T) $(uptime)"
} >> $L 2>&1
echo done >> $L
