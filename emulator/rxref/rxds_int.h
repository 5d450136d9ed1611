/* rxds internals shared by rxds.c and the kernel translation units. */
#ifndef RXDS_INT_H
#define RXDS_INT_H

#include <stdint.h>

#include "rxds.h"
#include "rxds_prog.h"
#include "rxref_core.h"

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
