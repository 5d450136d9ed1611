/*
 * runner_watch — what the harness sees of the open window: the lab's own
 * pids, the scenario's process tree (proc connector, /proc scans, the
 * launcher's ML-PID lines) and its sockets, the pool's events attributed
 * to it, and the progress line. Called by the loop (runner_loop.c) and by
 * runner_scen.c; calls neither.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hxutil.h"
#include "labdnslog.h"
#include "model.h"
#include "natflows.h"
#include "ml_util.h"
#include "proc.h"
#include "proc_events.h"
#include "runner_int.h"

/* The harness's own start of a process is confirmed by its fork event
 * within this long, or the entry is an older process's. */
#define LAB_WAIT_S 10.0

/* The latest entry of pid, or -1. */
static long lab_latest(const struct runner *r, pid_t pid)
{
    for (size_t i = r->nlab; i-- > 0;)
        if (r->lab[i] == pid)
            return (long)i;
    return -1;
}

const char *runner_lab_role(const struct runner *r, pid_t pid)
{
    long i = lab_latest(r, pid);
    return i >= 0 ? r->lab_role[i] : NULL;
}

const char *runner_lab_role_at(const struct runner *r, pid_t pid, double ts)
{
    long first = -1;
    for (size_t i = r->nlab; i-- > 0;) {
        if (r->lab[i] != pid)
            continue;
        if (r->lab_since[i] <= ts + MODEL_LAB_SLACK_S)
            return r->lab_role[i];
        first = (long)i;
    }
    /* Seen before it was learnt (a late scan): its first entry. */
    return first >= 0 ? r->lab_role[first] : NULL;
}

/* Appends an entry (timeline lab_pid, or lab_pid_end when role is NULL). */
static void lab_push(struct runner *r, pid_t pid, const char *role, int wait)
{
    if (r->nlab >= RUN_MAX_LAB) {
        if (!r->lab_full) {
            r->lab_full = 1;
            timeline_event(&r->tl, "lab_table_full", NULL,
                           json_pack("{s:i}", "entries", (int)r->nlab));
        }
        return;
    }
    if (r->nlab == r->caplab) {
        size_t nc = r->caplab ? r->caplab * 2 : 64;
        pid_t *p = realloc(r->lab, nc * sizeof(*p));
        if (p)
            r->lab = p;
        const char **q = p ? realloc(r->lab_role, nc * sizeof(*q)) : NULL;
        if (q)
            r->lab_role = q;
        double *t = q ? realloc(r->lab_since, nc * sizeof(*t)) : NULL;
        if (t)
            r->lab_since = t;
        unsigned char *w = t ? realloc(r->lab_wait, nc) : NULL;
        if (!w)
            return;
        r->lab_wait = w;
        r->caplab = nc;
    }
    double now = ml_now_unix();
    r->lab[r->nlab] = pid;
    r->lab_role[r->nlab] = role;
    r->lab_since[r->nlab] = now;
    r->lab_wait[r->nlab++] = (unsigned char)wait;
    if (role)
        timeline_event(&r->tl, "lab_pid", NULL,
                       json_pack("{s:i,s:s}", "pid", (int)pid, "role", role));
    else
        timeline_event(&r->tl, "lab_pid_end", NULL, json_pack("{s:i}", "pid", (int)pid));
}

void runner_lab_add(struct runner *r, pid_t pid, const char *role)
{
    if (pid <= 0)
        return;
    long i = lab_latest(r, pid);
    if (i >= 0 && r->lab_role[i] && !strcmp(r->lab_role[i], role) &&
        ml_now_unix() - r->lab_since[i] < LAB_WAIT_S)
        return; /* already known as that (the same process) */
    lab_push(r, pid, role, 1);
}

/* A fork made pid a new process: what the table said of the pid before was
 * another process's. Returns 1 when the entry is the harness's own start of
 * this very process (kept as it is). */
static int lab_forked(struct runner *r, pid_t pid)
{
    long i = lab_latest(r, pid);
    if (i < 0 || !r->lab_role[i])
        return 0;
    if (r->lab_wait[i]) {
        r->lab_wait[i] = 0;
        if (ml_now_unix() - r->lab_since[i] < LAB_WAIT_S)
            return 1;
    }
    lab_push(r, pid, NULL, 0);
    return 0;
}

static int tree_has(const struct run_scen *c, pid_t pid)
{
    for (size_t i = 0; i < c->ntree; i++)
        if (c->tree[i] == pid)
            return 1;
    return 0;
}

void watch_tree_add(struct runner *r, pid_t pid, pid_t ppid, const char *comm,
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

/* 1 when key is in the set *v (recorded already), else adds it and returns
 * 0 (1 too when it cannot grow: better once too few than every scan). */
static int seen_before(unsigned long **v, size_t *n, size_t *cap, unsigned long key)
{
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i] == key)
            return 1;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        unsigned long *p = realloc(*v, nc * sizeof(*p));
        if (!p)
            return 1;
        *v = p;
        *cap = nc;
    }
    (*v)[(*n)++] = key;
    return 0;
}

static int sock_seen(struct run_scen *c, unsigned long inode)
{
    return seen_before(&c->seen_socks, &c->nseen_socks, &c->capseen_socks, inode);
}

/* FNV-1a of a NATed flow: the timeline records each one once. */
static unsigned long natflow_key(const struct natflow *f)
{
    uint64_t h = 1469598103934665603ull;
    const char *parts[] = {f->proto, f->outer, f->dst, f->inner};
    for (size_t i = 0; i < 4; i++) {
        for (const char *p = parts[i]; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        h = (h ^ '|') * 1099511628211ull; /* "a|bc" differs from "ab|c" */
    }
    return (unsigned long)(h ^ (h >> 32)); /* 32-bit longs keep both halves */
}

/*
 * A namespace of the tree that translates sources (a fleet's NAT gateway,
 * harness/launch/fleetnet.sh): every flow in its NAT table is the
 * scenario's, recorded as the sensor beyond the gateway sees it (the
 * gateway's address and port), with the host behind it as "inner". The
 * harness's own namespace is never read: its table holds the machine's.
 */
static void record_nat(struct runner *r, pid_t pid)
{
    struct run_scen *c = &r->cur;
    struct natflow *v = NULL;
    size_t n = 0, cap = 0;
    natflow_read(pid, &v, &n, &cap);
    for (size_t i = 0; i < n; i++) {
        if (seen_before(&c->nat_seen, &c->nnat_seen, &c->capnat_seen,
                        natflow_key(&v[i])))
            continue;
        timeline_event(&r->tl, "conn", c->sc->id,
                       json_pack("{s:s,s:s,s:s,s:s,s:s}", "src", v[i].outer, "dst",
                                 v[i].dst, "proto", v[i].proto, "via", "nat", "inner",
                                 v[i].inner));
    }
    free(v);
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
    /* A fleet lives in one namespace per host plus its gateway's. */
    char seen_ns[SCEN_FLEET_MAX + 8][64], own_ns[64] = "";
    size_t nns = 0;
    struct pev_sock *socks = NULL;
    size_t n = 0, cap = 0;
    ssize_t ol = readlink("/proc/self/ns/net", own_ns, sizeof(own_ns) - 1);
    own_ns[ol > 0 ? ol : 0] = '\0';
    for (size_t i = 0; i < c->ntree && nns < SCEN_FLEET_MAX + 8; i++) {
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
        if (own_ns[0] && strcmp(ns, own_ns))
            record_nat(r, c->tree[i]);
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
    if (e->kind != PEV_FORK || lab_forked(r, e->pid))
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
        watch_tree_add(r, e->pid, e->ppid, comm[0] ? comm : NULL, "fork");
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
    else if (!strcmp(role, "background-launcher"))
        role = "background"; /* the soak's benign workload (soak.c) */
    lab_push(r, e->pid, role, 0);
}

void watch_proc_events(struct runner *r)
{
    if (r->pev_fd < 0)
        return;
    if (pev_read(r->pev_fd, on_proc_event, r) == -ENOBUFS) {
        /* Events were lost: fall back on one /proc scan now. */
        r->cur.next_scan = 0;
        timeline_event(&r->tl, "proc_events_lost", NULL, json_object());
    }
}

void watch_scan_tree(struct runner *r)
{
    struct run_scen *c = &r->cur;
    double now = runner_now();
    if (c->idx < 0 || c->end > 0 || now < c->next_scan)
        return;
    /* The proc connector sees every fork; the scan is for sockets and the fallback. */
    c->next_scan = now + (r->pev_fd >= 0 ? 0.5 : 1.0);
    watch_proc_events(r);
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
                    watch_tree_add(r, p->pid, p->ppid, p->comm, role);
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
        /* The miner, or the browser whose page mines (browser-chromium). */
        if ((!strcmp(role, "miner") || !strcmp(role, "browser")) && !c->miner_seen) {
            c->miner_seen = 1;
            timeline_event(&r->tl, "miner_start", c->sc->id,
                           json_pack("{s:i}", "pid", pid));
        }
        if (!strcmp(role, "miner")) /* measured duty follows the miner */
            cpum_duty_add(&c->duty, pid, ml_now_unix());
        if (tree_has(c, pid)) /* seen at its fork: record what it is */
            timeline_event(&r->tl, "pid", c->sc->id,
                           json_pack("{s:i,s:s}", "pid", pid, "role", role));
        watch_tree_add(r, pid, 0, NULL, role);
    }
    return 0;
}

void watch_read_launcher(struct runner *r)
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

void watch_on_reaped(struct runner *r, pid_t pid, int status)
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
            watch_scan_tree(r);
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

/*
 * 1 when the queried name is given, or given under attribute-leaf labels
 * (RFC 8552: "_8443._https.NAME", the HTTPS record Chromium asks for a
 * wss:// URL on port 8443), which a resolver derives from given alone.
 */
static int name_from(const char *queried, const char *given)
{
    size_t ql = strlen(queried), gl = strlen(given);
    if (ql == gl)
        return !strcasecmp(queried, given);
    if (ql < gl + 2 || queried[ql - gl - 1] != '.' ||
        strcasecmp(queried + ql - gl, given))
        return 0;
    for (const char *p = queried; p < queried + ql - gl; p = strchr(p, '.') + 1)
        if (*p != '_')
            return 0;
    return 1;
}

/*
 * One line of the lab DNS's query log. A query is the open scenario's flow
 * when it came from the scenario's host (the root namespace's LAN address,
 * or its own namespace's) while its window is open, for a name the harness
 * gave that scenario alone (its pool, or the web host its browser loads).
 * The resolver's UDP socket lives for milliseconds, so the socket scan
 * misses it; the log does not.
 */
static int labdns_line(void *ud, char *line, size_t len)
{
    struct runner *r = ud;
    struct run_scen *c = &r->cur;
    struct labdns_query q;
    (void)len;
    if (c->idx < 0 || c->end != 0 || !scenario_is_malicious(c->sc) ||
        labdns_parse_query(line, &q) != 1)
        return 0;
    const char *host = scenario_requires(c->sc, "netns")
                           ? labinet_host_addr(&r->inet, r->lab_netns)
                           : r->inet.victim;
    int given = name_from(q.name, scen_pool_name(c->sc)) ||
                (!strcmp(c->sc->launcher, "browser-chromium") && r->inet.web_name[0] &&
                 name_from(q.name, r->inet.web_name));
    if (!host || strcmp(q.ip, host) || !given)
        return 0;
    char dns[80];
    hx_fmt(dns, sizeof(dns), "%s:53", r->inet.dns);
    timeline_event(&r->tl, "conn", c->sc->id,
                   json_pack("{s:s,s:s,s:s,s:s,s:s}", "src", q.client, "dst", dns,
                             "proto", "udp", "via", "labdns", "name", q.name));
    return 0;
}

void watch_labdns_tail(struct runner *r)
{
    char buf[8192];
    while (r->inet.up && r->inet.log_fd >= 0) {
        ssize_t n = read(r->inet.log_fd, buf, sizeof(buf));
        if (n <= 0)
            return;
        linereader_feed(&r->inet.log_lines, buf, (size_t)n, labdns_line, r, NULL, 0);
    }
}

void watch_events_tail(struct runner *r)
{
    char buf[16384];
    while (r->events_fd >= 0) {
        ssize_t n = read(r->events_fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        linereader_feed(&r->ev_lines, buf, (size_t)n, event_line, r, NULL, 0);
    }
    watch_labdns_tail(r);
}

static double planned_left(const struct runner *r, size_t from)
{
    double left = r->cfg->grace_s;
    for (size_t i = from; i < r->cfg->nscen; i++)
        if (!r->skip_reason[i])
            left += r->cfg->scen[i]->duration_s + r->cfg->gap_s + 2;
    return left;
}

void watch_progress(struct runner *r, int force)
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
