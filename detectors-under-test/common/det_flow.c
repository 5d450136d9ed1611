#include "det_flow.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "det_ws.h"

#define BUCKETS 4096 /* power of two */
#define HTTP_HEADER_WINDOW                                                             \
    8192 /* upgrade headers only count this early in a stream                          \
          */

struct det_flow_table {
    struct det_flow_config cfg;
    const struct det_flow_callbacks *cb;
    void *ctx;
    struct det_flow_entry *bucket[BUCKETS];
    size_t count;
    uint64_t overflows;
    double last_expire;
};

const char *det_find(const char *hay, size_t len, const char *needle)
{
    return memmem(hay, len, needle, strlen(needle));
}

int det_flow_table_create(struct det_flow_table **out,
                          const struct det_flow_config *cfg,
                          const struct det_flow_callbacks *cb, void *ctx)
{
    struct det_flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    if (cfg)
        t->cfg = *cfg;
    if (!t->cfg.max_flows)
        t->cfg.max_flows = 65536;
    if (!t->cfg.stream_cap)
        t->cfg.stream_cap = 65536;
    if (t->cfg.idle_timeout_s <= 0)
        t->cfg.idle_timeout_s = 900;
    t->cb = cb;
    t->ctx = ctx;
    *out = t;
    return 0;
}

static unsigned hash_endpoints(const struct det_pkt *p)
{
    /* Symmetric: both directions of a flow land in one bucket. */
    size_t alen = p->family == AF_INET6 ? 16 : 4;
    uint32_t a = 2166136261u, b = 2166136261u;
    for (size_t i = 0; i < alen; i++) {
        a = (a ^ p->src_addr[i]) * 16777619u;
        b = (b ^ p->dst_addr[i]) * 16777619u;
    }
    a ^= (uint32_t)p->sport * 2654435761u;
    b ^= (uint32_t)p->dport * 2654435761u;
    return (a + b + p->l4) & (BUCKETS - 1);
}

/* Returns the entry and the packet's direction, or NULL. */
static struct det_flow_entry *lookup(struct det_flow_table *t, const struct det_pkt *p,
                                     unsigned h, int *dir)
{
    size_t alen = p->family == AF_INET6 ? 16 : 4;
    for (struct det_flow_entry *f = t->bucket[h]; f; f = f->next_in_bucket) {
        if (f->l4 != p->l4 || f->family != p->family)
            continue;
        for (int d = 0; d < 2; d++) {
            if (f->port[d] == p->sport && f->port[!d] == p->dport &&
                !memcmp(f->addr[d], p->src_addr, alen) &&
                !memcmp(f->addr[!d], p->dst_addr, alen)) {
                *dir = d; /* sender is the client when d == 0 */
                return f;
            }
        }
    }
    return NULL;
}

static struct det_flow_entry *create(struct det_flow_table *t, const struct det_pkt *p,
                                     unsigned h, int *dir)
{
    if (t->count >= t->cfg.max_flows) {
        t->overflows++;
        return NULL;
    }
    struct det_flow_entry *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    int syn = p->l4 == IPPROTO_TCP && (p->tcp_flags & DET_TCP_SYN);
    int sender_is_client;
    if (syn)
        sender_is_client = !(p->tcp_flags & DET_TCP_ACK);
    else /* mid-stream or UDP: servers usually sit on the lower port */
        sender_is_client = p->sport >= p->dport;
    f->saw_syn = syn;
    f->l4 = p->l4;
    f->family = p->family;
    int c = sender_is_client ? 0 : 1;
    memcpy(f->addr[c], p->src_addr, 16);
    memcpy(f->addr[!c], p->dst_addr, 16);
    f->port[c] = p->sport;
    f->port[!c] = p->dport;
    det_pkt_format_endpoint(f->family, f->addr[0], f->port[0], f->client,
                            sizeof(f->client));
    det_pkt_format_endpoint(f->family, f->addr[1], f->port[1], f->server,
                            sizeof(f->server));
    f->first_ts = f->last_ts = p->ts;
    f->next_in_bucket = t->bucket[h];
    t->bucket[h] = f;
    t->count++;
    *dir = c;
    if (t->cb->on_new)
        t->cb->on_new(t->ctx, f, p->ts);
    return f;
}

static void ws_stop(struct det_stream *s);

static void free_entry(struct det_flow_table *t, struct det_flow_entry *f)
{
    if (t->cb->on_close)
        t->cb->on_close(t->ctx, f);
    for (int d = 0; d < 2; d++) {
        free(f->dir[d].buf);
        free(f->dir[d].head);
        if (f->dir[d].ws)
            ws_stop(&f->dir[d]);
    }
    free(f);
}

static void remove_entry(struct det_flow_table *t, struct det_flow_entry *f, unsigned h)
{
    for (struct det_flow_entry **pp = &t->bucket[h]; *pp; pp = &(*pp)->next_in_bucket) {
        if (*pp == f) {
            *pp = f->next_in_bucket;
            t->count--;
            free_entry(t, f);
            return;
        }
    }
}

/* Appends to a growable buffer capped at cap. Returns bytes appended. */
static size_t append_capped(uint8_t **buf, size_t *len, size_t cap, const uint8_t *d,
                            size_t n)
{
    if (*len >= cap)
        return 0;
    if (n > cap - *len)
        n = cap - *len;
    size_t want = *len + n, size = 256;
    while (size < want)
        size *= 2;
    if (size > cap)
        size = cap;
    uint8_t *nb = realloc(*buf, size);
    if (!nb)
        return 0;
    *buf = nb;
    memcpy(nb + *len, d, n);
    *len += n;
    return n;
}

static int ieq_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && !strncasecmp(s, prefix, n);
}

/* HTTP header bookkeeping for a WebSocket upgrade. Returns 1 when the
 * header block just ended and the stream switches to frames. */
static int http_upgrade_line(struct det_stream *s, int dir, const char *line,
                             size_t len)
{
    if (s->bytes > HTTP_HEADER_WINDOW)
        return 0;
    if (ieq_prefix(line, len, "upgrade:")) {
        for (size_t i = 8; i + 9 <= len; i++)
            if (!strncasecmp(line + i, "websocket", 9))
                s->upgrade_seen = 1;
    } else if (dir == DET_S2C && ieq_prefix(line, len, "HTTP/1.") && len >= 12 &&
               !memcmp(line + 9, "101", 3)) {
        s->http_101 = 1;
    } else if (len == 0 && s->upgrade_seen && (dir == DET_C2S || s->http_101)) {
        return 1;
    }
    return 0;
}

struct ws_feed {
    struct det_flow_table *t;
    struct det_flow_entry *f;
    int dir;
    double ts;
};

static int ws_message(void *ud, int op, const uint8_t *payload, size_t len)
{
    struct ws_feed *w = ud;
    if (op == DET_WS_CLOSE)
        return 1; /* nothing more to parse in this direction */
    if ((op == DET_WS_TEXT || op == DET_WS_BINARY) && w->t->cb->on_ws)
        w->t->cb->on_ws(w->t->ctx, w->f, w->dir, op, payload, len, w->ts);
    return 0;
}

static void ws_stop(struct det_stream *s)
{
    if (s->ws) {
        det_ws_free(s->ws);
        free(s->ws);
        s->ws = NULL;
    }
    s->mode = DET_STREAM_OFF;
}

/* Hands the working buffer to the detectors' own RFC 6455 parser (det_ws.h). */
static void parse_ws(struct det_flow_table *t, struct det_flow_entry *f, int dir,
                     double ts)
{
    struct det_stream *s = &f->dir[dir];
    struct ws_feed w = {t, f, dir, ts};
    if (!s->ws) {
        s->ws = calloc(1, sizeof(*s->ws));
        if (!s->ws) {
            ws_stop(s);
            return;
        }
        /* Client frames must be masked, server frames must not. */
        det_ws_init(s->ws, dir == DET_C2S, t->cfg.stream_cap);
    }
    int rc = det_ws_feed(s->ws, s->buf, s->len, ws_message, &w);
    s->len = 0;
    if (rc)
        ws_stop(s); /* malformed, over the cap, or closed */
}

static void parse_lines(struct det_flow_table *t, struct det_flow_entry *f, int dir,
                        double ts)
{
    struct det_stream *s = &f->dir[dir];
    size_t start = 0;
    for (size_t i = 0; i < s->len && s->mode == DET_STREAM_LINES; i++) {
        if (s->buf[i] != '\n')
            continue;
        size_t end = i;
        if (end > start && s->buf[end - 1] == '\r')
            end--;
        const char *line = (const char *)s->buf + start;
        start = i + 1;
        if (s->skip_to_nl) {
            s->skip_to_nl = 0;
            continue;
        }
        if (t->cb->on_line)
            t->cb->on_line(t->ctx, f, dir, line, end - (size_t)(line - (char *)s->buf),
                           ts);
        if (http_upgrade_line(s, dir, line, end - (size_t)(line - (char *)s->buf)))
            s->mode = DET_STREAM_WS;
    }
    memmove(s->buf, s->buf + start, s->len - start);
    s->len -= start;
    if (s->mode == DET_STREAM_WS)
        parse_ws(t, f, dir, ts);
}

/* Feeds in-order stream bytes to the line or frame parser. */
static void stream_bytes(struct det_flow_table *t, struct det_flow_entry *f, int dir,
                         const uint8_t *d, size_t n, size_t wire, double ts)
{
    struct det_stream *s = &f->dir[dir];
    if (s->bytes == 0 && n > 0 && d[0] != '\t' && d[0] != '\n' && d[0] != '\r' &&
        (d[0] < 0x20 || d[0] > 0x7e))
        s->mode = DET_STREAM_OFF;
    if (t->cfg.raw_only)
        s->mode = DET_STREAM_OFF; /* binary from the first byte (TLS, SSH, ...) */
    if (t->cfg.head_cap)
        append_capped(&s->head, &s->head_len, t->cfg.head_cap, d, n);
    if (t->cb->on_data)
        t->cb->on_data(t->ctx, f, dir, d, n, wire, ts);
    while (n > 0 && s->mode != DET_STREAM_OFF) {
        if (s->len == t->cfg.stream_cap) {
            if (s->mode == DET_STREAM_WS) {
                ws_stop(s);
                break;
            }
            /* An over-long line: hand over what fits, skip to its end. */
            if (!s->skip_to_nl && t->cb->on_line)
                t->cb->on_line(t->ctx, f, dir, (const char *)s->buf, s->len, ts);
            s->skip_to_nl = 1;
            s->len = 0;
        }
        size_t k = append_capped(&s->buf, &s->len, t->cfg.stream_cap, d, n);
        if (k == 0)
            break; /* out of memory: drop the rest of this segment */
        d += k;
        n -= k;
        s->bytes += k;
        if (s->mode == DET_STREAM_LINES)
            parse_lines(t, f, dir, ts);
        else
            parse_ws(t, f, dir, ts);
    }
    s->bytes += n;
}

static void gap(struct det_stream *s, uint32_t missing)
{
    s->gaps++;
    s->bytes += missing;
    s->len = 0;
    s->skip_to_nl = s->mode == DET_STREAM_LINES; /* the partial line is lost */
    if (s->mode == DET_STREAM_WS)
        ws_stop(s);
}

static int tcp_segment(struct det_flow_table *t, struct det_flow_entry *f, int dir,
                       const struct det_pkt *p)
{
    struct det_stream *s = &f->dir[dir];
    const uint8_t *d = p->payload;
    size_t n = p->payload_len;
    if (p->tcp_flags & DET_TCP_SYN) {
        s->next_seq = p->seq + 1;
        s->seq_known = 1;
        return 0;
    }
    if (p->payload_wire_len > 0) {
        if (!s->seq_known) {
            s->next_seq = p->seq;
            s->seq_known = 1;
            /* Joined mid-stream: the first bytes are probably the tail of a line,
             * unless they look like the start of a JSON one. */
            s->skip_to_nl = s->mode == DET_STREAM_LINES && f->saw_syn == 0 &&
                            !(n > 0 && d[0] == '{');
        }
        int32_t delta = (int32_t)(p->seq - s->next_seq);
        size_t wire = p->payload_wire_len;
        if (delta < 0) { /* retransmission or overlap: trim what we had */
            size_t old = (size_t) - (int64_t)delta;
            if (old >= wire)
                return 0;
            wire -= old;
            d += old < n ? old : n;
            n = old < n ? n - old : 0;
        } else if (delta > 0) {
            gap(s, (uint32_t)delta);
        }
        s->packets++;
        s->next_seq = p->seq + (uint32_t)p->payload_wire_len;
        stream_bytes(t, f, dir, d, n, wire, p->ts);
        if (wire > n) /* cut by snaplen */
            gap(s, (uint32_t)(wire - n));
    }
    if (p->tcp_flags & DET_TCP_FIN)
        s->fin = 1;
    return (p->tcp_flags & DET_TCP_RST) || (f->dir[0].fin && f->dir[1].fin);
}

void det_flow_table_packet(struct det_flow_table *t, const struct det_pkt *p)
{
    if (p->l4 != IPPROTO_TCP && p->l4 != IPPROTO_UDP)
        return;
    unsigned h = hash_endpoints(p);
    int dir = 0;
    struct det_flow_entry *f = lookup(t, p, h, &dir);
    if (!f) {
        /* Late ACKs, FINs and RSTs of a flow that already ended must not start a
         * new one: only a SYN or data opens a TCP flow. */
        if (p->l4 == IPPROTO_TCP && (p->tcp_flags & DET_TCP_RST))
            return;
        if (p->l4 == IPPROTO_TCP && !(p->tcp_flags & DET_TCP_SYN) &&
            !p->payload_wire_len)
            return;
        f = create(t, p, h, &dir);
        if (!f)
            return;
    }
    f->last_ts = p->ts;
    if (p->l4 == IPPROTO_UDP) {
        f->dir[dir].packets++;
        f->dir[dir].bytes += p->payload_len;
        if (t->cb->on_data && p->payload_len)
            t->cb->on_data(t->ctx, f, dir, p->payload, p->payload_len,
                           p->payload_wire_len, p->ts);
        return;
    }
    if (tcp_segment(t, f, dir, p))
        remove_entry(t, f, h);
}

void det_flow_table_expire(struct det_flow_table *t, double now)
{
    if (now - t->last_expire < 5)
        return;
    t->last_expire = now;
    for (unsigned h = 0; h < BUCKETS; h++) {
        struct det_flow_entry **pp = &t->bucket[h];
        while (*pp) {
            struct det_flow_entry *f = *pp;
            if (now - f->last_ts > t->cfg.idle_timeout_s) {
                *pp = f->next_in_bucket;
                t->count--;
                free_entry(t, f);
            } else {
                pp = &f->next_in_bucket;
            }
        }
    }
}

void det_flow_table_foreach(struct det_flow_table *t,
                            void (*fn)(void *arg, struct det_flow_entry *f), void *arg)
{
    for (unsigned h = 0; h < BUCKETS; h++)
        for (struct det_flow_entry *f = t->bucket[h]; f; f = f->next_in_bucket)
            fn(arg, f);
}

uint64_t det_flow_table_overflows(const struct det_flow_table *t)
{
    return t->overflows;
}

void det_flow_table_destroy(struct det_flow_table *t)
{
    if (!t)
        return;
    for (unsigned h = 0; h < BUCKETS; h++) {
        while (t->bucket[h]) {
            struct det_flow_entry *f = t->bucket[h];
            t->bucket[h] = f->next_in_bucket;
            free_entry(t, f);
        }
    }
    free(t);
}

int det_flow_fire_once(struct det_flow_entry *f, unsigned rule)
{
    uint64_t bit = 1ull << (rule & 63);
    if (f->fired & bit)
        return 0;
    f->fired |= bit;
    return 1;
}

void det_flow_describe(const struct det_flow_entry *f, struct det_flow *out)
{
    out->proto = f->l4 == IPPROTO_UDP ? "udp" : "tcp";
    out->src = f->client;
    out->dst = f->server;
}
