#include "flow_cadence.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_flow.h"

#define FC_RING 64 /* recent client messages kept per flow for the medians */
#define FC_RULE 0
/* Handshake-time server messages (TLS session tickets) are not job pushes. */
#define FC_SETUP_S 2.0

struct fc_dir {
    double last_pkt_ts;
    double msg_start_ts;
    unsigned msgs;
};

struct fc_flow {
    struct fc_dir dir[2];
    uint64_t bytes;
    unsigned pushes;
    double sizes[FC_RING];     /* client message sizes, ring */
    double intervals[FC_RING]; /* client message start gaps, ring */
    unsigned observed_met;     /* conditions met at the last observation */
};

struct fc {
    struct fc_config cfg;
    struct det_flow_table *flows;
    unsigned long alerts, observations;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *ring, unsigned count)
{
    double tmp[FC_RING];
    unsigned n = count < FC_RING ? count : FC_RING;
    if (n == 0)
        return 0;
    memcpy(tmp, ring, n * sizeof(double));
    qsort(tmp, n, sizeof(double), cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static void on_new(void *ctx, struct det_flow_entry *f, double ts)
{
    (void)ctx;
    (void)ts;
    if (f->l4 == IPPROTO_TCP)
        f->user = calloc(1, sizeof(struct fc_flow));
}

static void evaluate(void *arg, struct det_flow_entry *f);

static void on_close(void *ctx, struct det_flow_entry *f)
{
    evaluate(ctx, f); /* a flow that ends between ticks still gets its look */
    free(f->user);
    f->user = NULL;
}

static void on_data(void *ctx, struct det_flow_entry *f, int dir, const uint8_t *data,
                    size_t captured, size_t len, double ts)
{
    struct fc *c = ctx;
    struct fc_flow *s = f->user;
    (void)data;
    (void)captured; /* sizes are wire sizes: a short snaplen is fine */
    if (!s)
        return;
    struct fc_dir *d = &s->dir[dir];
    s->bytes += len;
    if (d->msgs == 0 || ts - d->last_pkt_ts > c->cfg.msg_gap_s) {
        /* A new message starts. */
        if (dir == DET_C2S) {
            if (d->msgs > 0)
                s->intervals[(d->msgs - 1) % FC_RING] = ts - d->msg_start_ts;
            s->sizes[d->msgs % FC_RING] = 0;
        } else if (ts - s->dir[DET_C2S].last_pkt_ts > c->cfg.push_gap_s &&
                   s->dir[DET_C2S].msgs > 0 && ts - f->first_ts > FC_SETUP_S) {
            s->pushes++;
        }
        d->msgs++;
        d->msg_start_ts = ts;
    }
    if (dir == DET_C2S)
        s->sizes[(d->msgs - 1) % FC_RING] += (double)len;
    d->last_pkt_ts = ts;
}

static void shape_of(const struct det_flow_entry *f, const struct fc_flow *s,
                     struct fc_shape *out)
{
    out->age_s = f->last_ts - f->first_ts;
    out->client_msgs = s->dir[DET_C2S].msgs;
    out->server_msgs = s->dir[DET_S2C].msgs;
    out->pushes = s->pushes;
    out->median_client_bytes = median(s->sizes, out->client_msgs);
    out->median_interval_s =
        median(s->intervals, out->client_msgs ? out->client_msgs - 1 : 0);
    out->rate_bps = out->age_s > 0 ? (double)s->bytes / out->age_s : 0;
}

unsigned fc_shape_conditions_met(const struct fc *c, const struct fc_shape *s)
{
    const struct fc_config *k = &c->cfg;
    return (unsigned)(s->age_s >= k->min_age_s) +
           (unsigned)(s->client_msgs >= k->min_client_msgs) +
           (unsigned)(s->pushes >= k->min_pushes) +
           (unsigned)(s->median_client_bytes <= k->max_client_msg_bytes) +
           (unsigned)(s->median_interval_s >= k->min_interval_s) +
           (unsigned)(s->median_interval_s <= k->max_interval_s) +
           (unsigned)(s->rate_bps <= k->max_rate_bps);
}

int fc_shape_matches(const struct fc *c, const struct fc_shape *s)
{
    return fc_shape_conditions_met(c, s) == FC_CONDITIONS;
}

/* A flow that meets most conditions but not all: an observation whose score
 * is the alert's 0.6 scaled by the share of conditions met, each time the
 * count grows. Flows without a client message are not worth a line. */
static void observe(struct fc *c, struct det_flow_entry *f, struct fc_flow *s,
                    const struct fc_shape *sh)
{
    unsigned met = fc_shape_conditions_met(c, sh);
    if (met < FC_OBSERVE_MIN || met >= FC_CONDITIONS || met <= s->observed_met ||
        sh->client_msgs == 0)
        return;
    s->observed_met = met;
    char reason[320];
    struct det_flow flow;
    snprintf(reason, sizeof(reason),
             "%u of %u stratum-cadence conditions: %.0f s flow, %u client messages "
             "(median %.0f B every %.1f s), %u server pushes, %.0f B/s",
             met, FC_CONDITIONS, sh->age_s, sh->client_msgs, sh->median_client_bytes,
             sh->median_interval_s, sh->pushes, sh->rate_bps);
    det_flow_describe(f, &flow);
    struct det_alert a = {.detector = "flow-cadence",
                          .technique = DET_NETWORK,
                          .flow = &flow,
                          .score = 0.6 * met / FC_CONDITIONS,
                          .reason = reason,
                          .ts = f->last_ts,
                          .observation = 1};
    c->cfg.emit(c->cfg.emit_ctx, &a);
    c->observations++;
}

static void evaluate(void *arg, struct det_flow_entry *f)
{
    struct fc *c = arg;
    struct fc_flow *s = f->user;
    struct fc_shape sh;
    char reason[320];
    struct det_flow flow;
    if (!s || (f->fired & 1) ||
        !det_home_outbound(&c->cfg.home, f->family, f->addr[0], f->addr[1]))
        return;
    shape_of(f, s, &sh);
    if (!fc_shape_matches(c, &sh)) {
        observe(c, f, s, &sh);
        return;
    }
    if (!det_flow_fire_once(f, FC_RULE))
        return;
    snprintf(
        reason, sizeof(reason),
        "rule stratum-cadence: %.0f s flow, %u client messages (median %.0f B every "
        "%.1f s), %u server pushes, %.0f B/s",
        sh.age_s, sh.client_msgs, sh.median_client_bytes, sh.median_interval_s,
        sh.pushes, sh.rate_bps);
    det_flow_describe(f, &flow);
    struct det_alert a = {.detector = "flow-cadence",
                          .technique = DET_NETWORK,
                          .flow = &flow,
                          .score = 0.6,
                          .reason = reason,
                          .ts = f->last_ts};
    c->cfg.emit(c->cfg.emit_ctx, &a);
    c->alerts++;
}

static const struct det_flow_callbacks callbacks = {
    .on_new = on_new, .on_data = on_data, .on_close = on_close};

static void defaults(struct fc_config *k)
{
#define DEF(field, v)                                                                  \
    if (k->field <= 0)                                                                 \
    k->field = v
    DEF(min_age_s, 60);
    DEF(msg_gap_s, 0.1);
    DEF(push_gap_s, 1.0);
    DEF(min_client_msgs, 3);
    DEF(min_pushes, 2);
    DEF(max_client_msg_bytes, 1024);
    DEF(min_interval_s, 1);
    DEF(max_interval_s, 300);
    DEF(max_rate_bps, 4096);
#undef DEF
}

int fc_create(struct fc **out, const struct fc_config *cfg)
{
    struct fc *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    if (cfg)
        c->cfg = *cfg;
    if (!c->cfg.emit)
        c->cfg.emit = det_emit_stdout;
    defaults(&c->cfg);
    /* Long idle gaps are normal for Stratum (keepalive every 60 s). */
    struct det_flow_config fc = {.raw_only = 1, .idle_timeout_s = 900};
    int rc = det_flow_table_create(&c->flows, &fc, &callbacks, c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void fc_packet(void *ctx, const struct det_pkt *p)
{
    struct fc *c = ctx;
    if (p->l4 == IPPROTO_TCP)
        det_flow_table_packet(c->flows, p);
}

void fc_tick(void *ctx, double now)
{
    struct fc *c = ctx;
    det_flow_table_foreach(c->flows, evaluate, c);
    det_flow_table_expire(c->flows, now);
}

unsigned long fc_alert_count(const struct fc *c)
{
    return c->alerts;
}

unsigned long fc_observation_count(const struct fc *c)
{
    return c->observations;
}

void fc_destroy(struct fc *c)
{
    if (!c)
        return;
    det_flow_table_destroy(c->flows);
    free(c);
}
