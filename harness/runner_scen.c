/* One scenario: launcher checks, the launch, the window, the end and the cleanup
 * (what is seen inside the window: runner_watch.c). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hxutil.h"
#include "labdnslog.h"
#include "ml_util.h"
#include "proc.h"
#include "proc_events.h"
#include "runner_int.h"

static void scen_cleanup(struct runner *r, const struct scenario *sc,
                         const char *sandbox);

/* A lab Monero-format address: 95 base58 characters starting with 4. */
static const char lab_wallet[] = "4AMinerLabTestMinerLabTestMinerLabTestMinerLabTestMin"
                                 "erLabTestMinerLabTestMinerLabTest"
                                 "MinerLabT";

#define ENV_MAX 32 /* a malicious cloud scenario with the lab internet sets 25; a fleet 27 */

struct env_buf {
    char s[ENV_MAX][4200];
    const char *v[ENV_MAX + 1];
    size_t n;
};

static void env_add(struct env_buf *e, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void env_add(struct env_buf *e, const char *k, const char *fmt, ...)
{
    if (e->n >= ENV_MAX)
        return;
    va_list ap;
    int n = snprintf(e->s[e->n], sizeof(e->s[0]), "%s=", k);
    va_start(ap, fmt);
    vsnprintf(e->s[e->n] + n, sizeof(e->s[0]) - (size_t)n, fmt, ap);
    va_end(ap);
    e->v[e->n] = e->s[e->n];
    e->v[++e->n] = NULL;
}

/* A malicious scenario in the lab internet: the pool by its name at the lab
 * DNS (ML_POOL_HOST keeps the address, for launchers that must not resolve
 * names themselves), the lab DNS and the lab net the miner is given. */
/*
 * The pool URL a malicious scenario's miner gets: in the lab internet the
 * pool is a name from the catalogue (scenario's pool_domain, or the default)
 * on the scenario's port; otherwise the pool's address on loopback or the
 * lab link.
 */
static void scen_pool_url(const struct runner *r, const struct scenario *sc, char *out,
                          size_t len)
{
    const char *tr = sc->has_miner ? sc->miner.transport : "tcp";
    /* wss:// needs the lab internet's certificates; on loopback it is ws://. */
    int wss = !strcmp(tr, "wss") && r->inet.up,
        ws = !strcmp(tr, "ws") || !strcmp(tr, "wss");
    const char *scheme = !strcmp(tr, "tls") ? "stratum+ssl"
                         : wss              ? "wss"
                         : ws               ? "ws"
                                            : "stratum+tcp";
    int lab = r->lab_up && scenario_requires(sc, "netns") && !r->inet.up;
    unsigned port = !strcmp(tr, "tls") ? (lab ? r->port_lab_tls : r->port_tls)
                    : wss              ? LABINET_PORT_WSS
                    : ws               ? (lab ? r->port_lab_ws : r->port_ws)
                                       : (lab ? r->port_lab : r->port_tcp);
    const char *host = lab ? r->lab_host : "127.0.0.1";
    if (r->inet.up) {
        host = scen_pool_name(sc);
        if (sc->miner.pool_port) /* e.g. tls on 443, mining disguised as HTTPS */
            port = sc->miner.pool_port;
    }
    hx_fmt(out, len, "%s://%s:%u", scheme, host, port);
}

/* The launcher contract's environment for scenario sc. */
static char **scen_env(struct runner *r, const struct scenario *sc, const char *sandbox,
                       int secrets)
{
    static struct env_buf e; /* large; one scenario at a time */
    const struct runner_config *c = r->cfg;
    const char *tr = sc->has_miner ? sc->miner.transport : "tcp";
    int lab = r->lab_up && scenario_requires(sc, "netns") && !r->inet.up;
    const char *host = r->inet.up ? r->inet.pool : lab ? r->lab_host : "127.0.0.1";
    unsigned tcp = lab ? r->port_lab : r->port_tcp;
    unsigned tls = lab ? r->port_lab_tls : r->port_tls;
    unsigned ws = lab ? r->port_lab_ws : r->port_ws;
    e.n = 0;
    e.v[0] = NULL;
    env_add(&e, "ML_BIN_DIR", "%s", c->bin_dir);
    env_add(&e, "ML_MINER", "%s/minerlab-miner", c->bin_dir);
    env_add(&e, "ML_SOURCE_DIR", "%s", c->source_dir);
    env_add(&e, "ML_SCENARIO_ID", "%s", sc->id);
    env_add(&e, "ML_SANDBOX", "%s", sandbox ? sandbox : "");
    env_add(&e, "ML_STATE_FILE", "%s", proc_state_path());
    env_add(&e, "ML_DURATION", "%u", sc->duration_s);
    env_add(&e, "ML_POOL_HOST", "%s", host);
    env_add(&e, "ML_POOL_PORT_TCP", "%u", tcp);
    env_add(&e, "ML_POOL_PORT_TLS", "%u", tls);
    env_add(&e, "ML_POOL_PORT_WS", "%u", ws);
    /*
     * Nothing planted: the wallet and the pool URL are never in any
     * environment. A malicious launcher's `start` reads them from its stdin
     * (scen_secrets) and hands them to the miner the way its attack does.
     */
    if (secrets && scenario_is_malicious(sc))
        env_add(&e, "ML_SECRETS_STDIN", "1");
    if (scenario_is_malicious(sc) && r->inet.up) {
        /* The lab internet: the pool is a name at the lab DNS (the name
         * itself travels with the secrets). */
        env_add(&e, "ML_LAB_DNS", "%s", r->inet.dns);
        env_add(&e, "ML_LAB_NET", "%s", r->inet.net);
        /* The web host (a compromised website) by name, and the run's lab CA
         * for a browser to trust for this run only. */
        if (r->inet.web_name[0])
            env_add(&e, "ML_LAB_WEB", "%s", r->inet.web_name);
        env_add(&e, "ML_LAB_CA", "%s", r->inet.ca);
    }
    if (!scenario_is_malicious(sc) && r->inet.up) {
        /* Benign network services run in the lab internet too, so the
         * sensors on the uplink see them as they see the pool. */
        env_add(&e, "ML_INET_NETNS", "%s", r->inet.netns);
        env_add(&e, "ML_INET_WEB", "%s", r->inet.web);
    }
    if (sc->fleet_hosts) {
        /* A fleet (fleet.sh) joins its NAT gateway to the lab internet's LAN. */
        env_add(&e, "ML_FLEET_HOSTS", "%u", sc->fleet_hosts);
        if (r->inet.up)
            env_add(&e, "ML_INET_ID", "%s", r->lab_id);
    }
    if (r->lab_up) {
        env_add(&e, "ML_LAB_HOST", "%s", r->lab_host);
        env_add(&e, "ML_LAB_NETNS", "%s", r->lab_netns);
        env_add(&e, "ML_LAB_CIDR", "%s", r->lab_cidr);
    }
    const struct scen_miner *m = &sc->miner;
    env_add(&e, "ML_THREADS", "%u", sc->has_miner ? m->threads : 1);
    env_add(&e, "ML_DUTY", "%u",
            sc->has_miner ? (m->has_ramp ? m->ramp.from_pct : m->duty_pct) : 100);
    if (sc->has_miner && m->has_ramp)
        env_add(&e, "ML_RAMP", "%u:%u:%u", m->ramp.from_pct, m->ramp.to_pct,
                m->ramp.seconds);
    else
        env_add(&e, "ML_RAMP", "%s", "");
    env_add(&e, "ML_MODE", "%s", sc->has_miner ? m->mode : "light");
    env_add(&e, "ML_TRANSPORT", "%s", tr);
    env_add(&e, "ML_NAME", "%s", sc->has_miner && m->name ? m->name : "");
    env_add(&e, "ML_CONFIG", "%s", sc->has_miner ? m->config : "args");
    env_add(&e, "ML_COMMAND", "%s", sc->command ? sc->command : "");
    char **env = env_with(r->env, e.v);
    explicit_bzero(&e, sizeof(e)); /* scrub what is no longer needed */
    return env;
}

/*
 * The pipe a malicious launcher's `start` reads its secrets from:
 * "ML_WALLET=...\nML_POOL_URL=...\n", then EOF. Returns the read end, or -1
 * (benign scenarios get nothing; their stdin is /dev/null).
 */
static int scen_secrets(struct runner *r, const struct scenario *sc)
{
    if (!scenario_is_malicious(sc))
        return -1;
    char url[300], buf[512];
    scen_pool_url(r, sc, url, sizeof(url));
    int p[2], n = snprintf(buf, sizeof(buf), "ML_WALLET=%s\nML_POOL_URL=%s\n",
                           lab_wallet, url);
    explicit_bzero(url, sizeof(url));
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    /* Far below the pipe's capacity: the write cannot block. */
    ssize_t w = write(p[1], buf, (size_t)n);
    explicit_bzero(buf, sizeof(buf));
    close(p[1]);
    if (w != n) {
        close(p[0]);
        return -1;
    }
    return p[0];
}

static void launcher_path(const struct runner *r, const struct scenario *sc, char *out,
                          size_t len)
{
    hx_fmt(out, len, "%s/%s.sh", r->cfg->launch_dir, sc->launcher);
}

/* 1 when path, links followed, is a file directly inside the launch dir (the
 * loader already allows only [a-z0-9-]+ names; this also stops a link that
 * points elsewhere). */
static int launcher_inside(const struct runner *r, const char *path)
{
    char dir[PATH_MAX], real[PATH_MAX];
    if (!realpath(r->cfg->launch_dir, dir) || !realpath(path, real))
        return 0;
    size_t n = strlen(dir);
    return strncmp(real, dir, n) == 0 && real[n] == '/' && !strchr(real + n + 1, '/');
}

/* 1 when an executable named cmd is on PATH. */
static int on_path(const char *cmd)
{
    const char *path = getenv("PATH");
    char dir[4096], full[4400];
    while (path && *path) {
        size_t n = strcspn(path, ":");
        hx_fmt(dir, sizeof(dir), "%.*s", (int)n, path);
        hx_fmt(full, sizeof(full), "%s/%s", dir[0] ? dir : ".", cmd);
        if (access(full, X_OK) == 0)
            return 1;
        path += n + (path[n] == ':');
    }
    return 0;
}

/*
 * Requirements the harness can judge by itself (the launcher's `check`
 * judges the rest): root, and the tools a scenario names. NULL when met.
 */
static const char *unmet_requirement(const struct scenario *sc)
{
    static const char *const tools[][3] = {{"chromium", "chromium", "chromium-browser"},
                                           {"tshark", "tshark", NULL},
                                           {"yara", "yara", NULL}};
    if ((scenario_requires(sc, "root") || scenario_requires(sc, "netns") ||
         scenario_requires(sc, "cgroup")) &&
        geteuid() != 0)
        return "needs root (requires: root/netns/cgroup)";
    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
        if (scenario_requires(sc, tools[i][0]) && !on_path(tools[i][1]) &&
            !(tools[i][2] && on_path(tools[i][2])))
            return tools[i][0][0] == 'c'   ? "needs chromium (not installed)"
                   : tools[i][0][0] == 't' ? "needs tshark (not installed)"
                                           : "needs yara (not installed)";
    return NULL;
}

void scen_prepare_checks(struct runner *r)
{
    for (size_t i = 0; i < r->cfg->nscen && (runner_poll_signals(r), !r->stop); i++) {
        const struct scenario *sc = r->cfg->scen[i];
        char path[4096], last[512], reason[4700];
        launcher_path(r, sc, path, sizeof(path));
        const char *unmet = unmet_requirement(sc);
        if (unmet) {
            r->skip_reason[i] = strdup(unmet);
            continue;
        }
        if (access(path, X_OK) != 0) {
            hx_fmt(reason, sizeof(reason), "launcher %s: %s", path, strerror(errno));
            r->skip_reason[i] = strdup(reason);
            continue;
        }
        if (!launcher_inside(r, path)) {
            hx_fmt(reason, sizeof(reason), "launcher %s resolves outside %s", path,
                   r->cfg->launch_dir);
            r->skip_reason[i] = strdup(reason);
            continue;
        }
        char **env = scen_env(r, sc, NULL, 0);
        const char *argv[] = {path, "check", NULL};
        int rc = proc_run_sync(argv, env, r->cfg->run_dir, 15, -1, last, sizeof(last));
        env_free(env);
        if (rc == 0)
            continue;
        if (rc == 77)
            hx_fmt(reason, sizeof(reason), "%s", last[0] ? last : "launcher check: 77");
        else
            hx_fmt(reason, sizeof(reason), "launcher check failed (%s): %s",
                   rc < 0 ? strerror(-rc) : "non-zero exit", last);
        r->skip_reason[i] = strdup(reason);
    }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path); /* -1 stops the walk; scen_cleanup records it */
}

static void last_line_of(const char *path, char *out, size_t len)
{
    char buf[1024];
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    char *nl = strrchr(buf, '\n');
    hx_fmt(out, len, "%s", nl ? nl + 1 : buf);
}

/* Kills what is left of the scenario: its group and every pid of its tree. */
static void kill_workload(struct runner *r, pid_t pgid)
{
    struct run_scen *c = &r->cur;
    /* Pids of the tree are signalled only while they still carry our token:
     * a pid that exited may have been reused by someone else's process. */
    proc_kill_group(pgid, SIGTERM);
    for (size_t i = 0; i < c->ntree; i++)
        if (proc_has_token(c->tree[i], r->token))
            kill(c->tree[i], SIGTERM);
    double end = runner_now() + (r->stop ? 0.4 : 1.0);
    while (runner_now() < end) {
        int alive = kill(-pgid, 0) == 0;
        for (size_t i = 0; i < c->ntree && !alive; i++)
            alive = proc_has_token(c->tree[i], r->token);
        if (!alive)
            break;
        runner_loop_once(r, 50);
    }
    proc_kill_group(pgid, SIGKILL);
    for (size_t i = 0; i < c->ntree; i++)
        if (proc_has_token(c->tree[i], r->token))
            kill(c->tree[i], SIGKILL);
    /* Everything the scenario started, whatever its environment or group. */
    if (c->cgroup[0] && proc_cgroup_kill(c->cgroup, 2.0) == 0)
        proc_cgroup_remove(c->cgroup);
}

static void scen_finish(struct runner *r, const char *dir, int at_deadline)
{
    struct run_scen *c = &r->cur;
    char errpath[4096], last[512], reason[700] = "";
    const char *status = "ran";
    hx_fmt(errpath, sizeof(errpath), "%s/launcher.stderr", dir);
    last_line_of(errpath, last, sizeof(last));
    int st = c->launcher_status;
    if (r->stop) {
        status = "interrupted";
        hx_fmt(reason, sizeof(reason), "%s",
               r->disk_full ? "harness stopped: disk full"
                            : "harness stopped by a signal");
    } else if (at_deadline) {
        hx_fmt(reason, sizeof(reason),
               "launcher still running at window end + 5 s; killed");
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
        status = "skipped";
        hx_fmt(reason, sizeof(reason), "%s", last[0] ? last : "launcher exit 77");
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char s[32];
        proc_status_str(st, s, sizeof(s));
        status = "failed";
        hx_fmt(reason, sizeof(reason), "launcher %s: %s", s,
               last[0] ? last : "(no stderr)");
    }
    json_t *f = json_pack(
        "{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "status", status, "pids", (json_int_t)c->ntree,
        "connections", (json_int_t)c->conns, "logins", (json_int_t)c->logins,
        "shares_accepted", (json_int_t)c->shares_ok, "shares_unverified",
        (json_int_t)c->shares_unverified, "shares_rejected", (json_int_t)c->shares_bad);
    if (reason[0])
        json_object_set_new(f, "reason", json_string(reason));
    if (c->has_cpu && c->end > c->start && c->cpu1_usec >= c->cpu0_usec) {
        /* Everything the scenario ran over its window, relative to the
         * cores the harness may use (docs/scoring.md, "Workload CPU"). */
        double cpu_s = (double)(c->cpu1_usec - c->cpu0_usec) / 1e6;
        double cores = cpum_allowed_cores(getpid());
        json_object_set_new(f, "cpu_s", json_real(cpu_s));
        json_object_set_new(f, "cpu_cores", json_real(cores));
        json_object_set_new(f, "cpu_pct",
                            json_real(cpum_share_pct(cpu_s, c->end - c->start, cores)));
    }
    timeline_event(&r->tl, "scenario_end", c->sc->id, f);
    if (strcmp(status, "ran"))
        fprintf(stderr, "%sminerlab: %s %s: %s\n",
                r->cfg->progress_tty ? "\r\033[K" : "", c->sc->id, status, reason);
}

void scen_cleanup_pending(struct runner *r)
{
    if (r->pending_cleanup < 0)
        return;
    const struct scenario *sc = r->cfg->scen[r->pending_cleanup];
    char sandbox[4200];
    hx_fmt(sandbox, sizeof(sandbox), "%s/scenarios/%s/sandbox", r->cfg->run_dir,
           sc->id);
    r->pending_cleanup = -1;
    scen_cleanup(r, sc, sandbox);
}

static void scen_cleanup(struct runner *r, const struct scenario *sc,
                         const char *sandbox)
{
    char path[4096], last[512];
    launcher_path(r, sc, path, sizeof(path));
    char **env = scen_env(r, sc, sandbox, 0);
    const char *argv[] = {path, "cleanup", NULL};
    int rc = proc_run_sync(argv, env, r->cfg->run_dir, r->stop ? 1.0 : 20, -1, last,
                           sizeof(last));
    env_free(env);
    if (rc != 0)
        timeline_event(&r->tl, "cleanup_failed", sc->id,
                       json_pack("{s:i,s:s}", "status", rc, "last_err", last));
    if (nftw(sandbox, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT) {
        /* Something the launcher left cannot be removed: say so, never hide it. */
        fprintf(stderr, "minerlab: cannot remove sandbox %s: %s\n", sandbox,
                strerror(errno));
        timeline_event(
            &r->tl, "cleanup_failed", sc->id,
            json_pack("{s:s,s:s}", "sandbox", sandbox, "error", strerror(errno)));
    }
}

static void scen_reset(struct runner *r)
{
    struct run_scen *c = &r->cur;
    if (c->out_fd >= 0)
        close(c->out_fd);
    unsigned long *inodes = c->inodes, *seen = c->seen_socks;
    size_t cap = c->capinodes, capseen = c->capseen_socks;
    unsigned long *nat = c->nat_seen;
    size_t capnat = c->capnat_seen;
    linereader_free(&c->out_lines); /* a partial line of the last launcher */
    struct linereader lines = c->out_lines;
    memset(c, 0, sizeof(*c));
    c->inodes = inodes;
    c->capinodes = cap;
    c->seen_socks = seen;
    c->capseen_socks = capseen;
    c->nat_seen = nat;
    c->capnat_seen = capnat;
    c->out_lines = lines;
    c->idx = -1;
    c->out_fd = -1;
}

void scen_run(struct runner *r, size_t idx)
{
    const struct scenario *sc = r->cfg->scen[idx];
    char dir[4096], sandbox[4200], errpath[4300], path[4096];
    if (r->skip_reason[idx]) {
        timeline_event(
            &r->tl, "scenario_end", sc->id,
            json_pack("{s:s,s:s}", "status", "skipped", "reason", r->skip_reason[idx]));
        fprintf(stderr, "%sminerlab: %s skipped: %s\n",
                r->cfg->progress_tty ? "\r\033[K" : "", sc->id, r->skip_reason[idx]);
        r->done++;
        return;
    }
    hx_fmt(dir, sizeof(dir), "%s/scenarios/%s", r->cfg->run_dir, sc->id);
    hx_fmt(sandbox, sizeof(sandbox), "%s/sandbox", dir);
    hx_fmt(errpath, sizeof(errpath), "%s/launcher.stderr", dir);
    mkdir(dir, 0755);
    proc_state_add("sandbox", sandbox);
    mkdir(sandbox, 0700);
    char cgname[32];
    hx_fmt(cgname, sizeof(cgname), "w%zu", idx);
    launcher_path(r, sc, path, sizeof(path));
    int p[2] = {-1, -1};
    int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char **env = scen_env(r, sc, sandbox, 1);
    const char *argv[] = {path, "start", NULL};
    struct run_scen *c = &r->cur;
    char cg[300];
    runner_cgroup(r, cgname, cg, sizeof(cg));
    int rc = pipe2(p, O_CLOEXEC) ? -errno : 0;
    int secrets = scen_secrets(r, sc);
    struct proc_spec spec = {argv, env, sandbox, secrets, p[1], efd, cg[0] ? cg : NULL};
    pid_t pid = 0;
    if (!rc && scenario_is_malicious(sc) && secrets < 0)
        rc = -EPIPE;
    if (!rc)
        rc = proc_spawn(&spec, &pid);
    if (secrets >= 0)
        close(secrets);
    env_free(env);
    if (efd >= 0)
        close(efd);
    if (p[1] >= 0)
        close(p[1]);
    if (rc) {
        if (p[0] >= 0)
            close(p[0]);
        timeline_event(
            &r->tl, "scenario_end", sc->id,
            json_pack("{s:s,s:s}", "status", "failed", "reason", strerror(-rc)));
        r->done++;
        return;
    }
    proc_watchdog_add_group(pid);
    hx_fmt(c->cgroup, sizeof(c->cgroup), "%s", cg);
    c->idx = (long)idx;
    c->sc = sc;
    c->launcher = pid;
    c->out_fd = p[0];
    fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
    c->start = ml_now_unix();
    c->duty.window_start = c->start;
    c->has_cpu = cg[0] && proc_cgroup_cpu_usec(cg, &c->cpu0_usec) == 0;
    timeline_event(&r->tl, "scenario_start", sc->id,
                   json_pack("{s:i,s:s,s:i}", "launcher_pid", (int)pid, "launcher",
                             sc->launcher, "duty_pct", (int)scenario_nominal_duty(sc)));
    watch_tree_add(r, pid, getpid(), NULL, "launcher");
    if (sc->has_miner)
        timeline_event(
            &r->tl, "duty", sc->id,
            json_pack("{s:f}", "duty_pct", (double)scenario_nominal_duty(sc)));
    watch_progress(r, !r->cfg->progress_tty);
    double deadline = runner_now() + sc->duration_s + 5;
    int at_deadline = 0;
    while (!r->stop && c->launcher) {
        if (runner_now() > deadline) {
            at_deadline = 1;
            break;
        }
        runner_loop_once(r, 250);
    }
    watch_scan_tree(r);
    watch_labdns_tail(r); /* the window's last queries */
    c->end = ml_now_unix();
    if (c->has_cpu && proc_cgroup_cpu_usec(c->cgroup, &c->cpu1_usec) != 0)
        c->has_cpu = 0;
    cpum_duty_finish(&c->duty, &r->tl, sc, c->end);
    kill_workload(r, pid);
    for (int i = 0; i < 20 && c->launcher; i++)
        runner_loop_once(r, 10);
    watch_read_launcher(r);
    if (kill(-pid, 0) != 0) /* group empty: its number may be reused from now on */
        proc_watchdog_forget_group(pid);
    scen_finish(r, dir, at_deadline);
    if (r->stop)
        r->pending_cleanup = (long)idx; /* after detectors and pool are down */
    else
        scen_cleanup(r, sc, sandbox);
    scen_reset(r);
    r->done++;
}

int scen_bg_start(struct runner *r, size_t idx, const char *dir, const char *cgname,
                  pid_t *pid, char *cg, size_t cglen)
{
    const struct scenario *sc = r->cfg->scen[idx];
    char sandbox[4200], errpath[4300], path[4096];
    hx_fmt(sandbox, sizeof(sandbox), "%s/sandbox", dir);
    hx_fmt(errpath, sizeof(errpath), "%s/launcher.stderr", dir);
    mkdir(dir, 0755);
    proc_state_add("sandbox", sandbox);
    mkdir(sandbox, 0700);
    launcher_path(r, sc, path, sizeof(path));
    runner_cgroup(r, cgname, cg, cglen);
    int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char **env = scen_env(r, sc, sandbox, 0);
    const char *argv[] = {path, "start", NULL};
    struct proc_spec spec = {argv, env, sandbox, -1, -1, efd, cg[0] ? cg : NULL};
    int rc = proc_spawn(&spec, pid);
    env_free(env);
    if (efd >= 0)
        close(efd);
    if (rc)
        return rc;
    proc_watchdog_add_group(*pid);
    /* Its tree is the lab's, never an episode's (is_infrastructure). The
     * launcher itself is the lab's, as a run's launcher is; what it starts
     * is the background workload. */
    runner_lab_add(r, *pid, "background-launcher");
    return 0;
}

void scen_bg_stop(struct runner *r, size_t idx, pid_t pid, const char *cg,
                  const char *dir)
{
    char sandbox[4200];
    if (pid > 0) {
        proc_kill_group(pid, SIGTERM);
        double end = runner_now() + (r->stop ? 0.4 : 1.0);
        while (kill(-pid, 0) == 0 && runner_now() < end)
            runner_loop_once(r, 50);
        proc_kill_group(pid, SIGKILL);
    }
    if (cg && cg[0] && proc_cgroup_kill(cg, 2.0) == 0)
        rmdir(cg);
    if (pid > 0 && kill(-pid, 0) != 0)
        proc_watchdog_forget_group(pid);
    hx_fmt(sandbox, sizeof(sandbox), "%s/sandbox", dir);
    scen_cleanup(r, r->cfg->scen[idx], sandbox);
}
