/*
 * cpu_threshold — the deployed-rule CPU baseline (Elastic-like): per-process
 * CPU normalised by the core count, alerting at >= new_level for a newly seen
 * process or >= sustained_level averaged over window_s, and the same for
 * the sum of the processes in each non-root cgroup, normalised by the
 * cgroup's CPU quota when it has one smaller than the host (as container
 * rules compare usage with the container's limit).
 *
 * Single-threaded; one state object per detector process.
 */
#ifndef CPU_THRESHOLD_H
#define CPU_THRESHOLD_H

#include <stddef.h>

#include "det_proc.h"

struct cpu_threshold_config {
    struct det_common_opts common;
    double new_level;       /* normalised (0..1 of the whole host); default 0.9 */
    double sustained_level; /* default 0.7 */
    double window_s;        /* sustain window, seconds; default 10 */
    double new_age_s; /* a process is "newly seen" for its first N s; default 60 */
    int no_cgroups;   /* 1 = per process only */
    const char *cgroup_root; /* where cgroup quotas are read; default "/sys/fs/cgroup"
                                with the real /proc, none with a recorded one */
    double ncpu;             /* 0 = count the proc root's CPUs */
    double observe_level;    /* observations from this sustained level up; default 0.1,
                                0 = none */
};

/* Fills defaults, then parses argv. 0, or -EINVAL with a sentence in err. */
int cpu_threshold_parse_args(int argc, char **argv, struct cpu_threshold_config *cfg,
                             char *err, size_t errlen);

struct cpu_threshold;
/* The state takes a copy of cfg. NULL on allocation failure. */
struct cpu_threshold *cpu_threshold_new(const struct cpu_threshold_config *cfg);
void cpu_threshold_free(struct cpu_threshold *ct);
/*
 * One scan of the proc root: emits alerts (det_alert_emit) and returns the
 * number of alerts written, or -errno when the proc root cannot be read.
 */
int cpu_threshold_tick(struct cpu_threshold *ct);

#endif
