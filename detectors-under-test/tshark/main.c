/*
 * minerlab-det-tshark: runs Debian's tshark with display filters equivalent
 * to the public network rules and turns its matches into protocol alerts.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "det_alert.h"
#include "det_pcap.h"
#include "linereader.h"
#include "opt.h"
#include "pool_endpoint.h"
#include "spawn_pipe.h"
#include "tshark_adapter.h"

#define DETECTOR "tshark"
#define LINE_CAP (256 * 1024)

struct opts {
    struct det_pcap_config pc;
    const char *domains;
    const char *tshark;
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: minerlab-det-tshark [options]\n" DET_PCAP_USAGE
            "  --domains FILE      pool domain list (default: pool-endpoint's list)\n"
            "  --tshark PATH       tshark binary (default: tshark on PATH)\n"
            "  -h, --help          this text\n");
}

/* Runs `tshark --version` and keeps its first line. 0 or -ENOENT. */
static int tshark_version(const char *bin, char *out, size_t len)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "'%s' --version 2>/dev/null", bin);
    FILE *p = strchr(bin, '\'') ? NULL : popen(cmd, "r");
    if (!p)
        return -ENOENT;
    int got = fgets(out, (int)len, p) != NULL;
    int st = pclose(p);
    if (!got || st != 0)
        return -ENOENT;
    out[strcspn(out, "\r\n")] = '\0';
    char *paren = strstr(out, " (Git");
    if (paren)
        *paren = '\0';
    return 0;
}

struct line_sink {
    void (*fn)(void *, char *);
    void *arg;
};

static int sink_line(void *ud, char *line, size_t len)
{
    struct line_sink *k = ud;
    (void)len;
    k->fn(k->arg, line);
    return 0;
}

/* Reads what is there and calls fn per complete line. 0 at EOF, 1 otherwise. */
static int read_lines(int fd, struct linereader *lr, void (*fn)(void *, char *),
                      void *arg)
{
    char buf[16384];
    struct line_sink k = {fn, arg};
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0)
        return n < 0 && errno == EINTR;
    linereader_feed(lr, buf, (size_t)n, sink_line, &k, NULL, 0);
    return 1;
}

struct state {
    struct tsa_seen *seen;
    unsigned long lines, alerts;
    char last_err[256];
};

static void on_out(void *arg, char *line)
{
    struct state *st = arg;
    struct tsa_hit h;
    char reason[320];
    st->lines++;
    if (tsa_classify(line, &h) != 1 || !tsa_seen_add(st->seen, &h))
        return;
    snprintf(reason, sizeof(reason), "rule %s: tshark display filter matched (%s)",
             h.rule, h.detail);
    struct det_flow flow = {.proto = h.proto, .src = h.src, .dst = h.dst};
    struct det_alert a = {.detector = DETECTOR,
                          .technique = DET_NETWORK,
                          .flow = &flow,
                          .score = 0.8,
                          .reason = reason,
                          .ts = h.ts};
    det_alert_emit(&a);
    st->alerts++;
}

static void on_err(void *arg, char *line)
{
    struct state *st = arg;
    /* tshark's start-up chatter, and its complaints about an unreadable
     * ~/.config/wireshark when run as another user, are not the error. */
    static const char *const noise[] = {"Running as user",
                                        "Capture started",
                                        "File: ",
                                        "Error loading table",
                                        "permission to read the file",
                                        "Could not open your",
                                        "preferences file",
                                        NULL};
    const char *msg = !strncmp(line, "tshark: ", 8) ? line + 8 : line;
    for (int i = 0; noise[i]; i++)
        if (strstr(msg, noise[i]))
            return;
    if (!*msg || msg[0] == '"')
        return;
    fprintf(stderr, "tshark: %s\n", msg);
    /* Keep the most telling line: a capture-permission or interface error wins. */
    if (strstr(st->last_err, "permission") || strstr(st->last_err, "o such device"))
        return;
    if (strstr(msg, "packets captured") || strstr(msg, "packets dropped"))
        return;
    snprintf(st->last_err, sizeof(st->last_err), "%s", msg);
}

static int parse_args(struct opts *o, int argc, char **argv)
{
    char err[256];
    for (int i = 1; i < argc; i++) {
        int rc = det_pcap_parse_option(&o->pc, argc, argv, &i, err, sizeof(err));
        if (rc > 0)
            continue;
        if (rc == 0 && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
            usage(stdout);
            exit(0);
        } else if (rc == 0 && !strcmp(argv[i], "--domains") && i + 1 < argc) {
            o->domains = argv[++i];
        } else if (rc == 0 && !strcmp(argv[i], "--tshark") && i + 1 < argc) {
            o->tshark = argv[++i];
        } else {
            fprintf(stderr, "minerlab-det-tshark: %s\n",
                    rc < 0 ? err : "unknown option or missing value (see --help)");
            return -1;
        }
    }
    return 0;
}

/* The tshark argv: source, filters and the fields tsa_classify reads. */
static char **build_argv(const struct opts *o, const char *iface, char *filter)
{
    size_t n = 0, cap = 64;
    char **av = calloc(cap, sizeof(char *));
    if (!av)
        return NULL;
    av[n++] = (char *)o->tshark;
    av[n++] = o->pc.read_file ? "-r" : "-i";
    av[n++] = (char *)(o->pc.read_file ? o->pc.read_file : iface);
    if (!o->pc.read_file) {
        av[n++] = "-l"; /* line-buffered: alerts as packets arrive */
        av[n++] = "-s";
        av[n++] = "4096";
    }
    if (o->pc.filter && !o->pc.read_file) {
        av[n++] = "-f";
        av[n++] = (char *)o->pc.filter;
    } else if (o->pc.filter) {
        /* tshark applies BPF only while capturing, not to files. */
        fprintf(stderr, "minerlab-det-tshark: --filter ignored with --read\n");
    }
    av[n++] = "-n";
    av[n++] = "-T";
    av[n++] = "fields";
    av[n++] = "-E";
    av[n++] = "separator=/t";
    av[n++] = "-E";
    av[n++] = "occurrence=f";
    av[n++] = "-Y";
    av[n++] = filter;
    for (size_t i = 0; tsa_fields[i] && n + 3 < cap; i++) {
        av[n++] = "-e";
        av[n++] = (char *)tsa_fields[i];
    }
    av[n] = NULL;
    return av;
}

int main(int argc, char **argv)
{
    struct opts o = {.tshark = "tshark"};
    struct state st = {0};
    char version[256], pathbuf[4096], err[512];
    struct pep *pep = NULL;
    char *filter = NULL, **av = NULL;
    struct linereader out, errr;
    linereader_init(&out, LINE_CAP - 2);
    linereader_init(&errr, LINE_CAP - 2);
    linereader_drop_long(&out);
    linereader_drop_long(&errr);
    int ret = 1;
    pid_t child = -1;
    if (parse_args(&o, argc, argv) < 0)
        return OPT_EXIT_USAGE;
    volatile sig_atomic_t *stop = det_install_stop_handler();
    const char *iface = o.pc.iface ? o.pc.iface : getenv("ML_IFACE");
    if (!iface || !*iface)
        iface = "lo";
    if (tshark_version(o.tshark, version, sizeof(version)) < 0) {
        det_alert_degraded(DETECTOR, DET_NETWORK, "tshark not found or not runnable");
        goto out;
    }
    det_info_line(DETECTOR, DET_NETWORK,
                  json_pack("{s:s,s:i,s:s}", "version", version, "min_observation_s", 0,
                            "min_observation_basis", "first packets of a connection"));
    size_t nd = 0, np = 0;
    const uint16_t *ports = pep_default_ports(&np);
    if (pep_create(&pep, NULL) < 0)
        goto out;
    if (!o.domains)
        o.domains =
            pep_default_domains_path(pathbuf, sizeof(pathbuf), POOL_DOMAINS_SOURCE);
    if (pep_load_domains(pep, o.domains, err, sizeof(err)) < 0)
        det_alert_degraded(DETECTOR, DET_NETWORK, err);
    const char *const *domains = pep_domains(pep, &nd);
    filter = tsa_build_filter(domains, nd, ports, np);
    st.seen = tsa_seen_create(65536);
    av = filter ? build_argv(&o, iface, filter) : NULL;
    if (!filter || !st.seen || !av)
        goto out;
    int ofd, efd;
    /* SIGTERM when the adapter dies: tshark must never outlive it. */
    struct spawn_opts so = {.err = SPAWN_ERR_PIPE, .death_signal = SIGTERM};
    child = spawn_pipe(av, &so, &ofd, &efd);
    if (child < 0) {
        det_alert_degraded(DETECTOR, DET_NETWORK, "cannot start tshark");
        goto out;
    }
    struct pollfd pf[2] = {{.fd = ofd, .events = POLLIN},
                           {.fd = efd, .events = POLLIN}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (*stop && child > 0) {
            kill(child, SIGTERM); /* tshark flushes and exits; keep reading */
            *stop = 0;
        }
        if (poll(pf, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int more = read_lines(pf[i].fd, i ? &errr : &out, i ? on_err : on_out, &st);
            if (!more) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
            }
        }
    }
    int status = 0;
    waitpid(child, &status, 0);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    int failed = code != 0 && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    if (failed) {
        snprintf(err, sizeof(err), "tshark exited with status %d%s%s", code,
                 st.last_err[0] ? ": " : "", st.last_err);
        det_alert_degraded(DETECTOR, DET_NETWORK, err);
    }
    fprintf(stderr,
            "minerlab-det-tshark: %lu matching packets, %lu alerts, tshark status %d\n",
            st.lines, st.alerts, code);
    det_info_line(DETECTOR, DET_NETWORK,
                  json_pack("{s:s,s:I,s:I,s:i}", "version", version, "matches",
                            (json_int_t)st.lines, "alerts", (json_int_t)st.alerts,
                            "tshark_status", code));
    ret = failed ? 2 : 0;
out:
    linereader_free(&out);
    linereader_free(&errr);
    free(av);
    free(filter);
    tsa_seen_destroy(st.seen);
    pep_destroy(pep);
    return ret;
}
