/*
 * rxref — host API of minerlab's portable RandomX reference VM (rx/0, v1).
 *
 * The VM itself lives in rxref_core.h / rxref_vm.h as inline code shared
 * with the CUDA kernel. This module gives it a heap-allocated scratchpad and
 * a source of dataset items:
 *   - fast: a full dataset in memory (e.g. librandomx's, 2080 MiB), or
 *   - light: items computed on demand; rxref_librx computes them with
 *     librandomx's public API (randomx_init_dataset for one item at a time
 *     into a lazily-touched dataset), so the 2080 MiB dataset is never
 *     built as a whole.
 *
 * Threads: an rxref_vm belongs to one thread. A hash sets the thread's
 * floating-point rounding mode while it runs and restores it afterwards.
 */
#ifndef RXREF_H
#define RXREF_H

#include <stddef.h>
#include <stdint.h>

#include "rxref_core.h"

typedef void (*rxref_item_fn)(void *ud, uint64_t index, uint8_t out[64]);

struct rxref_vm;

/* Allocates the 2 MiB scratchpad and AES tables. 0 or -ENOMEM with reason. */
int rxref_vm_create(struct rxref_vm **out, char *err, size_t errlen);
/* Fast mode: dataset points at RXREF_DATASET_ITEMS * 64 bytes (not owned). */
void rxref_vm_set_dataset(struct rxref_vm *vm, const uint8_t *dataset);
/* Light mode: fn(ud, index, out) computes item `index`; called 16384x/hash. */
void rxref_vm_set_item_fn(struct rxref_vm *vm, rxref_item_fn fn, void *ud);
/*
 * Computes the RandomX hash of in[0..len) into out. Returns 0, or -EINVAL
 * when no dataset or item source was set. The rounding mode is restored.
 */
int rxref_vm_hash(struct rxref_vm *vm, const void *in, size_t len, uint8_t out[32]);
/* The AES tables the VM uses (e.g. to upload them to a GPU). */
const struct rxref_aes_tables *rxref_vm_tables(const struct rxref_vm *vm);
void rxref_vm_destroy(struct rxref_vm *vm);

/* ---- minerlab's own light mode: Argon2d cache + SuperscalarHash ---- */

struct rxref_cache;

/* Allocates the 256 MiB cache (not initialised). 0 or -ENOMEM with reason. */
int rxref_cache_create(struct rxref_cache **out, char *err, size_t errlen);
/*
 * Keys the cache: Argon2d over 256 MiB (3 passes) and the 8 SuperscalarHash
 * programs from the key. About 1-2 s on one core. Single thread.
 */
void rxref_cache_init(struct rxref_cache *c, const void *key, size_t keylen);
/* rxref_item_fn computing dataset item `index` (ud = the rxref_cache). */
void rxref_cache_item(void *ud, uint64_t index, uint8_t out[64]);
/* The Argon2d memory (RXREF_CACHE_BYTES) and the RXREF_SS_PROGRAMS
 * programs, e.g. to build the dataset on a GPU. Valid until the next init. */
const uint64_t *rxref_cache_memory(const struct rxref_cache *c);
/* The 8 SuperscalarHash programs of a key alone (no Argon2d), ~1 ms. */
void rxref_ss_programs(const void *key, size_t keylen,
                       struct rxref_ss_program progs[RXREF_SS_PROGRAMS]);
/* The Argon2d fill alone into RXREF_CACHE_BYTES at mem (64-byte aligned). */
void rxref_argon2d_fill(uint64_t *mem, const void *key, size_t keylen);
const struct rxref_ss_program *rxref_cache_programs(const struct rxref_cache *c);
void rxref_cache_destroy(struct rxref_cache *c);

/* ---- dataset items from librandomx, light mode ---- */

struct rxref_librx;

enum rxref_librx_pages {
    /* Small pages, released by rxref_librx_trim: ~256 MiB resident, but
     * every item touches a fresh page (a page fault per item). */
    RXREF_LIBRX_SPARSE = 0,
    /* Transparent huge pages, never released: grows towards 2080 MiB over a
     * few hundred hashes, items then cost no fault (tests use this). */
    RXREF_LIBRX_RESIDENT = 1,
};

/*
 * Creates a librandomx cache keyed with key[0..keylen), a lazily allocated
 * dataset that items are computed into one at a time, and two librandomx
 * VMs (light, and fast over that same sparse dataset). 0 or -ENOMEM.
 */
int rxref_librx_create(const void *key, size_t keylen, enum rxref_librx_pages pages,
                       struct rxref_librx **out, char *err, size_t errlen);
/* Re-keys the cache; items computed for the old key are forgotten. */
void rxref_librx_rekey(struct rxref_librx *lx, const void *key, size_t keylen);
/* rxref_item_fn for rxref_vm_set_item_fn (ud = the rxref_librx). */
void rxref_librx_item(void *ud, uint64_t index, uint8_t out[64]);
/*
 * The sparse dataset's memory (RXREF_DATASET_ITEMS * 64 bytes of address
 * space): items computed so far are in place, the rest read as zero. Lets a
 * test drive the fast-mode (dataset pointer) path the GPU kernel uses.
 */
const uint8_t *rxref_librx_dataset(const struct rxref_librx *lx);
/* Returns the dataset pages touched so far to the kernel (MADV_DONTNEED). */
void rxref_librx_trim(struct rxref_librx *lx);
/*
 * librandomx's own light-mode hash of the input, fully independent of rxref
 * (restores the caller's rounding mode too). ~40 ms.
 */
void rxref_librx_hash(struct rxref_librx *lx, const void *in, size_t len,
                      uint8_t out[32]);
/*
 * librandomx's fast-mode hash over the sparse dataset: only the items that
 * rxref computed (through rxref_librx_item) are present, the rest read as
 * zero. Call it right after rxref_vm_hash() of the same input: when the two
 * VMs agree, librandomx reads exactly the items rxref computed and returns
 * the true hash; when they diverge, it reads a missing item and the hashes
 * differ, so a comparison still fails as it should. ~3 ms.
 */
void rxref_librx_hash_sparse(struct rxref_librx *lx, const void *in, size_t len,
                             uint8_t out[32]);
void rxref_librx_destroy(struct rxref_librx *lx);

#endif
