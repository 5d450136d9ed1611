/*
 * gpu_util — a GPU-abuse detector in the style of deployed cloud and
 * cluster rules: it polls nvidia-smi (no NVML linking) for each GPU's
 * utilisation and power and for the compute processes with their device
 * memory, and alerts when a GPU stays at or above util_pct for sustain_s
 * while a process holds more than mem_mib of its memory (that process's pid
 * is in the alert), or host-level when no process is visible (a miner in
 * another pid namespace). Without nvidia-smi or a GPU it writes one
 * degraded notice and idles until SIGTERM.
 *
 * Single-threaded; one state object per detector process.
 */
#ifndef GPU_UTIL_H
#define GPU_UTIL_H

#include <stddef.h>

#include "det_proc.h"

#define GPU_UTIL_MAX_GPUS 16
#define GPU_UTIL_MAX_APPS 256

struct gpu_util_config {
    struct det_common_opts common;
    const char *nvidia_smi; /* program to run; default "nvidia-smi" */
    double util_pct;        /* sustained utilisation level; default 80 */
    double sustain_s;       /* how long; default 20 */
    double mem_mib;         /* per-process device memory; default 1024 */
    double timeout_s;       /* per nvidia-smi call; default 5 */
};

struct gpu_util_gpu {
    double util_pct;
    double power_w; /* < 0 when "[N/A]" */
};

struct gpu_util_app {
    int pid;
    double used_mib;
};

/*
 * Parses `nvidia-smi --query-gpu=utilization.gpu,power.draw
 * --format=csv,noheader` ("87 %, 250.12 W" per line). Returns the number of
 * GPUs (<= max), or -EINVAL with a reason on a malformed line.
 */
int gpu_util_parse_gpus(const char *text, struct gpu_util_gpu *gpus, int max, char *err,
                        size_t errlen);
/*
 * Parses `nvidia-smi --query-compute-apps=pid,used_memory
 * --format=csv,noheader` ("1234, 2100 MiB" per line; empty = none).
 * Returns the number of processes (<= max) or -EINVAL.
 */
int gpu_util_parse_apps(const char *text, struct gpu_util_app *apps, int max, char *err,
                        size_t errlen);

/* Fills defaults, then parses argv. 0, or -EINVAL with a sentence in err. */
int gpu_util_parse_args(int argc, char **argv, struct gpu_util_config *cfg, char *err,
                        size_t errlen);

struct gpu_util;
/* The state takes a copy of cfg. NULL on allocation failure. */
struct gpu_util *gpu_util_new(const struct gpu_util_config *cfg);
void gpu_util_free(struct gpu_util *g);
/*
 * One poll: returns the number of alerts written, 0 while degraded, or -EIO
 * when stdout is gone.
 */
int gpu_util_tick(struct gpu_util *g);

#endif
