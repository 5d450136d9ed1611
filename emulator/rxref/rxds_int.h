/* rxds internals shared by rxds.c and the kernel translation units. */
#ifndef RXDS_INT_H
#define RXDS_INT_H

#include <stdint.h>

#include "rxds.h"
#include "rxref_core.h"

/* One decoded SuperscalarHash instruction. */
struct rxds_op {
    uint8_t type, dst, src, shift; /* shift: IADD_RS; rotation: IROR_C */
    uint32_t pad;
    uint64_t imm; /* sign-extended constant, or the IMUL_RCP reciprocal */
};

struct rxds_prog {
    int size, address_reg;
    struct rxds_op op[RXREF_SS_MAX_SIZE];
};

typedef void (*rxds_kern_fn)(const struct rxds_prog *progs, const uint64_t *cache,
                             uint64_t first, uint8_t *out);

/* Each computes RXDS_LANES consecutive items starting at first. */
void rxds_kern_generic(const struct rxds_prog *progs, const uint64_t *cache,
                       uint64_t first, uint8_t *out);
#if defined(__x86_64__)
void rxds_kern_avx2(const struct rxds_prog *progs, const uint64_t *cache,
                    uint64_t first, uint8_t *out);
#define RXDS_HAVE_AVX2 1
#endif

#endif
