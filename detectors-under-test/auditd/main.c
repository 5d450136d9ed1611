/*
 * minerlab-det-auditd: Debian's auditd with exec and connect rules; the
 * audit log feeds the Sigma engine (linux/auditd, and process_creation /
 * network_connection events derived from the records). See README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditd_ctl.h"
#include "det_alert.h"
#include "det_cli.h"
#include "det_proc.h"
#include "sigma.h"
#include "sigma_src.h"

#define DETECTOR "auditd"

static const char summary[] =
    "Debian's auditd with execve and connect rules; the audit log feeds the Sigma\n"
    "engine. Rules: --rules DIR (or --input DIR), else $ML_SIGMA_RULES, else the\n"
    "project's. Not in minerlab run's default set: it changes the host's audit\n"
    "rules for the run (--detector auditd).";

struct det {
    struct det_common_opts common;
    const char *rules_dir, *input, *host_log, *replay;
    int version, needs;
    struct sigma_ruleset *rules;
    struct sigma_alerter *al;
    struct sigma_audit *audit;
    int err;
};

static void on_event(void *ctx, const struct sigma_event *ev, int pid)
{
    struct det *d = ctx;
    const char *ppid = sigma_event_get(ev, "ppid");
    if (pid > 0 &&
        (det_proc_is_self_or_parent(pid) || (ppid && atoi(ppid) == getpid())))
        return;
    if (sigma_alerter_eval(d->al, d->rules, ev, pid) < 0)
        d->err = -EIO;
}

/* Reads complete lines from fd into the audit parser; keeps a partial tail. */
static void read_lines(struct det *d, int fd, char *buf, size_t cap, size_t *len)
{
    ssize_t n;
    while ((n = read(fd, buf + *len, cap - *len - 1)) > 0) {
        *len += (size_t)n;
        buf[*len] = '\0';
        char *start = buf, *nl;
        while ((nl = strchr(start, '\n'))) {
            *nl = '\0';
            sigma_audit_line(d->audit, start);
            start = nl + 1;
        }
        *len = (size_t)(buf + *len - start);
        memmove(buf, start, *len);
        if (*len == cap - 1) /* a line longer than the buffer: drop it */
            *len = 0;
    }
}

static int follow(struct det *d, const char *path, int from_start,
                  volatile sig_atomic_t *stop)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    int fd = -1;
    struct stat st;
    ino_t ino = 0;
    while (buf && !*stop && d->err == 0) {
        if (fd < 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
            fstat(fd, &st);
            ino = st.st_ino;
            if (!from_start)
                lseek(fd, 0, SEEK_END);
            from_start = 1; /* a rotated or late file is read whole */
        }
        if (fd >= 0) {
            read_lines(d, fd, buf, cap, &len);
            sigma_audit_tick(d->audit);
            if (stat(path, &st) == 0 && st.st_ino != ino) {
                close(fd);
                fd = -1;
                len = 0;
            }
        }
        if (d->common.once)
            break;
        usleep((useconds_t)d->common.interval_ms * 1000);
    }
    sigma_audit_flush(d->audit);
    if (fd >= 0)
        close(fd);
    free(buf);
    return d->err;
}

static int setup(struct det *d, int argc, char **argv, char *err, size_t errlen)
{
    det_common_defaults(&d->common, 200);
    d->host_log = "/var/log/audit/audit.log";
    struct opt common[DET_COMMON_NOPTS];
    size_t nc = det_common_opt_table(&d->common, NULL, common);
    const struct opt opts[] = {
        {"rules", OPT_STRING, &d->rules_dir, 0, 0, "DIR", "Sigma rules"},
        {"input", OPT_STRING, &d->input, 0, 0, "DIR",
         "the same (--detector auditd:DIR passes it)"},
        {"log", OPT_STRING, &d->host_log, 0, 0, "FILE",
         "the host's audit log, read when its auditd already runs"},
        {"replay", OPT_STRING, &d->replay, 0, 0, "FILE",
         "evaluate a recorded audit log and exit (no auditd, no rules changed)"},
        {"version", OPT_FLAG, &d->version, 0, 0, NULL,
         "print auditd's version and exit"},
        {"needs", OPT_FLAG, &d->needs, 0, 0, NULL,
         "say why it is not in minerlab run's default set, and exit"},
    };
    det_cli_parse(argc, argv, summary, common, nc, opts,
                  sizeof(opts) / sizeof(opts[0]));
    if (d->version || d->needs) {
        char v[128];
        auditd_ctl_version(v, sizeof(v));
        if (d->version)
            det_print_version(v);
        else
            puts("opt-in: it changes the host's audit rules for the run and audits "
                 "every exec and connect on the host (--detector auditd)");
        exit(0);
    }
    if (!(d->rules =
              sigma_load_rules(d->rules_dir, d->input, &d->rules_dir, err, errlen)))
        return -EINVAL;
    d->al = sigma_alerter_new(DETECTOR, d->common.cooldown_s);
    d->audit = sigma_audit_new(on_event, d);
    return d->al && d->audit ? 0 : -ENOMEM;
}

int main(int argc, char **argv)
{
    struct det d = {0};
    struct auditd_ctl ctl;
    char err[1024] = "", version[128];
    memset(&ctl, 0, sizeof(ctl));
    if (setup(&d, argc, argv, err, sizeof(err)) < 0) {
        fprintf(stderr, "minerlab-det-auditd: %s\n", err[0] ? err : "out of memory");
        return 2;
    }
    volatile sig_atomic_t *stop = det_install_stop_handler();
    auditd_ctl_version(version, sizeof(version));
    int rc = 0, started = 0;
    const char *log = d.replay;
    if (!d.replay) {
        rc = auditd_ctl_start(&ctl, d.host_log, err, sizeof(err));
        started = rc == 0;
        log = started ? ctl.log : NULL;
    }
    json_t *rules = json_array();
    for (size_t i = 0; auditd_ctl_rules[i]; i++)
        json_array_append_new(rules, json_string(auditd_ctl_rules[i]));
    det_info_line(DETECTOR, DET_SCRIPT,
                  json_pack("{s:s,s:s,s:I,s:I,s:o,s:s?,s:s}", "version", version,
                            "rules", d.rules_dir, "rules_loaded",
                            (json_int_t)sigma_ruleset_count(d.rules), "rules_skipped",
                            (json_int_t)sigma_ruleset_skipped(d.rules), "audit_rules",
                            rules, "audit_log", log, "auditd",
                            d.replay         ? "replay"
                            : !started       ? "unavailable"
                            : ctl.daemon > 0 ? "started by the detector"
                                             : "host's"));
    char basis[128];
    snprintf(basis, sizeof(basis),
             "two --interval-ms %ld polls of the audit log (an event without its "
             "EOE record is emitted at the next poll)",
             d.common.interval_ms);
    det_min_observation(DETECTOR, DET_SCRIPT,
                        2.0 * (double)d.common.interval_ms / 1000.0, basis);
    if (!d.replay && !started) {
        det_alert_degraded(DETECTOR, DET_SCRIPT, err);
        while (!*stop) /* keep running, as the protocol asks, with nothing to read */
            usleep(200000);
        rc = 0;
    } else {
        fprintf(stderr, "auditd: reading %s\n", log);
        rc = follow(&d, log, d.replay != NULL, stop);
    }
    if (started)
        auditd_ctl_stop(&ctl);
    uint64_t alerts, events, matches;
    sigma_alerter_counts(d.al, &alerts, &events, &matches);
    fprintf(stderr,
            "auditd: %llu records, %llu garbage lines, %llu events, %llu alerts\n",
            (unsigned long long)sigma_audit_records(d.audit),
            (unsigned long long)sigma_audit_garbage(d.audit),
            (unsigned long long)events, (unsigned long long)alerts);
    det_info_line(DETECTOR, DET_SCRIPT,
                  json_pack("{s:I,s:I,s:I,s:I}", "records",
                            (json_int_t)sigma_audit_records(d.audit), "garbage_lines",
                            (json_int_t)sigma_audit_garbage(d.audit), "events",
                            (json_int_t)events, "alerts", (json_int_t)alerts));
    sigma_audit_free(d.audit);
    sigma_alerter_free(d.al);
    sigma_ruleset_free(d.rules);
    return rc < 0 ? 1 : 0;
}
