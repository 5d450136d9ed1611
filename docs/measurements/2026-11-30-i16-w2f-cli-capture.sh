#!/usr/bin/env bash
# capture.sh BINDIR OUTDIR: --help and bad-input exits of the option-table programs.
B=$1; O=$2; mkdir -p "$O"; n=0
run() { # name env... -- cmd...
    local name=$1; shift
    n=$((n+1))
    local f="$O/$(printf %03d $n)-$name"
    { echo "\$ $*"; out=$(cd /tmp && timeout 60 env "$@" 2>/tmp/w2f/cap.err); rc=$?; echo "rc=$rc"; echo "--- stdout"; echo "$out"; echo "--- stderr"; cat /tmp/w2f/cap.err; } >"$f"
}
P="$B/bin/minerlab-pool"; M="$B/bin/minerlab-miner"
H="$B/bin/rxref-hash"; D="$B/bin/minerlab-dataset"; K="$B/bin/minerlab-kbench"
run pool-help $P --help
run pool-h $P -h
for a in "--diff 0" "--diff abc" "--diff 4611686018427387905" "--listen" "--frobnicate" "stray" "--verify sample:0" "--verify bogus" "--verify sample:x" \
  "--tls-cert bad" "--tls-cert a:b" "--max-line 100" "--api $(printf 'a%.0s' {1..130})" "--events-max-mb -1" "--events-max-mb x" "--ban-time -1" \
  "--seed-rotate x" "--verify-nice 20" "--browser-diff 4294967296" "--job-interval 0.01" "--share-target nan" "--verify-threads 65" \
  "--api-max-conns 0" "--vardiff=1" "--listen 1:1 --listen 1:2 --listen 1:3 --listen 1:4 --listen 1:5 --listen 1:6 --listen 1:7 --listen 1:8 --listen 1:9" \
  "--help --frobnicate" "--frobnicate --help"; do
  run pool-bad $P $a
done
run miner-help $M --help
run miner-h $M -h
run miner-V $M -V
run miner-version $M --version
for a in "--duty 0" "--duty 101" "-t 0" "-t" "--threads" "--mode turbo" "--frobnicate" "-z" "--bench 10 --name=" "--bench 0" "--bench x" \
  "--algo cn" "--algo rx/2" "--backend fpga" "--tls-fingerprint xx" "-o 127.0.0.1:1 --lab-net 0.0.0.0/0" "-o 127.0.0.1:1 --max-duration 90000" \
  "-o 127.0.0.1:1 --max-duration 0" "" "--config-env ML_UNSET_X" "-c /nonexistent.json" "--help --frobnicate" "--frobnicate --help" \
  "--bench 1 stray" "--cpu-priority 9" "--duty-ramp 5:200:10" "--api-token short" "--coin btc" "--print-time 0" "--randomx-init 0" \
  "--dataset-builder x" "--bench-seconds 0" "--tls=1" "--url" "-o $(printf 'a%.0s' {1..600})" "--donate-level 100" "-vz" ; do
  run miner-bad $M $a
done
run miner-cfg-labnet ML_C='{"lab-net":"10.0.0.0/24"}' $M -o 127.0.0.1:1 --config-env ML_C --dry-run
run miner-cfg-baddut ML_C='{"duty":0}' $M --config-env ML_C --bench 1
run miner-cfg-unknown ML_C='{"frobnicate":1}' $M --config-env ML_C --bench 1
run miner-cfg-config ML_C='{"config":"x"}' $M --config-env ML_C --bench 1
run miner-cfg-soak ML_C='{"soak":true}' $M --config-env ML_C --bench 1
run miner-cfg-flagstr ML_C='{"tls":"yes"}' $M --config-env ML_C --bench 1
run miner-cfg-notobj ML_C='[1]' $M --config-env ML_C --bench 1
run miner-dry1 $M --dry-run -o stratum+tcp://127.0.0.1:3333 -u W -p P --max-duration 100 -t 3 --duty 40 --mode light
run miner-dry2 ML_C='{"url":"stratum+ssl://127.0.0.1:4444","max-duration":50,"user":"cfguser","pools":[{"url":"ws://127.0.0.1:5555","user":"pooluser","rig-id":"r1"}]}' $M --config-env ML_C --dry-run
run miner-dry3 ML_C='{"url":"stratum+tcp://127.0.0.1:4444","max-duration":50}' $M --config-env ML_C --dry-run --max-duration 60 -o stratum+tcp://127.0.0.1:6666
run miner-dry4 $M --dry-run -o stratum+tcp://10.1.2.3:3333 --lab-net 10.1.0.0/16 --soak --max-duration 500000
run miner-dry5 $M --dry-run -o 'stratum+tcp://127.0.0.1:3333' --tls-fingerprint $(printf 'ab%.0s' {1..32}) --api 127.0.0.1:0 --api-token 0123456789abcdef
echo '{"url":"stratum+tcp://127.0.0.1:7777","max-duration":70}' > /tmp/w2f/cfg.json
run miner-dry6 $M --dry-run -c /tmp/w2f/cfg.json
run hash-help $H --help
run hash-bad1 $H --key-hex zz abc
run hash-bad2 $H
run hash-bad3 $H a b
run hash-bad4 $H --frob a
run hash-bad5 $H -x abc
run hash-ok1 $H --key foo abc
run hash-ok2 $H -x 6162 -k foo
run hash-ok3 $H 6162 -x --key-hex 666f6f
run ds-help $D --help
for a in "--builder x" "--threads 0" "--threads abc" "--frob" "-t" "stray"; do run ds-bad $D $a; done
run kb-help $K --help
run kb-h $K -h
for a in "--modes x" "--threads 0" "--seconds 0" "--kernels bogus" "--frob" "--ext-init x" "--rounds 0" "--verify 196" "stray"; do run kb-bad $K $a; done
