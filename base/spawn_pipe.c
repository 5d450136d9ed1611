#include "spawn_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

static void close_pair(int p[2])
{
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
}

/* In the child: wire the descriptors and exec; never returns. */
static void child(char *const argv[], const struct spawn_opts *o, int out_w, int err_w)
{
    if (o->death_signal)
        prctl(PR_SET_PDEATHSIG, o->death_signal);
    if (o->nice)
        setpriority(PRIO_PROCESS, 0, o->nice);
    dup2(out_w, 1);
    if (o->err == SPAWN_ERR_STDOUT) {
        dup2(out_w, 2);
    } else if (o->err == SPAWN_ERR_PIPE) {
        dup2(err_w, 2);
    } else if (o->err == SPAWN_ERR_NULL) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 2);
    }
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    _exit(127);
}

pid_t spawn_pipe(char *const argv[], const struct spawn_opts *o, int *out_fd,
                 int *err_fd)
{
    static const struct spawn_opts defaults = {0};
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if (!o)
        o = &defaults;
    if (pipe2(out, O_CLOEXEC) < 0)
        return -errno;
    if (o->err == SPAWN_ERR_PIPE && pipe2(err, O_CLOEXEC) < 0) {
        int e = -errno;
        close_pair(out);
        return e;
    }
    pid_t pid = fork();
    if (pid == 0)
        child(argv, o, out[1], err[1]);
    int e = -errno;
    close(out[1]);
    if (err[1] >= 0)
        close(err[1]);
    if (pid < 0) {
        close(out[0]);
        if (err[0] >= 0)
            close(err[0]);
        return e;
    }
    *out_fd = out[0];
    if (err_fd)
        *err_fd = err[0];
    return pid;
}
