#include "rx.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <randomx.h>

#include "ml_util.h"
#include "rxds.h"

#define RX_HUGE_PAGE (2u << 20)

struct rx_ctx {
    struct rx_config cfg;
    struct rx_info info;
    randomx_flags cache_flags;
    randomx_cache *cache;
    randomx_dataset *dataset;
    struct rxds *rxds; /* own dataset builder, made on first use */
    uint8_t seed[64];
    size_t seed_len;
    int keyed;
    uint64_t epoch;
};

struct rx_vm {
    struct rx_ctx *ctx;
    randomx_vm *vm;
    uint64_t epoch;
};

size_t rx_dataset_bytes(void)
{
    return (size_t)randomx_dataset_item_count() * RANDOMX_DATASET_ITEM_SIZE;
}

int rx_have_v2(void)
{
#ifdef MINERLAB_HAVE_RANDOMX_V2
    return 1;
#else
    return 0;
#endif
}

void rx_flags_string(int flags, char *buf, size_t len)
{
    static const struct {
        int bit;
        const char *name;
    } names[] = {
        {RANDOMX_FLAG_LARGE_PAGES, "LARGE_PAGES"},
        {RANDOMX_FLAG_HARD_AES, "HARD_AES"},
        {RANDOMX_FLAG_FULL_MEM, "FULL_MEM"},
        {RANDOMX_FLAG_JIT, "JIT"},
        {RANDOMX_FLAG_SECURE, "SECURE"},
        {RANDOMX_FLAG_ARGON2_SSSE3, "ARGON2_SSSE3"},
        {RANDOMX_FLAG_ARGON2_AVX2, "ARGON2_AVX2"},
    };
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].bit))
            continue;
        int n =
            snprintf(buf + used, len - used, "%s%s", used ? " " : "", names[i].name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
#ifdef MINERLAB_HAVE_RANDOMX_V2
    if ((flags & RANDOMX_FLAG_V2) && used + 3 < len)
        snprintf(buf + used, len - used, "%sV2", used ? " " : "");
#endif
    if (!buf[0])
        snprintf(buf, len, "DEFAULT");
}

static void notice(const struct rx_ctx *ctx, const char *msg)
{
    if (!ctx->cfg.quiet)
        fprintf(stderr, "randomx: %s\n", msg);
}

/*
 * Asks for transparent huge pages on the dataset before it is touched. On a
 * 2-vCPU Xeon this alone lifted a fast-mode loop from 657 to 836 H/s.
 */
static int advise_thp(void *mem, size_t size)
{
    uintptr_t start =
        ((uintptr_t)mem + RX_HUGE_PAGE - 1) & ~(uintptr_t)(RX_HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)mem + size) & ~(uintptr_t)(RX_HUGE_PAGE - 1);
    if (end <= start)
        return -EINVAL;
    return madvise((void *)start, end - start, MADV_HUGEPAGE) == 0 ? 0 : -errno;
}

static int alloc_dataset(struct rx_ctx *ctx, char *err, size_t errlen)
{
    randomx_flags base = ctx->cache_flags & ~RANDOMX_FLAG_LARGE_PAGES;
    if (ctx->cfg.pages != RX_PAGES_SMALL) {
        ctx->dataset = randomx_alloc_dataset(base | RANDOMX_FLAG_LARGE_PAGES);
        if (ctx->dataset) {
            ctx->info.large_pages = 1;
            return 0;
        }
        if (ctx->cfg.pages == RX_PAGES_HUGE)
            return ml_err(err, errlen, -ENOMEM,
                          "cannot reserve 2 MiB huge pages for the %zu MiB dataset "
                          "(set vm.nr_hugepages >= %zu, or use --no-huge-pages)",
                          rx_dataset_bytes() >> 20,
                          rx_dataset_bytes() / RX_HUGE_PAGE + 1);
        notice(ctx, "huge pages not available for the dataset; falling back to "
                    "transparent huge pages (madvise)");
    }
    ctx->dataset = randomx_alloc_dataset(base);
    if (!ctx->dataset)
        return ml_err(err, errlen, -ENOMEM,
                      "cannot allocate the %zu MiB RandomX dataset",
                      rx_dataset_bytes() >> 20);
    if (ctx->cfg.pages != RX_PAGES_SMALL) {
        if (advise_thp(randomx_get_dataset_memory(ctx->dataset), rx_dataset_bytes()) ==
            0)
            ctx->info.thp = 1;
        else
            notice(ctx, "madvise(MADV_HUGEPAGE) refused; the dataset uses small pages");
    }
    return 0;
}

static enum rx_mode resolve_mode(enum rx_mode m)
{
    if (m != RX_MODE_AUTO)
        return m;
    /* Fast mode needs the dataset plus the cache plus headroom. */
    uint64_t need = rx_dataset_bytes() + (256u << 20) + (256u << 20);
    return ml_mem_available() >= need ? RX_MODE_FAST : RX_MODE_LIGHT;
}

int rx_ctx_create(const struct rx_config *cfg, struct rx_ctx **out, char *err,
                  size_t errlen)
{
    struct rx_ctx *ctx = calloc(1, sizeof(*ctx));
    int rc = 0;
    if (!ctx)
        return ml_err(err, errlen, -ENOMEM, "out of memory");
    ctx->cfg = *cfg;
    if (cfg->v2 && !rx_have_v2()) {
        rc = ml_err(err, errlen, -ENOTSUP,
                    "RandomX v2 (rx/2) needs librandomx 2.0; this build has 1.x");
        goto out;
    }
    ctx->info.mode = resolve_mode(cfg->mode);
    ctx->info.init_threads =
        cfg->init_threads > 0 ? cfg->init_threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    ctx->cache_flags = randomx_get_flags();
#ifdef MINERLAB_HAVE_RANDOMX_V2
    if (cfg->v2)
        ctx->cache_flags |= RANDOMX_FLAG_V2;
#endif
    /* Large pages for the cache are worth little; keep them for the dataset. */
    ctx->cache = randomx_alloc_cache(ctx->cache_flags);
    if (!ctx->cache) {
        rc = ml_err(err, errlen, -ENOMEM, "cannot allocate the 256 MiB RandomX cache");
        goto out;
    }
    if (ctx->info.mode == RX_MODE_FAST) {
        rc = alloc_dataset(ctx, err, errlen);
        if (rc)
            goto out;
    }
    ctx->info.flags = ctx->cache_flags;
    if (ctx->info.mode == RX_MODE_FAST)
        ctx->info.flags |= RANDOMX_FLAG_FULL_MEM;
    if (ctx->info.large_pages)
        ctx->info.flags |= RANDOMX_FLAG_LARGE_PAGES;
    rx_flags_string(ctx->info.flags, ctx->info.flags_str, sizeof(ctx->info.flags_str));
out:
    if (rc) {
        rx_ctx_destroy(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

struct init_range {
    randomx_dataset *dataset;
    randomx_cache *cache;
    unsigned long start, count;
};

static void *init_worker(void *arg)
{
    struct init_range *r = arg;
    randomx_init_dataset(r->dataset, r->cache, r->start, r->count);
    return NULL;
}

/*
 * Initialises the dataset with disjoint item ranges, one per thread; the
 * calling thread takes the last range. A thread that cannot be created has
 * its range done by the caller, so the dataset is always complete.
 */
static void init_dataset(struct rx_ctx *ctx)
{
    enum { MAX_INIT = 256 };
    int n = ctx->info.init_threads < MAX_INIT ? ctx->info.init_threads : MAX_INIT;
    unsigned long items = randomx_dataset_item_count();
    pthread_t tids[MAX_INIT];
    int joined[MAX_INIT] = {0};
    struct init_range ranges[MAX_INIT];
    for (int i = 0; i < n; i++) {
        unsigned long start = items * (unsigned long)i / (unsigned long)n;
        unsigned long end = items * (unsigned long)(i + 1) / (unsigned long)n;
        ranges[i] = (struct init_range){ctx->dataset, ctx->cache, start, end - start};
    }
    for (int i = 0; i < n - 1; i++) {
        if (pthread_create(&tids[i], NULL, init_worker, &ranges[i]) == 0)
            joined[i] = 1;
        else
            init_worker(&ranges[i]);
    }
    init_worker(&ranges[n - 1]);
    for (int i = 0; i < n - 1; i++)
        if (joined[i])
            pthread_join(tids[i], NULL);
}

int rx_builder_parse(const char *s, enum rx_builder *out)
{
    if (!strcmp(s, "own"))
        *out = RX_BUILDER_OWN;
    else if (!strcmp(s, "lib"))
        *out = RX_BUILDER_LIB;
    else
        return -EINVAL;
    return 0;
}

const void *rx_ctx_cache_memory(struct rx_ctx *ctx)
{
    const size_t bytes = 256u << 20;
    const void *mem;
    long page = sysconf(_SC_PAGESIZE);
    if (!ctx->cache || !ctx->keyed || page <= 0)
        return NULL;
    memcpy(&mem, ctx->cache, sizeof(mem)); /* randomx_cache::memory */
    if (!mem || ((uintptr_t)mem & 63))
        return NULL;
    uintptr_t start = (uintptr_t)mem & ~(uintptr_t)(page - 1);
    size_t len = (uintptr_t)mem + bytes - start;
    unsigned char *vec = malloc(len / (size_t)page + 1);
    if (!vec)
        return NULL;
    /* ENOMEM from mincore: some page of the range is not mapped. */
    int mapped = mincore((void *)start, len, vec) == 0;
    free(vec);
    return mapped ? mem : NULL;
}

/* Sample items (spread over the dataset, varying with the key): what rxds
 * computed vs randomx_init_dataset of the same item. 1 when all agree. */
static int own_items_agree(struct rx_ctx *ctx, int computed_in_place)
{
    enum { SAMPLES = 16 };
    uint8_t *mem = randomx_get_dataset_memory(ctx->dataset);
    unsigned long items = randomx_dataset_item_count();
    uint64_t salt = ml_load64le(ctx->seed) ^ (computed_in_place ? 0x5bd1e995u : 0);
    for (int i = 0; i < SAMPLES; i++) {
        unsigned long idx =
            i == SAMPLES - 1
                ? items - 1
                : (unsigned long)((salt + (uint64_t)i * 2654435761u * 977u) % items);
        uint8_t own[64];
        if (computed_in_place)
            memcpy(own, mem + (size_t)idx * 64, 64);
        else
            rxds_build_range(ctx->rxds, own, idx, 1);
        randomx_init_dataset(ctx->dataset, ctx->cache, idx, 1);
        if (memcmp(own, mem + (size_t)idx * 64, 64) != 0)
            return 0;
    }
    return 1;
}

/*
 * Builds the dataset with rxds from the library's cache memory (or, if that
 * cannot be found or disagrees, rxref's own Argon2d). 0, or -1 when the
 * library has to build it.
 */
static int own_build(struct rx_ctx *ctx)
{
    char err[128];
    const void *lib_mem = rx_ctx_cache_memory(ctx);
    if (!ctx->rxds &&
        rxds_create(RXDS_KERNEL_AUTO, &ctx->rxds, err, sizeof(err)) != 0) {
        notice(ctx, err);
        return -1;
    }
    int ok = 0;
    if (lib_mem && rxds_key(ctx->rxds, lib_mem, ctx->seed, ctx->seed_len) == 0 &&
        own_items_agree(ctx, 0)) {
        ok = 1;
        snprintf(ctx->info.builder_cache, sizeof(ctx->info.builder_cache),
                 "librandomx");
    } else if (rxds_key(ctx->rxds, NULL, ctx->seed, ctx->seed_len) == 0 &&
               own_items_agree(ctx, 0)) {
        ok = 1;
        snprintf(ctx->info.builder_cache, sizeof(ctx->info.builder_cache), "rxref");
    }
    if (!ok) {
        notice(ctx, "own dataset builder disagrees with librandomx on sample items; "
                    "building with librandomx");
        return -1;
    }
    rxds_build(ctx->rxds, randomx_get_dataset_memory(ctx->dataset),
               ctx->info.init_threads);
    if (!own_items_agree(ctx, 1)) {
        notice(ctx, "own dataset differs from librandomx on sample items; rebuilding "
                    "with librandomx");
        return -1;
    }
    snprintf(ctx->info.builder, sizeof(ctx->info.builder), "rxds/%s",
             rxds_kernel_name(ctx->rxds));
    return 0;
}

static void build_dataset(struct rx_ctx *ctx, enum rx_builder b)
{
    uint64_t t0 = ml_mono_ns();
    ctx->info.builder_fallback = 0;
    ctx->info.builder_cache[0] = '\0';
    if (b == RX_BUILDER_LIB || own_build(ctx) != 0) {
        ctx->info.builder_fallback = b != RX_BUILDER_LIB;
        init_dataset(ctx);
        snprintf(ctx->info.builder, sizeof(ctx->info.builder), "librandomx");
    }
    ctx->info.dataset_init_s = (double)(ml_mono_ns() - t0) / 1e9;
}

int rx_ctx_rebuild(struct rx_ctx *ctx, enum rx_builder b)
{
    if (!ctx->dataset || !ctx->keyed)
        return -EINVAL;
    build_dataset(ctx, b);
    return 0;
}

void rx_ctx_lib_handles(struct rx_ctx *ctx, void **cache, void **dataset)
{
    *cache = ctx->cache;
    *dataset = ctx->dataset;
}

int rx_ctx_rekey(struct rx_ctx *ctx, const void *seed, size_t seed_len)
{
    if (seed_len > sizeof(ctx->seed))
        return -EINVAL;
    if (ctx->keyed && seed_len == ctx->seed_len && !memcmp(seed, ctx->seed, seed_len))
        return 0;
    uint64_t t0 = ml_mono_ns();
    randomx_init_cache(ctx->cache, seed, seed_len);
    uint64_t t1 = ml_mono_ns();
    ctx->info.cache_init_s = (double)(t1 - t0) / 1e9;
    memcpy(ctx->seed, seed, seed_len);
    ctx->seed_len = seed_len;
    ctx->keyed = 1;
    if (ctx->dataset)
        build_dataset(ctx, ctx->cfg.builder);
    ctx->epoch++;
    return 0;
}

uint64_t rx_ctx_epoch(const struct rx_ctx *ctx)
{
    return ctx->epoch;
}

const struct rx_info *rx_ctx_info(const struct rx_ctx *ctx)
{
    return &ctx->info;
}

void *rx_ctx_dataset_memory(struct rx_ctx *ctx, size_t *size)
{
    if (!ctx->dataset)
        return NULL;
    if (size)
        *size = rx_dataset_bytes();
    return randomx_get_dataset_memory(ctx->dataset);
}

void rx_ctx_destroy(struct rx_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->dataset)
        randomx_release_dataset(ctx->dataset);
    if (ctx->cache)
        randomx_release_cache(ctx->cache);
    rxds_destroy(ctx->rxds);
    free(ctx);
}

/* Creates the library VM; light mode needs an initialised cache for it. */
static randomx_vm *make_vm(struct rx_ctx *ctx)
{
    randomx_flags flags = ctx->info.flags & ~RANDOMX_FLAG_LARGE_PAGES;
    randomx_cache *cache = ctx->dataset ? NULL : ctx->cache;
    randomx_vm *vm = NULL;
    /* Scratchpads in huge pages only when the dataset got them too. */
    if (ctx->info.large_pages)
        vm = randomx_create_vm(flags | RANDOMX_FLAG_LARGE_PAGES, cache, ctx->dataset);
    if (!vm)
        vm = randomx_create_vm(flags, cache, ctx->dataset);
    return vm;
}

struct rx_vm *rx_vm_create(struct rx_ctx *ctx, char *err, size_t errlen)
{
    struct rx_vm *v = calloc(1, sizeof(*v));
    if (!v) {
        ml_err(err, errlen, -ENOMEM, "out of memory");
        return NULL;
    }
    v->ctx = ctx;
    /* A light-mode VM before the first key is made by rx_vm_sync(). */
    if (!ctx->dataset && !ctx->keyed)
        return v;
    v->vm = make_vm(ctx);
    if (!v->vm) {
        ml_err(err, errlen, -ENOMEM, "randomx_create_vm failed (flags %s)",
               ctx->info.flags_str);
        free(v);
        return NULL;
    }
    v->epoch = ctx->epoch;
    return v;
}

int rx_vm_sync(struct rx_vm *v)
{
    if (!v->vm) {
        if (!(v->vm = make_vm(v->ctx)))
            return -ENOMEM;
        v->epoch = v->ctx->epoch;
        return 0;
    }
    if (v->epoch == v->ctx->epoch)
        return 0;
    /* Light-mode VMs compiled the cache's programs; point them again. */
    if (!v->ctx->dataset)
        randomx_vm_set_cache(v->vm, v->ctx->cache);
    v->epoch = v->ctx->epoch;
    return 0;
}

void rx_vm_hash(struct rx_vm *v, const void *in, size_t len, uint8_t out[32])
{
    randomx_calculate_hash(v->vm, in, len, out);
}

void rx_vm_hash_first(struct rx_vm *v, const void *in, size_t len)
{
    randomx_calculate_hash_first(v->vm, in, len);
}

void rx_vm_hash_next(struct rx_vm *v, const void *next_in, size_t len, uint8_t out[32])
{
    randomx_calculate_hash_next(v->vm, next_in, len, out);
}

void rx_vm_hash_last(struct rx_vm *v, uint8_t out[32])
{
    randomx_calculate_hash_last(v->vm, out);
}

void rx_vm_destroy(struct rx_vm *v)
{
    if (!v)
        return;
    if (v->vm)
        randomx_destroy_vm(v->vm);
    free(v);
}
