#include "gpu_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "det_alert.h"
#include "ml_util.h"
#include "spawn_pipe.h"

#define DETECTOR "gpu-util"
#define OUT_MAX 16384 /* nvidia-smi output cap; more is an error */

struct gpu_util {
    struct gpu_util_config cfg;
    struct det_memo *memo;
    double above_since[GPU_UTIL_MAX_GPUS]; /* < 0: below the level */
    int degraded;
};

int gpu_util_parse_args(int argc, char **argv, struct gpu_util_config *cfg, char *err,
                        size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    det_common_defaults(&cfg->common, 2000);
    cfg->nvidia_smi = "nvidia-smi";
    cfg->util_pct = 80;
    cfg->sustain_s = 20;
    cfg->mem_mib = 1024;
    cfg->timeout_s = 5;
    const struct opt opts[] = {
        {"nvidia-smi", OPT_STRING, &cfg->nvidia_smi, 0, 0, "PATH",
         "the nvidia-smi program"},
        {"util-pct", OPT_DOUBLE, &cfg->util_pct, 0, 100, "PCT",
         "GPU utilisation that counts as busy"},
        {"sustain-s", OPT_DOUBLE, &cfg->sustain_s, 0, 86400, "S",
         "how long the GPU must stay busy"},
        {"mem-mib", OPT_DOUBLE, &cfg->mem_mib, 0, 1e7, "MIB",
         "memory a compute process must hold"},
        {"timeout-s", OPT_DOUBLE, &cfg->timeout_s, 0.1, 600, "S",
         "limit for one nvidia-smi run"},
    };
    return det_parse_opts(argc, argv, &cfg->common, opts,
                          sizeof(opts) / sizeof(opts[0]), err, errlen);
}

/* ------------------------------------------------------------- parsing -- */

/* Next line of *p into line (bounded); 0 at the end. */
static int next_line(const char **p, char *line, size_t len)
{
    if (!**p)
        return 0;
    const char *nl = strchr(*p, '\n');
    size_t n = nl ? (size_t)(nl - *p) : strlen(*p);
    if (n >= len)
        n = len - 1;
    memcpy(line, *p, n);
    line[n] = 0;
    *p = nl ? nl + 1 : *p + strlen(*p);
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
        line[--n] = 0;
    return 1;
}

/* "87 %" -> 87; "[N/A]" -> -1 with ok; else -EINVAL. */
static int parse_number_unit(const char *s, const char *unit, double *out)
{
    while (*s == ' ')
        s++;
    if (!strncmp(s, "[N/A]", 5) || !strncmp(s, "N/A", 3) ||
        !strncmp(s, "[Not Supported]", 15)) {
        *out = -1;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s)
        return -EINVAL;
    while (*end == ' ')
        end++;
    if (*end && strcmp(end, unit) != 0)
        return -EINVAL;
    *out = v;
    return 0;
}

int gpu_util_parse_gpus(const char *text, struct gpu_util_gpu *gpus, int max, char *err,
                        size_t errlen)
{
    char line[256];
    int n = 0;
    while (next_line(&text, line, sizeof(line))) {
        if (!line[0])
            continue;
        char *comma = strchr(line, ',');
        if (!comma)
            return ml_err(err, errlen, -EINVAL,
                          "nvidia-smi gpu line without a comma: '%s'", line);
        *comma = 0;
        struct gpu_util_gpu g;
        if (parse_number_unit(line, "%", &g.util_pct) || g.util_pct < 0 ||
            parse_number_unit(comma + 1, "W", &g.power_w))
            return ml_err(err, errlen, -EINVAL,
                          "cannot read nvidia-smi gpu line '%s,%s'", line, comma + 1);
        if (n < max)
            gpus[n++] = g;
    }
    return n;
}

int gpu_util_parse_apps(const char *text, struct gpu_util_app *apps, int max, char *err,
                        size_t errlen)
{
    char line[256];
    int n = 0;
    while (next_line(&text, line, sizeof(line))) {
        if (!line[0] || strstr(line, "No running"))
            continue;
        char *comma = strchr(line, ',');
        long pid = 0;
        struct gpu_util_app a;
        if (comma)
            *comma = 0;
        if (!comma || ml_parse_long(line, 1, 4194304, &pid) ||
            parse_number_unit(comma + 1, "MiB", &a.used_mib))
            return ml_err(err, errlen, -EINVAL,
                          "cannot read nvidia-smi process line '%s'", line);
        a.pid = (int)pid;
        if (n < max)
            apps[n++] = a;
    }
    return n;
}

/* ----------------------------------------------------------- nvidia-smi -- */

/*
 * Runs prog with one query argument and captures stdout (bounded, with a
 * timeout; the child is killed on timeout). 0, or -errno: -ENOENT when the
 * program cannot run, -EIO on a failing exit, -ETIMEDOUT, -E2BIG.
 */
static int run_capture(const char *prog, const char *query, double timeout_s, char *buf,
                       size_t len)
{
    int fds[2], status = 0, rc = 0;
    size_t got = 0;
    char *argv[] = {(char *)prog, (char *)query, "--format=csv,noheader", NULL};
    struct spawn_opts so = {.err = SPAWN_ERR_NULL};
    pid_t pid = spawn_pipe(argv, &so, &fds[0], NULL);
    if (pid < 0)
        return (int)pid;
    double deadline = det_mono_s() + timeout_s;
    for (;;) {
        int wait_ms = (int)((deadline - det_mono_s()) * 1000);
        if (wait_ms <= 0) {
            rc = -ETIMEDOUT;
            break;
        }
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, wait_ms) < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        ssize_t r = read(fds[0], buf + got, len - 1 - got);
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        got += (size_t)r;
        if (got >= len - 1) {
            rc = -E2BIG;
            break;
        }
    }
    buf[got] = 0;
    close(fds[0]);
    if (rc)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc)
        return rc;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return -ENOENT;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -EIO;
    return 0;
}

/* ----------------------------------------------------------------- tick -- */

struct gpu_util *gpu_util_new(const struct gpu_util_config *cfg)
{
    struct gpu_util *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->cfg = *cfg;
    g->memo = det_memo_new(cfg->common.cooldown_s);
    if (!g->memo) {
        free(g);
        return NULL;
    }
    for (int i = 0; i < GPU_UTIL_MAX_GPUS; i++)
        g->above_since[i] = -1;
    return g;
}

void gpu_util_free(struct gpu_util *g)
{
    if (!g)
        return;
    det_memo_free(g->memo);
    free(g);
}

static void degrade(struct gpu_util *g, const char *why, int rc)
{
    char reason[256];
    if (g->degraded)
        return;
    g->degraded = 1;
    snprintf(reason, sizeof(reason), "%.120s (%.80s): no GPU telemetry, detector idle",
             why,
             rc == -ENOENT ? "nvidia-smi not found"
             : rc == -EIO  ? "nvidia-smi failed, no GPU or driver"
                           : strerror(-rc));
    det_alert_degraded(DETECTOR, DET_SYSTEM_METRICS, reason);
}

static int alert(struct gpu_util *g, int gpu, const struct gpu_util_gpu *s,
                 const struct gpu_util_app *app, double held_s, double now)
{
    char reason[256];
    int pid = app ? app->pid : 0;
    if (!det_memo_should_alert(g->memo, pid, 0,
                               app ? "gpu-sustained" : "gpu-sustained-host", now))
        return 0;
    if (app)
        snprintf(reason, sizeof(reason),
                 "GPU %d at %.0f%% for %.0f s (power %.0f W); pid %d holds %.0f MiB",
                 gpu, s->util_pct, held_s, s->power_w, pid, app->used_mib);
    else
        snprintf(reason, sizeof(reason),
                 "GPU %d at %.0f%% for %.0f s (power %.0f W) with no visible process",
                 gpu, s->util_pct, held_s, s->power_w);
    double score = s->util_pct / 100.0;
    struct det_alert a = {.detector = DETECTOR,
                          .technique = DET_SYSTEM_METRICS,
                          .pid = pid,
                          .score = score > 1 ? 1 : score,
                          .reason = reason};
    return det_alert_emit(&a) < 0 ? -EIO : 1;
}

int gpu_util_tick(struct gpu_util *g)
{
    static char out[OUT_MAX];
    struct gpu_util_gpu gpus[GPU_UTIL_MAX_GPUS];
    struct gpu_util_app apps[GPU_UTIL_MAX_APPS];
    char err[256];
    int rc, ngpu, napp, alerts = 0;
    if (g->degraded)
        return 0;
    rc = run_capture(g->cfg.nvidia_smi, "--query-gpu=utilization.gpu,power.draw",
                     g->cfg.timeout_s, out, sizeof(out));
    if (rc) {
        degrade(g, "nvidia-smi --query-gpu", rc);
        return 0;
    }
    ngpu = gpu_util_parse_gpus(out, gpus, GPU_UTIL_MAX_GPUS, err, sizeof(err));
    if (ngpu <= 0) {
        degrade(g, ngpu == 0 ? "nvidia-smi lists no GPU" : err, -EIO);
        return 0;
    }
    rc = run_capture(g->cfg.nvidia_smi, "--query-compute-apps=pid,used_memory",
                     g->cfg.timeout_s, out, sizeof(out));
    napp =
        rc ? rc : gpu_util_parse_apps(out, apps, GPU_UTIL_MAX_APPS, err, sizeof(err));
    if (napp < 0)
        napp = 0; /* utilisation alone still counts, host-level */
    double now = det_mono_s();
    for (int i = 0; i < ngpu; i++) {
        if (gpus[i].util_pct < g->cfg.util_pct) {
            g->above_since[i] = -1;
            continue;
        }
        if (g->above_since[i] < 0)
            g->above_since[i] = now;
        double held = now - g->above_since[i];
        if (held < g->cfg.sustain_s)
            continue;
        /* compute-apps does not say which GPU; on one-GPU hosts it is exact. */
        int any = 0;
        for (int k = 0; k < napp; k++) {
            if (apps[k].used_mib <= g->cfg.mem_mib ||
                det_proc_is_self_or_parent(apps[k].pid))
                continue;
            any = 1;
            if ((rc = alert(g, i, &gpus[i], &apps[k], held, now)) < 0)
                return rc;
            alerts += rc;
        }
        if (!any) {
            if ((rc = alert(g, i, &gpus[i], NULL, held, now)) < 0)
                return rc;
            alerts += rc;
        }
    }
    return alerts;
}
