#!/bin/sh
# Test launcher: the real minerlab-miner, straight from ML_MINER, nothing hidden.
case "$1" in
check)
    [ -x "$ML_MINER" ] || { echo "minerlab-miner not built" >&2; exit 77; }
    exit 0 ;;
start)
    # Secrets on stdin (ML_SECRETS_STDIN), as the harness hands them.
    while IFS= read -r line; do
        case $line in
        ML_WALLET=*) ML_WALLET=${line#*=} ;;
        ML_POOL_URL=*) ML_POOL_URL=${line#*=} ;;
        esac
    done
    # In the lab internet the pool is a name at the lab DNS.
    # shellcheck disable=SC2086
    "$ML_MINER" -o "$ML_POOL_URL" -u "$ML_WALLET" -p x -t "$ML_THREADS" \
        --duty "$ML_DUTY" --mode "$ML_MODE" --max-duration $((ML_DURATION + 5)) \
        ${ML_LAB_DNS:+--lab-dns $ML_LAB_DNS --lab-net $ML_LAB_NET} &
    pid=$!
    echo "ML-PID $pid miner"
    sleep "$ML_DURATION"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    exit 0 ;;
cleanup)
    exit 0 ;;
esac
exit 2
