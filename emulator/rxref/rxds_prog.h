/* rxds_prog: the decoded SuperscalarHash programs rxds runs, shared by
 * rxds.c and its kernels (the interpreters and the JIT, rxds_jit.c). */
#ifndef RXDS_PROG_H
#define RXDS_PROG_H

#include <stdint.h>

#include "rxref_core.h"

/* Items one kernel call computes. */
#define RXDS_LANES 16

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

#endif
