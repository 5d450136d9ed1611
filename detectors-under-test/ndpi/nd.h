/*
 * nd — live flow classification with Debian's libndpi (4.2): every TCP/UDP
 * packet of a flow goes to ndpi_detection_process_packet() until nDPI has
 * decided (or given up, as ndpiReader does), and a flow nDPI labels as a
 * mining protocol (master or application protocol Mining, or category
 * Mining) gets one alert with its tuple and nDPI's risk flags.
 *
 * Threads: one; everything runs in det_pcap's capture callback.
 */
#ifndef ND_H
#define ND_H

#include "det_home.h"
#include "det_pcap.h"

struct nd_config {
    det_emit_fn emit; /* NULL = det_emit_stdout */
    void *emit_ctx;
    unsigned max_flows;    /* 0 = 65536; the oldest idle flow goes when full */
    unsigned giveup_pkts;  /* 0 = 64: undecided after this many, ask giveup */
    double idle_timeout_s; /* 0 = 120: flows idle this long are given up and freed */
    const struct det_home_net *home; /* NULL: none; else alerts name the home side */
};

struct nd;
/* 0, -ENOMEM, or -EIO when nDPI cannot be initialised. cfg (may be NULL) is copied. */
int nd_create(struct nd **out, const struct nd_config *cfg);
/* det_pkt_fn / det_tick_fn for det_pcap_run_detector; ctx is the nd. */
void nd_packet(void *ctx, const struct det_pkt *p);
void nd_tick(void *ctx, double now);
/* Gives up on every undecided flow (as ndpiReader does at the end of a file). */
void nd_finish(struct nd *n);
/* "nDPI 4.2.0 (API 8668)" style version string of the linked library. */
void nd_version(char *buf, size_t len);
/* Counters for the final info line. */
struct nd_counts {
    unsigned long flows, classified, mining, alerts, evicted;
};
void nd_counts(const struct nd *n, struct nd_counts *out);
void nd_destroy(struct nd *n);

#endif
