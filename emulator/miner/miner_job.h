/*
 * miner_job — the unit of work handed from the Stratum client to a hashing
 * backend, and the result a backend hands back. Plain data, no allocation.
 */
#ifndef MINER_JOB_H
#define MINER_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "stratum.h"

#define MINER_JOB_ID_MAX 64
#define MINER_BLOB_MAX 128
/* Monero: 4-byte nonce at byte 39 of the blob (defined once, in stratum.h). */
#define MINER_NONCE_OFFSET STRATUM_NONCE_OFFSET

enum miner_algo { MINER_ALGO_RX0 = 0, MINER_ALGO_RX2 = 1 };
/* The Stratum name of what the miner hashes: it logs in, submits and reports
 * with this name, never another. */
static inline const char *miner_algo_name(enum miner_algo a)
{
    return a == MINER_ALGO_RX2 ? "rx/2" : "rx/0";
}

struct miner_job {
    char job_id[MINER_JOB_ID_MAX];
    uint8_t blob[MINER_BLOB_MAX];
    size_t blob_len;     /* >= MINER_NONCE_OFFSET + 4 */
    uint64_t target64;   /* share valid when LE u64 of hash[24..31] < target64 */
    uint8_t seed_hash[32];
    size_t seed_len;     /* key bytes of seed_hash used; 0 means all 32 */
    uint64_t height;
    enum miner_algo algo;
    int nicehash;        /* only the low 3 nonce bytes vary; byte 42 is fixed */
};

struct miner_result {
    char job_id[MINER_JOB_ID_MAX];
    uint64_t job_seq;    /* backend's sequence number of the job it hashed */
    uint32_t nonce;      /* as stored little-endian at the nonce offset */
    uint8_t hash[32];
    int thread;          /* worker index that found it */
};

/* True when the hash meets target64 (little-endian u64 at bytes 24..31). */
static inline int miner_hash_meets(const uint8_t hash[32], uint64_t target64)
{
    uint64_t v = 0;
    for (int i = 31; i >= 24; i--)
        v = (v << 8) | hash[i];
    return v < target64;
}

#endif
