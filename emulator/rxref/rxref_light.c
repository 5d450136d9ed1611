/*
 * rxref_light — minerlab's own RandomX light mode (specs.md chapter 7):
 * the 256 MiB cache filled by Argon2d (3 passes, 1 lane, salt "RandomX\x03",
 * version 0x13), the eight SuperscalarHash programs generated from the key
 * by the CPU-model scheduler of specs.md 6.3, and dataset items computed from
 * them. Host only: the GPU reads the full dataset instead.
 */
#include "rxref.h"
#include "ml_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGON_BLOCKS 262144u /* 1 KiB blocks = 256 MiB */
#define ARGON_PASSES 3
#define ARGON_SEGMENT (ARGON_BLOCKS / 4)
#define SS_LATENCY 170

/* ----------------------------------------------------------- Argon2d -- */

/* Argon2's variable-length hash H' (RFC 9106 3.3); here outlen is 64 or 1024. */
static void blake2b_long(uint8_t *out, uint32_t outlen, const void *in, size_t inlen)
{
    struct rxref_blake2b s;
    uint8_t len_le[4], v[64];
    ml_store32le(len_le, outlen);
    if (outlen <= 64) {
        rxref_blake2b_init(&s, outlen);
        rxref_blake2b_update(&s, len_le, 4);
        rxref_blake2b_update(&s, in, inlen);
        rxref_blake2b_final(&s, out);
        return;
    }
    rxref_blake2b_init(&s, 64);
    rxref_blake2b_update(&s, len_le, 4);
    rxref_blake2b_update(&s, in, inlen);
    rxref_blake2b_final(&s, v);
    uint32_t done = 0;
    while (outlen - done > 64) {
        memcpy(out + done, v, 32);
        done += 32;
        rxref_blake2b(v, 64, v, 64);
    }
    memcpy(out + done, v, outlen - done);
}

static uint64_t blamka(uint64_t a, uint64_t b)
{
    return a + b + 2 * (uint64_t)(uint32_t)a * (uint32_t)b;
}

#define ARGON_G(a, b, c, d)                                                            \
    do {                                                                               \
        a = blamka(a, b);                                                              \
        d = rxref_rotr64(d ^ a, 32);                                                   \
        c = blamka(c, d);                                                              \
        b = rxref_rotr64(b ^ c, 24);                                                   \
        a = blamka(a, b);                                                              \
        d = rxref_rotr64(d ^ a, 16);                                                   \
        c = blamka(c, d);                                                              \
        b = rxref_rotr64(b ^ c, 63);                                                   \
    } while (0)

/* The Blake2b round without message on 16 words picked by idx. */
static void argon_round(uint64_t *r, const int idx[16])
{
    uint64_t *v[16];
    for (int i = 0; i < 16; i++)
        v[i] = &r[idx[i]];
    ARGON_G(*v[0], *v[4], *v[8], *v[12]);
    ARGON_G(*v[1], *v[5], *v[9], *v[13]);
    ARGON_G(*v[2], *v[6], *v[10], *v[14]);
    ARGON_G(*v[3], *v[7], *v[11], *v[15]);
    ARGON_G(*v[0], *v[5], *v[10], *v[15]);
    ARGON_G(*v[1], *v[6], *v[11], *v[12]);
    ARGON_G(*v[2], *v[7], *v[8], *v[13]);
    ARGON_G(*v[3], *v[4], *v[9], *v[14]);
}

/* next = G(prev ^ ref) (^ next on later passes, Argon2 v1.3). */
static void fill_block(const uint64_t *prev, const uint64_t *ref, uint64_t *next,
                       int with_xor)
{
    uint64_t r[128], tmp[128];
    int idx[16];
    for (int i = 0; i < 128; i++) {
        r[i] = prev[i] ^ ref[i];
        tmp[i] = with_xor ? r[i] ^ next[i] : r[i];
    }
    for (int i = 0; i < 8; i++) { /* rows: 16 consecutive words */
        for (int k = 0; k < 16; k++)
            idx[k] = 16 * i + k;
        argon_round(r, idx);
    }
    for (int i = 0; i < 8; i++) { /* columns: word pairs 2i, 2i+1 of each row */
        for (int k = 0; k < 8; k++) {
            idx[2 * k] = 2 * i + 16 * k;
            idx[2 * k + 1] = 2 * i + 16 * k + 1;
        }
        argon_round(r, idx);
    }
    for (int i = 0; i < 128; i++)
        next[i] = tmp[i] ^ r[i];
}

/* Argon2d with RandomX's parameters over mem (ARGON_BLOCKS * 128 words). */
static void argon2d_fill(uint64_t *mem, const void *key, size_t keylen)
{
    static const uint8_t salt[8] = {'R', 'a', 'n', 'd', 'o', 'm', 'X', 3};
    const uint32_t params[6] = {1, 0, ARGON_BLOCKS, ARGON_PASSES, 0x13, 0};
    uint8_t h0[72], le[4], block[1024];
    struct rxref_blake2b s;
    /* H0 = H(lanes, outlen (0: RandomX reads memory, not a tag), m, t,
     * version, type d, pwd, salt, secret (none), ad (none)). */
    rxref_blake2b_init(&s, 64);
    for (int i = 0; i < 6; i++) {
        ml_store32le(le, params[i]);
        rxref_blake2b_update(&s, le, 4);
    }
    ml_store32le(le, (uint32_t)keylen);
    rxref_blake2b_update(&s, le, 4);
    rxref_blake2b_update(&s, key, keylen);
    ml_store32le(le, sizeof(salt));
    rxref_blake2b_update(&s, le, 4);
    rxref_blake2b_update(&s, salt, sizeof(salt));
    ml_store32le(le, 0);
    rxref_blake2b_update(&s, le, 4);
    rxref_blake2b_update(&s, le, 4);
    rxref_blake2b_final(&s, h0);
    for (uint32_t b = 0; b < 2; b++) {
        ml_store32le(h0 + 64, b);
        ml_store32le(h0 + 68, 0); /* lane */
        blake2b_long(block, 1024, h0, 72);
        for (int w = 0; w < 128; w++)
            mem[128 * b + (size_t)w] = rxref_ld64(block + 8 * w);
    }
    for (uint32_t pass = 0; pass < ARGON_PASSES; pass++)
        for (uint32_t slice = 0; slice < 4; slice++)
            for (uint32_t index = (pass == 0 && slice == 0) ? 2 : 0;
                 index < ARGON_SEGMENT; index++) {
                uint32_t cur = slice * ARGON_SEGMENT + index;
                uint32_t prev = cur ? cur - 1 : ARGON_BLOCKS - 1;
                uint64_t rnd = mem[128 * (size_t)prev];
                uint32_t area;
                if (pass == 0)
                    area = slice * ARGON_SEGMENT + index - 1;
                else
                    area = ARGON_BLOCKS - ARGON_SEGMENT + index - 1;
                uint64_t rel = (uint32_t)rnd;
                rel = (rel * rel) >> 32;
                rel = area - 1 - ((area * rel) >> 32);
                uint32_t start =
                    (pass != 0 && slice != 3) ? (slice + 1) * ARGON_SEGMENT : 0;
                uint32_t ref = (uint32_t)((start + rel) % ARGON_BLOCKS);
                fill_block(&mem[128 * (size_t)prev], &mem[128 * (size_t)ref],
                           &mem[128 * (size_t)cur], pass != 0);
            }
}

/* ----------------------------------------------------- SuperscalarHash -- */

/* Blake2Generator (specs.md 3.4): bytes from Blake2b-512 chained on itself. */
struct b2gen {
    uint8_t data[64];
    size_t pos;
};

static void b2gen_init(struct b2gen *g, const void *key, size_t keylen)
{
    memset(g->data, 0, sizeof(g->data));
    memcpy(g->data, key, keylen > 60 ? 60 : keylen);
    ml_store32le(g->data + 60, 0); /* nonce */
    g->pos = sizeof(g->data);
}

static void b2gen_need(struct b2gen *g, size_t n)
{
    if (g->pos + n > sizeof(g->data)) {
        rxref_blake2b(g->data, 64, g->data, 64);
        g->pos = 0;
    }
}

static uint8_t b2gen_byte(struct b2gen *g)
{
    b2gen_need(g, 1);
    return g->data[g->pos++];
}

static uint32_t b2gen_u32(struct b2gen *g)
{
    b2gen_need(g, 4);
    uint32_t v = ml_load32le(g->data + g->pos);
    g->pos += 4;
    return v;
}

/* Execution ports of the reference CPU (a simplified Intel core). */
enum { P0 = 1, P1 = 2, P5 = 4, P01 = P0 | P1, P05 = P0 | P5, P015 = P0 | P1 | P5 };

/* A macro-op: x86 size in bytes, latency, 1 or 2 uops (0 = eliminated). */
struct mop {
    int size, latency, uop1, uop2, dependent;
};

static const struct mop MOP_SUB_RR = {3, 1, P015, 0, 0},
                        MOP_XOR_RR = {3, 1, P015, 0, 0}, MOP_IMUL_R = {3, 4, P1, P5, 0},
                        MOP_MUL_R = {3, 4, P1, P5, 0}, MOP_MOV_RR = {3, 0, 0, 0, 0},
                        MOP_LEA_SIB = {4, 1, P01, 0, 0}, MOP_IMUL_RR = {4, 3, P1, 0, 0},
                        MOP_ROR_RI = {4, 1, P05, 0, 0}, MOP_ADD_RI = {7, 1, P015, 0, 0},
                        MOP_XOR_RI = {7, 1, P015, 0, 0},
                        MOP_MOV_RI64 = {10, 1, P015, 0, 0},
                        MOP_IMUL_RR_DEP = {4, 3, P1, 0, 1};

struct ss_info {
    int type, nops;
    const struct mop *ops[3];
    int result_op, dst_op, src_op;
};

static const struct ss_info
    SI_NOP = {RXSS_NOP, 0, {NULL}, 0, 0, 0},
    SI_ISUB_R = {RXSS_ISUB_R, 1, {&MOP_SUB_RR}, 0, 0, 0},
    SI_IXOR_R = {RXSS_IXOR_R, 1, {&MOP_XOR_RR}, 0, 0, 0},
    SI_IADD_RS = {RXSS_IADD_RS, 1, {&MOP_LEA_SIB}, 0, 0, 0},
    SI_IMUL_R = {RXSS_IMUL_R, 1, {&MOP_IMUL_RR}, 0, 0, 0},
    SI_IROR_C = {RXSS_IROR_C, 1, {&MOP_ROR_RI}, 0, 0, -1},
    SI_IADD_C7 = {RXSS_IADD_C7, 1, {&MOP_ADD_RI}, 0, 0, -1},
    SI_IXOR_C7 = {RXSS_IXOR_C7, 1, {&MOP_XOR_RI}, 0, 0, -1},
    SI_IADD_C8 = {RXSS_IADD_C8, 1, {&MOP_ADD_RI}, 0, 0, -1},
    SI_IXOR_C8 = {RXSS_IXOR_C8, 1, {&MOP_XOR_RI}, 0, 0, -1},
    SI_IADD_C9 = {RXSS_IADD_C9, 1, {&MOP_ADD_RI}, 0, 0, -1},
    SI_IXOR_C9 = {RXSS_IXOR_C9, 1, {&MOP_XOR_RI}, 0, 0, -1},
    SI_IMULH_R = {RXSS_IMULH_R, 3, {&MOP_MOV_RR, &MOP_MUL_R, &MOP_MOV_RR}, 1, 0, 1},
    SI_ISMULH_R = {RXSS_ISMULH_R, 3, {&MOP_MOV_RR, &MOP_IMUL_R, &MOP_MOV_RR}, 1, 0, 1},
    SI_IMUL_RCP = {RXSS_IMUL_RCP, 2, {&MOP_MOV_RI64, &MOP_IMUL_RR_DEP}, 1, 1, -1};

/* Decoder configurations: how a 16-byte fetch window splits into slots. */
struct decode_buf {
    int index, n;
    int slots[4];
};
static const struct decode_buf DB_484 = {0, 3, {4, 8, 4}},
                               DB_7333 = {1, 4, {7, 3, 3, 3}},
                               DB_3733 = {2, 4, {3, 7, 3, 3}},
                               DB_493 = {3, 3, {4, 9, 3}},
                               DB_4444 = {4, 4, {4, 4, 4, 4}},
                               DB_3310 = {5, 3, {3, 3, 10}};

static const struct decode_buf *fetch_next(int prev_type, int cycle, int mul_count,
                                           struct b2gen *g)
{
    static const struct decode_buf *const def[4] = {&DB_484, &DB_7333, &DB_3733,
                                                    &DB_493};
    if (prev_type == RXSS_IMULH_R || prev_type == RXSS_ISMULH_R)
        return &DB_3310;
    if (mul_count < cycle + 1)
        return &DB_4444;
    if (prev_type == RXSS_IMUL_RCP)
        return (b2gen_byte(g) & 1) ? &DB_484 : &DB_493;
    return def[b2gen_byte(g) & 3];
}

/* The instruction being generated and its register-choice constraints. */
struct ss_cur {
    const struct ss_info *info;
    int src, dst, mod, group, group_par, can_reuse, par_is_src;
    uint32_t imm32;
};

struct reg_info {
    int latency, last_group, last_par;
};

static void ss_create(struct ss_cur *c, const struct ss_info *info, struct b2gen *g)
{
    c->info = info;
    c->src = c->dst = -1;
    c->can_reuse = c->par_is_src = 0;
    c->mod = 0;
    c->imm32 = 0;
    switch (info->type) {
    case RXSS_ISUB_R:
        c->group = RXSS_IADD_RS;
        c->par_is_src = 1;
        break;
    case RXSS_IXOR_R:
        c->group = RXSS_IXOR_R;
        c->par_is_src = 1;
        break;
    case RXSS_IADD_RS:
        c->mod = b2gen_byte(g);
        c->group = RXSS_IADD_RS;
        c->par_is_src = 1;
        break;
    case RXSS_IMUL_R:
        c->group = RXSS_IMUL_R;
        c->par_is_src = 1;
        break;
    case RXSS_IROR_C:
        do
            c->imm32 = b2gen_byte(g) & 63;
        while (c->imm32 == 0);
        c->group = RXSS_IROR_C;
        c->group_par = -1;
        break;
    case RXSS_IADD_C7:
    case RXSS_IADD_C8:
    case RXSS_IADD_C9:
        c->imm32 = b2gen_u32(g);
        c->group = RXSS_IADD_C7;
        c->group_par = -1;
        break;
    case RXSS_IXOR_C7:
    case RXSS_IXOR_C8:
    case RXSS_IXOR_C9:
        c->imm32 = b2gen_u32(g);
        c->group = RXSS_IXOR_C7;
        c->group_par = -1;
        break;
    case RXSS_IMULH_R:
    case RXSS_ISMULH_R:
        c->can_reuse = 1;
        c->group = info->type;
        c->group_par = (int32_t)b2gen_u32(g);
        break;
    case RXSS_IMUL_RCP:
        do
            c->imm32 = b2gen_u32(g);
        while ((c->imm32 & (c->imm32 - 1)) == 0);
        c->group = RXSS_IMUL_RCP;
        c->group_par = -1;
        break;
    default:
        break;
    }
}

static void ss_create_for_slot(struct ss_cur *c, int slot, int fetch_type, int is_last,
                               struct b2gen *g)
{
    static const struct ss_info *const s3[2] = {&SI_ISUB_R, &SI_IXOR_R};
    static const struct ss_info *const s3l[4] = {&SI_ISUB_R, &SI_IXOR_R, &SI_IMULH_R,
                                                 &SI_ISMULH_R};
    static const struct ss_info *const s4[2] = {&SI_IROR_C, &SI_IADD_RS};
    static const struct ss_info *const s7[2] = {&SI_IXOR_C7, &SI_IADD_C7};
    static const struct ss_info *const s8[2] = {&SI_IXOR_C8, &SI_IADD_C8};
    static const struct ss_info *const s9[2] = {&SI_IXOR_C9, &SI_IADD_C9};
    switch (slot) {
    case 3:
        ss_create(c, is_last ? s3l[b2gen_byte(g) & 3] : s3[b2gen_byte(g) & 1], g);
        break;
    case 4:
        if (fetch_type == 4 && !is_last)
            ss_create(c, &SI_IMUL_R, g);
        else
            ss_create(c, s4[b2gen_byte(g) & 1], g);
        break;
    case 7:
        ss_create(c, s7[b2gen_byte(g) & 1], g);
        break;
    case 8:
        ss_create(c, s8[b2gen_byte(g) & 1], g);
        break;
    case 9:
        ss_create(c, s9[b2gen_byte(g) & 1], g);
        break;
    default:
        ss_create(c, &SI_IMUL_RCP, g);
        break;
    }
}

static int select_register(const int *avail, int n, struct b2gen *g, int *reg)
{
    if (n == 0)
        return 0;
    *reg = avail[n > 1 ? b2gen_u32(g) % (uint32_t)n : 0];
    return 1;
}

static int select_dst(struct ss_cur *c, int cycle, int chained_mul,
                      const struct reg_info *regs, struct b2gen *g)
{
    int avail[8], n = 0;
    for (int i = 0; i < 8; i++)
        if (regs[i].latency <= cycle && (c->can_reuse || i != c->src) &&
            (chained_mul || c->group != RXSS_IMUL_R ||
             regs[i].last_group != RXSS_IMUL_R) &&
            (regs[i].last_group != c->group || regs[i].last_par != c->group_par) &&
            (c->info->type != RXSS_IADD_RS || i != 5))
            avail[n++] = i;
    return select_register(avail, n, g, &c->dst);
}

static int select_src(struct ss_cur *c, int cycle, const struct reg_info *regs,
                      struct b2gen *g)
{
    int avail[8], n = 0;
    for (int i = 0; i < 8; i++)
        if (regs[i].latency <= cycle)
            avail[n++] = i;
    /* r5 cannot be IADD_RS's destination: if it is one of two, take it as source. */
    if (n == 2 && c->info->type == RXSS_IADD_RS && (avail[0] == 5 || avail[1] == 5)) {
        c->group_par = c->src = 5;
        return 1;
    }
    if (!select_register(avail, n, g, &c->src))
        return 0;
    if (c->par_is_src)
        c->group_par = c->src;
    return 1;
}

#define CYCLE_MAP (SS_LATENCY + 4)
#define LOOK_FORWARD 4
#define MAX_THROWAWAY 256

/* First cycle >= cycle with a free port for uop (checked P5, P0, P1). */
static int schedule_uop(int uop, int (*busy)[3], int cycle, int commit)
{
    for (; cycle < CYCLE_MAP; cycle++) {
        static const int order[3][2] = {{P5, 2}, {P0, 0}, {P1, 1}};
        for (int k = 0; k < 3; k++)
            if ((uop & order[k][0]) && !busy[cycle][order[k][1]]) {
                if (commit)
                    busy[cycle][order[k][1]] = uop;
                return cycle;
            }
    }
    return -1;
}

static int schedule_mop(const struct mop *m, int (*busy)[3], int cycle, int dep_cycle,
                        int commit)
{
    if (m->dependent && dep_cycle > cycle)
        cycle = dep_cycle;
    if (!m->uop1)
        return cycle; /* eliminated mov */
    if (!m->uop2)
        return schedule_uop(m->uop1, busy, cycle, commit);
    /* Two uops are scheduled conservatively: both in the same cycle. */
    for (; cycle < CYCLE_MAP; cycle++) {
        int c1 = schedule_uop(m->uop1, busy, cycle, 0);
        int c2 = schedule_uop(m->uop2, busy, cycle, 0);
        if (c1 >= 0 && c1 == c2) {
            if (commit) {
                schedule_uop(m->uop1, busy, c1, 1);
                schedule_uop(m->uop2, busy, c2, 1);
            }
            return c1;
        }
    }
    return -1;
}

static int is_mul(int type)
{
    return type == RXSS_IMUL_R || type == RXSS_IMULH_R || type == RXSS_ISMULH_R ||
           type == RXSS_IMUL_RCP;
}

static void ss_emit(struct rxref_ss_program *p, const struct ss_cur *c)
{
    struct rxref_ss_instr *in = &p->code[p->size++];
    in->type = (uint8_t)c->info->type;
    in->dst = (uint8_t)c->dst;
    in->src = (uint8_t)(c->src >= 0 ? c->src : c->dst);
    in->mod = (uint8_t)c->mod;
    in->imm32 = c->imm32;
    in->rcp = c->info->type == RXSS_IMUL_RCP ? rxref_reciprocal(c->imm32) : 0;
}

/* The register an item's next cache line comes from: highest ASIC latency. */
static void ss_address_reg(struct rxref_ss_program *p)
{
    int lat[8] = {0}, best = 0;
    for (int i = 0; i < p->size; i++) {
        const struct rxref_ss_instr *in = &p->code[i];
        int ld = lat[in->dst] + 1, ls = in->dst != in->src ? lat[in->src] + 1 : 0;
        lat[in->dst] = ld > ls ? ld : ls;
    }
    p->address_reg = 0;
    for (int i = 0; i < 8; i++)
        if (lat[i] > best) {
            best = lat[i];
            p->address_reg = i;
        }
}

/*
 * Finds the source (is_src) or destination register, looking up to
 * LOOK_FORWARD cycles ahead (each miss delays the op and the decoder by a
 * cycle). 0 = found; 1 = throw the instruction away; -1 = too many
 * throw-aways, abandon the decode buffer.
 */
static int find_operand(struct ss_cur *cur, int is_src, int *sc, int *cycle,
                        int *throwaway, const struct reg_info *regs, struct b2gen *g)
{
    for (int fw = 0; fw < LOOK_FORWARD; fw++) {
        if (is_src ? select_src(cur, *sc, regs, g)
                   : select_dst(cur, *sc, *throwaway > 0, regs, g))
            return 0;
        (*sc)++;
        (*cycle)++;
    }
    if (*throwaway < MAX_THROWAWAY) {
        (*throwaway)++;
        return 1;
    }
    return -1;
}

/*
 * Generates one SuperscalarHash program (specs.md 6.3): simulates decoding
 * 16-byte windows and scheduling macro-ops on 3 ports until a port is busy
 * at cycle 170, choosing registers that are ready when each op executes.
 */
static void ss_generate(struct rxref_ss_program *p, struct b2gen *g)
{
    int busy[CYCLE_MAP][3];
    struct reg_info regs[8];
    struct ss_cur cur = {.info = &SI_NOP, .src = -1, .dst = -1};
    const struct decode_buf *db = NULL;
    int mop_index = 0, cycle = 0, dep_cycle = 0, saturated = 0, mul_count = 0,
        throwaway = 0;
    memset(busy, 0, sizeof(busy));
    for (int i = 0; i < 8; i++)
        regs[i] = (struct reg_info){0, -1, -1};
    p->size = 0;
    for (int dc = 0; dc < SS_LATENCY && !saturated && p->size < RXREF_SS_MAX_SIZE;
         dc++) {
        db = fetch_next(cur.info->type, dc, mul_count, g);
        int bi = 0;
        while (bi < db->n) {
            int top_cycle = cycle;
            if (mop_index >= cur.info->nops) {
                if (saturated)
                    break;
                ss_create_for_slot(&cur, db->slots[bi], db->index, db->n == bi + 1, g);
                mop_index = 0;
            }
            const struct mop *m = cur.info->ops[mop_index];
            int sc = schedule_mop(m, busy, cycle, dep_cycle, 0);
            if (sc < 0) {
                saturated = 1;
                break;
            }
            int found = 0;
            if (mop_index == cur.info->src_op)
                found = find_operand(&cur, 1, &sc, &cycle, &throwaway, regs, g);
            if (found == 0 && mop_index == cur.info->dst_op)
                found = find_operand(&cur, 0, &sc, &cycle, &throwaway, regs, g);
            if (found > 0) { /* try another instruction in this slot */
                mop_index = cur.info->nops;
                continue;
            }
            if (found < 0) { /* give up on this decode buffer */
                cur = (struct ss_cur){.info = &SI_NOP, .src = -1, .dst = -1};
                break;
            }
            throwaway = 0;
            sc = schedule_mop(m, busy, sc, sc, 1);
            if (sc < 0) {
                saturated = 1;
                break;
            }
            dep_cycle = sc + m->latency;
            if (mop_index == cur.info->result_op) {
                regs[cur.dst].latency = dep_cycle;
                regs[cur.dst].last_group = cur.group;
                regs[cur.dst].last_par = cur.group_par;
            }
            bi++;
            mop_index++;
            if (sc >= SS_LATENCY)
                saturated = 1;
            cycle = top_cycle;
            if (mop_index >= cur.info->nops) {
                ss_emit(p, &cur);
                mul_count += is_mul(cur.info->type);
            }
        }
        cycle++;
    }
    ss_address_reg(p);
}

/* ------------------------------------------------------------ the cache -- */

struct rxref_cache {
    uint64_t *mem; /* ARGON_BLOCKS * 128 words */
    struct rxref_ss_program prog[RXREF_SS_PROGRAMS];
};

int rxref_cache_create(struct rxref_cache **out, char *err, size_t errlen)
{
    struct rxref_cache *c = calloc(1, sizeof(*c));
    if (c && posix_memalign((void **)&c->mem, 64, (size_t)ARGON_BLOCKS * 1024) != 0)
        c->mem = NULL;
    if (!c || !c->mem) {
        free(c);
        if (err && errlen)
            snprintf(err, errlen, "rxref: out of memory for the 256 MiB cache");
        return -ENOMEM;
    }
    *out = c;
    return 0;
}

void rxref_ss_programs(const void *key, size_t keylen,
                       struct rxref_ss_program progs[RXREF_SS_PROGRAMS])
{
    struct b2gen g;
    b2gen_init(&g, key, keylen);
    for (int i = 0; i < RXREF_SS_PROGRAMS; i++)
        ss_generate(&progs[i], &g);
}

void rxref_argon2d_fill(uint64_t *mem, const void *key, size_t keylen)
{
    argon2d_fill(mem, key, keylen);
}

void rxref_cache_init(struct rxref_cache *c, const void *key, size_t keylen)
{
    argon2d_fill(c->mem, key, keylen);
    rxref_ss_programs(key, keylen, c->prog);
}

void rxref_cache_item(void *ud, uint64_t index, uint8_t out[64])
{
    const struct rxref_cache *c = ud;
    rxref_dataset_item(c->mem, c->prog, index, out);
}

const uint64_t *rxref_cache_memory(const struct rxref_cache *c)
{
    return c->mem;
}

const struct rxref_ss_program *rxref_cache_programs(const struct rxref_cache *c)
{
    return c->prog;
}

void rxref_cache_destroy(struct rxref_cache *c)
{
    if (!c)
        return;
    free(c->mem);
    free(c);
}
