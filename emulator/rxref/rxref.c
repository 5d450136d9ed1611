/*
 * rxref — host side of the portable RandomX VM: allocation, dataset item
 * sources and rounding-mode hygiene. See rxref.h.
 */
#include "rxref.h"

#include <errno.h>
#include <fenv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <randomx.h>

struct rxref_vm {
    struct rxref_aes_tables tables;
    struct rxref_dsrc ds;
    struct rxref_state state;
    uint8_t *scratchpad;
};

static int set_err(char *err, size_t errlen, int code, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", what);
    return code;
}

int rxref_vm_create(struct rxref_vm **out, char *err, size_t errlen)
{
    struct rxref_vm *vm = calloc(1, sizeof(*vm));
    if (!vm)
        return set_err(err, errlen, -ENOMEM, "rxref: out of memory for the VM");
    if (posix_memalign((void **)&vm->scratchpad, 64, RXREF_SCRATCHPAD_L3) != 0) {
        free(vm);
        return set_err(err, errlen, -ENOMEM, "rxref: out of memory for the scratchpad");
    }
    rxref_aes_tables_init(&vm->tables);
    *out = vm;
    return 0;
}

void rxref_vm_set_dataset(struct rxref_vm *vm, const uint8_t *dataset)
{
    vm->ds.dataset = dataset;
    vm->ds.item = NULL;
    vm->ds.item_ud = NULL;
}

void rxref_vm_set_item_fn(struct rxref_vm *vm, rxref_item_fn fn, void *ud)
{
    vm->ds.dataset = NULL;
    vm->ds.item = fn;
    vm->ds.item_ud = ud;
}

int rxref_vm_hash(struct rxref_vm *vm, const void *in, size_t len, uint8_t out[32])
{
    if (!vm->ds.dataset && !vm->ds.item)
        return -EINVAL;
    int saved = fegetround();
    rxref_hash_core(&vm->tables, &vm->ds, &vm->state, vm->scratchpad, in, len, out);
    fesetround(saved);
    return 0;
}

const struct rxref_aes_tables *rxref_vm_tables(const struct rxref_vm *vm)
{
    return &vm->tables;
}

void rxref_vm_destroy(struct rxref_vm *vm)
{
    if (!vm)
        return;
    free(vm->scratchpad);
    free(vm);
}

/* ------------------------------------------------ librandomx item source */

struct rxref_librx {
    randomx_cache *cache;
    randomx_dataset *dataset; /* 2080 MiB of address space, touched sparsely */
    randomx_vm *vm;           /* light-mode VM for reference hashes */
    randomx_vm *fast_vm;      /* fast-mode VM over the sparse dataset */
    uint8_t *mem;
};

/*
 * madvise() over the whole pages strictly inside the dataset block: the
 * allocator's header sits just below mem and must survive MADV_DONTNEED.
 */
static void madvise_range(uint8_t *mem, int advice)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)mem + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t hi = ((uintptr_t)mem + RXREF_DATASET_ITEMS * 64) & ~(uintptr_t)(page - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, advice);
}

int rxref_librx_create(const void *key, size_t keylen, enum rxref_librx_pages pages,
                       struct rxref_librx **out, char *err, size_t errlen)
{
    struct rxref_librx *lx = calloc(1, sizeof(*lx));
    randomx_flags flags = randomx_get_flags();
    if (!lx)
        return set_err(err, errlen, -ENOMEM, "rxref: out of memory");
    lx->cache = randomx_alloc_cache(flags);
    if (!lx->cache)
        goto fail;
    lx->dataset = randomx_alloc_dataset(RANDOMX_FLAG_DEFAULT);
    if (!lx->dataset)
        goto fail;
    lx->mem = randomx_get_dataset_memory(lx->dataset);
    /* Items are touched one 64-byte line at a time all over 2 GiB: sparse
     * use wants small pages (a huge page's first touch zeroes 2 MiB); the
     * resident mode wants huge pages (1040 faults in all, not 34 million). */
    madvise_range(lx->mem,
                  pages == RXREF_LIBRX_RESIDENT ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    randomx_init_cache(lx->cache, key, keylen);
    lx->vm = randomx_create_vm(flags, lx->cache, NULL);
    lx->fast_vm = randomx_create_vm(flags | RANDOMX_FLAG_FULL_MEM, NULL, lx->dataset);
    if (!lx->vm || !lx->fast_vm)
        goto fail;
    *out = lx;
    return 0;
fail:
    rxref_librx_destroy(lx);
    return set_err(err, errlen, -ENOMEM,
                   "rxref: librandomx could not allocate its cache, dataset or VM");
}

void rxref_librx_rekey(struct rxref_librx *lx, const void *key, size_t keylen)
{
    randomx_init_cache(lx->cache, key, keylen);
    randomx_vm_set_cache(lx->vm, lx->cache);
    rxref_librx_trim(lx); /* old items must not satisfy the sparse VM */
}

void rxref_librx_item(void *ud, uint64_t index, uint8_t out[64])
{
    struct rxref_librx *lx = ud;
    randomx_init_dataset(lx->dataset, lx->cache, (unsigned long)index, 1);
    memcpy(out, lx->mem + index * 64, 64);
}

const uint8_t *rxref_librx_dataset(const struct rxref_librx *lx)
{
    return lx->mem;
}

void rxref_librx_trim(struct rxref_librx *lx)
{
    madvise_range(lx->mem, MADV_DONTNEED);
}

void rxref_librx_hash(struct rxref_librx *lx, const void *in, size_t len,
                      uint8_t out[32])
{
    int saved = fegetround();
    randomx_calculate_hash(lx->vm, in, len, out);
    fesetround(saved);
}

void rxref_librx_hash_sparse(struct rxref_librx *lx, const void *in, size_t len,
                             uint8_t out[32])
{
    int saved = fegetround();
    randomx_calculate_hash(lx->fast_vm, in, len, out);
    fesetround(saved);
}

void rxref_librx_destroy(struct rxref_librx *lx)
{
    if (!lx)
        return;
    if (lx->fast_vm)
        randomx_destroy_vm(lx->fast_vm);
    if (lx->vm)
        randomx_destroy_vm(lx->vm);
    if (lx->dataset)
        randomx_release_dataset(lx->dataset);
    if (lx->cache)
        randomx_release_cache(lx->cache);
    free(lx);
}
