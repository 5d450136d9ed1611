/*
 * exec_rules — the command-line and executable rules exec-watch applies to
 * one process, modelled on public Sigma and Falco miner rules: Stratum URL
 * schemes, XMRig options, base64 forms of those, known miner names, binaries
 * run from memfd, /dev/shm or deleted files, and kernel-thread or
 * system-daemon names on a user binary.
 *
 * Pure functions; any thread. No I/O.
 */
#ifndef EXEC_RULES_H
#define EXEC_RULES_H

#include <stddef.h>

/* What exec-watch knows about one process (all strings may be ""). */
struct exec_proc {
    const char *cmdline; /* argv joined with spaces */
    const char *argv0;
    const char *comm;
    const char *exe; /* /proc/PID/exe target; "" when unreadable */
    int has_exe;     /* 0 when there is no exe link at all (kernel thread) */
    /*
     * Comma-separated memfd name prefixes not to flag (container runtimes and
     * sandbox supervisors re-exec themselves from sealed memfds); may be NULL.
     */
    const char *allow_memfd;
};

struct exec_hit {
    const char *rule; /* static name, e.g. "stratum-scheme" */
    double weight;    /* 0..1, this rule's own confidence */
    char detail[96];  /* what matched */
};

#define EXEC_RULES_MAX_HITS 16

/*
 * Applies every rule; fills hits (capacity max) and returns the count.
 * Processes without an exe (kernel threads) match nothing.
 */
size_t exec_rules_match(const struct exec_proc *p, struct exec_hit *hits, size_t max);

/* Combined evidence: 1 - prod(1 - weight). */
double exec_rules_score(const struct exec_hit *hits, size_t n);

/*
 * Base64-decodes the token tok (standard or URL-safe alphabet, padding
 * optional) into out (capacity outlen, NUL-terminated). Returns the decoded
 * length, or -EINVAL.
 */
int exec_rules_b64decode(const char *tok, size_t len, char *out, size_t outlen);

#endif
