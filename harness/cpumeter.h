/*
 * cpumeter — CPU share and cost measured from /proc: a miner's measured duty
 * (its CPU time over wall time, relative to the cores it may use: affinity
 * and cgroup v2 CPU quota) in 5-s slices and over its window, and a
 * detector's CPU time and peak RSS over its whole process group.
 *
 * Called from the runner's single thread. Definitions: docs/scoring.md
 * ("Measured duty", "Detector cost").
 */
#ifndef HX_CPUMETER_H
#define HX_CPUMETER_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "jsonl.h"

struct scenario;

/* What /proc/PID/stat says (times in seconds, rss in bytes). */
struct cpum_stat {
    pid_t pid, ppid, pgid;
    double utime, stime, cutime, cstime;
    unsigned long long starttime; /* clock ticks after boot: tells reused pids apart */
    unsigned long long rss_bytes;
};

/* Parses the text of /proc/PID/stat. 0 or -EINVAL. */
int cpum_parse_stat(const char *buf, struct cpum_stat *out);
/* Reads /proc/PID/stat. 0 or -errno (-ENOENT: gone). */
int cpum_read_stat(pid_t pid, struct cpum_stat *out);

/* Parses cgroup v2 cpu.max ("QUOTA PERIOD" or "max PERIOD"): cores, or 0 for no
 * limit. 0 or -EINVAL. */
int cpum_parse_cpu_max(const char *s, double *cores);
/*
 * Cores pid may use: its affinity mask, capped by the tightest cpu.max
 * quota of its cgroup v2 and that cgroup's ancestors. At least a tiny
 * positive number; 0 when pid is gone.
 */
double cpum_allowed_cores(pid_t pid);

/* CPU seconds of root and its descendants in v[0..n) (user + system, plus
 * the children each of them waited for). */
double cpum_tree_cpu(pid_t root, const struct cpum_stat *v, size_t n);

/* Percent of `cores` cores used: cpu_s / (wall_s * cores) * 100; NAN if undefined. */
double cpum_share_pct(double cpu_s, double wall_s, double cores);

#define CPUM_MAX_MINERS 16
#define CPUM_MAX_MEMBERS 64
#define CPUM_SLICE_S 5.0

struct cpum_miner {
    pid_t pid;
    unsigned long long starttime;
    int gone;
    double first_ts, first_cpu; /* when first seen */
    double slice_ts, slice_cpu; /* start of the open slice */
    double last_ts, last_cpu;   /* last good sample */
    double cores;               /* allowed cores at the last sample */
    double weighted_pct_s;      /* sum of slice pct * slice length */
    double measured_s;          /* sum of slice lengths */
};

/* The miners of the open window. Zeroed memory is an empty meter. */
struct cpum_duty {
    struct cpum_miner m[CPUM_MAX_MINERS];
    size_t n;
    double window_start; /* Unix seconds; for the nominal ramp value */
};

/* Starts measuring pid (a miner the launcher announced) at now. */
void cpum_duty_add(struct cpum_duty *d, pid_t pid, double now);
/*
 * Samples every miner (its process and all its descendants: a launcher
 * may announce a wrapper or a browser whose workers do the hashing); closes
 * the slices that are CPUM_SLICE_S old into
 * `duty_measured` events (pid, slice_start, slice_end, pct, cpu_s,
 * allowed_cores, nominal_pct).
 */
void cpum_duty_poll(struct cpum_duty *d, struct jsonl *tl, const struct scenario *sc,
                    double now);
/* At window end: the last partial slice, then a `duty_window` event per miner
 * (pid, start, end, pct, cpu_s, nominal_pct). */
void cpum_duty_finish(struct cpum_duty *d, struct jsonl *tl, const struct scenario *sc,
                      double now);
/* The scenario's nominal duty at Unix time t of a window that opened at start. */
double cpum_nominal_at(const struct scenario *sc, double start, double t);

/* A detector's cost: its process group, sampled, plus the leader's rusage. */
struct cpum_cost {
    double started, stopped; /* Unix seconds */
    double group_cpu_s;      /* last sampled sum over live members */
    double max_group_cpu_s;  /* the largest such sum seen */
    double reaped_cpu_s;     /* leader's wait4 rusage (self + waited children) */
    unsigned long long peak_rss_bytes; /* largest sum of members' RSS */
    unsigned long long reaped_maxrss_bytes;
    double orphans_cpu_s; /* rusage of members re-parented to and reaped by us */
    unsigned samples;
    pid_t members[CPUM_MAX_MEMBERS]; /* seen at the last sample */
    size_t nmembers;
};

void cpum_cost_start(struct cpum_cost *c, double now_unix);
/* Adds one sample of group pgid from the members in st[0..n). */
void cpum_cost_sample(struct cpum_cost *c, pid_t pgid, const struct cpum_stat *st,
                      size_t n);
/* Every process's stat line from /proc into *out (malloc'd; the caller
 * frees it): their number. */
size_t cpum_read_all(struct cpum_stat **out);
/* The leader was reaped with this rusage. */
void cpum_cost_reaped(struct cpum_cost *c, const struct rusage *ru, double now_unix);
/* When the last sample saw pid in c's group (a member orphaned when its
 * parent died, then reaped by the harness), adds its rusage to c: 1, else 0. */
int cpum_cost_take_orphan(struct cpum_cost *c, pid_t pid, const struct rusage *ru);
/* 1 while a member of the last sample is still our child to reap (a zombie
 * re-parented to the harness whose rusage is not counted yet). */
int cpum_cost_unreaped(const struct cpum_cost *c);
/* CPU seconds: the larger of the largest sampled group total and the rusage
 * of the leader plus the orphans (exact once every member was reaped by us). */
double cpum_cost_cpu_s(const struct cpum_cost *c);
/* Writes `detector_cost` (detector, cpu_s, wall_s, cpu_pct, peak_rss_mib, samples). */
void cpum_cost_emit(const struct cpum_cost *c, const char *detector, struct jsonl *tl,
                    double now_unix);

#endif
