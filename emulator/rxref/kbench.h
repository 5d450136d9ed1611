/* minerlab-kbench internals (see kbench_main.c and docs/kbench.md). */
#ifndef KBENCH_H
#define KBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KB_MAX_KEY 64
#define KB_MAX_INPUT 256

struct kb_input {
    uint8_t key[KB_MAX_KEY];
    size_t keylen;
    uint8_t data[KB_MAX_INPUT];
    size_t len;
};

/* An external kernel process speaking the line protocol. */
struct kb_ext {
    pid_t pid;
    int in_fd, out_fd;
    char buf[16384];
    size_t len;
};

/* Starts `cmd --mode MODE --threads N` (cmd split on spaces) in its own
 * process group. 0 or -errno. */
int kb_ext_start(struct kb_ext *x, const char *cmd, const char *mode, int threads);
/*
 * Sends n inputs (n <= 256) and reads n hashes into out (32 bytes each)
 * within limit_s seconds. 0, or <0 with why (timeout, too few, garbage);
 * *done = hashes read.
 */
int kb_ext_hash(struct kb_ext *x, const struct kb_input *in, size_t n, uint8_t *out,
                double limit_s, size_t *done, char *why, size_t whylen);
/* Closes its input, waits 2 s, kills the group; returns its peak RSS MiB. */
double kb_ext_stop(struct kb_ext *x, int *status);

/*
 * Pointer chase over `bytes` with threads chasers at once (small pages or
 * THP): mean ns per dependent 64-byte read. <0 on allocation failure.
 */
double kb_probe_latency(size_t bytes, int thp, int threads, double seconds);

#endif
