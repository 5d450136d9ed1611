/*
 * backend — the hashing interface. The Stratum client, the throttle and the
 * statistics talk to a backend only through these calls, so a CPU backend
 * (workers.c) and a CUDA backend can be swapped without touching them.
 *
 * Threads: create/set_job/set_duty/stats/stop/destroy may be called from one
 * controlling thread (the miner's libuv loop thread, or main in --bench).
 * The result callback runs on a backend thread; it must be cheap and
 * thread-safe (the Stratum client pushes into a queue and uv_async_send()s).
 */
#ifndef BACKEND_H
#define BACKEND_H

#include "miner_job.h"
#include "rx.h"

typedef void (*backend_result_fn)(void *ud, const struct miner_result *res);

struct backend_config {
    int threads;          /* hashing threads (CPU) or feeder count */
    int duty_pct;         /* 1..100 of one core per thread */
    int cpu_priority;     /* -1 = leave alone, 0..5 as XMRig */
    struct rx_config rx;  /* mode, huge pages, init threads */
    int verbose;
};

struct backend_stats {
    uint64_t hashes;            /* total hashes since start */
    uint64_t results;           /* results handed to the callback */
    uint64_t thread_hashes[64]; /* per thread, first 64 threads */
    int threads;
    int duty_pct;
    double rekey_s;             /* duration of the last re-key */
    int ready;                  /* 1 once the first job is keyed */
};

struct backend_ops {
    const char *name;
    /* 0 or -errno with a reason in err. On success *self owns threads. */
    int (*create)(const struct backend_config *cfg, backend_result_fn cb, void *ud,
                  void **self, char *err, size_t errlen);
    /*
     * Replaces the current job. Returns at once; when the seed hash differs
     * the backend re-keys on its own thread (workers idle meanwhile) and
     * starts the job when ready. Workers drop stale work within one hash.
     */
    int (*set_job)(void *self, const struct miner_job *job);
    /* Stops hashing until the next set_job (e.g. the pool connection died). */
    void (*pause)(void *self);
    /* New duty cycle, 1..100, applies within one hash. */
    void (*set_duty)(void *self, int duty_pct);
    void (*stats)(void *self, struct backend_stats *out);
    /* Library info for summaries ("JIT HARD_AES ... large pages: no"). */
    const struct rx_info *(*info)(void *self);
    /* Joins every thread; safe to call twice. */
    void (*stop)(void *self);
    void (*destroy)(void *self);
};

extern const struct backend_ops cpu_backend_ops;

#endif
