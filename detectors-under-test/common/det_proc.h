/*
 * det_proc — bounded readers for the /proc files host-side detectors look at
 * (per-process and per-thread CPU, cmdline, comm, exe, maps, cgroup, socket
 * inodes and /proc/net/tcp), plus two small helpers every host detector
 * needs: a CPU-rate tracker and an alert memo (once per pid and rule, with a
 * cool-down).
 *
 * Every reader takes a proc root ("/proc" on a live host, a directory of
 * recorded files in tests). Returns are 0 or -errno; -ENOENT / -ESRCH mean the
 * process is gone (normal: processes exit mid-scan), -EACCES means no
 * permission. Nothing here prints or exits. Not thread-safe per object; the
 * detectors are single-threaded.
 */
#ifndef DET_PROC_H
#define DET_PROC_H

#include <stddef.h>
#include <stdint.h>

#define DET_PROC_COMM_MAX 64
#define DET_PROC_PATH_MAX 512

/* The fields of /proc/PID/stat (or /proc/PID/task/TID/stat) detectors use. */
struct det_proc_stat {
    int pid;
    char comm[DET_PROC_COMM_MAX];
    char state;
    int ppid;
    uint64_t utime_ticks;
    uint64_t stime_ticks;
    long num_threads;
    uint64_t start_ticks; /* since boot, in clock ticks */
    uint64_t vsize_bytes;
};

/* Parses one stat line (comm may hold spaces and parentheses). 0 or -EINVAL. */
int det_proc_parse_stat(const char *line, struct det_proc_stat *out);

/*
 * Reads ROOT/PID/stat, or ROOT/PID/task/TID/stat when tid > 0.
 * 0, -ENOENT when gone, -EINVAL when malformed.
 */
int det_proc_read_stat(const char *root, int pid, int tid, struct det_proc_stat *out);

/*
 * Reads a whole small file into buf (at most len-1 bytes, NUL-terminated).
 * *outlen (may be NULL) gets the byte count. Returns 0, -E2BIG when the file
 * was longer than the buffer (the buffer then holds the prefix), or -errno.
 */
int det_proc_read_file(const char *path, char *buf, size_t len, size_t *outlen);

/*
 * Reads ROOT/PID/cmdline with the NUL separators turned into spaces (trailing
 * ones dropped). argv0 (may be NULL, size argv0len) gets the first argument.
 * An empty cmdline (kernel thread, zombie) gives "" and returns 0.
 */
int det_proc_read_cmdline(const char *root, int pid, char *buf, size_t len, char *argv0,
                          size_t argv0len);

/* Reads ROOT/PID/comm without the newline. */
int det_proc_read_comm(const char *root, int pid, char *buf, size_t len);

/*
 * Reads the ROOT/PID/exe link target ("/usr/bin/xz", "/memfd:x (deleted)").
 * -ENOENT for kernel threads (no exe), -EACCES without permission.
 */
int det_proc_read_exe(const char *root, int pid, char *buf, size_t len);

/*
 * The cgroup a process's CPU is accounted in: the cgroup v2 path ("0::") when
 * it is not "/", else the v1 cpu/cpuacct path. Writes "/" for the root.
 */
int det_proc_read_cgroup(const char *root, int pid, char *buf, size_t len);

/*
 * CPU limit of the cgroup cgpath (as det_proc_read_cgroup gives it) under
 * the cgroup mount cg_root ("/sys/fs/cgroup"): v2 cpu.max, or v1
 * cpu.cfs_quota_us / cpu.cfs_period_us under cpu/, cpu,cpuacct/ or the root.
 * Walks up to the parents, since a quota may be set on an ancestor, and
 * keeps the smallest. *cores gets the limit in cores. 0, or -ENOENT when no
 * limit was found.
 */
int det_proc_cgroup_quota(const char *cg_root, const char *cgpath, double *cores);

/*
 * Lists numeric entries of ROOT (pids) or ROOT/PID/task (tids, pid > 0) into
 * ids (capacity max); *n gets the count (silently capped at max).
 */
int det_proc_list_pids(const char *root, int *ids, size_t max, size_t *n);
int det_proc_list_tids(const char *root, int pid, int *ids, size_t max, size_t *n);

/* Number of CPUs: "cpuN" lines in ROOT/stat, else sysconf. Always >= 1. */
int det_proc_ncpu(const char *root);
/* Seconds since boot from ROOT/uptime; < 0 on error. */
double det_proc_uptime(const char *root);
/* Clock ticks per second (sysconf(_SC_CLK_TCK), 100 when unknown). */
long det_proc_clk_tck(void);

/* One line of /proc/PID/maps. */
struct det_map {
    uint64_t start, end;
    char perms[5]; /* "rwxp" */
    uint64_t offset;
    uint64_t inode;
    char path[DET_PROC_PATH_MAX]; /* "" for anonymous, "[heap]", "/usr/lib/x.so" */
};
/* Parses one maps line. 0 or -EINVAL. */
int det_proc_parse_map(const char *line, struct det_map *out);

/*
 * Socket inodes of ROOT/PID/fd/ (links "socket:[N]") into inodes (capacity
 * max); *n gets the count. -EACCES without permission.
 */
int det_proc_socket_inodes(const char *root, int pid, uint64_t *inodes, size_t max,
                           size_t *n);

/* One row of /proc/net/tcp or tcp6. Addresses formatted "1.2.3.4:80" / "[::1]:80". */
struct det_tcp_conn {
    char local[64];
    char remote[64];
    int state; /* 1 = ESTABLISHED, 10 = LISTEN (kernel tcp_states.h) */
    uint64_t inode;
};
#define DET_TCP_ESTABLISHED 1
#define DET_TCP_LISTEN 10

/* Parses one data row of /proc/net/tcp{,6}. 0, or -EINVAL for the header. */
int det_proc_parse_tcp_line(const char *line, int ipv6, struct det_tcp_conn *out);

/*
 * Reads ROOT/net/tcp and ROOT/net/tcp6 into conns (capacity max); *n gets the
 * count. Missing files are skipped. The caller owns conns.
 */
int det_proc_read_tcp(const char *root, struct det_tcp_conn *conns, size_t max,
                      size_t *n);

/*
 * CPU history tracker: feed it one (id, start_ticks, total_ticks) sample per
 * tick for every process or thread watched; it keeps the last ring_cap
 * samples per id and answers averages in cores (1.0 = one core busy). An id
 * whose start_ticks changed (pid reuse) starts over. Entries not updated in
 * tick gen are dropped by det_cpu_tracker_sweep.
 */
struct det_cpu_tracker;
struct det_cpu_tracker *det_cpu_tracker_new(size_t ring_cap);
void det_cpu_tracker_free(struct det_cpu_tracker *t);
/*
 * Adds a sample taken at now_s (seconds, any clock used consistently).
 * When the id is new and seed_s >= 0, a pseudo-sample (seed_s, 0 ticks) is
 * put first so averages cover the process's lifetime (seed_s = its start
 * time). Returns 1 for a new id, 0 for a known one, -ENOMEM.
 */
int det_cpu_tracker_update(struct det_cpu_tracker *t, int id, uint64_t start_ticks,
                           uint64_t total_ticks, double now_s, double seed_s,
                           unsigned gen);
/*
 * Average CPU in cores from the newest sample at least window_s older than
 * the latest one, to the latest; window_s = 0 gives the last interval.
 * *span_s (may be NULL) gets the span used. < 0 when there is no such sample.
 */
double det_cpu_tracker_avg(const struct det_cpu_tracker *t, int id, double window_s,
                           double *span_s);
/*
 * Copies the samples of id, oldest first, into ts/ticks (capacity max).
 * Returns the count (0 for an unknown id).
 */
size_t det_cpu_tracker_samples(const struct det_cpu_tracker *t, int id, double *ts,
                               uint64_t *ticks, size_t max);
/* Drops entries whose last update was not in tick gen. */
void det_cpu_tracker_sweep(struct det_cpu_tracker *t, unsigned gen);

/*
 * Alert memo: det_memo_should_alert returns 1 (and records now_s) when
 * (pid, start_ticks, rule) has not alerted within cooldown_s, else 0.
 * rule is a short static string compared by content.
 */
struct det_memo;
struct det_memo *det_memo_new(double cooldown_s);
void det_memo_free(struct det_memo *m);
int det_memo_should_alert(struct det_memo *m, int pid, uint64_t start_ticks,
                          const char *rule, double now_s);

/*
 * Start of a scan: reads ROOT/uptime into *now_s and the pid list into pids
 * (capacity max, count in *n). When the proc root cannot be read, writes one
 * degraded notice for detector (only the first time: *degraded_once is set)
 * and returns -errno.
 */
int det_proc_scan_begin(const char *root, const char *detector, int technique,
                        int *degraded_once, double *now_s, int *pids, size_t max,
                        size_t *n);

/* Monotonic seconds (for tick arithmetic). */
double det_mono_s(void);

/*
 * Options every host detector shares: --proc-root DIR, --interval-ms N,
 * --once, --cooldown-s N, --iface IFACE (accepted, ignored). Detectors put
 * DET_COMMON_LONGOPTS in their getopt_long table and pass each option to
 * det_common_opt first: 1 = handled, 0 = not a common option, -EINVAL (with
 * err) = bad value.
 */
struct det_common_opts {
    const char *proc_root; /* default "/proc" */
    long interval_ms;      /* default set by the detector */
    int once;              /* one tick, then exit */
    double cooldown_s;     /* re-alert the same (pid, rule) after this; default 600 */
};
#define DET_OPT_PROC_ROOT 1001
#define DET_OPT_INTERVAL 1002
#define DET_OPT_ONCE 1003
#define DET_OPT_COOLDOWN 1004
#define DET_OPT_IFACE 1005
#define DET_COMMON_LONGOPTS                                                            \
    {"proc-root", required_argument, NULL, DET_OPT_PROC_ROOT},                         \
        {"interval-ms", required_argument, NULL, DET_OPT_INTERVAL},                    \
        {"once", no_argument, NULL, DET_OPT_ONCE},                                     \
        {"cooldown-s", required_argument, NULL, DET_OPT_COOLDOWN},                     \
    {                                                                                  \
        "iface", required_argument, NULL, DET_OPT_IFACE                                \
    }
void det_common_defaults(struct det_common_opts *o, long interval_ms);
int det_common_opt(int opt, const char *arg, struct det_common_opts *o, char *err,
                   size_t errlen);
/* One detector-specific option for det_parse_args. */
enum det_opt_kind { DET_OPT_DOUBLE, DET_OPT_FLAG, DET_OPT_STRING };
struct det_opt {
    const char *name;       /* long option name without "--" */
    enum det_opt_kind kind; /* DOUBLE: double *target in [min, max];
                               FLAG: int *target set to 1; STRING: const char ** */
    void *target;
    double min, max;
};
/*
 * getopt_long over the common options plus opts (at most 32). Defaults must
 * be in place before the call. 0, or -EINVAL with a sentence and usage in err.
 */
int det_parse_args(int argc, char **argv, struct det_common_opts *common,
                   const struct det_opt *opts, size_t nopts, const char *usage,
                   char *err, size_t errlen);

/*
 * What a detector's thin main() hands to det_main: create parses argv and
 * returns the state (NULL with err on bad usage or no memory) and points
 * *common at its common options; tick is one scan (negative -ENOMEM/-EIO
 * end the loop); destroy frees the state.
 */
struct det_program {
    const char *name; /* "minerlab-det-cpu-threshold", for messages */
    void *(*create)(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen);
    int (*tick)(void *state);
    void (*destroy)(void *state);
};
/* Runs a detector until SIGTERM/SIGINT; returns the process exit code. */
int det_main(const struct det_program *p, int argc, char **argv);

/* Strict double parse of the whole string within [min, max]. 0 or -EINVAL. */
int det_parse_double(const char *s, double min, double max, double *out);

/*
 * Main loop: installs the SIGTERM/SIGINT handler (det_alert) and calls
 * tick(ctx) every interval_ms (or once) until a stop signal arrives. Returns the last
 * tick's result when it was negative and fatal (-ENOMEM, -EIO), else 0.
 */
int det_loop_run(const struct det_common_opts *o, int (*tick)(void *ctx), void *ctx);

/*
 * True when pid should be ignored by a detector: the detector itself, its
 * parent (the harness), or pid <= 0.
 */
int det_proc_is_self_or_parent(int pid);

#endif
