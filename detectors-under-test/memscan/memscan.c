#include "memscan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "det_alert.h"
#include "mem_patterns.h"
#include "ml_util.h"

#define DETECTOR "memscan"
#define MAX_PIDS 65536
#define CHUNK (1u << 20)
#define FILE_CACHE 4096
#define MIB (1024.0 * 1024.0)

struct region {
    uint64_t start, end, inode, offset;
    unsigned bits; /* found so far (file-backed regions are cached) */
};

struct job {
    int pid;
    uint64_t start_ticks;
    char comm[DET_PROC_COMM_MAX];
    int fd;
    struct region *regions;
    size_t nregions, cap, cur;
    uint64_t pos; /* next address in regions[cur] */
    unsigned bits;
    uint64_t bytes;
    struct mem_samples samples;
};

struct file_entry {
    uint64_t inode, offset, size;
    unsigned bits;
};

struct last_scan {
    int pid;
    uint64_t start_ticks;
    double when_s;
};

struct memscan {
    struct memscan_config cfg;
    struct det_memo *memo;
    int *queue, *listing;
    size_t qhead, qlen;
    int prio[1024]; /* processes that appeared since the last tick: scanned first */
    size_t nprio;
    int listed_once;
    struct last_scan *scanned; /* by pid % MAX_PIDS */
    struct job job;            /* job.pid == 0: none */
    struct file_entry files[FILE_CACHE];
    size_t nfiles;
    unsigned char *buf;
    size_t buf_dirty;    /* bytes of buf holding another process's memory */
    double budget_bytes; /* per tick, adapted to the CPU ceiling */
    struct memscan_stats stats;
    int degraded_once, denied_once;
};

int memscan_parse_args(int argc, char **argv, struct memscan_config *cfg, char *err,
                       size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    det_common_defaults(&cfg->common, 1000);
    cfg->budget_mib_s = 32;
    cfg->max_cpu_pct = 8;
    cfg->max_region_mib = 64;
    cfg->max_file_mib = 8;
    cfg->rescan_s = 60;
    cfg->threshold = 0.5;
    cfg->max_process_mib = 128;
    const struct opt opts[] = {
        {"budget-mib-s", OPT_DOUBLE, &cfg->budget_mib_s, 0.1, 100000, "MIB",
         "memory read per second, at most"},
        {"max-cpu-pct", OPT_DOUBLE, &cfg->max_cpu_pct, 0.1, 100, "PCT",
         "CPU the scanner may use, of one core"},
        {"max-region-mib", OPT_DOUBLE, &cfg->max_region_mib, 0.001, 1e6, "MIB",
         "larger anonymous regions are skipped"},
        {"max-file-mib", OPT_DOUBLE, &cfg->max_file_mib, 0, 1e6, "MIB",
         "larger file mappings are skipped"},
        {"rescan-s", OPT_DOUBLE, &cfg->rescan_s, 0, 1e7, "S",
         "scan a process again after this"},
        {"threshold", OPT_DOUBLE, &cfg->threshold, 0, 1, "X",
         "alert when the evidence score reaches this"},
        {"pid", OPT_DOUBLE, &cfg->pid, 0, 1 << 30, "PID",
         "scan only this process (0 = all)"},
        {"max-process-mib", OPT_DOUBLE, &cfg->max_process_mib, 0.01, 1e6, "MIB",
         "read at most this per process per scan"},
    };
    return det_parse_opts(argc, argv, &cfg->common, opts,
                          sizeof(opts) / sizeof(opts[0]), err, errlen);
}

struct memscan *memscan_new(const struct memscan_config *cfg)
{
    struct memscan *ms = calloc(1, sizeof(*ms));
    if (!ms)
        return NULL;
    ms->cfg = *cfg;
    ms->job.fd = -1;
    ms->memo = det_memo_new(cfg->common.cooldown_s);
    ms->queue = calloc(MAX_PIDS, sizeof(*ms->queue));
    ms->listing = calloc(MAX_PIDS, sizeof(*ms->listing));
    ms->scanned = calloc(MAX_PIDS, sizeof(*ms->scanned));
    ms->buf = malloc(CHUNK + MEM_PATTERN_MAX);
    ms->budget_bytes =
        cfg->budget_mib_s * MIB * (double)cfg->common.interval_ms / 1000.0;
    if (!ms->memo || !ms->queue || !ms->listing || !ms->scanned || !ms->buf) {
        memscan_free(ms);
        return NULL;
    }
    if (geteuid() != 0)
        det_alert_degraded(DETECTOR, DET_MEMORY,
                           "not running as root: only processes of this user can be "
                           "scanned (other processes' memory is not readable)");
    return ms;
}

static void job_end(struct job *j)
{
    if (j->fd >= 0)
        close(j->fd);
    free(j->regions);
    memset(j, 0, sizeof(*j));
    j->fd = -1;
}

/*
 * Ends the current job and wipes the read buffer: scanned memory (a miner's
 * URL, its wallet) must not linger in this process for other scanners.
 */
static void job_close(struct memscan *ms)
{
    explicit_bzero(ms->buf, ms->buf_dirty);
    ms->buf_dirty = 0;
    job_end(&ms->job);
}

void memscan_free(struct memscan *ms)
{
    if (!ms)
        return;
    if (ms->buf)
        job_close(ms);
    det_memo_free(ms->memo);
    free(ms->queue);
    free(ms->listing);
    free(ms->scanned);
    free(ms->buf);
    free(ms);
}

void memscan_get_stats(const struct memscan *ms, struct memscan_stats *out)
{
    *out = ms->stats;
}

static struct file_entry *file_lookup(struct memscan *ms, const struct det_map *m)
{
    for (size_t i = 0; i < ms->nfiles; i++) {
        struct file_entry *f = &ms->files[i];
        if (f->inode == m->inode && f->offset == m->offset &&
            f->size == m->end - m->start)
            return f;
    }
    return NULL;
}

static void file_remember(struct memscan *ms, const struct region *r)
{
    if (ms->nfiles == FILE_CACHE)
        ms->nfiles = 0; /* crude but bounded: start over */
    ms->files[ms->nfiles++] =
        (struct file_entry){r->inode, r->offset, r->end - r->start, r->bits};
}

static int push_region(struct job *j, const struct det_map *m)
{
    if (j->nregions == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 64;
        struct region *nr = realloc(j->regions, cap * sizeof(*nr));
        if (!nr)
            return -ENOMEM;
        j->regions = nr;
        j->cap = cap;
    }
    j->regions[j->nregions++] =
        (struct region){m->start, m->end, m->inode, m->offset, 0};
    return 0;
}

/* Decides what to read from one mapping; shapes count at once. */
static int plan_mapping(struct memscan *ms, struct job *j, const struct det_map *m)
{
    j->bits |= mem_map_shape(m);
    uint64_t size = m->end - m->start;
    if (m->perms[0] != 'r' || strcmp(m->path, "[vvar]") == 0 ||
        strcmp(m->path, "[vsyscall]") == 0 || strcmp(m->path, "[vdso]") == 0)
        return 0;
    if (m->inode == 0) {
        if ((double)size > ms->cfg.max_region_mib * MIB)
            return 0; /* a dataset or cache: random bytes, its size is the evidence */
        return push_region(j, m);
    }
    if ((double)size > ms->cfg.max_file_mib * MIB)
        return 0;
    const struct file_entry *f = file_lookup(ms, m);
    if (f) {
        ms->stats.file_cache_hits++;
        j->bits |= f->bits;
        return 0;
    }
    return push_region(j, m);
}

/* Starts the job for pid: reads maps and opens mem. 0, or -errno to skip it. */
static int job_start(struct memscan *ms, int pid)
{
    const char *root = ms->cfg.common.proc_root;
    struct job *j = &ms->job;
    struct det_proc_stat st;
    char path[DET_PROC_PATH_MAX], line[1024];
    if (det_proc_read_stat(root, pid, 0, &st) < 0)
        return -ENOENT;
    j->pid = pid;
    j->start_ticks = st.start_ticks;
    snprintf(j->comm, sizeof(j->comm), "%s", st.comm);
    snprintf(path, sizeof(path), "%s/%d/maps", root, pid);
    FILE *fp = fopen(path, "re");
    if (!fp)
        return -errno;
    int rc = 0;
    struct det_map m;
    while (rc == 0 && fgets(line, sizeof(line), fp))
        if (det_proc_parse_map(line, &m) == 0)
            rc = plan_mapping(ms, j, &m);
    fclose(fp);
    if (rc < 0)
        return rc;
    snprintf(path, sizeof(path), "%s/%d/mem", root, pid);
    j->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (j->fd < 0) {
        /* Shapes only: the maps were readable, the memory is not (or not recorded). */
        rc = -errno;
        if (rc == -EACCES || rc == -EPERM) {
            ms->stats.mem_denied++;
            if (!ms->denied_once++) {
                char msg[DET_PROC_PATH_MAX + 300];
                snprintf(
                    msg, sizeof(msg),
                    "cannot open %s: %s; memory content of such processes is not "
                    "scanned (needs root or CAP_SYS_PTRACE), mapping shapes still are",
                    path, strerror(-rc));
                det_alert_degraded(DETECTOR, DET_MEMORY, msg);
            }
        }
        j->nregions = 0;
    }
    return 0;
}

/*
 * Reads and scans up to budget bytes of the job. Returns the bytes consumed,
 * or -ESRCH when the process went away.
 */
static int64_t job_step(struct memscan *ms, uint64_t budget)
{
    struct job *j = &ms->job;
    uint64_t used = 0;
    while (used < budget && j->cur < j->nregions) {
        struct region *r = &j->regions[j->cur];
        if (j->pos < r->start)
            j->pos = r->start;
        uint64_t len = r->end - j->pos;
        if (len > CHUNK)
            len = CHUNK;
        if (len > budget - used)
            len = budget - used;
        uint64_t want = len + MEM_PATTERN_MAX;
        if (want > r->end - j->pos)
            want = r->end - j->pos;
        ssize_t got = pread(j->fd, ms->buf, want, (off_t)j->pos);
        if (got > 0 && (size_t)got > ms->buf_dirty)
            ms->buf_dirty = (size_t)got;
        if (got == 0 || (got < 0 && errno == ESRCH))
            return -ESRCH;
        if (got < 0) {
            j->pos = r->end; /* unreadable (guard page, I/O mapping): skip it */
        } else {
            unsigned found =
                mem_scan_buffer(ms->buf, (size_t)got, (size_t)len, &j->samples);
            r->bits |= found;
            j->bits |= found;
            j->pos += len;
            used += (uint64_t)got;
            j->bytes += (uint64_t)got;
            ms->stats.bytes_read += (uint64_t)got;
        }
        if (j->pos >= r->end) {
            if (r->inode != 0)
                file_remember(ms, r);
            j->cur++;
        }
    }
    return (int64_t)(used ? used : 1);
}

static int job_finish(struct memscan *ms, double now)
{
    struct job *j = &ms->job;
    ms->stats.processes_done++;
    /* Defang the sample ("stratum+tcp[:]//") so the alert text is not evidence. */
    char *colon = strstr(j->samples.url, "://");
    if (colon && strlen(j->samples.url) + 2 < sizeof(j->samples.url)) {
        memmove(colon + 3, colon + 1, strlen(colon + 1) + 1);
        memcpy(colon, "[:]", 3);
    }
    ms->scanned[(unsigned)j->pid % MAX_PIDS] =
        (struct last_scan){j->pid, j->start_ticks, now};
    int rc = 0;
    if (mem_should_alert(j->bits, ms->cfg.threshold) &&
        det_memo_should_alert(ms->memo, j->pid, j->start_ticks, "memory", now)) {
        char names[160], reason[512];
        mem_evidence_names(j->bits, names, sizeof(names));
        snprintf(reason, sizeof(reason),
                 "pid %d (%s) memory evidence: %s%s%s%s%s; %.1f MiB read", j->pid,
                 j->comm, names, j->samples.url[0] ? "; url " : "", j->samples.url,
                 j->samples.wallet[0] ? "; wallet " : "", j->samples.wallet,
                 (double)j->bytes / MIB);
        struct det_alert a = {.detector = DETECTOR,
                              .technique = DET_MEMORY,
                              .pid = j->pid,
                              .score = mem_score(j->bits),
                              .reason = reason};
        rc = det_alert_emit(&a) < 0 ? -EIO : 1;
    }
    job_close(ms);
    return rc;
}

static int due(const struct memscan *ms, int pid, double now)
{
    const struct last_scan *l = &ms->scanned[(unsigned)pid % MAX_PIDS];
    return !det_proc_is_self_or_parent(pid) &&
           (l->pid != pid || now - l->when_s >= ms->cfg.rescan_s);
}

/*
 * Lists the processes: ones never seen before go to the priority list (a
 * miner started during a run is scanned within a tick or two); when the
 * round-robin queue is used up it is refilled with everything due.
 */
static int refresh(struct memscan *ms, double now)
{
    size_t n = 0;
    double up = 0;
    if (ms->cfg.pid > 0) {
        ms->listing[0] = (int)ms->cfg.pid;
        n = 1;
    } else {
        int rc =
            det_proc_scan_begin(ms->cfg.common.proc_root, DETECTOR, DET_MEMORY,
                                &ms->degraded_once, &up, ms->listing, MAX_PIDS, &n);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        int pid = ms->listing[i];
        struct last_scan *l = &ms->scanned[(unsigned)pid % MAX_PIDS];
        if (l->pid == pid || det_proc_is_self_or_parent(pid))
            continue;
        *l = (struct last_scan){pid, 0, -1e18}; /* known, never scanned */
        if (ms->listed_once && ms->nprio < sizeof(ms->prio) / sizeof(ms->prio[0]))
            ms->prio[ms->nprio++] = pid;
    }
    ms->listed_once = 1;
    if (ms->qhead == ms->qlen) {
        ms->qhead = ms->qlen = 0;
        for (size_t i = 0; i < n; i++)
            if (due(ms, ms->listing[i], now))
                ms->queue[ms->qlen++] = ms->listing[i];
    }
    return 0;
}

/* The next process to scan, or 0 when nothing is due. */
static int next_pid(struct memscan *ms, double now)
{
    while (ms->nprio > 0) {
        int pid = ms->prio[--ms->nprio];
        if (due(ms, pid, now))
            return pid;
    }
    while (ms->qhead < ms->qlen) {
        int pid = ms->queue[ms->qhead++];
        if (due(ms, pid, now))
            return pid;
    }
    return 0;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keeps the detector's own CPU under the ceiling by resizing the budget. */
static void adapt_budget(struct memscan *ms, double cpu_used_s)
{
    double interval_s = (double)ms->cfg.common.interval_ms / 1000.0;
    double pct = 100.0 * cpu_used_s / interval_s;
    double full = ms->cfg.budget_mib_s * MIB * interval_s;
    if (pct > ms->cfg.max_cpu_pct)
        ms->budget_bytes *= 0.8 * ms->cfg.max_cpu_pct / pct;
    else
        ms->budget_bytes *= 1.25;
    if (ms->budget_bytes > full)
        ms->budget_bytes = full;
    if (ms->budget_bytes < 65536)
        ms->budget_bytes = 65536;
}

int memscan_tick(struct memscan *ms)
{
    double cpu0 = cpu_seconds(), now = det_mono_s();
    int once = ms->cfg.common.once, alerts = 0, rc;
    double budget = once ? 1e18 : ms->budget_bytes;
    if ((rc = refresh(ms, now)) < 0)
        return rc;
    while (budget > 0) {
        if (ms->job.pid == 0) {
            int pid = next_pid(ms, now);
            if (pid == 0)
                break;
            if (job_start(ms, pid) < 0) {
                /* Gone or unreadable: nothing to say; try again at the next rescan. */
                ms->scanned[(unsigned)pid % MAX_PIDS] = (struct last_scan){pid, 0, now};
                job_close(ms);
                continue;
            }
        }
        int64_t used = job_step(ms, (uint64_t)budget);
        if (used == -ESRCH) {
            job_close(ms); /* exited mid-scan: evidence of a dead process is dropped */
            continue;
        }
        budget -= (double)used;
        if (ms->job.cur >= ms->job.nregions ||
            (double)ms->job.bytes >= ms->cfg.max_process_mib * MIB) {
            if ((rc = job_finish(ms, now)) < 0)
                return rc;
            alerts += rc;
        }
    }
    if (!once)
        adapt_budget(ms, cpu_seconds() - cpu0);
    return alerts;
}
