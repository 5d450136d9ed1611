#include "jtail.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "det_cli.h"
#include "det_proc.h"

#define LINE_CAP (64 * 1024)

double jtail_parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!p)
        return -1;
    double frac = 0, scale = 0.1;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
            frac += (*p - '0') * scale;
    long off = 0;
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, hh = 0, mm = 0;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 &&
            sscanf(p + 1, "%2d%2d", &hh, &mm) != 2)
            return -1;
        off = sign * (hh * 3600L + mm * 60L);
    } else if (*p != 'Z' && *p != '\0') {
        return -1;
    }
    return (double)(timegm(&tm) - off) + frac;
}

void jtail_endpoint(const char *ip, long port, char *out, size_t len)
{
    snprintf(out, len, strchr(ip, ':') ? "[%s]:%ld" : "%s:%ld", ip, port);
}

int jtail_feed(const struct jtail_adapter *ad, const char *line, size_t len,
               struct jtail_counts *c)
{
    c->lines++;
    json_error_t jerr;
    json_t *o = json_loadb(line, len, 0, &jerr);
    struct jtail_alert al;
    memset(&al, 0, sizeof(al));
    al.a.detector = ad->detector;
    al.a.score = -1;
    int rc = json_is_object(o) ? ad->map(o, &al) : -EINVAL;
    if (rc > 0) {
        al.a.reason = al.reason;
        rc = det_alert_emit(&al.a) < 0 ? -EIO : 1;
        c->alerts += rc == 1;
    } else if (rc == 0) {
        c->ignored++;
    } else {
        c->garbage++;
        rc = 0;
    }
    json_decref(o);
    return rc;
}

struct tail {
    const char *path;
    int fd;
    ino_t ino;
    off_t off;
    char *buf;
    size_t len;
    int skipping; /* an over-long line is being dropped */
};

/* Opens the file when it exists; at_end: start after what is there. */
static int tail_open(struct tail *t, int at_end)
{
    int fd = open(t->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    fstat(fd, &st);
    t->fd = fd;
    t->ino = st.st_ino;
    t->off = at_end ? st.st_size : 0;
    t->len = 0;
    t->skipping = 0;
    lseek(fd, t->off, SEEK_SET);
    return 0;
}

static int tail_lines(struct tail *t, const struct jtail_adapter *ad,
                      struct jtail_counts *c)
{
    char chunk[16384];
    ssize_t n;
    while ((n = read(t->fd, chunk, sizeof(chunk))) > 0) {
        t->off += n;
        for (ssize_t i = 0; i < n; i++) {
            if (chunk[i] != '\n') {
                if (t->len < LINE_CAP)
                    t->buf[t->len++] = chunk[i];
                else
                    t->skipping = 1;
                continue;
            }
            if (t->skipping) {
                c->lines++;
                c->garbage++;
            } else if (t->len > 0 && jtail_feed(ad, t->buf, t->len, c) < 0) {
                return -EIO;
            }
            t->len = 0;
            t->skipping = 0;
        }
    }
    return 0;
}

/* Rotation (another inode at the path) or truncation: start over. */
static void tail_check_rotation(struct tail *t, struct jtail_counts *c)
{
    struct stat path_st, fd_st;
    int gone = stat(t->path, &path_st) != 0;
    if (!gone && path_st.st_ino != t->ino) {
        close(t->fd);
        t->fd = -1;
        if (tail_open(t, 0) == 0)
            c->reopened++;
    } else if (fstat(t->fd, &fd_st) == 0 && fd_st.st_size < t->off) {
        t->off = 0;
        t->len = 0;
        lseek(t->fd, 0, SEEK_SET);
        c->reopened++;
    }
}

/* The file named by the environment, else the adapter's default when it
 * exists; NULL when neither (the adapter would have nothing to read). */
static const char *default_path(const struct jtail_adapter *ad, int must_exist)
{
    const char *env = getenv(ad->env_file);
    if (env && *env)
        return env;
    if (ad->default_file && (!must_exist || access(ad->default_file, F_OK) == 0))
        return ad->default_file;
    return NULL;
}

int jtail_main(const struct jtail_adapter *ad, int argc, char **argv)
{
    struct det_common_opts common;
    const char *input = NULL, *file = NULL;
    int from_start = 0, version = 0, needs = 0;
    det_common_defaults(&common, 200);
    char summary[512], input_help[160];
    snprintf(summary, sizeof(summary),
             "Alerts from %s, followed like tail -F. FILE: --input, else $%s%s%s.\n"
             "Not in minerlab run's default set without a file "
             "(--detector '%s:FILE').",
             ad->what, ad->env_file, ad->default_file ? ", else " : "",
             ad->default_file ? ad->default_file : "", ad->detector);
    snprintf(input_help, sizeof(input_help), "the %s file to follow", ad->what);
    struct opt copts[DET_COMMON_NOPTS];
    size_t nc = det_common_opt_table(&common, NULL, copts);
    const struct opt opts[] = {
        {"input", OPT_STRING, &input, 0, 0, "FILE", input_help},
        {"file", OPT_STRING, &file, 0, 0, "FILE", "the same"},
        {"from-start", OPT_FLAG, &from_start, 0, 0, NULL,
         "read an existing file from its start (default: only what is appended)"},
        {"version", OPT_FLAG, &version, 0, 0, NULL,
         "print the adapter's version and exit"},
        {"needs", OPT_FLAG, &needs, 0, 0, NULL,
         "say what it needs to run in minerlab run's default set, and exit"},
    };
    det_cli_parse(argc, argv, summary, copts, nc, opts, sizeof(opts) / sizeof(opts[0]));
    char vers[160];
    snprintf(vers, sizeof(vers), "minerlab %s %s adapter", MINERLAB_VERSION,
             ad->detector);
    if (version) {
        puts(vers);
        return 0;
    }
    if (needs) {
        if (!default_path(ad, 1))
            printf("needs --detector %s:FILE (or $%s): the %s file of a running %s\n",
                   ad->detector, ad->env_file, ad->what, ad->tool);
        return 0;
    }
    const char *path = input ? input : file;
    if (!path)
        path = default_path(ad, 0);
    volatile sig_atomic_t *stop = det_install_stop_handler();
    det_info_line(ad->detector, DET_OTHER,
                  json_pack("{s:s,s:s?}", "version", vers, "file", path));
    /* An alert the tool has written is read within one poll; the tool's own
     * latency is part of what is measured. */
    char basis[96];
    snprintf(basis, sizeof(basis), "one --interval-ms %ld poll of the file",
             common.interval_ms);
    det_min_observation(ad->detector, DET_OTHER, (double)common.interval_ms / 1000.0,
                        basis);
    struct jtail_counts c = {0};
    struct tail t = {.path = path, .fd = -1, .buf = malloc(LINE_CAP)};
    if (!t.buf)
        return 1;
    char msg[768];
    if (!path) {
        snprintf(msg, sizeof(msg),
                 "no %s file named (--detector '%s:FILE' or $%s): nothing to read",
                 ad->what, ad->detector, ad->env_file);
        det_alert_degraded(ad->detector, DET_OTHER, msg);
    } else if (tail_open(&t, !from_start) < 0) {
        snprintf(msg, sizeof(msg), "%s does not exist yet (%s): waiting for it", path,
                 strerror(errno));
        det_alert_degraded(ad->detector, DET_OTHER, msg);
    }
    int rc = 0;
    while (!*stop && rc == 0) {
        if (path && t.fd < 0 && tail_open(&t, 0) == 0) /* appeared: read it whole */
            fprintf(stderr, "%s: %s appeared\n", ad->detector, path);
        if (t.fd >= 0) {
            rc = tail_lines(&t, ad, &c);
            if (rc == 0)
                tail_check_rotation(&t, &c);
        }
        if (common.once)
            break;
        usleep((useconds_t)common.interval_ms * 1000);
    }
    if (t.fd >= 0 && rc == 0) /* what was written before the stop is still read */
        rc = tail_lines(&t, ad, &c);
    if (t.fd >= 0)
        close(t.fd);
    free(t.buf);
    fprintf(stderr, "%s: %llu lines, %llu alerts, %llu other records, %llu garbage\n",
            ad->detector, (unsigned long long)c.lines, (unsigned long long)c.alerts,
            (unsigned long long)c.ignored, (unsigned long long)c.garbage);
    det_info_line(ad->detector, DET_OTHER,
                  json_pack("{s:I,s:I,s:I,s:I,s:I}", "lines", (json_int_t)c.lines,
                            "alerts", (json_int_t)c.alerts, "other_records",
                            (json_int_t)c.ignored, "garbage_lines",
                            (json_int_t)c.garbage, "reopened", (json_int_t)c.reopened));
    return rc < 0 ? 1 : 0;
}
