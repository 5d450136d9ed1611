/*
 * rxref_ss — SuperscalarHash execution and dataset items (specs.md 6-7),
 * shared by the host light mode (rxref_light.c, which also generates the
 * programs) and the GPU dataset builder (emulator/cuda). Included by
 * rxref_core.h only.
 */
#ifndef RXREF_SS_H
#define RXREF_SS_H

#define RXREF_SS_MAX_SIZE 512 /* 3 * 170 + 2 */
#define RXREF_SS_PROGRAMS 8
#define RXREF_CACHE_BYTES (256u << 20)
#define RXREF_CACHE_LINES (RXREF_CACHE_BYTES / 64u)

enum rxref_ss_type {
    RXSS_NOP = -1,
    RXSS_ISUB_R,
    RXSS_IXOR_R,
    RXSS_IADD_RS,
    RXSS_IMUL_R,
    RXSS_IROR_C,
    RXSS_IADD_C7,
    RXSS_IXOR_C7,
    RXSS_IADD_C8,
    RXSS_IXOR_C8,
    RXSS_IADD_C9,
    RXSS_IXOR_C9,
    RXSS_IMULH_R,
    RXSS_ISMULH_R,
    RXSS_IMUL_RCP
};

struct rxref_ss_instr {
    uint8_t type, dst, src, mod;
    uint32_t imm32;
    uint64_t rcp; /* IMUL_RCP: the reciprocal, computed once */
};

struct rxref_ss_program {
    int size, address_reg;
    struct rxref_ss_instr code[RXREF_SS_MAX_SIZE];
};

RXREF_FN void rxref_ss_execute(const struct rxref_ss_program *p, uint64_t r[8])
{
    for (int i = 0; i < p->size; i++) {
        const struct rxref_ss_instr *in = &p->code[i];
        uint64_t *d = &r[in->dst], s = r[in->src];
        switch (in->type) {
        case RXSS_ISUB_R:
            *d -= s;
            break;
        case RXSS_IXOR_R:
            *d ^= s;
            break;
        case RXSS_IADD_RS:
            *d += s << ((in->mod >> 2) % 4);
            break;
        case RXSS_IMUL_R:
            *d *= s;
            break;
        case RXSS_IROR_C:
            *d = rxref_rotr64(*d, in->imm32);
            break;
        case RXSS_IADD_C7:
        case RXSS_IADD_C8:
        case RXSS_IADD_C9:
            *d += rxref_sext32(in->imm32);
            break;
        case RXSS_IXOR_C7:
        case RXSS_IXOR_C8:
        case RXSS_IXOR_C9:
            *d ^= rxref_sext32(in->imm32);
            break;
        case RXSS_IMULH_R:
            *d = rxref_mulh(*d, s);
            break;
        case RXSS_ISMULH_R:
            *d = rxref_smulh(*d, s);
            break;
        default:
            *d *= in->rcp;
            break; /* IMUL_RCP */
        }
    }
}

/* The registers an item starts from (specs.md 7.3, step 2). */
RXREF_FN void rxref_item_init(uint64_t index, uint64_t r[8])
{
    const uint64_t mul = 6364136223846793005ull;
    const uint64_t add[8] = {0,
                             9298411001130361340ull,
                             12065312585734608966ull,
                             9306329213124626780ull,
                             5281919268842080866ull,
                             10536153434571861004ull,
                             3398623926847679864ull,
                             9549104520008361294ull};
    r[0] = (index + 1) * mul;
    for (int i = 1; i < 8; i++)
        r[i] = r[0] ^ add[i];
}

/*
 * Dataset item `index` (specs.md 7.3) from the 256 MiB Argon2d cache
 * (little-endian words) and the 8 SuperscalarHash programs.
 */
RXREF_FN void rxref_dataset_item(const uint64_t *cache,
                                 const struct rxref_ss_program *progs, uint64_t index,
                                 uint8_t out[64])
{
    uint64_t r[8], reg = index;
    rxref_item_init(index, r);
    for (int i = 0; i < RXREF_SS_PROGRAMS; i++) {
        const uint64_t *line = cache + (reg & (RXREF_CACHE_LINES - 1)) * 8;
        rxref_ss_execute(&progs[i], r);
        for (int q = 0; q < 8; q++)
            r[q] ^= line[q];
        reg = r[progs[i].address_reg];
    }
    for (int q = 0; q < 8; q++)
        rxref_st64(out + 8 * q, r[q]);
}

#endif
