/*
 * rxref_core — the portable RandomX (rx/0, v1) reference VM, written from
 * tevador's public specification (doc/specs.md). Everything is a static
 * inline function so that the same source compiles as plain C (rxref.c, the
 * unit tests) and as CUDA device code (emulator/cuda/, one thread per hash):
 * the GPU kernel runs exactly the code the CPU tests prove bit-exact.
 *
 * Pieces, in the order a hash uses them:
 *   Blake2b (any output length up to 64 bytes, unkeyed)
 *   AES rounds in software (T-tables built by rxref_aes_tables_init)
 *   AesGenerator1R (scratchpad fill), AesGenerator4R (program generation),
 *   AesHash1R (scratchpad fingerprint)
 *   program decode + execution: 8 programs x 2048 iterations
 *
 * Floating point: the four rounding modes are applied through
 * rxref_fop(); on the host the mode is set with fesetround() on CFROUND (the
 * file must be compiled with -frounding-math -ffp-contract=off), on the GPU
 * each operation uses the matching __dadd_rn/_rd/_ru/_rz intrinsic.
 *
 * Nothing here allocates; the caller provides the 2 MiB scratchpad.
 */
#ifndef RXREF_CORE_H
#define RXREF_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fenv.h>
#include <math.h>

#ifdef __CUDACC__
#define RXREF_FN static __host__ __device__ inline
#else
#define RXREF_FN static inline
#endif

/* RandomX v1 parameters (configuration.h of the reference). */
#define RXREF_SCRATCHPAD_L1 16384u
#define RXREF_SCRATCHPAD_L2 262144u
#define RXREF_SCRATCHPAD_L3 2097152u
#define RXREF_PROGRAM_SIZE 256
#define RXREF_PROGRAM_ITERATIONS 2048
#define RXREF_PROGRAM_COUNT 8
#define RXREF_DATASET_BASE_SIZE 2147483648ull
#define RXREF_DATASET_EXTRA_ITEMS 524287ull /* 33554368 / 64 */
#define RXREF_DATASET_ITEMS (RXREF_DATASET_BASE_SIZE / 64 + RXREF_DATASET_EXTRA_ITEMS)
#define RXREF_PROGRAM_BYTES (128 + 8 * RXREF_PROGRAM_SIZE)

#define RXREF_L1_MASK ((RXREF_SCRATCHPAD_L1 - 1) & ~7u)
#define RXREF_L2_MASK ((RXREF_SCRATCHPAD_L2 - 1) & ~7u)
#define RXREF_L3_MASK ((RXREF_SCRATCHPAD_L3 - 1) & ~7u)
#define RXREF_L3_MASK64 ((RXREF_SCRATCHPAD_L3 - 1) & ~63u)
#define RXREF_LINE_MASK ((uint32_t)((RXREF_DATASET_BASE_SIZE - 1) & ~63ull))

/* ---------------------------------------------------------------- bytes -- */

RXREF_FN uint64_t rxref_ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* every target we build for is little-endian */
    return v;
}
RXREF_FN uint32_t rxref_ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
RXREF_FN void rxref_st64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}
RXREF_FN uint64_t rxref_rotr64(uint64_t x, unsigned n)
{
    n &= 63;
    return n ? (x >> n) | (x << (64 - n)) : x;
}
RXREF_FN uint64_t rxref_rotl64(uint64_t x, unsigned n)
{
    return rxref_rotr64(x, (64 - (n & 63)) & 63);
}
RXREF_FN uint32_t rxref_rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

/* -------------------------------------------------------------- blake2b -- */

struct rxref_blake2b {
    uint64_t h[8];
    uint64_t t; /* bytes compressed so far (inputs stay far below 2^64) */
    uint8_t buf[128];
    size_t buflen;
    size_t outlen;
};

RXREF_FN uint64_t rxref_b2_iv(int i)
{
    const uint64_t iv[8] = {0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull,
                            0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
                            0x510e527fade682d1ull, 0x9b05688c2b3e6c1full,
                            0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};
    return iv[i];
}

#define RXREF_B2_G(a, b, c, d, x, y)                                                   \
    do {                                                                               \
        a = a + b + (x);                                                               \
        d = rxref_rotr64(d ^ a, 32);                                                   \
        c = c + d;                                                                     \
        b = rxref_rotr64(b ^ c, 24);                                                   \
        a = a + b + (y);                                                               \
        d = rxref_rotr64(d ^ a, 16);                                                   \
        c = c + d;                                                                     \
        b = rxref_rotr64(b ^ c, 63);                                                   \
    } while (0)

RXREF_FN void rxref_b2_compress(struct rxref_blake2b *s, const uint8_t *block, int last)
{
    const uint8_t sigma[12][16] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
        {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
        {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
        {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
        {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
        {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
        {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
        {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
        {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
        {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
        {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};
    uint64_t m[16], v[16];
    for (int i = 0; i < 16; i++)
        m[i] = rxref_ld64(block + 8 * i);
    for (int i = 0; i < 8; i++) {
        v[i] = s->h[i];
        v[i + 8] = rxref_b2_iv(i);
    }
    v[12] ^= s->t;
    if (last)
        v[14] = ~v[14];
    for (int r = 0; r < 12; r++) {
        const uint8_t *z = sigma[r];
        RXREF_B2_G(v[0], v[4], v[8], v[12], m[z[0]], m[z[1]]);
        RXREF_B2_G(v[1], v[5], v[9], v[13], m[z[2]], m[z[3]]);
        RXREF_B2_G(v[2], v[6], v[10], v[14], m[z[4]], m[z[5]]);
        RXREF_B2_G(v[3], v[7], v[11], v[15], m[z[6]], m[z[7]]);
        RXREF_B2_G(v[0], v[5], v[10], v[15], m[z[8]], m[z[9]]);
        RXREF_B2_G(v[1], v[6], v[11], v[12], m[z[10]], m[z[11]]);
        RXREF_B2_G(v[2], v[7], v[8], v[13], m[z[12]], m[z[13]]);
        RXREF_B2_G(v[3], v[4], v[9], v[14], m[z[14]], m[z[15]]);
    }
    for (int i = 0; i < 8; i++)
        s->h[i] ^= v[i] ^ v[i + 8];
}

/* outlen 1..64, no key. */
RXREF_FN void rxref_blake2b_init(struct rxref_blake2b *s, size_t outlen)
{
    for (int i = 0; i < 8; i++)
        s->h[i] = rxref_b2_iv(i);
    s->h[0] ^= 0x01010000ull ^ (uint64_t)outlen;
    s->t = 0;
    s->buflen = 0;
    s->outlen = outlen;
}

RXREF_FN void rxref_blake2b_update(struct rxref_blake2b *s, const void *in, size_t len)
{
    const uint8_t *p = (const uint8_t *)in;
    while (len > 0) {
        /* Keep the last block buffered: it must be compressed as final. */
        if (s->buflen == 128) {
            s->t += 128;
            rxref_b2_compress(s, s->buf, 0);
            s->buflen = 0;
        }
        size_t n = 128 - s->buflen;
        if (n > len)
            n = len;
        memcpy(s->buf + s->buflen, p, n);
        s->buflen += n;
        p += n;
        len -= n;
    }
}

RXREF_FN void rxref_blake2b_final(struct rxref_blake2b *s, void *out)
{
    uint8_t full[64];
    s->t += s->buflen;
    memset(s->buf + s->buflen, 0, 128 - s->buflen);
    rxref_b2_compress(s, s->buf, 1);
    for (int i = 0; i < 8; i++)
        rxref_st64(full + 8 * i, s->h[i]);
    memcpy(out, full, s->outlen);
}

RXREF_FN void rxref_blake2b(void *out, size_t outlen, const void *in, size_t len)
{
    struct rxref_blake2b s;
    rxref_blake2b_init(&s, outlen);
    rxref_blake2b_update(&s, in, len);
    rxref_blake2b_final(&s, out);
}

/* ------------------------------------------------------------------ AES -- */

/*
 * One AES round as the x86 AESENC/AESDEC instructions define it (no key
 * schedule): enc = ShiftRows, SubBytes, MixColumns, xor key; dec = the
 * inverse steps, xor key. The state is four little-endian 32-bit columns.
 */
struct rxref_aes_tables {
    uint32_t te[4][256];
    uint32_t td[4][256];
};

RXREF_FN uint8_t rxref_gf_mul(uint8_t a, uint8_t b)
{
    uint8_t r = 0;
    while (b) {
        if (b & 1)
            r ^= a;
        a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
        b >>= 1;
    }
    return r;
}

/* Builds the tables from the field arithmetic (no magic constants). */
RXREF_FN void rxref_aes_tables_init(struct rxref_aes_tables *t)
{
    uint8_t sbox[256], inv[256];
    for (int x = 0; x < 256; x++) {
        uint8_t xi = 0;
        for (int y = 1; y < 256 && x; y++)
            if (rxref_gf_mul((uint8_t)x, (uint8_t)y) == 1) {
                xi = (uint8_t)y;
                break;
            }
        uint8_t s = xi;
        for (int k = 1; k <= 4; k++)
            s ^= (uint8_t)((xi << k) | (xi >> (8 - k)));
        sbox[x] = (uint8_t)(s ^ 0x63);
    }
    for (int x = 0; x < 256; x++)
        inv[sbox[x]] = (uint8_t)x;
    for (int x = 0; x < 256; x++) {
        uint8_t s = sbox[x], i = inv[x];
        uint32_t e = (uint32_t)rxref_gf_mul(s, 2) | (uint32_t)s << 8 |
                     (uint32_t)s << 16 | (uint32_t)rxref_gf_mul(s, 3) << 24;
        uint32_t d = (uint32_t)rxref_gf_mul(i, 14) | (uint32_t)rxref_gf_mul(i, 9) << 8 |
                     (uint32_t)rxref_gf_mul(i, 13) << 16 |
                     (uint32_t)rxref_gf_mul(i, 11) << 24;
        t->te[0][x] = e;
        t->td[0][x] = d;
        for (int k = 1; k < 4; k++) {
            t->te[k][x] = rxref_rotl32(e, 8 * k);
            t->td[k][x] = rxref_rotl32(d, 8 * k);
        }
    }
}

RXREF_FN void rxref_aesenc(const struct rxref_aes_tables *t, uint32_t s[4],
                           const uint32_t k[4])
{
    uint32_t o[4];
    for (int j = 0; j < 4; j++)
        o[j] = t->te[0][s[j] & 0xff] ^ t->te[1][(s[(j + 1) & 3] >> 8) & 0xff] ^
               t->te[2][(s[(j + 2) & 3] >> 16) & 0xff] ^
               t->te[3][s[(j + 3) & 3] >> 24] ^ k[j];
    for (int j = 0; j < 4; j++)
        s[j] = o[j];
}

RXREF_FN void rxref_aesdec(const struct rxref_aes_tables *t, uint32_t s[4],
                           const uint32_t k[4])
{
    uint32_t o[4];
    for (int j = 0; j < 4; j++)
        o[j] = t->td[0][s[j] & 0xff] ^ t->td[1][(s[(j + 3) & 3] >> 8) & 0xff] ^
               t->td[2][(s[(j + 2) & 3] >> 16) & 0xff] ^
               t->td[3][s[(j + 1) & 3] >> 24] ^ k[j];
    for (int j = 0; j < 4; j++)
        s[j] = o[j];
}

/*
 * Generator keys, as the 32-bit little-endian words of each 16-byte key
 * (word 0 first). They are Blake2b outputs of fixed strings (specs.md 3.2 -
 * 3.4); the unit tests recompute them.
 */
RXREF_FN uint32_t rxref_aes_const(int which, int idx)
{
    const uint32_t c[18][4] = {/* AesGenerator1R keys 0..3 */
                               {0x6daca553, 0x62716609, 0xdbb5552b, 0xb4f44917},
                               {0x6d7caf07, 0x846a710d, 0x1725d378, 0x0da1dc4e},
                               {0x3f1262f1, 0x9f947ec6, 0xf4c0794f, 0x3e20e345},
                               {0x6aef8135, 0xb1ba317c, 0x16314c88, 0x49169154},
                               /* AesGenerator4R keys 0..7 */
                               {0x6421aadd, 0xd1833ddb, 0x2f546d2b, 0x99e5d23f},
                               {0xb20e3450, 0xb6913f55, 0x06f79d53, 0xa5dfcde5},
                               {0x5c3ed904, 0x515e7baf, 0x0aa4679f, 0x171c02bf},
                               {0x85623763, 0xe78f5d08, 0xcd673785, 0xd8ded291},
                               {0xb5826f73, 0xe3d6a7a6, 0x3d518b6d, 0x229effb4},
                               {0xc7566bf3, 0x9c10b3d9, 0xe9024d4e, 0xb272b7d2},
                               {0xf273c9e7, 0xf765a38b, 0x2ba9660a, 0xf63befa7},
                               {0x7a7cd609, 0x915839de, 0x0c06d1fd, 0xc0b0762d},
                               /* AesHash1R initial state 0..3 */
                               {0x92b52c0d, 0x9fa856de, 0xcc82db47, 0xd7983aad},
                               {0x338d996e, 0x15c7b798, 0xf59e125a, 0xace78057},
                               {0x6a770017, 0xae62c7d0, 0x5079506b, 0xe8a07ce4},
                               {0x630a240c, 0x07ad828d, 0x79a10005, 0x7e994948},
                               /* AesHash1R extra keys 0..1 */
                               {0xf6fa8389, 0x8b24949f, 0x90dc56bf, 0x06890201},
                               {0x61b263d1, 0x51f4e03c, 0xee1043c6, 0xed18f99b}};
    return c[which][idx];
}
#define RXREF_K_GEN1R 0
#define RXREF_K_GEN4R 4
#define RXREF_K_HASH_STATE 12
#define RXREF_K_HASH_XKEY 16

RXREF_FN void rxref_load_key(uint32_t k[4], int which)
{
    for (int i = 0; i < 4; i++)
        k[i] = rxref_aes_const(which, i);
}

RXREF_FN void rxref_ld_block(uint32_t s[4][4], const uint8_t *p)
{
    for (int l = 0; l < 4; l++)
        for (int i = 0; i < 4; i++)
            s[l][i] = rxref_ld32(p + 16 * l + 4 * i);
}
RXREF_FN void rxref_st_block(uint8_t *p, uint32_t s[4][4])
{
    for (int l = 0; l < 4; l++)
        memcpy(p + 16 * l, s[l], 16);
}

/* AesGenerator1R: fills out (len % 64 == 0) and updates the 64-byte state. */
RXREF_FN void rxref_fill_aes1rx4(const struct rxref_aes_tables *t, uint8_t state[64],
                                 size_t len, uint8_t *out)
{
    uint32_t s[4][4], k[4][4];
    rxref_ld_block(s, state);
    for (int l = 0; l < 4; l++)
        rxref_load_key(k[l], RXREF_K_GEN1R + l);
    for (size_t off = 0; off < len; off += 64) {
        rxref_aesdec(t, s[0], k[0]);
        rxref_aesenc(t, s[1], k[1]);
        rxref_aesdec(t, s[2], k[2]);
        rxref_aesenc(t, s[3], k[3]);
        rxref_st_block(out + off, s);
    }
    rxref_st_block(state, s);
}

/* AesGenerator4R: fills out (len % 64 == 0); the state is not updated. */
RXREF_FN void rxref_fill_aes4rx4(const struct rxref_aes_tables *t,
                                 const uint8_t state[64], size_t len, uint8_t *out)
{
    uint32_t s[4][4], k[8][4];
    rxref_ld_block(s, state);
    for (int i = 0; i < 8; i++)
        rxref_load_key(k[i], RXREF_K_GEN4R + i);
    for (size_t off = 0; off < len; off += 64) {
        for (int r = 0; r < 4; r++) {
            rxref_aesdec(t, s[0], k[r]);
            rxref_aesenc(t, s[1], k[r]);
            rxref_aesdec(t, s[2], k[r + 4]);
            rxref_aesenc(t, s[3], k[r + 4]);
        }
        rxref_st_block(out + off, s);
    }
}

/* AesHash1R: 64-byte fingerprint of in (len % 64 == 0). */
RXREF_FN void rxref_hash_aes1rx4(const struct rxref_aes_tables *t, const uint8_t *in,
                                 size_t len, uint8_t out[64])
{
    uint32_t s[4][4], blk[4][4], x[4];
    for (int l = 0; l < 4; l++)
        rxref_load_key(s[l], RXREF_K_HASH_STATE + l);
    for (size_t off = 0; off < len; off += 64) {
        rxref_ld_block(blk, in + off);
        rxref_aesenc(t, s[0], blk[0]);
        rxref_aesdec(t, s[1], blk[1]);
        rxref_aesenc(t, s[2], blk[2]);
        rxref_aesdec(t, s[3], blk[3]);
    }
    for (int r = 0; r < 2; r++) {
        rxref_load_key(x, RXREF_K_HASH_XKEY + r);
        rxref_aesenc(t, s[0], x);
        rxref_aesdec(t, s[1], x);
        rxref_aesenc(t, s[2], x);
        rxref_aesdec(t, s[3], x);
    }
    rxref_st_block(out, s);
}

#include "rxref_vm.h"
#include "rxref_ss.h"

#endif
