#include "rxds.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "rxds_int.h"
#include "rxds_jit.h"
#include "rxref.h"

struct rxds {
    enum rxds_kernel kernel;
    rxds_kern_fn kern;
    struct rxds_jit *jit;  /* RXDS_KERNEL_JIT */
    const uint64_t *cache; /* the cache in use (borrowed or own) */
    uint64_t *own_cache;   /* rxref Argon2d, allocated on first need */
    struct rxref_ss_program ss[RXREF_SS_PROGRAMS];
    struct rxds_prog prog[RXREF_SS_PROGRAMS];
};

static enum rxds_kernel pick_kernel(enum rxds_kernel want)
{
    const char *env = getenv("MINERLAB_RXDS_KERNEL");
    if (env && !strcmp(env, "generic"))
        want = RXDS_KERNEL_GENERIC;
    else if (env && !strcmp(env, "avx2"))
        want = RXDS_KERNEL_AVX2;
    else if (env && !strcmp(env, "jit"))
        want = RXDS_KERNEL_JIT;
#ifdef RXDS_HAVE_AVX2
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2");
#else
    int avx2 = 0;
#endif
    if (want == RXDS_KERNEL_AUTO)
        want = avx2 ? RXDS_KERNEL_JIT : RXDS_KERNEL_GENERIC;
    if (want != RXDS_KERNEL_GENERIC && !avx2)
        want = RXDS_KERNEL_GENERIC;
    return want;
}

int rxds_create(enum rxds_kernel kernel, struct rxds **out, char *err, size_t errlen)
{
    struct rxds *d = calloc(1, sizeof(*d));
    if (!d)
        return ml_err(err, errlen, -ENOMEM, "rxds: out of memory");
    d->kernel = pick_kernel(kernel);
    d->kern = rxds_kern_generic;
#ifdef RXDS_HAVE_AVX2
    if (d->kernel == RXDS_KERNEL_AVX2)
        d->kern = rxds_kern_avx2;
    /* No executable memory (e.g. a W^X policy): the AVX2 interpreter. */
    if (d->kernel == RXDS_KERNEL_JIT && rxds_jit_create(&d->jit) != 0) {
        d->kernel = RXDS_KERNEL_AVX2;
        d->kern = rxds_kern_avx2;
    }
#endif
    *out = d;
    return 0;
}

const char *rxds_kernel_name(const struct rxds *d)
{
    return d->kernel == RXDS_KERNEL_JIT    ? "jit-avx2"
           : d->kernel == RXDS_KERNEL_AVX2 ? "avx2"
                                           : "generic";
}

static void decode(struct rxds_prog *dp, const struct rxref_ss_program *sp)
{
    dp->size = sp->size;
    dp->address_reg = sp->address_reg;
    for (int i = 0; i < sp->size; i++) {
        const struct rxref_ss_instr *in = &sp->code[i];
        struct rxds_op *o = &dp->op[i];
        memset(o, 0, sizeof(*o));
        o->type = in->type;
        o->dst = in->dst;
        o->src = in->src;
        switch (in->type) {
        case RXSS_IADD_RS:
            o->shift = (uint8_t)((in->mod >> 2) % 4);
            break;
        case RXSS_IROR_C:
            o->shift = (uint8_t)(in->imm32 & 63);
            break;
        case RXSS_IMUL_RCP:
            o->imm = in->rcp;
            break;
        default:
            o->imm = rxref_sext32(in->imm32);
            break;
        }
    }
}

int rxds_key(struct rxds *d, const void *cache_memory, const void *key, size_t keylen)
{
    if (!cache_memory) {
        if (!d->own_cache &&
            posix_memalign((void **)&d->own_cache, 64, RXREF_CACHE_BYTES) != 0) {
            d->own_cache = NULL;
            return -ENOMEM;
        }
        rxref_argon2d_fill(d->own_cache, key, keylen);
        cache_memory = d->own_cache;
    }
    d->cache = cache_memory;
    rxref_ss_programs(key, keylen, d->ss);
    for (int i = 0; i < RXREF_SS_PROGRAMS; i++)
        decode(&d->prog[i], &d->ss[i]);
#ifdef RXDS_HAVE_AVX2
    if (d->jit)
        return rxds_jit_compile(d->jit, d->prog);
#endif
    return 0;
}

const uint64_t *rxds_cache_memory(const struct rxds *d)
{
    return d->cache;
}

void rxds_item(const struct rxds *d, uint64_t index, uint8_t out[64])
{
    rxref_dataset_item(d->cache, d->ss, index, out);
}

static void batch(const struct rxds *d, uint64_t first, uint8_t *out)
{
#ifdef RXDS_HAVE_AVX2
    if (d->jit) {
        rxds_jit_items(d->jit, d->cache, first, out);
        return;
    }
#endif
    d->kern(d->prog, d->cache, first, out);
}

void rxds_build_range(const struct rxds *d, uint8_t *out, uint64_t first,
                      uint64_t count)
{
    uint64_t done = 0;
    for (; done + RXDS_LANES <= count; done += RXDS_LANES)
        batch(d, first + done, out + done * 64);
    if (done < count) {
        uint8_t tail[RXDS_LANES * 64];
        batch(d, first + done, tail);
        memcpy(out + done * 64, tail, (size_t)(count - done) * 64);
    }
}

struct build_part {
    const struct rxds *d;
    uint8_t *dataset;
    uint64_t first, count;
};

static void *build_worker(void *arg)
{
    struct build_part *p = arg;
    rxds_build_range(p->d, p->dataset + p->first * 64, p->first, p->count);
    return NULL;
}

void rxds_build(const struct rxds *d, uint8_t *dataset, int threads)
{
    enum { MAX_THREADS = 256 };
    int n = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    const uint64_t items = RXREF_DATASET_ITEMS;
    struct build_part parts[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int i = 0; i < n; i++) {
        /* Boundaries on whole batches so no thread needs a tail but the last. */
        uint64_t a = items * (uint64_t)i / (uint64_t)n / RXDS_LANES * RXDS_LANES;
        uint64_t b = i == n - 1 ? items
                                : items * (uint64_t)(i + 1) / (uint64_t)n / RXDS_LANES *
                                      RXDS_LANES;
        parts[i] = (struct build_part){d, dataset, a, b - a};
    }
    for (int i = 0; i < n - 1; i++) {
        if (pthread_create(&tids[i], NULL, build_worker, &parts[i]) == 0)
            started[i] = 1;
        else
            build_worker(&parts[i]);
    }
    build_worker(&parts[n - 1]);
    for (int i = 0; i < n - 1; i++)
        if (started[i])
            pthread_join(tids[i], NULL);
}

void rxds_destroy(struct rxds *d)
{
    if (!d)
        return;
#ifdef RXDS_HAVE_AVX2
    rxds_jit_destroy(d->jit);
#endif
    free(d->own_cache);
    free(d);
}
