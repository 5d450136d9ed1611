/*
 * rx_vectors — the five RandomX test vectors of tevador's reference
 * (/work/shared/docs/facts.md) and the benchmark's block template, one copy
 * for every check that uses them: the miner's self-test and bench, the
 * rxref unit test, the kernel benchmark and the CUDA check.
 */
#ifndef RX_VECTORS_H
#define RX_VECTORS_H

#include <stddef.h>
#include <stdint.h>

struct rx_vector {
    const char *key;   /* the cache key, as text */
    const char *input; /* the hashed input: text, or hex when input_hex */
    int input_hex;
    const char *hash; /* the expected hash, 64 hex digits */
};

enum { RX_NVECTORS = 5 };
extern const struct rx_vector rx_vectors[RX_NVECTORS];

/* The block template of RandomX's benchmark (the key is the LE u32 0, the
 * nonce at byte 39): the miner's bench and self-test, the kernel benchmark. */
enum { RX_BENCH_TEMPLATE_LEN = 76 };
extern const uint8_t rx_bench_template[RX_BENCH_TEMPLATE_LEN];

/* The input bytes of v into buf (cap bytes): their count, or 0 when they
 * do not fit. */
size_t rx_vector_input(const struct rx_vector *v, uint8_t *buf, size_t cap);

#endif
