/*
 * kbench_ext — an external hash kernel behind the line protocol of
 * docs/kbench.md: `CMD... --mode light|fast --threads N`, stdin lines
 * "KEYHEX INPUTHEX", stdout one 64-hex-digit hash per input, in order.
 */
#include "kbench.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ml_util.h"

int kb_ext_start(struct kb_ext *x, const char *cmd, const char *mode, int threads)
{
    int in[2], out[2];
    char tbuf[16], copy[1024], *argv[64], *save = NULL;
    int n = 0;
    memset(x, 0, sizeof(*x));
    x->pid = -1;
    snprintf(copy, sizeof(copy), "%s", cmd);
    for (char *t = strtok_r(copy, " ", &save); t && n < 58;
         t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    if (!n)
        return -EINVAL;
    snprintf(tbuf, sizeof(tbuf), "%d", threads);
    argv[n++] = "--mode";
    argv[n++] = (char *)mode;
    argv[n++] = "--threads";
    argv[n++] = tbuf;
    argv[n] = NULL;
    if (pipe2(in, O_CLOEXEC) != 0)
        return -errno;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return -errno;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = -errno;
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return e;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(in[0], 0);
        dup2(out[1], 1);
        execvp(argv[0], argv);
        fprintf(stderr, "kbench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    close(in[0]);
    close(out[1]);
    x->pid = pid;
    x->in_fd = in[1];
    x->out_fd = out[0];
    return 0;
}

/* Reads one line into line (without '\n'); 1 ok, 0 EOF, -ETIMEDOUT, -E2BIG. */
static int read_line(struct kb_ext *x, char *line, size_t cap, uint64_t deadline_ns)
{
    for (;;) {
        char *nl = memchr(x->buf, '\n', x->len);
        if (nl) {
            size_t n = (size_t)(nl - x->buf);
            if (n >= cap)
                return -E2BIG;
            memcpy(line, x->buf, n);
            line[n] = '\0';
            memmove(x->buf, nl + 1, x->len - n - 1);
            x->len -= n + 1;
            return 1;
        }
        if (x->len == sizeof(x->buf))
            return -E2BIG;
        uint64_t now = ml_mono_ns();
        if (now >= deadline_ns)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = x->out_fd, .events = POLLIN};
        int ms = (int)((deadline_ns - now) / 1000000u) + 1;
        int r = poll(&p, 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue; /* the deadline check above ends it */
        ssize_t got = read(x->out_fd, x->buf + x->len, sizeof(x->buf) - x->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return 0;
        x->len += (size_t)got;
    }
}

int kb_ext_hash(struct kb_ext *x, const struct kb_input *in, size_t n, uint8_t *out,
                double limit_s, size_t *done, char *why, size_t whylen)
{
    char line[8192];
    uint64_t deadline = ml_mono_ns() + (uint64_t)(limit_s * 1e9);
    *done = 0;
    /* Writes are at most 256 inputs (< 64 KiB) so they never wait on us. */
    for (size_t i = 0; i < n; i++) {
        char kh[2 * KB_MAX_KEY + 1], ih[2 * KB_MAX_INPUT + 1];
        ml_hex_encode(in[i].key, in[i].keylen, kh);
        ml_hex_encode(in[i].data, in[i].len, ih);
        int len = snprintf(line, sizeof(line), "%s %s\n", kh, ih);
        if (write(x->in_fd, line, (size_t)len) != len) {
            snprintf(why, whylen, "the kernel stopped reading its input (%s)",
                     strerror(errno));
            return -EPIPE;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int r = read_line(x, line, sizeof(line), deadline);
        if (r == -ETIMEDOUT) {
            snprintf(why, whylen,
                     "no hash within the %.0f s limit (%zu of %zu answered)", limit_s,
                     i, n);
            return r;
        }
        if (r == 0) {
            snprintf(why, whylen,
                     "fewer hashes than inputs: output ended after %zu of %zu", i, n);
            return -EPROTO;
        }
        if (r < 0 || strlen(line) != 64 || ml_hex_decode(line, out + 32 * i, 32) != 0) {
            snprintf(why, whylen, "not a 64-hex-digit hash: '%.80s'",
                     r < 0 ? "(over-long line)" : line);
            return -EPROTO;
        }
        *done = i + 1;
    }
    return 0;
}

double kb_ext_stop(struct kb_ext *x, int *status)
{
    struct rusage ru;
    int st = 0;
    if (x->in_fd >= 0)
        close(x->in_fd);
    x->in_fd = -1;
    if (x->pid > 0) {
        /* Two seconds to exit on EOF, then the whole process group goes. */
        for (int i = 0; i < 200; i++) {
            if (wait4(x->pid, &st, WNOHANG, &ru) == x->pid)
                goto reaped;
            usleep(10000);
        }
        kill(-x->pid, SIGKILL);
        wait4(x->pid, &st, 0, &ru);
    reaped:
        kill(-x->pid, SIGKILL); /* anything it left in its group */
        x->pid = -1;
    } else {
        memset(&ru, 0, sizeof(ru));
    }
    if (x->out_fd >= 0)
        close(x->out_fd);
    x->out_fd = -1;
    if (status)
        *status = st;
    return (double)ru.ru_maxrss / 1024.0;
}
