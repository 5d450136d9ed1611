/*
 * minerlab-kbench — the hash-kernel benchmark behind `minerlab bench`
 * (docs/kbench.md). Kernels: librandomx JIT and interpreter, rxref (the
 * portable C VM), rxds (the own dataset builder), CUDA where a GPU exists,
 * and external programs speaking the line protocol. For each, in light and
 * fast mode over a threads list: bit-exactness (the five vectors, N random
 * inputs against librandomx), hashes/s total and per thread, cache/dataset
 * build time, peak RSS; rounds alternate the kernel order; each figure is
 * set against the librandomx JIT measured in the same run and, in fast
 * mode, against the memory-latency bound. One JSON report, one Markdown
 * table.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <randomx.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kbench.h"
#include "ml_util.h"
#include "opt.h"
#include "rx.h"
#include "rx_vectors.h"
#include "rxref.h"

#define MAX_LIST 16
#define MAX_KERNELS 16
#define DATASET_READS_PER_HASH 16384.0 /* 8 programs x 2048 iterations */
#define NONCE_OFF 39

static const char *const BENCH_KEY = "test key 000";

enum kind { K_LIB_JIT, K_LIB_INTERP, K_RXREF, K_RXDS, K_CUDA, K_EXT };

struct kernel {
    enum kind kind;
    char name[96];
    const char *cmd; /* K_EXT */
    json_t *runs;    /* one object per (mode, threads, round) */
    json_t *verify;  /* mode -> verification object */
    char status[16]; /* "ok", "failed", "skipped" */
    char reason[512];
};

struct opts {
    int threads[MAX_LIST], nthreads, max_threads;
    int modes[2], nmodes; /* RX_MODE_LIGHT / RX_MODE_FAST */
    double seconds, ext_timeout, ext_init;
    int rounds, verify_n, thp;
    const char *json_out, *md_out;
};

/* Shared state of one mode, made once and inherited by the per-run child. */
struct mode_state {
    int mode;
    randomx_flags flags;
    randomx_cache *cache_jit, *cache_interp; /* light */
    struct rxref_cache *rcache;              /* light: rxref's own */
    struct rx_ctx *ctx;                      /* fast */
    randomx_dataset *ds;
    const uint8_t *ds_mem;
    double build_s[6]; /* per kind: cache (light) or dataset (fast) build */
    char rxds_kernel[64];
};

static struct kb_input *rnd_in;
static uint8_t *rnd_ref;        /* librandomx light JIT, key BENCH_KEY */
static uint8_t tmpl_ref[4][32]; /* template nonces 0..3 */

static uint64_t rng_state = 0x6a09e667f3bcc909ull;
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double now_s(void)
{
    return (double)ml_mono_ns() / 1e9;
}

static void set_key(struct kb_input *in, const char *key)
{
    in->keylen = strlen(key);
    memcpy(in->key, key, in->keylen);
}

static void tmpl_input(struct kb_input *in, uint32_t nonce)
{
    set_key(in, BENCH_KEY);
    memcpy(in->data, rx_bench_template, sizeof(rx_bench_template));
    ml_store32le(in->data + NONCE_OFF, nonce);
    in->len = sizeof(rx_bench_template);
}

static void vector_input(struct kb_input *in, int v)
{
    set_key(in, rx_vectors[v].key);
    in->len = rx_vector_input(&rx_vectors[v], in->data, sizeof(in->data));
}

static const char *mode_name(int m)
{
    return m == RX_MODE_FAST ? "fast" : "light";
}

/* ------------------------------------------------------ in-process kernels */

/* One hasher: a librandomx VM or an rxref VM, for one thread. */
struct hasher {
    randomx_vm *vm;
    struct rxref_vm *rvm;
};

static int hasher_make(struct hasher *h, enum kind k, const struct mode_state *ms,
                       randomx_cache *cache_override, struct rxref_cache *rc_override)
{
    memset(h, 0, sizeof(*h));
    if (k == K_RXREF) {
        char err[128];
        if (rxref_vm_create(&h->rvm, err, sizeof(err)) != 0)
            return -ENOMEM;
        if (ms->mode == RX_MODE_FAST && !rc_override)
            rxref_vm_set_dataset(h->rvm, ms->ds_mem);
        else
            rxref_vm_set_item_fn(h->rvm, rxref_cache_item,
                                 rc_override ? rc_override : ms->rcache);
        return 0;
    }
    randomx_flags f = ms->flags;
    if (k == K_LIB_INTERP)
        f &= ~RANDOMX_FLAG_JIT;
    if (ms->mode == RX_MODE_FAST && !cache_override) {
        h->vm = randomx_create_vm(f | RANDOMX_FLAG_FULL_MEM, NULL, ms->ds);
    } else {
        randomx_cache *c = cache_override      ? cache_override
                           : k == K_LIB_INTERP ? ms->cache_interp
                                               : ms->cache_jit;
        h->vm = randomx_create_vm(f, c, NULL);
    }
    return h->vm ? 0 : -ENOMEM;
}

static void hasher_hash(struct hasher *h, const void *in, size_t len, uint8_t out[32])
{
    if (h->rvm)
        rxref_vm_hash(h->rvm, in, len, out);
    else
        randomx_calculate_hash(h->vm, in, len, out);
}

static void hasher_free(struct hasher *h)
{
    if (h->vm)
        randomx_destroy_vm(h->vm);
    rxref_vm_destroy(h->rvm);
}

/* Verification in the child: vectors and random inputs. */
static json_t *verify_inproc(enum kind k, const struct mode_state *ms, int n)
{
    struct hasher h, h1;
    uint8_t out[32], want[32];
    json_t *v = json_object(), *first = NULL;
    int vec_ok = 0, vec_checked = 0, rnd_ok = 0;
    if (hasher_make(&h, k, ms, NULL, NULL) != 0) {
        json_object_set_new(v, "error", json_string("cannot make the VM"));
        return v;
    }
    /* Vectors of the other key: a light-mode VM keyed with it (light), or
     * not checked (fast: the dataset is keyed with BENCH_KEY). */
    randomx_cache *c1 = NULL;
    struct rxref_cache *r1 = NULL;
    int have1 = 0;
    if (ms->mode == RX_MODE_LIGHT) {
        const char *key1 = rx_vectors[3].key;
        if (k == K_RXREF) {
            char err[128];
            if (rxref_cache_create(&r1, err, sizeof(err)) == 0) {
                rxref_cache_init(r1, key1, strlen(key1));
                have1 = hasher_make(&h1, k, ms, NULL, r1) == 0;
            }
        } else {
            c1 = randomx_alloc_cache(k == K_LIB_INTERP ? ms->flags & ~RANDOMX_FLAG_JIT
                                                       : ms->flags);
            if (c1) {
                randomx_init_cache(c1, key1, strlen(key1));
                have1 = hasher_make(&h1, k, ms, c1, NULL) == 0;
            }
        }
    }
    for (int i = 0; i < RX_NVECTORS; i++) {
        struct kb_input in;
        vector_input(&in, i);
        int other = strcmp(rx_vectors[i].key, BENCH_KEY) != 0;
        if (other && !have1)
            continue;
        hasher_hash(other ? &h1 : &h, in.data, in.len, out);
        ml_hex_decode(rx_vectors[i].hash, want, 32);
        vec_checked++;
        if (!memcmp(out, want, 32)) {
            vec_ok++;
        } else if (!first) {
            char ih[2 * KB_MAX_INPUT + 1], gh[65];
            ml_hex_encode(in.data, in.len, ih);
            ml_hex_encode(out, 32, gh);
            first = json_pack("{s:s,s:s,s:s,s:s}", "key", rx_vectors[i].key,
                              "input_hex", ih, "got", gh, "want", rx_vectors[i].hash);
        }
    }
    for (int i = 0; i < n; i++) {
        hasher_hash(&h, rnd_in[i].data, rnd_in[i].len, out);
        if (!memcmp(out, rnd_ref + 32 * i, 32)) {
            rnd_ok++;
        } else if (!first) {
            char ih[2 * KB_MAX_INPUT + 1], gh[65], wh[65];
            ml_hex_encode(rnd_in[i].data, rnd_in[i].len, ih);
            ml_hex_encode(out, 32, gh);
            ml_hex_encode(rnd_ref + 32 * i, 32, wh);
            first = json_pack("{s:s,s:s,s:s,s:s}", "key", BENCH_KEY, "input_hex", ih,
                              "got", gh, "want", wh);
        }
    }
    json_object_set_new(v, "vectors_checked", json_integer(vec_checked));
    json_object_set_new(v, "vectors_ok", json_integer(vec_ok));
    json_object_set_new(v, "random_checked", json_integer(n));
    json_object_set_new(v, "random_ok", json_integer(rnd_ok));
    if (vec_checked < 5)
        json_object_set_new(
            v, "vectors_note",
            json_string("vectors 4-5 (key 001) need a dataset of their own "
                        "key; fast mode checks the three of key 000"));
    json_object_set_new(
        v, "ok", json_boolean(vec_ok == vec_checked && rnd_ok == n && vec_checked > 0));
    if (first)
        json_object_set_new(v, "first_mismatch", first);
    if (have1)
        hasher_free(&h1);
    if (c1)
        randomx_release_cache(c1);
    rxref_cache_destroy(r1);
    hasher_free(&h);
    return v;
}

struct worker {
    enum kind k;
    const struct mode_state *ms;
    int id;
    double seconds;
    pthread_barrier_t *bar;
    uint64_t hashes;
    double elapsed;
    int fail;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct hasher h;
    uint8_t blob[76], out[32];
    w->fail = hasher_make(&h, w->k, w->ms, NULL, NULL) != 0;
    memcpy(blob, rx_bench_template, sizeof(blob));
    pthread_barrier_wait(w->bar);
    if (w->fail)
        return NULL;
    double t0 = now_s(), t = t0;
    uint32_t nonce = (uint32_t)w->id << 24;
    while (t - t0 < w->seconds) {
        ml_store32le(blob + NONCE_OFF, nonce++);
        hasher_hash(&h, blob, sizeof(blob), out);
        w->hashes++;
        t = now_s();
    }
    w->elapsed = t - t0;
    hasher_free(&h);
    return NULL;
}

/* In the child: optional verification, then threads x seconds of hashing. */
static json_t *run_inproc(enum kind k, const struct mode_state *ms, int threads,
                          double seconds, int verify_n)
{
    json_t *o = json_object();
    if (verify_n >= 0)
        json_object_set_new(o, "verify", verify_inproc(k, ms, verify_n));
    pthread_t *tid = calloc((size_t)threads, sizeof(*tid));
    struct worker *w = calloc((size_t)threads, sizeof(*w));
    pthread_barrier_t bar;
    if (!tid || !w)
        _exit(3);
    pthread_barrier_init(&bar, NULL, (unsigned)threads);
    int made = 1;
    for (int i = 0; i < threads; i++)
        w[i] = (struct worker){k, ms, i, seconds, &bar, 0, 0, 0};
    for (int i = 1; i < threads; i++) {
        if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0)
            _exit(3); /* the others wait on the barrier: give up the child */
        made++;
    }
    worker_main(&w[0]);
    for (int i = 1; i < made; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&bar);
    double total = 0;
    json_t *per = json_array();
    int fail = 0;
    for (int i = 0; i < threads; i++) {
        double hs = w[i].elapsed > 0 ? (double)w[i].hashes / w[i].elapsed : 0;
        total += hs;
        fail |= w[i].fail;
        json_array_append_new(per, json_real(hs));
    }
    json_object_set_new(o, "hs_total", json_real(total));
    json_object_set_new(o, "hs_per_thread", json_real(total / threads));
    json_object_set_new(o, "thread_hs", per);
    free(tid);
    free(w);
    if (fail)
        json_object_set_new(o, "error", json_string("cannot make a VM"));
    return o;
}

/* Forks a child for one in-process run: its own RSS, the shared state
 * inherited copy-on-write. NULL when the child failed. */
static json_t *run_forked(enum kind k, const struct mode_state *ms, int threads,
                          double seconds, int verify_n, double *rss_mib)
{
    int fd[2];
    if (pipe(fd) != 0)
        return NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return NULL;
    }
    if (pid == 0) {
        close(fd[0]);
        json_t *o = run_inproc(k, ms, threads, seconds, verify_n);
        char *s = json_dumps(o, JSON_COMPACT);
        size_t len = s ? strlen(s) : 0, off = 0;
        while (off < len) {
            ssize_t w = write(fd[1], s + off, len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        _exit(off == len ? 0 : 1);
    }
    close(fd[1]);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                break;
            buf = nb;
        }
        ssize_t r = read(fd[0], buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd[0]);
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    wait4(pid, &st, 0, &ru);
    *rss_mib = (double)ru.ru_maxrss / 1024.0;
    buf[len] = '\0';
    json_t *o = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? json_loads(buf, 0, NULL) : NULL;
    free(buf);
    return o;
}

/* ---------------------------------------------------------- external kernels */

static json_t *run_external(struct kernel *kn, int mode, int threads, double seconds,
                            int verify_n, double limit_s, double init_s,
                            double *rss_mib)
{
    double applied = limit_s;
    struct kb_ext x;
    char why[512] = "";
    json_t *o = json_object();
    static struct kb_input batch[256];
    static uint8_t got[256 * 32];
    size_t done = 0;
    int rc = kb_ext_start(&x, kn->cmd, mode_name(mode), threads);
    if (rc) {
        snprintf(why, sizeof(why), "cannot start: %s", strerror(-rc));
        goto fail;
    }
    /* First batch: the vectors and the random inputs (includes its init). */
    size_t n = 0;
    for (int i = 0; i < RX_NVECTORS; i++)
        vector_input(&batch[n++], i);
    for (int i = 0; i < verify_n && n < 200; i++)
        batch[n++] = rnd_in[i];
    double t0 = now_s();
    /* The first batch also pays the kernel's cache/dataset initialisation. */
    applied = limit_s + (init_s >= 0 ? init_s : mode == RX_MODE_FAST ? 300 : 60);
    rc = kb_ext_hash(&x, batch, n, got, applied, &done, why, sizeof(why));
    if (!rc)
        applied = limit_s;
    json_object_set_new(o, "init_and_verify_s", json_real(now_s() - t0));
    if (rc) {
        if (done < n) {
            char ih[2 * KB_MAX_INPUT + 1];
            size_t l = strlen(why);
            ml_hex_encode(batch[done].data, batch[done].len, ih);
            json_object_set_new(o, "first_bad_input_hex", json_string(ih));
            snprintf(why + l, sizeof(why) - l, "; first bad input (key %.*s) %.200s",
                     (int)batch[done].keylen, (const char *)batch[done].key, ih);
        }
        goto fail;
    }
    json_t *v = json_object();
    int vec_ok = 0, rnd_ok = 0;
    json_t *first = NULL;
    for (size_t i = 0; i < n; i++) {
        uint8_t want[32];
        if (i < 5)
            ml_hex_decode(rx_vectors[i].hash, want, 32);
        else
            memcpy(want, rnd_ref + 32 * (i - 5), 32);
        int ok = !memcmp(got + 32 * i, want, 32);
        if (i < 5)
            vec_ok += ok;
        else
            rnd_ok += ok;
        if (!ok && !first) {
            char ih[2 * KB_MAX_INPUT + 1], kh[2 * KB_MAX_KEY + 1], gh[65], wh[65];
            ml_hex_encode(batch[i].data, batch[i].len, ih);
            ml_hex_encode(batch[i].key, batch[i].keylen, kh);
            ml_hex_encode(got + 32 * i, 32, gh);
            ml_hex_encode(want, 32, wh);
            first = json_pack("{s:s,s:s,s:s,s:s}", "key_hex", kh, "input_hex", ih,
                              "got", gh, "want", wh);
            snprintf(why, sizeof(why), "wrong hash for input %.300s (got %s, want %s)",
                     ih, gh, wh);
        }
    }
    json_object_set_new(v, "vectors_checked", json_integer(5));
    json_object_set_new(v, "vectors_ok", json_integer(vec_ok));
    json_object_set_new(v, "random_checked", json_integer((json_int_t)n - 5));
    json_object_set_new(v, "random_ok", json_integer(rnd_ok));
    json_object_set_new(v, "ok", json_boolean(!first));
    if (first)
        json_object_set_new(v, "first_mismatch", first);
    json_object_set_new(o, "verify", v);
    if (first)
        goto fail;
    /* Timing: batches of template nonces, doubling while under 0.5 s. */
    size_t b = (size_t)threads * 2, total = 0;
    uint32_t nonce = 0;
    t0 = now_s();
    while (now_s() - t0 < seconds) {
        double tb = now_s();
        for (size_t i = 0; i < b; i++)
            tmpl_input(&batch[i], nonce + (uint32_t)i);
        rc = kb_ext_hash(&x, batch, b, got, limit_s, &done, why, sizeof(why));
        if (rc) {
            char ih[2 * KB_MAX_INPUT + 1];
            size_t l = strlen(why);
            ml_hex_encode(batch[done].data, batch[done].len, ih);
            json_object_set_new(o, "first_bad_input_hex", json_string(ih));
            snprintf(why + l, sizeof(why) - l,
                     "; first bad input (timed, key %s) %.200s", BENCH_KEY, ih);
            goto fail;
        }
        /* The first hashes of the run are checked too (nonces 0..3). */
        for (size_t i = 0; i < b && nonce + i < 4; i++)
            if (memcmp(got + 32 * i, tmpl_ref[nonce + i], 32) != 0) {
                char ih[2 * KB_MAX_INPUT + 1];
                ml_hex_encode(batch[i].data, batch[i].len, ih);
                snprintf(why, sizeof(why), "wrong hash for input %.400s while timed",
                         ih);
                json_object_set_new(o, "first_bad_input_hex", json_string(ih));
                goto fail;
            }
        nonce += (uint32_t)b;
        total += b;
        if (now_s() - tb < 0.5 && b < 256)
            b = b * 2 > 256 ? 256 : b * 2;
    }
    double el = now_s() - t0;
    json_object_set_new(o, "hs_total", json_real((double)total / el));
    json_object_set_new(o, "hs_per_thread", json_real((double)total / el / threads));
    *rss_mib = kb_ext_stop(&x, NULL);
    return o;
fail:
    json_object_set_new(o, "error", json_string(why));
    json_object_set_new(o, "time_limit_s", json_real(applied));
    if (rc != -EINVAL && x.pid > 0)
        *rss_mib = kb_ext_stop(&x, NULL);
    return o;
}

/* ------------------------------------------------------------ mode states */

/* need: bit (1 << kind) for each kernel of the run. */
static int state_make(struct mode_state *ms, int mode, const struct opts *o,
                      unsigned need, char *err, size_t errlen)
{
    memset(ms, 0, sizeof(*ms));
    ms->mode = mode;
    ms->flags = randomx_get_flags();
    double t0;
    if (mode == RX_MODE_LIGHT) {
        t0 = now_s();
        if (!(need & (1u << K_LIB_JIT)))
            goto interp;
        ms->cache_jit = randomx_alloc_cache(ms->flags);
        if (!ms->cache_jit)
            return ml_err(err, errlen, -ENOMEM, "cannot allocate a librandomx cache");
        randomx_init_cache(ms->cache_jit, BENCH_KEY, strlen(BENCH_KEY));
        ms->build_s[K_LIB_JIT] = now_s() - t0;
    interp:
        t0 = now_s();
        if (!(need & (1u << K_LIB_INTERP)))
            goto rxref;
        ms->cache_interp = randomx_alloc_cache(ms->flags & ~RANDOMX_FLAG_JIT);
        if (!ms->cache_interp)
            return ml_err(err, errlen, -ENOMEM, "cannot allocate a librandomx cache");
        randomx_init_cache(ms->cache_interp, BENCH_KEY, strlen(BENCH_KEY));
        ms->build_s[K_LIB_INTERP] = now_s() - t0;
    rxref:
        t0 = now_s();
        if (!(need & (1u << K_RXREF)))
            return 0;
        if (rxref_cache_create(&ms->rcache, err, errlen) != 0)
            return -ENOMEM;
        rxref_cache_init(ms->rcache, BENCH_KEY, strlen(BENCH_KEY));
        ms->build_s[K_RXREF] = now_s() - t0;
        return 0;
    }
    struct rx_config cfg = {.mode = RX_MODE_FAST,
                            .pages = o->thp ? RX_PAGES_AUTO : RX_PAGES_SMALL,
                            .init_threads = o->max_threads,
                            .builder = RX_BUILDER_LIB,
                            .quiet = 1};
    int rc = rx_ctx_create(&cfg, &ms->ctx, err, errlen);
    if (rc)
        return rc;
    rx_ctx_rekey(ms->ctx, BENCH_KEY, strlen(BENCH_KEY));
    const struct rx_info *info = rx_ctx_info(ms->ctx);
    ms->build_s[K_LIB_JIT] = ms->build_s[K_LIB_INTERP] = ms->build_s[K_RXREF] =
        info->dataset_init_s;
    /* The kernels then hash over rxds's dataset (what fast mode uses). */
    if (need & (1u << K_RXDS))
        rx_ctx_rebuild(ms->ctx, RX_BUILDER_OWN);
    ms->build_s[K_RXDS] = info->dataset_init_s;
    snprintf(ms->rxds_kernel, sizeof(ms->rxds_kernel), "%s%s", info->builder,
             info->builder_fallback ? " (fell back)" : "");
    void *cache, *ds;
    rx_ctx_lib_handles(ms->ctx, &cache, &ds);
    ms->ds = ds;
    ms->ds_mem = rx_ctx_dataset_memory(ms->ctx, NULL);
    return 0;
}

static void state_free(struct mode_state *ms)
{
    if (ms->cache_jit)
        randomx_release_cache(ms->cache_jit);
    if (ms->cache_interp)
        randomx_release_cache(ms->cache_interp);
    rxref_cache_destroy(ms->rcache);
    rx_ctx_destroy(ms->ctx);
    memset(ms, 0, sizeof(*ms));
}

/* ---------------------------------------------------------------- options */

static int parse_list(const char *s, int *out, int max, int lo, int hi)
{
    char copy[256], *save = NULL;
    int n = 0;
    snprintf(copy, sizeof(copy), "%s", s);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        long v;
        if (n == max || ml_parse_long(t, lo, hi, &v) != 0)
            return -1;
        out[n++] = (int)v;
    }
    return n ? n : -1;
}

static int add_kernel(struct kernel *ks, int *n, enum kind k, const char *name,
                      const char *cmd)
{
    if (*n == MAX_KERNELS)
        return -1;
    struct kernel *kn = &ks[(*n)++];
    memset(kn, 0, sizeof(*kn));
    kn->kind = k;
    snprintf(kn->name, sizeof(kn->name), "%s", name);
    kn->cmd = cmd;
    kn->runs = json_array();
    kn->verify = json_object();
    snprintf(kn->status, sizeof(kn->status), "ok");
    return 0;
}

static int parse_kernels(const char *s, struct kernel *ks, int *n)
{
    static const struct {
        const char *name;
        enum kind k;
    } names[] = {{"lib-jit", K_LIB_JIT},
                 {"lib-interp", K_LIB_INTERP},
                 {"rxref", K_RXREF},
                 {"rxds", K_RXDS},
                 {"cuda", K_CUDA}};
    char copy[256], *save = NULL;
    snprintf(copy, sizeof(copy), "%s", s);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < 5 && strcmp(names[i].name, t))
            i++;
        if (i == 5 || add_kernel(ks, n, names[i].k, names[i].name, NULL))
            return -1;
    }
    return 0;
}

/* What the command line collects besides struct opts. */
struct cli {
    struct opts *o;
    struct kernel *ks;
    int nk, have_kernels;
    const char *ext[MAX_KERNELS];
    int next;
};

static int opt_kernels(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct cli *c = ctx;
    if (parse_kernels(arg, c->ks, &c->nk) != 0)
        return ml_err(err, errlen, -EINVAL,
                      "unknown kernel in '%s' (lib-jit, lib-interp, rxref, rxds, cuda)",
                      arg);
    c->have_kernels = 1;
    return 0;
}

static int opt_external(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct cli *c = ctx;
    if (c->next == MAX_KERNELS)
        return ml_err(err, errlen, -EINVAL, "at most %d --external kernels",
                      MAX_KERNELS);
    c->ext[c->next++] = arg;
    return 0;
}

static int opt_modes(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct opts *o = ctx;
    char copy[64], *save = NULL;
    o->nmodes = 0;
    snprintf(copy, sizeof(copy), "%s", arg);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (o->nmodes == 2 || (strcmp(t, "light") && strcmp(t, "fast")))
            return ml_err(err, errlen, -EINVAL, "--modes takes light,fast");
        o->modes[o->nmodes++] = strcmp(t, "fast") ? RX_MODE_LIGHT : RX_MODE_FAST;
    }
    return 0;
}

static int opt_threads(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct opts *o = ctx;
    o->nthreads = parse_list(arg, o->threads, MAX_LIST, 1, 65536);
    if (o->nthreads < 0)
        return ml_err(err, errlen, -EINVAL, "--threads takes a list of 1..65536");
    return 0;
}

/* ----------------------------------------------------------------- report */

static double mean_hs(const struct kernel *kn, int mode, int threads)
{
    double sum = 0;
    int n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(kn->runs, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "mode")), mode_name(mode)) ||
            json_integer_value(json_object_get(r, "threads")) != threads ||
            !json_is_number(json_object_get(r, "hs_total")))
            continue;
        sum += json_number_value(json_object_get(r, "hs_total"));
        n++;
    }
    return n ? sum / n : -1;
}

static double max_rss(const struct kernel *kn, int mode, int threads)
{
    double m = 0;
    size_t i;
    json_t *r;
    json_array_foreach(kn->runs, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "mode")), mode_name(mode)) ||
            json_integer_value(json_object_get(r, "threads")) != threads)
            continue;
        double v = json_number_value(json_object_get(r, "peak_rss_mib"));
        if (v > m)
            m = v;
    }
    return m;
}

/* The references: verify_n random inputs and the four template inputs
 * hashed by librandomx (light, JIT), key BENCH_KEY. 0, or -1 out of memory. */
static int make_references(int verify_n)
{
    rnd_in = calloc((size_t)verify_n + 1, sizeof(*rnd_in));
    rnd_ref = calloc((size_t)verify_n + 1, 32);
    randomx_cache *refc = randomx_alloc_cache(randomx_get_flags());
    randomx_vm *rv = NULL;
    if (refc) {
        randomx_init_cache(refc, BENCH_KEY, strlen(BENCH_KEY));
        rv = randomx_create_vm(randomx_get_flags(), refc, NULL);
    }
    if (!rnd_in || !rnd_ref || !rv) {
        if (refc)
            randomx_release_cache(refc);
        return -1;
    }
    for (int i = 0; i < verify_n; i++) {
        set_key(&rnd_in[i], BENCH_KEY);
        rnd_in[i].len = i % 4 == 3 ? 76 : (size_t)(rng() % 200);
        for (size_t b = 0; b < rnd_in[i].len; b++)
            rnd_in[i].data[b] = (uint8_t)rng();
        randomx_calculate_hash(rv, rnd_in[i].data, rnd_in[i].len, rnd_ref + 32 * i);
    }
    for (uint32_t i = 0; i < 4; i++) {
        struct kb_input t;
        tmpl_input(&t, i);
        randomx_calculate_hash(rv, t.data, t.len, tmpl_ref[i]);
    }
    randomx_destroy_vm(rv);
    randomx_release_cache(refc);
    return 0;
}

/* CUDA is not driven from here: the kernel is skipped, saying why. */
static void skip_cuda(struct kernel *ks, int nk)
{
    for (int i = 0; i < nk; i++)
        if (ks[i].kind == K_CUDA) {
            snprintf(ks[i].status, sizeof(ks[i].status), "skipped");
            if (access("/dev/nvidiactl", F_OK) != 0)
                snprintf(
                    ks[i].reason, sizeof(ks[i].reason),
                    "no NVIDIA GPU on this machine (/dev/nvidiactl missing); the GPU "
                    "figures come from tests/gpu/run.sh on a GPU machine");
            else
                snprintf(ks[i].reason, sizeof(ks[i].reason),
                         "a GPU is present: run minerlab-cuda-check random "
                         "(tests/gpu/run.sh); "
                         "the CUDA kernel is not driven from this benchmark yet");
        }
}

/* Fast mode's upper bound per thread count, from the dependent-read latency
 * of a 2 GiB probe (before the dataset exists, so the two never coexist). */
static void probe_bounds(const struct opts *o, json_t *bounds)
{
    for (int ti = 0; ti < o->nthreads; ti++) {
        double ns = kb_probe_latency((size_t)2 << 30, o->thp, o->threads[ti], 2.0);
        double bound =
            ns > 0 ? o->threads[ti] * 1e9 / (ns * DATASET_READS_PER_HASH) : 0;
        json_array_append_new(
            bounds,
            json_pack("{s:i,s:s,s:f,s:f,s:f}", "threads", o->threads[ti], "pages",
                      o->thp ? "thp" : "small", "ns_per_read", ns, "hs_bound_total",
                      bound, "hs_bound_per_thread", bound / o->threads[ti]));
        printf("bound: %d thread(s): %.1f ns per dependent read -> %.0f H/s\n",
               o->threads[ti], ns, bound);
    }
}

/* What building the mode's caches or dataset took, for the report. */
static json_t *build_times(const struct mode_state *ms, int max_threads)
{
    json_t *b = json_object();
    if (ms->mode == RX_MODE_LIGHT) {
        json_object_set_new(b, "lib-jit_cache_s", json_real(ms->build_s[K_LIB_JIT]));
        json_object_set_new(b, "lib-interp_cache_s",
                            json_real(ms->build_s[K_LIB_INTERP]));
        json_object_set_new(b, "rxref_cache_s", json_real(ms->build_s[K_RXREF]));
    } else {
        json_object_set_new(b, "lib_dataset_s", json_real(ms->build_s[K_LIB_JIT]));
        json_object_set_new(b, "rxds_dataset_s", json_real(ms->build_s[K_RXDS]));
        json_object_set_new(b, "rxds_builder", json_string(ms->rxds_kernel));
        json_object_set_new(b, "threads", json_integer(max_threads));
        printf("fast: dataset build with %d thread(s): librandomx %.2f s, %s %.2f s\n",
               max_threads, ms->build_s[K_LIB_JIT], ms->rxds_kernel,
               ms->build_s[K_RXDS]);
    }
    return b;
}

/*
 * The command line into o and the kernel list. -1 to go on, or the exit
 * status: 0 after --help, 2 on a usage error (base/opt.h).
 */
static int parse_cli(int argc, char **argv, struct opts *o, struct kernel *ks, int *nk)
{
    struct cli cli = {.o = o, .ks = ks};
    long seconds = 10, ext_timeout = 30, ext_init = 0;
    int no_thp = 0;
    const struct opt opts[] = {
        {"k|kernels", OPT_CALLBACK,
         &(struct opt_cb){opt_kernels, &cli, "lib-jit,lib-interp,rxref,rxds,cuda"}, 0,
         0, "LIST", "kernels to run (repeatable)"},
        {"x|external", OPT_CALLBACK, &(struct opt_cb){opt_external, &cli, NULL}, 0, 0,
         "CMD", "adds an external kernel (repeatable)"},
        {"m|modes", OPT_CALLBACK, &(struct opt_cb){opt_modes, o, "light,fast"}, 0, 0,
         "light,fast", "RandomX modes"},
        {"t|threads", OPT_CALLBACK, &(struct opt_cb){opt_threads, o, "1,2"}, 0, 0,
         "1,2", "thread counts, a list of 1..65536"},
        {"s|seconds", OPT_LONG, &seconds, 1, 3600, "S", "hashing time of each run"},
        {"r|rounds", OPT_INT, &o->rounds, 1, 3600, "R",
         "runs per kernel, mode and threads"},
        {"v|verify", OPT_INT, &o->verify_n, 0, 195, "N",
         "inputs checked against librandomx"},
        {"T|ext-timeout", OPT_LONG, &ext_timeout, 1, 3600, "S",
         "an external kernel's time limit"},
        {"I|ext-init", OPT_LONG, &ext_init, 0, 3600, "S",
         "extra time an external kernel may take to start"},
        {"no-huge-pages", OPT_FLAG, &no_thp, 0, 0, NULL, "no transparent huge pages"},
        {"j|json", OPT_STRING, &o->json_out, 0, 0, "FILE", "the results as JSON"},
        {"o|md", OPT_STRING, &o->md_out, 0, 0, "FILE", "the results as Markdown"},
    };
    int rc = opt_main(argc, argv, "minerlab bench",
                      "Benchmarks the RandomX kernels side by side (docs/kbench.md).",
                      opts, sizeof(opts) / sizeof(opts[0]), NULL);
    if (rc >= 0)
        return rc;
    o->seconds = (double)seconds;
    o->ext_timeout = (double)ext_timeout;
    o->ext_init = (double)ext_init;
    o->thp = !no_thp;
    if (!cli.have_kernels)
        parse_kernels("lib-jit,lib-interp,rxref,rxds,cuda", ks, &cli.nk);
    for (int i = 0; i < cli.next; i++) {
        /* ext:BASENAME plus the arguments, e.g. "ext:mykernel --avx2". */
        char name[96], prog[256], *sp;
        snprintf(prog, sizeof(prog), "%s", cli.ext[i]);
        const char *args = "";
        if ((sp = strchr(prog, ' '))) {
            *sp = '\0';
            args = cli.ext[i] + (sp - prog);
        }
        const char *base = strrchr(prog, '/');
        snprintf(name, sizeof(name), "ext:%.40s%.50s", base ? base + 1 : prog, args);
        if (add_kernel(ks, &cli.nk, K_EXT, name, cli.ext[i]) != 0)
            return 2;
    }
    *nk = cli.nk;
    return -1;
}

int main(int argc, char **argv)
{
    struct opts o = {.threads = {1, 2},
                     .nthreads = 2,
                     .modes = {RX_MODE_LIGHT, RX_MODE_FAST},
                     .nmodes = 2,
                     .seconds = 10,
                     .ext_timeout = 30,
                     .rounds = 3,
                     .verify_n = 20,
                     .thp = 1};
    static struct kernel ks[MAX_KERNELS];
    char err[256];
    int nk = 0, rc = parse_cli(argc, argv, &o, ks, &nk);
    if (rc >= 0)
        return rc;
    o.max_threads = 0;
    for (int i = 0; i < o.nthreads; i++)
        if (o.threads[i] > o.max_threads)
            o.max_threads = o.threads[i];
    unsigned kinds = 0;
    for (int i = 0; i < nk; i++)
        kinds |= 1u << ks[i].kind;
    int fast = 0;
    for (int i = 0; i < o.nmodes; i++)
        fast |= o.modes[i] == RX_MODE_FAST;

    /* Memory: caches (3 x 256 MiB light), the dataset and the 2 GiB probe
     * one after the other, 2 MiB scratchpad + 2 MiB rxref per thread, and the
     * per-run child's copy of the page tables; 256 MiB headroom. */
    uint64_t need = (uint64_t)3 * (256u << 20) + (uint64_t)o.max_threads * (4u << 20) +
                    (256u << 20);
    if (fast)
        need += rx_dataset_bytes() + (256u << 20);
    uint64_t avail = ml_mem_available();
    if (need > avail) {
        fprintf(stderr,
                "minerlab bench: threads up to %d in %s mode need %llu MiB, the "
                "machine has "
                "%llu MiB available; nothing started\n",
                o.max_threads, fast ? "fast" : "light",
                (unsigned long long)(need >> 20), (unsigned long long)(avail >> 20));
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    if (make_references(o.verify_n) != 0) {
        fprintf(stderr, "minerlab bench: out of memory for the reference\n");
        return 2;
    }

    double load0[3] = {0};
    getloadavg(load0, 3);
    json_t *report = json_object(), *bounds = json_array(), *builds = json_object();
    char flags[128];
    rx_flags_string(randomx_get_flags(), flags, sizeof(flags));
    json_object_set_new(report, "schema", json_string("minerlab-kbench/1"));
    json_object_set_new(report, "machine",
                        json_pack("{s:i,s:I,s:s,s:b,s:b,s:[f,f,f]}", "cpus",
                                  (int)sysconf(_SC_NPROCESSORS_ONLN),
                                  "mem_available_mib", (json_int_t)(avail >> 20),
                                  "librandomx_flags", flags, "avx2",
                                  __builtin_cpu_supports("avx2"), "avx512f",
                                  __builtin_cpu_supports("avx512f"), "loadavg_start",
                                  load0[0], load0[1], load0[2]));
    json_t *tl = json_array();
    for (int i = 0; i < o.nthreads; i++)
        json_array_append_new(tl, json_integer(o.threads[i]));
    json_object_set_new(
        report, "config",
        json_pack("{s:o,s:f,s:i,s:i,s:f,s:s,s:s}", "threads", tl, "seconds", o.seconds,
                  "rounds", o.rounds, "verify_random", o.verify_n, "ext_time_limit_s",
                  o.ext_timeout, "pages", o.thp ? "thp" : "small", "key", BENCH_KEY));

    skip_cuda(ks, nk);

    for (int mi = 0; mi < o.nmodes; mi++) {
        int mode = o.modes[mi];
        struct mode_state ms;
        if (mode == RX_MODE_FAST)
            probe_bounds(&o, bounds);
        if (state_make(&ms, mode, &o, kinds, err, sizeof(err)) != 0) {
            fprintf(stderr, "minerlab bench: %s mode: %s\n", mode_name(mode), err);
            state_free(&ms);
            continue;
        }
        json_object_set_new(builds, mode_name(mode), build_times(&ms, o.max_threads));

        for (int r = 0; r < o.rounds; r++)
            for (int ti = 0; ti < o.nthreads; ti++)
                for (int kk = 0; kk < nk; kk++) {
                    struct kernel *kn = &ks[(kk + r) % nk]; /* rotate the order */
                    int t = o.threads[ti];
                    if (kn->kind == K_CUDA || !strcmp(kn->status, "failed"))
                        continue;
                    /* rxds builds datasets: no hashing of its own in light
                     * mode; in fast mode lib-jit hashes over its dataset,
                     * so it is verified (round 0) but not timed again. */
                    if (kn->kind == K_RXDS &&
                        (mode == RX_MODE_LIGHT || r > 0 || ti > 0))
                        continue;
                    int vn = r == 0 && ti == 0 ? o.verify_n : -1;
                    double rss = 0;
                    json_t *res;
                    if (kn->kind == K_EXT)
                        res = run_external(kn, mode, t, o.seconds, o.verify_n,
                                           o.ext_timeout, o.ext_init, &rss);
                    else
                        res =
                            run_forked(kn->kind == K_RXDS ? K_LIB_JIT : kn->kind, &ms,
                                       t, kn->kind == K_RXDS ? 0 : o.seconds, vn, &rss);
                    if (!res) {
                        res = json_object();
                        json_object_set_new(res, "error",
                                            json_string("the run's child died"));
                    }
                    json_t *ver = json_object_get(res, "verify");
                    if (ver) {
                        json_object_set(kn->verify, mode_name(mode), ver);
                        if (!json_is_true(json_object_get(ver, "ok")) &&
                            !json_object_get(res, "error"))
                            json_object_set_new(
                                res, "error",
                                json_string("not bit-exact (see verify)"));
                    }
                    json_object_del(res, "verify");
                    json_object_set_new(res, "mode", json_string(mode_name(mode)));
                    json_object_set_new(res, "threads", json_integer(t));
                    json_object_set_new(res, "round", json_integer(r));
                    json_object_set_new(res, "peak_rss_mib", json_real(rss));
                    double la[3] = {0};
                    getloadavg(la, 3);
                    json_object_set_new(res, "loadavg1", json_real(la[0]));
                    const char *e = json_string_value(json_object_get(res, "error"));
                    if (e) {
                        snprintf(kn->status, sizeof(kn->status), "failed");
                        snprintf(kn->reason, sizeof(kn->reason),
                                 "%s mode, %d thread(s): %s", mode_name(mode), t, e);
                        printf("%-12s %-5s t=%d round %d: FAILED: %s\n", kn->name,
                               mode_name(mode), t, r, e);
                    } else if (kn->kind == K_RXDS) {
                        json_object_del(res, "hs_total");
                        json_object_del(res, "hs_per_thread");
                        json_object_del(res, "thread_hs");
                        printf("%-12s %-5s verified over its own dataset\n", kn->name,
                               mode_name(mode));
                    } else {
                        printf("%-12s %-5s t=%d round %d: %10.2f H/s (load %.1f)\n",
                               kn->name, mode_name(mode), t, r,
                               json_number_value(json_object_get(res, "hs_total")),
                               la[0]);
                    }
                    fflush(stdout);
                    json_array_append_new(kn->runs, res);
                }
        state_free(&ms);
    }

    /* Summary rows: means over rounds, ratios to lib-jit and to the bound. */
    json_t *kj = json_array(), *rows = json_array();
    const struct kernel *jit = NULL;
    for (int i = 0; i < nk; i++)
        if (ks[i].kind == K_LIB_JIT)
            jit = &ks[i];
    for (int i = 0; i < nk; i++) {
        struct kernel *kn = &ks[i];
        for (int mi = 0; mi < o.nmodes; mi++)
            for (int ti = 0; ti < o.nthreads; ti++) {
                int mode = o.modes[mi], t = o.threads[ti];
                double hs = mean_hs(kn, mode, t);
                if (hs < 0)
                    continue;
                double ref = jit ? mean_hs(jit, mode, t) : -1, bound = -1;
                size_t bi;
                json_t *bo;
                json_array_foreach(
                    bounds, bi,
                    bo) if (json_integer_value(json_object_get(bo, "threads")) == t)
                    bound = json_number_value(json_object_get(bo, "hs_bound_total"));
                json_t *row = json_pack("{s:s,s:s,s:i,s:f,s:f,s:f}", "kernel", kn->name,
                                        "mode", mode_name(mode), "threads", t,
                                        "hs_total", hs, "hs_per_thread", hs / t,
                                        "peak_rss_mib", max_rss(kn, mode, t));
                if (ref > 0)
                    json_object_set_new(row, "ratio_to_lib_jit", json_real(hs / ref));
                if (mode == RX_MODE_FAST && bound > 0) {
                    json_object_set_new(row, "hs_bound", json_real(bound));
                    json_object_set_new(row, "ratio_to_bound", json_real(hs / bound));
                }
                json_array_append_new(rows, row);
            }
        json_array_append_new(kj, json_pack("{s:s,s:s,s:s,s:O,s:O}", "name", kn->name,
                                            "status", kn->status, "reason", kn->reason,
                                            "verify", kn->verify, "runs", kn->runs));
    }
    double load1[3] = {0};
    getloadavg(load1, 3);
    json_object_set_new(json_object_get(report, "machine"), "loadavg_end",
                        json_pack("[f,f,f]", load1[0], load1[1], load1[2]));
    json_object_set_new(report, "memory_bound", bounds);
    json_object_set_new(report, "builds", builds);
    json_object_set_new(report, "kernels", kj);
    json_object_set_new(report, "summary", rows);

    /* Markdown table. */
    FILE *md = o.md_out ? fopen(o.md_out, "w") : NULL;
    FILE *outs[2] = {stdout, md};
    for (int f = 0; f < 2; f++) {
        FILE *fp = outs[f];
        if (!fp)
            continue;
        fprintf(
            fp,
            "\n| kernel | mode | threads | H/s total | H/s per thread | vs lib-jit | "
            "mem bound H/s | vs bound | peak RSS MiB "
            "|\n|---|---|---|---|---|---|---|---|---|\n");
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            json_t *rj = json_object_get(row, "ratio_to_lib_jit");
            json_t *bb = json_object_get(row, "hs_bound");
            json_t *rb = json_object_get(row, "ratio_to_bound");
            char rjs[32] = "-", bbs[32] = "-", rbs[32] = "-";
            if (rj)
                snprintf(rjs, sizeof(rjs), "%.3f", json_number_value(rj));
            if (bb)
                snprintf(bbs, sizeof(bbs), "%.0f", json_number_value(bb));
            if (rb)
                snprintf(rbs, sizeof(rbs), "%.3f", json_number_value(rb));
            fprintf(fp, "| %s | %s | %d | %.2f | %.2f | %s | %s | %s | %.0f |\n",
                    json_string_value(json_object_get(row, "kernel")),
                    json_string_value(json_object_get(row, "mode")),
                    (int)json_integer_value(json_object_get(row, "threads")),
                    json_number_value(json_object_get(row, "hs_total")),
                    json_number_value(json_object_get(row, "hs_per_thread")), rjs, bbs,
                    rbs, json_number_value(json_object_get(row, "peak_rss_mib")));
        }
        fprintf(fp, "\n| kernel | status | bit-exact (vectors, random) | note "
                    "|\n|---|---|---|---|\n");
        for (int k = 0; k < nk; k++) {
            char ex[128] = "";
            const char *mk;
            json_t *vv;
            json_object_foreach(ks[k].verify, mk, vv)
            {
                size_t l = strlen(ex);
                snprintf(
                    ex + l, sizeof(ex) - l, "%s%s %lld/%lld, %lld/%lld", l ? "; " : "",
                    mk,
                    (long long)json_integer_value(json_object_get(vv, "vectors_ok")),
                    (long long)json_integer_value(
                        json_object_get(vv, "vectors_checked")),
                    (long long)json_integer_value(json_object_get(vv, "random_ok")),
                    (long long)json_integer_value(
                        json_object_get(vv, "random_checked")));
            }
            fprintf(fp, "| %s | %s | %s | %s |\n", ks[k].name, ks[k].status,
                    ex[0] ? ex : "-", ks[k].reason);
        }
        json_t *fb = json_object_get(builds, "fast");
        if (fb)
            fprintf(fp, "\nDataset build (%d threads): librandomx %.2f s, %s %.2f s.\n",
                    (int)json_integer_value(json_object_get(fb, "threads")),
                    json_number_value(json_object_get(fb, "lib_dataset_s")),
                    json_string_value(json_object_get(fb, "rxds_builder")),
                    json_number_value(json_object_get(fb, "rxds_dataset_s")));
        fprintf(fp, "Load average %.2f at the start, %.2f at the end (%d CPUs).\n",
                load0[0], load1[0], (int)sysconf(_SC_NPROCESSORS_ONLN));
    }
    if (md)
        fclose(md);
    rc = 0;
    if (o.json_out &&
        json_dump_file(report, o.json_out, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
        fprintf(stderr, "minerlab bench: cannot write %s\n", o.json_out);
        rc = 2;
    }
    for (int k = 0; k < nk; k++)
        if (!strcmp(ks[k].status, "failed"))
            rc = rc ? rc : 1;
    json_decref(report);
    free(rnd_in);
    free(rnd_ref);
    return rc;
}
