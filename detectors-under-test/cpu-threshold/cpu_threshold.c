#include "cpu_threshold.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_alert.h"
#include "ml_util.h"

#define DETECTOR "cpu-threshold"
#define MAX_PIDS 65536
#define MAX_CGROUPS 256

struct cg_sum {
    char path[256];
    double cores;
    int top_pid;
    double top_cores;
};

struct cpu_threshold {
    struct cpu_threshold_config cfg;
    struct det_cpu_tracker *cpu;
    struct det_memo *memo;
    int *pids;
    struct cg_sum *cgs;
    size_t ncg;
    unsigned gen;
    long clk;
    int degraded_once;
};

int cpu_threshold_parse_args(int argc, char **argv, struct cpu_threshold_config *cfg,
                             char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    det_common_defaults(&cfg->common, 1000);
    cfg->new_level = 0.9;
    cfg->sustained_level = 0.7;
    cfg->window_s = 10;
    cfg->new_age_s = 60;
    cfg->observe_level = 0.1;
    const struct opt opts[] = {
        {"observe-level", OPT_DOUBLE, &cfg->observe_level, 0, 1, "X",
         "report a sub-threshold observation from this share of the host"},
        {"new-level", OPT_DOUBLE, &cfg->new_level, 0, 1, "X",
         "share of the host a new process may use"},
        {"sustained-level", OPT_DOUBLE, &cfg->sustained_level, 0, 1, "X",
         "share of the host a process may average over the window"},
        {"window-s", OPT_DOUBLE, &cfg->window_s, 0, 86400, "S",
         "averaging window of the sustained rule"},
        {"new-age-s", OPT_DOUBLE, &cfg->new_age_s, 0, 86400, "S",
         "a process younger than this is new"},
        {"ncpu", OPT_DOUBLE, &cfg->ncpu, 1, 4096, "N", "override the CPU count"},
        {"no-cgroups", OPT_FLAG, &cfg->no_cgroups, 0, 0, NULL, "no cgroup rule"},
        {"cgroup-root", OPT_STRING, &cfg->cgroup_root, 0, 0, "DIR", "the cgroup mount"},
    };
    int rc = det_parse_opts(argc, argv, &cfg->common, opts,
                            sizeof(opts) / sizeof(opts[0]), err, errlen);
    /* A recorded /proc has no matching cgroup tree unless one is named. */
    if (rc == 0 && !cfg->cgroup_root && strcmp(cfg->common.proc_root, "/proc") == 0)
        cfg->cgroup_root = "/sys/fs/cgroup";
    return rc;
}

struct cpu_threshold *cpu_threshold_new(const struct cpu_threshold_config *cfg)
{
    struct cpu_threshold *ct = calloc(1, sizeof(*ct));
    if (!ct)
        return NULL;
    ct->cfg = *cfg;
    if (ct->cfg.ncpu < 1)
        ct->cfg.ncpu = det_proc_ncpu(cfg->common.proc_root);
    size_t ring =
        (size_t)(cfg->window_s * 1000.0 / (double)cfg->common.interval_ms) + 3;
    ct->cpu = det_cpu_tracker_new(ring > 4096 ? 4096 : ring);
    ct->memo = det_memo_new(cfg->common.cooldown_s);
    ct->pids = calloc(MAX_PIDS, sizeof(*ct->pids));
    ct->cgs = calloc(MAX_CGROUPS, sizeof(*ct->cgs));
    ct->clk = det_proc_clk_tck();
    if (!ct->cpu || !ct->memo || !ct->pids || !ct->cgs) {
        cpu_threshold_free(ct);
        return NULL;
    }
    return ct;
}

void cpu_threshold_free(struct cpu_threshold *ct)
{
    if (!ct)
        return;
    det_cpu_tracker_free(ct->cpu);
    det_memo_free(ct->memo);
    free(ct->pids);
    free(ct->cgs);
    free(ct);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int emit(struct cpu_threshold *ct, int pid, uint64_t key, const char *rule,
                double norm, const char *reason)
{
    if (!det_memo_should_alert(ct->memo, pid, key, rule, det_mono_s()))
        return 0;
    struct det_alert a = {.detector = DETECTOR,
                          .technique = DET_SYSTEM_METRICS,
                          .pid = pid,
                          .score = norm > 1 ? 1 : norm,
                          .reason = reason};
    return det_alert_emit(&a) < 0 ? -EIO : 1;
}

/*
 * An observation: a sustained level at or above --observe-level but below
 * the alert threshold, once per pid and tenth of the host (0.1, 0.2, ...)
 * per cooldown, so the harness can draw a ROC curve without a flood.
 */
static int observe(struct cpu_threshold *ct, int pid, uint64_t key, double norm,
                   const char *comm, double span)
{
    static const char *const rules[] = {"obs0", "obs1", "obs2", "obs3", "obs4",
                                        "obs5", "obs6", "obs7", "obs8", "obs9"};
    const struct cpu_threshold_config *cfg = &ct->cfg;
    if (norm < cfg->observe_level || norm >= cfg->sustained_level || norm <= 0)
        return 0;
    int tenth = (int)(norm * 10);
    if (tenth > 9)
        tenth = 9;
    if (!det_memo_should_alert(ct->memo, pid, key, rules[tenth], det_mono_s()))
        return 0;
    char reason[256];
    snprintf(reason, sizeof(reason),
             "pid %d (%s) at %.2f of %.0f CPUs over %.0f s, below the threshold %.2f",
             pid, comm, norm, cfg->ncpu, span, cfg->sustained_level);
    struct det_alert a = {.detector = DETECTOR,
                          .technique = DET_SYSTEM_METRICS,
                          .pid = pid,
                          .score = norm,
                          .reason = reason,
                          .observation = 1};
    return det_alert_emit(&a) < 0 ? -EIO : 0;
}

static void add_to_cgroup(struct cpu_threshold *ct, int pid, double cores)
{
    char path[256];
    if (det_proc_read_cgroup(ct->cfg.common.proc_root, pid, path, sizeof(path)) < 0 ||
        strcmp(path, "/") == 0)
        return;
    size_t i = 0;
    while (i < ct->ncg && strcmp(ct->cgs[i].path, path) != 0)
        i++;
    if (i == ct->ncg) {
        if (ct->ncg == MAX_CGROUPS)
            return;
        memset(&ct->cgs[i], 0, sizeof(ct->cgs[i]));
        snprintf(ct->cgs[i].path, sizeof(ct->cgs[i].path), "%s", path);
        ct->ncg++;
    }
    ct->cgs[i].cores += cores;
    if (cores > ct->cgs[i].top_cores) {
        ct->cgs[i].top_cores = cores;
        ct->cgs[i].top_pid = pid;
    }
}

/* Evaluates the per-process rules for one pid; returns alerts written or -EIO. */
static int check_process(struct cpu_threshold *ct, int pid, double now)
{
    const struct cpu_threshold_config *cfg = &ct->cfg;
    struct det_proc_stat st;
    if (det_proc_read_stat(cfg->common.proc_root, pid, 0, &st) < 0)
        return 0; /* gone since the listing: not an error */
    double start_s = (double)st.start_ticks / (double)ct->clk;
    if (det_cpu_tracker_update(ct->cpu, pid, st.start_ticks,
                               st.utime_ticks + st.stime_ticks, now, start_s,
                               ct->gen) < 0)
        return -ENOMEM;
    int n = 0, rc;
    char reason[256];
    double span = 0, age = now - start_s;
    double recent = det_cpu_tracker_avg(ct->cpu, pid, 1.0, &span);
    if (recent >= 0 && age <= cfg->new_age_s && recent / cfg->ncpu >= cfg->new_level) {
        snprintf(reason, sizeof(reason),
                 "newly seen pid %d (%s, age %.0f s) at %.2f of %.0f CPUs over %.1f s "
                 "(threshold %.2f)",
                 pid, st.comm, age, recent / cfg->ncpu, cfg->ncpu, span,
                 cfg->new_level);
        if ((rc = emit(ct, pid, st.start_ticks, "new", recent / cfg->ncpu, reason)) < 0)
            return rc;
        n += rc;
    }
    double sustained = det_cpu_tracker_avg(ct->cpu, pid, cfg->window_s, &span);
    if (sustained >= 0 && sustained / cfg->ncpu >= cfg->sustained_level) {
        snprintf(
            reason, sizeof(reason),
            "pid %d (%s) at %.2f of %.0f CPUs sustained over %.0f s (threshold %.2f)",
            pid, st.comm, sustained / cfg->ncpu, cfg->ncpu, span, cfg->sustained_level);
        if ((rc = emit(ct, pid, st.start_ticks, "sustained", sustained / cfg->ncpu,
                       reason)) < 0)
            return rc;
        n += rc;
    } else if (sustained >= 0 && cfg->observe_level > 0 &&
               observe(ct, pid, st.start_ticks, sustained / cfg->ncpu, st.comm, span) <
                   0) {
        return -EIO;
    }
    if (!cfg->no_cgroups && sustained > 0.01)
        add_to_cgroup(ct, pid, sustained);
    return n;
}

static int check_cgroups(struct cpu_threshold *ct)
{
    int n = 0;
    for (size_t i = 0; i < ct->ncg; i++) {
        const struct cg_sum *g = &ct->cgs[i];
        double limit = ct->cfg.ncpu, quota = 0;
        int has_quota =
            ct->cfg.cgroup_root &&
            det_proc_cgroup_quota(ct->cfg.cgroup_root, g->path, &quota) == 0 &&
            quota < limit;
        if (has_quota)
            limit = quota;
        double norm = g->cores / limit;
        if (norm < ct->cfg.sustained_level)
            continue;
        char reason[512], of[64];
        if (has_quota)
            snprintf(of, sizeof(of), "its %.2f-CPU quota", quota);
        else
            snprintf(of, sizeof(of), "%.0f CPUs", ct->cfg.ncpu);
        snprintf(reason, sizeof(reason),
                 "cgroup %s at %.2f of %s sustained over %.0f s (threshold %.2f); "
                 "busiest pid %d",
                 g->path, norm, of, ct->cfg.window_s, ct->cfg.sustained_level,
                 g->top_pid);
        int rc = emit(ct, g->top_pid, fnv1a(g->path), "cgroup", norm, reason);
        if (rc < 0)
            return rc;
        n += rc;
    }
    return n;
}

int cpu_threshold_tick(struct cpu_threshold *ct)
{
    const char *root = ct->cfg.common.proc_root;
    double now = 0;
    size_t npids = 0;
    int rc = det_proc_scan_begin(root, DETECTOR, DET_SYSTEM_METRICS, &ct->degraded_once,
                                 &now, ct->pids, MAX_PIDS, &npids);
    if (rc < 0)
        return rc;
    ct->gen++;
    ct->ncg = 0;
    int alerts = 0;
    for (size_t i = 0; i < npids; i++) {
        if (det_proc_is_self_or_parent(ct->pids[i]))
            continue;
        rc = check_process(ct, ct->pids[i], now);
        if (rc < 0)
            return rc;
        alerts += rc;
    }
    det_cpu_tracker_sweep(ct->cpu, ct->gen);
    rc = check_cgroups(ct);
    return rc < 0 ? rc : alerts + rc;
}
