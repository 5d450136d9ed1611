#!/bin/bash
# Idle-machine rounds for issue 17 (2026-11-30, second session, commit 5c222e0):
# the same alternating dataset builds as ../rounds.sh (lib/own x 1/2 threads,
# THP, 3 rounds), one full compare, then minerlab bench light and fast,
# 1 and 2 threads, 3 rounds. Nothing else ran on the machine.
out=docs/measurements/issue17/idle
bin=build/bin/minerlab-dataset
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
uptime > $out/kbench-uptime.txt
build/bin/minerlab bench --modes light --threads 1,2 --seconds 10 --rounds 3 \
  --json $out/kbench-light.json --md $out/kbench-light.md > $out/kbench-light.log 2>&1
uptime >> $out/kbench-uptime.txt
build/bin/minerlab bench --modes fast --threads 1,2 --seconds 10 --rounds 3 \
  --json $out/kbench-fast.json --md $out/kbench-fast.md > $out/kbench-fast.log 2>&1
uptime >> $out/kbench-uptime.txt
echo done > $out/.done
