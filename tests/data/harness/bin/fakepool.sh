#!/bin/sh
# Stands in for minerlab-pool in harness tests: announces listeners, writes an
# empty events file, then idles until SIGTERM.
events=/dev/null
while [ $# -gt 0 ]; do
    [ "$1" = --events ] && events=$2
    shift
done
: >"$events"
echo "listening tcp 127.0.0.1:9"
echo "listening tls 127.0.0.1:9"
echo "listening ws 127.0.0.1:9"
echo "listening api 127.0.0.1:9"
exec sleep 600
