/* nd — nDPI flow classification; see nd.h. */
#include "nd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ndpi_api.h>

#define ND_DETECTOR "ndpi"
#define ND_BUCKETS 16384u

struct nd_flow {
    struct nd_flow *next;
    uint8_t family, l4;
    uint8_t a[16], b[16]; /* canonical order: (a, pa) < (b, pb) */
    uint16_t pa, pb;
    char client[64], server[64];
    struct ndpi_flow_struct *nf; /* NULL once nDPI has decided or given up */
    unsigned pkts;
    double last;
    int alerted;
    uint8_t home; /* with --home-net: 1 client at home, 2 server at home */
};

struct nd {
    struct nd_config cfg;
    struct ndpi_detection_module_struct *mod;
    struct nd_flow *bucket[ND_BUCKETS];
    unsigned nflows;
    double last_sweep;
    struct nd_counts c;
};

void nd_version(char *buf, size_t len)
{
    snprintf(buf, len, "nDPI %s (API %u)", ndpi_revision(),
             (unsigned)ndpi_get_api_version());
}

int nd_create(struct nd **out, const struct nd_config *cfg)
{
    struct nd *n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    if (cfg)
        n->cfg = *cfg;
    if (!n->cfg.emit)
        n->cfg.emit = det_emit_stdout;
    if (!n->cfg.max_flows)
        n->cfg.max_flows = 65536;
    if (!n->cfg.giveup_pkts)
        n->cfg.giveup_pkts = 64;
    if (!(n->cfg.idle_timeout_s > 0))
        n->cfg.idle_timeout_s = 120;
    n->mod = ndpi_init_detection_module(ndpi_no_prefs);
    if (!n->mod) {
        free(n);
        return -EIO;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(n->mod, &all);
    ndpi_finalize_initialization(n->mod);
    *out = n;
    return 0;
}

static int endpoint_cmp(const uint8_t *x, uint16_t px, const uint8_t *y, uint16_t py)
{
    int c = memcmp(x, y, 16);
    return c ? c : (int)px - (int)py;
}

static unsigned hash_key(const struct nd_flow *k)
{
    uint32_t h = 2166136261u;
    const uint8_t *parts[] = {k->a, k->b};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 16; j++)
            h = (h ^ parts[i][j]) * 16777619u;
    h = (h ^ k->pa) * 16777619u;
    h = (h ^ k->pb) * 16777619u;
    h = (h ^ k->l4) * 16777619u;
    return h % ND_BUCKETS;
}

static int same_key(const struct nd_flow *x, const struct nd_flow *y)
{
    return x->family == y->family && x->l4 == y->l4 && x->pa == y->pa &&
           x->pb == y->pb && !memcmp(x->a, y->a, 16) && !memcmp(x->b, y->b, 16);
}

static int is_mining(ndpi_protocol p)
{
    return p.master_protocol == NDPI_PROTOCOL_MINING ||
           p.app_protocol == NDPI_PROTOCOL_MINING ||
           p.category == (ndpi_protocol_category_t)CUSTOM_CATEGORY_MINING;
}

/* "Known Protocol on Non Standard Port, Unsafe Protocol" or "none". */
static void risk_list(ndpi_risk r, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 1; i < NDPI_MAX_RISK && used + 1 < len; i++) {
        if (!(r & (1ULL << i)))
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                         ndpi_risk2str((ndpi_risk_enum)i));
        if (w < 0)
            break;
        used += (size_t)w < len - used ? (size_t)w : len - used - 1;
    }
    if (!used)
        snprintf(buf, len, "none");
}

static void alert(struct nd *n, struct nd_flow *f, ndpi_protocol p, double ts,
                  const char *how)
{
    char name[64], risks[512], reason[1024];
    ndpi_protocol2name(n->mod, p, name, sizeof(name));
    risk_list(f->nf->risk, risks, sizeof(risks));
    snprintf(reason, sizeof(reason),
             "nDPI classified %s %s -> %s as %s%s%s%s (category %s, confidence %s%s) "
             "after %u packets; risks: %s",
             f->l4 == IPPROTO_TCP ? "tcp" : "udp", f->client, f->server, name,
             f->nf->flow_extra_info[0] ? " [" : "", f->nf->flow_extra_info,
             f->nf->flow_extra_info[0] ? "]" : "",
             ndpi_category_get_name(n->mod, p.category),
             ndpi_confidence_get_name(f->nf->confidence), how, f->pkts, risks);
    if (n->cfg.home) {
        static const char *const dir[] = {
            "neither side in the home net", "outbound: the client is in the home net",
            "inbound: the server is in the home net", "internal to the home net"};
        size_t used = strlen(reason);
        snprintf(reason + used, sizeof(reason) - used, "; %s", dir[f->home & 3]);
    }
    struct det_flow fl = {.proto = f->l4 == IPPROTO_TCP ? "tcp" : "udp",
                          .src = f->client,
                          .dst = f->server};
    struct det_alert a = {.detector = ND_DETECTOR,
                          .technique = DET_NETWORK,
                          .flow = &fl,
                          .score = 0.9,
                          .reason = reason,
                          .ts = ts};
    n->cfg.emit(n->cfg.emit_ctx, &a);
    f->alerted = 1;
    n->c.alerts++;
}

/* nDPI is done with f: alert when it is mining, then free nDPI's state. */
static void decide(struct nd *n, struct nd_flow *f, ndpi_protocol p, double ts,
                   const char *how)
{
    if (p.master_protocol != NDPI_PROTOCOL_UNKNOWN ||
        p.app_protocol != NDPI_PROTOCOL_UNKNOWN)
        n->c.classified++;
    if (is_mining(p)) {
        n->c.mining++;
        if (!f->alerted)
            alert(n, f, p, ts, how);
    }
    ndpi_free_flow(f->nf);
    f->nf = NULL;
}

static void giveup(struct nd *n, struct nd_flow *f, double ts)
{
    uint8_t guessed = 0;
    ndpi_protocol p = ndpi_detection_giveup(n->mod, f->nf, 1, &guessed);
    decide(n, f, p, ts, guessed ? ", guessed at give-up" : ", at give-up");
}

static struct nd_flow *lookup(struct nd *n, const struct det_pkt *p)
{
    struct nd_flow k = {.family = (uint8_t)p->family, .l4 = p->l4};
    int fwd = endpoint_cmp(p->src_addr, p->sport, p->dst_addr, p->dport) <= 0;
    memcpy(k.a, fwd ? p->src_addr : p->dst_addr, 16);
    memcpy(k.b, fwd ? p->dst_addr : p->src_addr, 16);
    k.pa = fwd ? p->sport : p->dport;
    k.pb = fwd ? p->dport : p->sport;
    unsigned h = hash_key(&k);
    for (struct nd_flow *f = n->bucket[h]; f; f = f->next)
        if (same_key(f, &k))
            return f;
    if (n->nflows >= n->cfg.max_flows) {
        n->c.evicted++;
        return NULL;
    }
    struct nd_flow *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    *f = k;
    f->nf = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
    if (!f->nf) {
        free(f);
        return NULL;
    }
    memset(f->nf, 0, SIZEOF_FLOW_STRUCT);
    /* The client: the SYN's sender, the SYN-ACK's receiver, else the first sender. */
    int src_is_client = !((p->tcp_flags & DET_TCP_SYN) && (p->tcp_flags & DET_TCP_ACK));
    det_pkt_format_endpoint(p->family, src_is_client ? p->src_addr : p->dst_addr,
                            src_is_client ? p->sport : p->dport, f->client,
                            sizeof(f->client));
    det_pkt_format_endpoint(p->family, src_is_client ? p->dst_addr : p->src_addr,
                            src_is_client ? p->dport : p->sport, f->server,
                            sizeof(f->server));
    if (n->cfg.home) {
        const uint8_t *c = src_is_client ? p->src_addr : p->dst_addr;
        const uint8_t *sv = src_is_client ? p->dst_addr : p->src_addr;
        f->home = (uint8_t)(det_home_contains(n->cfg.home, p->family, c) |
                            det_home_contains(n->cfg.home, p->family, sv) << 1);
    }
    f->next = n->bucket[h];
    n->bucket[h] = f;
    n->nflows++;
    n->c.flows++;
    return f;
}

void nd_packet(void *ctx, const struct det_pkt *p)
{
    struct nd *n = ctx;
    if (!p->l3 || !p->l3_len)
        return;
    struct nd_flow *f = lookup(n, p);
    if (!f)
        return;
    f->last = p->ts;
    f->pkts++;
    if (!f->nf)
        return;
    size_t len = p->l3_len > 65535 ? 65535 : p->l3_len;
    ndpi_protocol r = ndpi_detection_process_packet(
        n->mod, f->nf, p->l3, (unsigned short)len, (uint64_t)(p->ts * 1000.0));
    if (r.master_protocol != NDPI_PROTOCOL_UNKNOWN ||
        r.app_protocol != NDPI_PROTOCOL_UNKNOWN) {
        /* Let nDPI finish what it dissects after the verdict (risks, metadata),
         * as ndpiReader does, but alert on the verdict at once. */
        if (is_mining(r) && !f->alerted)
            alert(n, f, r, p->ts, "");
        if (!ndpi_extra_dissection_possible(n->mod, f->nf) ||
            f->pkts >= n->cfg.giveup_pkts)
            decide(n, f, r, p->ts, "");
    } else if (f->pkts >= n->cfg.giveup_pkts) {
        giveup(n, f, p->ts);
    }
}

static void free_flow(struct nd_flow *f)
{
    if (f->nf)
        ndpi_free_flow(f->nf);
    free(f);
}

/* Gives up on and frees the flows idle since before cutoff. */
static void sweep(struct nd *n, double cutoff, double now)
{
    for (unsigned h = 0; h < ND_BUCKETS; h++) {
        struct nd_flow **pp = &n->bucket[h];
        while (*pp) {
            struct nd_flow *f = *pp;
            if (f->last >= cutoff) {
                pp = &f->next;
                continue;
            }
            if (f->nf)
                giveup(n, f, now);
            *pp = f->next;
            free_flow(f);
            n->nflows--;
        }
    }
}

void nd_tick(void *ctx, double now)
{
    struct nd *n = ctx;
    if (now - n->last_sweep < 10)
        return;
    n->last_sweep = now;
    sweep(n, now - n->cfg.idle_timeout_s, now);
}

void nd_finish(struct nd *n)
{
    for (unsigned h = 0; h < ND_BUCKETS; h++)
        for (struct nd_flow *f = n->bucket[h]; f; f = f->next)
            if (f->nf)
                giveup(n, f, f->last);
}

void nd_counts(const struct nd *n, struct nd_counts *out)
{
    *out = n->c;
}

void nd_destroy(struct nd *n)
{
    if (!n)
        return;
    for (unsigned h = 0; h < ND_BUCKETS; h++)
        while (n->bucket[h]) {
            struct nd_flow *f = n->bucket[h];
            n->bucket[h] = f->next;
            free_flow(f);
        }
    ndpi_exit_detection_module(n->mod);
    free(n);
}
