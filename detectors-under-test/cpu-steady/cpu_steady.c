#include "cpu_steady.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_alert.h"
#include "ml_util.h"

#define DETECTOR "cpu-steady"
#define MAX_PIDS 65536
#define MAX_TIDS 1024
#define MAX_SAMPLES 4096

struct cpu_steady {
    struct cpu_steady_config cfg;
    struct det_cpu_tracker *cpu;
    struct det_memo *memo;
    int *pids;
    int tids[MAX_TIDS];
    double ts[MAX_SAMPLES], rates[MAX_SAMPLES];
    uint64_t ticks[MAX_SAMPLES];
    size_t want_rates; /* intervals in one window */
    unsigned gen;
    long clk;
    int degraded_once;
};

int cpu_steady_parse_args(int argc, char **argv, struct cpu_steady_config *cfg,
                          char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    det_common_defaults(&cfg->common, 1000);
    cfg->window_s = 30;
    cfg->cv_max = 0.15;
    cfg->min_cores = 0.05;
    cfg->thread_ratio = 1.5;
    cfg->max_thread_cores = 2;
    const struct opt opts[] = {
        {"window-s", OPT_DOUBLE, &cfg->window_s, 0, 86400, "S",
         "the window the CPU shape is judged over"},
        {"cv-max", OPT_DOUBLE, &cfg->cv_max, 0, 10, "X",
         "largest coefficient of variation of the per-interval CPU"},
        {"min-cores", OPT_DOUBLE, &cfg->min_cores, 0, 4096, "N",
         "smallest mean CPU, in cores"},
        {"thread-ratio", OPT_DOUBLE, &cfg->thread_ratio, 1, 1000, "X",
         "busiest / least busy busy thread, at most"},
        {"max-thread-cores", OPT_DOUBLE, &cfg->max_thread_cores, 0, 2, "N",
         "busiest thread at most this (2 = off)"},
    };
    int rc = det_parse_opts(argc, argv, &cfg->common, opts,
                            sizeof(opts) / sizeof(opts[0]), err, errlen);
    if (rc == 0 && cfg->window_s * 1000.0 / (double)cfg->common.interval_ms < 3)
        return ml_err(err, errlen, -EINVAL,
                      "--window-s must span at least 3 intervals");
    return rc;
}

int cpu_steady_shape(const struct cpu_steady_config *cfg, const double *rates, size_t n,
                     double tick_cores, double *mean, double *cv)
{
    if (n < 3)
        return -EINVAL;
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++)
        sum += rates[i];
    *mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        sq += (rates[i] - *mean) * (rates[i] - *mean);
    /*
     * Each value is a difference of two tick counts, so it carries about
     * 1/6 tick^2 of rounding variance even for a perfectly steady process;
     * remove it so that low levels (5 ticks a second) are not penalised.
     */
    double var = sq / (double)(n - 1) - tick_cores * tick_cores / 6.0;
    if (var < 0)
        var = 0;
    *cv = *mean > 0 ? sqrt(var) / *mean : INFINITY;
    return *mean >= cfg->min_cores && *cv <= cfg->cv_max;
}

struct cpu_steady *cpu_steady_new(const struct cpu_steady_config *cfg)
{
    struct cpu_steady *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return NULL;
    cs->cfg = *cfg;
    cs->want_rates =
        (size_t)(cfg->window_s * 1000.0 / (double)cfg->common.interval_ms + 0.5);
    if (cs->want_rates > MAX_SAMPLES - 2)
        cs->want_rates = MAX_SAMPLES - 2;
    cs->cpu = det_cpu_tracker_new(cs->want_rates + 1);
    cs->memo = det_memo_new(cfg->common.cooldown_s);
    cs->pids = calloc(MAX_PIDS, sizeof(*cs->pids));
    cs->clk = det_proc_clk_tck();
    if (!cs->cpu || !cs->memo || !cs->pids) {
        cpu_steady_free(cs);
        return NULL;
    }
    return cs;
}

void cpu_steady_free(struct cpu_steady *cs)
{
    if (!cs)
        return;
    det_cpu_tracker_free(cs->cpu);
    det_memo_free(cs->memo);
    free(cs->pids);
    free(cs);
}

struct thread_shape {
    int busy;           /* threads doing real work */
    double top, bottom; /* lifetime cores of the busiest and least busy busy thread */
};

/*
 * Lifetime CPU of each thread (all of a miner's workers start together and
 * run the same loop, so lifetimes compare them fairly without a history).
 */
static int thread_shape(struct cpu_steady *cs, int pid, double now,
                        struct thread_shape *ts)
{
    size_t n = 0;
    double cores[MAX_TIDS];
    memset(ts, 0, sizeof(*ts));
    if (det_proc_list_tids(cs->cfg.common.proc_root, pid, cs->tids, MAX_TIDS, &n) < 0)
        return -ENOENT;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct det_proc_stat st;
        if (det_proc_read_stat(cs->cfg.common.proc_root, pid, cs->tids[i], &st) < 0)
            continue;
        double age = now - (double)st.start_ticks / (double)cs->clk;
        if (age < 1)
            continue;
        cores[k] = (double)(st.utime_ticks + st.stime_ticks) / (double)cs->clk / age;
        if (cores[k] > ts->top)
            ts->top = cores[k];
        k++;
    }
    ts->bottom = ts->top;
    for (size_t i = 0; i < k; i++) {
        if (cores[i] >= 0.02 && cores[i] >= 0.25 * ts->top) {
            ts->busy++;
            if (cores[i] < ts->bottom)
                ts->bottom = cores[i];
        }
    }
    return ts->busy > 0 ? 0 : -ENOENT;
}

/* Per-interval rates of the last window; returns how many (0 = too young). */
static size_t window_rates(struct cpu_steady *cs, int pid)
{
    size_t n =
        det_cpu_tracker_samples(cs->cpu, pid, cs->ts, cs->ticks, cs->want_rates + 1);
    if (n < cs->want_rates + 1)
        return 0;
    for (size_t i = 1; i < n; i++) {
        double dt = cs->ts[i] - cs->ts[i - 1];
        if (dt <= 0 || cs->ticks[i] < cs->ticks[i - 1])
            return 0;
        cs->rates[i - 1] =
            (double)(cs->ticks[i] - cs->ticks[i - 1]) / (double)cs->clk / dt;
    }
    return n - 1;
}

static int check_process(struct cpu_steady *cs, int pid, double now)
{
    const struct cpu_steady_config *cfg = &cs->cfg;
    struct det_proc_stat st;
    if (det_proc_read_stat(cfg->common.proc_root, pid, 0, &st) < 0)
        return 0;
    if (det_cpu_tracker_update(cs->cpu, pid, st.start_ticks,
                               st.utime_ticks + st.stime_ticks, now, -1, cs->gen) < 0)
        return -ENOMEM;
    size_t n = window_rates(cs, pid);
    double mean, cv;
    double tick_cores =
        1.0 / (double)cs->clk / ((double)cfg->common.interval_ms / 1000.0);
    if (n == 0 || cpu_steady_shape(cfg, cs->rates, n, tick_cores, &mean, &cv) != 1)
        return 0;
    struct thread_shape th;
    if (thread_shape(cs, pid, now, &th) < 0 || th.top > cfg->max_thread_cores ||
        th.top > th.bottom * cfg->thread_ratio)
        return 0;
    double score = 0.6 + 0.2 * (1.0 - cv / (cfg->cv_max > 0 ? cfg->cv_max : 1)) +
                   (th.busy >= 2 ? 0.2 : 0);
    char reason[320];
    snprintf(reason, sizeof(reason),
             "pid %d (%s) steady CPU: mean %.2f cores, CV %.3f over %.0f s; %d busy "
             "thread(s) at %.2f-%.2f cores each",
             pid, st.comm, mean, cv, cfg->window_s, th.busy, th.bottom, th.top);
    if (!det_memo_should_alert(cs->memo, pid, st.start_ticks, "steady", det_mono_s()))
        return 0;
    struct det_alert a = {.detector = DETECTOR,
                          .technique = DET_SYSTEM_METRICS,
                          .pid = pid,
                          .score = score > 1 ? 1 : score,
                          .reason = reason};
    return det_alert_emit(&a) < 0 ? -EIO : 1;
}

int cpu_steady_tick(struct cpu_steady *cs)
{
    double now = 0;
    size_t npids = 0;
    int rc = det_proc_scan_begin(cs->cfg.common.proc_root, DETECTOR, DET_SYSTEM_METRICS,
                                 &cs->degraded_once, &now, cs->pids, MAX_PIDS, &npids);
    if (rc < 0)
        return rc;
    cs->gen++;
    int alerts = 0;
    for (size_t i = 0; i < npids; i++) {
        if (det_proc_is_self_or_parent(cs->pids[i]))
            continue;
        rc = check_process(cs, cs->pids[i], now);
        if (rc < 0)
            return rc;
        alerts += rc;
    }
    det_cpu_tracker_sweep(cs->cpu, cs->gen);
    return alerts;
}
