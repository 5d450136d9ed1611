/*
 * exec_watch — watches process starts and applies exec_rules to each new
 * process: exec events from the netlink process connector (PROC_EVENT_EXEC
 * and PROC_EVENT_COMM; needs root or CAP_NET_ADMIN), plus a /proc sweep at
 * start and every sweep_s; without the connector it polls /proc every
 * interval and says so with a degraded notice.
 *
 * Single-threaded; one state object per detector process.
 */
#ifndef EXEC_WATCH_H
#define EXEC_WATCH_H

#include <stddef.h>

#include "det_proc.h"

struct exec_watch_config {
    struct det_common_opts common;
    const char *mode;        /* "auto" (default), "netlink" or "poll" */
    double threshold;        /* combined score needed to alert; default 0.5 */
    double sweep_s;          /* /proc sweep period with netlink; default 10 */
    const char *allow_memfd; /* memfd name prefixes not flagged; default
                                "runc_cloned,sealed-" ("" = flag all) */
};

/* Fills defaults, then parses argv. 0, or -EINVAL with a sentence in err. */
int exec_watch_parse_args(int argc, char **argv, struct exec_watch_config *cfg,
                          char *err, size_t errlen);

struct exec_watch;
/*
 * Opens the event source (writes which one to stderr, and a degraded notice
 * when it falls back to polling). NULL on allocation failure, or when mode
 * "netlink" was demanded and is not available (err says why).
 */
struct exec_watch *exec_watch_new(const struct exec_watch_config *cfg, char *err,
                                  size_t errlen);
void exec_watch_free(struct exec_watch *ew);
/* 1 when the netlink connector is in use, 0 when polling. */
int exec_watch_using_netlink(const struct exec_watch *ew);
/*
 * Examines one pid under the proc root now (rules, memo, alert). Returns 1
 * when it alerted, 0 when not (or the process is gone), -EIO.
 */
int exec_watch_check_pid(struct exec_watch *ew, int pid);
/*
 * One tick: waits up to interval_ms for exec events (netlink) and handles
 * them, and sweeps /proc when due. Returns alerts written or -errno.
 */
int exec_watch_tick(struct exec_watch *ew);

/*
 * The netlink process connector, shared with the Sigma engine: open
 * subscribes (needs root or CAP_NET_ADMIN) and returns the socket or -errno;
 * drain reads every queued message without blocking and calls fn(ctx, pid,
 * exec) for each exec (exec = 1) or comm change (exec = 0) event, summing its
 * non-negative returns (a negative one stops and is returned). *lost is set
 * when the kernel dropped events (ENOBUFS).
 */
int exec_watch_netlink_open(void);
int exec_watch_netlink_drain(int fd, int (*fn)(void *ctx, int pid, int exec), void *ctx,
                             int *lost);

#endif
