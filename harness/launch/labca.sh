#!/bin/bash
# labca.sh DIR NAME... — a per-run lab certificate authority and, for each
# pool domain NAME, a certificate signed by it (subjectAltName DNS:NAME,
# serverAuth, P-256, valid 2 days), made with the openssl command line. Each
# NAME.pem holds the leaf and the CA, as a real pool sends its chain. A CA
# already in DIR (an earlier call of the same run) signs the next names, so a
# run has one lab CA whatever the number of calls.
# Prints one NAME:CERT:KEY line per name, the form minerlab-pool --tls-cert
# takes. DIR is created (mode 700); the caller removes it when the run ends.
set -euo pipefail
if (($# < 2)); then
    echo "usage: labca.sh DIR NAME..." >&2
    exit 2
fi
dir=$1
shift
for name; do
    if ! [[ $name =~ ^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]]; then
        echo "labca.sh: '$name' is not a domain name" >&2
        exit 2
    fi
done
command -v openssl >/dev/null || { echo "labca.sh: openssl not found" >&2; exit 1; }
umask 077
mkdir -p "$dir"
ossl() { openssl "$@" 2>"$dir/openssl.err" || { cat "$dir/openssl.err" >&2; exit 1; }; }
if [[ ! -s $dir/ca.key || ! -s $dir/ca.pem ]]; then
    ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
        -subj "/O=minerlab lab/CN=minerlab lab CA $(date -u +%Y%m%dT%H%M%S) $$" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign
fi
# Serials go on from the last call's: no two leaves of one CA share one.
serial=$(($(cat "$dir/serial" 2>/dev/null || echo 0) + 1))
for name; do
    file=${name//\*/_wildcard}
    ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$dir/$file.key" -out "$dir/$file.csr" -subj "/CN=$name"
    printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
        "$name" >"$dir/$file.ext"
    ossl x509 -req -in "$dir/$file.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -set_serial $((serial++)) -days 2 -sha256 -extfile "$dir/$file.ext" \
        -out "$dir/$file.leaf"
    cat "$dir/$file.leaf" "$dir/ca.pem" >"$dir/$file.pem"
    rm -f "$dir/$file.csr" "$dir/$file.ext" "$dir/$file.leaf"
    echo "$name:$dir/$file.pem:$dir/$file.key"
done
echo $((serial - 1)) >"$dir/serial"
rm -f "$dir/openssl.err"
