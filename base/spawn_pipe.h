/*
 * spawn — fork-and-pipe for the tools the detectors drive (tshark, yara,
 * nvidia-smi): the child runs argv[0] (PATH search, no shell) with its stdout
 * on a pipe the caller reads. Both pipe ends are close-on-exec in the
 * parent; the child gets SIGPIPE back at its default.
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

#endif
