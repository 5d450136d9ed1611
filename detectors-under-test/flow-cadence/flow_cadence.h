/*
 * fc — the flow-cadence reference detector as a library: finds Stratum by
 * the shape of a flow rather than its bytes, so it also works on TLS. A
 * flow alerts once when it is long-lived, the client sends small messages
 * at a share-like cadence, the server pushes messages the client did not
 * ask for (jobs), and the byte rate stays low. See README.md.
 *
 * Threads: one fc belongs to one thread.
 */
#ifndef FC_H
#define FC_H

#include "det_home.h"
#include "det_pcap.h"

struct fc_config {
    det_emit_fn emit; /* NULL = det_emit_stdout */
    void *emit_ctx;
    double min_age_s;         /* flow age before it can alert, 0 = 60 */
    double msg_gap_s;         /* packets closer than this form one message, 0 = 0.1 */
    double push_gap_s;        /* a server message this long after the last client
                                 message counts as a push, 0 = 1.0 */
    unsigned min_client_msgs; /* 0 = 3 */
    unsigned min_pushes;      /* 0 = 2 */
    double max_client_msg_bytes; /* median client message size cap, 0 = 1024 */
    double min_interval_s;       /* median client inter-message gap range, 0 = 1 */
    double max_interval_s;       /* 0 = 300 */
    double max_rate_bps;         /* bytes per second both ways, 0 = 4096 */
    /* Only flows from a home client to an external server are judged (the
     * view of a sensor with $HOME_NET set); n == 0 = every flow. */
    struct det_home_net home;
};

/* The figures flow-cadence computes for one flow (for tests and reasons). */
struct fc_shape {
    double age_s;
    unsigned client_msgs, server_msgs, pushes;
    double median_client_bytes, median_interval_s, rate_bps;
};

struct fc;
/* 0 or -ENOMEM; cfg copied, zero fields take the defaults above. */
int fc_create(struct fc **out, const struct fc_config *cfg);
/* det_pkt_fn / det_tick_fn (the tick evaluates the flows); ctx is the fc. */
void fc_packet(void *ctx, const struct det_pkt *p);
void fc_tick(void *ctx, double now);
/* The seven conditions of the rule; from FC_OBSERVE_MIN met, a flow that
 * does not alert is reported as an observation ("observation": true). */
#define FC_CONDITIONS 7
#define FC_OBSERVE_MIN 4
/* Returns 1 when the shape meets every condition of cfg, else 0. */
int fc_shape_matches(const struct fc *f, const struct fc_shape *s);
/* How many of the FC_CONDITIONS conditions the shape meets. */
unsigned fc_shape_conditions_met(const struct fc *f, const struct fc_shape *s);
/* Observations written so far. */
unsigned long fc_observation_count(const struct fc *f);
unsigned long fc_alert_count(const struct fc *f);
void fc_destroy(struct fc *f);

#endif
