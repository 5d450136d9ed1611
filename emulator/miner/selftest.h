/*
 * selftest — RandomX test vectors (facts.md) and the upstream 1000-nonce
 * benchmark reference, checked with light mode on all online CPUs.
 */
#ifndef MINER_SELFTEST_H
#define MINER_SELFTEST_H

#include <stddef.h>
#include <stdint.h>

/* XOR of rx/0 hashes of nonces 0..999 of rx_bench_template (rx_vectors.h),
 * key = LE u32 0. */
extern const char selftest_bench_xor_hex[65];

/* Runs every check, prints one line per check. Returns 0 when all pass. */
int selftest_run(int threads, int verbose);

#endif
