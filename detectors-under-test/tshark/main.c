/*
 * minerlab-det-tshark: runs Debian's tshark with display filters equivalent
 * to the public network rules and turns its matches into protocol alerts.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "det_alert.h"
#include "det_cli.h"
#include "det_home.h"
#include "det_pcap.h"
#include "det_proc.h"
#include "linereader.h"
#include "ml_util.h"
#include "pool_endpoint.h"
#include "spawn_pipe.h"
#include "ring.h"
#include "tshark_adapter.h"

#define DETECTOR "tshark"
#define LINE_CAP (256 * 1024)

struct opts {
    struct det_pcap_config pc;
    const char *domains;
    const char *tshark;
    const char *dumpcap;
    int direct;      /* live capture in tshark itself (the old way; drops under load) */
    long ring_s;     /* dumpcap starts a new ring file every ring_s seconds */
    long ring_files; /* and keeps at most this many */
    double drain_s;  /* after SIGTERM, tshark reads the backlog this long */
    int version;     /* --version: print tshark's version and exit */
    const char *home_net; /* $HOME_NET of the rules; NULL = any address */
};

/* How long, after SIGTERM, tshark may go on reading the ring's backlog by
 * default: the harness kills the group 3 s after its SIGTERM. */
#define DRAIN_S 2.2

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

/*
 * Starts argv with stdout and stderr on pipes. in_fd (may be NULL) gets a
 * non-blocking pipe to its stdin; such a reader (tshark on the ring) gets its
 * own process group, since tshark acts on SIGTERM even when it is ignored and
 * the harness's SIGTERM to our group would cut the backlog short: it ends at
 * EOF on stdin, or SIGKILL at the deadline, and its death signal kills it
 * with the adapter.
 */
static pid_t spawn(char **argv, int *in_fd, int *out_fd, int *err_fd)
{
    struct spawn_opts so = {.err = SPAWN_ERR_PIPE,
                            .death_signal = in_fd ? SIGKILL : SIGTERM,
                            .own_group = in_fd != NULL};
    pid_t pid = spawn_pipe_in(argv, &so, in_fd, out_fd, err_fd);
    if (pid > 0 && in_fd)
        fcntl(*in_fd, F_SETFL, O_NONBLOCK);
    return pid;
}

/* Reads what is there and calls fn per complete line. 0 at EOF, 1 otherwise. */
static int read_lines(int fd, struct linereader *lr, linereader_cb fn, void *arg)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0)
        return n < 0 && errno == EINTR;
    linereader_feed(lr, buf, (size_t)n, fn, arg, NULL, 0);
    return 1;
}

struct state {
    struct tsa_seen *seen;
    struct tsr *ring;
    unsigned long lines, alerts;
    uint64_t captured, dropped; /* tshark's or dumpcap's own count */
    int have_counts;
    char last_err[256];
};

static int on_out(void *arg, char *line, size_t len)
{
    (void)len;
    struct state *st = arg;
    struct tsa_hit h;
    char reason[320];
    st->lines++;
    if (tsa_classify(line, &h) != 1 || !tsa_seen_add(st->seen, &h))
        return 0;
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
    return 0;
}

static int on_err(void *arg, char *line, size_t len)
{
    (void)len;
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
            return 0;
    if (!*msg || msg[0] == '"')
        return 0;
    fprintf(stderr, "tshark: %s\n", msg);
    /* Keep the most telling line: a capture-permission or interface error wins. */
    if (strstr(st->last_err, "permission") || strstr(st->last_err, "o such device"))
        return 0;
    unsigned long long n;
    if (sscanf(msg, "%llu packets captured", &n) == 1) {
        st->captured = n, st->have_counts = 1;
        return 0;
    }
    if (sscanf(msg, "%llu packets dropped", &n) == 1) {
        st->dropped += n, st->have_counts = 1;
        return 0;
    }
    snprintf(st->last_err, sizeof(st->last_err), "%s", msg);
    return 0;
}

/* Parses argv into o (exits on --help and bad usage). */
static void parse_args(struct opts *o, int argc, char **argv)
{
    struct det_pcap_cli cli;
    struct opt popts[DET_PCAP_NOPTS];
    size_t np = det_pcap_opt_table(&o->pc, &cli, popts);
    const struct opt opts[] = {
        {"home-net", OPT_STRING, &o->home_net, 0, 0, "CIDR[,CIDR]",
         "the rules' $HOME_NET (default $ML_HOME_NET; unset: any address): only "
         "packets between it and the outside match"},
        {"domains", OPT_STRING, &o->domains, 0, 0, "FILE",
         "pool domain list (default: pool-endpoint's list)"},
        {"tshark", OPT_STRING, &o->tshark, 0, 0, "PATH", "tshark binary"},
        {"dumpcap", OPT_STRING, &o->dumpcap, 0, 0, "PATH", "dumpcap binary"},
        {"ring-seconds", OPT_LONG, &o->ring_s, 1, 3600, "N",
         "live: a new dumpcap ring file every N s"},
        {"ring-files", OPT_LONG, &o->ring_files, 2, 1000000, "N",
         "live: dumpcap keeps at most N files"},
        {"drain-s", OPT_DOUBLE, &o->drain_s, 0, 86400, "S",
         "live: after SIGTERM, read the ring's backlog for at most S s (the "
         "harness allows 3)"},
        {"direct", OPT_FLAG, &o->direct, 0, 0, NULL,
         "live: let tshark capture itself (no ring; drops packets when "
         "dissection falls behind)"},
        {"version", OPT_FLAG, &o->version, 0, 0, NULL,
         "print tshark's version and exit"},
    };
    det_pcap_short_options(argc, argv);
    det_cli_parse(argc, argv,
                  "Debian's tshark with display filters equivalent to the public "
                  "network rules; live capture goes through a dumpcap ring.",
                  popts, np, opts, sizeof(opts) / sizeof(opts[0]));
    det_pcap_opt_finish(&o->pc, &cli);
}

/* The tshark argv: source, filters and the fields tsa_classify reads. */
static char **build_argv(const struct opts *o, const char *iface, char *filter)
{
    size_t n = 0, cap = 64;
    char **av = calloc(cap, sizeof(char *));
    if (!av)
        return NULL;
    int ring = !o->pc.read_file && !o->direct;
    av[n++] = (char *)o->tshark;
    av[n++] = o->pc.read_file || ring ? "-r" : "-i";
    av[n++] = (char *)(o->pc.read_file ? o->pc.read_file : ring ? "-" : iface);
    if (ring) {
        av[n++] = "-l"; /* the ring's pcapng stream on stdin */
    } else if (!o->pc.read_file) {
        av[n++] = "-l"; /* line-buffered: alerts as packets arrive */
        av[n++] = "-s";
        av[n++] = "4096";
    }
    if (o->pc.filter && !o->pc.read_file && !ring) {
        av[n++] = "-f";
        av[n++] = (char *)o->pc.filter;
    } else if (o->pc.filter && o->pc.read_file) {
        /* tshark applies BPF only while capturing, not to files (with the
         * ring, dumpcap applies it). */
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

/* dumpcap writing the ring: same interface, snaplen and capture filter. */
static char **build_dumpcap_argv(const struct opts *o, const char *iface,
                                 const char *dir, char *spec[4])
{
    char **av = calloc(32, sizeof(char *));
    size_t n = 0;
    if (!av)
        return NULL;
    snprintf(spec[0], 64, "%d", o->pc.buffer_mib > 0 ? o->pc.buffer_mib : 64);
    snprintf(spec[1], 64, "duration:%ld", o->ring_s);
    snprintf(spec[2], 64, "files:%ld", o->ring_files);
    snprintf(spec[3], 4200, "%s/ring.pcapng", dir);
    av[n++] = (char *)o->dumpcap;
    av[n++] = "-i";
    av[n++] = (char *)iface;
    av[n++] = "-q";
    av[n++] = "-s";
    av[n++] = "4096";
    av[n++] = "-B"; /* MiB of kernel ring */
    av[n++] = spec[0];
    if (o->pc.filter) {
        av[n++] = "-f";
        av[n++] = (char *)o->pc.filter;
    }
    av[n++] = "-b";
    av[n++] = spec[1];
    av[n++] = "-b";
    av[n++] = spec[2];
    av[n++] = "-b";
    av[n++] = "printname:stdout";
    av[n++] = "-w";
    av[n++] = spec[3];
    av[n] = NULL;
    return av;
}

static int on_ring_name(void *arg, char *line, size_t len)
{
    (void)len;
    struct state *st = arg;
    tsr_add(st->ring, line);
    return 0;
}

static int on_dumpcap_err(void *arg, char *line, size_t len)
{
    (void)len;
    struct state *st = arg;
    uint64_t rx, dr;
    line += strspn(line, "\r"); /* dumpcap redraws its packet count with \r */
    if (tsr_parse_dumpcap_stats(line, &rx, &dr) == 0) {
        st->captured = rx, st->dropped = dr, st->have_counts = 1;
        fprintf(stderr, "dumpcap: %s\n", line);
        return 0;
    }
    if (!strncmp(line, "File: ", 6) || !strncmp(line, "Capturing on", 12) ||
        !strncmp(line, "Packets captured", 16) || !*line)
        return 0;
    fprintf(stderr, "dumpcap: %s\n", line);
    if (!strstr(st->last_err, "permission") && !strstr(st->last_err, "o such device"))
        snprintf(st->last_err, sizeof(st->last_err), "dumpcap: %s", line);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(int argc, char **argv)
{
    struct opts o = {.tshark = "tshark",
                     .dumpcap = "dumpcap",
                     .ring_s = 1,
                     .ring_files = 3600,
                     .drain_s = DRAIN_S,
                     .pc.buffer_mib = 64,
                     .home_net = det_home_env()};
    struct state st = {0};
    struct det_home_net home;
    char version[256], pathbuf[4096], err[512], dir[4096] = "";
    char spec0[64], spec1[64], spec2[64], spec3[4200];
    char *spec[4] = {spec0, spec1, spec2, spec3};
    struct pep *pep = NULL;
    char *filter = NULL, **av = NULL, **dav = NULL;
    struct linereader lr[4]; /* tshark stdout, stderr; dumpcap stdout, stderr */
    int ret = 1;
    pid_t child = -1, dumpcap = -1;
    parse_args(&o, argc, argv);
    if (det_home_parse(o.home_net, &home, err, sizeof(err)) < 0) {
        fprintf(stderr, "minerlab-det-tshark: --home-net: %s\n", err);
        return OPT_EXIT_USAGE;
    }
    for (int i = 0; i < 4; i++) {
        linereader_init(&lr[i], LINE_CAP);
        linereader_drop_long(&lr[i]);
    }
    volatile sig_atomic_t *stop = det_install_stop_handler();
    const char *iface = o.pc.iface ? o.pc.iface : getenv("ML_IFACE");
    if (!iface || !*iface)
        iface = "lo";
    int ring = !o.pc.read_file && !o.direct;
    if (tshark_version(o.tshark, version, sizeof(version)) < 0) {
        if (o.version) {
            fprintf(stderr, "minerlab-det-tshark: tshark not found or not runnable\n");
            return 1;
        }
        det_alert_degraded(DETECTOR, DET_NETWORK, "tshark not found or not runnable");
        goto out;
    }
    if (o.version) {
        det_print_version(version);
        return 0;
    }
    char homes[512];
    det_home_format(&home, homes, sizeof(homes));
    det_info_line(DETECTOR, DET_NETWORK,
                  json_pack("{s:s,s:i,s:s,s:s,s:s}", "version", version,
                            "min_observation_s", 0, "min_observation_basis",
                            "first packets of a connection", "home_net", homes,
                            "capture",
                            o.pc.read_file ? "file"
                            : ring         ? "dumpcap ring buffer"
                                           : "tshark live (direct)"));
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
    filter = tsa_build_filter(domains, nd, ports, np, &home);
    st.seen = tsa_seen_create(65536);
    st.ring = ring ? tsr_create() : NULL;
    av = filter ? build_argv(&o, iface, filter) : NULL;
    if (!filter || !st.seen || !av || (ring && !st.ring))
        goto out;
    /* pf: tshark stdout, tshark stderr, dumpcap stdout, dumpcap stderr, tshark stdin */
    struct pollfd pf[5] = {{.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1}};
    if (ring) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/minerlab-tshark-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            snprintf(err, sizeof(err), "cannot make the ring's dir: %s",
                     strerror(errno));
            dir[0] = '\0';
            det_alert_degraded(DETECTOR, DET_NETWORK, err);
            goto out;
        }
        dav = build_dumpcap_argv(&o, iface, dir, spec);
        if (!dav)
            goto out;
        dumpcap = spawn(dav, NULL, &pf[2].fd, &pf[3].fd);
        if (dumpcap < 0) {
            det_alert_degraded(DETECTOR, DET_NETWORK, "cannot start dumpcap");
            goto out;
        }
    }
    child = spawn(av, ring ? &pf[4].fd : NULL, &pf[0].fd, &pf[1].fd);
    if (child < 0) {
        det_alert_degraded(DETECTOR, DET_NETWORK, "cannot start tshark");
        goto out;
    }
    for (int i = 0; i < 4; i++)
        pf[i].events = POLLIN;
    linereader_cb fn[4] = {on_out, on_err, on_ring_name, on_dumpcap_err};
    double drain_until = 0;
    int stopping = 0;
    while (pf[0].fd >= 0 || pf[1].fd >= 0 || pf[2].fd >= 0 || pf[3].fd >= 0) {
        if (*stop && !stopping) {
            stopping = 1;
            drain_until = ring ? det_mono_s() + o.drain_s : 0;
            /* dumpcap closes its last file and names it; tshark then reads the
             * backlog until EOF on stdin. Without a ring, tshark flushes. */
            kill(ring ? dumpcap : child, SIGTERM);
        }
        if (pf[4].fd >= 0) {
            int more = tsr_feed(st.ring, pf[4].fd);
            int dumpcap_done = pf[2].fd < 0 && pf[3].fd < 0;
            if (more < 0 || (more == 0 && dumpcap_done)) {
                close(pf[4].fd); /* EOF: tshark finishes and exits */
                pf[4].fd = -1;
            }
            pf[4].events = more > 0 ? POLLOUT : 0;
        }
        if (stopping && drain_until > 0 && det_mono_s() > drain_until) {
            drain_until = 0; /* out of time: what is left goes unread */
            if (pf[4].fd >= 0)
                close(pf[4].fd);
            pf[4].fd = -1;
            if (dumpcap > 0)
                kill(dumpcap, SIGKILL);
            kill(child, SIGKILL);
        }
        if (stopping && !drain_until && pf[0].fd < 0 && pf[1].fd < 0)
            break; /* killed at the deadline; dumpcap's pipes may linger */
        if (poll(pf, 5, 100) <= 0)
            continue;
        for (int i = 0; i < 4; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (!read_lines(pf[i].fd, &lr[i], fn[i], &st)) {
                close(pf[i].fd);
                pf[i].fd = -1;
            }
        }
    }
    if (pf[4].fd >= 0)
        close(pf[4].fd);
    int status = 0, dstatus = 0;
    waitpid(child, &status, 0);
    if (dumpcap > 0)
        waitpid(dumpcap, &dstatus, 0);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    int failed = code != 0 && !(WIFSIGNALED(status) &&
                                (WTERMSIG(status) == SIGTERM || (ring && stopping)));
    if (ring && !stopping && WIFEXITED(dstatus) && WEXITSTATUS(dstatus) != 0)
        failed = 1, code = WEXITSTATUS(dstatus);
    if (failed) {
        snprintf(err, sizeof(err), "%s exited with status %d%s%s",
                 ring && st.last_err[0] == 'd' ? "dumpcap" : "tshark", code,
                 st.last_err[0] ? ": " : "", st.last_err);
        det_alert_degraded(DETECTOR, DET_NETWORK, err);
    }
    fprintf(stderr,
            "minerlab-det-tshark: %lu matching packets, %lu alerts, tshark status %d\n",
            st.lines, st.alerts, code);
    json_t *info = json_pack("{s:s,s:I,s:I,s:i}", "version", version, "matches",
                             (json_int_t)st.lines, "alerts", (json_int_t)st.alerts,
                             "tshark_status", code);
    if (st.have_counts) {
        json_object_set_new(info, "packets", json_integer((json_int_t)st.captured));
        json_object_set_new(info, "dropped", json_integer((json_int_t)st.dropped));
    }
    if (ring) {
        struct tsr_stats rs;
        tsr_stats(st.ring, &rs);
        json_object_set_new(info, "ring_files", json_integer((json_int_t)rs.files));
        json_object_set_new(info, "ring_files_lost",
                            json_integer((json_int_t)rs.files_lost));
        json_object_set_new(info, "ring_files_unread",
                            json_integer((json_int_t)rs.queued));
        json_object_set_new(info, "ring_bytes", json_integer((json_int_t)rs.bytes_fed));
    }
    det_info_line(DETECTOR, DET_NETWORK, info);
    ret = failed ? 2 : 0;
out:
    if (dir[0])
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (int i = 0; i < 4; i++)
        linereader_free(&lr[i]);
    free(av);
    free(dav);
    free(filter);
    tsr_destroy(st.ring);
    tsa_seen_destroy(st.seen);
    pep_destroy(pep);
    return ret;
}
