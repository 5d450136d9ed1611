/* Helpers shared by tests/unit/test_det_net_*.c. */
#ifndef TEST_DET_NET_UTIL_H
#define TEST_DET_NET_UTIL_H

#include "det_alert.h"
#include "det_pcap.h"

#define TDN_MAX 64

struct tdn_alert {
    char rule[64], reason[512], proto[8], src[64], dst[64];
};
struct tdn_alerts {
    int n;
    int observations; /* "observation": true lines, counted and not kept */
    double max_obs_score;
    struct tdn_alert a[TDN_MAX];
};

/* det_emit_fn collecting into a struct tdn_alerts (ctx). */
int tdn_collect(void *ctx, const struct det_alert *a);
int tdn_count(const struct tdn_alerts *c, const char *rule);
const struct tdn_alert *tdn_find(const struct tdn_alerts *c, const char *rule);
/* $ML_SOURCE_DIR/tests/data/detnet/NAME (static buffer). */
const char *tdn_pcap(const char *name);
/* det_pcap_run_detector on a recorded pcap; returns its code. */
int tdn_run(const char *detector, const char *pcap, det_pkt_fn pkt, det_tick_fn tick,
            void *ctx);

#endif
