/*
 * minerlab-det-prometheus: starts Debian's prometheus, node_exporter and
 * process-exporter on loopback ports chosen at run time, with minerlab's
 * config and alerting rules, polls Prometheus's /api/v1/alerts and turns
 * firing alerts into protocol alerts. Everything it starts dies with it and
 * its temp dir is removed when it stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "det_alert.h"
#include "det_proc.h"
#include "prom.h"

#define DETECTOR "prometheus"
#define MAX_ALERTS 256
#define MAX_SEEN 4096
#define MAX_GROUP_PIDS 32

enum { C_NODE, C_PROCESS, C_PROM, C_N };

struct child {
    const char *name;
    const char *bin;
    pid_t pid;
    int port;
    int gone;
    char log[4200];
};

struct det {
    struct det_common_opts common;
    struct prom_rules rules;
    char dir[4096];
    struct child ch[C_N];
    char *seen[MAX_SEEN];
    size_t nseen;
    unsigned long polls, poll_errors, alerts;
    volatile sig_atomic_t *stop;
};

static const char usage[] =
    "usage: minerlab-det-prometheus [--scrape-s 15] [--for-s 60] [--host-cpu-pct 80]\n"
    "  [--group-share 0.5] [--new-group-cores 0.25] [--new-group-age-s 600]\n"
    "  [--prometheus BIN] [--node-exporter BIN] [--process-exporter BIN]\n"
    "  [--interval-ms 2000] [--proc-root /proc] [--iface IFACE] [--version]";

/* Last non-empty line of a child's log, for the degraded notice. */
static void log_tail(const struct child *c, char *out, size_t len)
{
    char buf[8192];
    size_t n = 0;
    snprintf(out, len, "(no output)");
    int fd = open(c->log, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
    ssize_t r = pread(fd, buf, sizeof(buf) - 1, from);
    close(fd);
    if (r <= 0)
        return;
    n = (size_t)r;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    char *nl = strrchr(buf, '\n');
    snprintf(out, len, "%.300s", nl ? nl + 1 : buf);
}

static int spawn(struct det *d, struct child *c, char *const argv[])
{
    snprintf(c->log, sizeof(c->log), "%s/%s.log", d->dir, c->name);
    int logfd = open(c->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (logfd < 0)
        return -errno;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the detector */
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(logfd);
    if (pid < 0)
        return -errno;
    c->pid = pid;
    return 0;
}

/* Reaps a child that exited; 1 when it is gone (reported once), else 0. */
static int child_gone(struct det *d, struct child *c)
{
    int st;
    if (c->gone)
        return 1;
    if (c->pid <= 0 || waitpid(c->pid, &st, WNOHANG) != c->pid)
        return 0;
    c->gone = 1;
    c->pid = 0;
    char tail[400], msg[700];
    log_tail(c, tail, sizeof(tail));
    snprintf(msg, sizeof(msg), "%s exited (%s %d): %s", c->name,
             WIFEXITED(st) ? "status" : "signal",
             WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), tail);
    det_alert_degraded(DETECTOR, DET_SYSTEM_METRICS, msg);
    (void)d;
    return 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits until GET path on c answers 200. 0, or -1 (gone, stopped or too slow). */
static int wait_ready(struct det *d, struct child *c, const char *path, double max_s)
{
    double until = det_mono_s() + max_s;
    while (!*d->stop && det_mono_s() < until) {
        char *body = NULL, err[256];
        size_t len;
        /* A first process-exporter scrape of a busy host takes over a second. */
        if (prom_http_get(c->port, path, 10000, &body, &len, err, sizeof(err)) == 0) {
            free(body);
            return 0;
        }
        if (child_gone(d, c))
            return -1;
        sleep_ms(200);
    }
    if (!*d->stop) {
        char msg[300];
        snprintf(msg, sizeof(msg), "%s did not answer on 127.0.0.1:%d%s in %.0f s",
                 c->name, c->port, path, max_s);
        det_alert_degraded(DETECTOR, DET_SYSTEM_METRICS, msg);
    }
    return -1;
}

static int version_of(const char *bin, const char *flag, char *out, size_t len)
{
    char cmd[600], line[512];
    if (strchr(bin, '\''))
        return -EINVAL;
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, flag);
    FILE *p = popen(cmd, "re");
    if (!p)
        return -errno;
    int rc = -ENOENT;
    while (fgets(line, sizeof(line), p))
        if (rc != 0 && prom_parse_version_line(line, out, len) == 0)
            rc = 0;
    if (pclose(p) != 0)
        rc = -ENOENT;
    return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void stop_stack(struct det *d)
{
    for (int i = 0; i < C_N; i++)
        if (d->ch[i].pid > 0)
            kill(d->ch[i].pid, i == C_PROM ? SIGTERM : SIGKILL);
    /* Prometheus flushes its head block on SIGTERM; the harness gives the
     * whole detector 3 s, so it gets 1.5 s before SIGKILL. */
    double until = det_mono_s() + 1.5;
    for (int i = 0; i < C_N; i++) {
        struct child *c = &d->ch[i];
        while (c->pid > 0) {
            if (waitpid(c->pid, NULL, WNOHANG) == c->pid || errno == ECHILD)
                break;
            if (det_mono_s() > until)
                kill(c->pid, SIGKILL);
            sleep_ms(20);
        }
        c->pid = 0;
    }
    if (d->dir[0])
        nftw(d->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    d->dir[0] = '\0';
}

/* The three tools' versions, or -ENOENT with the missing one named in err. */
static int stack_versions(const struct det *d, char *version, size_t vlen, char *err,
                          size_t errlen)
{
    char v[3][96] = {"", "", ""};
    const char *flags[C_N] = {"--version", "-version", "--version"};
    for (int i = 0; i < C_N; i++) {
        if (version_of(d->ch[i].bin, flags[i], v[i], sizeof(v[i])) < 0) {
            snprintf(err, errlen,
                     "%s not found or not runnable (%s); Debian package prometheus%s",
                     d->ch[i].name, d->ch[i].bin,
                     i == C_NODE      ? "-node-exporter"
                     : i == C_PROCESS ? "-process-exporter"
                                      : "");
            return -ENOENT;
        }
    }
    snprintf(version, vlen, "%s, %s, %s", v[C_PROM], v[C_NODE], v[C_PROCESS]);
    return 0;
}

static int start_stack(struct det *d, char *version, size_t vlen)
{
    char err[512], path[4200], rules[4200], pcfg[4200], buf[3][128];
    if (stack_versions(d, version, vlen, err, sizeof(err)) < 0) {
        det_alert_degraded(DETECTOR, DET_SYSTEM_METRICS, err);
        return -ENOENT;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(d->dir, sizeof(d->dir), "%s/minerlab-prom-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(d->dir)) {
        snprintf(err, sizeof(err), "cannot make a temp dir: %s", strerror(errno));
        d->dir[0] = '\0';
        det_alert_degraded(DETECTOR, DET_SYSTEM_METRICS, err);
        return -errno;
    }
    int ports[C_N];
    int prc = prom_free_ports(ports, C_N);
    if (prc < 0) {
        snprintf(err, sizeof(err), "no free loopback ports: %s", strerror(-prc));
        det_alert_degraded(DETECTOR, DET_SYSTEM_METRICS, err);
        return prc;
    }
    for (int i = 0; i < C_N; i++) {
        d->ch[i].port = ports[i];
        snprintf(buf[i], sizeof(buf[i]), "127.0.0.1:%d", ports[i]);
    }
    snprintf(rules, sizeof(rules), "%s/minerlab-rules.yml", d->dir);
    snprintf(path, sizeof(path), "%s/prometheus.yml", d->dir);
    snprintf(pcfg, sizeof(pcfg), "%s/process-exporter.yml", d->dir);
    if (prom_write_rules(rules, &d->rules, err, sizeof(err)) < 0 ||
        prom_write_config(path, rules, &d->rules, d->ch[C_NODE].port,
                          d->ch[C_PROCESS].port, err, sizeof(err)) < 0 ||
        prom_write_process_config(pcfg, err, sizeof(err)) < 0) {
        det_alert_degraded(DETECTOR, DET_SYSTEM_METRICS, err);
        return -EIO;
    }
    char listen[3][160], cfgflag[4300], tsdb[4300];
    snprintf(listen[C_NODE], sizeof(listen[0]), "--web.listen-address=%s", buf[C_NODE]);
    snprintf(listen[C_PROM], sizeof(listen[0]), "--web.listen-address=%s", buf[C_PROM]);
    snprintf(cfgflag, sizeof(cfgflag), "--config.file=%s", path);
    snprintf(tsdb, sizeof(tsdb), "--storage.tsdb.path=%s/data", d->dir);
    char *node_argv[] = {(char *)d->ch[C_NODE].bin, listen[C_NODE], NULL};
    /* The rules use neither smaps nor per-thread metrics; reading every
     * process's smaps made one scrape of a loaded host take over 2 s. */
    char *proc_argv[] = {(char *)d->ch[C_PROCESS].bin,
                         "-config.path",
                         pcfg,
                         "-web.listen-address",
                         buf[C_PROCESS],
                         "-procfs",
                         (char *)d->common.proc_root,
                         "-gather-smaps=false",
                         "-threads=false",
                         NULL};
    char *prom_argv[] = {(char *)d->ch[C_PROM].bin, cfgflag, tsdb, listen[C_PROM],
                         "--log.level=warn",        NULL};
    char *const *argvs[C_N] = {node_argv, proc_argv, prom_argv};
    const char *ready[C_N] = {"/metrics", "/metrics", "/-/ready"};
    for (int i = 0; i < C_N; i++) {
        int rc = spawn(d, &d->ch[i], argvs[i]);
        if (rc < 0) {
            snprintf(err, sizeof(err), "cannot start %s: %s", d->ch[i].name,
                     strerror(-rc));
            det_alert_degraded(DETECTOR, DET_SYSTEM_METRICS, err);
            return rc;
        }
    }
    for (int i = 0; i < C_N; i++)
        if (wait_ready(d, &d->ch[i], ready[i], 60) < 0)
            return -EIO;
    return 0;
}

static int seen_add(struct det *d, const char *key)
{
    for (size_t i = 0; i < d->nseen; i++)
        if (!strcmp(d->seen[i], key))
            return 0;
    if (d->nseen == MAX_SEEN) { /* forget the oldest half */
        for (size_t i = 0; i < MAX_SEEN / 2; i++)
            free(d->seen[i]);
        memmove(d->seen, d->seen + MAX_SEEN / 2, (MAX_SEEN / 2) * sizeof(*d->seen));
        d->nseen = MAX_SEEN / 2;
    }
    d->seen[d->nseen] = strdup(key);
    if (d->seen[d->nseen])
        d->nseen++;
    return 1;
}

static void emit(struct det *d, int pid, const char *reason)
{
    struct det_alert a = {.detector = DETECTOR,
                          .technique = DET_SYSTEM_METRICS,
                          .pid = pid,
                          .score = 0.7,
                          .reason = reason};
    det_alert_emit(&a);
    d->alerts++;
}

/* One firing alert: host-level, or one protocol alert per pid of its group. */
static void report(struct det *d, const struct prom_alert *a)
{
    char reason[1400], pidlist[400] = "";
    int pids[MAX_GROUP_PIDS], keep[MAX_GROUP_PIDS], nkeep = 0;
    if (a->group[0]) {
        int n = prom_group_pids(d->common.proc_root, a->group, pids, MAX_GROUP_PIDS);
        for (int i = 0; i < n && i < MAX_GROUP_PIDS; i++)
            if (!det_proc_is_self_or_parent(pids[i]))
                keep[nkeep++] = pids[i];
        size_t used = 0;
        for (int i = 0; i < nkeep && used + 12 < sizeof(pidlist); i++)
            used += (size_t)snprintf(pidlist + used, sizeof(pidlist) - used, "%s%d",
                                     i ? " " : "", keep[i]);
        snprintf(reason, sizeof(reason),
                 "Prometheus alert %s firing since %s (value %s): %s; process group "
                 "'%s' = pids [%s] (comm lookup, as pgrep -x)",
                 a->name, a->active_at, a->value, a->summary, a->group,
                 nkeep ? pidlist : "none left");
    } else {
        snprintf(reason, sizeof(reason),
                 "Prometheus alert %s firing since %s (value %s): %s", a->name,
                 a->active_at, a->value, a->summary);
    }
    if (!nkeep)
        emit(d, 0, reason);
    for (int i = 0; i < nkeep; i++)
        emit(d, keep[i], reason);
}

static void poll_alerts(struct det *d)
{
    static struct prom_alert alerts[MAX_ALERTS];
    char *body = NULL, err[512];
    size_t len, n = 0;
    d->polls++;
    if (prom_http_get(d->ch[C_PROM].port, "/api/v1/alerts", 5000, &body, &len, err,
                      sizeof(err)) < 0 ||
        prom_parse_alerts(body, len, alerts, MAX_ALERTS, &n, err, sizeof(err)) < 0) {
        if (d->poll_errors++ < 5)
            fprintf(stderr, "minerlab-det-prometheus: %s\n", err);
        free(body);
        return;
    }
    free(body);
    for (size_t i = 0; i < n; i++) {
        char key[400];
        if (strcmp(alerts[i].state, "firing"))
            continue;
        snprintf(key, sizeof(key), "%s|%s|%s", alerts[i].name, alerts[i].group,
                 alerts[i].active_at);
        if (seen_add(d, key))
            report(d, &alerts[i]);
    }
}

int main(int argc, char **argv)
{
    static struct det d;
    char err[1024], version[400] = "";
    int want_version = 0;
    det_common_defaults(&d.common, 2000);
    prom_rules_defaults(&d.rules);
    d.ch[C_NODE] =
        (struct child){.name = "node_exporter", .bin = "prometheus-node-exporter"};
    d.ch[C_PROCESS] = (struct child){.name = "process-exporter",
                                     .bin = "prometheus-process-exporter"};
    d.ch[C_PROM] = (struct child){.name = "prometheus", .bin = "prometheus"};
    const struct det_opt opts[] = {
        {"scrape-s", DET_OPT_DOUBLE, &d.rules.scrape_s, 1, 3600},
        {"for-s", DET_OPT_DOUBLE, &d.rules.for_s, 0, 86400},
        {"host-cpu-pct", DET_OPT_DOUBLE, &d.rules.host_cpu_pct, 0, 100},
        {"group-share", DET_OPT_DOUBLE, &d.rules.group_share, 0, 1},
        {"new-group-cores", DET_OPT_DOUBLE, &d.rules.new_group_cores, 0, 4096},
        {"new-group-age-s", DET_OPT_DOUBLE, &d.rules.new_group_age_s, 1, 1e7},
        {"prometheus", DET_OPT_STRING, &d.ch[C_PROM].bin, 0, 0},
        {"node-exporter", DET_OPT_STRING, &d.ch[C_NODE].bin, 0, 0},
        {"process-exporter", DET_OPT_STRING, &d.ch[C_PROCESS].bin, 0, 0},
        {"version", DET_OPT_FLAG, &want_version, 0, 0},
    };
    if (det_parse_args(argc, argv, &d.common, opts, sizeof(opts) / sizeof(opts[0]),
                       usage, err, sizeof(err)) < 0) {
        fprintf(stderr, "minerlab-det-prometheus: %s\n", err);
        return 64;
    }
    if (want_version) {
        if (stack_versions(&d, version, sizeof(version), err, sizeof(err)) < 0) {
            fprintf(stderr, "minerlab-det-prometheus: %s\n", err);
            return 1;
        }
        puts(version);
        return 0;
    }
    d.stop = det_install_stop_handler();
    int rc = start_stack(&d, version, sizeof(version));
    if (rc < 0) {
        stop_stack(&d);
        return rc == -ENOENT ? 1 : 2;
    }
    det_info_line(DETECTOR, DET_SYSTEM_METRICS,
                  json_pack("{s:s,s:f,s:f,s:f,s:s,s:i}", "version", version,
                            "min_observation_s", prom_min_observation_s(&d.rules),
                            "for_s", d.rules.for_s, "scrape_interval_s",
                            d.rules.scrape_s, "rules",
                            "HostHighCpuLoad, ProcessGroupHighCpuShare, "
                            "NewProcessGroupSustainedCpu",
                            "prometheus_port", d.ch[C_PROM].port));
    int exit_code = 0;
    while (!*d.stop) {
        double t0 = det_mono_s();
        if (child_gone(&d, &d.ch[C_PROM])) {
            exit_code = 2;
            break;
        }
        child_gone(&d, &d.ch[C_NODE]);
        child_gone(&d, &d.ch[C_PROCESS]);
        poll_alerts(&d);
        double left = (double)d.common.interval_ms / 1000.0 - (det_mono_s() - t0);
        if (left > 0 && !*d.stop)
            sleep_ms((long)(left * 1000));
    }
    stop_stack(&d);
    det_info_line(DETECTOR, DET_SYSTEM_METRICS,
                  json_pack("{s:I,s:I,s:I}", "polls", (json_int_t)d.polls,
                            "poll_errors", (json_int_t)d.poll_errors, "alerts",
                            (json_int_t)d.alerts));
    for (size_t i = 0; i < d.nseen; i++)
        free(d.seen[i]);
    return exit_code;
}
