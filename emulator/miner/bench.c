#include "bench.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "backend.h"
#include "ml_util.h"
#include "rx_vectors.h"
#include "selftest.h"

/* Every hash of the run, kept so the result can be checked afterwards. */
struct bench_log {
    pthread_mutex_t lock;
    struct miner_result *items;
    size_t n, cap;
    int oom;
};

static void on_result(void *ud, const struct miner_result *r)
{
    struct bench_log *log = ud;
    pthread_mutex_lock(&log->lock);
    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 4096;
        void *p = realloc(log->items, cap * sizeof(*log->items));
        if (!p) {
            log->oom = 1;
            pthread_mutex_unlock(&log->lock);
            return;
        }
        log->items = p;
        log->cap = cap;
    }
    log->items[log->n++] = *r;
    pthread_mutex_unlock(&log->lock);
}

static int cmp_nonce(const void *a, const void *b)
{
    uint32_t x = ((const struct miner_result *)a)->nonce;
    uint32_t y = ((const struct miner_result *)b)->nonce;
    return x < y ? -1 : x > y;
}

struct verdict {
    const char *method; /* "reference-xor", "recomputed", "sampled" */
    size_t checked;
    int ok;
    char xor_hex[65];
};

/*
 * Checks the run. Nonces 0..999 exactly: the XOR must equal the upstream
 * benchmark's published value. Otherwise the hashes (all, or an evenly
 * spaced sample when there are many) are recomputed one at a time on one
 * thread and compared, XOR against XOR.
 */
static void verify(const struct backend_ops *be, void *self, struct bench_log *log,
                   enum rx_mode mode, struct verdict *v)
{
    uint8_t total[32] = {0}, mine[32] = {0}, ref[32] = {0}, blob[76], out[32];
    size_t limit = mode == RX_MODE_FAST ? 2000 : 150;
    if (log->n == 0) {
        v->method = "none";
        v->ok = 0;
        ml_hex_encode(total, 32, v->xor_hex);
        return;
    }
    qsort(log->items, log->n, sizeof(*log->items), cmp_nonce);
    for (size_t i = 0; i < log->n; i++)
        for (int b = 0; b < 32; b++)
            total[b] ^= log->items[i].hash[b];
    ml_hex_encode(total, 32, v->xor_hex);
    if (log->n == 1000 && log->items[0].nonce == 0 && log->items[999].nonce == 999) {
        v->method = "reference-xor";
        v->checked = 1000;
        v->ok = !strcmp(v->xor_hex, selftest_bench_xor_hex);
        return;
    }
    size_t step = log->n > limit ? log->n / limit : 1;
    v->method = step > 1 ? "sampled" : "recomputed";
    v->checked = 0;
    memcpy(blob, rx_bench_template, sizeof(blob));
    for (size_t i = 0; i < log->n; i += step) {
        ml_store32le(blob + MINER_NONCE_OFFSET, log->items[i].nonce);
        if (be->cpu_hash(self, blob, sizeof(blob), out)) {
            v->ok = 0;
            return;
        }
        for (int b = 0; b < 32; b++) {
            ref[b] ^= out[b];
            mine[b] ^= log->items[i].hash[b];
        }
        v->checked++;
    }
    v->ok = !memcmp(ref, mine, 32);
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static void print_text(const struct backend_stats *st, const struct rx_info *info,
                       const struct verdict *v, double rate)
{
    printf("bench: mode %s, %d threads, duty %d%%, flags %s\n",
           info->mode == RX_MODE_FAST ? "fast" : "light", st->threads, st->duty_pct,
           info->flags_str);
    printf("bench: pages: %s\n", info->large_pages ? "reserved huge pages"
                                 : info->thp       ? "transparent huge pages (madvise)"
                                                   : "small pages");
    printf("bench: cache init %.2f s, dataset init %.2f s (%d threads)\n",
           info->cache_init_s, info->dataset_init_s, info->init_threads);
    for (int i = 0; i < st->threads && i < 64; i++)
        printf("bench: thread %d: %lu hashes, %.1f H/s\n", i,
               (unsigned long)st->thread_hashes[i],
               st->hashing_s > 0 ? (double)st->thread_hashes[i] / st->hashing_s : 0.0);
    printf("bench: %lu hashes in %.2f s: %.1f H/s total\n", (unsigned long)st->hashes,
           st->hashing_s, rate);
    printf("bench: result %s (%s, %zu hashes checked): %s\n", v->xor_hex, v->method,
           v->checked, v->ok ? "ok" : "MISMATCH");
    printf("bench: peak RSS %.1f MiB\n", peak_rss_mib());
}

static void print_json(const struct backend_stats *st, const struct rx_info *info,
                       const struct verdict *v, double rate)
{
    json_t *per = json_array();
    for (int i = 0; i < st->threads && i < 64; i++)
        json_array_append_new(
            per,
            json_real(st->hashing_s > 0 ? (double)st->thread_hashes[i] / st->hashing_s
                                        : 0.0));
    json_t *root = json_pack(
        "{s:s,s:i,s:I,s:f,s:f,s:f,s:f,s:b,s:b,s:s,s:i,s:i,s:o,s:s,s:s,s:I,s:b,s:f,s:s}",
        "mode", info->mode == RX_MODE_FAST ? "fast" : "light", "threads", st->threads,
        "hashes", (json_int_t)st->hashes, "seconds", st->hashing_s, "hashrate", rate,
        "dataset_init_s", info->dataset_init_s, "cache_init_s", info->cache_init_s,
        "large_pages", info->large_pages, "thp", info->thp, "flags", info->flags_str,
        "flags_bits", info->flags, "duty", st->duty_pct, "thread_hashrate", per,
        "result", v->xor_hex, "verify_method", v->method, "verified_hashes",
        (json_int_t)v->checked, "verified", v->ok, "peak_rss_mib", peak_rss_mib(),
        "version", MINERLAB_VERSION);
    char *s =
        json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    puts(s);
    free(s);
    json_decref(root);
}

int bench_run(const struct miner_options *o, volatile int *stop_flag)
{
    char err[256];
    struct backend_config cfg;
    struct bench_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    const struct backend_ops *be = backend_find(o->backend, err, sizeof(err));
    void *self = NULL;
    int rc = 1;
    if (!be) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        return 2;
    }
    miner_backend_config(o, &cfg);
    cfg.nonce_limit = o->bench_hashes > 0 ? (uint64_t)o->bench_hashes : 0;
    if (be->create(&cfg, on_result, &log, &self, err, sizeof(err))) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        return 1;
    }
    /* The upstream benchmark job: key = LE u32 0, its block template. */
    struct miner_job job = {
        .blob_len = sizeof(rx_bench_template), .target64 = UINT64_MAX, .height = 1};
    snprintf(job.job_id, sizeof(job.job_id), "bench");
    memcpy(job.blob, rx_bench_template, job.blob_len);
    memset(job.seed_hash, 0, sizeof(job.seed_hash));
    job.seed_len = 4;
    be->set_job(self, &job);

    struct backend_stats st;
    uint64_t t_hash0 = 0, next_print = 0;
    for (;;) {
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
        be->stats(self, &st);
        if (st.ready && !t_hash0)
            next_print = t_hash0 = ml_mono_ns();
        if (o->print_time_s && t_hash0 &&
            ml_mono_ns() >= next_print + (uint64_t)o->print_time_s * 1000000000ull) {
            next_print = ml_mono_ns();
            fprintf(stderr,
                    "bench: speed 10s/60s/15m %.1f %.1f %.1f H/s, %llu hashes\n",
                    st.hashrate[0], st.hashrate[1], st.hashrate[2],
                    (unsigned long long)st.hashes);
        }
        if (stop_flag && *stop_flag)
            break;
        if (cfg.nonce_limit && st.threads_done >= st.threads)
            break;
        if (!cfg.nonce_limit && t_hash0 &&
            (double)(ml_mono_ns() - t_hash0) / 1e9 >= o->bench_seconds)
            break;
    }
    be->pause(self);
    be->stats(self, &st);
    const struct rx_info *info = be->info(self);
    double rate = st.hashing_s > 0 ? (double)st.hashes / st.hashing_s : 0;
    struct verdict v = {0};
    if (log.oom) {
        fprintf(stderr, "minerlab-miner: out of memory recording bench hashes\n");
        goto out;
    }
    verify(be, self, &log, info->mode, &v);
    if (o->json)
        print_json(&st, info, &v, rate);
    else
        print_text(&st, info, &v, rate);
    rc = v.ok ? 0 : 3;
    if (!v.ok)
        fprintf(stderr,
                "minerlab-miner: benchmark result does not match one-thread hashing\n");
out:
    be->destroy(self);
    free(log.items);
    return rc;
}
