#include "hxutil.h"
#include "runner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linereader.h"
#include "machine.h"
#include "ml_util.h"
#include "proc.h"
#include "proc_events.h"
#include "runner_int.h"

extern char **environ;

static json_t *scenario_meta(const struct scenario *s)
{
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:i}", "id", s->id, "title", s->title,
                  "type", s->type, "label", s->label, "duration_s", (int)s->duration_s,
                  "launcher", s->launcher, "duty_pct", (int)scenario_nominal_duty(s));
    json_t *attack = json_array(), *req = json_array(), *exp = json_object();
    for (size_t i = 0; i < s->attack_count; i++)
        json_array_append_new(attack, json_string(s->attack[i]));
    for (size_t i = 0; i < s->requires_count; i++)
        json_array_append_new(req, json_string(s->requires[i]));
    for (size_t i = 0; i < s->expect_count; i++)
        json_object_set_new(exp, s->expect[i].detector,
                            json_string(s->expect[i].detect ? "detect" : "miss"));
    json_object_set_new(o, "attack", attack);
    json_object_set_new(o, "requires", req);
    json_object_set_new(o, "expect", exp);
    json_object_set_new(o, "file", json_string(s->path));
    if (s->fleet_hosts)
        json_object_set_new(o, "fleet_hosts", json_integer(s->fleet_hosts));
    if (s->has_miner) {
        json_object_set_new(o, "miner",
                            json_pack("{s:i,s:s,s:s,s:s,s:s?}", "threads",
                                      (int)s->miner.threads, "mode", s->miner.mode,
                                      "transport", s->miner.transport, "config",
                                      s->miner.config, "name", s->miner.name));
        if (s->miner.has_ramp)
            json_object_set_new(o, "ramp",
                                json_pack("{s:i,s:i,s:i}", "from",
                                          (int)s->miner.ramp.from_pct, "to",
                                          (int)s->miner.ramp.to_pct, "seconds",
                                          (int)s->miner.ramp.seconds));
    }
    return o;
}

int runner_write_run_json(const struct runner_config *cfg, double started,
                          double finished, int interrupted, char *err, size_t errlen)
{
    json_t *dets = json_array(), *scen = json_array();
    for (size_t i = 0; i < cfg->ndet; i++)
        json_array_append_new(dets, json_pack("{s:s,s:s,s:b}", "name", cfg->det[i].name,
                                              "cmd", cfg->det[i].cmd, "reference",
                                              cfg->det[i].reference));
    for (size_t i = 0; i < cfg->nscen; i++)
        json_array_append_new(scen, scenario_meta(cfg->scen[i]));
    json_t *settings = json_pack(
        "{s:f,s:f,s:f,s:I,s:i,s:s,s:s,s:s,s:s,s:s?}", "grace_s", cfg->grace_s, "gap_s",
        cfg->gap_s, "warmup_s", cfg->warmup_s, "max_alerts_per_detector",
        (json_int_t)cfg->max_alerts, "pool_diff",
        (int)(cfg->pool_diff ? cfg->pool_diff : RUN_VARDIFF_START), "pool_ports",
        cfg->random_ports ? "random" : "well-known", "launch_dir", cfg->launch_dir,
        "bin_dir", cfg->bin_dir, "source_dir", cfg->source_dir, "suite", cfg->suite);
    json_object_set_new(settings, "pool_vardiff", json_boolean(!cfg->pool_diff));
    if (!cfg->pool_diff)
        json_object_set_new(settings, "pool_share_target_s",
                            json_integer(RUN_VARDIFF_TARGET_S));
    json_t *doc = json_pack("{s:s,s:f,s:o,s:o,s:o,s:o,s:o,s:b}", "run_id", cfg->run_id,
                            "started", started, "settings", settings, "machine",
                            machine_info(), "versions", machine_versions(), "detectors",
                            dets, "scenarios", scen, "interrupted", interrupted);
    if (finished > 0)
        json_object_set_new(doc, "finished", json_real(finished));
    if (cfg->plan)
        json_object_set_new(doc, "plan", json_deep_copy(cfg->plan));
    char tmp[4096], path[4096];
    hx_fmt(tmp, sizeof(tmp), "%s/run.json.tmp", cfg->run_dir);
    proc_state_add("tmp", tmp); /* no-op before the state file exists */
    hx_fmt(path, sizeof(path), "%s/run.json", cfg->run_dir);
    int rc = hx_write_json(doc, tmp, path,
                           JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (rc != 0)
        return ml_err(err, errlen, rc, "%s: cannot write: %s", path, strerror(-rc));
    return 0;
}

struct listen_lines {
    struct runner *r;
    int want_lab;
};

/* One "listening KIND HOST:PORT" line of the pool: records the port. */
static int listening_line(void *ud, char *line, size_t len)
{
    struct listen_lines *l = ud;
    struct runner *r = l->r;
    char kind[16], addr[128];
    (void)len;
    if (sscanf(line, "listening %15s %127s", kind, addr) != 2)
        return 0;
    char *colon = strrchr(addr, ':');
    unsigned port = colon ? (unsigned)atoi(colon + 1) : 0;
    if (colon)
        *colon = '\0';
    int lab = l->want_lab && !strcmp(addr, r->lab_host);
    if (lab && !strcmp(kind, "tcp"))
        r->port_lab = port;
    else if (lab && !strcmp(kind, "tls"))
        r->port_lab_tls = port;
    else if (lab && !strcmp(kind, "ws"))
        r->port_lab_ws = port;
    else if (!strcmp(kind, "tcp"))
        r->port_tcp = port;
    else if (!strcmp(kind, "tls"))
        r->port_tls = port;
    else if (!strcmp(kind, "ws"))
        r->port_ws = port;
    else if (!strcmp(kind, "api"))
        r->port_api = port;
    return 0;
}

/* Parses "listening KIND HOST:PORT" lines until every listener answered. */
static int pool_wait_ready(struct runner *r, int want_lab, char *err, size_t errlen)
{
    char buf[2048];
    struct linereader lr;
    struct listen_lines l = {r, want_lab};
    int ready = 0;
    linereader_init(&lr, sizeof(buf));
    linereader_drop_long(&lr);
    double deadline = runner_now() + 20;
    while (runner_now() < deadline && (runner_poll_signals(r), !r->stop)) {
        if (r->port_tcp && r->port_tls && r->port_ws && r->port_api &&
            (!want_lab || (r->port_lab && r->port_lab_tls && r->port_lab_ws))) {
            ready = 1;
            break;
        }
        struct pollfd p = {r->pool_out, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) {
            runner_reap(r);
            if (!r->pool_pid)
                break;
            continue;
        }
        ssize_t n = read(r->pool_out, buf, sizeof(buf));
        if (n <= 0)
            break;
        linereader_feed(&lr, buf, (size_t)n, listening_line, &l, NULL, 0);
    }
    linereader_free(&lr);
    if (ready)
        return 0;
    if (r->port_tcp)
        return 0; /* partial listeners: the scenarios that need more will fail */
    return ml_err(err, errlen, -EIO,
                  "minerlab-pool did not report its listeners "
                  "(see pool.stderr)");
}

/*
 * The first of ports that is free on 127.0.0.1, or 0 (any). Real pools sit on
 * well-known ports, and port rules (Falco's list) look for exactly those;
 * the short race with another binder only costs a fallback to any port.
 */
static unsigned pick_port(const unsigned *ports, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)ports[i]),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (fd < 0)
            return 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)); /* as libuv */
        int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return ports[i];
    }
    return 0;
}

static int pool_start(struct runner *r, int want_lab, char *err, size_t errlen)
{
    const struct runner_config *c = r->cfg;
    char cmd[4096], events[4096], errpath[4096], diff[16], lab[96];
    hx_fmt(cmd, sizeof(cmd), "%s/minerlab-pool", c->bin_dir);
    hx_fmt(events, sizeof(events), "%s/events.jsonl", c->run_dir);
    hx_fmt(errpath, sizeof(errpath), "%s/pool.stderr", c->run_dir);
    hx_fmt(diff, sizeof(diff), "%u", c->pool_diff ? c->pool_diff : RUN_VARDIFF_START);
    hx_fmt(lab, sizeof(lab), "%s:0", r->lab_host);
    static const unsigned tcp_ports[] = {3333, 3335, 5555}, tls_ports[] = {14433, 3334},
                          ws_ports[] = {8080, 8000};
    char tcp[32], tls[32], ws[32];
    int pick = !c->random_ports;
    hx_fmt(tcp, sizeof(tcp), "127.0.0.1:%u", pick ? pick_port(tcp_ports, 3) : 0);
    hx_fmt(tls, sizeof(tls), "127.0.0.1:%u", pick ? pick_port(tls_ports, 2) : 0);
    hx_fmt(ws, sizeof(ws), "127.0.0.1:%u", pick ? pick_port(ws_ports, 2) : 0);
    const char *argv[32] = {c->pool_cmd ? c->pool_cmd : cmd, "--listen", tcp,
                            "--tls-listen", tls, "--ws-listen", ws, "--api",
                            "127.0.0.1:0", "--events", events, "--diff", diff,
                            /* a Chromium worker makes ~0.5 MH/s of synthetic hashes */
                            "--browser-diff", "200000"};
    size_t n = 15;
    char target[16];
    hx_fmt(target, sizeof(target), "%d", RUN_VARDIFF_TARGET_S);
    if (!c->pool_diff) { /* as real pools: about one share per 30 s per connection */
        argv[n++] = "--vardiff";
        argv[n++] = "--share-target";
        argv[n++] = target;
    }
    if (c->www_dir) {
        argv[n++] = "--www";
        argv[n++] = c->www_dir;
    }
    /* The lab internet: the pool is a remote host there, on real pool ports;
     * cloud namespaces reach it over the victim LAN (labinet.h). */
    const char *inet_argv[128];
    const char **spawn_argv = argv;
    if (r->inet.up) {
        argv[n] = NULL;
        if (!labinet_pool_argv(r, argv[0], argv + 9, inet_argv, 128))
            return ml_err(err, errlen, -E2BIG,
                          "lab internet: pool command line too long");
        spawn_argv = inet_argv;
        want_lab = 0;
    }
    if (want_lab) { /* cloud scenarios reach the pool over the veth link, any transport
                     */
        argv[n++] = "--listen";
        argv[n++] = lab;
        argv[n++] = "--tls-listen";
        argv[n++] = lab;
        argv[n++] = "--ws-listen";
        argv[n++] = lab;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return ml_err(err, errlen, -errno, "pipe: %s", strerror(errno));
    int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char cg[300];
    runner_cgroup(r, "pool", cg, sizeof(cg));
    struct proc_spec spec = {spawn_argv, r->env, c->run_dir,       -1,
                             p[1],       efd,    cg[0] ? cg : NULL};
    int rc = proc_spawn(&spec, &r->pool_pid);
    close(p[1]);
    if (efd >= 0)
        close(efd);
    if (rc) {
        close(p[0]);
        return ml_err(err, errlen, rc, "cannot start %s: %s", spawn_argv[0],
                      strerror(-rc));
    }
    proc_watchdog_add_group(r->pool_pid);
    runner_lab_add(r, r->pool_pid, "pool");
    r->pool_out = p[0];
    rc = pool_wait_ready(r, want_lab, err, errlen);
    fcntl(r->pool_out, F_SETFL, O_NONBLOCK);
    timeline_event(&r->tl, "pool_start", NULL,
                   json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "pid",
                             (int)r->pool_pid, "tcp", (int)r->port_tcp, "tls",
                             (int)r->port_tls, "ws", (int)r->port_ws, "api",
                             (int)r->port_api, "lab_tcp", (int)r->port_lab, "lab_tls",
                             (int)r->port_lab_tls, "lab_ws", (int)r->port_lab_ws));
    r->events_fd = open(events, O_RDONLY | O_CLOEXEC);
    return rc;
}

/* The run's cgroup on the v2 hierarchy: ROOT/minerlab/run-LABID. */
static void run_cgroup_make(struct runner *r)
{
    const char *root = proc_cgroup_root();
    char parent[256], dir[256];
    if (!root[0])
        return;
    hx_fmt(parent, sizeof(parent), "%s/minerlab", root);
    hx_fmt(dir, sizeof(dir), "%s/run-%s", parent, r->lab_id);
    proc_state_add("cgroup", dir);
    if ((mkdir(parent, 0755) == 0 || errno == EEXIST) && mkdir(dir, 0755) == 0)
        hx_fmt(r->cgroup, sizeof(r->cgroup), "%s", dir);
}

static int labnet(struct runner *r, const char *verb)
{
    char script[4096], out[4096], last[512];
    hx_fmt(script, sizeof(script), "%s/labnet.sh", r->cfg->launch_dir);
    if (!strcmp(verb, "up")) {
        char v[4200];
        hx_fmt(v, sizeof(v), "%s %s", script, r->lab_id);
        proc_state_add("labnet", v);
    }
    hx_fmt(out, sizeof(out), "%s/labnet.%s.out", r->cfg->run_dir, verb);
    int fd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const char *argv[] = {script, verb, r->lab_id, NULL};
    int rc = proc_run_sync(argv, r->env, r->cfg->run_dir, r->stop ? 1.5 : 20, fd, last,
                           sizeof(last));
    if (strcmp(verb, "up") == 0 && rc == 0 && fd >= 0) {
        char buf[1024];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
            if (!strncmp(line, "ML_LAB_HOST=", 12))
                hx_fmt(r->lab_host, sizeof(r->lab_host), "%s", line + 12);
            else if (!strncmp(line, "ML_LAB_NETNS=", 13))
                hx_fmt(r->lab_netns, sizeof(r->lab_netns), "%s", line + 13);
            else if (!strncmp(line, "ML_LAB_CIDR=", 12))
                hx_fmt(r->lab_cidr, sizeof(r->lab_cidr), "%s", line + 12);
        }
        r->lab_up = r->lab_host[0] && r->lab_cidr[0];
    }
    if (fd >= 0)
        close(fd);
    timeline_event(&r->tl, strcmp(verb, "up") ? "labnet_down" : "labnet_up", NULL,
                   json_pack("{s:i,s:s,s:s}", "status", rc, "host", r->lab_host,
                             "last_err", last));
    if (rc && !strcmp(verb, "up"))
        fprintf(stderr,
                "minerlab: lab link not available (%s); netns scenarios skipped\n",
                last[0] ? last : "labnet.sh up failed");
    return rc;
}

/*
 * Every malicious scenario mines through the lab internet (labinet.h), and
 * the benign network workloads put their servers on its web host: it is
 * brought up whenever a scenario will run, benign ones alone included, so a
 * benign workload's traffic crosses the uplink the network sensors watch
 * whether or not the run also holds a miner (a benign-only run used to keep
 * it on loopback: another lab, another false-positive rate). A cloud
 * scenario's namespace joins its LAN. When it cannot be made, the scenarios
 * that mine through it are skipped with the reason; benign ones fall back to
 * loopback and the rest of the run goes on. A --pool override, or
 * ML_LAB_INTERNET=0, keeps the loopback pool of earlier versions (harness
 * self-tests only).
 */
static void runner_labinet_start(struct runner *r, int lab)
{
    const struct runner_config *cfg = r->cfg;
    const char *opt = getenv("ML_LAB_INTERNET");
    int need = 0;
    for (size_t i = 0; i < cfg->nscen; i++)
        need |= !r->skip_reason[i];
    /* A --pool override (tests' fake pools) cannot live there. */
    if (!need || cfg->pool_cmd || (opt && !strcmp(opt, "0")))
        return;
    if (labinet_up(r) == 0 && lab && labinet_attach(r, r->lab_netns, 2))
        for (size_t i = 0; i < cfg->nscen; i++)
            if (!r->skip_reason[i] && scenario_requires(cfg->scen[i], "netns"))
                r->skip_reason[i] = strdup(
                    "lab link: the cloud namespace could not join the lab internet");
    for (size_t i = 0; !r->inet.up && i < cfg->nscen; i++)
        if (!r->skip_reason[i] && scenario_is_malicious(cfg->scen[i]))
            r->skip_reason[i] = strdup(r->inet.reason);
}

static int needs_lab(const struct runner *r)
{
    for (size_t i = 0; i < r->cfg->nscen; i++)
        if (!r->skip_reason[i] && scenario_requires(r->cfg->scen[i], "netns"))
            return 1;
    return 0;
}

static void detectors_start(struct runner *r)
{
    char iface[64], errbuf[512], dir[4096];
    hx_fmt(dir, sizeof(dir), "%s/detectors", r->cfg->run_dir);
    mkdir(dir, 0755);
    char home[96];
    hx_fmt(iface, sizeof(iface), "ML_IFACE=%s",
           r->inet.up  ? r->inet.iface
           : r->lab_up ? "any"
                       : "lo");
    /* What a deployed sensor is configured with: its home network. */
    hx_fmt(home, sizeof(home), "ML_HOME_NET=%s", r->inet.up ? r->inet.home : "");
    const char *extra[] = {iface, r->inet.up ? home : NULL, NULL};
    /* Not r->env: the run token marks workloads, and detectors must not learn it. */
    char **env = env_with(environ, extra);
    char cg[300];
    runner_cgroup(r, "det", cg, sizeof(cg));
    for (size_t i = 0; i < r->ndet; i++) {
        struct detector *d = &r->det[i];
        d->home_net = r->inet.up ? r->inet.home : NULL;
        if (detector_start(d, r->cfg->run_dir, iface + 9, env, &r->tl, errbuf,
                           sizeof(errbuf)))
            fprintf(stderr, "minerlab: %s (recorded; the run goes on)\n", errbuf);
        else {
            runner_lab_add(r, d->pid, "detector");
            if (cg[0] && d->pid)
                proc_cgroup_add(cg, d->pid); /* swept with the run if we die */
        }
    }
    env_free(env);
}

/*
 * After the warm-up: while a running detector that said "ready": false has
 * not said "ready": true (nor sent a degraded notice), wait, up to max_s
 * more; the timeline records how long, and who was still not ready.
 */
static void detectors_wait_ready(struct runner *r, double max_s)
{
    double t0 = runner_now();
    size_t pending = 0;
    for (;;) {
        pending = 0;
        for (size_t i = 0; i < r->ndet; i++)
            pending += r->det[i].pid && r->det[i].not_ready;
        if (!pending || r->stop || runner_now() - t0 >= max_s)
            break;
        runner_loop_once(r, 250);
    }
    double waited = runner_now() - t0;
    if (waited < 0.05 && !pending)
        return;
    json_t *late = json_array();
    for (size_t i = 0; i < r->ndet; i++)
        if (r->det[i].pid && r->det[i].not_ready) {
            json_array_append_new(late, json_string(r->det[i].name));
            fprintf(stderr,
                    "minerlab: detector %s not ready %.0f s after its warm-up; the "
                    "run goes on\n",
                    r->det[i].name, waited);
        }
    timeline_event(&r->tl, "detectors_ready", NULL,
                   json_pack("{s:f,s:o}", "waited_s", waited, "not_ready", late));
}

/* SIGTERM every detector, wait up to `patience` s, then SIGKILL the rest. */
static void detectors_stop(struct runner *r, double patience)
{
    for (size_t i = 0; i < r->ndet; i++) {
        r->det[i].stopping = 1;
        if (r->det[i].pid)
            proc_kill_group(r->det[i].pid, SIGTERM);
    }
    double end = runner_now() + patience;
    for (;;) {
        int alive = 0;
        for (size_t i = 0; i < r->ndet; i++)
            alive |= r->det[i].pid != 0 || r->det[i].out_fd >= 0;
        if (!alive || runner_now() > end)
            break;
        runner_loop_once(r, 50);
    }
    for (size_t i = 0; i < r->ndet; i++) {
        if (r->det[i].pid) {
            timeline_event(&r->tl, "detector_hung", NULL,
                           json_pack("{s:s,s:f}", "detector", r->det[i].name,
                                     "patience_s", patience));
            proc_kill_group(r->det[i].pid, SIGKILL);
        }
    }
    for (int k = 0; k < 20; k++) {
        int alive = 0;
        for (size_t i = 0; i < r->ndet; i++) /* orphans too: their rusage is cost */
            alive |= r->det[i].pid != 0 || cpum_cost_unreaped(&r->det[i].cost);
        if (!alive)
            break;
        runner_loop_once(r, 10);
    }
    struct det_sink sink = {&r->alerts, &r->tl, &r->obs};
    for (size_t i = 0; i < r->ndet; i++) {
        /* Anything a group member still holds open is cut off here. */
        detector_drain(&r->det[i], &sink, 1 << 20);
        detector_summary(&r->det[i], &r->tl);
        if (r->det[i].cost.started > 0)
            cpum_cost_emit(&r->det[i].cost, r->det[i].name, &r->tl, ml_now_unix());
    }
}

/* SIGTERM, then up to patience s for the pool to write its last events and
 * its exit event and exit (it bounds its own stop below that); only then
 * SIGKILL, recorded in the timeline with whether the exit event made it. */
static void pool_stop(struct runner *r, double patience)
{
    if (!r->pool_pid)
        return;
    pid_t pg = r->pool_pid;
    proc_kill_group(pg, SIGTERM);
    double t0 = runner_now(), end = t0 + patience;
    while (r->pool_pid && runner_now() < end)
        runner_loop_once(r, 20);
    int killed = r->pool_pid != 0;
    proc_kill_group(pg, SIGKILL);
    watch_events_tail(r);
    if (killed)
        timeline_event(&r->tl, "pool_killed", NULL,
                       json_pack("{s:f,s:b}", "waited_s", runner_now() - t0,
                                 "exit_event", r->pool_exit_seen));
}

static int setup_signals(struct runner *r)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    r->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return r->sfd < 0 ? -errno : 0;
}

static int open_files(struct runner *r, char *err, size_t errlen)
{
    char path[4096];
    hx_fmt(path, sizeof(path), "%s/timeline.jsonl", r->cfg->run_dir);
    int rc = jsonl_open(&r->tl, path);
    if (!rc) {
        hx_fmt(path, sizeof(path), "%s/alerts.jsonl", r->cfg->run_dir);
        rc = jsonl_open(&r->alerts, path);
    }
    if (!rc) {
        hx_fmt(path, sizeof(path), "%s/observations.jsonl", r->cfg->run_dir);
        rc = jsonl_open(&r->obs, path);
    }
    if (rc)
        return ml_err(err, errlen, rc, "%s: %s", path, strerror(-rc));
    hx_fmt(path, sizeof(path), "%s/scenarios", r->cfg->run_dir);
    mkdir(path, 0755);
    return 0;
}

static void init_runner(struct runner *r, const struct runner_config *cfg)
{
    memset(r, 0, sizeof(*r));
    r->cfg = cfg;
    r->pool_out = r->events_fd = r->sfd = r->pev_fd = -1;
    r->cur.idx = -1;
    r->cur.out_fd = -1;
    linereader_init(&r->cur.out_lines, RUN_LAUNCHER_LINE_MAX);
    linereader_drop_long(&r->cur.out_lines);
    linereader_init(&r->ev_lines, RUN_EVENT_LINE_MAX);
    linereader_drop_long(&r->ev_lines);
    r->pending_cleanup = -1;
    unsigned char rnd[8];
    FILE *f = fopen("/dev/urandom", "r");
    if (!f || fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd))
        memcpy(rnd, &(uint64_t){ml_mono_ns() ^ (uint64_t)getpid()}, 8);
    if (f)
        fclose(f);
    ml_hex_encode(rnd, sizeof(rnd), r->token);
    hx_fmt(r->lab_id, sizeof(r->lab_id), "%.8s", r->token);
    char tok[64];
    hx_fmt(tok, sizeof(tok), "ML_RUN_TOKEN=%s", r->token);
    const char *extra[] = {tok, NULL};
    r->env = env_with(environ, extra);
    r->ndet = cfg->ndet;
    r->det = calloc(cfg->ndet + 1, sizeof(*r->det));
    r->skip_reason = calloc(cfg->nscen + 1, sizeof(char *));
    for (size_t i = 0; i < cfg->ndet; i++) {
        r->det[i].name = strdup(cfg->det[i].name);
        r->det[i].cmd = strdup(cfg->det[i].cmd);
        r->det[i].reference = cfg->det[i].reference;
        r->det[i].out_fd = -1;
        r->det[i].max_alerts = cfg->max_alerts;
    }
}

static void teardown(struct runner *r)
{
    for (size_t i = 0; i < r->ndet; i++)
        detector_close(&r->det[i]);
    free(r->det);
    for (size_t i = 0; r->skip_reason && i < r->cfg->nscen; i++)
        free(r->skip_reason[i]);
    free(r->skip_reason);
    free(r->cur.inodes);
    free(r->cur.seen_socks);
    free(r->cur.nat_seen);
    free(r->lab);
    free(r->lab_role);
    free(r->lab_since);
    free(r->lab_wait);
    pev_close(r->pev_fd);
    linereader_free(&r->cur.out_lines);
    linereader_free(&r->ev_lines);
    env_free(r->env);
    if (r->events_fd >= 0)
        close(r->events_fd);
    if (r->pool_out >= 0)
        close(r->pool_out);
    if (r->sfd >= 0)
        close(r->sfd);
    jsonl_close(&r->tl);
    jsonl_close(&r->alerts);
    jsonl_close(&r->obs);
}

/*
 * Everything before the first scenario: run.json, the records, signals, the
 * stale-run sweep, this run's state file and watchdog, its cgroup, the lab
 * link and lab internet, the pool, the detectors and their warm-up. Returns
 * 0, or -errno with the reason in err (call runner_free either way).
 */
int runner_begin(struct runner *r, const struct runner_config *cfg, char *err,
                 size_t errlen)
{
    char perr[512];
    init_runner(r, cfg);
    r->started = ml_now_unix();
    int rc = runner_write_run_json(cfg, r->started, 0, 0, err, errlen);
    if (!rc)
        rc = open_files(r, err, errlen);
    if (!rc && setup_signals(r))
        rc = ml_err(err, errlen, -errno, "signalfd: %s", strerror(errno));
    /* Runs whose harness died: their processes, lab link, cgroups and
     * sandboxes go before this one starts. Then this run's state file,
     * before anything it lists is made. */
    int swept = rc ? 0 : proc_state_sweep_stale();
    char key[64];
    hx_fmt(key, sizeof(key), "run-%s", r->lab_id);
    if (!rc && (rc = proc_state_open(key, NULL, 0)))
        ml_err(err, errlen, rc, "run state file: %s", strerror(-rc));
    if (!rc && (rc = proc_watchdog_start(r->token)))
        ml_err(err, errlen, rc, "watchdog: %s", strerror(-rc));
    if (rc)
        return rc;
    run_cgroup_make(r);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    r->run_start = runner_now();
    timeline_event(&r->tl, "run_start", NULL,
                   json_pack("{s:s,s:i,s:s,s:s,s:i}", "run_id", cfg->run_id, "pid",
                             (int)getpid(), "cgroup", r->cgroup, "state",
                             proc_state_path(), "swept_stale_runs", swept));
    /* Follow forks as they happen; poll /proc once a second where we cannot. */
    r->pev_fd = pev_open();
    timeline_event(&r->tl, "tree_source", NULL,
                   r->pev_fd >= 0 ? json_pack("{s:s}", "source", "proc-connector")
                                  : json_pack("{s:s,s:s}", "source", "proc-poll",
                                              "reason", strerror(-r->pev_fd)));
    if (r->pev_fd < 0)
        fprintf(stderr,
                "minerlab: process connector unavailable (%s); following "
                "process trees by polling /proc\n",
                strerror(-r->pev_fd));
    runner_lab_add(r, getpid(), "harness");
    runner_lab_add(r, proc_watchdog_pid(), "watchdog");
    scen_prepare_checks(r);
    int lab = needs_lab(r) && labnet(r, "up") == 0 && r->lab_up;
    r->lab_link = lab;
    if (!lab)
        for (size_t i = 0; i < cfg->nscen; i++)
            if (!r->skip_reason[i] && scenario_requires(cfg->scen[i], "netns"))
                r->skip_reason[i] = strdup("lab link (labnet.sh up) not available");
    runner_labinet_start(r, lab);
    if (pool_start(r, lab, perr, sizeof(perr))) {
        fprintf(stderr, "minerlab: %s; malicious scenarios cannot run\n", perr);
        for (size_t i = 0; i < cfg->nscen; i++)
            if (!r->skip_reason[i] && scenario_is_malicious(cfg->scen[i]))
                r->skip_reason[i] = strdup(perr);
    }
    detectors_start(r);
    runner_wait(r, cfg->warmup_s);
    detectors_wait_ready(r, DET_READY_MAX_S);
    return 0;
}

/*
 * Everything after the last scenario: detectors, pool, pending cleanup, lab
 * link and lab internet down, stragglers killed, the final run.json. Returns
 * 0 for a complete run, 1 for an interrupted one (errors writing the final
 * run.json are reported and the start's run.json is kept).
 */
int runner_end(struct runner *r, char *err, size_t errlen)
{
    const struct runner_config *cfg = r->cfg;
    int interrupted = r->stop > 0;
    detectors_stop(r, interrupted ? 0.6 : 3.0);
    pool_stop(r, interrupted ? 2.0 : 5.0);
    scen_cleanup_pending(r);
    if (r->lab_up || r->lab_link)
        labnet(r, "down");
    if (r->inet.up)
        labinet_down(r);
    proc_kill_token(r->token); /* anything that escaped every group */
    timeline_event(&r->tl, "run_end", NULL,
                   json_pack("{s:b}", "interrupted", interrupted));
    watch_progress(r, 1);
    int rc =
        runner_write_run_json(cfg, r->started, ml_now_unix(), interrupted, err, errlen);
    if (rc) {
        /* The run.json of the start is there: score what ran from it (a
         * full disk that only the final, larger run.json hits included). */
        fprintf(stderr, "minerlab: %s; scoring from the run.json of the start\n", err);
        rc = 0;
    }
    return interrupted;
}

void runner_free(struct runner *r)
{
    proc_watchdog_stop();
    teardown(r);
}

int runner_run(const struct runner_config *cfg, char *err, size_t errlen)
{
    struct runner r;
    int rc = runner_begin(&r, cfg, err, errlen);
    if (!rc) {
        for (size_t i = 0; i < cfg->nscen && !r.stop; i++) {
            scen_run(&r, i);
            if (!r.stop && i + 1 < cfg->nscen)
                runner_wait(&r, cfg->gap_s);
        }
        if (!r.stop) /* late alerts for the last scenario */
            runner_wait(&r, cfg->grace_s);
        rc = runner_end(&r, err, errlen);
    }
    runner_free(&r);
    return rc;
}
