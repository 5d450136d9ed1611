#include "det_pcap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"

/* Link types that may be missing from older headers. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_VLAN 0x8100
#define ETH_P_QINQ 0x88a8

int det_emit_stdout(void *ctx, const struct det_alert *a)
{
    (void)ctx;
    return det_alert_emit(a);
}

static uint16_t load16be(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t load32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Finds the network-layer start: returns the ethertype-like protocol, or -1. */
static int link_header(int dlt, const uint8_t *f, size_t caplen, size_t *off)
{
    switch (dlt) {
    case DLT_EN10MB: {
        size_t o = 12;
        if (caplen < 14)
            return -1;
        int type = load16be(f + o);
        /* Skip up to two VLAN tags. */
        for (int i = 0; i < 2 && (type == ETH_P_VLAN || type == ETH_P_QINQ); i++) {
            o += 4;
            if (caplen < o + 2)
                return -1;
            type = load16be(f + o);
        }
        *off = o + 2;
        return type;
    }
    case DLT_NULL:
    case DLT_LOOP: {
        if (caplen < 4)
            return -1;
        uint32_t fam;
        if (dlt == DLT_LOOP) {
            fam = load32be(f);
        } else {
            memcpy(&fam, f, 4); /* host byte order of the capturing machine */
            if (fam > 0xffff)
                fam = __builtin_bswap32(fam);
        }
        *off = 4;
        if (fam == 2)
            return ETH_P_IPV4;
        /* BSDs disagree on AF_INET6: 24, 28 and 30 are all seen in the wild. */
        if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
            return ETH_P_IPV6;
        return -1;
    }
    case DLT_LINUX_SLL:
        if (caplen < 16)
            return -1;
        *off = 16;
        return load16be(f + 14);
    case DLT_LINUX_SLL2:
        if (caplen < 20)
            return -1;
        *off = 20;
        return load16be(f);
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        if (caplen < 1)
            return -1;
        *off = 0;
        return (f[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IPV4;
    default:
        return -1;
    }
}

/* Parses IPv4; returns the L4 offset in frame (relative to ip) or -1. */
static int parse_ipv4(const uint8_t *ip, size_t len, size_t *l4_len,
                      struct det_pkt *out)
{
    if (len < 20 || (ip[0] >> 4) != 4)
        return -1;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t total = load16be(ip + 2);
    if (ihl < 20 || len < ihl || total < ihl)
        return -1;
    if (load16be(ip + 6) & 0x1fff)
        return -1; /* non-first fragment: no L4 header here */
    out->family = AF_INET;
    out->l4 = ip[9];
    memcpy(out->src_addr, ip + 12, 4);
    memcpy(out->dst_addr, ip + 16, 4);
    *l4_len = total - ihl;
    return (int)ihl;
}

static int parse_ipv6(const uint8_t *ip, size_t len, size_t *l4_len,
                      struct det_pkt *out)
{
    if (len < 40 || (ip[0] >> 4) != 6)
        return -1;
    size_t plen = load16be(ip + 4);
    uint8_t nh = ip[6];
    size_t off = 40;
    /* Walk a bounded number of extension headers. */
    for (int i = 0; i < 8; i++) {
        if (nh == 0 || nh == 43 || nh == 60) {
            if (len < off + 8)
                return -1;
            size_t ext = ((size_t)ip[off + 1] + 1) * 8;
            nh = ip[off];
            off += ext;
        } else if (nh == 44) {
            if (len < off + 8 || (load16be(ip + off + 2) & 0xfff8))
                return -1; /* non-first fragment */
            nh = ip[off];
            off += 8;
        } else {
            break;
        }
    }
    if (off > len || off - 40 > plen)
        return -1;
    out->family = AF_INET6;
    out->l4 = nh;
    memcpy(out->src_addr, ip + 8, 16);
    memcpy(out->dst_addr, ip + 24, 16);
    *l4_len = plen - (off - 40);
    return (int)off;
}

int det_pcap_parse(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
                   double ts, struct det_pkt *out)
{
    size_t off = 0, l4_wire = 0;
    memset(out, 0, sizeof(*out));
    out->ts = ts;
    int type = link_header(dlt, frame, caplen, &off);
    if (type != ETH_P_IPV4 && type != ETH_P_IPV6)
        return -EINVAL;
    const uint8_t *ip = frame + off;
    size_t iplen = caplen - off;
    int l4off = type == ETH_P_IPV4 ? parse_ipv4(ip, iplen, &l4_wire, out)
                                   : parse_ipv6(ip, iplen, &l4_wire, out);
    if (l4off < 0)
        return -EINVAL;
    const uint8_t *l4 = ip + l4off;
    size_t l4cap = iplen - (size_t)l4off;
    /* Ethernet padding can make caplen exceed the IP length: trust IP. */
    if (l4cap > l4_wire)
        l4cap = l4_wire;
    size_t hdr;
    if (out->l4 == IPPROTO_TCP) {
        if (l4cap < 20)
            return -EINVAL;
        hdr = (size_t)(l4[12] >> 4) * 4;
        if (hdr < 20 || hdr > l4cap)
            return -EINVAL;
        out->seq = load32be(l4 + 4);
        out->tcp_flags = l4[13];
    } else if (out->l4 == IPPROTO_UDP) {
        if (l4cap < 8)
            return -EINVAL;
        hdr = 8;
    } else {
        return -EINVAL;
    }
    out->sport = load16be(l4);
    out->dport = load16be(l4 + 2);
    out->payload = l4 + hdr;
    out->payload_len = l4cap - hdr;
    out->payload_wire_len = l4_wire >= hdr ? l4_wire - hdr : 0;
    out->l3 = ip;
    out->l3_len = (size_t)l4off + l4cap;
    (void)wirelen;
    return 0;
}

void det_pkt_format_endpoint(int family, const uint8_t *addr, uint16_t port, char *buf,
                             size_t buflen)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    inet_ntop(family, addr, ip, sizeof(ip));
    if (family == AF_INET6)
        snprintf(buf, buflen, "[%s]:%u", ip, (unsigned)port);
    else
        snprintf(buf, buflen, "%s:%u", ip, (unsigned)port);
}

int det_addr_is_private(int family, const uint8_t *a)
{
    if (family == AF_INET) {
        return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
               (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
               (a[0] == 100 && (a[1] & 0xc0) == 64);
    }
    static const uint8_t v6_loop[16] = {[15] = 1};
    if (!memcmp(a, v6_loop, 16))
        return 1;
    if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
        return 1;
    /* IPv4-mapped addresses follow the IPv4 rule. */
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (!memcmp(a, mapped, 12))
        return det_addr_is_private(AF_INET, a + 12);
    return 0;
}

int det_pcap_parse_option(struct det_pcap_config *cfg, int argc, char **argv, int *i,
                          char *err, size_t errlen)
{
    static const struct {
        const char *s, *l;
        size_t off;
        int numeric;
    } opts[] = {
        {"-i", "--iface", offsetof(struct det_pcap_config, iface), 0},
        {"-r", "--read", offsetof(struct det_pcap_config, read_file), 0},
        {"-f", "--filter", offsetof(struct det_pcap_config, filter), 0},
        {"--snaplen", "--snaplen", offsetof(struct det_pcap_config, snaplen), 1},
        {"--buffer-mib", "--buffer-mib", offsetof(struct det_pcap_config, buffer_mib),
         1},
        {"--home-net", "--home-net", offsetof(struct det_pcap_config, home_net), 0},
    };
    const char *a = argv[*i];
    for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
        size_t ll = strlen(opts[k].l);
        const char *val = NULL;
        if (!strcmp(a, opts[k].s) || !strcmp(a, opts[k].l)) {
            if (*i + 1 >= argc)
                return ml_err(err, errlen, -EINVAL, "%s needs a value", a);
            val = argv[++*i];
        } else if (!strncmp(a, opts[k].l, ll) && a[ll] == '=') {
            val = a + ll + 1;
        } else {
            continue;
        }
        if (opts[k].numeric) {
            long v;
            if (ml_parse_long(val, 64, 1 << 20, &v) < 0)
                return ml_err(err, errlen, -EINVAL, "bad value for %s: %s", opts[k].l,
                              val);
            *(int *)((char *)cfg + opts[k].off) = (int)v;
        } else {
            *(const char **)((char *)cfg + opts[k].off) = val;
        }
        return 1;
    }
    return 0;
}

size_t det_pcap_opt_table(struct det_pcap_config *cfg, struct det_pcap_cli *cli,
                          struct opt out[DET_PCAP_NOPTS])
{
    cli->snaplen = cfg->snaplen > 0 ? cfg->snaplen : 65535;
    cli->buffer_mib = cfg->buffer_mib > 0 ? cfg->buffer_mib : 32;
    const struct opt t[DET_PCAP_NOPTS] = {
        {"iface", OPT_STRING, &cfg->iface, 0, 0, "IFACE",
         "capture interface, -i (default $ML_IFACE, else lo; \"any\" ok)"},
        {"read", OPT_STRING, &cfg->read_file, 0, 0, "FILE",
         "read a pcap file instead of capturing, -r"},
        {"filter", OPT_STRING, &cfg->filter, 0, 0, "BPF", "capture filter, -f"},
        {"snaplen", OPT_LONG, &cli->snaplen, 64, 1 << 20, "N", "bytes kept per packet"},
        {"buffer-mib", OPT_LONG, &cli->buffer_mib, 1, 4096, "N",
         "kernel capture ring in MiB"},
    };
    memcpy(out, t, sizeof(t));
    return DET_PCAP_NOPTS;
}

void det_pcap_opt_finish(struct det_pcap_config *cfg, const struct det_pcap_cli *cli)
{
    cfg->snaplen = (int)cli->snaplen;
    cfg->buffer_mib = (int)cli->buffer_mib;
}

void det_pcap_short_options(int argc, char **argv)
{
    static const char *const map[][2] = {
        {"-i", "--iface"}, {"-r", "--read"}, {"-f", "--filter"}};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
            if (!strcmp(argv[i], map[k][0]))
                argv[i] = (char *)map[k][1];
    }
}

struct run_state {
    int dlt;
    det_pkt_fn pkt;
    void *ctx;
    struct det_pcap_stats st;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct run_state *rs = (struct run_state *)user;
    struct det_pkt p;
    rs->st.packets++;
    double ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
    if (det_pcap_parse(rs->dlt, bytes, h->caplen, h->len, ts, &p) == 0) {
        rs->st.parsed++;
        rs->pkt(rs->ctx, &p);
    }
}

static pcap_t *open_live(const char *iface, const struct det_pcap_config *cfg,
                         char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, ebuf);
    if (!p) {
        ml_err(err, errlen, -ENODEV, "cannot open interface %s: %s", iface, ebuf);
        return NULL;
    }
    pcap_set_snaplen(p, cfg->snaplen > 0 ? cfg->snaplen : 65535);
    pcap_set_promisc(p, 0);
    /* Not immediate mode: Linux then uses TPACKET_V3, whose blocks pack packets
     * by their real size, so the ring holds far more small Stratum packets
     * than V2's fixed snaplen-sized slots; the 100 ms block timeout bounds the
     * alert latency. */
    pcap_set_timeout(p, 100);
    pcap_set_buffer_size(p, (cfg->buffer_mib > 0 ? cfg->buffer_mib : 32) << 20);
    int rc = pcap_activate(p);
    if (rc < 0) {
        const char *why = rc == PCAP_ERROR_PERM_DENIED
                              ? "no capture permission (run as root or give the binary "
                                "CAP_NET_RAW)"
                              : pcap_geterr(p);
        ml_err(err, errlen, -EPERM, "cannot capture on %s: %s", iface, why);
        pcap_close(p);
        return NULL;
    }
    if (pcap_setnonblock(p, 1, ebuf) < 0) {
        ml_err(err, errlen, -EIO, "cannot make %s non-blocking: %s", iface, ebuf);
        pcap_close(p);
        return NULL;
    }
    return p;
}

static int set_filter(pcap_t *p, const char *filter, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (!filter || !*filter)
        return 0;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
        return ml_err(err, errlen, -EINVAL, "bad filter '%s': %s", filter,
                      pcap_geterr(p));
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc < 0)
        return ml_err(err, errlen, -EINVAL, "cannot set filter: %s", pcap_geterr(p));
    return 0;
}

/* Live loop: poll the selectable fd so SIGTERM is seen within 200 ms. */
static int loop_live(pcap_t *p, struct run_state *rs, det_tick_fn tick,
                     volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    int fd = pcap_get_selectable_fd(p);
    double next_tick = 0;
    while (!*stop) {
        if (fd >= 0) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            poll(&pfd, 1, 200);
        }
        int n = pcap_dispatch(p, -1, on_frame, (u_char *)rs);
        if (n == PCAP_ERROR)
            return ml_err(err, errlen, -EIO, "capture failed: %s", pcap_geterr(p));
        double now = ml_now_unix();
        if (tick && now >= next_tick) {
            tick(rs->ctx, now);
            next_tick = now + 0.5;
        }
    }
    return 0;
}

static int loop_offline(pcap_t *p, struct run_state *rs, det_tick_fn tick,
                        volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    struct pcap_pkthdr *h;
    const u_char *bytes;
    double next_tick = 0, last_ts = 0;
    int rc;
    while (!*stop && (rc = pcap_next_ex(p, &h, &bytes)) != PCAP_ERROR_BREAK) {
        if (rc == PCAP_ERROR) {
            rs->st.truncated = 1;
            return ml_err(err, errlen, -EIO, "capture file is damaged or truncated: %s",
                          pcap_geterr(p));
        }
        if (rc != 1)
            continue;
        on_frame((u_char *)rs, h, bytes);
        last_ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
        /* Offline, time is the capture's own clock, so replays are deterministic. */
        if (tick && last_ts >= next_tick) {
            tick(rs->ctx, last_ts);
            next_tick = last_ts + 0.5;
        }
    }
    if (tick && last_ts > 0)
        tick(rs->ctx, last_ts);
    return 0;
}

static void report_stats(const char *detector, const char *source, pcap_t *p, int live,
                         struct run_state *rs, const char *error)
{
    struct pcap_stat ps;
    if (live && pcap_stats(p, &ps) == 0) {
        rs->st.dropped = ps.ps_drop;
        rs->st.ifdropped = ps.ps_ifdrop;
    }
    fprintf(
        stderr,
        "%s: %s: %llu packets, %llu parsed, %llu dropped by kernel, %llu dropped by "
        "interface%s\n",
        detector, source, (unsigned long long)rs->st.packets,
        (unsigned long long)rs->st.parsed, (unsigned long long)rs->st.dropped,
        (unsigned long long)rs->st.ifdropped,
        rs->st.truncated ? ", file truncated" : "");
    json_t *info =
        json_pack("{s:s,s:I,s:I,s:I,s:I,s:b}", "source", source, "packets",
                  (json_int_t)rs->st.packets, "parsed", (json_int_t)rs->st.parsed,
                  "dropped", (json_int_t)rs->st.dropped, "ifdropped",
                  (json_int_t)rs->st.ifdropped, "truncated", rs->st.truncated);
    if (info && error)
        json_object_set_new(info, "error", json_string(error));
    det_info_line(detector, DET_NETWORK, info);
}

int det_pcap_run_detector(const char *detector, const struct det_pcap_config *cfg,
                          det_pkt_fn pkt, det_tick_fn tick, void *ctx,
                          volatile sig_atomic_t *stop)
{
    char err[PCAP_ERRBUF_SIZE + 256] = "", ebuf[PCAP_ERRBUF_SIZE] = "";
    char source[300];
    struct run_state rs = {.pkt = pkt, .ctx = ctx};
    int live = !cfg->read_file;
    const char *iface = cfg->iface ? cfg->iface : getenv("ML_IFACE");
    if (!iface || !*iface)
        iface = "lo";
    pcap_t *p = NULL;
    int ret = 1;
    if (live) {
        snprintf(source, sizeof(source), "iface %s", iface);
        p = open_live(iface, cfg, err, sizeof(err));
    } else {
        snprintf(source, sizeof(source), "file %s", cfg->read_file);
        p = pcap_open_offline(cfg->read_file, ebuf);
        if (!p)
            snprintf(err, sizeof(err), "cannot read %s: %s", cfg->read_file, ebuf);
    }
    if (!p || set_filter(p, cfg->filter, err, sizeof(err)) < 0) {
        det_alert_degraded(detector, DET_NETWORK, err);
        goto out;
    }
    rs.dlt = pcap_datalink(p);
    fprintf(stderr, "%s: reading %s (link type %s)\n", detector, source,
            pcap_datalink_val_to_name(rs.dlt) ? pcap_datalink_val_to_name(rs.dlt)
                                              : "?");
    int rc = live ? loop_live(p, &rs, tick, stop, err, sizeof(err))
                  : loop_offline(p, &rs, tick, stop, err, sizeof(err));
    if (rc < 0)
        det_alert_degraded(detector, DET_NETWORK, err);
    report_stats(detector, source, p, live, &rs, rc < 0 ? err : NULL);
    ret = rc < 0 ? 2 : 0;
out:
    if (p)
        pcap_close(p);
    return ret;
}
