/* rxds_jit: the x86-64 AVX2 code generator of rxds (see rxds_jit.c). */
#ifndef RXDS_JIT_H
#define RXDS_JIT_H

#include "rxds_prog.h"

struct rxds_jit;

/* 0 or -ENOMEM (no executable memory). */
int rxds_jit_create(struct rxds_jit **out);
/* Generates the code of the 8 decoded programs. 0 or -errno (mprotect). */
int rxds_jit_compile(struct rxds_jit *j, const struct rxds_prog *progs);
/* RXDS_LANES items starting at first into out (RXDS_LANES * 64 bytes). */
void rxds_jit_items(const struct rxds_jit *j, const uint64_t *cache, uint64_t first,
                    uint8_t *out);
void rxds_jit_destroy(struct rxds_jit *j);

#endif
