/*
 * bench — minerlab-miner --bench: offline hashing of the upstream benchmark
 * job through the real CPU backend (same workers, duty cycle and flags as
 * mining), then a check of the result against one-thread hashing.
 */
#ifndef MINER_BENCH_H
#define MINER_BENCH_H

#include "options.h"

/* Runs the benchmark; prints text or JSON. Returns the process exit code. */
int bench_run(const struct miner_options *opt, volatile int *stop_flag);

#endif
