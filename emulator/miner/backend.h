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
    int threads;         /* hashing threads (CPU) or feeder count */
    int duty_pct;        /* 1..100 of one core per thread */
    int cpu_priority;    /* -1 = leave alone, 0..5 as XMRig */
    struct rx_config rx; /* mode, huge pages, init threads */
    /* Duty ramp: from -> to percent over seconds, from the first job on. */
    int ramp_from, ramp_to, ramp_seconds;
    /*
     * Offline benchmark only: thread i hashes nonces i, i+threads, ... below
     * nonce_limit and then idles; 0 = unlimited with random nonce starts.
     */
    uint64_t nonce_limit;
    int verbose;
};

struct backend_stats {
    uint64_t hashes;            /* total hashes since start */
    uint64_t results;           /* results handed to the callback */
    uint64_t thread_hashes[64]; /* per thread, first 64 threads */
    int threads;
    int duty_pct;
    double rekey_s;     /* duration of the last re-key */
    int ready;          /* 1 once the first job is keyed */
    double hashrate[3]; /* H/s over 10 s, 60 s, 15 min (shorter at start) */
    double hashing_s;   /* first hash start to last hash end, all threads */
    int threads_done;   /* threads that reached nonce_limit */
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
    /*
     * One hash on the CPU with the current key, for re-checking results
     * (the bench's verification, the CUDA backend's share check). Controlling
     * thread only; 0, or -EAGAIN before the first job is keyed.
     */
    int (*cpu_hash)(void *self, const void *in, size_t len, uint8_t out[32]);
    /*
     * Joins the hashing threads; safe to call twice. A re-key in progress
     * (cache fill, dataset build) cannot be interrupted and is not waited
     * for: destroy then leaves it to finish and free on its own thread.
     */
    void (*stop)(void *self);
    void (*destroy)(void *self);
};

extern const struct backend_ops cpu_backend_ops;
/* Defined only when the CUDA backend is built (emulator/cuda/). */
extern const struct backend_ops cuda_backend_ops __attribute__((weak));

/*
 * 1 when a destroy left a re-key running on its own thread. The process
 * should then end with _exit() once its output is flushed: the kernel takes
 * that memory back, whereas normal exit handlers would run beside the thread
 * and a sanitizer's leak scan of the live 256 MiB cache alone takes a second.
 */
int backend_left_running(void);
/* The backend called name ("cpu", "cuda"), or NULL with a reason in err. */
const struct backend_ops *backend_find(const char *name, char *err, size_t errlen);

#endif
