/* One scenario: launcher checks, the window, its process tree and connections. */
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

struct env_buf {
    char s[24][4200];
    const char *v[25];
    size_t n;
};

static void env_add(struct env_buf *e, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void env_add(struct env_buf *e, const char *k, const char *fmt, ...)
{
    if (e->n >= 24)
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
    const char *scheme = !strcmp(tr, "tls")  ? "stratum+ssl"
                         : !strcmp(tr, "ws") ? "ws"
                                             : "stratum+tcp";
    int lab = r->lab_up && scenario_requires(sc, "netns") && !r->inet.up;
    unsigned port = !strcmp(tr, "tls")  ? (lab ? r->port_lab_tls : r->port_tls)
                    : !strcmp(tr, "ws") ? (lab ? r->port_lab_ws : r->port_ws)
                                        : (lab ? r->port_lab : r->port_tcp);
    const char *host = lab ? r->lab_host : "127.0.0.1";
    if (r->inet.up) {
        host = sc->miner.pool_domain ? sc->miner.pool_domain : SCEN_DEFAULT_POOL_DOMAIN;
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

static int tree_has(const struct run_scen *c, pid_t pid)
{
    for (size_t i = 0; i < c->ntree; i++)
        if (c->tree[i] == pid)
            return 1;
    return 0;
}

static void tree_add(struct runner *r, pid_t pid, pid_t ppid, const char *comm,
                     const char *role)
{
    struct run_scen *c = &r->cur;
    if (tree_has(c, pid) || c->ntree >= RUN_MAX_TREE)
        return;
    c->tree[c->ntree++] = pid;
    json_t *f = json_pack("{s:i,s:s}", "pid", (int)pid, "role", role);
    if (ppid > 0)
        json_object_set_new(f, "ppid", json_integer(ppid));
    if (comm)
        json_object_set_new(f, "comm", json_string(comm));
    timeline_event(&r->tl, "pid", c->sc->id, f);
}

/* Processes that are the harness's own helpers, never the workload. */
static int is_infrastructure(const struct runner *r, const struct proc_info *p)
{
    if ((r->pool_pid && p->pgid == r->pool_pid) || p->pid == proc_watchdog_pid() ||
        runner_lab_role(r, p->pid))
        return 1;
    for (size_t i = 0; i < r->ndet; i++)
        if (r->det[i].pgid && p->pgid == r->det[i].pgid)
            return 1;
    return 0;
}

static int cmp_inode(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return (x > y) - (x < y);
}

static int sock_seen(struct run_scen *c, unsigned long inode)
{
    for (size_t i = 0; i < c->nseen_socks; i++)
        if (c->seen_socks[i] == inode)
            return 1;
    if (c->nseen_socks == c->capseen_socks) {
        size_t nc = c->capseen_socks ? c->capseen_socks * 2 : 64;
        unsigned long *p = realloc(c->seen_socks, nc * sizeof(*p));
        if (!p)
            return 1;
        c->seen_socks = p;
        c->capseen_socks = nc;
    }
    c->seen_socks[c->nseen_socks++] = inode;
    return 0;
}

/*
 * Records every TCP/UDP socket the tree holds (v4 and v6; connecting,
 * accepted, listening, bound) as the scenario's flows, benign ones too, so
 * a network alert on a benign workload's flow is scored as a false positive.
 * Sockets are looked up in each network namespace the tree lives in.
 */
static void record_sockets(struct runner *r)
{
    struct run_scen *c = &r->cur;
    if (!c->ninodes)
        return;
    qsort(c->inodes, c->ninodes, sizeof(*c->inodes), cmp_inode);
    char seen_ns[8][64];
    size_t nns = 0;
    struct pev_sock *socks = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < c->ntree && nns < 8; i++) {
        char path[64], ns[64];
        if (c->gone[i])
            continue;
        hx_fmt(path, sizeof(path), "/proc/%d/ns/net", (int)c->tree[i]);
        ssize_t len = readlink(path, ns, sizeof(ns) - 1);
        if (len <= 0)
            continue;
        ns[len] = '\0';
        size_t k = 0;
        while (k < nns && strcmp(seen_ns[k], ns))
            k++;
        if (k < nns)
            continue;
        hx_fmt(seen_ns[nns++], sizeof(seen_ns[0]), "%s", ns);
        pev_sockets(c->tree[i], c->inodes, c->ninodes, &socks, &n, &cap);
    }
    for (size_t i = 0; i < n; i++) {
        const struct pev_sock *k = &socks[i];
        if (sock_seen(c, k->inode))
            continue;
        /* Not connected (listening, unbound UDP): "*" matches any peer. */
        timeline_event(&r->tl, "conn", c->sc->id,
                       json_pack("{s:s,s:s,s:s,s:s,s:b}", "src", k->local, "dst",
                                 k->remote[0] ? k->remote : "*", "proto", k->proto,
                                 "via", "socket", "listening", k->listening));
    }
    free(socks);
}

static void refresh_inodes(struct runner *r)
{
    struct run_scen *c = &r->cur;
    c->ninodes = 0;
    for (size_t i = 0; i < c->ntree; i++)
        if (!c->gone[i])
            proc_socket_inodes(c->tree[i], &c->inodes, &c->ninodes, &c->capinodes);
    record_sockets(r);
}

static void on_proc_event(const struct pev *e, void *ctx)
{
    struct runner *r = ctx;
    struct run_scen *c = &r->cur;
    if (e->kind == PEV_EXIT && c->idx >= 0) {
        for (size_t i = c->ntree; i-- > 0;)
            if (c->tree[i] == e->pid) {
                c->gone[i] = 1;
                break;
            }
        return;
    }
    if (e->kind != PEV_FORK)
        return;
    if (c->idx >= 0 && c->end == 0 && tree_has(c, e->ppid)) {
        char comm[32] = "", path[64];
        hx_fmt(path, sizeof(path), "/proc/%d/comm", (int)e->pid);
        FILE *f = fopen(path, "re");
        if (f) {
            if (fgets(comm, sizeof(comm), f))
                comm[strcspn(comm, "\n")] = '\0';
            fclose(f);
        }
        for (size_t i = 0; i < c->ntree; i++) /* a number reused inside the tree */
            if (c->tree[i] == e->pid)
                c->gone[i] = 0;
        tree_add(r, e->pid, e->ppid, comm[0] ? comm : NULL, "fork");
        c->next_scan = 0; /* look at its sockets soon */
        return;
    }
    const char *role = runner_lab_role(r, e->ppid);
    if (!role || (c->idx >= 0 && e->pid == c->launcher))
        return;
    /* Children of the lab are the lab: a detector's tools, the harness's helpers. */
    if (!strcmp(role, "harness"))
        role = "harness-helper";
    else if (!strcmp(role, "detector"))
        role = "detector-child";
    runner_lab_add(r, e->pid, role);
}

void scen_proc_events(struct runner *r)
{
    if (r->pev_fd < 0)
        return;
    if (pev_read(r->pev_fd, on_proc_event, r) == -ENOBUFS) {
        /* Events were lost: fall back on one /proc scan now. */
        r->cur.next_scan = 0;
        timeline_event(&r->tl, "proc_events_lost", NULL, json_object());
    }
}

void scen_scan_tree(struct runner *r)
{
    struct run_scen *c = &r->cur;
    double now = runner_now();
    if (c->idx < 0 || c->end > 0 || now < c->next_scan)
        return;
    /* The proc connector sees every fork; the scan is for sockets and the fallback. */
    c->next_scan = now + (r->pev_fd >= 0 ? 0.5 : 1.0);
    scen_proc_events(r);
    struct proc_snapshot s = {0};
    if (proc_snapshot_take(&s) == 0) {
        pid_t self = getpid();
        for (int pass = 0, grew = 1; grew && pass < 8; pass++) {
            grew = 0;
            for (size_t i = 0; i < s.n; i++) {
                const struct proc_info *p = &s.v[i];
                if (tree_has(c, p->pid) || is_infrastructure(r, p))
                    continue;
                const char *role = NULL;
                if (tree_has(c, p->ppid))
                    role = "child";
                else if (p->pgid == c->tree[0])
                    role = "group";
                else if (p->ppid == self)
                    role = "adopted";
                if (role) {
                    tree_add(r, p->pid, p->ppid, p->comm, role);
                    grew = 1;
                }
            }
        }
    }
    proc_snapshot_free(&s);
    refresh_inodes(r);
    cpum_duty_poll(&c->duty, &r->tl, c->sc, ml_now_unix());
    if (c->sc->has_miner && c->sc->miner.has_ramp && now >= c->next_duty_ts) {
        const struct scen_ramp *rp = &c->sc->miner.ramp;
        double duty = ml_ramp_pct(rp->from_pct, rp->to_pct, rp->seconds,
                                  ml_now_unix() - c->start);
        timeline_event(&r->tl, "duty", c->sc->id, json_pack("{s:f}", "duty_pct", duty));
        c->next_duty_ts = now + 5;
    }
}

/* One line of the launcher's stdout: "ML-PID PID ROLE" joins the tree. */
static int launcher_line(void *ud, char *line, size_t len)
{
    struct runner *r = ud;
    struct run_scen *c = &r->cur;
    int pid;
    char role[32];
    (void)len;
    if (c->idx >= 0 && sscanf(line, "ML-PID %d %31s", &pid, role) == 2 && pid > 1) {
        if (!strcmp(role, "miner") && !c->miner_seen) {
            c->miner_seen = 1;
            timeline_event(&r->tl, "miner_start", c->sc->id,
                           json_pack("{s:i}", "pid", pid));
        }
        if (!strcmp(role, "miner")) /* measured duty follows the miner */
            cpum_duty_add(&c->duty, pid, ml_now_unix());
        if (tree_has(c, pid)) /* seen at its fork: record what it is */
            timeline_event(&r->tl, "pid", c->sc->id,
                           json_pack("{s:i,s:s}", "pid", pid, "role", role));
        tree_add(r, pid, 0, NULL, role);
    }
    return 0;
}

void scen_read_launcher(struct runner *r)
{
    struct run_scen *c = &r->cur;
    char buf[512];
    while (c->out_fd >= 0) {
        ssize_t n = read(c->out_fd, buf, sizeof(buf));
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(c->out_fd);
                c->out_fd = -1;
            }
            return;
        }
        linereader_feed(&c->out_lines, buf, (size_t)n, launcher_line, r, NULL, 0);
    }
}

void scen_on_reaped(struct runner *r, pid_t pid, int status)
{
    if (r->cur.idx >= 0 && pid == r->cur.launcher) {
        r->cur.launcher_status = status;
        r->cur.launcher = 0;
    }
}

/* Attributes one conn_open from the pool to the open scenario. */
static void attribute_conn(struct runner *r, json_t *ev)
{
    struct run_scen *c = &r->cur;
    const char *peer = json_string_value(json_object_get(ev, "peer"));
    const char *local = json_string_value(json_object_get(ev, "local"));
    json_t *cid = json_object_get(ev, "conn");
    if (!peer || !local || !strchr(peer, ':') || !strchr(local, ':'))
        return; /* not known yet: a later event of the same connection has it */
    for (size_t i = 0; json_is_integer(cid) && i < c->nconn_ids; i++)
        if (c->conn_ids[i] == (long)json_integer_value(cid))
            return;
    if (json_is_integer(cid) &&
        c->nconn_ids < sizeof(c->conn_ids) / sizeof(c->conn_ids[0]))
        c->conn_ids[c->nconn_ids++] = (long)json_integer_value(cid);
    char ip[64];
    const char *colon = strrchr(peer, ':');
    unsigned long inode = 0;
    int have_ip = 0, owned = 0;
    if (colon && (size_t)(colon - peer) < sizeof(ip)) {
        memcpy(ip, peer, (size_t)(colon - peer));
        ip[colon - peer] = '\0';
        inode = proc_tcp_inode(ip, (unsigned)atoi(colon + 1));
        have_ip = 1;
    }
    for (int attempt = 0; have_ip && attempt < 3 && !owned; attempt++) {
        if (attempt == 1) { /* a process the last scan has not seen yet: look again */
            c->next_scan = 0;
            scen_scan_tree(r);
        }
        /* A miner in its own network namespace: look through the newest pids' eyes. */
        for (size_t k = c->ntree;
             attempt == 2 && k-- > 0 && !inode && c->ntree - k <= 16;)
            inode = proc_tcp_inode_of(c->tree[k], ip, (unsigned)atoi(colon + 1));
        for (size_t i = 0; inode && i < c->ninodes && !owned; i++)
            owned = c->inodes[i] == inode;
    }
    c->conns++;
    json_t *f = json_pack("{s:s,s:s,s:s,s:s}", "src", peer, "dst", local, "proto",
                          "tcp", "via", owned ? "proc" : "window");
    json_t *tr = json_object_get(ev, "transport"), *id = json_object_get(ev, "conn");
    if (tr)
        json_object_set(f, "transport", tr);
    if (id)
        json_object_set(f, "conn", id);
    timeline_event(&r->tl, "conn", c->sc->id, f);
}

static void pool_event(struct runner *r, const char *line, size_t len)
{
    json_t *ev = json_loadb(line, len, 0, NULL);
    const char *type = json_string_value(json_object_get(ev, "event"));
    struct run_scen *c = &r->cur;
    if (type && !strcmp(type, "exit"))
        r->pool_exit_seen = 1;
    if (type && c->idx >= 0 && c->end == 0) {
        /* conn_open may not know the peer yet; any event of the connection does. */
        if (json_object_get(ev, "conn") && json_object_get(ev, "peer"))
            attribute_conn(r, ev);
        if (!strcmp(type, "login"))
            c->logins++;
        else if (!strcmp(type, "share") &&
                 json_is_true(json_object_get(ev, "accepted"))) {
            c->shares_ok++;
            /* accepted without a check: counted apart, never as verified */
            if (!json_is_true(json_object_get(ev, "verified")))
                c->shares_unverified++;
        } else if (!strcmp(type, "share"))
            c->shares_bad++;
    }
    json_decref(ev);
}

static int event_line(void *ud, char *line, size_t len)
{
    pool_event(ud, line, len);
    return 0;
}

void scen_events_tail(struct runner *r)
{
    char buf[16384];
    while (r->events_fd >= 0) {
        ssize_t n = read(r->events_fd, buf, sizeof(buf));
        if (n <= 0)
            return;
        linereader_feed(&r->ev_lines, buf, (size_t)n, event_line, r, NULL, 0);
    }
}

static double planned_left(const struct runner *r, size_t from)
{
    double left = r->cfg->grace_s;
    for (size_t i = from; i < r->cfg->nscen; i++)
        if (!r->skip_reason[i])
            left += r->cfg->scen[i]->duration_s + r->cfg->gap_s + 2;
    return left;
}

void scen_progress(struct runner *r, int force)
{
    double now = runner_now();
    if (r->hooks) /* a soak: it says what it does itself */
        return;
    if (!force && (!r->cfg->progress_tty || now - r->last_progress < 1.0))
        return;
    r->last_progress = now;
    const struct run_scen *c = &r->cur;
    double el = now - r->run_start, left = planned_left(r, r->done + 1);
    char what[160] = "";
    if (c->idx >= 0) {
        double in = ml_now_unix() - c->start;
        if (in < c->sc->duration_s)
            left += c->sc->duration_s - in;
        hx_fmt(what, sizeof(what), "%s %.0f/%u s", c->sc->id, in, c->sc->duration_s);
    }
    fprintf(stderr,
            "%s[%zu/%zu] %-28s elapsed %d:%02d  remaining ~%d:%02d  alerts %lu%s",
            r->cfg->progress_tty ? "\r\033[K" : "", r->done + (c->idx >= 0),
            r->cfg->nscen, what, (int)el / 60, (int)el % 60, (int)left / 60,
            (int)left % 60, r->alerts_seen, r->cfg->progress_tty && !force ? "" : "\n");
    fflush(stderr);
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
        rmdir(c->cgroup);
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
    linereader_free(&c->out_lines); /* a partial line of the last launcher */
    struct linereader lines = c->out_lines;
    memset(c, 0, sizeof(*c));
    c->inodes = inodes;
    c->capinodes = cap;
    c->seen_socks = seen;
    c->capseen_socks = capseen;
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
    timeline_event(&r->tl, "scenario_start", sc->id,
                   json_pack("{s:i,s:s,s:i}", "launcher_pid", (int)pid, "launcher",
                             sc->launcher, "duty_pct", (int)scenario_nominal_duty(sc)));
    tree_add(r, pid, getpid(), NULL, "launcher");
    if (sc->has_miner)
        timeline_event(
            &r->tl, "duty", sc->id,
            json_pack("{s:f}", "duty_pct", (double)scenario_nominal_duty(sc)));
    scen_progress(r, !r->cfg->progress_tty);
    double deadline = runner_now() + sc->duration_s + 5;
    int at_deadline = 0;
    while (!r->stop && c->launcher) {
        if (runner_now() > deadline) {
            at_deadline = 1;
            break;
        }
        runner_loop_once(r, 250);
    }
    scen_scan_tree(r);
    c->end = ml_now_unix();
    cpum_duty_finish(&c->duty, &r->tl, sc, c->end);
    kill_workload(r, pid);
    for (int i = 0; i < 20 && c->launcher; i++)
        runner_loop_once(r, 10);
    scen_read_launcher(r);
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
    /* Its tree is the lab's, never an episode's (is_infrastructure). */
    runner_lab_add(r, *pid, "background");
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
