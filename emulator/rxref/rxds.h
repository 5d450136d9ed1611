/*
 * rxds — minerlab's own parallel RandomX dataset builder (specs.md 7.3).
 *
 * Dataset items computed several at a time: the 8 SuperscalarHash programs
 * are decoded once per key and interpreted over a batch of RXDS_LANES items
 * in lock-step, so each instruction's dispatch is paid once per batch and
 * its arithmetic runs on SIMD registers (an AVX2 kernel chosen at run time
 * where the CPU has it, a portable C kernel everywhere). Bit-exact with
 * librandomx's randomx_init_dataset (tests/unit/test_rxds.c).
 *
 * The 256 MiB Argon2d cache comes from the caller (e.g. librandomx's cache
 * memory) or is computed by rxref's own Argon2d.
 *
 * Threads: an rxds is keyed by one thread; rxds_build runs its own threads;
 * rxds_item and rxds_build_range may run concurrently once keyed.
 */
#ifndef RXDS_H
#define RXDS_H

#include <stddef.h>
#include <stdint.h>

#include "rxds_prog.h" /* RXDS_LANES */

/* GENERIC: portable C; AVX2: the same interpreter on AVX2 vectors; JIT:
 * x86-64 AVX2 machine code generated per key (rxds_jit.c), the fastest. */
enum rxds_kernel {
    RXDS_KERNEL_AUTO = 0,
    RXDS_KERNEL_GENERIC = 1,
    RXDS_KERNEL_AVX2 = 2,
    RXDS_KERNEL_JIT = 3
};

struct rxds;

/* 0 or -ENOMEM with reason. The kernel is picked here (AUTO: the best the
 * CPU runs; MINERLAB_RXDS_KERNEL=generic|avx2|jit in the environment
 * overrides; a kernel the CPU lacks falls back to the next best). */
int rxds_create(enum rxds_kernel kernel, struct rxds **out, char *err, size_t errlen);
/*
 * Keys the builder: the SuperscalarHash programs of key, and the cache
 * memory: cache_memory (RXREF_CACHE_BYTES, not copied, must stay valid and
 * unchanged) or, when NULL, rxref's own Argon2d into memory the rxds owns.
 * 0, -ENOMEM, or -errno when the JIT's memory cannot be made executable.
 */
int rxds_key(struct rxds *d, const void *cache_memory, const void *key, size_t keylen);
/* The kernel in use: "jit-avx2", "avx2" or "generic". */
const char *rxds_kernel_name(const struct rxds *d);
/* The cache memory in use (borrowed or own); NULL before the first key. */
const uint64_t *rxds_cache_memory(const struct rxds *d);
/* One item with the scalar reference code (rxref_dataset_item). */
void rxds_item(const struct rxds *d, uint64_t index, uint8_t out[64]);
/* Items [first, first+count) into out[0 .. count*64) with the SIMD kernel. */
void rxds_build_range(const struct rxds *d, uint8_t *out, uint64_t first,
                      uint64_t count);
/*
 * The whole dataset (RXREF_DATASET_ITEMS * 64 bytes at dataset) with
 * `threads` threads over disjoint ranges (the caller is one of them).
 */
void rxds_build(const struct rxds *d, uint8_t *dataset, int threads);
void rxds_destroy(struct rxds *d);

#endif
