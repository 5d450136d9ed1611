/*
 * proc_events — process creation as it happens, from the kernel's netlink
 * process connector (fork, exec and exit events), so a process that lives
 * 10 ms is seen as surely as one that lives an hour. Needs CAP_NET_ADMIN;
 * without it the caller falls back to polling /proc (proc_snapshot_take).
 *
 * Also: the TCP/UDP sockets (IPv4 and IPv6) a process holds, read from its
 * network namespace's /proc/PID/net/{tcp,tcp6,udp,udp6} and matched with the
 * socket inodes of /proc/PID/fd.
 *
 * Called from the harness's single thread only.
 */
#ifndef HX_PROC_EVENTS_H
#define HX_PROC_EVENTS_H

#include <stddef.h>
#include <sys/types.h>

enum pev_kind { PEV_FORK, PEV_EXEC, PEV_EXIT };

struct pev {
    enum pev_kind kind;
    pid_t pid;  /* the new process (fork), or the one that exec'd / exited */
    pid_t ppid; /* fork: the parent process; 0 otherwise */
};

/* Opens and subscribes a process-connector socket (non-blocking). fd or -errno. */
int pev_open(void);
/* Unsubscribes and closes. */
void pev_close(int fd);
/*
 * Reads every pending event and calls cb for each process-level one
 * (threads are left out). Returns the number of events or -errno
 * (-ENOBUFS: the kernel dropped events, the caller should poll /proc once).
 */
int pev_read(int fd, void (*cb)(const struct pev *, void *), void *ctx);

/* One socket of a process. */
struct pev_sock {
    unsigned long inode;
    char proto[4];   /* "tcp" or "udp" */
    char local[64];  /* "ip:port", "[v6]:port" */
    char remote[64]; /* "" when not connected (listening or unbound UDP) */
    int listening;   /* TCP LISTEN */
};

/*
 * The TCP/UDP sockets among inodes (sorted ascending) as seen from pid's
 * network namespace; appended to *out. Returns how many were found or -errno.
 */
int pev_sockets(pid_t pid, const unsigned long *inodes, size_t ninodes,
                struct pev_sock **out, size_t *n, size_t *cap);

#endif
