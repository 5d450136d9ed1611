/*
 * runner_loop — the run's event loop: poll the signalfd, the launcher's
 * stdout, the pool and the detectors; reap children; hand what it sees of
 * the open window to runner_watch.c; wait. Also the environments and
 * cgroups of the processes the run starts. Calls nothing in runner.c or
 * runner_scen.c (they call it): the loop sits below both.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hxutil.h"
#include "ml_util.h"
#include "proc.h"
#include "runner_int.h"

char **env_with(char *const *base, const char *const *extra)
{
    size_t nb = 0, ne = 0;
    while (base && base[nb])
        nb++;
    while (extra && extra[ne])
        ne++;
    char **env = calloc(nb + ne + 1, sizeof(*env));
    size_t k = 0;
    if (!env)
        return NULL;
    for (size_t i = 0; i < nb; i++) {
        size_t kl = strcspn(base[i], "=");
        int overridden = 0;
        for (size_t j = 0; j < ne && !overridden; j++)
            overridden = strncmp(extra[j], base[i], kl + 1) == 0;
        if (!overridden)
            env[k++] = strdup(base[i]);
    }
    for (size_t j = 0; j < ne; j++)
        env[k++] = strdup(extra[j]);
    return env;
}

void env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

void runner_reap(struct runner *r)
{
    int st;
    pid_t pid;
    struct rusage ru;
    while ((pid = wait4(-1, &st, WNOHANG, &ru)) > 0) {
        if (pid == r->pool_pid) {
            char s[64];
            proc_status_str(st, s, sizeof(s));
            timeline_event(&r->tl, "pool_exit", NULL, json_pack("{s:s}", "status", s));
            proc_kill_group(pid, SIGKILL);
            proc_watchdog_forget_group(pid);
            r->pool_pid = 0;
            continue;
        }
        int known = 0;
        for (size_t i = 0; i < r->ndet && !known; i++) {
            if (r->det[i].pid == pid) {
                cpum_cost_reaped(&r->det[i].cost, &ru, ml_now_unix());
                detector_exited(&r->det[i], st, &r->tl);
                known = 1;
            }
        }
        if (known || detector_cost_reaped_orphan(r->det, r->ndet, pid, &ru))
            continue;
        if (r->hooks && r->hooks->reaped && r->hooks->reaped(r, r->hook_ctx, pid, st))
            continue; /* one of the caller's own children (a soak's background) */
        watch_on_reaped(r, pid, st); /* launcher, or an orphan we adopted */
    }
}

void runner_poll_signals(struct runner *r)
{
    struct signalfd_siginfo si;
    while (read(r->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
            if (r->stop++ == 0)
                fprintf(stderr,
                        "\nminerlab: %s: stopping children, writing a partial "
                        "report\n",
                        strsignal((int)si.ssi_signo));
        }
    }
}

static void drain_pool(struct runner *r)
{
    char buf[4096];
    while (r->pool_out >= 0) {
        ssize_t n = read(r->pool_out, buf, sizeof(buf));
        if (n > 0)
            continue; /* the pool's stdout only matters at start-up */
        if (n == 0) {
            close(r->pool_out);
            r->pool_out = -1;
        }
        break;
    }
}

/* The run's own records cannot be written (disk full, read-only): running
 * on blind would only produce scenarios nobody can score. Stop like an
 * interruption, say so once, and score what ran. */
static void disk_check(struct runner *r)
{
    const struct jsonl *bad = r->tl.failed       ? &r->tl
                              : r->alerts.failed ? &r->alerts
                                                 : NULL;
    if (!bad || r->disk_full)
        return;
    r->disk_full = 1;
    if (r->stop++ == 0)
        fprintf(stderr,
                "\nminerlab: cannot write %s (disk full?): stopping the run; what ran "
                "so far is scored\n",
                bad->path);
}

void runner_loop_once(struct runner *r, int timeout_ms)
{
    struct pollfd pfd[64];
    size_t n = 0, det_base;
    pfd[n++] = (struct pollfd){r->sfd, POLLIN, 0};
    pfd[n++] = (struct pollfd){r->cur.out_fd, POLLIN, 0};
    pfd[n++] = (struct pollfd){r->pool_out, POLLIN, 0};
    pfd[n++] = (struct pollfd){r->pev_fd, POLLIN, 0};
    det_base = n;
    for (size_t i = 0; i < r->ndet && n < 64; i++)
        pfd[n++] = (struct pollfd){r->det[i].out_fd, POLLIN, 0};
    if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR)
        return;
    if (pfd[0].revents)
        runner_poll_signals(r);
    if (pfd[1].revents)
        watch_read_launcher(r);
    if (pfd[2].revents)
        drain_pool(r);
    if (pfd[3].revents)
        watch_proc_events(r);
    struct det_sink sink = {&r->alerts, &r->tl, &r->obs};
    for (size_t i = 0; i < r->ndet && det_base + i < n; i++) {
        if (!pfd[det_base + i].revents)
            continue;
        unsigned long before = r->det[i].alerts;
        /* 256 KiB per pass: a flooding detector cannot starve the loop. */
        detector_drain(&r->det[i], &sink, 256 * 1024);
        r->alerts_seen += r->det[i].alerts - before;
    }
    for (size_t i = 0; i < r->ndet; i++)
        detector_cap_stderr(&r->det[i]);
    runner_reap(r);
    detector_cost_poll(r->det, r->ndet);
    watch_events_tail(r);
    watch_scan_tree(r);
    watch_progress(r, 0);
    disk_check(r);
    if (r->hooks && r->hooks->tick)
        r->hooks->tick(r, r->hook_ctx);
}

void runner_wait(struct runner *r, double seconds)
{
    double end = runner_now() + seconds;
    while (!r->stop) {
        double left = end - runner_now();
        if (left <= 0)
            break;
        runner_loop_once(r, left > 0.25 ? 250 : (int)(left * 1000) + 1);
    }
}

void runner_cgroup(struct runner *r, const char *name, char *out, size_t len)
{
    out[0] = '\0';
    if (!r->cgroup[0])
        return;
    char dir[4096];
    hx_fmt(dir, sizeof(dir), "%s/%s", r->cgroup, name);
    proc_state_add("cgroup", dir);
    if (mkdir(dir, 0755) == 0 || errno == EEXIST)
        hx_fmt(out, len, "%s", dir);
}
