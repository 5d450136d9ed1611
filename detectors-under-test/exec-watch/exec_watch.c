#include "exec_watch.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "det_alert.h"
#include "exec_rules.h"
#include "ml_util.h"
#include "proc_conn.h"

#define DETECTOR "exec-watch"
#define MAX_PIDS 65536
#define CMD_MAX 8192

/* A process already judged: re-judged only when its name or cmdline change. */
struct seen {
    int pid;
    uint64_t start_ticks;
    uint64_t fingerprint;
};

struct exec_watch {
    struct exec_watch_config cfg;
    struct det_memo *memo;
    int *pids;
    struct seen *seen; /* open addressing by pid, MAX_PIDS slots */
    int nl_fd;         /* -1 when polling */
    double next_sweep_s;
    int degraded_once;
};

int exec_watch_parse_args(int argc, char **argv, struct exec_watch_config *cfg,
                          char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    det_common_defaults(&cfg->common, 1000);
    cfg->mode = "auto";
    cfg->threshold = 0.5;
    cfg->sweep_s = 10;
    cfg->allow_memfd = "runc_cloned,sealed-";
    const struct opt opts[] = {
        {"mode", OPT_STRING, &cfg->mode, 0, 0, "MODE", "auto, netlink or poll"},
        {"threshold", OPT_DOUBLE, &cfg->threshold, 0, 1, "X",
         "alert when the rule score reaches this"},
        {"sweep-s", OPT_DOUBLE, &cfg->sweep_s, 0.1, 86400, "S",
         "/proc sweep period beside the netlink events"},
        {"allow-memfd", OPT_STRING, &cfg->allow_memfd, 0, 0, "LIST",
         "memfd names allowed as executables"},
    };
    int rc = det_parse_opts(argc, argv, &cfg->common, opts,
                            sizeof(opts) / sizeof(opts[0]), err, errlen);
    if (rc == 0 && strcmp(cfg->mode, "auto") && strcmp(cfg->mode, "netlink") &&
        strcmp(cfg->mode, "poll"))
        return ml_err(err, errlen, -EINVAL, "--mode wants auto, netlink or poll");
    return rc;
}

int exec_watch_netlink_open(void)
{
    return proc_conn_open();
}

/*
 * The protocol's optional first "info" line, saying which event source is in
 * use (the polling fallback says it with a degraded notice instead).
 */
static void write_info(const char *source)
{
    char version[128];
    snprintf(version, sizeof(version), "minerlab %s exec-watch, %s", MINERLAB_VERSION,
             source);
    det_info_line(DETECTOR, DET_SCRIPT,
                  json_pack("{s:s,s:s}", "version", version, "event_source", source));
}

struct exec_watch *exec_watch_new(const struct exec_watch_config *cfg, char *err,
                                  size_t errlen)
{
    struct exec_watch *ew = calloc(1, sizeof(*ew));
    if (!ew)
        return NULL;
    ew->cfg = *cfg;
    ew->nl_fd = -1;
    ew->memo = det_memo_new(cfg->common.cooldown_s);
    ew->pids = calloc(MAX_PIDS, sizeof(*ew->pids));
    ew->seen = calloc(MAX_PIDS, sizeof(*ew->seen));
    if (!ew->memo || !ew->pids || !ew->seen) {
        exec_watch_free(ew);
        return NULL;
    }
    /* Events name live pids, so the connector only makes sense on the real /proc. */
    int live = strcmp(cfg->common.proc_root, "/proc") == 0;
    int rc = strcmp(cfg->mode, "poll") == 0 ? -EPERM
             : live                         ? exec_watch_netlink_open()
                                            : -ENOTSUP;
    if (rc >= 0) {
        ew->nl_fd = rc;
        fprintf(stderr,
                "exec-watch: using the netlink process connector, /proc sweep every "
                "%.1f s\n",
                cfg->sweep_s);
        write_info("netlink proc connector");
        /* Every exec is an event: it judges a command line as it starts. */
        det_min_observation(DETECTOR, DET_SCRIPT, 0, "netlink exec events");
        return ew;
    }
    if (strcmp(cfg->mode, "netlink") == 0) {
        ml_err(err, errlen, rc, "netlink process connector unavailable: %s",
               strerror(-rc));
        exec_watch_free(ew);
        return NULL;
    }
    char msg[256];
    snprintf(msg, sizeof(msg),
             "netlink process connector not in use (%s): polling %s every %ld ms; "
             "processes that live shorter than that can be missed",
             strcmp(cfg->mode, "poll") == 0 ? "--mode poll" : strerror(-rc),
             cfg->common.proc_root, cfg->common.interval_ms);
    det_alert_degraded(DETECTOR, DET_SCRIPT, msg);
    char basis[64];
    snprintf(basis, sizeof(basis), "one /proc poll of --interval-ms %ld",
             cfg->common.interval_ms);
    det_min_observation(DETECTOR, DET_SCRIPT, (double)cfg->common.interval_ms / 1000.0,
                        basis);
    return ew;
}

void exec_watch_free(struct exec_watch *ew)
{
    if (!ew)
        return;
    if (ew->nl_fd >= 0)
        proc_conn_close(ew->nl_fd);
    det_memo_free(ew->memo);
    free(ew->pids);
    free(ew->seen);
    free(ew);
}

int exec_watch_using_netlink(const struct exec_watch *ew)
{
    return ew->nl_fd >= 0;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Alerts for the rules of hits not yet alerted for this process. */
static int report(struct exec_watch *ew, int pid, uint64_t start,
                  const struct exec_hit *hits, size_t n)
{
    double score = exec_rules_score(hits, n);
    if (n == 0 || score < ew->cfg.threshold)
        return 0;
    int fresh = 0;
    double now = det_mono_s();
    for (size_t i = 0; i < n; i++)
        fresh += det_memo_should_alert(ew->memo, pid, start, hits[i].rule, now);
    if (!fresh)
        return 0;
    char reason[512];
    size_t o = (size_t)snprintf(reason, sizeof(reason), "pid %d:", pid);
    for (size_t i = 0; i < n && o < sizeof(reason); i++)
        o += (size_t)snprintf(reason + o, sizeof(reason) - o, "%s %s (%s)",
                              i ? ";" : "", hits[i].rule, hits[i].detail);
    struct det_alert a = {.detector = DETECTOR,
                          .technique = DET_SCRIPT,
                          .pid = pid,
                          .score = score,
                          .reason = reason};
    return det_alert_emit(&a) < 0 ? -EIO : 1;
}

int exec_watch_check_pid(struct exec_watch *ew, int pid)
{
    const char *root = ew->cfg.common.proc_root;
    struct det_proc_stat st;
    if (det_proc_is_self_or_parent(pid) || det_proc_read_stat(root, pid, 0, &st) < 0)
        return 0;
    char cmdline[CMD_MAX], argv0[256], comm[64], exe[DET_PROC_PATH_MAX];
    int rc = 0;
    if (det_proc_read_cmdline(root, pid, cmdline, sizeof(cmdline), argv0,
                              sizeof(argv0)) < 0 ||
        det_proc_read_comm(root, pid, comm, sizeof(comm)) < 0)
        goto out; /* exited meanwhile */
    uint64_t fp = fnv1a(fnv1a(1469598103934665603ull, comm), cmdline);
    struct seen *s = &ew->seen[(unsigned)pid % MAX_PIDS];
    if (s->pid == pid && s->start_ticks == st.start_ticks && s->fingerprint == fp)
        goto out;
    *s = (struct seen){pid, st.start_ticks, fp};
    int erc = det_proc_read_exe(root, pid, exe, sizeof(exe));
    /* No exe link: a kernel thread (or a zombie); EACCES: not ours to read. */
    struct exec_proc p = {cmdline,
                          argv0,
                          comm,
                          erc == 0 ? exe : "",
                          erc == 0 || erc == -EACCES,
                          ew->cfg.allow_memfd};
    if (erc == -ENOENT && cmdline[0] != '\0')
        p.has_exe = 1; /* exe gone but argv present: a user process that is exiting */
    struct exec_hit hits[EXEC_RULES_MAX_HITS];
    size_t n = exec_rules_match(&p, hits, EXEC_RULES_MAX_HITS);
    rc = report(ew, pid, st.start_ticks, hits, n);
out:
    /*
     * Do not keep other processes' command lines around: a memory scanner
     * looking at this detector would find the miner's URL in it.
     */
    explicit_bzero(cmdline, sizeof(cmdline));
    explicit_bzero(argv0, sizeof(argv0));
    return rc;
}

static int sweep(struct exec_watch *ew)
{
    size_t n = 0;
    double now = 0;
    int rc = det_proc_scan_begin(ew->cfg.common.proc_root, DETECTOR, DET_SCRIPT,
                                 &ew->degraded_once, &now, ew->pids, MAX_PIDS, &n);
    if (rc < 0)
        return rc;
    int alerts = 0;
    for (size_t i = 0; i < n; i++) {
        rc = exec_watch_check_pid(ew, ew->pids[i]);
        if (rc < 0)
            return rc;
        alerts += rc;
    }
    return alerts;
}

struct drain_ctx {
    int (*fn)(void *ctx, int pid, int exec);
    void *ctx;
};

static int drain_one(const struct proc_conn_event *e, void *arg)
{
    struct drain_ctx *d = arg;
    if (e->kind != PROC_CONN_EXEC && e->kind != PROC_CONN_COMM)
        return 0;
    return e->pid > 0 ? d->fn(d->ctx, e->pid, e->kind == PROC_CONN_EXEC) : 0;
}

int exec_watch_netlink_drain(int fd, int (*fn)(void *ctx, int pid, int exec), void *ctx,
                             int *lost)
{
    struct drain_ctx d = {fn, ctx};
    return proc_conn_read(fd, drain_one, &d, lost);
}

static int check_event(void *ctx, int pid, int exec)
{
    (void)exec;
    return exec_watch_check_pid(ctx, pid);
}

/* Reads every queued connector message; returns alerts written or -EIO. */
static int drain_netlink(struct exec_watch *ew)
{
    int lost = 0;
    int rc = exec_watch_netlink_drain(ew->nl_fd, check_event, ew, &lost);
    if (lost) /* The kernel dropped events: a sweep catches what we missed. */
        ew->next_sweep_s = 0;
    return rc;
}

int exec_watch_tick(struct exec_watch *ew)
{
    int alerts = 0, rc;
    double now = det_mono_s();
    if (ew->nl_fd < 0 || now >= ew->next_sweep_s) {
        ew->next_sweep_s = now + ew->cfg.sweep_s;
        if ((rc = sweep(ew)) < 0)
            return rc;
        alerts += rc;
    }
    if (ew->nl_fd < 0)
        return alerts;
    struct pollfd pfd = {.fd = ew->nl_fd, .events = POLLIN};
    int timeout = ew->cfg.common.once ? 0 : (int)ew->cfg.common.interval_ms;
    if (poll(&pfd, 1, timeout) > 0) {
        if ((rc = drain_netlink(ew)) < 0)
            return rc;
        alerts += rc;
    }
    return alerts;
}
