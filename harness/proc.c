#include "hxutil.h"
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ml_util.h"

static void child_setup(const struct proc_spec *spec, pid_t parent, int errfd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    setpgid(0, 0);
    if (spec->cgroup) { /* "0": the writer itself; before exec, so all it forks too */
        char p[4200];
        hx_fmt(p, sizeof(p), "%s/cgroup.procs", spec->cgroup);
        int cfd = open(p, O_WRONLY | O_CLOEXEC);
        if (cfd >= 0) {
            if (write(cfd, "0", 1) < 0) {
                /* left where it was: groups and tokens still reach it */
            }
            close(cfd);
        }
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) /* the harness died before prctl took effect */
        _exit(127);
    int devnull = open("/dev/null", O_RDWR);
    int fds[3] = {spec->stdin_fd, spec->stdout_fd, spec->stderr_fd};
    for (int i = 0; i < 3; i++)
        if (dup2(fds[i] >= 0 ? fds[i] : devnull, i) < 0)
            goto fail;
    if (spec->cwd && chdir(spec->cwd) != 0)
        goto fail;
    /* Close everything else: children must not hold the harness's pipes. */
    for (int fd = 3; fd < 1024; fd++)
        if (fd != errfd)
            close(fd);
    execvpe(spec->argv[0], (char *const *)spec->argv, spec->envp);
fail:;
    int e = errno;
    if (write(errfd, &e, sizeof(e)) < 0)
        _exit(127);
    _exit(127);
}

int proc_spawn(const struct proc_spec *spec, pid_t *pid_out)
{
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) != 0)
        return -errno;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(ep[0]);
        close(ep[1]);
        return -e;
    }
    if (pid == 0)
        child_setup(spec, parent, ep[1]);
    close(ep[1]);
    setpgid(pid, pid); /* also from the parent: no race with our first kill() */
    int e = 0;
    ssize_t n;
    do
        n = read(ep[0], &e, sizeof(e));
    while (n < 0 && errno == EINTR);
    close(ep[0]);
    if (n == sizeof(e)) {
        waitpid(pid, NULL, 0);
        return -e;
    }
    *pid_out = pid;
    return 0;
}

void proc_kill_group(pid_t pgid, int sig)
{
    if (pgid > 1)
        kill(-pgid, sig);
}

void proc_status_str(int ws, char *buf, size_t len)
{
    if (WIFEXITED(ws))
        hx_fmt(buf, len, "exit %d", WEXITSTATUS(ws));
    else if (WIFSIGNALED(ws))
        hx_fmt(buf, len, "signal %d", WTERMSIG(ws));
    else
        hx_fmt(buf, len, "status %d", ws);
}

/* Keeps the last non-empty line of text seen so far in last (bounded). */
static void keep_last_line(char *last, size_t len, char *acc, size_t *acclen,
                           const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            if (*acclen > 0) {
                acc[*acclen] = '\0';
                hx_fmt(last, len, "%s", acc);
            }
            *acclen = 0;
        } else if (*acclen < 511) {
            acc[(*acclen)++] = buf[i];
        }
    }
}

int proc_run_sync(const char *const *argv, char *const *envp, const char *cwd,
                  double timeout_s, int out_fd, char *last_err, size_t errlen)
{
    int p[2];
    char acc[512];
    size_t acclen = 0;
    pid_t pid;
    if (last_err && errlen)
        last_err[0] = '\0';
    if (pipe2(p, O_CLOEXEC) != 0)
        return -errno;
    struct proc_spec spec = {argv, envp, cwd, -1, out_fd, p[1], NULL};
    int rc = proc_spawn(&spec, &pid);
    close(p[1]);
    if (rc) {
        close(p[0]);
        return rc;
    }
    uint64_t deadline = ml_mono_ns() + (uint64_t)(timeout_s * 1e9);
    int status = 0, done = 0, open_pipe = 1;
    while (!done) {
        struct pollfd pfd = {p[0], POLLIN, 0};
        if (open_pipe && poll(&pfd, 1, 50) > 0) {
            char buf[4096];
            ssize_t n = read(p[0], buf, sizeof(buf));
            if (n > 0)
                keep_last_line(last_err, errlen, acc, &acclen, buf, (size_t)n);
            else if (n == 0)
                open_pipe = 0;
        } else if (!open_pipe) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (waitpid(pid, &status, WNOHANG) == pid)
            done = 1;
        else if (ml_mono_ns() > deadline) {
            proc_kill_group(pid, SIGKILL);
            waitpid(pid, &status, 0);
            close(p[0]);
            return -ETIMEDOUT;
        }
    }
    /* Drain what is left of stderr without blocking on grandchildren. */
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof(buf))) > 0)
        keep_last_line(last_err, errlen, acc, &acclen, buf, (size_t)n);
    if (acclen > 0 && last_err) {
        acc[acclen] = '\0';
        hx_fmt(last_err, errlen, "%s", acc);
    }
    close(p[0]);
    proc_kill_group(pid, SIGKILL); /* nothing of a finished helper may linger */
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int read_stat(pid_t pid, struct proc_info *pi)
{
    char path[64], buf[512];
    hx_fmt(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -EIO;
    buf[n] = '\0';
    /* comm may hold spaces and parentheses: it ends at the last ')'. */
    char *open_p = strchr(buf, '('), *close_p = strrchr(buf, ')');
    if (!open_p || !close_p || close_p < open_p)
        return -EINVAL;
    size_t cl = (size_t)(close_p - open_p - 1);
    if (cl >= sizeof(pi->comm))
        cl = sizeof(pi->comm) - 1;
    memcpy(pi->comm, open_p + 1, cl);
    pi->comm[cl] = '\0';
    char state;
    int ppid, pgrp;
    if (sscanf(close_p + 2, "%c %d %d", &state, &ppid, &pgrp) != 3)
        return -EINVAL;
    pi->pid = pid;
    pi->ppid = ppid;
    pi->pgid = pgrp;
    return state == 'Z' ? -ESRCH : 0;
}

int proc_snapshot_take(struct proc_snapshot *s)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    s->n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid;
        if (ml_parse_long(e->d_name, 1, 1L << 30, &pid))
            continue;
        if (s->n == s->cap) {
            size_t nc = s->cap ? s->cap * 2 : 512;
            struct proc_info *v = realloc(s->v, nc * sizeof(*v));
            if (!v) {
                closedir(d);
                return -ENOMEM;
            }
            s->v = v;
            s->cap = nc;
        }
        if (read_stat((pid_t)pid, &s->v[s->n]) == 0)
            s->n++;
    }
    closedir(d);
    return 0;
}

void proc_snapshot_free(struct proc_snapshot *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

int proc_socket_inodes(pid_t pid, unsigned long **inodes, size_t *n, size_t *cap)
{
    char path[64];
    hx_fmt(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char link[320], target[64];
        if (e->d_name[0] == '.')
            continue;
        hx_fmt(link, sizeof(link), "/proc/%d/fd/%s", (int)pid, e->d_name);
        ssize_t l = readlink(link, target, sizeof(target) - 1);
        if (l <= 0)
            continue;
        target[l] = '\0';
        unsigned long ino;
        if (sscanf(target, "socket:[%lu]", &ino) != 1)
            continue;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            unsigned long *v = realloc(*inodes, nc * sizeof(*v));
            if (!v)
                break;
            *inodes = v;
            *cap = nc;
        }
        (*inodes)[(*n)++] = ino;
        found++;
    }
    closedir(d);
    return found;
}

/* Scans one /proc/net/tcp* file for local endpoint ip:port. */
static unsigned long scan_tcp(const char *file, const char *ip, unsigned port, int v6)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    unsigned a, b, c, d;
    if (sscanf(ip, "%u.%u.%u.%u", &a, &b, &c, &d) != 4) {
        fclose(f);
        return 0;
    }
    /* /proc shows the address as a host-order (little-endian) hex word. */
    char want4[9], want6[33];
    hx_fmt(want4, sizeof(want4), "%02X%02X%02X%02X", d, c, b, a);
    hx_fmt(want6, sizeof(want6), "0000000000000000FFFF0000%s", want4);
    char line[512];
    unsigned long inode = 0;
    while (!inode && fgets(line, sizeof(line), f)) {
        char local[64];
        unsigned lport;
        unsigned long ino;
        if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*s %*s %*s %*s %*s %*s %*s %lu",
                   local, &lport, &ino) != 3)
            continue;
        if (lport == port && strcmp(local, v6 ? want6 : want4) == 0)
            inode = ino;
    }
    fclose(f);
    return inode;
}

unsigned long proc_tcp_inode(const char *ip, unsigned port)
{
    unsigned long ino = scan_tcp("/proc/net/tcp", ip, port, 0);
    return ino ? ino : scan_tcp("/proc/net/tcp6", ip, port, 1);
}

unsigned long proc_tcp_inode_of(pid_t pid, const char *ip, unsigned port)
{
    char p4[64], p6[64];
    snprintf(p4, sizeof(p4), "/proc/%d/net/tcp", (int)pid);
    snprintf(p6, sizeof(p6), "/proc/%d/net/tcp6", (int)pid);
    unsigned long ino = scan_tcp(p4, ip, port, 0);
    return ino ? ino : scan_tcp(p6, ip, port, 1);
}

int proc_has_token(pid_t pid, const char *token)
{
    char want[128], path[64];
    static char env[65536]; /* single-threaded; environments are small */
    int wl = snprintf(want, sizeof(want), "ML_RUN_TOKEN=%s", token) + 1; /* with NUL */
    snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, env, sizeof(env));
    close(fd);
    for (ssize_t i = 0; n > 0 && i + wl <= n;) {
        if (memcmp(env + i, want, (size_t)wl) == 0)
            return 1;
        char *z = memchr(env + i, '\0', (size_t)(n - i));
        if (!z)
            break;
        i = z - env + 1;
    }
    return 0;
}

int proc_kill_token(const char *token)
{
    int killed = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    struct dirent *e;
    pid_t self = getpid();
    while ((e = readdir(d))) {
        long pid;
        if (ml_parse_long(e->d_name, 2, 1L << 30, &pid) || pid == self)
            continue;
        if (proc_has_token((pid_t)pid, token)) {
            kill((pid_t)pid, SIGKILL);
            killed++;
        }
    }
    closedir(d);
    return killed;
}

const char *proc_cgroup_root(void)
{
    static char root[64];
    static int done;
    if (done)
        return root;
    done = 1;
    static const char *cands[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
    for (size_t i = 0; i < 2; i++) {
        struct statfs sf;
        if (statfs(cands[i], &sf) == 0 && sf.f_type == 0x63677270 /* CGROUP2 */ &&
            access(cands[i], W_OK) == 0) {
            hx_fmt(root, sizeof(root), "%s", cands[i]);
            break;
        }
    }
    return root;
}

/* Empty: no process (v2: not populated, zombies included, so rmdir works). */
static int cgroup_empty(const char *dir)
{
    char p[4200], buf[256];
    hx_fmt(p, sizeof(p), "%s/cgroup.events", dir);
    int efd = open(p, O_RDONLY | O_CLOEXEC);
    if (efd >= 0) {
        ssize_t n = read(efd, buf, sizeof(buf) - 1);
        close(efd);
        buf[n > 0 ? n : 0] = '\0';
        return strstr(buf, "populated 0") != NULL;
    }
    hx_fmt(p, sizeof(p), "%s/cgroup.procs", dir);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 1; /* gone */
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    return n <= 0;
}

/* v1 (no cgroup.kill): every pid listed, until none is left. */
static void cgroup_kill_pids(const char *dir)
{
    char p[4200];
    hx_fmt(p, sizeof(p), "%s/cgroup.procs", dir);
    FILE *f = fopen(p, "re");
    if (!f)
        return;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1)
        if (pid > 1 && pid != getpid())
            kill((pid_t)pid, SIGKILL);
    fclose(f);
}

int proc_cgroup_kill(const char *dir, double wait_s)
{
    char p[4200];
    hx_fmt(p, sizeof(p), "%s/cgroup.kill", dir);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    int v2 = fd >= 0;
    if (v2) {
        if (write(fd, "1", 1) < 0)
            v2 = 0;
        close(fd);
    }
    for (int i = 0; i <= (int)(wait_s * 100); i++) {
        if (!v2)
            cgroup_kill_pids(dir);
        if (cgroup_empty(dir))
            return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -EBUSY;
}

int proc_cgroup_cpu_usec(const char *dir, unsigned long long *usec)
{
    char p[4200], buf[512];
    hx_fmt(p, sizeof(p), "%s/cpu.stat", dir);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    buf[n] = '\0';
    for (const char *l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (!strncmp(l, "usage_usec ", 11))
            return sscanf(l + 11, "%llu", usec) == 1 ? 0 : -EINVAL;
    return -EINVAL;
}

int proc_cgroup_add(const char *dir, pid_t pid)
{
    char p[4200], v[32];
    hx_fmt(p, sizeof(p), "%s/cgroup.procs", dir);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int n = hx_fmt(v, sizeof(v), "%d", (int)pid);
    int rc = write(fd, v, (size_t)n) == n ? 0 : -errno;
    close(fd);
    return rc;
}

int proc_cgroup_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_type == DT_DIR && strcmp(e->d_name, ".") &&
                strcmp(e->d_name, "..")) {
                char sub[4200];
                hx_fmt(sub, sizeof(sub), "%s/%s", dir, e->d_name);
                proc_cgroup_remove(sub);
            }
        closedir(d);
    }
    return rmdir(dir) == 0 || errno == ENOENT ? 0 : -errno;
}

static char state_path[4096];
static int state_fd = -1;

/* Start time of pid (clock ticks since boot, /proc/pid/stat field 22); 0 if gone. */
static unsigned long long start_time(pid_t pid)
{
    char p[64], buf[1024];
    hx_fmt(p, sizeof(p), "/proc/%d/stat", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    unsigned long long st = 0;
    if (s && sscanf(s + 2,
                    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                    "%*d %*d %*d %*d %llu",
                    &st) != 1)
        st = 0;
    return st;
}

static const char *state_dir(void)
{
    static char dir[512];
    if (dir[0])
        return dir;
    if (getuid() == 0 && (mkdir("/run/minerlab", 0700) == 0 || errno == EEXIST)) {
        hx_fmt(dir, sizeof(dir), "/run/minerlab");
    } else {
        const char *t = getenv("TMPDIR");
        hx_fmt(dir, sizeof(dir), "%s/minerlab-state-%u", t && *t ? t : "/tmp",
               (unsigned)getuid());
        mkdir(dir, 0700);
    }
    return dir;
}

int proc_state_open(const char *run_key, char *path, size_t len)
{
    hx_fmt(state_path, sizeof(state_path), "%s/%s.state", state_dir(), run_key);
    state_fd =
        open(state_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (state_fd < 0)
        return -errno;
    char v[64];
    hx_fmt(v, sizeof(v), "%d %llu", (int)getpid(), start_time(getpid()));
    proc_state_add("harness", v);
    if (path)
        hx_fmt(path, len, "%s", state_path);
    return 0;
}

const char *proc_state_path(void)
{
    return state_fd >= 0 ? state_path : "";
}

void proc_state_add(const char *kind, const char *value)
{
    if (state_fd < 0)
        return;
    char line[4400];
    int n = hx_fmt(line, sizeof(line), "%s %s\n", kind, value);
    if (n > 0 && (size_t)n < sizeof(line) && write(state_fd, line, (size_t)n) == n)
        fdatasync(state_fd);
}

static int rm_tree_entry(const char *path, const struct stat *st, int flag,
                         struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Kills, takes down, removes: in that order, each step over every entry. */
void proc_state_sweep(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char(*cg)[4096] = calloc(64, sizeof(*cg));
    char line[4400];
    size_t ncg = 0;
    /* 1. every cgroup of the run: all its processes die, tokens or not */
    while (cg && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "cgroup ", 7) && ncg < 64) {
            hx_fmt(cg[ncg], sizeof(cg[0]), "%s", line + 7);
            proc_cgroup_kill(cg[ncg++], 2.0);
        }
    }
    /* 2. the lab link, 3. sandboxes */
    rewind(f);
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char a[4096] = "", b[256] = "";
        if (!strncmp(line, "labnet ", 7) &&
            sscanf(line + 7, "%4095s %255s", a, b) == 2) {
            const char *argv[] = {a, "down", b, NULL};
            char last[256];
            char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
            proc_run_sync(argv, envp, "/", 20, -1, last, sizeof(last));
        } else if (!strncmp(line, "sandbox ", 8) && line[8] == '/') {
            nftw(line + 8, rm_tree_entry, 16, FTW_DEPTH | FTW_PHYS);
        } else if (!strncmp(line, "tmp ", 4) && line[4] == '/') {
            unlink(line + 4); /* a half-written file of the run */
        }
    }
    fclose(f);
    /* 4. cgroups, children (recorded later) first; a killed process can
     * stay a zombie a moment (until its new parent reaps it): retry. */
    for (int tries = 0; tries < 500; tries++) {
        int busy = 0;
        for (size_t i = ncg; i-- > 0;)
            if (proc_cgroup_remove(cg[i]) == -EBUSY)
                busy = 1;
        if (!busy)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    free(cg);
    unlink(path);
}

int proc_state_sweep_stale(void)
{
    DIR *d = opendir(state_dir());
    if (!d)
        return 0;
    int swept = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 7 || strcmp(e->d_name + n - 6, ".state"))
            continue;
        char path[4600], line[256];
        hx_fmt(path, sizeof(path), "%s/%s", state_dir(), e->d_name);
        if (!strcmp(path, state_path))
            continue;
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        int alive = 0;
        while (fgets(line, sizeof(line), f)) {
            int pid;
            unsigned long long st = 0;
            if ((sscanf(line, "harness %d %llu", &pid, &st) == 2 ||
                 sscanf(line, "watchdog %d %llu", &pid, &st) == 2) &&
                pid > 1 && start_time(pid) == st && st)
                alive = 1;
        }
        fclose(f);
        if (!alive) {
            proc_state_sweep(path);
            swept++;
        }
    }
    closedir(d);
    return swept;
}

static int wd_fd = -1;
static pid_t wd_pid;

/* The watchdog's life: collect groups until EOF, then kill them all. */
static void watchdog_main(int rfd, const char *token)
{
    pid_t groups[4096];
    size_t ng = 0;
    char buf[256];
    size_t have = 0;
    /* Its own session (setsid in proc_watchdog_start): a closed terminal, a
     * Ctrl-C or a kill of the harness's process group does not reach it. */
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        ssize_t n = read(rfd, buf + have, sizeof(buf) - have - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = '\0';
            long g;
            if (line[0] == '-' && !ml_parse_long(line + 1, 2, 1L << 30, &g)) {
                for (size_t i = 0; i < ng; i++)
                    if (groups[i] == (pid_t)g)
                        groups[i--] = groups[--ng];
            } else if (ng < sizeof(groups) / sizeof(groups[0]) &&
                       !ml_parse_long(line, 2, 1L << 30, &g)) {
                groups[ng++] = (pid_t)g;
            }
            line = nl + 1;
        }
        have = strlen(line);
        memmove(buf, line, have);
    }
    for (size_t i = 0; i < ng; i++)
        kill(-groups[i], SIGKILL);
    /* Twice: a process forking during the first sweep is caught by the second. */
    proc_kill_token(token);
    proc_kill_token(token);
    if (state_path[0])
        proc_state_sweep(state_path);
    _exit(0);
}

int proc_watchdog_start(const char *token)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return -e;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setsid();
        close(p[1]);
        for (int fd = 3; fd < 1024; fd++)
            if (fd != p[0])
                close(fd);
        watchdog_main(p[0], token);
    }
    close(p[0]);
    wd_fd = p[1];
    wd_pid = pid;
    /* Give it a moment to be in its own session before anything is started
     * that a group kill could take down with us. */
    for (int i = 0; i < 100 && getsid(pid) != pid; i++) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    char v[64];
    hx_fmt(v, sizeof(v), "%d %llu", (int)pid, start_time(pid));
    proc_state_add("watchdog", v);
    return 0;
}

void proc_watchdog_add_group(pid_t pgid)
{
    if (wd_fd < 0)
        return;
    char line[32];
    int n = hx_fmt(line, sizeof(line), "%d\n", (int)pgid);
    if (write(wd_fd, line, (size_t)n) != n)
        return;
}

void proc_watchdog_forget_group(pid_t pgid)
{
    if (wd_fd < 0)
        return;
    char line[32];
    int n = snprintf(line, sizeof(line), "-%d\n", (int)pgid);
    if (write(wd_fd, line, (size_t)n) != n)
        return;
}

pid_t proc_watchdog_pid(void)
{
    return wd_fd >= 0 ? wd_pid : 0;
}

void proc_watchdog_stop(void)
{
    if (wd_fd < 0)
        return;
    close(wd_fd);
    wd_fd = -1;
    for (int i = 0; i < 1500; i++) {
        pid_t r = waitpid(wd_pid, NULL, WNOHANG);
        if (r == wd_pid || (r < 0 && errno == ECHILD))
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(wd_pid, SIGKILL);
    waitpid(wd_pid, NULL, 0);
}
