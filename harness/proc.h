/*
 * proc — child processes with hygiene: each in its own process group, with
 * PR_SET_PDEATHSIG, a clean signal mask, and stdio wired to pipes or files;
 * the harness as child subreaper; a /proc snapshot to follow process trees
 * and map sockets to ports; and the watchdog that kills every child if the
 * harness itself dies (even by SIGKILL).
 *
 * Called from the harness's single thread only.
 */
#ifndef HX_PROC_H
#define HX_PROC_H

#include <stddef.h>
#include <sys/types.h>

struct proc_spec {
    const char *const *argv; /* argv[0] is looked up in PATH when it has no '/' */
    char *const *envp;       /* full environment */
    const char *cwd;         /* NULL = inherit */
    int stdin_fd;            /* -1 = /dev/null */
    int stdout_fd;           /* -1 = /dev/null */
    int stderr_fd;           /* -1 = /dev/null */
};

/*
 * Starts a child in a new process group (pgid = pid) that dies with the
 * harness (PDEATHSIG SIGKILL). Returns 0 and the pid, or -errno when fork
 * or exec failed (exec errors come back through a close-on-exec pipe).
 * The fds in spec are only dup'ed; the caller closes its copies.
 */
int proc_spawn(const struct proc_spec *spec, pid_t *pid_out);

/*
 * Runs argv to completion with a timeout (seconds), stdout to out_fd (or
 * /dev/null with -1) and stderr captured: the last line goes into
 * last_err. Returns the exit status (0..255), 128+signal, or -errno.
 * Kills the child's group on timeout (-ETIMEDOUT).
 */
int proc_run_sync(const char *const *argv, char *const *envp, const char *cwd,
                  double timeout_s, int out_fd, char *last_err, size_t errlen);

/* Sends sig to the process group pgid (ignores ESRCH). */
void proc_kill_group(pid_t pgid, int sig);

/* Describes a wait status: "exit 0", "exit 3", "signal 9". */
void proc_status_str(int wstatus, char *buf, size_t len);

/* One process seen in /proc. */
struct proc_info {
    pid_t pid, ppid, pgid;
    char comm[32];
};

/* Snapshot of /proc/[pid]/stat for every process. Caller frees ->v. */
struct proc_snapshot {
    struct proc_info *v;
    size_t n, cap;
};
int proc_snapshot_take(struct proc_snapshot *s);
void proc_snapshot_free(struct proc_snapshot *s);

/*
 * Socket inodes held open by pid (from /proc/pid/fd), appended to *inodes.
 * Returns the number found or -errno.
 */
int proc_socket_inodes(pid_t pid, unsigned long **inodes, size_t *n, size_t *cap);

/*
 * Inode of the TCP socket whose local endpoint is ip:port (dotted IPv4),
 * from /proc/net/tcp and tcp6. 0 when not found.
 */
unsigned long proc_tcp_inode(const char *ip, unsigned port);
/* Same, as seen from pid's network namespace (/proc/PID/net/tcp*). */
unsigned long proc_tcp_inode_of(pid_t pid, const char *ip, unsigned port);

/*
 * Watchdog: a forked helper that holds a pipe from the harness. Every group
 * and pid registered with it is SIGKILLed when the pipe closes (harness
 * exit or death), and so is every process whose environment carries
 * ML_RUN_TOKEN=token (children that escaped their group).
 */
int proc_watchdog_start(const char *token);
void proc_watchdog_add_group(pid_t pgid);
/* Tells the watchdog a group is gone, so a recycled number is never killed. */
void proc_watchdog_forget_group(pid_t pgid);
/* The watchdog's pid (0 when not running): never part of a scenario. */
pid_t proc_watchdog_pid(void);
/* Closes the pipe and waits (up to 2 s) for the sweep to finish. */
void proc_watchdog_stop(void);
/* The sweep itself: kills processes carrying the token. Returns the count. */
int proc_kill_token(const char *token);
/* 1 when pid's environment carries ML_RUN_TOKEN=token (it is one of ours). */
int proc_has_token(pid_t pid, const char *token);

#endif
