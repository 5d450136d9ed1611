#include "det_proc.h"

#include "det_alert.h"
#include "ml_util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int det_proc_read_file(const char *path, char *buf, size_t len, size_t *outlen)
{
    if (!buf || len == 0)
        return -EINVAL;
    buf[0] = '\0';
    if (outlen)
        *outlen = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t got = 0;
    int rc = 0;
    while (got < len - 1) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (rc == 0 && got == len - 1) {
        char extra;
        if (read(fd, &extra, 1) == 1)
            rc = -E2BIG;
    }
    close(fd);
    buf[got] = '\0';
    if (outlen)
        *outlen = got;
    return rc;
}

int det_proc_parse_stat(const char *line, struct det_proc_stat *out)
{
    memset(out, 0, sizeof(*out));
    const char *open_paren = strchr(line, '(');
    const char *close_paren = strrchr(line, ')');
    if (!open_paren || !close_paren || close_paren < open_paren)
        return -EINVAL;
    out->pid = atoi(line);
    size_t clen = (size_t)(close_paren - open_paren - 1);
    if (clen >= sizeof(out->comm))
        clen = sizeof(out->comm) - 1;
    memcpy(out->comm, open_paren + 1, clen);
    out->comm[clen] = '\0';
    /* Fields after comm, numbered from 3 (state) as in proc(5). */
    unsigned long long f[20] = {0};
    char state = 0;
    int n = sscanf(close_paren + 1,
                   " %c %llu %*u %*u %*u %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d "
                   "%*d %lld %*d %llu %llu",
                   &state, &f[0], &f[1], &f[2], (long long *)&f[3], &f[4], &f[5]);
    if (n < 7)
        return -EINVAL;
    out->state = state;
    out->ppid = (int)f[0];
    out->utime_ticks = f[1];
    out->stime_ticks = f[2];
    out->num_threads = (long)f[3];
    out->start_ticks = f[4];
    out->vsize_bytes = f[5];
    return 0;
}

int det_proc_read_stat(const char *root, int pid, int tid, struct det_proc_stat *out)
{
    char path[DET_PROC_PATH_MAX], line[1024];
    if (tid > 0)
        snprintf(path, sizeof(path), "%s/%d/task/%d/stat", root, pid, tid);
    else
        snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
    int rc = det_proc_read_file(path, line, sizeof(line), NULL);
    if (rc < 0 && rc != -E2BIG)
        return rc == -ESRCH ? -ENOENT : rc;
    return det_proc_parse_stat(line, out);
}

int det_proc_read_cmdline(const char *root, int pid, char *buf, size_t len, char *argv0,
                          size_t argv0len)
{
    char path[DET_PROC_PATH_MAX];
    size_t n = 0;
    snprintf(path, sizeof(path), "%s/%d/cmdline", root, pid);
    int rc = det_proc_read_file(path, buf, len, &n);
    if (rc < 0 && rc != -E2BIG)
        return rc;
    if (argv0 && argv0len) {
        snprintf(argv0, argv0len, "%s", buf);
    }
    while (n > 0 && buf[n - 1] == '\0')
        n--;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    return 0;
}

int det_proc_read_comm(const char *root, int pid, char *buf, size_t len)
{
    char path[DET_PROC_PATH_MAX];
    size_t n = 0;
    snprintf(path, sizeof(path), "%s/%d/comm", root, pid);
    int rc = det_proc_read_file(path, buf, len, &n);
    if (rc < 0 && rc != -E2BIG)
        return rc;
    while (n > 0 && (buf[n - 1] == '\n'))
        buf[--n] = '\0';
    return 0;
}

int det_proc_read_exe(const char *root, int pid, char *buf, size_t len)
{
    char path[DET_PROC_PATH_MAX];
    snprintf(path, sizeof(path), "%s/%d/exe", root, pid);
    ssize_t r = readlink(path, buf, len - 1);
    if (r < 0) {
        buf[0] = '\0';
        return -errno;
    }
    buf[r] = '\0';
    return 0;
}

int det_proc_read_cgroup(const char *root, int pid, char *buf, size_t len)
{
    char path[DET_PROC_PATH_MAX], text[4096];
    snprintf(path, sizeof(path), "%s/%d/cgroup", root, pid);
    int rc = det_proc_read_file(path, text, sizeof(text), NULL);
    if (rc < 0 && rc != -E2BIG)
        return rc;
    snprintf(buf, len, "/");
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(l, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = '\0';
        *c2 = '\0';
        const char *controllers = c1 + 1, *cgpath = c2 + 1;
        int v2 = strcmp(l, "0") == 0 && controllers[0] == '\0';
        int v1cpu =
            strstr(controllers, "cpu") != NULL && !strstr(controllers, "cpuset");
        if ((v2 || v1cpu) && strcmp(cgpath, "/") != 0) {
            snprintf(buf, len, "%s", cgpath);
            if (v2)
                break;
        }
    }
    return 0;
}

/* Limit of one cgroup directory, in cores; 0 when it has none. */
static double quota_in(const char *dir)
{
    char path[DET_PROC_PATH_MAX + 32], text[128];
    snprintf(path, sizeof(path), "%s/cpu.max", dir);
    if (det_proc_read_file(path, text, sizeof(text), NULL) == 0) {
        double quota = 0, period = 0;
        if (sscanf(text, "%lf %lf", &quota, &period) == 2 && period > 0)
            return quota / period; /* "max 100000" does not parse: no limit */
        return 0;
    }
    snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
    if (det_proc_read_file(path, text, sizeof(text), NULL) < 0)
        return 0;
    double quota = strtod(text, NULL);
    snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
    if (quota <= 0 || det_proc_read_file(path, text, sizeof(text), NULL) < 0)
        return 0; /* -1: no limit */
    double period = strtod(text, NULL);
    return period > 0 ? quota / period : 0;
}

int det_proc_cgroup_quota(const char *cg_root, const char *cgpath, double *cores)
{
    static const char *mounts[] = {"", "/cpu", "/cpu,cpuacct", "/unified"};
    double best = 0;
    for (size_t m = 0; m < sizeof(mounts) / sizeof(mounts[0]); m++) {
        char path[DET_PROC_PATH_MAX];
        snprintf(path, sizeof(path), "%s%s%s", cg_root, mounts[m], cgpath);
        /* The path and each ancestor up to the mount point. */
        size_t base = strlen(cg_root) + strlen(mounts[m]);
        for (;;) {
            double q = quota_in(path);
            if (q > 0 && (best == 0 || q < best))
                best = q;
            char *slash = strrchr(path, '/');
            if (!slash || (size_t)(slash - path) < base)
                break;
            *slash = '\0';
        }
    }
    if (best <= 0)
        return -ENOENT;
    *cores = best;
    return 0;
}

static int list_numeric(const char *dirpath, int *ids, size_t max, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dirpath);
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && *n < max) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char *end = NULL;
        long v = strtol(e->d_name, &end, 10);
        if (*end == '\0' && v > 0 && v < (1L << 30))
            ids[(*n)++] = (int)v;
    }
    closedir(d);
    return 0;
}

int det_proc_list_pids(const char *root, int *ids, size_t max, size_t *n)
{
    return list_numeric(root, ids, max, n);
}

int det_proc_list_tids(const char *root, int pid, int *ids, size_t max, size_t *n)
{
    char path[DET_PROC_PATH_MAX];
    snprintf(path, sizeof(path), "%s/%d/task", root, pid);
    return list_numeric(path, ids, max, n);
}

int det_proc_ncpu(const char *root)
{
    char path[DET_PROC_PATH_MAX], text[16384];
    snprintf(path, sizeof(path), "%s/stat", root);
    int count = 0;
    int rc = det_proc_read_file(path, text, sizeof(text), NULL);
    if (rc == 0 || rc == -E2BIG) {
        for (const char *p = text; (p = strstr(p, "\ncpu")) != NULL; p += 4)
            if (isdigit((unsigned char)p[4]))
                count++;
    }
    if (count <= 0) {
        long s = sysconf(_SC_NPROCESSORS_ONLN);
        count = s > 0 ? (int)s : 1;
    }
    return count;
}

double det_proc_uptime(const char *root)
{
    char path[DET_PROC_PATH_MAX], text[128];
    snprintf(path, sizeof(path), "%s/uptime", root);
    if (det_proc_read_file(path, text, sizeof(text), NULL) < 0)
        return -1;
    return strtod(text, NULL);
}

long det_proc_clk_tck(void)
{
    long t = sysconf(_SC_CLK_TCK);
    return t > 0 ? t : 100;
}

int det_proc_parse_map(const char *line, struct det_map *out)
{
    memset(out, 0, sizeof(*out));
    unsigned long long start, end, off, inode;
    char perms[8];
    int pos = 0;
    if (sscanf(line, "%llx-%llx %7s %llx %*x:%*x %llu%n", &start, &end, perms, &off,
               &inode, &pos) < 5)
        return -EINVAL;
    out->start = start;
    out->end = end;
    memcpy(out->perms, perms, sizeof(out->perms) - 1);
    out->perms[sizeof(out->perms) - 1] = '\0';
    out->offset = off;
    out->inode = inode;
    const char *p = line + pos;
    while (*p == ' ' || *p == '\t')
        p++;
    snprintf(out->path, sizeof(out->path), "%s", p);
    size_t l = strlen(out->path);
    while (l > 0 && out->path[l - 1] == '\n')
        out->path[--l] = '\0';
    return 0;
}

int det_proc_socket_inodes(const char *root, int pid, uint64_t *inodes, size_t max,
                           size_t *n)
{
    char path[DET_PROC_PATH_MAX];
    *n = 0;
    snprintf(path, sizeof(path), "%s/%d/fd", root, pid);
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && *n < max) {
        if (e->d_name[0] == '.')
            continue;
        char link[64];
        ssize_t r = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
        if (r <= 0)
            continue;
        link[r] = '\0';
        unsigned long long ino;
        if (sscanf(link, "socket:[%llu]", &ino) == 1)
            inodes[(*n)++] = ino;
    }
    closedir(d);
    return 0;
}

static void format_addr(const char *hex, int ipv6, char *out, size_t len)
{
    char addr[40] = "";
    unsigned port = 0;
    const char *colon = strchr(hex, ':');
    if (colon)
        port = (unsigned)strtoul(colon + 1, NULL, 16);
    if (!ipv6) {
        unsigned long v = strtoul(hex, NULL, 16); /* host (little-endian) order */
        snprintf(addr, sizeof(addr), "%lu.%lu.%lu.%lu", v & 0xff, (v >> 8) & 0xff,
                 (v >> 16) & 0xff, (v >> 24) & 0xff);
        snprintf(out, len, "%s:%u", addr, port);
        return;
    }
    /* Four 32-bit words, each in host order; print as 8 groups. */
    unsigned char b[16] = {0};
    for (int w = 0; w < 4; w++) {
        char word[9] = {0};
        memcpy(word, hex + 8 * w, 8);
        unsigned long v = strtoul(word, NULL, 16);
        for (int i = 0; i < 4; i++)
            b[4 * w + i] = (unsigned char)(v >> (8 * i));
    }
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0,    0,
                                               0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, v4mapped, 12) == 0) {
        snprintf(out, len, "%u.%u.%u.%u:%u", b[12], b[13], b[14], b[15], port);
        return;
    }
    size_t o = 0;
    for (int g = 0; g < 8; g++)
        o += (size_t)snprintf(addr + o, sizeof(addr) - o, g ? ":%x" : "%x",
                              (unsigned)(b[2 * g] << 8 | b[2 * g + 1]));
    snprintf(out, len, "[%s]:%u", addr, port);
}

int det_proc_parse_tcp_line(const char *line, int ipv6, struct det_tcp_conn *out)
{
    char local[64], remote[64];
    unsigned st;
    unsigned long long inode;
    memset(out, 0, sizeof(*out));
    if (sscanf(line, " %*d: %63s %63s %x %*s %*s %*s %*u %*u %llu", local, remote, &st,
               &inode) != 4)
        return -EINVAL;
    format_addr(local, ipv6, out->local, sizeof(out->local));
    format_addr(remote, ipv6, out->remote, sizeof(out->remote));
    out->state = (int)st;
    out->inode = inode;
    return 0;
}

int det_proc_read_tcp(const char *root, struct det_tcp_conn *conns, size_t max,
                      size_t *n)
{
    static const char *files[] = {"net/tcp", "net/tcp6"};
    *n = 0;
    for (int f = 0; f < 2; f++) {
        char path[DET_PROC_PATH_MAX], line[512];
        snprintf(path, sizeof(path), "%s/%s", root, files[f]);
        FILE *fp = fopen(path, "re");
        if (!fp)
            continue;
        while (*n < max && fgets(line, sizeof(line), fp))
            if (det_proc_parse_tcp_line(line, f, &conns[*n]) == 0)
                (*n)++;
        fclose(fp);
    }
    return 0;
}

/* ---- CPU history: open-addressing table keyed by pid/tid, ring per id. ---- */

struct cpu_entry {
    int id; /* 0 = free */
    unsigned gen;
    uint64_t start_ticks;
    size_t head, count; /* ring of samples inside det_cpu_tracker.samples */
};

struct cpu_sample {
    double ts;
    uint64_t ticks;
};

struct det_cpu_tracker {
    struct cpu_entry *slots;
    struct cpu_sample *samples; /* cap * ring_cap */
    size_t cap, used, ring_cap;
};

static int cpu_alloc(struct det_cpu_tracker *t, size_t cap)
{
    t->slots = calloc(cap, sizeof(*t->slots));
    t->samples = calloc(cap * t->ring_cap, sizeof(*t->samples));
    t->cap = cap;
    t->used = 0;
    return t->slots && t->samples ? 0 : -ENOMEM;
}

struct det_cpu_tracker *det_cpu_tracker_new(size_t ring_cap)
{
    struct det_cpu_tracker *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->ring_cap = ring_cap < 2 ? 2 : ring_cap;
    if (cpu_alloc(t, 512) < 0) {
        det_cpu_tracker_free(t);
        return NULL;
    }
    return t;
}

void det_cpu_tracker_free(struct det_cpu_tracker *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t->samples);
    free(t);
}

static size_t cpu_find(const struct det_cpu_tracker *t, int id)
{
    size_t i = ((unsigned)id * 2654435761u) & (t->cap - 1);
    while (t->slots[i].id != 0 && t->slots[i].id != id)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static const struct cpu_sample *cpu_at(const struct det_cpu_tracker *t, size_t slot,
                                       size_t k)
{
    const struct cpu_entry *e = &t->slots[slot];
    return &t->samples[slot * t->ring_cap + (e->head + k) % t->ring_cap];
}

/* Rebuilds the table (twice as big when grow), keeping entries of gen. */
static int cpu_rehash(struct det_cpu_tracker *t, int grow, int keep_all, unsigned gen)
{
    struct det_cpu_tracker old = *t;
    if (cpu_alloc(t, grow ? old.cap * 2 : old.cap) < 0) {
        free(t->slots);
        free(t->samples);
        *t = old;
        return -ENOMEM;
    }
    for (size_t i = 0; i < old.cap; i++) {
        struct cpu_entry *e = &old.slots[i];
        if (e->id == 0 || (!keep_all && e->gen != gen))
            continue;
        size_t j = cpu_find(t, e->id);
        t->slots[j] = *e;
        t->slots[j].head = 0;
        for (size_t k = 0; k < e->count; k++)
            t->samples[j * t->ring_cap + k] = *cpu_at(&old, i, k);
        t->used++;
    }
    free(old.slots);
    free(old.samples);
    return 0;
}

static void cpu_push(struct det_cpu_tracker *t, size_t slot, double ts, uint64_t ticks)
{
    struct cpu_entry *e = &t->slots[slot];
    size_t pos;
    if (e->count < t->ring_cap) {
        pos = (e->head + e->count) % t->ring_cap;
        e->count++;
    } else {
        pos = e->head;
        e->head = (e->head + 1) % t->ring_cap;
    }
    t->samples[slot * t->ring_cap + pos] = (struct cpu_sample){ts, ticks};
}

int det_cpu_tracker_update(struct det_cpu_tracker *t, int id, uint64_t start_ticks,
                           uint64_t total_ticks, double now_s, double seed_s,
                           unsigned gen)
{
    if ((t->used + 1) * 2 > t->cap && cpu_rehash(t, 1, 1, 0) < 0)
        return -ENOMEM;
    size_t slot = cpu_find(t, id);
    struct cpu_entry *e = &t->slots[slot];
    int fresh = e->id != id || e->start_ticks != start_ticks;
    if (fresh) {
        if (e->id == 0)
            t->used++;
        *e = (struct cpu_entry){.id = id, .start_ticks = start_ticks};
        if (seed_s >= 0 && seed_s < now_s)
            cpu_push(t, slot, seed_s, 0);
    }
    e->gen = gen;
    cpu_push(t, slot, now_s, total_ticks);
    return fresh;
}

double det_cpu_tracker_avg(const struct det_cpu_tracker *t, int id, double window_s,
                           double *span_s)
{
    size_t slot = cpu_find(t, id);
    const struct cpu_entry *e = &t->slots[slot];
    if (e->id != id || e->count < 2)
        return -1;
    const struct cpu_sample *last = cpu_at(t, slot, e->count - 1);
    for (size_t k = e->count - 1; k-- > 0;) {
        const struct cpu_sample *s = cpu_at(t, slot, k);
        double span = last->ts - s->ts;
        if (span + 1e-6 >= window_s && span > 0) {
            if (span_s)
                *span_s = span;
            if (last->ticks < s->ticks)
                return -1;
            return (double)(last->ticks - s->ticks) / (double)det_proc_clk_tck() / span;
        }
    }
    return -1;
}

size_t det_cpu_tracker_samples(const struct det_cpu_tracker *t, int id, double *ts,
                               uint64_t *ticks, size_t max)
{
    size_t slot = cpu_find(t, id);
    const struct cpu_entry *e = &t->slots[slot];
    if (e->id != id)
        return 0;
    size_t n = 0;
    size_t first = e->count > max ? e->count - max : 0;
    for (size_t k = first; k < e->count; k++, n++) {
        ts[n] = cpu_at(t, slot, k)->ts;
        ticks[n] = cpu_at(t, slot, k)->ticks;
    }
    return n;
}

void det_cpu_tracker_sweep(struct det_cpu_tracker *t, unsigned gen)
{
    (void)cpu_rehash(t, 0, 0, gen);
}

/* ---- Alert memo: (pid, start, rule) -> last alert time. ---- */

struct memo_entry {
    int pid;
    uint64_t start_ticks;
    char rule[32];
    double last_s;
};

struct det_memo {
    struct memo_entry *e;
    size_t n, cap;
    double cooldown_s;
};

struct det_memo *det_memo_new(double cooldown_s)
{
    struct det_memo *m = calloc(1, sizeof(*m));
    if (m)
        m->cooldown_s = cooldown_s;
    return m;
}

void det_memo_free(struct det_memo *m)
{
    if (m)
        free(m->e);
    free(m);
}

int det_memo_should_alert(struct det_memo *m, int pid, uint64_t start_ticks,
                          const char *rule, double now_s)
{
    size_t free_slot = m->n;
    for (size_t i = 0; i < m->n; i++) {
        struct memo_entry *e = &m->e[i];
        if (now_s - e->last_s > m->cooldown_s) {
            free_slot = i; /* expired entries are reused */
            continue;
        }
        if (e->pid == pid && e->start_ticks == start_ticks &&
            strncmp(e->rule, rule, sizeof(e->rule) - 1) == 0)
            return 0;
    }
    if (free_slot == m->n) {
        if (m->n == m->cap) {
            size_t cap = m->cap ? m->cap * 2 : 64;
            struct memo_entry *ne = realloc(m->e, cap * sizeof(*ne));
            if (!ne)
                return 1; /* alerting twice beats losing an alert */
            m->e = ne;
            m->cap = cap;
        }
        m->n++;
    }
    struct memo_entry *e = &m->e[free_slot];
    e->pid = pid;
    e->start_ticks = start_ticks;
    snprintf(e->rule, sizeof(e->rule), "%s", rule);
    e->last_s = now_s;
    return 1;
}

double det_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int det_proc_is_self_or_parent(int pid)
{
    return pid <= 0 || pid == getpid() || pid == getppid();
}

void det_common_defaults(struct det_common_opts *o, long interval_ms)
{
    o->proc_root = "/proc";
    o->interval_ms = interval_ms;
    o->once = 0;
    o->cooldown_s = 600;
}

int det_parse_double(const char *s, double min, double max, double *out)
{
    return ml_parse_double(s, min, max, out);
}

int det_common_opt(int opt, const char *arg, struct det_common_opts *o, char *err,
                   size_t errlen)
{
    long v;
    switch (opt) {
    case DET_OPT_PROC_ROOT:
        o->proc_root = arg;
        return 1;
    case DET_OPT_INTERVAL:
        if (ml_parse_long(arg, 10, 3600000, &v) < 0)
            return ml_err(err, errlen, -EINVAL,
                          "--interval-ms wants 10..3600000, got '%s'", arg);
        o->interval_ms = v;
        return 1;
    case DET_OPT_ONCE:
        o->once = 1;
        return 1;
    case DET_OPT_COOLDOWN:
        if (det_parse_double(arg, 0, 1e7, &o->cooldown_s) < 0)
            return ml_err(err, errlen, -EINVAL, "--cooldown-s wants seconds, got '%s'",
                          arg);
        return 1;
    case DET_OPT_IFACE:
        return 1; /* host detectors accept the harness's --iface and ignore it */
    default:
        return 0;
    }
}

int det_loop_run(const struct det_common_opts *o, int (*tick)(void *ctx), void *ctx)
{
    volatile sig_atomic_t *stop = det_install_stop_handler();
    while (!*stop) {
        double t0 = det_mono_s();
        int rc = tick(ctx);
        if (rc == -ENOMEM || rc == -EIO)
            return rc;
        if (o->once)
            break;
        double left = (double)o->interval_ms / 1000.0 - (det_mono_s() - t0);
        if (left > 0 && !*stop) {
            struct timespec ts = {(time_t)left,
                                  (long)((left - (double)(time_t)left) * 1e9)};
            nanosleep(&ts, NULL); /* a stop signal ends the sleep early */
        }
    }
    return 0;
}

int det_proc_scan_begin(const char *root, const char *detector, int technique,
                        int *degraded_once, double *now_s, int *pids, size_t max,
                        size_t *n)
{
    *n = 0;
    *now_s = det_proc_uptime(root);
    int rc = *now_s < 0 ? -ENOENT : det_proc_list_pids(root, pids, max, n);
    if (rc < 0 && !*degraded_once) {
        *degraded_once = 1;
        char msg[600];
        snprintf(msg, sizeof(msg), "cannot read %s (uptime or pid list): %s", root,
                 strerror(-rc));
        det_alert_degraded(detector, (enum det_technique)technique, msg);
    }
    return rc;
}

int det_parse_args(int argc, char **argv, struct det_common_opts *common,
                   const struct det_opt *opts, size_t nopts, const char *usage,
                   char *err, size_t errlen)
{
    static const struct option common_opts[] = {DET_COMMON_LONGOPTS};
    const size_t ncommon = sizeof(common_opts) / sizeof(common_opts[0]);
    struct option table[48];
    if (nopts > 32)
        return ml_err(err, errlen, -EINVAL, "too many options");
    memcpy(table, common_opts, sizeof(common_opts));
    for (size_t i = 0; i < nopts; i++)
        table[ncommon + i] = (struct option){
            opts[i].name,
            opts[i].kind == DET_OPT_FLAG ? no_argument : required_argument, NULL,
            (int)(2000 + i)};
    table[ncommon + nopts] = (struct option){"help", no_argument, NULL, 'h'};
    table[ncommon + nopts + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", table, NULL)) != -1) {
        int rc = det_common_opt(c, optarg, common, err, errlen);
        if (rc < 0)
            return rc;
        if (rc > 0)
            continue;
        if (c < 2000 || c >= 2000 + (int)nopts)
            return ml_err(err, errlen, -EINVAL, "%s %s\n%s",
                          c == 'h' ? "help:" : "unknown or incomplete option",
                          argv[optind - 1], usage);
        const struct det_opt *o = &opts[c - 2000];
        if (o->kind == DET_OPT_FLAG)
            *(int *)o->target = 1;
        else if (o->kind == DET_OPT_STRING)
            *(const char **)o->target = optarg;
        else if (det_parse_double(optarg, o->min, o->max, o->target) < 0)
            return ml_err(err, errlen, -EINVAL,
                          "--%s wants a number in %g..%g, got '%s'", o->name, o->min,
                          o->max, optarg);
    }
    if (optind < argc)
        return ml_err(err, errlen, -EINVAL, "unexpected argument '%s'\n%s",
                      argv[optind], usage);
    return 0;
}

int det_main(const struct det_program *p, int argc, char **argv)
{
    char err[1024] = "";
    const struct det_common_opts *common = NULL;
    void *state = p->create(argc, argv, &common, err, sizeof(err));
    if (!state) {
        fprintf(stderr, "%s: %s\n", p->name, err[0] ? err : "out of memory");
        return 2;
    }
    int rc = det_loop_run(common, p->tick, state);
    p->destroy(state);
    return rc < 0 ? 1 : 0;
}
