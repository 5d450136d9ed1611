/*
 * cpu_steady — finds processes by the shape of their CPU use rather than its
 * level: over a window (default 30 s) the per-interval CPU of the process has
 * a low coefficient of variation, its mean is above a small floor (5 % of a
 * core), and its busy threads burn about the same amount each (miner worker
 * threads run the same loop at the same duty).
 *
 * Single-threaded; one state object per detector process.
 */
#ifndef CPU_STEADY_H
#define CPU_STEADY_H

#include <stddef.h>

#include "det_proc.h"

struct cpu_steady_config {
    struct det_common_opts common;
    double window_s;         /* default 30 */
    double cv_max;           /* default 0.15 */
    double min_cores;        /* mean floor in cores; default 0.05 */
    double thread_ratio;     /* busiest / least busy of the busy threads; default 1.5 */
    double max_thread_cores; /* ignore processes whose busy threads exceed this; default
                                2 (off) */
};

/* Fills defaults, then parses argv. 0, or -EINVAL with a sentence in err. */
int cpu_steady_parse_args(int argc, char **argv, struct cpu_steady_config *cfg,
                          char *err, size_t errlen);

/*
 * The shape test on one series of per-interval CPU values (cores): sets *mean
 * and *cv (variance corrected for tick quantisation with tick_cores, the CPU
 * one clock tick represents in one interval). Returns 1 when steady by cfg,
 * 0 when not, -EINVAL for fewer than 3 values.
 */
int cpu_steady_shape(const struct cpu_steady_config *cfg, const double *rates, size_t n,
                     double tick_cores, double *mean, double *cv);

struct cpu_steady;
struct cpu_steady *cpu_steady_new(const struct cpu_steady_config *cfg);
void cpu_steady_free(struct cpu_steady *cs);
/* One scan: emits alerts; returns the number written or -errno. */
int cpu_steady_tick(struct cpu_steady *cs);

#endif
