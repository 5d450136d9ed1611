/*
 * rxds kernel template: included by rxds_generic.c and rxds_avx2.c with
 * RXDS_KERN set to the function name (and RXDS_AVX2 for the intrinsics).
 * RXDS_LANES items in lock-step; each register holds its lanes as vectors
 * of 4 x 64 bits (GCC vector extensions: AVX2 ymm registers in the AVX2
 * unit, pairs of SSE2 registers or scalars elsewhere).
 */
#include <string.h>

#include "rxds_int.h"

#ifdef RXDS_AVX2
#include <immintrin.h>
#endif

typedef uint64_t rxds_vu __attribute__((vector_size(32)));
#define NV (RXDS_LANES / 4)

#ifdef RXDS_AVX2
/* 64 x 64 -> low 64 from three 32 x 32 -> 64 products. */
static inline rxds_vu v_mul(rxds_vu a, rxds_vu b)
{
    __m256i A = (__m256i)a, B = (__m256i)b;
    __m256i lh = _mm256_mul_epu32(A, _mm256_srli_epi64(B, 32));
    __m256i hl = _mm256_mul_epu32(_mm256_srli_epi64(A, 32), B);
    __m256i ll = _mm256_mul_epu32(A, B);
    return (rxds_vu)_mm256_add_epi64(ll,
                                     _mm256_slli_epi64(_mm256_add_epi64(lh, hl), 32));
}

/* High 64 bits of the unsigned 128-bit product. */
static inline __m256i v_mulhu_i(__m256i A, __m256i B)
{
    const __m256i m32 = _mm256_set1_epi64x(0xffffffffll);
    __m256i ah = _mm256_srli_epi64(A, 32), bh = _mm256_srli_epi64(B, 32);
    __m256i ll = _mm256_mul_epu32(A, B), lh = _mm256_mul_epu32(A, bh);
    __m256i hl = _mm256_mul_epu32(ah, B), hh = _mm256_mul_epu32(ah, bh);
    __m256i mid = _mm256_add_epi64(
        _mm256_add_epi64(_mm256_srli_epi64(ll, 32), _mm256_and_si256(lh, m32)),
        _mm256_and_si256(hl, m32));
    return _mm256_add_epi64(
        _mm256_add_epi64(hh, _mm256_srli_epi64(lh, 32)),
        _mm256_add_epi64(_mm256_srli_epi64(hl, 32), _mm256_srli_epi64(mid, 32)));
}

static inline rxds_vu v_mulhu(rxds_vu a, rxds_vu b)
{
    return (rxds_vu)v_mulhu_i((__m256i)a, (__m256i)b);
}

/* Signed: unsigned high minus (a < 0 ? b : 0) minus (b < 0 ? a : 0). */
static inline rxds_vu v_mulhs(rxds_vu a, rxds_vu b)
{
    __m256i A = (__m256i)a, B = (__m256i)b, z = _mm256_setzero_si256();
    __m256i h = v_mulhu_i(A, B);
    h = _mm256_sub_epi64(h, _mm256_and_si256(_mm256_cmpgt_epi64(z, A), B));
    h = _mm256_sub_epi64(h, _mm256_and_si256(_mm256_cmpgt_epi64(z, B), A));
    return (rxds_vu)h;
}
#else
static inline rxds_vu v_mul(rxds_vu a, rxds_vu b)
{
    return a * b;
}

static inline rxds_vu v_mulhu(rxds_vu a, rxds_vu b)
{
    rxds_vu r;
    for (int i = 0; i < 4; i++)
        r[i] = rxref_mulh(a[i], b[i]);
    return r;
}

static inline rxds_vu v_mulhs(rxds_vu a, rxds_vu b)
{
    rxds_vu r;
    for (int i = 0; i < 4; i++)
        r[i] = (uint64_t)rxref_smulh(a[i], b[i]);
    return r;
}
#endif

static void kern_exec(const struct rxds_prog *p, rxds_vu (*r)[NV])
{
    for (int i = 0; i < p->size; i++) {
        const struct rxds_op *in = &p->op[i];
        rxds_vu *d = r[in->dst];
        const rxds_vu *s = r[in->src];
        const uint64_t imm = in->imm;
        const int sh = in->shift;
        switch (in->type) {
        case RXSS_ISUB_R:
            for (int v = 0; v < NV; v++)
                d[v] -= s[v];
            break;
        case RXSS_IXOR_R:
            for (int v = 0; v < NV; v++)
                d[v] ^= s[v];
            break;
        case RXSS_IADD_RS:
            for (int v = 0; v < NV; v++)
                d[v] += s[v] << sh;
            break;
        case RXSS_IMUL_R:
            for (int v = 0; v < NV; v++)
                d[v] = v_mul(d[v], s[v]);
            break;
        case RXSS_IROR_C:
            for (int v = 0; v < NV; v++)
                d[v] = (d[v] >> sh) | (d[v] << ((64 - sh) & 63));
            break;
        case RXSS_IADD_C7:
        case RXSS_IADD_C8:
        case RXSS_IADD_C9:
            for (int v = 0; v < NV; v++)
                d[v] += imm;
            break;
        case RXSS_IXOR_C7:
        case RXSS_IXOR_C8:
        case RXSS_IXOR_C9:
            for (int v = 0; v < NV; v++)
                d[v] ^= imm;
            break;
        case RXSS_IMULH_R:
            for (int v = 0; v < NV; v++)
                d[v] = v_mulhu(d[v], s[v]);
            break;
        case RXSS_ISMULH_R:
            for (int v = 0; v < NV; v++)
                d[v] = v_mulhs(d[v], s[v]);
            break;
        default: { /* IMUL_RCP */
            const rxds_vu c = {imm, imm, imm, imm};
            for (int v = 0; v < NV; v++)
                d[v] = v_mul(d[v], c);
            break;
        }
        }
    }
}

void RXDS_KERN(const struct rxds_prog *progs, const uint64_t *cache, uint64_t first,
               uint8_t *out)
{
    union {
        rxds_vu v[8][NV];
        uint64_t u[8][RXDS_LANES];
    } R;
    uint64_t reg[RXDS_LANES];
    for (int l = 0; l < RXDS_LANES; l++) {
        uint64_t r[8];
        rxref_item_init(first + (uint64_t)l, r);
        for (int q = 0; q < 8; q++)
            R.u[q][l] = r[q];
        reg[l] = first + (uint64_t)l;
    }
    for (int p = 0; p < RXREF_SS_PROGRAMS; p++) {
        const uint64_t *line[RXDS_LANES];
        for (int l = 0; l < RXDS_LANES; l++) {
            line[l] = cache + (reg[l] & (RXREF_CACHE_LINES - 1)) * 8;
            __builtin_prefetch(line[l]);
        }
        kern_exec(&progs[p], R.v);
        for (int q = 0; q < 8; q++)
            for (int l = 0; l < RXDS_LANES; l++)
                R.u[q][l] ^= line[l][q];
        for (int l = 0; l < RXDS_LANES; l++)
            reg[l] = R.u[progs[p].address_reg][l];
    }
    for (int l = 0; l < RXDS_LANES; l++)
        for (int q = 0; q < 8; q++)
            rxref_st64(out + 64 * l + 8 * q, R.u[q][l]);
}
