/*
 * rxds_jit — x86-64 AVX2 code for the SuperscalarHash programs, four dataset
 * items per call: register r0..r7 of four items live in ymm0..ymm7 for the
 * whole program, ymm8..ymm14 are temporaries, ymm15 holds 0x00000000ffffffff
 * in every lane. 64-bit multiplies are built from vpmuludq (32 x 32 -> 64):
 * the low half from three products, the unsigned high half from four, the
 * signed high half from the unsigned one with the two sign corrections.
 * The driver (below, AVX2 intrinsics; this unit is compiled with -mavx2)
 * runs RXDS_LANES items as RXDS_LANES / 4 independent groups, one program at
 * a time per group, and prefetches each group's next cache line as soon as
 * its address is known, so several cache misses are in flight while the
 * other groups compute.
 */
#if defined(__x86_64__)
#include "rxds_jit.h"

#include <errno.h>
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define JIT_PROG_BYTES (RXREF_SS_MAX_SIZE * 160 + 256)
#define JIT_BYTES (RXREF_SS_PROGRAMS * JIT_PROG_BYTES)
#define JIT_CONSTS (2 * RXREF_SS_MAX_SIZE + 1)

typedef void (*jit_fn)(void *regs, const void *consts);

struct rxds_jit {
    uint8_t *code; /* JIT_BYTES, RX after compile */
    jit_fn fn[RXREF_SS_PROGRAMS];
    uint64_t (*consts)[JIT_CONSTS][4]; /* per program, 32-byte broadcasts */
    int nconst[RXREF_SS_PROGRAMS];
    int address_reg[RXREF_SS_PROGRAMS];
};

struct em {
    uint8_t *p;
};

enum { T0 = 8, T1, T2, T3, T4, T5, T6, MASK = 15, RDI = 7, RSI = 6 };
enum {
    OP_PADDQ = 0xD4,
    OP_PSUBQ = 0xFB,
    OP_PXOR = 0xEF,
    OP_POR = 0xEB,
    OP_PAND = 0xDB,
    OP_PMULUDQ = 0xF4
};

/* A 3-byte-VEX, 256-bit instruction; rm is a register or [base + disp32]. */
static void vex(struct em *e, int map, int pp, int opc, int reg, int vvvv, int rm,
                int mem, int32_t disp)
{
    uint8_t *p = e->p;
    *p++ = 0xC4;
    *p++ = (uint8_t)((!(reg & 8)) << 7 | 1 << 6 | (!(rm & 8)) << 5 | map);
    *p++ = (uint8_t)((~vvvv & 15) << 3 | 1 << 2 | pp);
    *p++ = (uint8_t)opc;
    if (!mem) {
        *p++ = (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7));
    } else {
        *p++ = (uint8_t)(0x80 | (reg & 7) << 3 | (rm & 7));
        memcpy(p, &disp, 4);
        p += 4;
    }
    e->p = p;
}

/* d = a OP b (66 0F map). */
static void v3(struct em *e, int opc, int d, int a, int b)
{
    vex(e, 1, 1, opc, d, a, b, 0, 0);
}

/* d = a OP [rsi + 32 * k]. */
static void v3m(struct em *e, int opc, int d, int a, int k)
{
    vex(e, 1, 1, opc, d, a, RSI, 1, 32 * k);
}

/* d = (a > b) signed, per 64-bit lane (vpcmpgtq, 66 0F38 37). */
static void vcmpgt(struct em *e, int d, int a, int b)
{
    vex(e, 2, 1, 0x37, d, a, b, 0, 0);
}

/* d = s << n (left) or s >> n (logical), n in 1..63. */
static void vshift(struct em *e, int d, int s, int n, int left)
{
    vex(e, 1, 1, 0x73, left ? 6 : 2, d, s, 0, 0);
    *e->p++ = (uint8_t)n;
}

/* vmovdqu ymm <-> [rdi + 32 * i]. */
static void vmov_regs(struct em *e, int ymm, int i, int store)
{
    vex(e, 1, 2, store ? 0x7F : 0x6F, ymm, 0, RDI, 1, 32 * i);
}

static int add_const(struct rxds_jit *j, int p, uint64_t v)
{
    int k = j->nconst[p]++;
    for (int l = 0; l < 4; l++)
        j->consts[p][k][l] = v;
    return k;
}

/* hi = high 64 bits of a * b (unsigned); leaves it in T5, the mid sum in T2. */
static void emit_mulhu(struct em *e, int a, int b)
{
    vshift(e, T0, a, 32, 0);       /* ah */
    vshift(e, T1, b, 32, 0);       /* bh */
    v3(e, OP_PMULUDQ, T2, a, b);   /* ll */
    v3(e, OP_PMULUDQ, T3, a, T1);  /* lh */
    v3(e, OP_PMULUDQ, T4, T0, b);  /* hl */
    v3(e, OP_PMULUDQ, T5, T0, T1); /* hh */
    vshift(e, T2, T2, 32, 0);      /* ll >> 32 */
    v3(e, OP_PAND, T6, T3, MASK);
    v3(e, OP_PADDQ, T2, T2, T6);
    v3(e, OP_PAND, T6, T4, MASK);
    v3(e, OP_PADDQ, T2, T2, T6); /* mid */
    vshift(e, T3, T3, 32, 0);
    v3(e, OP_PADDQ, T5, T5, T3);
    vshift(e, T4, T4, 32, 0);
    v3(e, OP_PADDQ, T5, T5, T4);
}

static void emit_op(struct rxds_jit *j, int p, struct em *e, const struct rxds_op *o)
{
    int d = o->dst, s = o->src;
    switch (o->type) {
    case RXSS_ISUB_R:
        v3(e, OP_PSUBQ, d, d, s);
        break;
    case RXSS_IXOR_R:
        v3(e, OP_PXOR, d, d, s);
        break;
    case RXSS_IADD_RS:
        if (o->shift) {
            vshift(e, T0, s, o->shift, 1);
            v3(e, OP_PADDQ, d, d, T0);
        } else {
            v3(e, OP_PADDQ, d, d, s);
        }
        break;
    case RXSS_IROR_C:
        if (o->shift) {
            vshift(e, T0, d, o->shift, 0);
            vshift(e, d, d, 64 - o->shift, 1);
            v3(e, OP_POR, d, d, T0);
        }
        break;
    case RXSS_IADD_C7:
    case RXSS_IADD_C8:
    case RXSS_IADD_C9:
        v3m(e, OP_PADDQ, d, d, add_const(j, p, o->imm));
        break;
    case RXSS_IXOR_C7:
    case RXSS_IXOR_C8:
    case RXSS_IXOR_C9:
        v3m(e, OP_PXOR, d, d, add_const(j, p, o->imm));
        break;
    case RXSS_IMUL_R:
        vshift(e, T0, s, 32, 0);
        v3(e, OP_PMULUDQ, T0, T0, d); /* d_lo * s_hi */
        vshift(e, T1, d, 32, 0);
        v3(e, OP_PMULUDQ, T1, T1, s); /* d_hi * s_lo */
        v3(e, OP_PADDQ, T0, T0, T1);
        vshift(e, T0, T0, 32, 1);
        v3(e, OP_PMULUDQ, d, d, s);
        v3(e, OP_PADDQ, d, d, T0);
        break;
    case RXSS_IMULH_R:
    case RXSS_ISMULH_R:
        emit_mulhu(e, d, s);
        if (o->type == RXSS_ISMULH_R) {
            v3(e, OP_PXOR, T6, T6, T6);
            vcmpgt(e, T6, T6, d); /* d < 0 */
            v3(e, OP_PAND, T6, T6, s);
            v3(e, OP_PSUBQ, T5, T5, T6);
            v3(e, OP_PXOR, T6, T6, T6);
            vcmpgt(e, T6, T6, s); /* s < 0 */
            v3(e, OP_PAND, T6, T6, d);
            v3(e, OP_PSUBQ, T5, T5, T6);
        }
        vshift(e, T2, T2, 32, 0);
        v3(e, OP_PADDQ, d, T5, T2);
        break;
    default: { /* IMUL_RCP */
        int k = add_const(j, p, o->imm), kh = add_const(j, p, o->imm >> 32);
        v3m(e, OP_PMULUDQ, T0, d, kh); /* d_lo * c_hi */
        vshift(e, T1, d, 32, 0);
        v3m(e, OP_PMULUDQ, T1, T1, k); /* d_hi * c_lo */
        v3(e, OP_PADDQ, T0, T0, T1);
        vshift(e, T0, T0, 32, 1);
        v3m(e, OP_PMULUDQ, d, d, k);
        v3(e, OP_PADDQ, d, d, T0);
        break;
    }
    }
}

int rxds_jit_create(struct rxds_jit **out)
{
    struct rxds_jit *j = calloc(1, sizeof(*j));
    if (!j)
        return -ENOMEM;
    if (posix_memalign((void **)&j->consts, 64,
                       sizeof(*j->consts) * RXREF_SS_PROGRAMS) != 0) {
        free(j);
        return -ENOMEM;
    }
    j->code = mmap(NULL, JIT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (j->code == MAP_FAILED) {
        free(j->consts);
        free(j);
        return -ENOMEM;
    }
    *out = j;
    return 0;
}

int rxds_jit_compile(struct rxds_jit *j, const struct rxds_prog *progs)
{
    if (mprotect(j->code, JIT_BYTES, PROT_READ | PROT_WRITE) != 0)
        return -errno;
    for (int p = 0; p < RXREF_SS_PROGRAMS; p++) {
        struct em e = {j->code + (size_t)p * JIT_PROG_BYTES};
        j->nconst[p] = 0;
        add_const(j, p, 0xffffffffull);
        j->address_reg[p] = progs[p].address_reg;
        for (int r = 0; r < 8; r++)
            vmov_regs(&e, r, r, 0);
        vex(&e, 1, 2, 0x6F, MASK, 0, RSI, 1, 0); /* vmovdqu ymm15, [rsi] */
        for (int i = 0; i < progs[p].size; i++)
            emit_op(j, p, &e, &progs[p].op[i]);
        for (int r = 0; r < 8; r++)
            vmov_regs(&e, r, r, 1);
        *e.p++ = 0xC5; /* vzeroupper */
        *e.p++ = 0xF8;
        *e.p++ = 0x77;
        *e.p++ = 0xC3; /* ret */
        j->fn[p] = (jit_fn)(void *)(j->code + (size_t)p * JIT_PROG_BYTES);
    }
    if (mprotect(j->code, JIT_BYTES, PROT_READ | PROT_EXEC) != 0)
        return -errno;
    return 0;
}

/* 4 x 4 transpose of 64-bit lanes (its own inverse). */
static inline void transpose4(__m256i *a, __m256i *b, __m256i *c, __m256i *d)
{
    __m256i t0 = _mm256_unpacklo_epi64(*a, *b), t1 = _mm256_unpackhi_epi64(*a, *b);
    __m256i t2 = _mm256_unpacklo_epi64(*c, *d), t3 = _mm256_unpackhi_epi64(*c, *d);
    *a = _mm256_permute2x128_si256(t0, t2, 0x20);
    *b = _mm256_permute2x128_si256(t1, t3, 0x20);
    *c = _mm256_permute2x128_si256(t0, t2, 0x31);
    *d = _mm256_permute2x128_si256(t1, t3, 0x31);
}

#define G (RXDS_LANES / 4)

void rxds_jit_items(const struct rxds_jit *j, const uint64_t *cache, uint64_t first,
                    uint8_t *out)
{
    union {
        __m256i v[8];
        uint64_t u[8][4];
    } R[G];
    const uint64_t *line[G][4];
    for (int g = 0; g < G; g++)
        for (int l = 0; l < 4; l++) {
            uint64_t idx = first + (uint64_t)(4 * g + l);
            uint64_t r[8];
            rxref_item_init(idx, r);
            for (int q = 0; q < 8; q++)
                R[g].u[q][l] = r[q];
            line[g][l] = cache + (idx & (RXREF_CACHE_LINES - 1)) * 8;
            _mm_prefetch((const char *)line[g][l], _MM_HINT_T0);
        }
    for (int p = 0; p < RXREF_SS_PROGRAMS; p++) {
        for (int g = 0; g < G; g++) {
            j->fn[p](R[g].v, j->consts[p]);
            for (int h = 0; h < 2; h++) {
                __m256i a = _mm256_loadu_si256((const __m256i *)(line[g][0] + 4 * h));
                __m256i b = _mm256_loadu_si256((const __m256i *)(line[g][1] + 4 * h));
                __m256i c = _mm256_loadu_si256((const __m256i *)(line[g][2] + 4 * h));
                __m256i d = _mm256_loadu_si256((const __m256i *)(line[g][3] + 4 * h));
                transpose4(&a, &b, &c, &d);
                R[g].v[4 * h + 0] = _mm256_xor_si256(R[g].v[4 * h + 0], a);
                R[g].v[4 * h + 1] = _mm256_xor_si256(R[g].v[4 * h + 1], b);
                R[g].v[4 * h + 2] = _mm256_xor_si256(R[g].v[4 * h + 2], c);
                R[g].v[4 * h + 3] = _mm256_xor_si256(R[g].v[4 * h + 3], d);
            }
            if (p + 1 < RXREF_SS_PROGRAMS)
                for (int l = 0; l < 4; l++) {
                    uint64_t reg = R[g].u[j->address_reg[p]][l];
                    line[g][l] = cache + (reg & (RXREF_CACHE_LINES - 1)) * 8;
                    _mm_prefetch((const char *)line[g][l], _MM_HINT_T0);
                }
        }
    }
    for (int g = 0; g < G; g++)
        for (int h = 0; h < 2; h++) {
            __m256i a = R[g].v[4 * h], b = R[g].v[4 * h + 1];
            __m256i c = R[g].v[4 * h + 2], d = R[g].v[4 * h + 3];
            transpose4(&a, &b, &c, &d);
            uint8_t *o = out + (size_t)(4 * g) * 64 + 32 * (size_t)h;
            _mm256_storeu_si256((__m256i *)(o + 0), a);
            _mm256_storeu_si256((__m256i *)(o + 64), b);
            _mm256_storeu_si256((__m256i *)(o + 128), c);
            _mm256_storeu_si256((__m256i *)(o + 192), d);
        }
}

void rxds_jit_destroy(struct rxds_jit *j)
{
    if (!j)
        return;
    munmap(j->code, JIT_BYTES);
    free(j->consts);
    free(j);
}
#endif
