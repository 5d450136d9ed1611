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
    const char *cgroup;      /* cgroup directory to join before exec; NULL = none */
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
 * Cgroups. proc_cgroup_root: the cgroup-v2 hierarchy (/sys/fs/cgroup, or its
 * unified mount on hybrid hosts), "" when there is none or it is not ours to
 * write. proc_cgroup_kill: every process in dir and below dies (cgroup.kill
 * on v2; each pid of cgroup.procs on a v1 directory), waiting up to
 * wait_s for it to empty; 0 when empty. Whatever the environment of the
 * processes: no token needed.
 */
const char *proc_cgroup_root(void);
int proc_cgroup_kill(const char *dir, double wait_s);
/* The CPU time of every process that ever ran in cgroup v2 directory dir
 * and below (cpu.stat usage_usec: reaped, orphaned and short-lived ones
 * included). 0 or -errno (-ENOENT: no cpu.stat, e.g. a v1 directory). */
int proc_cgroup_cpu_usec(const char *dir, unsigned long long *usec);
/* Moves pid into the cgroup directory dir. 0 or -errno. */
int proc_cgroup_add(const char *dir, pid_t pid);
/* Removes the cgroup directory dir and the cgroups below it (a launcher may
 * make its own there: cloud.sh's quota cgroup), deepest first; they must be
 * empty of processes. 0 (also when dir is gone) or -errno (-EBUSY: some
 * cgroup still holds a process). */
int proc_cgroup_remove(const char *dir);

/*
 * Run state: every run writes what it is about to create (a cgroup, the
 * lab link, a sandbox, a temporary file...) to a state file first, one "KIND VALUE"
 * line each, synced. proc_state_sweep undoes one state file: kills its cgroups, takes
 * the lab link down, removes its sandboxes and cgroups, then the file.
 * proc_state_sweep_stale does that for every state file whose harness is
 * gone (and whose watchdog is gone too); returns how many it swept.
 */
int proc_state_open(const char *run_key, char *path, size_t len);
void proc_state_add(const char *kind, const char *value);
const char *proc_state_path(void);
void proc_state_sweep(const char *path);
int proc_state_sweep_stale(void);

/*
 * Watchdog: a forked helper in its own session that ignores SIGHUP, SIGINT
 * and SIGTERM and holds a pipe from the harness. When the pipe closes
 * (harness exit or death, by any signal, alone or with its process group)
 * it SIGKILLs every group registered with it and every process carrying
 * ML_RUN_TOKEN=token, then sweeps the run's state file (proc_state_sweep):
 * its cgroups are killed and removed, the lab link taken down, sandboxes
 * removed.
 */
int proc_watchdog_start(const char *token);
void proc_watchdog_add_group(pid_t pgid);
/* Tells the watchdog a group is gone, so a recycled number is never killed. */
void proc_watchdog_forget_group(pid_t pgid);
/* The watchdog's pid (0 when not running): never part of a scenario. */
pid_t proc_watchdog_pid(void);
/* Closes the pipe and waits (up to 15 s) for the sweep to finish. */
void proc_watchdog_stop(void);
/* The sweep itself: kills processes carrying the token. Returns the count. */
int proc_kill_token(const char *token);
/* 1 when pid's environment carries ML_RUN_TOKEN=token (it is one of ours). */
int proc_has_token(pid_t pid, const char *token);

#endif
