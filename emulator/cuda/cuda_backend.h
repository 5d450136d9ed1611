/*
 * cuda_backend — the "GPU-style" miner backend: RandomX (rx/0) on an NVIDIA
 * GPU with one feeder thread on the CPU. Implements struct backend_ops
 * (emulator/miner/backend.h) as cuda_backend_ops, selected with
 * `minerlab-miner --backend cuda`.
 *
 * The feeder builds the fast-mode dataset with librandomx on the CPU
 * (through emulator/common/rx.h) and uploads it once per seed — or, with
 * MINERLAB_CUDA_DATASET=gpu, uploads rxref's own 256 MiB cache and has the
 * GPU compute the dataset (CPU side light mode) — hashes batches
 * of nonces on the GPU (cuda_dev.h), re-checks every hash that meets the
 * job's target on the CPU before handing it to the result callback, and
 * counts the mismatches it drops. The duty cycle holds the GPU busy duty %
 * of wall time, measured from kernel timings (cudaEvent).
 *
 * No GPU or driver: create() fails with -ENODEV and a readable reason.
 * A launch failure mid-run: the feeder stops hashing, the error is kept in
 * the report and no result from the failed batch is emitted.
 */
#ifndef CUDA_BACKEND_H
#define CUDA_BACKEND_H

#include <stdint.h>

#include "backend.h"

extern const struct backend_ops cuda_backend_ops;

/* What the GPU and the feeder did since create(); for summaries and tests. */
struct cuda_backend_report {
    char device[256];      /* GPU name, "" before create succeeded */
    int batch;             /* hashes per launch */
    double gpu_busy_s;     /* sum of kernel times (cudaEvent) */
    double gpu_idle_s;     /* sleeps inserted by the duty cycle */
    double duty_measured;  /* 100 * busy / (busy + idle), 0 before any work */
    double feeder_cpu_s;   /* CPU time of the feeder thread */
    double feeder_wall_s;  /* wall time the feeder has existed */
    double feeder_cpu_pct; /* 100 * cpu / wall, % of one core */
    uint64_t gpu_hashes;
    uint64_t checked;        /* GPU hashes meeting the target, re-checked */
    uint64_t mismatches;     /* of those, different on the CPU (dropped) */
    double dataset_upload_s; /* last dataset upload or GPU build, seconds */
    double dataset_gpu_s;    /* MINERLAB_CUDA_DATASET=gpu: build kernels' time */
    char last_error[256];    /* last CUDA error, "" if none */
};

/* Fills *out; self must come from cuda_backend_ops.create. Any thread. */
void cuda_backend_report(void *self, struct cuda_backend_report *out);

#endif
