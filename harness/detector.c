#include "hxutil.h"
#include "detector.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ml_util.h"
#include "proc.h"
#include "technique.h"

static int check_flow(json_t *flow, char *why, size_t whylen)
{
    if (!json_is_object(flow))
        return ml_err(why, whylen, -EINVAL, "flow is not an object");
    const char *keys[] = {"src", "dst"};
    for (int i = 0; i < 2; i++) {
        const char *v = json_string_value(json_object_get(flow, keys[i]));
        if (!v || !strchr(v, ':'))
            return ml_err(why, whylen, -EINVAL, "flow.%s must be \"ip:port\"", keys[i]);
    }
    json_t *proto = json_object_get(flow, "proto");
    if (proto && !json_is_string(proto))
        return ml_err(why, whylen, -EINVAL, "flow.proto must be a string");
    return 0;
}

/* The fields every line (alert, degraded notice, info) must carry. */
static int check_common(json_t *o, char *why, size_t whylen)
{
    json_t *ts = json_object_get(o, "ts");
    if (!json_is_number(ts) || !(json_number_value(ts) > 0) ||
        !isfinite(json_number_value(ts)))
        return ml_err(why, whylen, -EINVAL, "ts missing or not Unix seconds");
    const char *det = json_string_value(json_object_get(o, "detector"));
    if (!det || !*det)
        return ml_err(why, whylen, -EINVAL, "detector missing");
    const char *tech = json_string_value(json_object_get(o, "technique"));
    if (!tech)
        return ml_err(why, whylen, -EINVAL, "technique missing");
    for (size_t i = 0; technique_names[i]; i++)
        if (strcmp(tech, technique_names[i]) == 0)
            return 0;
    return ml_err(why, whylen, -EINVAL, "technique '%.40s' unknown", tech);
}

enum det_line_kind det_classify(const char *line, size_t len, json_t **out, char *why,
                                size_t whylen)
{
    json_error_t je;
    *out = NULL;
    json_t *o = json_loadb(line, len, 0, &je);
    if (!o) {
        ml_err(why, whylen, -EINVAL, "not JSON: %s", je.text);
        return DL_INVALID;
    }
    enum det_line_kind kind = DL_ALERT;
    if (!json_is_object(o)) {
        ml_err(why, whylen, -EINVAL, "not a JSON object");
        goto bad;
    }
    if (check_common(o, why, whylen))
        goto bad;
    if (json_is_true(json_object_get(o, "degraded"))) {
        kind = DL_DEGRADED;
    } else if (json_is_object(json_object_get(o, "info"))) {
        kind = DL_INFO;
    } else {
        json_t *obs = json_object_get(o, "observation");
        if (obs && !json_is_boolean(obs)) {
            ml_err(why, whylen, -EINVAL, "observation must be true or false");
            goto bad;
        }
        if (json_is_true(obs)) {
            kind = DL_OBSERVATION;
            if (!json_is_number(json_object_get(o, "score"))) {
                ml_err(why, whylen, -EINVAL, "an observation needs a numeric score");
                goto bad;
            }
        }
        json_t *pid = json_object_get(o, "pid"), *flow = json_object_get(o, "flow"),
               *score = json_object_get(o, "score");
        if (pid && !json_is_null(pid) &&
            (!json_is_integer(pid) || json_integer_value(pid) < 1 ||
             json_integer_value(pid) > (1 << 30))) {
            ml_err(why, whylen, -EINVAL, "pid must be a positive integer");
            goto bad;
        }
        if (flow && !json_is_null(flow) && check_flow(flow, why, whylen))
            goto bad;
        if (score && !json_is_number(score)) {
            ml_err(why, whylen, -EINVAL, "score must be a number");
            goto bad;
        }
    }
    *out = o;
    return kind;
bad:
    json_decref(o);
    return DL_INVALID;
}

int detector_start(struct detector *d, const char *rundir, const char *iface,
                   char *const *envp, struct jsonl *timeline, char *err, size_t errlen)
{
    char path[4096];
    int p[2] = {-1, -1}, errfd = -1, rc;
    hx_fmt(path, sizeof(path), "%s/detectors/%s.stderr", rundir, d->name);
    /* O_APPEND: when the file is cut back to its cap, writing goes on at
     * the new end rather than leaving a hole. */
    errfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    free(d->err_path);
    d->err_path = strdup(path);
    hx_fmt(path, sizeof(path), "%s/detectors/%s.invalid", rundir, d->name);
    d->invalid_f = fopen(path, "we");
    d->out_fd = -1;
    if (pipe2(p, O_CLOEXEC) != 0) {
        rc = -errno;
        goto out;
    }
    const char *ref_argv[] = {
        d->cmd, "--iface", iface, d->home_net ? "--home-net" : NULL, d->home_net, NULL};
    const char *sh_argv[] = {"/bin/sh", "-c", d->cmd, NULL};
    struct proc_spec spec = {
        d->reference ? ref_argv : sh_argv, envp, NULL, -1, p[1], errfd, NULL};
    rc = proc_spawn(&spec, &d->pid);
    if (rc == 0) {
        proc_watchdog_add_group(d->pid);
        cpum_cost_start(&d->cost, ml_now_unix());
        d->pgid = d->pid;
        d->out_fd = p[0];
        p[0] = -1;
        fcntl(d->out_fd, F_SETFL, O_NONBLOCK);
    }
out:
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
    if (errfd >= 0)
        close(errfd);
    json_t *f = json_pack("{s:s,s:s,s:b}", "detector", d->name, "cmd", d->cmd,
                          "reference", d->reference);
    if (rc) {
        ml_err(err, errlen, rc, "detector %s: cannot start %s: %s", d->name, d->cmd,
               strerror(-rc));
        json_object_set_new(f, "status", json_string(err));
        json_object_set_new(f, "unexpected", json_true());
        timeline_event(timeline, "detector_exit", NULL, f);
        d->pid = 0;
    } else {
        json_object_set_new(f, "pid", json_integer(d->pid));
        timeline_event(timeline, "detector_start", NULL, f);
    }
    return rc;
}

static void keep_invalid(struct detector *d, const char *line, size_t len,
                         const char *why)
{
    d->invalid++;
    if (!d->invalid_f || d->invalid > DET_INVALID_KEEP)
        return;
    size_t show = len > 200 ? 200 : len;
    fprintf(d->invalid_f, "%s: %.*s%s\n", why, (int)show, line,
            len > show ? "..." : "");
    fflush(d->invalid_f);
}

static void handle_line(struct detector *d, const struct det_sink *sink, char *line,
                        size_t len)
{
    char why[160];
    json_t *o = NULL;
    if (len == 0)
        return;
    d->lines++;
    enum det_line_kind kind = det_classify(line, len, &o, why, sizeof(why));
    /* info and degraded lines: each kind capped on its own (a flood of info
     * cannot hide a later degraded notice) */
    unsigned long *kept = kind == DL_INFO ? &d->infos : &d->degradeds;
    if ((kind == DL_INFO || kind == DL_DEGRADED) && (*kept)++ >= DET_NOTICES_KEEP) {
        d->notices_dropped++;
        json_decref(o);
        return;
    }
    switch (kind) {
    case DL_INVALID:
        keep_invalid(d, line, len, why);
        return;
    case DL_INFO: {
        json_t *ready = json_object_get(json_object_get(o, "info"), "ready");
        if (json_is_boolean(ready))
            d->not_ready = !json_is_true(ready);
        timeline_event(sink->timeline, "detector_info", NULL,
                       json_pack("{s:s,s:O}", "detector", d->name, "info",
                                 json_object_get(o, "info")));
        break;
    }
    case DL_DEGRADED:
        d->not_ready = 0; /* it will not get better by waiting */
        timeline_event(sink->timeline, "detector_degraded", NULL,
                       json_pack("{s:s,s:O}", "detector", d->name, "reason",
                                 json_object_get(o, "reason")
                                     ? json_object_get(o, "reason")
                                     : json_null()));
        break;
    case DL_ALERT:
        if (d->alerts >= d->max_alerts) {
            d->dropped++;
            break;
        }
        d->alerts++;
        json_object_set_new(o, "detector_name", json_string(d->name));
        json_object_set_new(o, "recv_ts", json_real(ml_now_unix()));
        jsonl_write(sink->alerts, o);
        return;
    case DL_OBSERVATION: /* below the detector's threshold: never an alert */
        if (!sink->observations || d->observations >= d->max_alerts) {
            d->obs_dropped++;
            break;
        }
        d->observations++;
        json_object_set_new(o, "detector_name", json_string(d->name));
        json_object_set_new(o, "recv_ts", json_real(ml_now_unix()));
        jsonl_write(sink->observations, o);
        return;
    }
    json_decref(o);
}

/* Keeps the stderr file at DET_STDERR_MAX: what grew past it is cut and
 * counted (checked at most twice a second). */
void detector_cap_stderr(struct detector *d)
{
    double now = ml_now_unix();
    if (!d->err_path || now < d->err_next_check)
        return;
    d->err_next_check = now + 0.5;
    struct stat st;
    if (stat(d->err_path, &st) == 0 &&
        (unsigned long long)st.st_size > DET_STDERR_MAX &&
        truncate(d->err_path, DET_STDERR_MAX) == 0)
        d->stderr_dropped += (unsigned long long)st.st_size - DET_STDERR_MAX;
}

struct drain_ctx {
    struct detector *d;
    const struct det_sink *sink;
};

static int drain_line(void *ud, char *line, size_t len)
{
    struct drain_ctx *x = ud;
    handle_line(x->d, x->sink, line, len);
    return 0;
}

/* A line past DET_LINE_MAX: counted and kept as invalid, its rest skipped. */
static int drain_long(void *ud, char *line, size_t len)
{
    struct drain_ctx *x = ud;
    x->d->lines++;
    keep_invalid(x->d, line, len, "line longer than 8192 bytes");
    return 0;
}

int detector_drain(struct detector *d, const struct det_sink *sink, size_t budget)
{
    struct drain_ctx x = {d, sink};
    detector_cap_stderr(d);
    if (!d->out_lines.max_line) { /* the first read */
        linereader_init(&d->out_lines, DET_LINE_MAX);
        linereader_drop_long(&d->out_lines);
        linereader_on_long(&d->out_lines, drain_long);
    }
    char buf[16384];
    while (d->out_fd >= 0 && budget > 0) {
        ssize_t n = read(d->out_fd, buf, sizeof(buf) < budget ? sizeof(buf) : budget);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return 0; /* EAGAIN: nothing more now */
        if (n == 0) {
            linereader_flush(&d->out_lines, drain_line, &x);
            close(d->out_fd);
            d->out_fd = -1;
            return 1;
        }
        budget -= (size_t)n;
        linereader_feed(&d->out_lines, buf, (size_t)n, drain_line, &x, NULL, 0);
    }
    return 0;
}

void detector_exited(struct detector *d, int wstatus, struct jsonl *timeline)
{
    char st[64];
    proc_status_str(wstatus, st, sizeof(st));
    timeline_event(timeline, "detector_exit", NULL,
                   json_pack("{s:s,s:s,s:b}", "detector", d->name, "status", st,
                             "unexpected", !d->stopping));
    if (!d->stopping)
        fprintf(stderr,
                "\nminerlab: detector %s stopped on its own (%s); the run goes on\n",
                d->name, st);
    d->pid = 0;
    /* The leader is gone; take its helpers with it while the group number is still
     * ours. */
    proc_kill_group(d->pgid, SIGKILL);
    proc_watchdog_forget_group(d->pgid);
}

void detector_summary(const struct detector *d, struct jsonl *timeline)
{
    if (d->invalid)
        fprintf(stderr,
                "minerlab: detector %s printed %lu lines that are not protocol alerts "
                "(the first %d, with reasons, in detectors/%s.invalid)\n",
                d->name, d->invalid, DET_INVALID_KEEP, d->name);
    if (d->dropped)
        fprintf(stderr,
                "minerlab: detector %s: %lu alerts over the cap of %lu were counted, "
                "not stored (--max-alerts)\n",
                d->name, d->dropped, d->max_alerts);
    if (d->notices_dropped || d->stderr_dropped)
        fprintf(stderr,
                "minerlab: detector %s: %lu info/degraded lines over the cap of %d "
                "each and "
                "%llu stderr bytes over %u MiB were counted, not stored\n",
                d->name, d->notices_dropped, DET_NOTICES_KEEP, d->stderr_dropped,
                DET_STDERR_MAX >> 20);
    json_t *f =
        json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "detector", d->name, "lines",
                  (json_int_t)d->lines, "alerts", (json_int_t)d->alerts, "invalid",
                  (json_int_t)d->invalid, "dropped", (json_int_t)d->dropped,
                  "notices_dropped", (json_int_t)d->notices_dropped,
                  "stderr_bytes_dropped", (json_int_t)d->stderr_dropped);
    if (d->observations || d->obs_dropped) {
        json_object_set_new(f, "observations",
                            json_integer((json_int_t)d->observations));
        json_object_set_new(f, "observations_dropped",
                            json_integer((json_int_t)d->obs_dropped));
    }
    timeline_event(timeline, "detector_summary", NULL, f);
}

void detector_close(struct detector *d)
{
    if (d->out_fd >= 0)
        close(d->out_fd);
    d->out_fd = -1;
    if (d->invalid_f)
        fclose(d->invalid_f);
    d->invalid_f = NULL;
    linereader_free(&d->out_lines);
    free(d->name);
    free(d->cmd);
    free(d->err_path);
    d->name = d->cmd = d->err_path = NULL;
}

void detector_cost_poll(struct detector *det, size_t n)
{
    static double next;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    size_t live = 0; /* a leader that is gone may leave members holding stdout */
    for (size_t i = 0; i < n; i++)
        live += det[i].pgid && det[i].out_fd >= 0;
    if (!live || now < next)
        return;
    next = now + 1.0;
    struct cpum_stat *v = NULL;
    size_t nv = cpum_read_all(&v);
    for (size_t i = 0; i < n; i++)
        if (det[i].pgid && det[i].out_fd >= 0)
            cpum_cost_sample(&det[i].cost, det[i].pgid, v, nv);
    free(v);
}

int detector_cost_reaped_orphan(struct detector *det, size_t n, pid_t pid,
                                const struct rusage *ru)
{
    for (size_t i = 0; i < n; i++)
        if (cpum_cost_take_orphan(&det[i].cost, pid, ru))
            return 1;
    return 0;
}
