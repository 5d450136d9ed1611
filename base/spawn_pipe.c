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
static void child(char *const argv[], const struct spawn_opts *o, pid_t parent,
                  int in_r, int out_w, int err_w)
{
    if (o->death_signal) {
        prctl(PR_SET_PDEATHSIG, o->death_signal);
        if (getppid() != parent)
            _exit(127); /* the parent died before the signal was armed */
    }
    if (o->own_group)
        setpgid(0, 0);
    if (o->nice)
        setpriority(PRIO_PROCESS, 0, o->nice);
    if (in_r >= 0)
        dup2(in_r, 0);
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

pid_t spawn_pipe_in(char *const argv[], const struct spawn_opts *o, int *in_fd,
                    int *out_fd, int *err_fd)
{
    static const struct spawn_opts defaults = {0};
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (!o)
        o = &defaults;
    if ((in_fd && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 ||
        (o->err == SPAWN_ERR_PIPE && pipe2(err, O_CLOEXEC) < 0)) {
        int e = -errno;
        close_pair(in);
        close_pair(out);
        close_pair(err);
        return e;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        child(argv, o, parent, in[0], out[1], err[1]);
    int e = -errno;
    /* The child's ends. */
    int theirs[] = {in[0], out[1], err[1]};
    for (int i = 0; i < 3; i++)
        if (theirs[i] >= 0)
            close(theirs[i]);
    if (pid < 0) {
        int ours[] = {in[1], out[0], err[0]};
        for (int i = 0; i < 3; i++)
            if (ours[i] >= 0)
                close(ours[i]);
        return e;
    }
    if (in_fd)
        *in_fd = in[1];
    *out_fd = out[0];
    if (err_fd)
        *err_fd = err[0];
    return pid;
}

pid_t spawn_pipe(char *const argv[], const struct spawn_opts *o, int *out_fd,
                 int *err_fd)
{
    return spawn_pipe_in(argv, o, NULL, out_fd, err_fd);
}
