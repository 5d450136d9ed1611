/* Shared helpers for the detnet unit tests: an alert collector and pcap paths. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_pcap.h"
#include "test_det_net_util.h"

int tdn_collect(void *ctx, const struct det_alert *a)
{
    struct tdn_alerts *c = ctx;
    if (a->observation) {
        c->observations++;
        if (a->score > c->max_obs_score)
            c->max_obs_score = a->score;
        return 0;
    }
    if (c->n >= TDN_MAX)
        return -1;
    struct tdn_alert *o = &c->a[c->n++];
    memset(o, 0, sizeof(*o));
    /* Reasons start "rule NAME:"; keep NAME for the assertions. */
    if (a->reason && !strncmp(a->reason, "rule ", 5))
        sscanf(a->reason + 5, "%63[^:]", o->rule);
    snprintf(o->reason, sizeof(o->reason), "%s", a->reason ? a->reason : "");
    if (a->flow) {
        snprintf(o->proto, sizeof(o->proto), "%s", a->flow->proto);
        snprintf(o->src, sizeof(o->src), "%s", a->flow->src);
        snprintf(o->dst, sizeof(o->dst), "%s", a->flow->dst);
    }
    return 0;
}

int tdn_count(const struct tdn_alerts *c, const char *rule)
{
    int n = 0;
    for (int i = 0; i < c->n; i++)
        n += !strcmp(c->a[i].rule, rule);
    return n;
}

const struct tdn_alert *tdn_find(const struct tdn_alerts *c, const char *rule)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->a[i].rule, rule))
            return &c->a[i];
    return NULL;
}

const char *tdn_pcap(const char *name)
{
    static char path[4096];
    const char *src = getenv("ML_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/tests/data/detnet/%s", src ? src : ".", name);
    return path;
}

int tdn_run(const char *detector, const char *pcap, det_pkt_fn pkt, det_tick_fn tick,
            void *ctx)
{
    static volatile sig_atomic_t never;
    struct det_pcap_config pc = {.read_file = tdn_pcap(pcap)};
    return det_pcap_run_detector(detector, &pc, pkt, tick, ctx, &never);
}
