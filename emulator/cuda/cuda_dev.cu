/*
 * cuda_dev — kernels and device management for the CUDA backend. See
 * cuda_dev.h. The kernels only wrap rxref_hash_begin/program/end from the
 * portable VM; there is no GPU-specific RandomX code to keep in sync.
 */
#include "cuda_dev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cuda_runtime.h>

#include "rxref_core.h"

#define THREADS_PER_BLOCK 64
#define BATCH_MAX 16384

struct cuda_dev {
    int ordinal;
    struct cuda_dev_info info;
    struct rxref_aes_tables *d_tables;
    uint8_t *d_dataset;
    size_t dataset_bytes;
    uint64_t *d_cache;                   /* for building the dataset on the GPU */
    struct rxref_ss_program *d_programs; /* RXREF_SS_PROGRAMS of them */
    int batch;
    struct rxref_state *d_states;
    uint8_t *d_scratch;
    uint8_t *d_inputs;
    uint32_t *d_lens;
    uint8_t *d_hashes;
    cudaEvent_t ev0, ev1;
};

static int cerr(char *err, size_t errlen, int code, const char *what, cudaError_t e)
{
    if (err && errlen)
        snprintf(err, errlen, "CUDA: %s: %s", what, cudaGetErrorString(e));
    return code;
}

/* ------------------------------------------------------------- kernels -- */

__device__ static void load_tables(struct rxref_aes_tables *sh,
                                   const struct rxref_aes_tables *g)
{
    const uint32_t *src = (const uint32_t *)g;
    uint32_t *dst = (uint32_t *)sh;
    for (unsigned i = threadIdx.x; i < sizeof(*g) / 4; i += blockDim.x)
        dst[i] = src[i];
    __syncthreads();
}

__global__ void k_begin(const struct rxref_aes_tables *gt, struct rxref_state *states,
                        uint8_t *scratch, const uint8_t *inputs, const uint32_t *lens,
                        int n)
{
    __shared__ struct rxref_aes_tables t;
    load_tables(&t, gt);
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    rxref_hash_begin(&t, &states[i], scratch + (size_t)i * RXREF_SCRATCHPAD_L3,
                     inputs + (size_t)i * CUDA_DEV_INPUT_MAX, lens[i]);
}

__global__ void k_program(const struct rxref_aes_tables *gt, struct rxref_state *states,
                          uint8_t *scratch, const uint8_t *dataset, int n, int chain,
                          int from, int to)
{
    __shared__ struct rxref_aes_tables t;
    load_tables(&t, gt);
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    struct rxref_dsrc ds;
    ds.dataset = dataset;
    rxref_hash_program_part(&t, &ds, &states[i],
                            scratch + (size_t)i * RXREF_SCRATCHPAD_L3, chain, from, to);
}

__global__ void k_end(const struct rxref_aes_tables *gt, struct rxref_state *states,
                      const uint8_t *scratch, uint8_t *hashes, int n)
{
    __shared__ struct rxref_aes_tables t;
    load_tables(&t, gt);
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    rxref_hash_end(&t, &states[i], scratch + (size_t)i * RXREF_SCRATCHPAD_L3,
                   hashes + (size_t)i * 32);
}

/* One thread per dataset item; every thread runs the same programs. */
__global__ void k_dataset(const uint64_t *cache, const struct rxref_ss_program *progs,
                          uint8_t *dataset, uint64_t first, uint64_t count)
{
    uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count)
        return;
    rxref_dataset_item(cache, progs, first + i, dataset + (first + i) * 64);
}

/* ---------------------------------------------------------------- host -- */

extern "C" int cuda_dev_open(int ordinal, struct cuda_dev **out, char *err,
                             size_t errlen)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0)
        return cerr(err, errlen, -ENODEV,
                    "no usable NVIDIA GPU (driver or device missing)",
                    e == cudaSuccess ? cudaErrorNoDevice : e);
    if (ordinal < 0 || ordinal >= count) {
        snprintf(err, errlen, "CUDA: GPU %d does not exist (%d found)", ordinal, count);
        return -ENODEV;
    }
    struct cuda_dev *d = (struct cuda_dev *)calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "CUDA: out of host memory");
        return -ENOMEM;
    }
    d->ordinal = ordinal;
    /* Blocking sync: waiting for a kernel costs the feeder no CPU. The
     * flags must be given when the primary context is created. */
    if ((e = cudaInitDevice(ordinal, cudaDeviceScheduleBlockingSync,
                            cudaInitDeviceFlagsAreValid)) != cudaSuccess ||
        (e = cudaSetDevice(ordinal)) != cudaSuccess)
        goto fail;
    cudaDeviceProp p;
    if ((e = cudaGetDeviceProperties(&p, ordinal)) != cudaSuccess)
        goto fail;
    snprintf(d->info.name, sizeof(d->info.name), "%s", p.name);
    d->info.total_mem = p.totalGlobalMem;
    d->info.sm_count = p.multiProcessorCount;
    d->info.cc_major = p.major;
    d->info.cc_minor = p.minor;
    cudaDriverGetVersion(&d->info.driver_version);
    cudaRuntimeGetVersion(&d->info.runtime_version);
    {
        struct rxref_aes_tables t;
        rxref_aes_tables_init(&t);
        if ((e = cudaMalloc((void **)&d->d_tables, sizeof(t))) != cudaSuccess ||
            (e = cudaMemcpy(d->d_tables, &t, sizeof(t), cudaMemcpyHostToDevice)) !=
                cudaSuccess)
            goto fail;
    }
    if ((e = cudaEventCreateWithFlags(&d->ev0, cudaEventBlockingSync)) != cudaSuccess ||
        (e = cudaEventCreateWithFlags(&d->ev1, cudaEventBlockingSync)) != cudaSuccess)
        goto fail;
    *out = d;
    return 0;
fail:
    cuda_dev_close(d);
    return cerr(err, errlen, -EIO, "device initialisation", e);
}

extern "C" void cuda_dev_get_info(const struct cuda_dev *d, struct cuda_dev_info *info)
{
    *info = d->info;
    size_t fr = 0, tot = 0;
    if (cudaMemGetInfo(&fr, &tot) == cudaSuccess)
        info->free_mem = fr;
}

extern "C" int cuda_dev_upload_dataset(struct cuda_dev *d, const void *dataset,
                                       size_t bytes, char *err, size_t errlen)
{
    cudaError_t e;
    cudaSetDevice(d->ordinal); /* the calling thread may be a new one */
    if (d->d_dataset && d->dataset_bytes != bytes) {
        cudaFree(d->d_dataset);
        d->d_dataset = NULL;
    }
    if (!d->d_dataset) {
        if ((e = cudaMalloc((void **)&d->d_dataset, bytes)) != cudaSuccess)
            return cerr(err, errlen, -ENOMEM, "allocating the 2080 MiB dataset", e);
        d->dataset_bytes = bytes;
    }
    if ((e = cudaMemcpy(d->d_dataset, dataset, bytes, cudaMemcpyHostToDevice)) !=
        cudaSuccess)
        return cerr(err, errlen, -EIO, "uploading the dataset", e);
    return 0;
}

extern "C" int cuda_dev_reserve_dataset(struct cuda_dev *d, size_t bytes, char *err,
                                        size_t errlen)
{
    cudaError_t e;
    cudaSetDevice(d->ordinal);
    if (d->d_dataset && d->dataset_bytes == bytes)
        return 0;
    cudaFree(d->d_dataset);
    d->d_dataset = NULL;
    if ((e = cudaMalloc((void **)&d->d_dataset, bytes)) != cudaSuccess)
        return cerr(err, errlen, -ENOMEM, "allocating the 2080 MiB dataset", e);
    d->dataset_bytes = bytes;
    return 0;
}

extern "C" int cuda_dev_build_dataset(struct cuda_dev *d, const uint64_t *cache,
                                      const struct rxref_ss_program *programs,
                                      double *kernel_s, char *err, size_t errlen)
{
    const size_t prog_bytes = sizeof(struct rxref_ss_program) * RXREF_SS_PROGRAMS;
    const uint64_t items = RXREF_DATASET_ITEMS, chunk = 1u << 20;
    cudaError_t e;
    int rc = cuda_dev_reserve_dataset(d, items * 64, err, errlen);
    if (rc)
        return rc;
    if (!d->d_cache || !d->d_programs) {
        cudaFree(d->d_cache);
        cudaFree(d->d_programs);
        d->d_cache = NULL;
        d->d_programs = NULL;
        if ((e = cudaMalloc((void **)&d->d_cache, RXREF_CACHE_BYTES)) ||
            (e = cudaMalloc((void **)&d->d_programs, prog_bytes)))
            return cerr(err, errlen, -ENOMEM, "allocating the 256 MiB cache", e);
    }
    if ((e = cudaMemcpy(d->d_cache, cache, RXREF_CACHE_BYTES,
                        cudaMemcpyHostToDevice)) ||
        (e = cudaMemcpy(d->d_programs, programs, prog_bytes, cudaMemcpyHostToDevice)))
        return cerr(err, errlen, -EIO, "uploading the cache", e);
    cudaEventRecord(d->ev0, 0);
    /* 1 Mi items a launch: about a second or less per launch. */
    for (uint64_t first = 0; first < items; first += chunk) {
        uint64_t n = items - first < chunk ? items - first : chunk;
        k_dataset<<<(unsigned)((n + 255) / 256), 256>>>(d->d_cache, d->d_programs,
                                                        d->d_dataset, first, n);
        if ((e = cudaGetLastError()) != cudaSuccess)
            return cerr(err, errlen, -EIO, "dataset kernel launch", e);
    }
    cudaEventRecord(d->ev1, 0);
    if ((e = cudaEventSynchronize(d->ev1)) != cudaSuccess)
        return cerr(err, errlen, -EIO, "dataset kernel", e);
    float ms = 0;
    cudaEventElapsedTime(&ms, d->ev0, d->ev1);
    if (kernel_s)
        *kernel_s = ms / 1e3;
    return 0;
}

extern "C" int cuda_dev_download_dataset(struct cuda_dev *d, void *out, size_t bytes,
                                         char *err, size_t errlen)
{
    cudaError_t e;
    cudaSetDevice(d->ordinal);
    if (!d->d_dataset || bytes > d->dataset_bytes) {
        snprintf(err, errlen, "CUDA: no dataset of %zu bytes on the GPU", bytes);
        return -EINVAL;
    }
    if ((e = cudaMemcpy(out, d->d_dataset, bytes, cudaMemcpyDeviceToHost)) !=
        cudaSuccess)
        return cerr(err, errlen, -EIO, "downloading the dataset", e);
    return 0;
}

static void free_batch(struct cuda_dev *d)
{
    cudaFree(d->d_states);
    cudaFree(d->d_scratch);
    cudaFree(d->d_inputs);
    cudaFree(d->d_lens);
    cudaFree(d->d_hashes);
    d->d_states = NULL;
    d->d_scratch = d->d_inputs = d->d_hashes = NULL;
    d->d_lens = NULL;
    d->batch = 0;
}

extern "C" int cuda_dev_alloc_batch(struct cuda_dev *d, int batch, char *err,
                                    size_t errlen)
{
    const size_t per =
        RXREF_SCRATCHPAD_L3 + sizeof(struct rxref_state) + CUDA_DEV_INPUT_MAX + 4 + 32;
    free_batch(d);
    const char *env = getenv("MINERLAB_CUDA_BATCH"); /* for tuning runs */
    if (batch <= 0 && env && atoi(env) > 0)
        batch = atoi(env);
    if (batch <= 0) {
        size_t fr = 0, tot = 0;
        cudaMemGetInfo(&fr, &tot);
        /* Keep 512 MiB for the driver; 64 hashes per SM hide latency. */
        size_t fit = fr > (512u << 20) ? (fr - (512u << 20)) / per : 0;
        batch = d->info.sm_count * 64;
        if ((size_t)batch > fit)
            batch = (int)fit;
        if (batch > BATCH_MAX)
            batch = BATCH_MAX;
        batch -= batch % THREADS_PER_BLOCK;
        if (batch <= 0) {
            snprintf(err, errlen,
                     "CUDA: too little free GPU memory for even %d hashes "
                     "(%zu MiB free)",
                     THREADS_PER_BLOCK, fr >> 20);
            return -ENOMEM;
        }
    }
    cudaError_t e;
    if ((e = cudaMalloc((void **)&d->d_states,
                        (size_t)batch * sizeof(struct rxref_state))) ||
        (e = cudaMalloc((void **)&d->d_scratch, (size_t)batch * RXREF_SCRATCHPAD_L3)) ||
        (e = cudaMalloc((void **)&d->d_inputs, (size_t)batch * CUDA_DEV_INPUT_MAX)) ||
        (e = cudaMalloc((void **)&d->d_lens, (size_t)batch * 4)) ||
        (e = cudaMalloc((void **)&d->d_hashes, (size_t)batch * 32))) {
        free_batch(d);
        return cerr(err, errlen, -ENOMEM, "allocating per-hash buffers", e);
    }
    d->batch = batch;
    return batch;
}

static void sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)((ms - ts.tv_sec * 1000.0) * 1e6);
    nanosleep(&ts, NULL);
}

/*
 * Launch number step of a batch: 0 = begin; then each program in
 * RXREF_PROGRAM_ITERATIONS / SLICE slices; the last = end.
 */
#define SLICE 256
#define SLICES (RXREF_PROGRAM_ITERATIONS / SLICE)
#define STEPS (2 + RXREF_PROGRAM_COUNT * SLICES)

static cudaError_t launch(struct cuda_dev *d, int step, int n)
{
    int blocks = (n + THREADS_PER_BLOCK - 1) / THREADS_PER_BLOCK;
    if (step == 0) {
        k_begin<<<blocks, THREADS_PER_BLOCK>>>(d->d_tables, d->d_states, d->d_scratch,
                                               d->d_inputs, d->d_lens, n);
    } else if (step < STEPS - 1) {
        int chain = (step - 1) / SLICES, slice = (step - 1) % SLICES;
        k_program<<<blocks, THREADS_PER_BLOCK>>>(d->d_tables, d->d_states, d->d_scratch,
                                                 d->d_dataset, n, chain, slice * SLICE,
                                                 (slice + 1) * SLICE);
    } else {
        k_end<<<blocks, THREADS_PER_BLOCK>>>(d->d_tables, d->d_states, d->d_scratch,
                                             d->d_hashes, n);
    }
    return cudaGetLastError();
}

extern "C" int cuda_dev_run(struct cuda_dev *d, struct cuda_dev_run *run, char *err,
                            size_t errlen)
{
    cudaError_t e;
    int n = run->count;
    run->busy_ms = run->idle_ms = 0;
    cudaSetDevice(d->ordinal);
    if (n <= 0 || n > d->batch || !d->d_dataset) {
        snprintf(err, errlen, "CUDA: bad batch (%d hashes, %d allocated, dataset %s)",
                 n, d->batch, d->d_dataset ? "loaded" : "missing");
        return -EINVAL;
    }
    if ((e = cudaMemcpy(d->d_inputs, run->inputs, (size_t)n * CUDA_DEV_INPUT_MAX,
                        cudaMemcpyHostToDevice)) ||
        (e = cudaMemcpy(d->d_lens, run->lens, (size_t)n * 4, cudaMemcpyHostToDevice)))
        return cerr(err, errlen, -EIO, "copying inputs", e);
    for (int step = 0; step < STEPS; step++) {
        if (run->abort && *run->abort)
            return -ECANCELED;
        float ms = 0;
        cudaEventRecord(d->ev0, 0);
        if ((e = launch(d, step, n)) != cudaSuccess)
            return cerr(err, errlen, -EIO, "kernel launch", e);
        cudaEventRecord(d->ev1, 0);
        if ((e = cudaEventSynchronize(d->ev1)) != cudaSuccess)
            return cerr(err, errlen, -EIO, "kernel execution", e);
        cudaEventElapsedTime(&ms, d->ev0, d->ev1);
        run->busy_ms += ms;
        int duty = run->duty_pct ? *run->duty_pct : 100;
        double idle = 0;
        if (duty < 1)
            duty = 1;
        if (duty < 100) {
            idle = ms * (100 - duty) / duty;
            sleep_ms(idle);
            run->idle_ms += idle;
        }
        if (run->on_launch)
            run->on_launch(run->ud, ms, idle);
    }
    if ((e = cudaMemcpy(run->hashes, d->d_hashes, (size_t)n * 32,
                        cudaMemcpyDeviceToHost)))
        return cerr(err, errlen, -EIO, "copying hashes back", e);
    return 0;
}

extern "C" void cuda_dev_close(struct cuda_dev *d)
{
    if (!d)
        return;
    free_batch(d);
    cudaFree(d->d_dataset);
    cudaFree(d->d_cache);
    cudaFree(d->d_programs);
    cudaFree(d->d_tables);
    if (d->ev0)
        cudaEventDestroy(d->ev0);
    if (d->ev1)
        cudaEventDestroy(d->ev1);
    free(d);
}
