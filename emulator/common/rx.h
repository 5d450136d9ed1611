/*
 * rx — a thin wrapper over tevador's librandomx (Debian 1.1.10): light and
 * fast mode, large pages with a transparent-huge-page fallback, parallel
 * dataset initialisation, re-keying without re-allocation, and VMs that
 * follow a re-key. Used by the miner's CPU backend, the pool's share
 * verifier and the self-test.
 *
 * Threads: an rx_ctx is created, re-keyed and destroyed by one thread while
 * no VM of it is hashing. Each rx_vm belongs to one thread.
 */
#ifndef RX_H
#define RX_H

#include <stddef.h>
#include <stdint.h>

enum rx_mode { RX_MODE_LIGHT = 0, RX_MODE_FAST = 1, RX_MODE_AUTO = 2 };
enum rx_pages { RX_PAGES_AUTO = 0, RX_PAGES_HUGE = 1, RX_PAGES_SMALL = 2 };
/*
 * Who builds the fast-mode dataset. OWN: minerlab's rxds (emulator/rxref/
 * rxds.h, SIMD, several items at a time), checked against
 * randomx_init_dataset on sample items at every key; any disagreement
 * rebuilds with the library and says so. LIB: randomx_init_dataset only.
 */
enum rx_builder { RX_BUILDER_OWN = 0, RX_BUILDER_LIB = 1 };

struct rx_config {
    enum rx_mode mode;
    enum rx_pages pages;     /* AUTO: reserved huge pages, else THP, else small */
    int init_threads;        /* dataset init threads; 0 = all online CPUs */
    enum rx_builder builder; /* fast mode: dataset builder (default OWN) */
    int v2;                  /* RandomX v2 (needs a library with RANDOMX_FLAG_V2) */
    int quiet;               /* 1: no fallback notices on stderr */
};

struct rx_info {
    int flags;             /* randomx_flags actually used for VMs */
    enum rx_mode mode;     /* resolved mode (never AUTO) */
    int large_pages;       /* 1 when dataset uses reserved huge pages */
    int thp;               /* 1 when madvise(MADV_HUGEPAGE) was accepted */
    double cache_init_s;   /* last cache initialisation */
    double dataset_init_s; /* last dataset initialisation (fast mode) */
    int init_threads;
    char flags_str[128]; /* "JIT HARD_AES ARGON2_AVX2 ..." */
    /* Fast mode, after a key: "librandomx" or "rxds/jit-avx2" (etc.), and
     * where rxds took the Argon2d cache from ("librandomx" or "rxref"). */
    char builder[32];
    char builder_cache[16];
    int builder_fallback; /* 1: rxds disagreed or failed; the library built */
};

struct rx_ctx;
struct rx_vm;

/* Allocates cache (and dataset in fast mode). 0 or -errno with reason. */
int rx_ctx_create(const struct rx_config *cfg, struct rx_ctx **out, char *err,
                  size_t errlen);
/*
 * Keys the context with seed (usually the 32-byte seed hash). A seed equal
 * to the current one is a no-op. Fast mode re-initialises the dataset in
 * parallel in place; nothing is re-allocated. 0 or -errno.
 */
int rx_ctx_rekey(struct rx_ctx *ctx, const void *seed, size_t seed_len);
/* Number of successful re-keys so far (VMs compare it to follow). */
uint64_t rx_ctx_epoch(const struct rx_ctx *ctx);
const struct rx_info *rx_ctx_info(const struct rx_ctx *ctx);
/* Dataset base pointer and size in bytes, or NULL in light mode. */
void *rx_ctx_dataset_memory(struct rx_ctx *ctx, size_t *size);
void rx_ctx_destroy(struct rx_ctx *ctx);

/*
 * A VM on the context's cache or dataset; NULL with reason on failure. In
 * light mode before the first key the library VM is made by rx_vm_sync().
 */
struct rx_vm *rx_vm_create(struct rx_ctx *ctx, char *err, size_t errlen);
/*
 * Points the VM at the context's current key; call after rx_ctx_rekey and
 * before hashing. 0, or -ENOMEM when the library VM cannot be made.
 */
int rx_vm_sync(struct rx_vm *vm);
void rx_vm_hash(struct rx_vm *vm, const void *in, size_t len, uint8_t out[32]);
/* Pipelined hashing: first(in0); next(in1) -> hash(in0); ...; last -> hash(n). */
void rx_vm_hash_first(struct rx_vm *vm, const void *in, size_t len);
void rx_vm_hash_next(struct rx_vm *vm, const void *next_in, size_t len,
                     uint8_t out[32]);
void rx_vm_hash_last(struct rx_vm *vm, uint8_t out[32]);
void rx_vm_destroy(struct rx_vm *vm);

/*
 * librandomx's Argon2d cache memory (256 MiB) of a keyed context, or NULL
 * when it cannot be located safely. librandomx 1.1.x keeps it as the first
 * member of its opaque randomx_cache; the pointer is used only when the
 * whole range is mapped, and callers check items made from it against
 * randomx_init_dataset before trusting it.
 */
const void *rx_ctx_cache_memory(struct rx_ctx *ctx);
/*
 * Builds the dataset of the current key again with builder b (timed into
 * info.dataset_init_s, info.builder). For benchmarks. 0, or -EINVAL when
 * the context is light or not keyed.
 */
int rx_ctx_rebuild(struct rx_ctx *ctx, enum rx_builder b);
/* librandomx's randomx_cache * and randomx_dataset * (NULL in light mode),
 * for callers that make VMs with other flags (e.g. the interpreter). */
void rx_ctx_lib_handles(struct rx_ctx *ctx, void **cache, void **dataset);
/* The parsed name of a builder ("own", "lib"); 0 or -EINVAL. */
int rx_builder_parse(const char *s, enum rx_builder *out);

/* Bytes a fast-mode dataset needs (item count * 64). */
size_t rx_dataset_bytes(void);
/* Writes the names of the set bits of flags into buf. */
void rx_flags_string(int flags, char *buf, size_t len);
/* 1 when this build can hash RandomX v2. */
int rx_have_v2(void);

#endif
