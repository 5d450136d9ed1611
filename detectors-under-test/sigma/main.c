/*
 * minerlab-det-sigma: the Sigma rule engine on events it collects itself —
 * process creation (netlink process connector, or /proc polling), outbound
 * TCP connections (/proc/net/tcp), DNS (libpcap on the capture interface).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "det_alert.h"
#include "det_cli.h"
#include "det_pcap.h"
#include "det_proc.h"
#include "exec_watch.h"
#include "sigma.h"
#include "sigma_src.h"

#define DETECTOR "sigma"
#define PIDS_MAX 65536

static const char summary[] =
    "The Sigma rule engine on exec events (netlink proc connector, else /proc\n"
    "polling), TCP connections (/proc/net/tcp) and DNS (libpcap, udp/53).\n"
    "Rules: --rules DIR (or --input DIR), else $ML_SIGMA_RULES, else the\n"
    "project's (" SIGMA_RULES_SOURCE ").";

struct sigma_det {
    struct det_common_opts common;
    const char *rules_dir, *input, *mode;
    int no_dns, no_conns, version;
    const char *iface;
    struct sigma_ruleset *rules;
    struct sigma_alerter *al;
    struct sigma_conns *conns;
    struct sigma_names *names;
    pcap_t *pcap;
    int dlt;
    int nl_fd;
    uint64_t *known; /* poll mode: start ticks per pid slot */
    int *pids;
    int polled_once;
    int err;
    uint64_t dns_msgs;
};

static int on_exec(void *ctx, int pid, int exec)
{
    struct sigma_det *d = ctx;
    struct sigma_proc p;
    struct sigma_event ev;
    if (!exec || det_proc_is_self_or_parent(pid) ||
        sigma_proc_event(d->common.proc_root, pid, &p, &ev) < 0)
        return 0;
    return sigma_alerter_eval(d->al, d->rules, &ev, pid);
}

/* Without the connector: every pid not seen at the previous poll is new. */
static int poll_processes(struct sigma_det *d)
{
    size_t n = 0;
    if (det_proc_list_pids(d->common.proc_root, d->pids, PIDS_MAX, &n) < 0)
        return 0;
    int alerts = 0;
    for (size_t i = 0; i < n; i++) {
        struct det_proc_stat st;
        int pid = d->pids[i];
        if (det_proc_read_stat(d->common.proc_root, pid, 0, &st) < 0)
            continue;
        uint64_t *k = &d->known[(unsigned)pid % PIDS_MAX];
        if (*k == st.start_ticks + 1)
            continue;
        *k = st.start_ticks + 1;
        if (d->polled_once) {
            int rc = on_exec(d, pid, 1);
            if (rc < 0)
                return rc;
            alerts += rc;
        }
    }
    d->polled_once = 1;
    return alerts;
}

static void on_conn(void *ctx, const struct sigma_event *ev)
{
    struct sigma_det *d = ctx;
    const char *pid = sigma_event_get(ev, "ProcessId");
    if (pid && det_proc_is_self_or_parent(atoi(pid)))
        return;
    if (sigma_alerter_eval(d->al, d->rules, ev, 0) < 0)
        d->err = -EIO;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct sigma_det *d = (struct sigma_det *)user;
    struct det_pkt p;
    struct sigma_dns dns;
    struct sigma_event ev;
    double ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
    if (det_pcap_parse(d->dlt, bytes, h->caplen, h->len, ts, &p) < 0 ||
        p.l4 != IPPROTO_UDP || (p.sport != 53 && p.dport != 53) ||
        sigma_dns_parse(p.payload, p.payload_len, &dns) < 0)
        return;
    d->dns_msgs++;
    if (dns.response)
        sigma_names_add(d->names, &dns);
    sigma_dns_event(&dns, &ev);
    /* The querier's flow, so the alert is attributed to its socket, not to the host. */
    char cip[64], sip[64], cport[8], sport[8];
    int resp = dns.response;
    inet_ntop(p.family, resp ? p.dst_addr : p.src_addr, cip, sizeof(cip));
    inet_ntop(p.family, resp ? p.src_addr : p.dst_addr, sip, sizeof(sip));
    snprintf(cport, sizeof(cport), "%u", (unsigned)(resp ? p.dport : p.sport));
    snprintf(sport, sizeof(sport), "%u", (unsigned)(resp ? p.sport : p.dport));
    sigma_event_add(&ev, "SourceIp", cip);
    sigma_event_add(&ev, "SourcePort", cport);
    sigma_event_add(&ev, "DestinationIp", sip);
    sigma_event_add(&ev, "DestinationPort", sport);
    sigma_event_add(&ev, "Protocol", "udp");
    if (sigma_alerter_eval(d->al, d->rules, &ev, 0) < 0)
        d->err = -EIO;
}

static int open_dns_capture(struct sigma_det *d, char *why, size_t len)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
    d->pcap = pcap_create(d->iface, eb);
    if (!d->pcap || pcap_set_snaplen(d->pcap, 2048) || pcap_set_timeout(d->pcap, 100) ||
        pcap_set_immediate_mode(d->pcap, 1) || pcap_activate(d->pcap) < 0) {
        snprintf(why, len, "DNS capture on %s unavailable (%s): dns rules see nothing",
                 d->iface, d->pcap ? pcap_geterr(d->pcap) : eb);
        goto fail;
    }
    d->dlt = pcap_datalink(d->pcap);
    if (pcap_compile(d->pcap, &prog, "udp port 53", 1, PCAP_NETMASK_UNKNOWN) < 0 ||
        pcap_setfilter(d->pcap, &prog) < 0) {
        snprintf(why, len, "DNS capture filter failed: %s", pcap_geterr(d->pcap));
        goto fail;
    }
    pcap_freecode(&prog);
    if (pcap_setnonblock(d->pcap, 1, eb) < 0 || pcap_get_selectable_fd(d->pcap) < 0) {
        snprintf(why, len, "DNS capture cannot be polled");
        goto fail;
    }
    return 0;
fail:
    if (d->pcap)
        pcap_close(d->pcap);
    d->pcap = NULL;
    return -1;
}

static void version_string(char *buf, size_t len)
{
    snprintf(buf, len, "minerlab %s sigma engine (libyaml %s)", MINERLAB_VERSION,
             yaml_get_version_string());
}

static void write_info(struct sigma_det *d, const char *proc_source,
                       const char *dns_source)
{
    char version[160];
    version_string(version, sizeof(version));
    json_t *kinds = json_object();
    for (int k = 0; k < SIGMA_NKINDS; k++)
        json_object_set_new(kinds, sigma_kind_name((enum sigma_kind)k),
                            json_integer((json_int_t)sigma_ruleset_count_kind(
                                d->rules, (enum sigma_kind)k)));
    det_info_line(DETECTOR, DET_SCRIPT,
                  json_pack("{s:s,s:s,s:I,s:I,s:o,s:{s:s,s:s,s:s}}", "version", version,
                            "rules", d->rules_dir, "rules_loaded",
                            (json_int_t)sigma_ruleset_count(d->rules), "rules_skipped",
                            (json_int_t)sigma_ruleset_skipped(d->rules),
                            "rules_by_logsource", kinds, "event_sources",
                            "process_creation", proc_source, "network_connection",
                            d->no_conns ? "off" : "/proc/net/tcp poll", "dns",
                            dns_source));
}

static int setup(struct sigma_det *d, int argc, char **argv, char *err, size_t errlen)
{
    det_common_defaults(&d->common, 1000);
    d->mode = "auto";
    d->iface = getenv("ML_IFACE") && *getenv("ML_IFACE") ? getenv("ML_IFACE") : "lo";
    struct opt common[DET_COMMON_NOPTS];
    size_t nc = det_common_opt_table(&d->common, &d->iface, common);
    const struct opt opts[] = {
        {"rules", OPT_STRING, &d->rules_dir, 0, 0, "DIR",
         "Sigma rules (*.yml, *.yaml)"},
        {"input", OPT_STRING, &d->input, 0, 0, "DIR",
         "the same (--detector sigma:DIR passes it)"},
        {"mode", OPT_STRING, &d->mode, 0, 0, "MODE",
         "exec events: auto, netlink or poll"},
        {"no-dns", OPT_FLAG, &d->no_dns, 0, 0, NULL, "no DNS capture"},
        {"no-connections", OPT_FLAG, &d->no_conns, 0, 0, NULL,
         "no /proc/net/tcp connection polling"},
        {"version", OPT_FLAG, &d->version, 0, 0, NULL,
         "print the engine's version and exit"},
    };
    det_cli_parse(argc, argv, summary, common, nc, opts,
                  sizeof(opts) / sizeof(opts[0]));
    if (d->version) {
        char v[160];
        version_string(v, sizeof(v));
        puts(v);
        exit(0);
    }
    if (strcmp(d->mode, "auto") && strcmp(d->mode, "netlink") &&
        strcmp(d->mode, "poll")) {
        snprintf(err, errlen, "--mode wants auto, netlink or poll");
        return -EINVAL;
    }
    if (!(d->rules =
              sigma_load_rules(d->rules_dir, d->input, &d->rules_dir, err, errlen)))
        return -EINVAL;
    d->al = sigma_alerter_new(DETECTOR, d->common.cooldown_s);
    d->names = sigma_names_new();
    d->conns = sigma_conns_new(d->common.proc_root);
    d->known = calloc(PIDS_MAX, sizeof(*d->known));
    d->pids = calloc(PIDS_MAX, sizeof(*d->pids));
    if (!d->al || !d->names || !d->conns || !d->known || !d->pids) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

static void teardown(struct sigma_det *d)
{
    if (d->nl_fd >= 0)
        close(d->nl_fd);
    if (d->pcap)
        pcap_close(d->pcap);
    sigma_ruleset_free(d->rules);
    sigma_alerter_free(d->al);
    sigma_names_free(d->names);
    sigma_conns_free(d->conns);
    free(d->known);
    free(d->pids);
}

static int run(struct sigma_det *d, volatile sig_atomic_t *stop)
{
    double next_conn = 0, next_poll = 0;
    int pcap_fd = d->pcap ? pcap_get_selectable_fd(d->pcap) : -1;
    while (!*stop && d->err == 0) {
        struct pollfd pf[2] = {{.fd = d->nl_fd, .events = POLLIN},
                               {.fd = pcap_fd, .events = POLLIN}};
        int timeout = d->nl_fd < 0 || d->pcap ? 100 : (int)d->common.interval_ms;
        if (poll(pf, 2, timeout) < 0 && errno != EINTR)
            return -errno;
        int lost = 0, rc = 0;
        if (d->nl_fd >= 0 && (pf[0].revents & POLLIN))
            rc = exec_watch_netlink_drain(d->nl_fd, on_exec, d, &lost);
        if (rc < 0)
            return rc;
        if (d->pcap)
            pcap_dispatch(d->pcap, -1, on_packet, (u_char *)d);
        double now = det_mono_s();
        if (d->nl_fd < 0 && now >= next_poll) {
            next_poll = now + (double)d->common.interval_ms / 1000.0;
            if ((rc = poll_processes(d)) < 0)
                return rc;
        }
        if (!d->no_conns && now >= next_conn) {
            next_conn = now + (double)d->common.interval_ms / 1000.0;
            sigma_conns_poll(d->conns, d->names, on_conn, d);
        }
        if (d->common.once)
            break;
    }
    return d->err;
}

int main(int argc, char **argv)
{
    struct sigma_det d = {.nl_fd = -1};
    char err[1024] = "", why[512];
    int status = 0;
    if (setup(&d, argc, argv, err, sizeof(err)) < 0) {
        fprintf(stderr, "minerlab-det-sigma: %s\n", err);
        teardown(&d);
        return 2;
    }
    volatile sig_atomic_t *stop = det_install_stop_handler();
    const char *proc_source = "netlink proc connector";
    int rc = strcmp(d.mode, "poll") == 0           ? -EPERM
             : strcmp(d.common.proc_root, "/proc") ? -ENOTSUP
                                                   : exec_watch_netlink_open();
    if (rc >= 0) {
        d.nl_fd = rc;
    } else if (strcmp(d.mode, "netlink") == 0) {
        fprintf(stderr,
                "minerlab-det-sigma: netlink process connector unavailable: %s\n",
                strerror(-rc));
        teardown(&d);
        return 2;
    } else {
        proc_source = "/proc poll";
    }
    const char *dns_source = "off";
    why[0] = '\0';
    if (!d.no_dns)
        dns_source = open_dns_capture(&d, why, sizeof(why)) == 0 ? "libpcap udp/53"
                                                                 : "unavailable";
    write_info(&d, proc_source, dns_source);
    /* Exec events from the connector arrive at once; /proc polling (exec
     * without the connector, and connections always) sees them within one
     * --interval-ms. */
    char basis[160] = "netlink exec events and DNS packets, at once";
    int polled = d.nl_fd < 0 || !d.no_conns;
    if (polled)
        snprintf(basis, sizeof(basis), "one --interval-ms %ld poll of /proc%s",
                 d.common.interval_ms,
                 d.nl_fd < 0 ? "" : "/net/tcp (exec events at once)");
    det_min_observation(DETECTOR, DET_SCRIPT,
                        polled ? (double)d.common.interval_ms / 1000.0 : 0, basis);
    if (d.nl_fd < 0) {
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "netlink process connector not in use (%s): polling %s every %ld ms; "
                 "processes shorter than that are missed",
                 strcmp(d.mode, "poll") == 0 ? "--mode poll" : strerror(-rc),
                 d.common.proc_root, d.common.interval_ms);
        det_alert_degraded(DETECTOR, DET_SCRIPT, msg);
    }
    if (why[0])
        det_alert_degraded(DETECTOR, DET_NETWORK, why);
    if (sigma_ruleset_count(d.rules) == 0)
        det_alert_degraded(DETECTOR, DET_SCRIPT, "no Sigma rule could be loaded");
    fprintf(stderr, "sigma: %zu rules loaded, %zu skipped from %s\n",
            sigma_ruleset_count(d.rules), sigma_ruleset_skipped(d.rules), d.rules_dir);
    rc = run(&d, stop);
    if (rc < 0 && rc != -EIO) {
        fprintf(stderr, "minerlab-det-sigma: %s\n", strerror(-rc));
        status = 1;
    }
    uint64_t alerts, events, matches;
    sigma_alerter_counts(d.al, &alerts, &events, &matches);
    fprintf(
        stderr,
        "sigma: %llu events evaluated, %llu matches, %llu alerts, %llu DNS messages\n",
        (unsigned long long)events, (unsigned long long)matches,
        (unsigned long long)alerts, (unsigned long long)d.dns_msgs);
    det_info_line(DETECTOR, DET_SCRIPT,
                  json_pack("{s:I,s:I,s:I}", "events", (json_int_t)events, "alerts",
                            (json_int_t)alerts, "dns_messages",
                            (json_int_t)d.dns_msgs));
    teardown(&d);
    return status;
}
