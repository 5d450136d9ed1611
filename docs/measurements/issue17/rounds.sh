#!/bin/bash
# Alternating dataset-build rounds: lib/own x 1/2 threads, THP, 3 rounds.
out=${OUT:-docs/measurements/issue17}
bin=${BIN:-build/bin/minerlab-dataset}  # a copy of build/bin/minerlab-dataset at commit 1a9d35c
{
echo "{\"when\":\"$(date -u +%FT%TZ)\",\"uptime\":\"$(uptime)\",\"what\":\"full compare own vs lib, 2 threads\"}"
/usr/bin/time -f '{"wall_s":%e,"user_s":%U,"sys_s":%S}' $bin --builder own --threads 2 --compare
echo "rc=$?"
echo "{\"uptime_after\":\"$(uptime)\"}"
} > $out/dataset-full-compare.txt 2>&1
for round in 1 2 3; do
  for t in 1 2; do
    for b in lib own; do
      f=$out/dataset-r${round}-t${t}-${b}.txt
      { echo "{\"when\":\"$(date -u +%FT%TZ)\",\"uptime_before\":\"$(uptime)\",\"round\":$round,\"threads\":$t,\"builder\":\"$b\"}"
        /usr/bin/time -f '{"wall_s":%e,"user_s":%U,"sys_s":%S}' $bin --builder $b --threads $t
        echo "{\"uptime_after\":\"$(uptime)\"}"; } > $f 2>&1
    done
  done
done
echo done > $out/.rounds-done
