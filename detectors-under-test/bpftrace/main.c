/*
 * minerlab-det-bpftrace: Debian's bpftrace tracing execve and connect
 * entries (the event source Falco and Tetragon use); its events feed the
 * Sigma engine. See README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bt_parse.h"
#include "det_alert.h"
#include "det_cli.h"
#include "det_proc.h"
#include "sigma.h"
#include "sigma_src.h"

#define DETECTOR "bpftrace"
#define TRACEFS "/sys/kernel/tracing"

extern char **environ;

static const char summary[] =
    "Debian's bpftrace tracing execve, execveat and connect; its events feed the\n"
    "Sigma engine. Rules: --rules DIR (or --input DIR), else $ML_SIGMA_RULES,\n"
    "else the project's.";

struct det {
    struct det_common_opts common;
    const char *rules_dir, *input, *replay;
    int version;
    struct sigma_ruleset *rules;
    struct sigma_alerter *al;
    struct bt_parser *bt;
    pid_t child;
    double started; /* when bpftrace was started (det_mono_s) */
    int err;
};

static void on_event(void *ctx, const struct sigma_event *ev, int pid)
{
    struct det *d = ctx;
    if (det_proc_is_self_or_parent(pid) || pid == d->child)
        return;
    if (sigma_alerter_eval(d->al, d->rules, ev, pid) < 0)
        d->err = -EIO;
}

/* Splits buf into lines for the parser; keeps the partial tail. */
static void feed(struct det *d, char *buf, size_t *len)
{
    char *start = buf, *nl;
    buf[*len] = '\0';
    while ((nl = memchr(start, '\n', (size_t)(buf + *len - start)))) {
        *nl = '\0';
        if (!strcmp(start, BT_READY_LINE)) /* BEGIN: every probe is attached */
            det_info_line(DETECTOR, DET_SCRIPT,
                          json_pack("{s:b,s:f}", "ready", 1, "attached_after_s",
                                    det_mono_s() - d->started));
        else if (strncmp(start, "Attaching ", 10))
            bt_parser_line(d->bt, start);
        start = nl + 1;
    }
    *len = (size_t)(buf + *len - start);
    memmove(buf, start, *len);
}

static int replay(struct det *d)
{
    FILE *f = fopen(d->replay, "r");
    if (!f) {
        fprintf(stderr, "minerlab-det-bpftrace: cannot read %s: %s\n", d->replay,
                strerror(errno));
        return 2;
    }
    char line[8192];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        bt_parser_line(d->bt, line);
    }
    fclose(f);
    bt_parser_flush(d->bt);
    return d->err ? 1 : 0;
}

/* bpftrace needs tracefs for tracepoints; mounts it when absent (1), else 0 or -errno.
 */
static int ensure_tracefs(void)
{
    struct stat st;
    if (stat(TRACEFS "/available_events", &st) == 0 ||
        stat("/sys/kernel/debug/tracing/available_events", &st) == 0)
        return 0;
    if (mount("nodev", TRACEFS, "tracefs", 0, NULL) != 0)
        return -errno;
    return 1;
}

static void version_of(char *buf, size_t len)
{
    snprintf(buf, len, "bpftrace (version unknown)");
    FILE *p = popen("bpftrace --version 2>/dev/null", "r");
    char line[128];
    if (p && fgets(line, sizeof(line), p)) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(buf, len, "%s", line);
    }
    if (p)
        pclose(p);
}

/* Starts bpftrace with stdout and stderr on pipes. */
static int start_bpftrace(struct det *d, int *out_fd, int *err_fd)
{
    int o[2], e[2];
    if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0)
        return -errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, o[1], 1);
    posix_spawn_file_actions_adddup2(&fa, e[1], 2);
    setenv("BPFTRACE_STRLEN", "200", 1);
    d->started = det_mono_s();
    char *argv[] = {"bpftrace", "-e", (char *)bt_script, NULL};
    int rc = posix_spawnp(&d->child, "bpftrace", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(o[1]);
    close(e[1]);
    if (rc != 0) {
        close(o[0]);
        close(e[0]);
        d->child = 0;
        return -rc;
    }
    *out_fd = o[0];
    *err_fd = e[0];
    return 0;
}

/* The last "ERROR:" line of bpftrace's stderr that is not the memlock notice. */
static void note_error(char *errbuf, size_t *errlen, char *why, size_t whylen)
{
    errbuf[*errlen] = '\0';
    char *line = errbuf, *nl;
    while ((nl = strchr(line, '\n'))) {
        *nl = '\0';
        fprintf(stderr, "bpftrace: %s\n", line);
        if (strstr(line, "ERROR") && !strstr(line, "RLIMIT_MEMLOCK"))
            snprintf(why, whylen, "%s", line);
        line = nl + 1;
    }
    *errlen = strlen(line);
    memmove(errbuf, line, *errlen);
}

static int live(struct det *d, volatile sig_atomic_t *stop)
{
    int out_fd = -1, err_fd = -1, rc = start_bpftrace(d, &out_fd, &err_fd);
    char why[512] = "", msg[768];
    if (rc < 0) {
        snprintf(msg, sizeof(msg), "bpftrace cannot be started: %s%s", strerror(-rc),
                 rc == -ENOENT ? " (Debian package bpftrace)" : "");
        det_alert_degraded(DETECTOR, DET_SCRIPT, msg);
        while (!*stop)
            usleep(200000);
        return 0;
    }
    size_t cap = 1 << 16, len = 0, elen = 0;
    char *buf = malloc(cap), ebuf[4096];
    int open_out = 1, open_err = 1;
    while (buf && !*stop && d->err == 0 && (open_out || open_err)) {
        struct pollfd pf[2] = {{.fd = open_out ? out_fd : -1, .events = POLLIN},
                               {.fd = open_err ? err_fd : -1, .events = POLLIN}};
        if (poll(pf, 2, 500) < 0 && errno != EINTR)
            break;
        if (pf[0].revents) {
            ssize_t n = read(out_fd, buf + len, cap - len - 1);
            if (n <= 0)
                open_out = 0;
            else if ((len += (size_t)n, feed(d, buf, &len), len == cap - 1))
                len = 0; /* a line longer than the buffer: drop it */
        }
        if (pf[1].revents) {
            ssize_t n = read(err_fd, ebuf + elen, sizeof(ebuf) - elen - 1);
            if (n <= 0)
                open_err = 0;
            else if ((elen += (size_t)n, note_error(ebuf, &elen, why, sizeof(why)),
                      elen == sizeof(ebuf) - 1))
                elen = 0;
        }
    }
    bt_parser_flush(d->bt);
    free(buf);
    kill(d->child, SIGINT); /* bpftrace detaches its probes on SIGINT */
    int st = 0, exited = 0;
    for (int i = 0; i < 40 && !(exited = waitpid(d->child, &st, WNOHANG) == d->child);
         i++)
        usleep(25000);
    if (!exited) {
        kill(d->child, SIGKILL);
        waitpid(d->child, &st, 0);
    }
    if (!*stop && d->err == 0) { /* bpftrace ended on its own: it could not trace */
        snprintf(msg, sizeof(msg), "bpftrace exited: %s",
                 why[0] ? why : "no reason given on stderr");
        det_alert_degraded(DETECTOR, DET_SCRIPT, msg);
        while (!*stop)
            usleep(200000);
    }
    close(out_fd);
    close(err_fd);
    return d->err;
}

int main(int argc, char **argv)
{
    struct det d = {0};
    char err[1024] = "", version[128];
    det_common_defaults(&d.common, 200);
    struct opt common[DET_COMMON_NOPTS];
    size_t nc = det_common_opt_table(&d.common, NULL, common);
    const struct opt opts[] = {
        {"rules", OPT_STRING, &d.rules_dir, 0, 0, "DIR", "Sigma rules"},
        {"input", OPT_STRING, &d.input, 0, 0, "DIR",
         "the same (--detector bpftrace:DIR passes it)"},
        {"replay", OPT_STRING, &d.replay, 0, 0, "FILE",
         "evaluate recorded bpftrace output and exit"},
        {"version", OPT_FLAG, &d.version, 0, 0, NULL,
         "print bpftrace's version and exit"},
    };
    det_cli_parse(argc, argv, summary, common, nc, opts,
                  sizeof(opts) / sizeof(opts[0]));
    if (d.version) {
        version_of(version, sizeof(version));
        det_print_version(version);
        return 0;
    }
    if (!(d.rules =
              sigma_load_rules(d.rules_dir, d.input, &d.rules_dir, err, sizeof(err)))) {
        fprintf(stderr, "minerlab-det-bpftrace: %s\n", err);
        return 2;
    }
    d.al = sigma_alerter_new(DETECTOR, d.common.cooldown_s);
    d.bt = bt_parser_new(d.common.proc_root, on_event, &d);
    if (!d.al || !d.bt)
        return 1;
    volatile sig_atomic_t *stop = det_install_stop_handler();
    version_of(version, sizeof(version));
    int mounted = 0, rc = 0;
    if (!d.replay)
        mounted = ensure_tracefs();
    det_info_line(DETECTOR, DET_SCRIPT,
                  json_pack("{s:s,s:s,s:I,s:I,s:s,s:s}", "version", version, "rules",
                            d.rules_dir, "rules_loaded",
                            (json_int_t)sigma_ruleset_count(d.rules), "rules_skipped",
                            (json_int_t)sigma_ruleset_skipped(d.rules), "probes",
                            "tracepoint:syscalls:sys_enter_execve, sys_enter_execveat, "
                            "sys_enter_connect",
                            "event_source", d.replay ? "replay" : "bpftrace"));
    /* A traced exec or connect is an event at once. Attaching takes seconds
     * (3-14 s measured under load): until the BEGIN probe's line the detector
     * says it is not ready, and the harness's warm-up waits for it. */
    det_min_observation(DETECTOR, DET_SCRIPT, 0,
                        "tracepoint events, at once once attached (ready: true)");
    if (!d.replay && mounted >= 0)
        det_info_line(DETECTOR, DET_SCRIPT, json_pack("{s:b}", "ready", 0));
    if (d.replay) {
        rc = replay(&d);
    } else if (mounted < 0) {
        snprintf(err, sizeof(err),
                 "tracefs is not mounted and cannot be mounted at " TRACEFS
                 " (%s): bpftrace has no tracepoints",
                 strerror(-mounted));
        det_alert_degraded(DETECTOR, DET_SCRIPT, err);
        while (!*stop)
            usleep(200000);
    } else {
        rc = live(&d, stop) < 0 ? 1 : 0;
    }
    if (mounted == 1 && umount2(TRACEFS, MNT_DETACH) != 0)
        fprintf(stderr, "bpftrace: cannot unmount " TRACEFS ": %s\n", strerror(errno));
    uint64_t alerts, events, matches;
    sigma_alerter_counts(d.al, &alerts, &events, &matches);
    fprintf(stderr, "bpftrace: %llu events, %llu garbage lines, %llu alerts\n",
            (unsigned long long)bt_parser_events(d.bt),
            (unsigned long long)bt_parser_garbage(d.bt), (unsigned long long)alerts);
    det_info_line(DETECTOR, DET_SCRIPT,
                  json_pack("{s:I,s:I,s:I}", "events",
                            (json_int_t)bt_parser_events(d.bt), "garbage_lines",
                            (json_int_t)bt_parser_garbage(d.bt), "alerts",
                            (json_int_t)alerts));
    bt_parser_free(d.bt);
    sigma_alerter_free(d.al);
    sigma_ruleset_free(d.rules);
    return rc;
}
