/*
 * det_proc — bounded readers for the /proc files host-side detectors look at
 * (per-process and per-thread CPU, cmdline, comm, exe, maps, cgroup, socket
 * inodes and /proc/net/tcp). The CPU-rate tracker and the alert memo are in
 * det_tracker.h; options and the main loop in det_cli.h.
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
 * Start of a scan: reads ROOT/uptime into *now_s and the pid list into pids
 * (capacity max, count in *n). When the proc root cannot be read, writes one
 * degraded notice for detector (only the first time: *degraded_once is set)
 * and returns -errno.
 */
int det_proc_scan_begin(const char *root, const char *detector, int technique,
                        int *degraded_once, double *now_s, int *pids, size_t max,
                        size_t *n);

/*
 * True when pid should be ignored by a detector: the detector itself, its
 * parent (the harness), or pid <= 0.
 */
int det_proc_is_self_or_parent(int pid);

/* The CPU tracker and alert memo, and the command-line loop, used to live
 * here; detectors that include only det_proc.h still get them. */
#include "det_cli.h"
#include "det_tracker.h"

#endif
