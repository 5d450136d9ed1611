#include "browser_watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_alert.h"
#include "ml_util.h"

#define DETECTOR "browser-watch"
#define MAX_PIDS 65536
#define MAX_BROWSER 1024
#define MAX_CONNS 16384
#define MAX_INODES 4096

struct bproc {
    int pid, ppid, root;
    int kind; /* 2 renderer, 1 other browser process */
    uint64_t start_ticks;
    char comm[DET_PROC_COMM_MAX];
};

struct conn_age {
    uint64_t inode;
    double first_s;
    unsigned gen;
};

struct browser_watch {
    struct browser_watch_config cfg;
    struct det_cpu_tracker *cpu;
    struct det_memo *memo;
    int *pids;
    struct bproc procs[MAX_BROWSER];
    size_t nprocs;
    struct det_tcp_conn *conns;
    size_t nconns;
    struct conn_age ages[MAX_INODES];
    size_t nages;
    uint64_t inodes[MAX_INODES];
    int *inode_root; /* parallel to inodes: the browser tree owning it */
    size_t ninodes;
    unsigned gen;
    long clk;
    int degraded_once;
};

int browser_watch_parse_args(int argc, char **argv, struct browser_watch_config *cfg,
                             char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    det_common_defaults(&cfg->common, 1000);
    cfg->cpu_cores = 0.25;
    cfg->window_s = 10;
    cfg->conn_age_s = 10;
    cfg->threshold = 0.4;
    const struct opt opts[] = {
        {"cpu-cores", OPT_DOUBLE, &cfg->cpu_cores, 0, 4096, "N",
         "renderer CPU average that counts as mining, in cores"},
        {"window-s", OPT_DOUBLE, &cfg->window_s, 0, 86400, "S", "CPU averaging window"},
        {"conn-age-s", OPT_DOUBLE, &cfg->conn_age_s, 0, 86400, "S",
         "age of the outbound connection that joins the CPU rule"},
        {"threshold", OPT_DOUBLE, &cfg->threshold, 0, 1, "X",
         "alerts below this score are not written"},
    };
    return det_parse_opts(argc, argv, &cfg->common, opts,
                          sizeof(opts) / sizeof(opts[0]), err, errlen);
}

int browser_watch_classify(const char *comm, const char *cmdline)
{
    /* Firefox names its content processes by role. */
    if (strcmp(comm, "Web Content") == 0 || strcmp(comm, "Isolated Web Co") == 0 ||
        strcmp(comm, "WebExtensions") == 0)
        return 2;
    static const char *names[] = {"chrome", "chromium", "headless_shell", "firefox",
                                  "brave",  "msedge",   "opera"};
    int browser = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strncmp(comm, names[i], strlen(names[i])) == 0)
            browser = 1;
    if (!browser) {
        /* comm may be a thread-pool name; argv[0] still names the browser binary. */
        const char *space = strchr(cmdline, ' ');
        size_t a0 = space ? (size_t)(space - cmdline) : strlen(cmdline);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !browser; i++) {
            const char *hit = strstr(cmdline, names[i]);
            browser = hit && (size_t)(hit - cmdline) < a0;
        }
    }
    if (!browser)
        return 0;
    return strstr(cmdline, "--type=renderer") ? 2 : 1;
}

struct browser_watch *browser_watch_new(const struct browser_watch_config *cfg)
{
    struct browser_watch *bw = calloc(1, sizeof(*bw));
    if (!bw)
        return NULL;
    bw->cfg = *cfg;
    size_t ring =
        (size_t)(cfg->window_s * 1000.0 / (double)cfg->common.interval_ms) + 3;
    bw->cpu = det_cpu_tracker_new(ring > 4096 ? 4096 : ring);
    bw->memo = det_memo_new(cfg->common.cooldown_s);
    bw->pids = calloc(MAX_PIDS, sizeof(*bw->pids));
    bw->conns = calloc(MAX_CONNS, sizeof(*bw->conns));
    bw->inode_root = calloc(MAX_INODES, sizeof(*bw->inode_root));
    bw->clk = det_proc_clk_tck();
    if (!bw->cpu || !bw->memo || !bw->pids || !bw->conns || !bw->inode_root) {
        browser_watch_free(bw);
        return NULL;
    }
    return bw;
}

void browser_watch_free(struct browser_watch *bw)
{
    if (!bw)
        return;
    det_cpu_tracker_free(bw->cpu);
    det_memo_free(bw->memo);
    free(bw->pids);
    free(bw->conns);
    free(bw->inode_root);
    free(bw);
}

/* Records pid when it is a browser process; renderers feed the CPU tracker. */
static int collect(struct browser_watch *bw, int pid, double now)
{
    const char *root = bw->cfg.common.proc_root;
    struct det_proc_stat st;
    char cmdline[4096];
    if (bw->nprocs == MAX_BROWSER || det_proc_read_stat(root, pid, 0, &st) < 0 ||
        det_proc_read_cmdline(root, pid, cmdline, sizeof(cmdline), NULL, 0) < 0)
        return 0;
    int kind = browser_watch_classify(st.comm, cmdline);
    explicit_bzero(cmdline, sizeof(cmdline)); /* keep no one's command line around */
    if (kind == 0)
        return 0;
    struct bproc *b = &bw->procs[bw->nprocs++];
    *b = (struct bproc){pid, st.ppid, pid, kind, st.start_ticks, ""};
    snprintf(b->comm, sizeof(b->comm), "%s", st.comm);
    if (kind == 2 && det_cpu_tracker_update(
                         bw->cpu, pid, st.start_ticks, st.utime_ticks + st.stime_ticks,
                         now, (double)st.start_ticks / (double)bw->clk, bw->gen) < 0)
        return -ENOMEM;
    return 0;
}

static const struct bproc *find_proc(const struct browser_watch *bw, int pid)
{
    for (size_t i = 0; i < bw->nprocs; i++)
        if (bw->procs[i].pid == pid)
            return &bw->procs[i];
    return NULL;
}

/* Root of each browser tree: the top-most browser ancestor. */
static void link_trees(struct browser_watch *bw)
{
    for (size_t i = 0; i < bw->nprocs; i++) {
        const struct bproc *p = &bw->procs[i];
        for (int depth = 0; depth < 32; depth++) {
            const struct bproc *parent = find_proc(bw, p->ppid);
            if (!parent || parent == p)
                break;
            p = parent;
        }
        bw->procs[i].root = p->pid;
    }
}

/* Socket inodes of every browser process, each tagged with its tree. */
static void collect_sockets(struct browser_watch *bw)
{
    bw->ninodes = 0;
    for (size_t i = 0; i < bw->nprocs && bw->ninodes < MAX_INODES; i++) {
        size_t n = 0;
        if (det_proc_socket_inodes(bw->cfg.common.proc_root, bw->procs[i].pid,
                                   bw->inodes + bw->ninodes, MAX_INODES - bw->ninodes,
                                   &n) < 0)
            continue;
        for (size_t k = 0; k < n; k++)
            bw->inode_root[bw->ninodes + k] = bw->procs[i].root;
        bw->ninodes += n;
    }
}

static int inode_tree(const struct browser_watch *bw, uint64_t inode)
{
    for (size_t i = 0; i < bw->ninodes; i++)
        if (bw->inodes[i] == inode)
            return bw->inode_root[i];
    return 0;
}

/* First time each established connection was seen (its age), kept across ticks. */
static double conn_first_seen(struct browser_watch *bw, uint64_t inode, double now)
{
    size_t free_slot = bw->nages;
    for (size_t i = 0; i < bw->nages; i++) {
        if (bw->ages[i].inode == inode) {
            bw->ages[i].gen = bw->gen;
            return bw->ages[i].first_s;
        }
        if (bw->ages[i].gen + 2 < bw->gen)
            free_slot = i;
    }
    if (free_slot == bw->nages) {
        if (bw->nages == MAX_INODES)
            return now;
        bw->nages++;
    }
    bw->ages[free_slot] = (struct conn_age){inode, now, bw->gen};
    return now;
}

static int port_of(const char *addr)
{
    const char *c = strrchr(addr, ':');
    return c ? atoi(c + 1) : -1;
}

/* 1 when the tree listens on local's port: an inbound connection (e.g. DevTools). */
static int inbound(const struct browser_watch *bw, int tree,
                   const struct det_tcp_conn *c)
{
    int port = port_of(c->local);
    for (size_t i = 0; i < bw->nconns; i++) {
        const struct det_tcp_conn *l = &bw->conns[i];
        if (l->state == DET_TCP_LISTEN && port_of(l->local) == port &&
            inode_tree(bw, l->inode) == tree)
            return 1;
    }
    return 0;
}

/* The oldest outbound established connection of a tree, old enough; NULL if none. */
static const struct det_tcp_conn *tree_conn(struct browser_watch *bw, int tree,
                                            double now)
{
    const struct det_tcp_conn *best = NULL;
    double best_first = 0;
    for (size_t i = 0; i < bw->nconns; i++) {
        const struct det_tcp_conn *c = &bw->conns[i];
        if (c->state != DET_TCP_ESTABLISHED || inode_tree(bw, c->inode) != tree ||
            inbound(bw, tree, c))
            continue;
        double first = conn_first_seen(bw, c->inode, now);
        if (now - first >= bw->cfg.conn_age_s && (!best || first < best_first)) {
            best = c;
            best_first = first;
        }
    }
    return best;
}

static int judge_renderer(struct browser_watch *bw, const struct bproc *r)
{
    double span = 0;
    double cores = det_cpu_tracker_avg(bw->cpu, r->pid, bw->cfg.window_s, &span);
    const struct det_tcp_conn *c = tree_conn(bw, r->root, det_mono_s());
    if (cores < bw->cfg.cpu_cores)
        return 0;
    double score = c ? 0.85 : 0.45;
    if (score < bw->cfg.threshold ||
        !det_memo_should_alert(bw->memo, r->pid, r->start_ticks, c ? "cpu+conn" : "cpu",
                               det_mono_s()))
        return 0;
    char reason[384];
    snprintf(reason, sizeof(reason),
             "browser renderer pid %d (%s, browser %d) at %.2f cores over %.0f s%s%s%s",
             r->pid, r->comm, r->root, cores, span,
             c ? "; long-lived outbound connection " : "", c ? c->local : "",
             c ? " -> " : "");
    if (c)
        snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason), "%s",
                 c->remote);
    struct det_flow flow = {"tcp", c ? c->local : "", c ? c->remote : ""};
    struct det_alert a = {.detector = DETECTOR,
                          .technique = DET_BROWSER,
                          .pid = r->pid,
                          .flow = c ? &flow : NULL,
                          .score = score,
                          .reason = reason};
    return det_alert_emit(&a) < 0 ? -EIO : 1;
}

int browser_watch_tick(struct browser_watch *bw)
{
    double now = 0;
    size_t npids = 0;
    int rc = det_proc_scan_begin(bw->cfg.common.proc_root, DETECTOR, DET_BROWSER,
                                 &bw->degraded_once, &now, bw->pids, MAX_PIDS, &npids);
    if (rc < 0)
        return rc;
    bw->gen++;
    bw->nprocs = 0;
    for (size_t i = 0; i < npids; i++)
        if (!det_proc_is_self_or_parent(bw->pids[i]) &&
            (rc = collect(bw, bw->pids[i], now)) < 0)
            return rc;
    det_cpu_tracker_sweep(bw->cpu, bw->gen);
    if (bw->nprocs == 0)
        return 0;
    link_trees(bw);
    collect_sockets(bw);
    det_proc_read_tcp(bw->cfg.common.proc_root, bw->conns, MAX_CONNS, &bw->nconns);
    int alerts = 0;
    for (size_t i = 0; i < bw->nprocs; i++) {
        if (bw->procs[i].kind != 2)
            continue;
        if ((rc = judge_renderer(bw, &bw->procs[i])) < 0)
            return rc;
        alerts += rc;
    }
    return alerts;
}
