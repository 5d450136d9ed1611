/*
 * Helpers shared by the host-detector unit tests (test_det_*.c): capture
 * what a detector writes to stdout, count its alert lines, find recorded
 * /proc snapshots, and start helper children that die with the test.
 */
#ifndef TEST_DET_HOST_UTIL_H
#define TEST_DET_HOST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cap_saved_fd = -1;
static char cap_path[64];

/* Redirects stdout (fd 1) to a temporary file until capture_end. */
static inline void capture_begin(void)
{
    fflush(stdout);
    snprintf(cap_path, sizeof(cap_path), "/tmp/dethost-test-XXXXXX");
    int fd = mkstemp(cap_path);
    if (fd < 0)
        abort();
    cap_saved_fd = dup(1);
    dup2(fd, 1);
    close(fd);
}

/* Restores stdout and returns what was written (caller frees). */
static inline char *capture_end(void)
{
    fflush(stdout);
    dup2(cap_saved_fd, 1);
    close(cap_saved_fd);
    FILE *f = fopen(cap_path, "r");
    char *buf = calloc(1, 1 << 20);
    if (f && buf) {
        size_t n = fread(buf, 1, (1 << 20) - 1, f);
        buf[n] = '\0';
    }
    if (f)
        fclose(f);
    unlink(cap_path);
    return buf;
}

/*
 * Counts protocol lines in out: alerts (pid == 0: any pid) or, with
 * degraded set, degraded notices; "info" lines count as neither. Lines must
 * be valid JSON with ts, detector and technique.
 */
static inline int count_lines(const char *out, int pid, int degraded)
{
    int n = 0;
    const char *p = out;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        json_error_t e;
        json_t *o = json_loadb(p, len, 0, &e);
        if (!o || !json_object_get(o, "ts") || !json_object_get(o, "detector") ||
            !json_object_get(o, "technique")) {
            fprintf(stderr, "bad protocol line: %.*s\n", (int)len, p);
            abort();
        }
        int is_degraded = json_is_true(json_object_get(o, "degraded"));
        int is_info =
            json_object_get(o, "info") != NULL || /* neither alert nor notice */
            json_is_true(json_object_get(o, "observation"));
        json_int_t apid = json_integer_value(json_object_get(o, "pid"));
        if (!is_info &&
            (degraded ? is_degraded : (!is_degraded && (pid == 0 || apid == pid))))
            n++;
        json_decref(o);
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

/* ML_SOURCE_DIR/tests/data/dethost/NAME into buf. */
static inline const char *data_path(char *buf, size_t len, const char *name)
{
    const char *src = getenv("ML_SOURCE_DIR");
    snprintf(buf, len, "%s/tests/data/dethost/%s", src ? src : ".", name);
    return buf;
}

/* The only numeric entry of a snapshot dir holding one process. */
static inline int snapshot_pid(const char *dir, const char *comm)
{
    char cmd[600], line[64];
    snprintf(cmd, sizeof(cmd),
             "grep -l -F -x '%s' %s/[0-9]*/comm 2>/dev/null | head -1", comm, dir);
    FILE *p = popen(cmd, "r");
    int pid = 0;
    if (p && fgets(line, sizeof(line), p)) {
        const char *s = line + strlen(dir) + 1;
        pid = atoi(s);
    }
    if (p)
        pclose(p);
    return pid;
}

/* Writes text to DIR/NAME (aborts on failure: test set-up). */
static inline void write_text(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0)
        abort();
    fclose(f);
}

static inline double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Forks a child that dies with the test (PR_SET_PDEATHSIG) and runs fn(arg);
 * returns its pid.
 */
static inline pid_t spawn_child(void (*fn)(void *), void *arg)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(0);
        fn(arg);
        _exit(0);
    }
    return pid;
}

static inline void reap_child(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

#endif
