/*
 * workers — the CPU hashing backend: N worker threads, each with its own
 * RandomX VM, pipelined hashing, a per-thread closed-loop duty cycle, and a
 * controller thread that re-keys, ramps the duty and samples hash rates.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "duty.h"
#include "hashrate.h"
#include "ml_util.h"

/* Hot per-thread counters on their own cache line (cpuminer's work_restart). */
struct worker {
    _Alignas(64) atomic_uint_fast64_t hashes;
    atomic_uint_fast64_t first_ns, last_ns;
    int index;
    int done;
    pthread_t tid;
    struct rx_vm *vm;
    struct cpu_backend *be;
    char pad[64];
};

struct cpu_backend {
    struct backend_config cfg;
    backend_result_fn cb;
    void *ud;
    struct rx_ctx *ctx;
    struct worker *workers;
    int nworkers;
    int nstarted; /* worker threads actually running (joined on stop) */

    pthread_mutex_t lock;
    pthread_cond_t wake;  /* workers and controller wait on it */
    struct miner_job job; /* current job, under lock */
    struct miner_job pending;
    int have_pending, have_job, paused, rekeying, busy, stopping;
    uint32_t nonce_base; /* random start per job, under lock */
    double rekey_s;
    uint64_t job_start_ns;

    _Alignas(64) atomic_uint_fast64_t job_seq; /* bumped on every change */
    atomic_int duty_pct;
    atomic_uint_fast64_t results;

    pthread_t controller;
    int controller_started;
    int controller_done;    /* under lock: the controller has left its loop */
    int orphaned;           /* under lock: the controller frees the backend */
    struct rx_vm *check_vm; /* created on first cpu_hash() */
    struct hashrate rates;  /* controller thread; read under lock */
};

/* Set when cpu_destroy leaves a controller re-keying (backend_left_running). */
static atomic_int left_running;

int backend_left_running(void)
{
    return atomic_load(&left_running);
}

static uint64_t total_hashes(struct cpu_backend *be)
{
    uint64_t sum = 0;
    for (int i = 0; i < be->nworkers; i++)
        sum += atomic_load_explicit(&be->workers[i].hashes, memory_order_relaxed);
    return sum;
}

/* XMRig's --cpu-priority: 0 idle (SCHED_IDLE), 1..5 nice 5, 2, 0, -2, -5. */
static void apply_priority(int prio)
{
    static const int nice_of[] = {19, 5, 2, 0, -2, -5};
    if (prio < 0 || prio > 5)
        return;
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice_of[prio]);
    if (prio == 0) {
        struct sched_param sp = {0};
        if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
            pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
    }
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
    nanosleep(&ts, NULL);
}

static uint32_t nonce_for(const struct worker *w, const struct miner_job *job,
                          uint32_t base, uint64_t k)
{
    uint64_t n = (uint64_t)base + (uint64_t)w->index + k * (uint64_t)w->be->nworkers;
    if (job->nicehash) {
        uint32_t fixed = ml_load32le(job->blob + MINER_NONCE_OFFSET) & 0xFF000000u;
        return fixed | ((uint32_t)n & 0x00FFFFFFu);
    }
    return (uint32_t)n;
}

static void emit(struct worker *w, const struct miner_job *job, uint64_t seq,
                 uint32_t nonce, const uint8_t hash[32])
{
    struct miner_result r;
    memcpy(r.job_id, job->job_id, sizeof(r.job_id));
    r.job_seq = seq;
    r.nonce = nonce;
    memcpy(r.hash, hash, 32);
    r.thread = w->index;
    atomic_fetch_add_explicit(&w->be->results, 1, memory_order_relaxed);
    w->be->cb(w->be->ud, &r);
}

/*
 * Hashes one job until it changes, the backend pauses or stops, or the
 * offline nonce limit is reached. Pipelined: each hash_next() finishes the
 * previous nonce and starts the next one.
 */
static void hash_job(struct worker *w, const struct miner_job *job, uint64_t seq,
                     uint32_t base)
{
    struct cpu_backend *be = w->be;
    uint8_t blob[2][MINER_BLOB_MAX], out[32];
    size_t len = job->blob_len;
    uint64_t k = 0, limit = be->cfg.nonce_limit;
    int cur = 0, duty = atomic_load(&be->duty_pct);
    struct duty_ctl dc;

    if (limit && (uint64_t)w->index >= limit) {
        w->done = 1;
        return;
    }
    memcpy(blob[0], job->blob, len);
    memcpy(blob[1], job->blob, len);
    uint32_t pend = nonce_for(w, job, base, k++);
    ml_store32le(blob[cur] + MINER_NONCE_OFFSET, pend);
    duty_init(&dc, duty, ml_mono_ns(), ml_thread_cpu_ns());
    uint64_t t0 = ml_mono_ns();
    uint_fast64_t expected = 0;
    atomic_compare_exchange_strong(&w->first_ns, &expected, t0);
    rx_vm_hash_first(w->vm, blob[cur], len);

    while (atomic_load_explicit(&be->job_seq, memory_order_acquire) == seq) {
        int d = atomic_load_explicit(&be->duty_pct, memory_order_relaxed);
        if (d != duty) {
            duty = d;
            duty_init(&dc, duty, ml_mono_ns(), ml_thread_cpu_ns());
        }
        if (duty < 100) {
            uint64_t s = duty_sleep_ns(&dc, ml_mono_ns(), ml_thread_cpu_ns());
            if (s) {
                sleep_ns(s);
                continue;
            }
        }
        uint64_t idx = (uint64_t)w->index + k * (uint64_t)be->nworkers;
        if (limit && idx >= limit) {
            rx_vm_hash_last(w->vm, out);
            atomic_fetch_add_explicit(&w->hashes, 1, memory_order_relaxed);
            atomic_store(&w->last_ns, ml_mono_ns());
            if (miner_hash_meets(out, job->target64))
                emit(w, job, seq, pend, out);
            w->done = 1;
            return;
        }
        uint32_t next = nonce_for(w, job, base, k++);
        ml_store32le(blob[cur ^ 1] + MINER_NONCE_OFFSET, next);
        rx_vm_hash_next(w->vm, blob[cur ^ 1], len, out);
        atomic_fetch_add_explicit(&w->hashes, 1, memory_order_relaxed);
        atomic_store_explicit(&w->last_ns, ml_mono_ns(), memory_order_relaxed);
        if (miner_hash_meets(out, job->target64))
            emit(w, job, seq, pend, out);
        pend = next;
        cur ^= 1;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct cpu_backend *be = w->be;
    struct miner_job job;
    apply_priority(be->cfg.cpu_priority);
    pthread_mutex_lock(&be->lock);
    for (;;) {
        while (!be->stopping && (!be->have_job || be->have_pending || be->paused ||
                                 be->rekeying || w->done))
            pthread_cond_wait(&be->wake, &be->lock);
        if (be->stopping)
            break;
        job = be->job;
        uint64_t seq = atomic_load(&be->job_seq);
        uint32_t base = be->nonce_base;
        be->busy++;
        pthread_mutex_unlock(&be->lock);

        if (rx_vm_sync(w->vm) == 0)
            hash_job(w, &job, seq, base);
        else
            w->done = 1; /* cannot hash without a VM; the others go on */

        pthread_mutex_lock(&be->lock);
        be->busy--;
        pthread_cond_broadcast(&be->wake);
        /* Same job and not done: nothing new to do until it changes. */
        while (!be->stopping && !w->done && atomic_load(&be->job_seq) == seq)
            pthread_cond_wait(&be->wake, &be->lock);
    }
    pthread_mutex_unlock(&be->lock);
    return NULL;
}

static size_t seed_len(const struct miner_job *j)
{
    return j->seed_len && j->seed_len < sizeof(j->seed_hash) ? j->seed_len
                                                             : sizeof(j->seed_hash);
}

static int same_seed(const struct miner_job *a, const struct miner_job *b)
{
    return seed_len(a) == seed_len(b) &&
           !memcmp(a->seed_hash, b->seed_hash, seed_len(a));
}

/* Called with the lock held: installs the pending job, re-keying first. */
static void install_pending(struct cpu_backend *be, int *keyed)
{
    struct miner_job job = be->pending;
    be->have_pending = 0;
    if (!*keyed || !same_seed(&job, &be->job)) {
        be->rekeying = 1;
        atomic_fetch_add(&be->job_seq, 1);
        while (be->busy > 0)
            pthread_cond_wait(&be->wake, &be->lock);
        pthread_mutex_unlock(&be->lock);
        uint64_t t0 = ml_mono_ns();
        rx_ctx_rekey(be->ctx, job.seed_hash, seed_len(&job));
        double s = (double)(ml_mono_ns() - t0) / 1e9;
        pthread_mutex_lock(&be->lock);
        be->rekey_s = s;
        be->rekeying = 0;
        *keyed = 1;
    }
    be->job = job;
    if (be->cfg.nonce_limit)
        be->nonce_base = 0;
    else
        getrandom(&be->nonce_base, sizeof(be->nonce_base), 0);
    if (!be->job_start_ns)
        be->job_start_ns = ml_mono_ns();
    be->have_job = 1;
    atomic_fetch_add(&be->job_seq, 1);
    pthread_cond_broadcast(&be->wake);
}

static void apply_ramp(struct cpu_backend *be, uint64_t now)
{
    const struct backend_config *c = &be->cfg;
    if (c->ramp_seconds <= 0 || !be->job_start_ns)
        return;
    atomic_store(&be->duty_pct, duty_ramp_pct(c->ramp_from, c->ramp_to, c->ramp_seconds,
                                              (double)(now - be->job_start_ns) / 1e9));
}

static void backend_free(struct cpu_backend *be);

static void *controller_main(void *arg)
{
    struct cpu_backend *be = arg;
    int keyed = 0;
    uint64_t next_tick = ml_mono_ns();
    pthread_mutex_lock(&be->lock);
    while (!be->stopping) {
        if (be->have_pending) {
            install_pending(be, &keyed);
            continue;
        }
        uint64_t now = ml_mono_ns();
        if (now >= next_tick) {
            hashrate_add(&be->rates, now, total_hashes(be));
            apply_ramp(be, now);
            next_tick = now + 1000000000ull;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t wait = next_tick - now;
        ts.tv_sec += (time_t)(wait / 1000000000ull);
        ts.tv_nsec += (long)(wait % 1000000000ull);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&be->wake, &be->lock, &ts);
    }
    /* A stop that came during a re-key did not wait for it (cpu_destroy):
     * then the backend is ours to free. */
    be->controller_done = 1;
    int orphaned = be->orphaned;
    pthread_cond_broadcast(&be->wake);
    pthread_mutex_unlock(&be->lock);
    if (orphaned)
        backend_free(be);
    return NULL;
}

static void cpu_destroy(void *self);

static int cpu_create(const struct backend_config *cfg, backend_result_fn cb, void *ud,
                      void **self, char *err, size_t errlen)
{
    struct cpu_backend *be = calloc(1, sizeof(*be));
    int rc = 0;
    if (!be)
        return ml_err(err, errlen, -ENOMEM, "out of memory");
    be->cfg = *cfg;
    be->cb = cb;
    be->ud = ud;
    be->nworkers = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    atomic_init(&be->duty_pct, cfg->ramp_seconds > 0 ? cfg->ramp_from : cfg->duty_pct);
    pthread_mutex_init(&be->lock, NULL);
    pthread_cond_init(&be->wake, NULL);
    rc = rx_ctx_create(&cfg->rx, &be->ctx, err, errlen);
    if (rc)
        goto out;
    be->workers = aligned_alloc(64, sizeof(struct worker) * (size_t)be->nworkers);
    if (!be->workers) {
        rc = ml_err(err, errlen, -ENOMEM, "out of memory for %d workers", be->nworkers);
        goto out;
    }
    memset(be->workers, 0, sizeof(struct worker) * (size_t)be->nworkers);
    for (int i = 0; i < be->nworkers; i++) {
        struct worker *w = &be->workers[i];
        w->index = i;
        w->be = be;
        w->vm = rx_vm_create(be->ctx, err, errlen);
        if (!w->vm) {
            rc = -ENOMEM;
            goto out;
        }
    }
    if (pthread_create(&be->controller, NULL, controller_main, be) != 0) {
        rc = ml_err(err, errlen, -EAGAIN, "cannot start the controller thread");
        goto out;
    }
    be->controller_started = 1;
    for (int i = 0; i < be->nworkers; i++) {
        if (pthread_create(&be->workers[i].tid, NULL, worker_main, &be->workers[i]) !=
            0) {
            rc = ml_err(err, errlen, -EAGAIN, "cannot start worker thread %d", i);
            goto out;
        }
        be->nstarted++;
    }
out:
    if (rc) {
        cpu_destroy(be);
        return rc;
    }
    *self = be;
    return 0;
}

static int cpu_set_job(void *self, const struct miner_job *job)
{
    struct cpu_backend *be = self;
    if (job->blob_len < MINER_NONCE_OFFSET + 4 || job->blob_len > MINER_BLOB_MAX)
        return -EINVAL;
    pthread_mutex_lock(&be->lock);
    be->pending = *job;
    be->have_pending = 1;
    be->paused = 0;
    /* Stop current hashing at once; the controller installs the job. */
    atomic_fetch_add(&be->job_seq, 1);
    pthread_cond_broadcast(&be->wake);
    pthread_mutex_unlock(&be->lock);
    return 0;
}

static void cpu_pause(void *self)
{
    struct cpu_backend *be = self;
    pthread_mutex_lock(&be->lock);
    be->paused = 1;
    atomic_fetch_add(&be->job_seq, 1);
    pthread_cond_broadcast(&be->wake);
    pthread_mutex_unlock(&be->lock);
}

static void cpu_set_duty(void *self, int pct)
{
    struct cpu_backend *be = self;
    atomic_store(&be->duty_pct, pct < 1 ? 1 : pct > 100 ? 100 : pct);
}

static void cpu_stats(void *self, struct backend_stats *st)
{
    struct cpu_backend *be = self;
    uint64_t first = UINT64_MAX, last = 0;
    memset(st, 0, sizeof(*st));
    st->threads = be->nworkers;
    for (int i = 0; i < be->nworkers; i++) {
        struct worker *w = &be->workers[i];
        uint64_t h = atomic_load(&w->hashes);
        st->hashes += h;
        if (i < 64)
            st->thread_hashes[i] = h;
        uint64_t f = atomic_load(&w->first_ns), l = atomic_load(&w->last_ns);
        if (f && f < first)
            first = f;
        if (l > last)
            last = l;
    }
    st->hashing_s = last > first ? (double)(last - first) / 1e9 : 0;
    st->results = atomic_load(&be->results);
    st->duty_pct = atomic_load(&be->duty_pct);
    pthread_mutex_lock(&be->lock);
    st->rekey_s = be->rekey_s;
    st->ready = be->have_job;
    hashrate_windows(&be->rates, st->hashrate);
    for (int i = 0; i < be->nworkers; i++)
        st->threads_done += be->workers[i].done;
    pthread_mutex_unlock(&be->lock);
}

static const struct rx_info *cpu_info(void *self)
{
    struct cpu_backend *be = self;
    return rx_ctx_info(be->ctx);
}

static int cpu_hash(void *self, const void *in, size_t len, uint8_t out[32])
{
    struct cpu_backend *be = self;
    pthread_mutex_lock(&be->lock);
    int keyed = be->have_job && !be->rekeying;
    pthread_mutex_unlock(&be->lock);
    if (!keyed)
        return -EAGAIN;
    if (!be->check_vm && !(be->check_vm = rx_vm_create(be->ctx, NULL, 0)))
        return -ENOMEM;
    if (rx_vm_sync(be->check_vm))
        return -ENOMEM;
    rx_vm_hash(be->check_vm, in, len, out);
    return 0;
}

/*
 * Stops hashing: the workers are joined (they leave within one hash). The
 * controller is joined too unless it is keying the cache or building the
 * dataset, which cannot be interrupted and takes from a second (light mode,
 * more under a sanitizer) to half a minute (fast mode): a stop never waits
 * for that; cpu_destroy leaves the backend to the controller then.
 */
static void cpu_stop(void *self)
{
    struct cpu_backend *be = self;
    pthread_mutex_lock(&be->lock);
    int was = be->stopping;
    be->stopping = 1;
    atomic_fetch_add(&be->job_seq, 1);
    pthread_cond_broadcast(&be->wake);
    pthread_mutex_unlock(&be->lock);
    if (was)
        return;
    for (int i = 0; i < be->nstarted; i++)
        pthread_join(be->workers[i].tid, NULL);
    be->nstarted = 0;
}

static void backend_free(struct cpu_backend *be)
{
    if (be->workers)
        for (int i = 0; i < be->nworkers; i++)
            rx_vm_destroy(be->workers[i].vm);
    rx_vm_destroy(be->check_vm);
    free(be->workers);
    rx_ctx_destroy(be->ctx);
    pthread_mutex_destroy(&be->lock);
    pthread_cond_destroy(&be->wake);
    free(be);
}

/*
 * After a stop, whoever is last frees: this thread when the controller has
 * left its loop (joined here), else the controller when its re-key ends (it
 * is detached; the process usually exits first, and the kernel takes the
 * memory back).
 */
static void cpu_destroy(void *self)
{
    struct cpu_backend *be = self;
    if (!be)
        return;
    cpu_stop(be);
    if (be->controller_started) {
        pthread_t tid = be->controller;
        pthread_mutex_lock(&be->lock);
        int done = be->controller_done || !be->rekeying;
        if (!done)
            be->orphaned = 1;
        pthread_mutex_unlock(&be->lock);
        if (!done) {
            atomic_store(&left_running, 1);
            pthread_detach(tid); /* be may be gone already: not touched again */
            return;
        }
        pthread_join(tid, NULL);
    }
    backend_free(be);
}

const struct backend_ops cpu_backend_ops = {
    .name = "cpu",
    .create = cpu_create,
    .set_job = cpu_set_job,
    .pause = cpu_pause,
    .set_duty = cpu_set_duty,
    .stats = cpu_stats,
    .info = cpu_info,
    .cpu_hash = cpu_hash,
    .stop = cpu_stop,
    .destroy = cpu_destroy,
};
