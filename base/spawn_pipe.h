/*
 * spawn — fork-and-pipe for the tools the detectors drive (tshark, dumpcap,
 * yara, nvidia-smi): the child runs argv[0] (PATH search, no shell) with its
 * stdout on a pipe the caller reads, and optionally its stdin on a pipe the
 * caller writes. All pipe ends are close-on-exec in the parent; the child
 * gets SIGPIPE back at its default.
 *
 * Threads: call from the main thread (fork in a threaded process copies
 * only the caller). Nothing here waits for the child: the caller reaps it.
 */
#ifndef SPAWN_PIPE_H
#define SPAWN_PIPE_H

#include <sys/types.h>

enum spawn_stderr {
    SPAWN_ERR_INHERIT = 0, /* the child writes to our stderr */
    SPAWN_ERR_NULL,        /* to /dev/null */
    SPAWN_ERR_STDOUT,      /* into the stdout pipe */
    SPAWN_ERR_PIPE,        /* to a second pipe, returned in *err_fd */
};

struct spawn_opts {
    enum spawn_stderr err;
    int death_signal; /* sent to the child when we die (PR_SET_PDEATHSIG); 0 = none */
    int nice;         /* the child's nice value (setpriority); 0 = unchanged */
    int own_group;    /* 1: the child leads a new process group, so a signal to
                         ours (the harness's SIGTERM) does not reach it */
};

/*
 * Starts argv (NULL-terminated) with o (NULL = all defaults). *out_fd gets
 * the read end of the child's stdout; *err_fd the read end of its stderr
 * when o->err is SPAWN_ERR_PIPE (err_fd may be NULL otherwise). Returns the
 * child's pid, or -errno when no pipe or child could be made (nothing is
 * left open then). A program that cannot be executed exits 127.
 */
pid_t spawn_pipe(char *const argv[], const struct spawn_opts *o, int *out_fd,
                 int *err_fd);
/*
 * The same, with the child's stdin on a pipe too when in_fd is not NULL:
 * *in_fd gets its write end (blocking; the caller may make it non-blocking).
 * With a death signal set, a child whose parent died before the signal was
 * armed exits 127 at once.
 */
pid_t spawn_pipe_in(char *const argv[], const struct spawn_opts *o, int *in_fd,
                    int *out_fd, int *err_fd);

#endif
