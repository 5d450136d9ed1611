/*
 * cuda_dev — the GPU side of minerlab's CUDA backend, with a C interface so
 * the backend and the check tool stay plain C. The kernel is the portable
 * reference VM (emulator/rxref/rxref_core.h) compiled for the device: one
 * thread per hash, scratchpads and VM state in global memory, the dataset
 * uploaded once per seed, AES tables copied into shared memory per block.
 * A batch runs as 66 short launches (begin, 8 programs in 8 slices of 256
 * iterations, end) so the duty cycle can pause between launches and stale
 * work is dropped within one launch.
 *
 * Threads: a cuda_dev is used by one thread (the backend's feeder). All
 * functions return 0 or a negative errno-style code with a reason in err.
 */
#ifndef CUDA_DEV_H
#define CUDA_DEV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CUDA_DEV_INPUT_MAX 128 /* bytes per input (Monero blobs are 76) */

struct cuda_dev;
struct rxref_ss_program;

struct cuda_dev_info {
    char name[256];
    size_t total_mem;
    size_t free_mem;
    int sm_count;
    int cc_major, cc_minor;
    int driver_version, runtime_version;
};

/*
 * Opens GPU `ordinal` with blocking synchronisation (the feeder sleeps in
 * the driver instead of spinning). -ENODEV when there is no GPU or driver.
 */
int cuda_dev_open(int ordinal, struct cuda_dev **out, char *err, size_t errlen);
void cuda_dev_get_info(const struct cuda_dev *d, struct cuda_dev_info *info);
/*
 * Copies a full dataset (RXREF_DATASET_ITEMS * 64 bytes, host memory) to
 * the GPU; the device buffer is allocated once and reused on re-key.
 * -ENOMEM when the GPU lacks the memory.
 */
int cuda_dev_upload_dataset(struct cuda_dev *d, const void *dataset, size_t bytes,
                            char *err, size_t errlen);
/* Allocates the device dataset (bytes) without filling it; idempotent. */
int cuda_dev_reserve_dataset(struct cuda_dev *d, size_t bytes, char *err,
                             size_t errlen);
/*
 * Builds the whole dataset on the GPU from minerlab's own light-mode cache
 * (rxref_cache_memory / rxref_cache_programs, host memory): uploads the
 * 256 MiB cache and the 8 SuperscalarHash programs, one thread per item.
 * *kernel_s (may be NULL) gets the kernels' time. 0 or -errno.
 */
int cuda_dev_build_dataset(struct cuda_dev *d, const uint64_t *cache,
                           const struct rxref_ss_program *programs, double *kernel_s,
                           char *err, size_t errlen);
/* Copies the first bytes of the device dataset to out (checks). */
int cuda_dev_download_dataset(struct cuda_dev *d, void *out, size_t bytes, char *err,
                              size_t errlen);
/*
 * Allocates per-hash buffers for up to `batch` hashes per launch (2 MiB of
 * scratchpad each). batch <= 0 picks one from free memory and the SM count.
 * Returns the batch size (> 0) or a negative code.
 */
int cuda_dev_alloc_batch(struct cuda_dev *d, int batch, char *err, size_t errlen);

struct cuda_dev_run {
    const uint8_t *inputs; /* count * CUDA_DEV_INPUT_MAX bytes */
    const uint32_t *lens;  /* count lengths, each <= CUDA_DEV_INPUT_MAX */
    int count;             /* <= the allocated batch */
    uint8_t *hashes;       /* out: count * 32 bytes */
    /* Duty cycle read before each launch (1..100): after a launch of t ms
     * the feeder sleeps t * (100 - duty) / duty ms. NULL = 100. */
    const volatile int *duty_pct;
    /* Set non-zero (any thread) to abandon the batch: returns -ECANCELED. */
    const volatile int *abort;
    double busy_ms; /* out: GPU time of the launches (cudaEvent) */
    double idle_ms; /* out: time slept for the duty cycle */
    /* Optional, called on the running thread after every launch with its
     * kernel time and the sleep that followed (live duty accounting). */
    void (*on_launch)(void *ud, double busy_ms, double idle_ms);
    void *ud;
};

/* Hashes count inputs. 0, -ECANCELED, or -EIO on a launch failure. */
int cuda_dev_run(struct cuda_dev *d, struct cuda_dev_run *run, char *err,
                 size_t errlen);
void cuda_dev_close(struct cuda_dev *d);

#ifdef __cplusplus
}
#endif

#endif
