/*
 * cuda_backend — backend_ops over cuda_dev: one feeder thread that re-keys,
 * uploads the dataset, hashes nonce batches on the GPU, re-checks shares on
 * the CPU and applies the duty cycle. See cuda_backend.h.
 */
#include "cuda_backend.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda_dev.h"
#include "duty.h"
#include "hashrate.h"
#include "ml_util.h"
#include "rx.h"
#include "rxref.h"


struct cuda_backend {
    struct backend_config cfg;
    backend_result_fn cb;
    void *ud;
    struct cuda_dev *dev;
    struct cuda_dev_info dinfo;
    struct rx_ctx *ctx;
    struct rxref_cache *own;  /* MINERLAB_CUDA_DATASET=gpu: our light cache */
    struct rx_vm *vm;         /* CPU re-check VM; used under key_lock */
    pthread_mutex_t key_lock; /* rx_ctx re-key vs CPU hashes */
    pthread_mutex_t lock;     /* everything below */
    pthread_cond_t wake;
    pthread_t feeder;
    int feeder_started;
    int stopping, paused, have_job, ready, done;
    struct miner_job job;
    uint64_t job_seq;
    uint8_t keyed_seed[32];
    size_t keyed_len;
    int keyed;
    volatile int abort_batch; /* set by set_job/pause/stop */
    volatile int duty_pct;
    uint64_t job_start_ns;
    struct rx_info info;
    struct cuda_backend_report rep;
    uint64_t results, first_ns, last_ns, feeder_t0_ns;
    struct hashrate rates; /* under lock */
    double rekey_s;
};

/* --------------------------------------------------------------- feeder -- */

static void apply_ramp(struct cuda_backend *be, uint64_t now)
{
    const struct backend_config *c = &be->cfg;
    if (c->ramp_seconds <= 0 || !be->job_start_ns)
        return;
    be->duty_pct = duty_ramp_pct(c->ramp_from, c->ramp_to, c->ramp_seconds,
                                 (double)(now - be->job_start_ns) / 1e9);
}

/*
 * Makes the GPU dataset for the job's seed. Default: librandomx builds it on
 * the CPU (fast mode, all cores) and it is uploaded. MINERLAB_CUDA_DATASET=gpu:
 * our own Argon2d cache is uploaded and the GPU computes the items; the CPU
 * keeps only librandomx's light cache for re-checks. Feeder thread.
 */
static int make_dataset(struct cuda_backend *be, double *kernel_s, char *err,
                        size_t errlen)
{
    size_t bytes = 0;
    if (be->own)
        return cuda_dev_build_dataset(be->dev, rxref_cache_memory(be->own),
                                      rxref_cache_programs(be->own), kernel_s, err,
                                      errlen);
    void *mem = rx_ctx_dataset_memory(be->ctx, &bytes);
    if (!mem)
        return ml_err(err, errlen, -EINVAL, "no fast-mode dataset on the CPU");
    return cuda_dev_upload_dataset(be->dev, mem, bytes, err, errlen);
}

/* Re-keys the CPU side and the GPU dataset. Feeder thread, unlocked. */
static int rekey(struct cuda_backend *be, const struct miner_job *job)
{
    size_t len = job->seed_len ? job->seed_len : 32;
    double kernel_s = 0;
    char err[256] = "";
    if (be->keyed && len == be->keyed_len &&
        !memcmp(be->keyed_seed, job->seed_hash, len))
        return 0;
    uint64_t t0 = ml_mono_ns();
    pthread_mutex_lock(&be->key_lock);
    int rc = rx_ctx_rekey(be->ctx, job->seed_hash, len);
    if (rc == 0)
        rc = rx_vm_sync(be->vm);
    pthread_mutex_unlock(&be->key_lock);
    if (rc == 0 && be->own)
        rxref_cache_init(be->own, job->seed_hash, len);
    uint64_t t1 = ml_mono_ns();
    if (rc)
        snprintf(err, sizeof(err), "re-key failed (%d)", rc);
    else
        rc = make_dataset(be, &kernel_s, err, sizeof(err));
    pthread_mutex_lock(&be->lock);
    if (rc) {
        snprintf(be->rep.last_error, sizeof(be->rep.last_error), "%s", err);
    } else {
        memcpy(be->keyed_seed, job->seed_hash, len);
        be->keyed_len = len;
        be->keyed = 1;
        be->rep.dataset_upload_s = (double)(ml_mono_ns() - t1) / 1e9;
        be->rep.dataset_gpu_s = kernel_s;
        be->rekey_s = (double)(ml_mono_ns() - t0) / 1e9;
    }
    pthread_mutex_unlock(&be->lock);
    return rc;
}

static uint32_t nonce_at(const struct miner_job *job, uint32_t base, uint64_t k)
{
    uint32_t n = base + (uint32_t)k;
    if (job->nicehash) {
        uint32_t fixed = ml_load32le(job->blob + MINER_NONCE_OFFSET) & 0xFF000000u;
        return fixed | (n & 0x00FFFFFFu);
    }
    return n;
}

/* Re-checks the shares of one batch on the CPU and emits the good ones. */
static void emit_shares(struct cuda_backend *be, const struct miner_job *job,
                        uint64_t seq, const uint8_t *inputs, const uint8_t *hashes,
                        int n)
{
    for (int i = 0; i < n; i++) {
        const uint8_t *h = hashes + 32 * (size_t)i;
        if (!miner_hash_meets(h, job->target64))
            continue;
        const uint8_t *in = inputs + (size_t)i * CUDA_DEV_INPUT_MAX;
        uint8_t ref[32];
        pthread_mutex_lock(&be->key_lock);
        rx_vm_hash(be->vm, in, job->blob_len, ref);
        pthread_mutex_unlock(&be->key_lock);
        pthread_mutex_lock(&be->lock);
        be->rep.checked++;
        int bad = memcmp(ref, h, 32) != 0;
        if (bad)
            be->rep.mismatches++;
        else
            be->results++;
        pthread_mutex_unlock(&be->lock);
        if (bad) {
            /* Rare and important: always said, never submitted. */
            fprintf(stderr,
                    "cuda: GPU hash differs from the CPU for nonce %08x, share "
                    "dropped\n",
                    ml_load32le(in + MINER_NONCE_OFFSET));
            continue;
        }
        struct miner_result r;
        memset(&r, 0, sizeof(r));
        memcpy(r.job_id, job->job_id, sizeof(r.job_id));
        r.job_seq = seq;
        r.nonce = ml_load32le(in + MINER_NONCE_OFFSET);
        memcpy(r.hash, ref, 32);
        r.thread = 0;
        be->cb(be->ud, &r);
    }
}

/* After every kernel launch (feeder thread): live GPU busy/idle time. */
static void on_launch(void *ud, double busy_ms, double idle_ms)
{
    struct cuda_backend *be = ud;
    pthread_mutex_lock(&be->lock);
    be->rep.gpu_busy_s += busy_ms / 1e3;
    be->rep.gpu_idle_s += idle_ms / 1e3;
    be->rep.feeder_cpu_s = (double)ml_thread_cpu_ns() / 1e9;
    pthread_mutex_unlock(&be->lock);
}

static void account(struct cuda_backend *be, const struct cuda_dev_run *run,
                    uint64_t t0, uint64_t t1)
{
    pthread_mutex_lock(&be->lock);
    be->rep.gpu_hashes += (uint64_t)run->count;
    if (!be->first_ns)
        be->first_ns = t0;
    be->last_ns = t1;
    hashrate_add(&be->rates, t1, be->rep.gpu_hashes);
    be->rep.feeder_cpu_s = (double)ml_thread_cpu_ns() / 1e9;
    pthread_mutex_unlock(&be->lock);
}

/* Hashes one job until it changes. Returns -errno on a fatal GPU error. */
static int hash_job(struct cuda_backend *be, const struct miner_job *job, uint64_t seq,
                    uint8_t *inputs, uint32_t *lens, uint8_t *hashes)
{
    uint32_t base = job->nicehash ? 0 : (uint32_t)(ml_mono_ns() >> 10) << 8;
    uint64_t k = 0, limit = be->cfg.nonce_limit;
    char err[256];
    if (limit)
        base = 0;
    for (;;) {
        pthread_mutex_lock(&be->lock);
        int stale = be->stopping || be->paused || be->job_seq != seq;
        pthread_mutex_unlock(&be->lock);
        if (stale)
            return 0;
        int n = be->rep.batch;
        if (limit && k + (uint64_t)n > limit)
            n = (int)(limit - k);
        if (n <= 0) {
            pthread_mutex_lock(&be->lock);
            be->done = 1;
            pthread_mutex_unlock(&be->lock);
            return 0;
        }
        for (int i = 0; i < n; i++) {
            uint8_t *in = inputs + (size_t)i * CUDA_DEV_INPUT_MAX;
            memcpy(in, job->blob, job->blob_len);
            ml_store32le(in + MINER_NONCE_OFFSET, nonce_at(job, base, k + (uint64_t)i));
            lens[i] = (uint32_t)job->blob_len;
        }
        apply_ramp(be, ml_mono_ns());
        struct cuda_dev_run run = {.inputs = inputs,
                                   .lens = lens,
                                   .count = n,
                                   .hashes = hashes,
                                   .duty_pct = &be->duty_pct,
                                   .abort = &be->abort_batch,
                                   .on_launch = on_launch,
                                   .ud = be};
        uint64_t t0 = ml_mono_ns();
        int rc = cuda_dev_run(be->dev, &run, err, sizeof(err));
        if (rc == -ECANCELED)
            return 0;
        if (rc) {
            pthread_mutex_lock(&be->lock);
            snprintf(be->rep.last_error, sizeof(be->rep.last_error), "%s", err);
            pthread_mutex_unlock(&be->lock);
            fprintf(stderr, "cuda: %s; GPU hashing stopped\n", err);
            return rc;
        }
        account(be, &run, t0, ml_mono_ns());
        emit_shares(be, job, seq, inputs, hashes, n);
        k += (uint64_t)n;
    }
}

static void *feeder_main(void *arg)
{
    struct cuda_backend *be = arg;
    int b = be->rep.batch;
    uint8_t *inputs = calloc((size_t)b, CUDA_DEV_INPUT_MAX);
    uint32_t *lens = calloc((size_t)b, sizeof(*lens));
    uint8_t *hashes = calloc((size_t)b, 32);
    struct miner_job job;
    if (!inputs || !lens || !hashes) {
        snprintf(be->rep.last_error, sizeof(be->rep.last_error),
                 "feeder: out of memory");
        goto out;
    }
    pthread_mutex_lock(&be->lock);
    for (;;) {
        while (!be->stopping && (be->paused || !be->have_job || be->done))
            pthread_cond_wait(&be->wake, &be->lock);
        if (be->stopping)
            break;
        job = be->job;
        uint64_t seq = be->job_seq;
        be->abort_batch = 0;
        pthread_mutex_unlock(&be->lock);
        int rc = rekey(be, &job);
        if (rc == 0) {
            pthread_mutex_lock(&be->lock);
            be->ready = 1;
            if (!be->job_start_ns)
                be->job_start_ns = ml_mono_ns();
            pthread_mutex_unlock(&be->lock);
            rc = hash_job(be, &job, seq, inputs, lens, hashes);
        }
        pthread_mutex_lock(&be->lock);
        if (rc && rc != -ECANCELED) {
            /* Never hash on with a broken device: wait to be stopped. */
            be->paused = 1;
            be->have_job = 0;
        } else if (be->job_seq == seq && !be->done) {
            be->have_job = 0; /* a re-key failure: wait for the next job */
        }
        be->rep.feeder_cpu_s = (double)ml_thread_cpu_ns() / 1e9;
    }
    pthread_mutex_unlock(&be->lock);
out:
    free(inputs);
    free(lens);
    free(hashes);
    return NULL;
}

/* ----------------------------------------------------------------- ops -- */

static void cuda_destroy(void *self);

static int cuda_create(const struct backend_config *cfg, backend_result_fn cb, void *ud,
                       void **self, char *err, size_t errlen)
{
    struct cuda_backend *be = calloc(1, sizeof(*be));
    int rc;
    if (!be)
        return ml_err(err, errlen, -ENOMEM, "cuda: out of memory");
    be->cfg = *cfg;
    be->cb = cb;
    be->ud = ud;
    be->duty_pct = cfg->ramp_seconds > 0 ? cfg->ramp_from : cfg->duty_pct;
    if (be->duty_pct < 1 || be->duty_pct > 100)
        be->duty_pct = 100;
    pthread_mutex_init(&be->lock, NULL);
    pthread_mutex_init(&be->key_lock, NULL);
    pthread_cond_init(&be->wake, NULL);
    if ((rc = cuda_dev_open(0, &be->dev, err, errlen)) != 0)
        goto fail;
    cuda_dev_get_info(be->dev, &be->dinfo);
    snprintf(be->rep.device, sizeof(be->rep.device), "%s", be->dinfo.name);
    /* The GPU needs the whole dataset, so the CPU side is always fast mode. */
    /* The GPU needs the whole dataset: built by librandomx on the CPU (fast
     * mode) unless MINERLAB_CUDA_DATASET=gpu (then light mode suffices). */
    const char *where = getenv("MINERLAB_CUDA_DATASET");
    int on_gpu = where && !strcmp(where, "gpu");
    struct rx_config rxc = cfg->rx;
    rxc.mode = on_gpu ? RX_MODE_LIGHT : RX_MODE_FAST;
    if (rxc.v2) {
        rc = ml_err(err, errlen, -ENOTSUP,
                    "cuda: the GPU kernel implements rx/0 (v1) only");
        goto fail;
    }
    if (on_gpu && (rc = rxref_cache_create(&be->own, err, errlen)) != 0)
        goto fail;
    if ((rc = rx_ctx_create(&rxc, &be->ctx, err, errlen)) != 0)
        goto fail;
    if (!(be->vm = rx_vm_create(be->ctx, err, errlen))) {
        rc = -ENOMEM;
        goto fail;
    }
    /* Dataset first: it decides how many scratchpads fit next to it. */
    if ((rc = cuda_dev_reserve_dataset(be->dev, rx_dataset_bytes(), err, errlen)) != 0)
        goto fail;
    if ((rc = cuda_dev_alloc_batch(be->dev, 0, err, errlen)) < 0)
        goto fail;
    be->rep.batch = rc;
    be->info = *rx_ctx_info(be->ctx);
    snprintf(be->info.flags_str, sizeof(be->info.flags_str),
             "CUDA %.40s sm_%d%d batch %d", be->dinfo.name, be->dinfo.cc_major,
             be->dinfo.cc_minor, be->rep.batch);
    be->feeder_t0_ns = ml_mono_ns();
    if ((rc = -pthread_create(&be->feeder, NULL, feeder_main, be)) != 0) {
        ml_err(err, errlen, rc, "cuda: cannot start the feeder thread");
        goto fail;
    }
    be->feeder_started = 1;
    *self = be;
    return 0;
fail:
    cuda_destroy(be);
    return rc;
}

static int cuda_set_job(void *self, const struct miner_job *job)
{
    struct cuda_backend *be = self;
    if (job->algo != MINER_ALGO_RX0 || job->blob_len > CUDA_DEV_INPUT_MAX ||
        job->blob_len < MINER_NONCE_OFFSET + 4)
        return -ENOTSUP;
    pthread_mutex_lock(&be->lock);
    be->job = *job;
    be->job_seq++;
    be->have_job = 1;
    be->paused = 0;
    be->done = 0;
    be->abort_batch = 1;
    pthread_cond_broadcast(&be->wake);
    pthread_mutex_unlock(&be->lock);
    return 0;
}

static void cuda_pause(void *self)
{
    struct cuda_backend *be = self;
    pthread_mutex_lock(&be->lock);
    be->paused = 1;
    be->abort_batch = 1;
    pthread_mutex_unlock(&be->lock);
}

static void cuda_set_duty(void *self, int duty_pct)
{
    struct cuda_backend *be = self;
    be->duty_pct = duty_pct < 1 ? 1 : duty_pct > 100 ? 100 : duty_pct;
}

static void cuda_stats(void *self, struct backend_stats *st)
{
    struct cuda_backend *be = self;
    memset(st, 0, sizeof(*st));
    pthread_mutex_lock(&be->lock);
    st->hashes = be->rep.gpu_hashes;
    st->thread_hashes[0] = be->rep.gpu_hashes;
    st->results = be->results;
    st->threads = 1;
    st->duty_pct = be->duty_pct;
    st->rekey_s = be->rekey_s;
    st->ready = be->ready;
    st->threads_done = be->done;
    st->hashing_s =
        be->last_ns > be->first_ns ? (double)(be->last_ns - be->first_ns) / 1e9 : 0;
    hashrate_windows(&be->rates, st->hashrate);
    pthread_mutex_unlock(&be->lock);
}

static const struct rx_info *cuda_info(void *self)
{
    return &((struct cuda_backend *)self)->info;
}

static int cuda_cpu_hash(void *self, const void *in, size_t len, uint8_t out[32])
{
    struct cuda_backend *be = self;
    pthread_mutex_lock(&be->lock);
    int keyed = be->keyed;
    pthread_mutex_unlock(&be->lock);
    if (!keyed)
        return -EAGAIN;
    pthread_mutex_lock(&be->key_lock);
    rx_vm_hash(be->vm, in, len, out);
    pthread_mutex_unlock(&be->key_lock);
    return 0;
}

static void cuda_stop(void *self)
{
    struct cuda_backend *be = self;
    pthread_mutex_lock(&be->lock);
    be->stopping = 1;
    be->abort_batch = 1;
    pthread_cond_broadcast(&be->wake);
    pthread_mutex_unlock(&be->lock);
    if (be->feeder_started) {
        pthread_join(be->feeder, NULL);
        be->feeder_started = 0;
    }
}

static void cuda_destroy(void *self)
{
    struct cuda_backend *be = self;
    if (!be)
        return;
    cuda_stop(be);
    rx_vm_destroy(be->vm);
    rx_ctx_destroy(be->ctx);
    rxref_cache_destroy(be->own);
    cuda_dev_close(be->dev);
    pthread_cond_destroy(&be->wake);
    pthread_mutex_destroy(&be->lock);
    pthread_mutex_destroy(&be->key_lock);
    free(be);
}

void cuda_backend_report(void *self, struct cuda_backend_report *out)
{
    struct cuda_backend *be = self;
    pthread_mutex_lock(&be->lock);
    *out = be->rep;
    pthread_mutex_unlock(&be->lock);
    double total = out->gpu_busy_s + out->gpu_idle_s;
    out->duty_measured = total > 0 ? 100.0 * out->gpu_busy_s / total : 0;
    out->feeder_wall_s = (double)(ml_mono_ns() - be->feeder_t0_ns) / 1e9;
    out->feeder_cpu_pct =
        out->feeder_wall_s > 0 ? 100.0 * out->feeder_cpu_s / out->feeder_wall_s : 0;
}

const struct backend_ops cuda_backend_ops = {
    .name = "cuda",
    .create = cuda_create,
    .set_job = cuda_set_job,
    .pause = cuda_pause,
    .set_duty = cuda_set_duty,
    .stats = cuda_stats,
    .info = cuda_info,
    .cpu_hash = cuda_cpu_hash,
    .stop = cuda_stop,
    .destroy = cuda_destroy,
};
