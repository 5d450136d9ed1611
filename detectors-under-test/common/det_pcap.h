/*
 * det_pcap — the capture side shared by the network reference detectors
 * (stratum-dpi, pool-endpoint, flow-cadence): a libpcap loop on a live
 * interface or an offline capture file, link-layer + IPv4/IPv6 + TCP/UDP
 * parsing, drop statistics, and the command-line options every network
 * detector accepts (--iface, --read, --filter).
 *
 * Threads: everything here runs on the detector's one thread.
 */
#ifndef DET_PCAP_H
#define DET_PCAP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "det_alert.h"
#include "opt.h"

/* One parsed packet. Pointers stay valid only during the callback. */
struct det_pkt {
    double ts;            /* capture time, Unix seconds */
    int family;           /* AF_INET or AF_INET6 */
    uint8_t l4;           /* IPPROTO_TCP or IPPROTO_UDP */
    uint8_t src_addr[16]; /* IPv4 uses the first 4 bytes */
    uint8_t dst_addr[16];
    uint16_t sport, dport;
    uint8_t tcp_flags; /* TH_SYN etc.; 0 for UDP */
    uint32_t seq;      /* TCP sequence number of the first payload byte */
    const uint8_t *payload;
    size_t payload_len;      /* bytes actually captured */
    size_t payload_wire_len; /* bytes on the wire (> payload_len when cut by snaplen) */
    const uint8_t *l3;       /* the IP header (for libraries that parse it: nDPI) */
    size_t l3_len;           /* captured bytes from l3, at most the IP length */
};

#define DET_TCP_FIN 0x01
#define DET_TCP_SYN 0x02
#define DET_TCP_RST 0x04
#define DET_TCP_ACK 0x10

struct det_pcap_config {
    const char *iface;     /* live interface, "any" allowed; NULL = $ML_IFACE or "lo" */
    const char *read_file; /* offline capture; overrides iface when set */
    const char *filter;    /* BPF filter expression, NULL = everything */
    int snaplen;           /* 0 = 65535 */
    int buffer_mib;        /* kernel ring size for live capture, 0 = 32 MiB */
    const char *home_net;  /* --home-net CIDR[,CIDR] as given (det_home.h parses it) */
};

struct det_pcap_stats {
    uint64_t packets;   /* packets handed to libpcap's callback */
    uint64_t parsed;    /* packets that parsed to IPv4/IPv6 TCP/UDP */
    uint64_t dropped;   /* pcap_stats ps_drop (live only) */
    uint64_t ifdropped; /* pcap_stats ps_ifdrop (live only) */
    int truncated;      /* offline file ended in the middle of a record */
};

typedef void (*det_pkt_fn)(void *ctx, const struct det_pkt *p);
/* Called about every 500 ms of capture time (and at the end) with that time. */
typedef void (*det_tick_fn)(void *ctx, double now);

/*
 * Sink for alerts, so unit tests can collect them instead of printing.
 * det_emit_stdout is the default (det_alert_emit). Returns 0 or -errno.
 */
typedef int (*det_emit_fn)(void *ctx, const struct det_alert *a);
int det_emit_stdout(void *ctx, const struct det_alert *a);

/*
 * Parses one link-layer frame of type dlt (DLT_EN10MB, DLT_NULL, DLT_LOOP,
 * DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6) into out.
 * caplen is the captured length, wirelen the original one.
 * Returns 0, or -EINVAL for anything that is not an unfragmented-enough
 * IPv4/IPv6 TCP/UDP packet (non-first fragments, other protocols, garbage).
 */
int det_pcap_parse(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
                   double ts, struct det_pkt *out);

/* Formats "ip:port" ("[v6]:port" for IPv6) into buf (>= 64 bytes). */
void det_pkt_format_endpoint(int family, const uint8_t *addr, uint16_t port, char *buf,
                             size_t buflen);
/* 1 when addr is loopback, RFC 1918 / RFC 6598 / link-local, or IPv6 ULA/link-local. */
int det_addr_is_private(int family, const uint8_t *addr);

/*
 * Runs one network detector: opens the capture from cfg, calls pkt for
 * every parsed packet and tick periodically until *stop, EOF or an error,
 * then prints drop counts to stderr and a final info line
 * {"ts","detector","technique":"network","info":{"packets","dropped",...}}.
 * Failures to open (no permission, bad file, bad filter) and truncated files
 * produce a degraded notice and a stderr message. Returns 0 when the capture
 * ran to its end, 1 when it could not be opened, 2 when it ended on an error.
 */
int det_pcap_run_detector(const char *detector, const struct det_pcap_config *cfg,
                          det_pkt_fn pkt, det_tick_fn tick, void *ctx,
                          volatile sig_atomic_t *stop);

/*
 * Parses the shared options (--iface/-i, --read/-r, --filter/-f, --snaplen,
 * --buffer-mib, --home-net) at argv[*i] (the older hand-written loops;
 * det_netcli.h is the option-table form).
 * Returns 1 when argv[*i] was one of them (and advances *i past its value),
 * 0 when it is not a shared option, -EINVAL (message in err) on a missing value.
 */
int det_pcap_parse_option(struct det_pcap_config *cfg, int argc, char **argv, int *i,
                          char *err, size_t errlen);
/*
 * The same options as a base/opt table, for detectors whose --help is
 * generated: --iface, --read, --filter, --snaplen, --buffer-mib. The two
 * numbers go through cli (defaults: cfg's values, else 65535 and 32 MiB);
 * det_pcap_opt_finish copies them into cfg after opt_parse.
 */
struct det_pcap_cli {
    long snaplen, buffer_mib;
};
#define DET_PCAP_NOPTS 5
size_t det_pcap_opt_table(struct det_pcap_config *cfg, struct det_pcap_cli *cli,
                          struct opt out[DET_PCAP_NOPTS]);
void det_pcap_opt_finish(struct det_pcap_config *cfg, const struct det_pcap_cli *cli);
/* Rewrites the short forms -i, -r and -f in argv to --iface, --read and
 * --filter (base/opt parses long options only). */
void det_pcap_short_options(int argc, char **argv);

#define DET_PCAP_USAGE                                                                 \
    "  -i, --iface IFACE   capture interface (default $ML_IFACE, else lo; \"any\" "    \
    "ok)\n"                                                                            \
    "  -r, --read FILE     read a pcap file instead of capturing\n"                    \
    "  -f, --filter BPF    capture filter expression\n"                                \
    "  --snaplen N         bytes kept per packet (default 65535)\n"                    \
    "  --buffer-mib N      kernel capture ring in MiB (default 32)\n"                  \
    "  --home-net CIDR     the sensor's home net (default $ML_HOME_NET)\n"

#endif
