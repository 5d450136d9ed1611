/*
 * proc_conn — the kernel's netlink process connector (fork, exec, exit and
 * comm events as they happen, so a process that lives 10 ms is seen as
 * surely as one that lives an hour). Used by the harness (the process tree
 * of a scenario) and by exec-watch and sigma (exec events). Needs root or
 * CAP_NET_ADMIN; callers fall back to polling /proc without it.
 */
#ifndef ML_PROC_CONN_H
#define ML_PROC_CONN_H

#include <sys/types.h>

enum proc_conn_kind { PROC_CONN_FORK, PROC_CONN_EXEC, PROC_CONN_EXIT, PROC_CONN_COMM };

struct proc_conn_event {
    enum proc_conn_kind kind;
    pid_t pid;  /* the process (thread group): new (fork), exec'd, exited, renamed */
    pid_t tid;  /* the thread the event is about (== pid for the main thread) */
    pid_t ppid; /* fork: the parent process; 0 otherwise */
};

/* Opens a non-blocking connector socket subscribed to process events (with
 * a 4 MiB receive buffer where allowed). The fd, or -errno. */
int proc_conn_open(void);
/* Unsubscribes and closes; fd < 0 is ignored. */
void proc_conn_close(int fd);
/*
 * Reads every queued message without blocking and calls cb for each fork,
 * exec, exit and comm event, threads included (tid != pid). A negative
 * return of cb stops the reading and is returned; otherwise the sum of cb's
 * returns. *lost is set when the kernel dropped events (ENOBUFS): the caller
 * should look at /proc once. -errno on a read error.
 */
int proc_conn_read(int fd, int (*cb)(const struct proc_conn_event *, void *), void *ctx,
                   int *lost);

#endif
