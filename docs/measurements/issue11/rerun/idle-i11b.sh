#!/bin/bash
# Issue 11, after the benign launcher stopped holding miner text (6cbe510),
# lab pids stopped outliving their pid (bd4e6b5) and browser episodes got
# judged (2dc3841):
# a fresh clone in a root-only directory, the README's test command, then,
# with nothing else on the box, the 1-hour soak (seed 1, default schedule)
# and the benign catalogue again (benign-only runs now get the lab internet).
set -u
R=/work/runs3
L=$R/idle.log
rm -rf /root/ci-check && git clone -q /work/main /root/ci-check && chmod 700 /root/ci-check
cd /root/ci-check
echo "rev $(git rev-parse --short HEAD) $(nproc) cores" > $L
echo "ci start $(date -u +%FT%T) $(uptime)" >> $L
bash .ci/run > $R/ci.out 2>&1
echo "ci end rc=$? $(date -u +%FT%T) $(uptime)" >> $L
B=/root/ci-check/build/bin
benign=$(ls scenarios/benign/*.yaml | xargs -n1 basename | sed 's/\.yaml$//' | tr '\n' ' ')
{ echo "soak start $(date -u +%FT%T) $(uptime)"
  $B/minerlab soak --hours 1 --seed 1 --out $R/soak-1h > $R/soak.stdout 2> $R/soak.stderr
  echo "soak end rc=$? $(date -u +%FT%T) $(uptime)"
  echo "benign start $(date -u +%FT%T) $(uptime)"
  echo "benign ids: $benign"
  $B/minerlab run --seed 1 --out $R/benign-catalogue $benign > $R/benign.stdout 2> $R/benign.stderr
  echo "benign end rc=$? $(date -u +%FT%T) $(uptime)"
} >> $L 2>&1
echo done >> $L
