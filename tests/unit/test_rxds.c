/*
 * Unit tests of rxds, minerlab's own dataset builder (emulator/rxref/rxds.h):
 * every kernel this CPU runs (portable C, AVX2 interpreter, AVX2 JIT) against
 * librandomx's randomx_init_dataset, item by item, on ranges spread over the
 * whole dataset (first and last items included, ranges not a multiple of the
 * batch so the tail path runs) without allocating the dataset: librandomx's
 * items are computed one at a time into a sparse dataset (rxref_librx).
 * The cache is rxref's own Argon2d, or librandomx's cache memory (the path
 * minerlab-miner takes). The whole-dataset comparison is the slow-labelled
 * test_rxds_full (minerlab-dataset --compare).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rx.h"
#include "rxds.h"
#include "rxref.h"

#define RANGES 48
#define RANGE_ITEMS 37 /* not a multiple of RXDS_LANES: the tail path runs */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct fixture {
    struct rxref_librx *lx;
    uint64_t start[RANGES];
    uint8_t *ref; /* RANGES * RANGE_ITEMS librandomx items */
};

static void make_ranges(struct fixture *f)
{
    f->start[0] = 0;
    f->start[1] = RXREF_DATASET_ITEMS - RANGE_ITEMS; /* the last items */
    f->start[2] = RXREF_DATASET_BASE_SIZE / 64 - 5;  /* into the extra items */
    for (int r = 3; r < RANGES; r++)
        f->start[r] = rng() % (RXREF_DATASET_ITEMS - RANGE_ITEMS);
}

static void lib_items(struct fixture *f)
{
    for (int r = 0; r < RANGES; r++)
        for (int i = 0; i < RANGE_ITEMS; i++)
            rxref_librx_item(f->lx, f->start[r] + (uint64_t)i,
                             f->ref + ((size_t)r * RANGE_ITEMS + (size_t)i) * 64);
}

static int setup(void **state)
{
    static struct fixture f;
    char err[256];
    if (rxref_librx_create("test key 000", 12, RXREF_LIBRX_SPARSE, &f.lx, err,
                           sizeof(err)) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    f.ref = malloc((size_t)RANGES * RANGE_ITEMS * 64);
    if (!f.ref)
        return -1;
    make_ranges(&f);
    lib_items(&f);
    rxref_librx_trim(f.lx);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rxref_librx_destroy(f->lx);
    free(f->ref);
    return 0;
}

/* All ranges with rxds_build_range and the scalar rxds_item vs librandomx. */
static void check_ranges(const struct fixture *f, const struct rxds *d)
{
    uint8_t got[RANGE_ITEMS * 64], one[64];
    for (int r = 0; r < RANGES; r++) {
        const uint8_t *want = f->ref + (size_t)r * RANGE_ITEMS * 64;
        rxds_build_range(d, got, f->start[r], RANGE_ITEMS);
        for (int i = 0; i < RANGE_ITEMS; i++) {
            if (memcmp(got + 64 * i, want + 64 * i, 64) != 0)
                fail_msg("kernel %s: item %llu differs from librandomx",
                         rxds_kernel_name(d),
                         (unsigned long long)(f->start[r] + (uint64_t)i));
        }
        rxds_item(d, f->start[r] + 7, one);
        assert_memory_equal(one, want + 7 * 64, 64);
    }
}

static void test_kernels_own_cache(void **state)
{
    struct fixture *f = *state;
    const enum rxds_kernel kernels[] = {RXDS_KERNEL_GENERIC, RXDS_KERNEL_AVX2,
                                        RXDS_KERNEL_JIT};
    const char *names[] = {"generic", "avx2", "jit-avx2"};
    struct rxds *own = NULL;
    char err[128];
    unsetenv("MINERLAB_RXDS_KERNEL");
    /* One Argon2d fill (rxref's), shared by every kernel. */
    assert_int_equal(rxds_create(RXDS_KERNEL_GENERIC, &own, err, sizeof(err)), 0);
    assert_int_equal(rxds_key(own, NULL, "test key 000", 12), 0);
    int tested = 0;
    for (size_t k = 0; k < 3; k++) {
        struct rxds *d = NULL;
        assert_int_equal(rxds_create(kernels[k], &d, err, sizeof(err)), 0);
        if (strcmp(rxds_kernel_name(d), names[k]) != 0) {
            printf("# kernel %s: not on this CPU (got %s), skipped\n", names[k],
                   rxds_kernel_name(d));
            rxds_destroy(d);
            continue;
        }
        /* The Argon2d memory of `own` is what rxds_item of own reads. */
        uint8_t probe[64];
        rxds_item(own, 0, probe);
        assert_memory_equal(probe, f->ref, 64);
        assert_int_equal(rxds_key(d, rxds_cache_memory(own), "test key 000", 12), 0);
        check_ranges(f, d);
        printf("# kernel %s: %d items equal librandomx\n", names[k],
               RANGES * RANGE_ITEMS);
        tested++;
        rxds_destroy(d);
    }
    assert_true(tested >= 1);
    rxds_destroy(own);
}

/* The miner's path: librandomx's cache memory; then a new key (the JIT
 * regenerates its code, the programs and the cache change). */
static void test_lib_cache_and_rekey(void **state)
{
    struct fixture *f = *state;
    struct rx_config cfg = {.mode = RX_MODE_LIGHT, .pages = RX_PAGES_SMALL, .quiet = 1};
    struct rx_ctx *ctx = NULL;
    struct rxds *d = NULL;
    char err[128];
    assert_int_equal(rx_ctx_create(&cfg, &ctx, err, sizeof(err)), 0);
    assert_null(rx_ctx_cache_memory(ctx)); /* not keyed yet */
    assert_int_equal(rx_ctx_rekey(ctx, "test key 000", 12), 0);
    const void *mem = rx_ctx_cache_memory(ctx);
    assert_non_null(mem);
    assert_int_equal(rxds_create(RXDS_KERNEL_AUTO, &d, err, sizeof(err)), 0);
    assert_int_equal(rxds_key(d, mem, "test key 000", 12), 0);
    check_ranges(f, d);
    printf("# %s on librandomx's cache: %d items equal\n", rxds_kernel_name(d),
           RANGES * RANGE_ITEMS);

    const char key2[] = "another key, longer than the first one";
    uint8_t before[64], after[64];
    rxds_build_range(d, before, 12345, 1);
    assert_int_equal(rx_ctx_rekey(ctx, key2, sizeof(key2) - 1), 0);
    assert_ptr_equal(rx_ctx_cache_memory(ctx), mem); /* re-keyed in place */
    assert_int_equal(rxds_key(d, mem, key2, sizeof(key2) - 1), 0);
    rxds_build_range(d, after, 12345, 1);
    assert_memory_not_equal(before, after, 64);
    rxref_librx_rekey(f->lx, key2, sizeof(key2) - 1);
    make_ranges(f);
    lib_items(f);
    rxref_librx_trim(f->lx);
    check_ranges(f, d);
    printf("# after a re-key: %d items equal\n", RANGES * RANGE_ITEMS);
    rxds_destroy(d);
    rx_ctx_destroy(ctx);
}

static void test_builder_names(void **state)
{
    enum rx_builder b = RX_BUILDER_LIB;
    (void)state;
    assert_int_equal(rx_builder_parse("own", &b), 0);
    assert_int_equal(b, RX_BUILDER_OWN);
    assert_int_equal(rx_builder_parse("lib", &b), 0);
    assert_int_equal(b, RX_BUILDER_LIB);
    assert_int_equal(rx_builder_parse("fast", &b), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builder_names),
        cmocka_unit_test(test_kernels_own_cache),
        cmocka_unit_test(test_lib_cache_and_rekey),
    };
    return cmocka_run_group_tests_name("rxds vs librandomx", tests, setup, teardown);
}
