/*
 * RandomX light-mode share verification on libuv's worker pool. One light
 * context (256 MiB cache) keyed with the current seed; VMs are pooled and
 * reused by worker threads. A read-write lock lets verifications run in
 * parallel while a re-key (after a seed rotation) has the context alone; the
 * re-key happens lazily, in the first verification that needs the new seed.
 * Shares for a seed older than the current one never reach this file: the
 * loop thread rejects them as stale.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ml_util.h"
#include "pool_int.h"
#include "rx.h"

#define VM_MAX 64
#define BACKLOG_PER_THREAD 64 /* queued verifications per worker thread */

struct pool_verifier {
    struct rx_ctx *ctx;
    pthread_rwlock_t lock; /* read: hashing; write: re-key */
    uint8_t seed[32];      /* the context's key (under lock) */
    int keyed;
    pthread_mutex_t vm_mutex;       /* guards the list below */
    struct rx_vm *free_vms[VM_MAX]; /* every worker thread's own VM */
    int n_free;
    int backlog; /* queued or running (loop thread only) */
    int max_backlog;
    int nice;                     /* for the worker threads */
    struct verify_work *inflight; /* for cancelling at shutdown */
    uv_work_t prekey;             /* the first keying, at start */
    uint8_t prekey_seed[32];
    int prekey_busy;
};

struct verify_work {
    uv_work_t req;
    struct verify_work *prev, *next; /* in-flight list (loop thread) */
    struct pool_session *s;
    int64_t req_id;
    char job_id[24];
    char nonce_hex[9];
    uint64_t difficulty;
    uint8_t input[POOL_BLOB_LEN];
    uint8_t seed[32];
    uint8_t result[32];
    int ok; /* 1 match, 0 mismatch, -1 internal error */
    pool_share_done_fn done;
};

static void prekey_work(uv_work_t *req);
static void prekey_done(uv_work_t *req, int status);

int pool_verifier_create(struct pool *p, char *err, size_t errlen)
{
    struct pool_verifier *v = calloc(1, sizeof(*v));
    struct rx_config cfg = {.mode = RX_MODE_LIGHT, .pages = RX_PAGES_AUTO, .quiet = 1};
    if (!v)
        return -ENOMEM;
    int rc = rx_ctx_create(&cfg, &v->ctx, err, errlen);
    if (rc) {
        free(v);
        return rc;
    }
    pthread_rwlock_init(&v->lock, NULL);
    pthread_mutex_init(&v->vm_mutex, NULL);
    v->max_backlog =
        BACKLOG_PER_THREAD * (p->cfg->verify_threads > 0 ? p->cfg->verify_threads : 2);
    v->nice = p->cfg->verify_nice;
    p->verifier = v;
    /* Key for the first template at once, on a worker thread, so that the
     * listeners open without waiting for the cache and the first shares
     * rarely wait for it either. */
    memcpy(v->prekey_seed, p->tmpl.seed, 32);
    v->prekey.data = v;
    if (uv_queue_work(p->loop, &v->prekey, prekey_work, prekey_done) == 0)
        v->prekey_busy = 1;
    return 0;
}

void pool_verifier_cancel(struct pool_verifier *v)
{
    /* uv_cancel succeeds only for work not started yet; those complete at
     * once with UV_ECANCELED. Running verifications finish normally. */
    for (struct verify_work *w = v ? v->inflight : NULL; w; w = w->next)
        uv_cancel((uv_req_t *)&w->req);
    if (v && v->prekey_busy)
        uv_cancel((uv_req_t *)&v->prekey);
}

void pool_verifier_destroy(struct pool_verifier *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->n_free; i++)
        rx_vm_destroy(v->free_vms[i]);
    rx_ctx_destroy(v->ctx);
    pthread_rwlock_destroy(&v->lock);
    pthread_mutex_destroy(&v->vm_mutex);
    free(v);
}

/* Takes the read lock with the context keyed for seed (re-keying if the
 * seed is newer). */
static void lock_for_seed(struct pool_verifier *v, const uint8_t seed[32])
{
    pthread_rwlock_rdlock(&v->lock);
    if (v->keyed && !memcmp(v->seed, seed, 32))
        return;
    pthread_rwlock_unlock(&v->lock);
    pthread_rwlock_wrlock(&v->lock);
    if (!v->keyed || memcmp(v->seed, seed, 32)) {
        if (rx_ctx_rekey(v->ctx, seed, 32) == 0) {
            memcpy(v->seed, seed, 32);
            v->keyed = 1;
        }
    }
    pthread_rwlock_unlock(&v->lock);
    pthread_rwlock_rdlock(&v->lock);
}

static void prekey_work(uv_work_t *req)
{
    struct pool_verifier *v = req->data;
    lock_for_seed(v, v->prekey_seed);
    pthread_rwlock_unlock(&v->lock);
}

static void prekey_done(uv_work_t *req, int status)
{
    struct pool_verifier *v = req->data;
    v->prekey_busy = 0;
}

/*
 * Each worker thread keeps its own VM: a light-mode VM's 2 MiB scratchpad and
 * JIT code stay in that core's caches (a shared free list made VMs hop
 * between threads and cost about half the throughput). The VMs are also
 * listed here so that pool_verifier_destroy can free them.
 */
static struct rx_vm *thread_vm(struct pool_verifier *v)
{
    static _Thread_local struct rx_vm *vm;
    static _Thread_local struct pool_verifier *owner;
    if (vm && owner == v)
        return vm;
    struct rx_vm *nvm = rx_vm_create(v->ctx, NULL, 0);
    if (!nvm)
        return NULL;
    pthread_mutex_lock(&v->vm_mutex);
    if (v->n_free < VM_MAX) {
        v->free_vms[v->n_free++] = nvm;
        vm = nvm;
        owner = v;
    }
    pthread_mutex_unlock(&v->vm_mutex);
    if (vm != nvm) {
        rx_vm_destroy(nvm);
        return NULL;
    }
    return vm;
}

static void verify_work(uv_work_t *req)
{
    static _Thread_local int reniced;
    struct verify_work *w = req->data;
    struct pool_verifier *v = w->s->pool->verifier;
    uint8_t hash[32];
    /* Verification must never starve the loop thread (keepalived answers,
     * job broadcasts): worker threads run at a lower priority (--verify-nice,
     * 5 by default: on an otherwise idle box they still get every core). */
    if (!reniced) {
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), v->nice);
        reniced = 1;
    }
    lock_for_seed(v, w->seed);
    if (!v->keyed || memcmp(v->seed, w->seed, 32)) {
        w->ok = -1;
    } else {
        struct rx_vm *vm = thread_vm(v);
        if (!vm || rx_vm_sync(vm)) {
            w->ok = -1;
        } else {
            rx_vm_hash(vm, w->input, sizeof(w->input), hash);
            w->ok = memcmp(hash, w->result, 32) == 0;
        }
    }
    pthread_rwlock_unlock(&v->lock);
}

static void verify_done(uv_work_t *req, int status)
{
    struct verify_work *w = req->data;
    struct pool_session *s = w->s;
    struct pool_verifier *v = s->pool->verifier;
    v->backlog--;
    if (w->prev)
        w->prev->next = w->next;
    else
        v->inflight = w->next;
    if (w->next)
        w->next->prev = w->prev;
    struct pool_share_verdict d = {
        w->req_id,      w->job_id, w->nonce_hex,           w->difficulty,
        REJ_UNVERIFIED, 0,         "verifier-unavailable", 1};
    if (status == 0 && w->ok >= 0) {
        d.reject = w->ok ? REJ_NONE : REJ_INVALID;
        d.verified = 1;
        d.how = "randomx";
    } else if (status == UV_ECANCELED) {
        d.how = "cancelled";
    }
    w->done(s, &d); /* and drops the reference taken at queueing */
    free(w);
}

int pool_verify_queue(struct pool_session *s, int64_t req_id,
                      const struct pool_job *job, uint32_t nonce,
                      const uint8_t result[32], const char *nonce_hex,
                      pool_share_done_fn done)
{
    struct pool_verifier *v = s->pool->verifier;
    if (v->backlog >= v->max_backlog)
        return -EBUSY; /* overloaded: the caller refuses it as not verified */
    struct verify_work *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->req.data = w;
    w->s = s;
    w->req_id = req_id;
    w->done = done;
    w->difficulty = job->difficulty;
    snprintf(w->job_id, sizeof(w->job_id), "%s", job->job_id);
    snprintf(w->nonce_hex, sizeof(w->nonce_hex), "%s", nonce_hex);
    memcpy(w->input, job->blob, POOL_BLOB_LEN);
    ml_store32le(w->input + STRATUM_NONCE_OFFSET, nonce);
    memcpy(w->seed, job->seed, 32);
    memcpy(w->result, result, 32);
    int rc = uv_queue_work(s->pool->loop, &w->req, verify_work, verify_done);
    if (rc) {
        free(w);
        return rc;
    }
    s->refs++;
    v->backlog++;
    w->next = v->inflight;
    if (w->next)
        w->next->prev = w;
    v->inflight = w;
    return 0;
}
