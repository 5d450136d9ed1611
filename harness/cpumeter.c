#include "cpumeter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hxutil.h"
#include "ml_util.h"
#include "scenario.h"

static int read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, len - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    buf[n] = '\0';
    return (int)n;
}

int cpum_parse_stat(const char *buf, struct cpum_stat *out)
{
    static long tick, page;
    if (!tick) {
        tick = sysconf(_SC_CLK_TCK);
        page = sysconf(_SC_PAGESIZE);
    }
    const char *rp = strrchr(buf, ')');
    int pid;
    if (!rp || sscanf(buf, "%d", &pid) != 1)
        return -EINVAL;
    char state;
    int ppid, pgid;
    unsigned long long f[24];
    /* Fields 3.. after the comm: state ppid pgrp session tty tpgid flags
     * minflt cminflt majflt cmajflt utime stime cutime cstime prio nice
     * threads itreal starttime vsize rss. */
    int got =
        sscanf(rp + 1,
               " %c %d %d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
               "%llu %llu %llu %lld %lld %llu %llu %llu %llu %llu",
               &state, &ppid, &pgid, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6],
               &f[7], &f[8], &f[9], &f[10], &f[11], &f[12], (long long *)&f[13],
               (long long *)&f[14], &f[15], &f[16], &f[17], &f[18], &f[19]);
    if (got != 23)
        return -EINVAL;
    out->pid = pid;
    out->ppid = ppid;
    out->pgid = pgid;
    out->utime = (double)f[8] / (double)tick;
    out->stime = (double)f[9] / (double)tick;
    out->cutime = (double)(long long)f[10] / (double)tick;
    out->cstime = (double)(long long)f[11] / (double)tick;
    out->starttime = f[16];
    out->rss_bytes = f[18] * (unsigned long long)page;
    return 0;
}

int cpum_read_stat(pid_t pid, struct cpum_stat *out)
{
    char path[64], buf[1024];
    hx_fmt(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int n = read_small(path, buf, sizeof(buf));
    if (n < 0)
        return n;
    return cpum_parse_stat(buf, out);
}

int cpum_parse_cpu_max(const char *s, double *cores)
{
    char q[32];
    unsigned long long period;
    if (sscanf(s, "%31s %llu", q, &period) != 2 || period == 0)
        return -EINVAL;
    if (!strcmp(q, "max")) {
        *cores = 0;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long quota = strtoull(q, &end, 10);
    if (errno || *end || q[0] == '-' || quota == 0)
        return -EINVAL;
    *cores = (double)quota / (double)period;
    return 0;
}

/* The tightest cpu.max quota on pid's cgroup v2 path (0: none). */
static double cgroup_quota(pid_t pid)
{
    char path[4200], buf[4096], rel[4096] = "";
    hx_fmt(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
    if (read_small(path, buf, sizeof(buf)) < 0)
        return 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        if (!strncmp(line, "0::", 3))
            hx_fmt(rel, sizeof(rel), "%s", line + 3);
    double best = 0;
    for (;;) {
        char v[128];
        double c;
        hx_fmt(path, sizeof(path), "/sys/fs/cgroup%s/cpu.max",
               strcmp(rel, "/") ? rel : "");
        if (read_small(path, v, sizeof(v)) > 0 && cpum_parse_cpu_max(v, &c) == 0 &&
            c > 0 && (best == 0 || c < best))
            best = c;
        char *slash = strrchr(rel, '/');
        if (!slash || slash == rel)
            break;
        *slash = '\0';
    }
    return best;
}

double cpum_allowed_cores(pid_t pid)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(pid, sizeof(set), &set) != 0)
        return 0;
    double cores = CPU_COUNT(&set), q = cgroup_quota(pid);
    if (q > 0 && q < cores)
        cores = q;
    return cores > 0.001 ? cores : 0.001;
}

double cpum_share_pct(double cpu_s, double wall_s, double cores)
{
    if (!(wall_s > 0) || !(cores > 0) || !isfinite(cpu_s))
        return NAN;
    return cpu_s / (wall_s * cores) * 100.0;
}

double cpum_nominal_at(const struct scenario *sc, double start, double t)
{
    if (!sc->has_miner)
        return NAN;
    if (!sc->miner.has_ramp)
        return sc->miner.duty_pct;
    const struct scen_ramp *rp = &sc->miner.ramp;
    double x = rp->seconds ? (t - start) / rp->seconds : 1;
    x = x < 0 ? 0 : x > 1 ? 1 : x;
    return rp->from_pct + ((double)rp->to_pct - rp->from_pct) * x;
}

void cpum_duty_add(struct cpum_duty *d, pid_t pid, double now)
{
    struct cpum_stat st;
    for (size_t i = 0; i < d->n; i++)
        if (d->m[i].pid == pid)
            return;
    if (d->n >= CPUM_MAX_MINERS || cpum_read_stat(pid, &st))
        return;
    struct cpum_miner *m = &d->m[d->n++];
    memset(m, 0, sizeof(*m));
    m->pid = pid;
    m->starttime = st.starttime;
    m->first_ts = m->slice_ts = m->last_ts = now;
    m->first_cpu = m->slice_cpu = m->last_cpu =
        st.utime + st.stime + st.cutime + st.cstime;
    m->cores = cpum_allowed_cores(pid);
}

/* Closes the open slice of m at its last good sample. */
static void close_slice(struct cpum_miner *m, struct jsonl *tl,
                        const struct scenario *sc, double window_start)
{
    double len = m->last_ts - m->slice_ts, cpu = m->last_cpu - m->slice_cpu;
    double pct = cpum_share_pct(cpu, len, m->cores);
    if (len <= 0.2 || !isfinite(pct))
        return; /* nothing measurable since the last slice */
    m->weighted_pct_s += pct * len;
    m->measured_s += len;
    json_t *f = json_pack("{s:i,s:f,s:f,s:f,s:f,s:f}", "pid", (int)m->pid,
                          "slice_start", m->slice_ts, "slice_end", m->last_ts, "pct",
                          pct, "cpu_s", cpu, "allowed_cores", m->cores);
    double nom = cpum_nominal_at(sc, window_start, (m->slice_ts + m->last_ts) / 2);
    json_object_set_new(f, "nominal_pct", isfinite(nom) ? json_real(nom) : json_null());
    timeline_event(tl, "duty_measured", sc->id, f);
    m->slice_ts = m->last_ts;
    m->slice_cpu = m->last_cpu;
}

/* Every process's stat (*v malloc'ed, caller frees); the count. */
size_t cpum_read_all(struct cpum_stat **out)
{
    struct cpum_stat *v = NULL;
    size_t nv = 0, cap = 0;
    DIR *dir = opendir("/proc");
    struct dirent *e;
    while (dir && (e = readdir(dir))) {
        struct cpum_stat st;
        if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
            cpum_read_stat((pid_t)atoi(e->d_name), &st))
            continue;
        if (nv == cap) {
            size_t nc = cap ? cap * 2 : 256;
            struct cpum_stat *nvp = realloc(v, nc * sizeof(*v));
            if (!nvp)
                break;
            v = nvp;
            cap = nc;
        }
        v[nv++] = st;
    }
    if (dir)
        closedir(dir);
    *out = v;
    return nv;
}

double cpum_tree_cpu(pid_t root, const struct cpum_stat *v, size_t n)
{
    pid_t stack[512];
    size_t top = 0;
    double cpu = 0;
    stack[top++] = root;
    while (top) { /* depth-first over the ppid links; a pid is seen once */
        pid_t p = stack[--top];
        for (size_t i = 0; i < n; i++) {
            if (v[i].pid == p)
                cpu += v[i].utime + v[i].stime + v[i].cutime + v[i].cstime;
            else if (v[i].ppid == p && top < sizeof(stack) / sizeof(stack[0]))
                stack[top++] = v[i].pid;
        }
    }
    return cpu;
}

static void sample(struct cpum_miner *m, double now, const struct cpum_stat *v,
                   size_t n)
{
    struct cpum_stat st;
    if (m->gone)
        return;
    if (cpum_read_stat(m->pid, &st) || st.starttime != m->starttime) {
        m->gone = 1; /* exited (or the pid is someone else's now) */
        return;
    }
    m->last_ts = now;
    double cpu = cpum_tree_cpu(m->pid, v, n);
    /* A descendant reaped by someone outside the tree takes its time away:
     * never let the total go back. */
    if (cpu > m->last_cpu)
        m->last_cpu = cpu;
    double c = cpum_allowed_cores(m->pid);
    if (c > 0)
        m->cores = c;
}

void cpum_duty_poll(struct cpum_duty *d, struct jsonl *tl, const struct scenario *sc,
                    double now)
{
    struct cpum_stat *v = NULL;
    size_t nv = d->n ? cpum_read_all(&v) : 0;
    for (size_t i = 0; i < d->n; i++) {
        struct cpum_miner *m = &d->m[i];
        sample(m, now, v, nv);
        if (m->gone || now - m->slice_ts >= CPUM_SLICE_S)
            close_slice(m, tl, sc, d->window_start);
    }
    free(v);
}

void cpum_duty_finish(struct cpum_duty *d, struct jsonl *tl, const struct scenario *sc,
                      double now)
{
    struct cpum_stat *v = NULL;
    size_t nv = d->n ? cpum_read_all(&v) : 0;
    for (size_t i = 0; i < d->n; i++) {
        struct cpum_miner *m = &d->m[i];
        sample(m, now, v, nv);
        close_slice(m, tl, sc, d->window_start);
        if (!(m->measured_s > 0))
            continue;
        json_t *f =
            json_pack("{s:i,s:f,s:f,s:f,s:f}", "pid", (int)m->pid, "start", m->first_ts,
                      "end", m->last_ts, "pct", m->weighted_pct_s / m->measured_s,
                      "cpu_s", m->last_cpu - m->first_cpu);
        double nom = scenario_nominal_duty(sc);
        json_object_set_new(f, "nominal_pct",
                            sc->has_miner ? json_real(nom) : json_null());
        timeline_event(tl, "duty_window", sc->id, f);
    }
    free(v);
    d->n = 0;
}

void cpum_cost_start(struct cpum_cost *c, double now_unix)
{
    memset(c, 0, sizeof(*c));
    c->started = now_unix;
}

void cpum_cost_sample(struct cpum_cost *c, pid_t pgid, const struct cpum_stat *st,
                      size_t n)
{
    double cpu = 0;
    unsigned long long rss = 0;
    c->nmembers = 0;
    for (size_t i = 0; i < n; i++)
        if (st[i].pgid == pgid) {
            /* A reaped child's time is in its parent's cutime/cstime. */
            cpu += st[i].utime + st[i].stime + st[i].cutime + st[i].cstime;
            rss += st[i].rss_bytes;
            if (c->nmembers < CPUM_MAX_MEMBERS)
                c->members[c->nmembers++] = st[i].pid;
        }
    c->group_cpu_s = cpu;
    if (cpu > c->max_group_cpu_s)
        c->max_group_cpu_s = cpu;
    if (rss > c->peak_rss_bytes)
        c->peak_rss_bytes = rss;
    c->samples++;
}

static double ru_cpu(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
           (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
}

static void keep_maxrss(struct cpum_cost *c, const struct rusage *ru)
{
    unsigned long long b = (unsigned long long)ru->ru_maxrss * 1024ULL;
    if (b > c->reaped_maxrss_bytes)
        c->reaped_maxrss_bytes = b;
}

void cpum_cost_reaped(struct cpum_cost *c, const struct rusage *ru, double now_unix)
{
    c->reaped_cpu_s = ru_cpu(ru);
    keep_maxrss(c, ru);
    c->stopped = now_unix;
}

int cpum_cost_take_orphan(struct cpum_cost *c, pid_t pid, const struct rusage *ru)
{
    for (size_t k = 0; k < c->nmembers; k++)
        if (c->members[k] == pid) {
            c->orphans_cpu_s += ru_cpu(ru);
            keep_maxrss(c, ru);
            c->members[k] = c->members[--c->nmembers];
            return 1;
        }
    return 0;
}

int cpum_cost_unreaped(const struct cpum_cost *c)
{
    pid_t self = getpid();
    for (size_t k = 0; k < c->nmembers; k++) {
        struct cpum_stat st;
        if (cpum_read_stat(c->members[k], &st) == 0 && st.ppid == self)
            return 1;
    }
    return 0;
}

double cpum_cost_cpu_s(const struct cpum_cost *c)
{
    double reaped = c->reaped_cpu_s + c->orphans_cpu_s;
    return reaped > c->max_group_cpu_s ? reaped : c->max_group_cpu_s;
}

void cpum_cost_emit(const struct cpum_cost *c, const char *detector, struct jsonl *tl,
                    double now_unix)
{
    double end = c->stopped > 0 ? c->stopped : now_unix;
    double wall = end - c->started, cpu = cpum_cost_cpu_s(c);
    unsigned long long rss = c->peak_rss_bytes > c->reaped_maxrss_bytes
                                 ? c->peak_rss_bytes
                                 : c->reaped_maxrss_bytes;
    double pct = cpum_share_pct(cpu, wall, 1);
    json_t *f = json_pack("{s:s,s:f,s:f,s:f,s:i}", "detector", detector, "cpu_s", cpu,
                          "wall_s", wall, "peak_rss_mib",
                          (double)rss / (1024.0 * 1024.0), "samples", (int)c->samples);
    json_object_set_new(f, "cpu_pct", isfinite(pct) ? json_real(pct) : json_null());
    timeline_event(tl, "detector_cost", NULL, f);
}
