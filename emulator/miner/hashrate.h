/*
 * hashrate — XMRig's three hash-rate windows (10 s, 60 s, 15 min) from a
 * ring of (time, total hashes) samples. Samples may come at any pace (the
 * CPU backend adds one a second, the CUDA backend one per batch). Not
 * thread-safe: the owner serialises calls.
 */
#ifndef MINER_HASHRATE_H
#define MINER_HASHRATE_H

#include <stdint.h>

#define HASHRATE_SAMPLES 1024 /* > 15 min at one sample a second */

struct hashrate {
    uint64_t t_ns[HASHRATE_SAMPLES];
    uint64_t hashes[HASHRATE_SAMPLES];
    int n, pos;
};

/* Records the running total at now_ns (monotonic). */
void hashrate_add(struct hashrate *r, uint64_t now_ns, uint64_t total_hashes);
/*
 * H/s over the last 10 s, 60 s and 900 s, measured from the oldest sample
 * inside each window (so shorter while the history is shorter); 0 until
 * two samples exist.
 */
void hashrate_windows(const struct hashrate *r, double out[3]);

#endif
