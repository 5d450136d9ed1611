/*
 * Unit tests of the portable RandomX reference VM (emulator/rxref): its
 * primitives against independent implementations (OpenSSL's BLAKE2b-512,
 * the CPU's AES-NI), its constants against their published derivation, and
 * whole hashes against librandomx: the five vectors of facts.md and random
 * inputs compared hash by hash (RXREF_RANDOM_N, default 1000, fewer under
 * the sanitizers; RXREF_SEED picks other inputs; a slow-labelled run does
 * 10000).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fenv.h>
#include <openssl/evp.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "ml_util.h"
#include "rx_vectors.h"
#include "rxref.h"

#ifndef RXREF_TEST_DEFAULT_N
#define RXREF_TEST_DEFAULT_N 1000
#endif

/* A small deterministic generator so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static void rng_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rng();
}

static void test_blake2b_vs_openssl(void **state)
{
    const size_t lens[] = {0, 1, 63, 64, 127, 128, 129, 255, 256, 257, 1000};
    uint8_t in[1000], ours[64], ref[64];
    unsigned int reflen = 0;
    rng_fill(in, sizeof(in));
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        rxref_blake2b(ours, 64, in, lens[i]);
        assert_int_equal(EVP_Digest(in, lens[i], ref, &reflen, EVP_blake2b512(), NULL),
                         1);
        assert_int_equal(reflen, 64);
        assert_memory_equal(ours, ref, 64);
    }
    /* Streaming in odd pieces gives the one-shot result. */
    struct rxref_blake2b s;
    rxref_blake2b_init(&s, 64);
    rxref_blake2b_update(&s, in, 5);
    rxref_blake2b_update(&s, in + 5, 123);
    rxref_blake2b_update(&s, in + 128, 872);
    rxref_blake2b_final(&s, ours);
    rxref_blake2b(ref, 64, in, 1000);
    assert_memory_equal(ours, ref, 64);
}

static void test_blake2b_256(void **state)
{
    uint8_t out[32], want[32];
    /* RFC 7693 parameterisation, output length 32: BLAKE2b-256("abc"). */
    assert_int_equal(ml_hex_decode("bddd813c634239723171ef3fee98579b94964e3bb1cb3e42"
                                   "7262c8c068d52319",
                                   want, 32),
                     0);
    rxref_blake2b(out, 32, "abc", 3);
    assert_memory_equal(out, want, 32);
}

/* specs.md: the generator keys are Blake2b hashes of fixed strings. */
static void test_aes_constants_derivation(void **state)
{
    static const struct {
        const char *text;
        size_t outlen;
        int first;
    } d[] = {{"RandomX AesGenerator1R keys", 64, RXREF_K_GEN1R},
             {"RandomX AesGenerator4R keys 0-3", 64, RXREF_K_GEN4R},
             {"RandomX AesGenerator4R keys 4-7", 64, RXREF_K_GEN4R + 4},
             {"RandomX AesHash1R state", 64, RXREF_K_HASH_STATE},
             {"RandomX AesHash1R xkeys", 32, RXREF_K_HASH_XKEY}};
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
        uint8_t h[64], k[64];
        rxref_blake2b(h, d[i].outlen, d[i].text, strlen(d[i].text));
        for (size_t w = 0; w < d[i].outlen / 4; w++)
            ml_store32le(k + 4 * w,
                         rxref_aes_const(d[i].first + (int)(w / 4), (int)(w % 4)));
        assert_memory_equal(h, k, d[i].outlen);
    }
}

#if defined(__x86_64__)
__attribute__((target("aes,sse2"))) static void aesni_round(int dec, uint8_t s[16],
                                                            const uint8_t k[16])
{
    __m128i x = _mm_loadu_si128((const __m128i *)s);
    __m128i y = _mm_loadu_si128((const __m128i *)k);
    x = dec ? _mm_aesdec_si128(x, y) : _mm_aesenc_si128(x, y);
    _mm_storeu_si128((__m128i *)s, x);
}
static int have_aesni(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_AES);
}
#endif

/* The portable AES rounds equal the AESENC/AESDEC instructions. */
static void test_soft_aes_vs_aesni(void **state)
{
    static struct rxref_aes_tables t;
    rxref_aes_tables_init(&t);
    /* Known answer (from AES-NI) so machines without it still check. */
    uint32_t s[4] = {0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c};
    const uint32_t k[4] = {0, 0, 0, 0};
    rxref_aesenc(&t, s, k);
    uint8_t kat[16], want[16];
    memcpy(kat, s, 16);
    assert_int_equal(ml_hex_decode("6a6a5c452c6d3351b0d95d61279c215c", want, 16), 0);
    assert_memory_equal(kat, want, 16);
#if defined(__x86_64__)
    if (!have_aesni()) {
        skip();
        return;
    }
    for (int i = 0; i < 2000; i++) {
        uint8_t a[16], b[16], key[16];
        uint32_t w[4], kw[4];
        rng_fill(a, 16);
        rng_fill(key, 16);
        memcpy(b, a, 16);
        memcpy(w, a, 16);
        memcpy(kw, key, 16);
        int dec = i & 1;
        aesni_round(dec, b, key);
        if (dec)
            rxref_aesdec(&t, w, kw);
        else
            rxref_aesenc(&t, w, kw);
        assert_memory_equal(w, b, 16);
    }
#endif
}

static void test_reciprocal(void **state)
{
    /* 2^63 / 3 scaled as specs.md 5.2.4 defines: floor(2^(63+bits) / d). */
    assert_true(rxref_reciprocal(3) == 0xaaaaaaaaaaaaaaaaull);
    assert_true(rxref_reciprocal(0xffffffffull) == 0x8000000080000000ull);
}

struct fixture {
    struct rxref_vm *vm;
    struct rxref_librx *lx;
};

static int setup(void **state)
{
    static struct fixture f;
    char err[256];
    if (rxref_vm_create(&f.vm, err, sizeof(err)) != 0 ||
        rxref_librx_create("test key 000", 12, RXREF_LIBRX_RESIDENT, &f.lx, err,
                           sizeof(err)) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    rxref_vm_set_item_fn(f.vm, rxref_librx_item, f.lx);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rxref_librx_destroy(f->lx);
    rxref_vm_destroy(f->vm);
    return 0;
}

static void test_five_vectors(void **state)
{
    struct fixture *f = *state;
    const char *key = "";
    for (size_t i = 0; i < RX_NVECTORS; i++) {
        const struct rx_vector *v = &rx_vectors[i];
        uint8_t in[128], want[32], got[32];
        size_t inlen = rx_vector_input(v, in, sizeof(in));
        assert_true(inlen > 0);
        if (strcmp(key, v->key) != 0) {
            key = v->key;
            rxref_librx_rekey(f->lx, key, strlen(key));
        }
        assert_int_equal(ml_hex_decode(v->hash, want, 32), 0);
        assert_int_equal(rxref_vm_hash(f->vm, in, inlen, got), 0);
        assert_memory_equal(got, want, 32);
    }
}

/*
 * The GPU kernel reads items through a dataset pointer (fast mode), not the
 * item callback: run that path on the CPU over the sparse dataset that the
 * callback has just filled for the same input.
 */
static void test_dataset_pointer_path(void **state)
{
    struct fixture *f = *state;
    uint8_t via_items[32], via_dataset[32], want[32];
    rxref_librx_rekey(f->lx, rx_vectors[1].key, strlen(rx_vectors[1].key));
    assert_int_equal(rxref_vm_hash(f->vm, rx_vectors[1].input,
                                   strlen(rx_vectors[1].input), via_items),
                     0);
    rxref_vm_set_dataset(f->vm, rxref_librx_dataset(f->lx));
    assert_int_equal(rxref_vm_hash(f->vm, rx_vectors[1].input,
                                   strlen(rx_vectors[1].input), via_dataset),
                     0);
    rxref_vm_set_item_fn(f->vm, rxref_librx_item, f->lx);
    assert_int_equal(ml_hex_decode(rx_vectors[1].hash, want, 32), 0);
    assert_memory_equal(via_items, want, 32);
    assert_memory_equal(via_dataset, want, 32);
}

/*
 * The GPU runs each program in slices of iterations, one kernel launch per
 * slice, with all state in rxref_state between launches: run a vector the
 * same way (uneven slices) and get the same hash.
 */
static void test_sliced_programs(void **state)
{
    struct fixture *f = *state;
    static struct rxref_aes_tables t;
    static struct rxref_state st;
    static const int cuts[] = {0, 1, 100, 1024, 2047, RXREF_PROGRAM_ITERATIONS};
    struct rxref_dsrc ds = {
        .dataset = NULL, .item = rxref_librx_item, .item_ud = f->lx};
    uint8_t *sp = malloc(RXREF_SCRATCHPAD_L3), got[32], want[32];
    const struct rx_vector *v = &rx_vectors[2];
    int saved = fegetround();
    assert_non_null(sp);
    rxref_aes_tables_init(&t);
    rxref_librx_rekey(f->lx, v->key, strlen(v->key));
    rxref_hash_begin(&t, &st, sp, v->input, strlen(v->input));
    for (int chain = 0; chain < RXREF_PROGRAM_COUNT; chain++)
        for (size_t c = 0; c + 1 < sizeof(cuts) / sizeof(cuts[0]); c++) {
            fesetround(FE_TONEAREST); /* a new launch starts in any mode */
            rxref_hash_program_part(&t, &ds, &st, sp, chain, cuts[c], cuts[c + 1]);
        }
    rxref_hash_end(&t, &st, sp, got);
    fesetround(saved);
    free(sp);
    assert_int_equal(ml_hex_decode(v->hash, want, 32), 0);
    assert_memory_equal(got, want, 32);
}

static void test_rounding_mode_restored(void **state)
{
    struct fixture *f = *state;
    uint8_t out[32];
    fesetround(FE_UPWARD);
    rxref_librx_rekey(f->lx, "test key 000", 12);
    assert_int_equal(rxref_vm_hash(f->vm, "This is a test", 14, out), 0);
    assert_int_equal(fegetround(), FE_UPWARD);
    fesetround(FE_TONEAREST);
}

static void test_no_item_source(void **state)
{
    struct rxref_vm *vm = NULL;
    uint8_t out[32];
    char err[128];
    assert_int_equal(rxref_vm_create(&vm, err, sizeof(err)), 0);
    assert_int_equal(rxref_vm_hash(vm, "x", 1, out), -EINVAL);
    rxref_vm_destroy(vm);
}

/*
 * minerlab's own light mode (Argon2d + SuperscalarHash, no librandomx):
 * dataset items equal librandomx's, and two vectors hash right with it.
 */
static void test_own_light_mode(void **state)
{
    struct fixture *f = *state;
    struct rxref_cache *c = NULL;
    struct rxref_vm *vm = NULL;
    char err[128];
    uint8_t ours[64], ref[64], want[32], got[32];
    assert_int_equal(rxref_cache_create(&c, err, sizeof(err)), 0);
    assert_int_equal(rxref_vm_create(&vm, err, sizeof(err)), 0);
    rxref_vm_set_item_fn(vm, rxref_cache_item, c);
    for (size_t v = 0; v < RX_NVECTORS; v += 3) {
        const char *key = rx_vectors[v].key;
        rxref_cache_init(c, key, strlen(key));
        rxref_librx_rekey(f->lx, key, strlen(key));
        for (int i = 0; i < 256; i++) {
            uint64_t item = rng() % RXREF_DATASET_ITEMS;
            rxref_cache_item(c, item, ours);
            rxref_librx_item(f->lx, item, ref);
            assert_memory_equal(ours, ref, 64);
        }
        assert_int_equal(ml_hex_decode(rx_vectors[v].hash, want, 32), 0);
        assert_int_equal(
            rxref_vm_hash(vm, rx_vectors[v].input, strlen(rx_vectors[v].input), got),
            0);
        assert_memory_equal(got, want, 32);
    }
    rxref_vm_destroy(vm);
    rxref_cache_destroy(c);
}

/*
 * The sparse comparison must fail when the VMs diverge: librandomx's fast VM
 * on an input rxref has not hashed reads items nobody computed.
 */
static void test_sparse_detects_divergence(void **state)
{
    struct fixture *f = *state;
    uint8_t ours[32], light[32], sparse[32];
    rxref_librx_rekey(f->lx, "divergence", 10);
    assert_int_equal(rxref_vm_hash(f->vm, "input A", 7, ours), 0);
    rxref_librx_hash_sparse(f->lx, "input A", 7, sparse);
    assert_memory_equal(ours, sparse, 32);
    rxref_librx_hash(f->lx, "input B", 7, light);
    rxref_librx_hash_sparse(f->lx, "input B", 7, sparse);
    assert_memory_not_equal(light, sparse, 32);
}

/*
 * Random keys, lengths 0..200 and contents (Monero-like 76-byte blobs with
 * random nonces half of the time), compared hash by hash with librandomx:
 * the first 8 per key with its light VM (fully independent), the rest with
 * its fast VM over the items rxref computed (see rxref_librx_hash_sparse).
 */
static void test_random_vs_librandomx(void **state)
{
    struct fixture *f = *state;
    const char *env = getenv("RXREF_RANDOM_N");
    const char *seed = getenv("RXREF_SEED");
    long n = env ? strtol(env, NULL, 10) : RXREF_TEST_DEFAULT_N;
    long keys = n >= 100 ? 4 : 1, mismatches = 0, light = 0;
    /* Each run (RXREF_SEED) draws different keys and inputs. */
    if (seed)
        rng_state ^= (uint64_t)strtoull(seed, NULL, 10) * 0xd1b54a32d192ed03ull;
    for (long k = 0; k < keys; k++) {
        uint8_t key[32];
        rng_fill(key, sizeof(key));
        rxref_librx_rekey(f->lx, key, 1 + rng() % 32);
        for (long i = k * n / keys; i < (k + 1) * n / keys; i++) {
            uint8_t in[200], ours[32], ref[32];
            size_t len = (i & 1) ? 76 : rng() % sizeof(in);
            rng_fill(in, len);
            assert_int_equal(rxref_vm_hash(f->vm, in, len, ours), 0);
            if (i - k * n / keys < 8) {
                rxref_librx_hash(f->lx, in, len, ref);
                light++;
            } else {
                rxref_librx_hash_sparse(f->lx, in, len, ref);
            }
            if (memcmp(ours, ref, 32) != 0 && mismatches++ < 5) {
                char h[65];
                ml_hex_encode(in, len < 32 ? len : 32, h);
                fprintf(stderr, "mismatch at input %ld (len %zu, starts %s)\n", i, len,
                        h);
            }
        }
    }
    fprintf(stderr,
            "rxref: %ld random inputs (seed %s, %ld vs the light VM), %ld mismatches\n",
            n, seed ? seed : "0", light, mismatches);
    assert_int_equal(mismatches, 0);
}

int main(void)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_blake2b_vs_openssl),
        cmocka_unit_test(test_blake2b_256),
        cmocka_unit_test(test_aes_constants_derivation),
        cmocka_unit_test(test_soft_aes_vs_aesni),
        cmocka_unit_test(test_reciprocal),
        cmocka_unit_test(test_no_item_source),
    };
    const struct CMUnitTest hashes[] = {
        cmocka_unit_test(test_five_vectors),
        cmocka_unit_test(test_dataset_pointer_path),
        cmocka_unit_test(test_sliced_programs),
        cmocka_unit_test(test_rounding_mode_restored),
        cmocka_unit_test(test_own_light_mode),
        cmocka_unit_test(test_sparse_detects_divergence),
        cmocka_unit_test(test_random_vs_librandomx),
    };
    int rc = cmocka_run_group_tests_name("rxref primitives", unit, NULL, NULL);
    rc |= cmocka_run_group_tests_name("rxref vs librandomx", hashes, setup, teardown);
    return rc;
}
