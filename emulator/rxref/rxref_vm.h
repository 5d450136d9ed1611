/*
 * rxref_vm — program decoding and execution of the portable RandomX VM.
 * Included by rxref_core.h only (shares its RXREF_FN and helpers); see the
 * block comment there. Instruction semantics follow specs.md chapter 5.
 */
#ifndef RXREF_VM_H
#define RXREF_VM_H

enum rxref_op {
    RXI_IADD_RS,
    RXI_IADD_M,
    RXI_ISUB_R,
    RXI_ISUB_M,
    RXI_IMUL_R,
    RXI_IMUL_M,
    RXI_IMULH_R,
    RXI_IMULH_M,
    RXI_ISMULH_R,
    RXI_ISMULH_M,
    RXI_IMUL_RCP,
    RXI_INEG_R,
    RXI_IXOR_R,
    RXI_IXOR_M,
    RXI_IROR_R,
    RXI_IROL_R,
    RXI_ISWAP_R,
    RXI_FSWAP_R,
    RXI_FADD_R,
    RXI_FADD_M,
    RXI_FSUB_R,
    RXI_FSUB_M,
    RXI_FSCAL_R,
    RXI_FMUL_R,
    RXI_FDIV_M,
    RXI_FSQRT_R,
    RXI_CBRANCH,
    RXI_CFROUND,
    RXI_ISTORE,
    RXI_NOP,
    RXI_COUNT
};

/* A decoded instruction; src_imm marks the "src == dst: use imm32" forms. */
struct rxref_instr {
    uint8_t op;
    uint8_t dst;
    uint8_t src;
    uint8_t src_imm;
    uint32_t mem_mask; /* scratchpad mask, or the CBRANCH condition mask */
    uint64_t imm;      /* sign-extended imm32, reciprocal, or rotation */
    int32_t target;    /* CBRANCH: index of the instruction jumped *after* */
};

struct rxref_config {
    int read_reg[4];
    uint64_t dataset_offset;
    uint64_t emask[2];
};

struct rxref_regs {
    uint64_t r[8];
    double f[4][2], e[4][2], a[4][2];
};

/* Bytes of rxref_regs as Blake2b sees them (RegisterFile, 256 bytes). */
RXREF_FN void rxref_regs_bytes(const struct rxref_regs *g, uint8_t out[256])
{
    memcpy(out, g->r, 64);
    memcpy(out + 64, g->f, 64);
    memcpy(out + 128, g->e, 64);
    memcpy(out + 192, g->a, 64);
}

RXREF_FN uint64_t rxref_sext32(uint32_t x)
{
    return (x & 0x80000000u) ? (uint64_t)x | 0xffffffff00000000ull : x;
}

/* specs.md 5.2.4: the fixed-point reciprocal used by IMUL_RCP. */
RXREF_FN uint64_t rxref_reciprocal(uint64_t divisor)
{
    const uint64_t p2exp63 = 1ull << 63;
    uint64_t q = p2exp63 / divisor, rem = p2exp63 % divisor;
    unsigned bsr = 0;
    for (uint64_t bit = divisor; bit > 0; bit >>= 1)
        bsr++;
    for (unsigned s = 0; s < bsr; s++) {
        if (rem >= divisor - rem) {
            q = q * 2 + 1;
            rem = rem * 2 - divisor;
        } else {
            q = q * 2;
            rem = rem * 2;
        }
    }
    return q;
}

/* Opcode byte -> operation: each operation owns as many of the 256 opcode
 * values as its frequency (configuration.h, RandomX 1.x), in enum order. */
RXREF_FN void rxref_opcode_table(uint8_t tab[256])
{
    const uint8_t f[RXI_COUNT] = {16, 7, 16, 7,  16, 4,  4, 1, 4,  1, 8, 2,  15, 5,  8,
                                  2,  4, 4,  16, 5,  16, 5, 6, 32, 4, 6, 25, 1,  16, 0};
    int opcode = 0;
    for (int op = 0; op < RXI_COUNT; op++)
        for (int k = 0; k < f[op]; k++)
            tab[opcode++] = (uint8_t)op;
    while (opcode < 256) /* the frequencies sum to 256; defensive only */
        tab[opcode++] = RXI_NOP;
}

RXREF_FN uint32_t rxref_mem_mask(uint8_t mod)
{
    return (mod % 4) ? RXREF_L1_MASK : RXREF_L2_MASK;
}

/*
 * Decodes the 256 instructions of a generated program (the bytes after the
 * 128-byte entropy block), resolving CBRANCH targets with the register-usage
 * rule of specs.md 5.4.
 */
RXREF_FN void rxref_decode(const uint8_t *code, struct rxref_instr *prog)
{
    int32_t usage[8];
    uint8_t optab[256];
    rxref_opcode_table(optab);
    for (int i = 0; i < 8; i++)
        usage[i] = -1;
    for (int i = 0; i < RXREF_PROGRAM_SIZE; i++) {
        const uint8_t *b = code + 8 * i;
        struct rxref_instr *in = &prog[i];
        uint8_t mod = b[3];
        uint32_t imm32 = rxref_ld32(b + 4);
        int op = optab[b[0]];
        in->op = (uint8_t)op;
        in->dst = b[1] % 8;
        in->src = b[2] % 8;
        in->src_imm = in->src == in->dst;
        in->imm = rxref_sext32(imm32);
        in->mem_mask = rxref_mem_mask(mod);
        in->target = 0;
        switch (op) {
        case RXI_IADD_RS:
            in->src_imm = 0;
            in->imm = in->dst == 5 ? rxref_sext32(imm32) : 0; /* displacement */
            in->mem_mask = (mod >> 2) % 4;                    /* shift */
            usage[in->dst] = i;
            break;
        case RXI_IADD_M:
        case RXI_ISUB_M:
        case RXI_IMUL_M:
        case RXI_IMULH_M:
        case RXI_ISMULH_M:
        case RXI_IXOR_M:
            if (in->src_imm)
                in->mem_mask = RXREF_L3_MASK;
            usage[in->dst] = i;
            break;
        case RXI_IMULH_R:
        case RXI_ISMULH_R:
        case RXI_INEG_R:
            in->src_imm = 0;
            usage[in->dst] = i;
            break;
        case RXI_ISUB_R:
        case RXI_IMUL_R:
        case RXI_IXOR_R:
            usage[in->dst] = i;
            break;
        case RXI_IROR_R:
        case RXI_IROL_R:
            in->imm = imm32;
            usage[in->dst] = i;
            break;
        case RXI_IMUL_RCP:
            if (imm32 == 0 || (imm32 & (imm32 - 1)) == 0) {
                in->op = RXI_NOP;
            } else {
                in->imm = rxref_reciprocal(imm32);
                usage[in->dst] = i;
            }
            break;
        case RXI_ISWAP_R:
            if (in->src_imm) {
                in->op = RXI_NOP;
            } else {
                usage[in->dst] = i;
                usage[in->src] = i;
            }
            break;
        case RXI_FSWAP_R:
            break; /* dst 0..3 = f, 4..7 = e */
        case RXI_FADD_R:
        case RXI_FSUB_R:
        case RXI_FMUL_R:
            in->dst %= 4;
            in->src %= 4;
            break;
        case RXI_FADD_M:
        case RXI_FSUB_M:
        case RXI_FDIV_M:
        case RXI_FSCAL_R:
        case RXI_FSQRT_R:
            in->dst %= 4;
            in->src_imm = 0;
            break;
        case RXI_CBRANCH: {
            int shift = (mod >> 4) + 8;
            in->imm = rxref_sext32(imm32) | (1ull << shift);
            in->imm &= ~(1ull << (shift - 1));
            in->mem_mask = 0xffu << shift;
            in->target = usage[in->dst];
            for (int k = 0; k < 8; k++)
                usage[k] = i;
            break;
        }
        case RXI_CFROUND:
            in->imm = imm32 & 63;
            break;
        case RXI_ISTORE:
            if ((mod >> 4) >= 14)
                in->mem_mask = RXREF_L3_MASK;
            break;
        default:
            break;
        }
    }
}

/* ------------------------------------------------------- floating point -- */

enum { RXREF_FADD, RXREF_FSUB, RXREF_FMUL, RXREF_FDIV, RXREF_FSQRT };

/*
 * One double operation in rounding mode rm (0 nearest, 1 down, 2 up, 3 toward
 * zero — the MXCSR order CFROUND uses). On the host the mode is already in
 * effect through fesetround(); the device picks the intrinsic.
 */
RXREF_FN double rxref_fop(int kind, double a, double b, int rm)
{
#ifdef __CUDA_ARCH__
    switch (kind) {
    case RXREF_FADD:
        return rm == 0   ? __dadd_rn(a, b)
               : rm == 1 ? __dadd_rd(a, b)
               : rm == 2 ? __dadd_ru(a, b)
                         : __dadd_rz(a, b);
    case RXREF_FSUB:
        return rm == 0   ? __dsub_rn(a, b)
               : rm == 1 ? __dsub_rd(a, b)
               : rm == 2 ? __dsub_ru(a, b)
                         : __dsub_rz(a, b);
    case RXREF_FMUL:
        return rm == 0   ? __dmul_rn(a, b)
               : rm == 1 ? __dmul_rd(a, b)
               : rm == 2 ? __dmul_ru(a, b)
                         : __dmul_rz(a, b);
    case RXREF_FDIV:
        return rm == 0   ? __ddiv_rn(a, b)
               : rm == 1 ? __ddiv_rd(a, b)
               : rm == 2 ? __ddiv_ru(a, b)
                         : __ddiv_rz(a, b);
    default:
        return rm == 0   ? __dsqrt_rn(a)
               : rm == 1 ? __dsqrt_rd(a)
               : rm == 2 ? __dsqrt_ru(a)
                         : __dsqrt_rz(a);
    }
#else
    (void)rm;
    switch (kind) {
    case RXREF_FADD:
        return a + b;
    case RXREF_FSUB:
        return a - b;
    case RXREF_FMUL:
        return a * b;
    case RXREF_FDIV:
        return a / b;
    default:
        return sqrt(a);
    }
#endif
}

RXREF_FN void rxref_set_round(int rm)
{
#ifndef __CUDA_ARCH__
    static const int modes[4] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
    fesetround(modes[rm & 3]);
#else
    (void)rm;
#endif
}

RXREF_FN double rxref_u2d(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}
RXREF_FN uint64_t rxref_d2u(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* Two signed 32-bit integers at p -> two doubles (exact in any mode). */
RXREF_FN void rxref_cvt_pair(const uint8_t *p, double out[2])
{
    out[0] = (double)(int32_t)rxref_ld32(p);
    out[1] = (double)(int32_t)rxref_ld32(p + 4);
}

RXREF_FN void rxref_mask_e(const struct rxref_config *c, double v[2])
{
    const uint64_t mant = (1ull << 56) - 1; /* 52 mantissa + 4 exponent bits */
    for (int k = 0; k < 2; k++)
        v[k] = rxref_u2d((rxref_d2u(v[k]) & mant) | c->emask[k]);
}

/* ------------------------------------------------------------ integers -- */

RXREF_FN uint64_t rxref_mulh(uint64_t a, uint64_t b)
{
#ifdef __CUDA_ARCH__
    return __umul64hi(a, b);
#else
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
#endif
}
RXREF_FN uint64_t rxref_smulh(uint64_t a, uint64_t b)
{
#ifdef __CUDA_ARCH__
    return (uint64_t)__mul64hi((long long)a, (long long)b);
#else
    return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
#endif
}

/* ------------------------------------------------------------ dataset -- */

/*
 * Where dataset items come from. Device code and fast mode: `dataset` is
 * the whole 2080 MiB dataset. Host light mode: `item` computes one 64-byte
 * item on demand (e.g. from a librandomx cache, or rxref's own
 * SuperscalarHash).
 */
struct rxref_dsrc {
    const uint8_t *dataset;
#ifndef __CUDACC__
    void (*item)(void *ud, uint64_t index, uint8_t out[64]);
    void *item_ud;
#endif
};

RXREF_FN void rxref_dataset_read(const struct rxref_dsrc *ds, uint64_t addr,
                                 uint64_t r[8])
{
    const uint8_t *line;
#ifndef __CUDACC__
    uint8_t tmp[64];
    if (!ds->dataset) {
        ds->item(ds->item_ud, addr / 64, tmp);
        line = tmp;
    } else
#endif
        line = ds->dataset + addr;
    for (int i = 0; i < 8; i++)
        r[i] ^= rxref_ld64(line + 8 * i);
}

/* -------------------------------------------------------------- execute -- */

struct rxref_state {
    struct rxref_regs g;
    struct rxref_config cfg;
    uint32_t mx, ma;
    int rm;           /* current rounding mode, persists across the 8 programs */
    uint8_t seed[64]; /* Blake2b state chaining the programs */
    uint8_t program[RXREF_PROGRAM_BYTES];
    struct rxref_instr code[RXREF_PROGRAM_SIZE];
};

RXREF_FN uint64_t rxref_small_float_bits(uint64_t entropy)
{
    uint64_t exponent = entropy >> 59; /* 0..31 */
    uint64_t mantissa = entropy & ((1ull << 52) - 1);
    exponent = (exponent + 1023) & 2047;
    return (exponent << 52) | mantissa;
}

RXREF_FN uint64_t rxref_float_mask(uint64_t entropy)
{
    uint64_t exponent = 0x300 | ((entropy >> 60) << 4);
    return (entropy & ((1ull << 22) - 1)) | (exponent << 52);
}

/* specs.md 4.6.1-4.6.2: registers a, ma, mx, read registers, E masks. */
RXREF_FN void rxref_program_init(struct rxref_state *st)
{
    const uint8_t *e = st->program;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 2; k++)
            st->g.a[i][k] =
                rxref_u2d(rxref_small_float_bits(rxref_ld64(e + 16 * i + 8 * k)));
    st->ma = (uint32_t)(rxref_ld64(e + 64) & RXREF_LINE_MASK);
    st->mx = (uint32_t)rxref_ld64(e + 80);
    uint64_t addr_regs = rxref_ld64(e + 96);
    for (int i = 0; i < 4; i++)
        st->cfg.read_reg[i] = 2 * i + (int)((addr_regs >> i) & 1);
    st->cfg.dataset_offset =
        (rxref_ld64(e + 104) % (RXREF_DATASET_EXTRA_ITEMS + 1)) * 64;
    st->cfg.emask[0] = rxref_float_mask(rxref_ld64(e + 112));
    st->cfg.emask[1] = rxref_float_mask(rxref_ld64(e + 120));
    for (int i = 0; i < 8; i++)
        st->g.r[i] = 0;
    rxref_decode(e + 128, st->code);
}

RXREF_FN void rxref_exec_float(struct rxref_state *st, const struct rxref_instr *in,
                               const uint8_t *sp, uint64_t *r)
{
    struct rxref_regs *g = &st->g;
    double m[2];
    int kind = RXREF_FADD;
    double(*dst)[2] = g->f;
    switch (in->op) {
    case RXI_FSWAP_R: {
        double *v = in->dst < 4 ? g->f[in->dst] : g->e[in->dst - 4];
        double t = v[0];
        v[0] = v[1];
        v[1] = t;
        return;
    }
    case RXI_FSCAL_R:
        for (int k = 0; k < 2; k++)
            g->f[in->dst][k] =
                rxref_u2d(rxref_d2u(g->f[in->dst][k]) ^ 0x80F0000000000000ull);
        return;
    case RXI_FSQRT_R:
        for (int k = 0; k < 2; k++)
            g->e[in->dst][k] = rxref_fop(RXREF_FSQRT, g->e[in->dst][k], 0, st->rm);
        return;
    case RXI_FADD_R:
    case RXI_FSUB_R:
        kind = in->op == RXI_FADD_R ? RXREF_FADD : RXREF_FSUB;
        m[0] = g->a[in->src][0];
        m[1] = g->a[in->src][1];
        break;
    case RXI_FMUL_R:
        kind = RXREF_FMUL;
        dst = g->e;
        m[0] = g->a[in->src][0];
        m[1] = g->a[in->src][1];
        break;
    default: /* FADD_M, FSUB_M, FDIV_M */
        rxref_cvt_pair(sp + ((r[in->src] + in->imm) & in->mem_mask), m);
        kind = in->op == RXI_FADD_M   ? RXREF_FADD
               : in->op == RXI_FSUB_M ? RXREF_FSUB
                                      : RXREF_FDIV;
        if (kind == RXREF_FDIV) {
            rxref_mask_e(&st->cfg, m);
            dst = g->e;
        }
        break;
    }
    for (int k = 0; k < 2; k++)
        dst[in->dst][k] = rxref_fop(kind, dst[in->dst][k], m[k], st->rm);
}

/* Runs the decoded program once (one of the 2048 iterations). */
RXREF_FN void rxref_exec_program(struct rxref_state *st, uint8_t *sp)
{
    uint64_t *r = st->g.r;
    for (int pc = 0; pc < RXREF_PROGRAM_SIZE; pc++) {
        const struct rxref_instr *in = &st->code[pc];
        uint64_t *d = &r[in->dst];
        uint64_t src = in->src_imm ? in->imm : r[in->src];
        switch (in->op) {
        case RXI_IADD_RS:
            *d += (r[in->src] << in->mem_mask) + in->imm;
            break;
        case RXI_ISUB_R:
            *d -= src;
            break;
        case RXI_IMUL_R:
        case RXI_IMUL_RCP:
            *d *= in->op == RXI_IMUL_RCP ? in->imm : src;
            break;
        case RXI_IMULH_R:
            *d = rxref_mulh(*d, r[in->src]);
            break;
        case RXI_ISMULH_R:
            *d = rxref_smulh(*d, r[in->src]);
            break;
        case RXI_INEG_R:
            *d = ~*d + 1;
            break;
        case RXI_IXOR_R:
            *d ^= src;
            break;
        case RXI_IROR_R:
            *d = rxref_rotr64(*d, (unsigned)(src & 63));
            break;
        case RXI_IROL_R:
            *d = rxref_rotl64(*d, (unsigned)(src & 63));
            break;
        case RXI_ISWAP_R: {
            uint64_t t = *d;
            *d = r[in->src];
            r[in->src] = t;
            break;
        }
        case RXI_IADD_M:
        case RXI_ISUB_M:
        case RXI_IMUL_M:
        case RXI_IMULH_M:
        case RXI_ISMULH_M:
        case RXI_IXOR_M: {
            uint64_t base = in->src_imm ? 0 : r[in->src];
            uint64_t v = rxref_ld64(sp + ((base + in->imm) & in->mem_mask));
            switch (in->op) {
            case RXI_IADD_M:
                *d += v;
                break;
            case RXI_ISUB_M:
                *d -= v;
                break;
            case RXI_IMUL_M:
                *d *= v;
                break;
            case RXI_IMULH_M:
                *d = rxref_mulh(*d, v);
                break;
            case RXI_ISMULH_M:
                *d = rxref_smulh(*d, v);
                break;
            default:
                *d ^= v;
                break;
            }
            break;
        }
        case RXI_CBRANCH:
            *d += in->imm;
            if ((*d & in->mem_mask) == 0)
                pc = in->target;
            break;
        case RXI_CFROUND:
            st->rm = (int)(rxref_rotr64(r[in->src], (unsigned)in->imm) % 4);
            rxref_set_round(st->rm);
            break;
        case RXI_ISTORE:
            rxref_st64(sp + ((*d + in->imm) & in->mem_mask), r[in->src]);
            break;
        case RXI_NOP:
            break;
        default:
            rxref_exec_float(st, in, sp, r);
            break;
        }
    }
}

/*
 * specs.md 4.6.2: iterations [from, to) of a program's 2048. Only the first
 * iteration starts its scratchpad addresses from mx/ma (later ones start
 * from 0), so the loop can be cut anywhere: the GPU runs it in slices.
 */
RXREF_FN void rxref_run_iters(struct rxref_state *st, uint8_t *sp,
                              const struct rxref_dsrc *ds, int from, int to)
{
    uint64_t *r = st->g.r;
    const int *rr = st->cfg.read_reg;
    uint32_t sp0 = from == 0 ? st->mx : 0, sp1 = from == 0 ? st->ma : 0;
    for (int ic = from; ic < to; ic++) {
        uint64_t mix = r[rr[0]] ^ r[rr[1]];
        sp0 = (uint32_t)((sp0 ^ mix) & RXREF_L3_MASK64);
        sp1 = (uint32_t)((sp1 ^ (mix >> 32)) & RXREF_L3_MASK64);
        for (int i = 0; i < 8; i++)
            r[i] ^= rxref_ld64(sp + sp0 + 8 * i);
        for (int i = 0; i < 4; i++) {
            rxref_cvt_pair(sp + sp1 + 8 * i, st->g.f[i]);
            rxref_cvt_pair(sp + sp1 + 32 + 8 * i, st->g.e[i]);
            rxref_mask_e(&st->cfg, st->g.e[i]);
        }
        rxref_exec_program(st, sp);
        st->mx = (uint32_t)((st->mx ^ r[rr[2]] ^ r[rr[3]]) & RXREF_LINE_MASK);
        rxref_dataset_read(ds, st->cfg.dataset_offset + st->ma, r);
        uint32_t t = st->mx;
        st->mx = st->ma;
        st->ma = t;
        for (int i = 0; i < 8; i++)
            rxref_st64(sp + sp1 + 8 * i, r[i]);
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 2; k++) {
                uint64_t v = rxref_d2u(st->g.f[i][k]) ^ rxref_d2u(st->g.e[i][k]);
                st->g.f[i][k] = rxref_u2d(v);
                rxref_st64(sp + sp0 + 16 * i + 8 * k, v);
            }
        sp0 = 0;
        sp1 = 0;
    }
}

/*
 * One RandomX hash (specs.md 4.2) in steps, so that a GPU can run it as
 * many short kernel launches (finer duty cycle, quick abandon of stale work):
 *   rxref_hash_begin        Blake2b of the input, scratchpad fill, mode reset
 *   rxref_hash_program_part program `chain` (0..7), iterations [from, to):
 *                           from == 0 generates and decodes the program,
 *                           to == 2048 chains the register file into the seed
 *   rxref_hash_end          AesHash1R of the scratchpad, final Blake2b-256
 * scratchpad: RXREF_SCRATCHPAD_L3 bytes; st: caller-provided work area
 * (about 9 KiB) that carries everything between steps, the rounding mode
 * included. On the host the caller's rounding mode is clobbered;
 * rxref_vm_hash() in rxref.c restores it.
 */
RXREF_FN void rxref_hash_begin(const struct rxref_aes_tables *t, struct rxref_state *st,
                               uint8_t *sp, const void *in, size_t len)
{
    rxref_blake2b(st->seed, 64, in, len);
    rxref_fill_aes1rx4(t, st->seed, RXREF_SCRATCHPAD_L3, sp);
    st->rm = 0;
    rxref_set_round(0);
}

RXREF_FN void rxref_hash_program_part(const struct rxref_aes_tables *t,
                                      const struct rxref_dsrc *ds,
                                      struct rxref_state *st, uint8_t *sp, int chain,
                                      int from, int to)
{
    uint8_t regs[256];
    rxref_set_round(st->rm);
    if (from == 0) {
        rxref_fill_aes4rx4(t, st->seed, RXREF_PROGRAM_BYTES, st->program);
        rxref_program_init(st);
    }
    rxref_run_iters(st, sp, ds, from, to);
    if (to == RXREF_PROGRAM_ITERATIONS && chain < RXREF_PROGRAM_COUNT - 1) {
        rxref_regs_bytes(&st->g, regs);
        rxref_blake2b(st->seed, 64, regs, 256);
    }
}

RXREF_FN void rxref_hash_program(const struct rxref_aes_tables *t,
                                 const struct rxref_dsrc *ds, struct rxref_state *st,
                                 uint8_t *sp, int chain)
{
    rxref_hash_program_part(t, ds, st, sp, chain, 0, RXREF_PROGRAM_ITERATIONS);
}

RXREF_FN void rxref_hash_end(const struct rxref_aes_tables *t, struct rxref_state *st,
                             const uint8_t *sp, uint8_t out[32])
{
    uint8_t regs[256];
    rxref_regs_bytes(&st->g, regs);
    rxref_hash_aes1rx4(t, sp, RXREF_SCRATCHPAD_L3, regs + 192);
    rxref_blake2b(out, 32, regs, 256);
}

RXREF_FN void rxref_hash_core(const struct rxref_aes_tables *t,
                              const struct rxref_dsrc *ds, struct rxref_state *st,
                              uint8_t *sp, const void *in, size_t len, uint8_t out[32])
{
    rxref_hash_begin(t, st, sp, in, len);
    for (int chain = 0; chain < RXREF_PROGRAM_COUNT; chain++)
        rxref_hash_program(t, ds, st, sp, chain);
    rxref_hash_end(t, st, sp, out);
}

#endif
