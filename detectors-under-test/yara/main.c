/*
 * minerlab-det-yara: runs Debian's yara against live processes
 * (`yara -s RULES PID`, one process at a time, niced and rate-limited) and
 * turns rule matches into memory-technique alerts with the pid.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "det_alert.h"
#include "det_cli.h"
#include "det_pcap.h"
#include "ml_util.h"
#include "opt.h"
#include "spawn_pipe.h"
#include "yara_adapter.h"

#define DETECTOR "yara"
#define MAX_TRACKED 4096
#define MAX_PIDS 16

struct opts {
    const char *rules, *yara;
    double interval_s, rescan_s;
    long max_per_round, timeout_s, max_cpu_pct;
    int pids[MAX_PIDS];
    size_t npids;
    int once, version;
};

struct proc {
    int pid;
    unsigned long long start;
    double last_scan;
    int nfired;
    char fired[YA_MAX_RULES][64];
    int seen_round;
};

struct state {
    struct opts o;
    struct proc procs[MAX_TRACKED];
    size_t nprocs;
    int round;
    unsigned long scans, failed_scans, alerts;
    int degraded_perm;
    double next_scan_at; /* CPU budget: no scan before this wall time */
    double scan_cpu_s;   /* yara CPU seconds spent so far */
    volatile sig_atomic_t *stop;
};

/* Runs cmd (no shell) and keeps the first output line. 0 or -ENOENT. */
static int first_line(char *const *argv, char *out, size_t len)
{
    int fd = -1;
    pid_t pid = spawn_pipe(argv, NULL, &fd, NULL);
    ssize_t n = pid > 0 ? read(fd, out, len - 1) : -1;
    if (fd >= 0)
        close(fd);
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -ENOENT;
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static double tv_s(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* Runs yara on one pid; fills r. Returns 0, or -EINTR when stopped. */
static int scan(struct state *st, int pid, struct ya_result *r)
{
    char tbuf[16], pbuf[16], line[4096];
    int fd[2];
    memset(r, 0, sizeof(*r));
    snprintf(tbuf, sizeof(tbuf), "%ld", st->o.timeout_s);
    snprintf(pbuf, sizeof(pbuf), "%d", pid);
    char *argv[] = {(char *)st->o.yara,  "-s", "-a", tbuf,
                    (char *)st->o.rules, pbuf, NULL};
    /* A scanner must not be the host's heaviest job, nor outlive us. */
    struct spawn_opts so = {
        .err = SPAWN_ERR_STDOUT, .death_signal = SIGKILL, .nice = 10};
    pid_t child = spawn_pipe(argv, &so, &fd[0], NULL);
    if (child < 0)
        return (int)child;
    /* Read yara's output line by line; on SIGTERM, kill the scan at once. */
    size_t len = 0;
    for (;;) {
        struct pollfd pf = {.fd = fd[0], .events = POLLIN};
        if (*st->stop)
            kill(child, SIGKILL);
        if (poll(&pf, 1, 200) <= 0)
            continue;
        ssize_t n = read(fd[0], line + len, sizeof(line) - 1 - len);
        if (n <= 0 && !(n < 0 && errno == EINTR))
            break;
        len += n > 0 ? (size_t)n : 0;
        line[len] = '\0';
        char *start = line, *nl;
        while ((nl = strchr(start, '\n'))) {
            *nl = '\0';
            /* Skip yara's compile warning about the wallet regex. */
            if (!strstr(start, "may slow down scanning"))
                ya_parse_line(r, pid, start);
            start = nl + 1;
        }
        len -= (size_t)(start - line);
        memmove(line, start, len);
        if (len == sizeof(line) - 1)
            len = 0; /* an absurdly long line: drop it */
    }
    close(fd[0]);
    int status = 0;
    struct rusage before, after;
    getrusage(RUSAGE_CHILDREN, &before);
    waitpid(child, &status, 0);
    getrusage(RUSAGE_CHILDREN, &after);
    /* Pay for this scan's CPU with idle time: cpu * (100 / budget - 1). */
    double cpu = tv_s(&after.ru_utime) - tv_s(&before.ru_utime) +
                 tv_s(&after.ru_stime) - tv_s(&before.ru_stime);
    st->scan_cpu_s += cpu;
    st->next_scan_at = ml_now_unix() + cpu * (100.0 / (double)st->o.max_cpu_pct - 1.0);
    st->scans++;
    if (r->scan_errors)
        st->failed_scans++;
    return *st->stop ? -EINTR : 0;
}

static struct proc *track(struct state *st, int pid, unsigned long long start)
{
    for (size_t i = 0; i < st->nprocs; i++)
        if (st->procs[i].pid == pid && st->procs[i].start == start)
            return &st->procs[i];
    if (st->nprocs == MAX_TRACKED)
        return NULL;
    struct proc *p = &st->procs[st->nprocs++];
    memset(p, 0, sizeof(*p));
    p->pid = pid;
    p->start = start;
    return p;
}

static void report(struct state *st, struct proc *p, const struct ya_result *r)
{
    char comm[64], reason[400];
    ya_comm(p->pid, comm, sizeof(comm));
    for (int i = 0; i < r->nmatches; i++) {
        int seen = 0;
        for (int k = 0; k < p->nfired; k++)
            seen |= !strcmp(p->fired[k], r->m[i].rule);
        if (seen || p->nfired == YA_MAX_RULES)
            continue;
        snprintf(p->fired[p->nfired++], 64, "%s", r->m[i].rule);
        snprintf(reason, sizeof(reason),
                 "rule %s: yara matched process memory of pid %d (%s): %s",
                 r->m[i].rule, p->pid, comm, r->m[i].evidence);
        struct det_alert a = {.detector = DETECTOR,
                              .technique = DET_MEMORY,
                              .pid = p->pid,
                              .score = 0.8,
                              .reason = reason};
        det_alert_emit(&a);
        st->alerts++;
    }
}

/* Drops tracked processes that were not seen this round (they exited). */
static void forget_gone(struct state *st)
{
    size_t w = 0;
    for (size_t i = 0; i < st->nprocs; i++)
        if (st->procs[i].seen_round == st->round)
            st->procs[w++] = st->procs[i];
    st->nprocs = w;
}

static int candidate_pids(struct state *st, int *pids, size_t cap)
{
    size_t n = 0;
    if (st->o.npids) {
        for (size_t i = 0; i < st->o.npids && n < cap; i++)
            pids[n++] = st->o.pids[i];
        return (int)n;
    }
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        long v;
        if (ml_parse_long(e->d_name, 1, 1 << 22, &v) == 0)
            pids[n++] = (int)v;
    }
    closedir(d);
    return (int)n;
}

/*
 * Waits until the CPU budget allows the next scan. 1 when it does; 0 when the
 * wait would outlast a round (the round ends early) or the adapter stops.
 */
static int wait_budget(struct state *st)
{
    if (st->o.once)
        return 1; /* a one-shot scan on request is not rate-limited */
    while (!*st->stop && ml_now_unix() < st->next_scan_at) {
        if (st->next_scan_at - ml_now_unix() > st->o.interval_s)
            return 0;
        usleep(100 * 1000);
    }
    return !*st->stop;
}

struct cand {
    int pid;
    unsigned long long start;
};

/* Newest processes first: a fresh miner is scanned before the old daemons. */
static int newest_first(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    return (x->start < y->start) - (x->start > y->start);
}

static void round_once(struct state *st)
{
    static int pids[32768];
    static struct cand cands[32768];
    double now = ml_now_unix();
    int n = candidate_pids(st, pids, sizeof(pids) / sizeof(pids[0]));
    size_t nc = 0;
    long budget = st->o.max_per_round;
    int blocked = 0;
    st->round++;
    /* Processes younger than a second are left for the next round: most are
     * short-lived commands that would exit mid-scan (--pid ones are not). */
    double uptime = 0;
    FILE *up = fopen("/proc/uptime", "r");
    if (up) {
        if (fscanf(up, "%lf", &uptime) != 1)
            uptime = 0;
        fclose(up);
    }
    double hz = (double)sysconf(_SC_CLK_TCK);
    for (int i = 0; i < n; i++) {
        unsigned long long start = ya_start_time(pids[i]);
        int old_enough = st->o.npids || uptime - (double)start / hz >= 1.0;
        if (start && old_enough && ya_scannable(pids[i], NULL, 0))
            cands[nc++] = (struct cand){pids[i], start};
    }
    qsort(cands, nc, sizeof(cands[0]), newest_first);
    /* Two passes: never-scanned processes first, then the stale ones. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < nc; i++) {
            struct proc *p = track(st, cands[i].pid, cands[i].start);
            if (!p)
                continue;
            p->seen_round = st->round;
            int fresh = p->last_scan == 0;
            if (blocked || *st->stop || budget <= 0 || (pass == 0 && !fresh) ||
                (pass == 1 && (fresh || now - p->last_scan < st->o.rescan_s)))
                continue;
            if (!wait_budget(st)) {
                blocked = 1; /* keep marking the rest as seen, scan none */
                continue;
            }
            struct ya_result r;
            p->last_scan = now;
            budget--;
            if (scan(st, p->pid, &r) == 0)
                report(st, p, &r);
            if (r.scan_errors && ya_start_time(p->pid) != p->start)
                budget++; /* it exited meanwhile: that scan did not count */
        }
    }
    forget_gone(st);
    /* Every scan so far failed (at least 3): no permission, not exiting processes. */
    if (st->scans >= 3 && st->failed_scans == st->scans && !st->degraded_perm) {
        char why[200];
        snprintf(
            why, sizeof(why),
            "yara could not read the memory of %lu of %lu processes (run as root or "
            "with CAP_SYS_PTRACE)",
            st->failed_scans, st->scans);
        det_alert_degraded(DETECTOR, DET_MEMORY, why);
        st->degraded_perm = 1;
    }
}

/* "PID[,PID...]" into o->pids. 0 or -EINVAL. */
static int parse_pids(struct opts *o, const char *list)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        long l;
        if (o->npids >= MAX_PIDS || ml_parse_long(t, 1, 1 << 22, &l) < 0)
            return -EINVAL;
        o->pids[o->npids++] = (int)l;
    }
    return o->npids ? 0 : -EINVAL;
}

/* Parses argv into o (exits on --help, --version and bad usage). */
static void parse_args(struct opts *o, int argc, char **argv)
{
    static const char *iface, *home_net; /* the harness passes them; not ours */
    const char *pids = NULL;
    long interval = (long)o->interval_s, rescan = (long)o->rescan_s;
    int version = 0;
    const struct opt opts[] = {
        {"rules", OPT_STRING, &o->rules, 0, 0, "FILE",
         "yara rules (default: miner-memory.yar beside the binary)"},
        {"interval", OPT_LONG, &interval, 1, 3600, "SEC", "time between scan rounds"},
        {"rescan", OPT_LONG, &rescan, 1, 86400, "SEC",
         "least time between two scans of a process"},
        {"max-per-round", OPT_LONG, &o->max_per_round, 1, 1000, "N",
         "processes scanned per round"},
        {"timeout", OPT_LONG, &o->timeout_s, 1, 3600, "SEC", "yara's per-scan timeout"},
        {"max-cpu", OPT_LONG, &o->max_cpu_pct, 1, 100, "PCT",
         "yara CPU budget, % of one core on average"},
        {"pid", OPT_STRING, &pids, 0, 0, "PID[,PID]", "scan only these processes"},
        {"once", OPT_FLAG, &o->once, 0, 0, NULL, "one round, then exit"},
        {"yara", OPT_STRING, &o->yara, 0, 0, "PATH", "yara binary"},
        {"iface", OPT_STRING, &iface, 0, 0, "IFACE", "accepted and ignored"},
        {"home-net", OPT_STRING, &home_net, 0, 0, "CIDR", "accepted and ignored"},
        {"version", OPT_FLAG, &version, 0, 0, NULL, "print yara's version and exit"},
    };
    const size_t n = sizeof(opts) / sizeof(opts[0]);
    det_cli_parse(argc, argv,
                  "Debian's yara on live processes (yara -s RULES PID), one at a "
                  "time, niced and within a CPU budget.",
                  opts, n, NULL, 0);
    if (pids && parse_pids(o, pids) < 0) {
        fprintf(stderr,
                "minerlab-det-yara: --pid wants PID[,PID...] (at most %d), got "
                "'%s'\n",
                MAX_PIDS, pids);
        exit(OPT_EXIT_USAGE);
    }
    o->interval_s = (double)interval;
    o->rescan_s = (double)rescan;
    o->version = version;
}

int main(int argc, char **argv)
{
    static struct state st;
    char version[128], rules_buf[4096];
    st.o = (struct opts){.yara = "yara",
                         .interval_s = 5,
                         .rescan_s = 60,
                         .max_per_round = 4,
                         .timeout_s = 20,
                         .max_cpu_pct = 10};
    parse_args(&st.o, argc, argv);
    if (st.o.version) {
        char *vargv[] = {(char *)st.o.yara, "--version", NULL};
        if (first_line(vargv, version + 5, sizeof(version) - 5) < 0) {
            fprintf(stderr, "minerlab-det-yara: %s not found or not runnable\n",
                    st.o.yara);
            return 1;
        }
        memcpy(version, "yara ", 5);
        det_print_version(version);
        return 0;
    }
    st.stop = det_install_stop_handler();
    if (!st.o.rules) {
        ssize_t n = readlink("/proc/self/exe", rules_buf, sizeof(rules_buf) - 32);
        char *slash = n > 0 ? (rules_buf[n] = '\0', strrchr(rules_buf, '/')) : NULL;
        if (slash)
            strcpy(slash + 1, "miner-memory.yar");
        st.o.rules =
            slash && access(rules_buf, R_OK) == 0 ? rules_buf : YARA_RULES_SOURCE;
    }
    char *vargv[] = {(char *)st.o.yara, "--version", NULL};
    if (first_line(vargv, version + 5, sizeof(version) - 5) < 0) {
        det_alert_degraded(DETECTOR, DET_MEMORY, "yara not found or not runnable");
        return 1;
    }
    memcpy(version, "yara ", 5);
    if (access(st.o.rules, R_OK) != 0) {
        char why[4200];
        snprintf(why, sizeof(why), "cannot read rules %s: %s", st.o.rules,
                 strerror(errno));
        det_alert_degraded(DETECTOR, DET_MEMORY, why);
        return 1;
    }
    /* A new process is scanned in the next round. */
    char basis[64];
    snprintf(basis, sizeof(basis), "one --interval %g round", st.o.interval_s);
    det_info_line(DETECTOR, DET_MEMORY,
                  json_pack("{s:s,s:s,s:f,s:s}", "version", version, "rules",
                            st.o.rules, "min_observation_s", st.o.interval_s,
                            "min_observation_basis", basis));
    while (!*st.stop) {
        double t0 = ml_now_unix();
        round_once(&st);
        if (st.o.once)
            break;
        while (!*st.stop && ml_now_unix() - t0 < st.o.interval_s)
            usleep(100 * 1000);
    }
    fprintf(stderr,
            "minerlab-det-yara: %lu scans, %lu failed, %lu alerts, %.1f s yara CPU\n",
            st.scans, st.failed_scans, st.alerts, st.scan_cpu_s);
    det_info_line(DETECTOR, DET_MEMORY,
                  json_pack("{s:s,s:I,s:I,s:I,s:f}", "version", version, "scans",
                            (json_int_t)st.scans, "failed_scans",
                            (json_int_t)st.failed_scans, "alerts",
                            (json_int_t)st.alerts, "yara_cpu_s", st.scan_cpu_s));
    return 0;
}
