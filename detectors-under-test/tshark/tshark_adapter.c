#include "tshark_adapter.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    F_TIME,
    F_IP_SRC,
    F_IP6_SRC,
    F_IP_DST,
    F_IP6_DST,
    F_TCP_SPORT,
    F_TCP_DPORT,
    F_UDP_SPORT,
    F_UDP_DPORT,
    F_SYN,
    F_ACK,
    F_DNS_NAME,
    F_SNI,
    F_WS_TEXT,
    F_PAYLOAD,
    F_COUNT
};

const char *const tsa_fields[] = {"frame.time_epoch",
                                  "ip.src",
                                  "ipv6.src",
                                  "ip.dst",
                                  "ipv6.dst",
                                  "tcp.srcport",
                                  "tcp.dstport",
                                  "udp.srcport",
                                  "udp.dstport",
                                  "tcp.flags.syn",
                                  "tcp.flags.ack",
                                  "dns.qry.name",
                                  "tls.handshake.extensions_server_name",
                                  "websocket.payload.text",
                                  "tcp.payload",
                                  NULL};

/* Display-filter pieces, one per public rule. */
static const char *const content_rules[] = {
    /* ET "Cryptocurrency Miner Checkin": the payload starts {"id": then the rest in
       order. */
    "(tcp.payload[0:6] == 7b:22:69:64:22:3a && tcp.payload contains "
    "\"\\\"jsonrpc\\\":\" "
    "&& tcp.payload contains \"\\\",\\\"method\\\":\\\"login\\\",\\\"params\\\":\" "
    "&& tcp.payload contains \"\\\"pass\\\":\\\"\" && tcp.payload contains "
    "\"\\\"agent\\\":\\\"\")",
    "tcp.payload contains \"\\\"method\\\":\\\"submit\\\"\"",
    "tcp.payload contains \"\\\"method\\\":\\\"job\\\"\"",
    "tcp.payload contains \"\\\"method\\\":\\\"keepalived\\\"\"",
    "tcp.payload contains \"mining.subscribe\"",
    "tcp.payload contains \"mining.authorize\"",
    "tcp.payload contains \"\\\"method\\\": \\\"mining.notify\\\"\"",
    "websocket.payload.text contains \"\\\"type\\\":\\\"auth\\\"\"",
    "websocket.payload.text contains \"\\\"type\\\":\\\"submit\\\"\"",
    "websocket.payload.text contains \"\\\"type\\\":\\\"job\\\"\"",
};

struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
};

static void put(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* "(^|\.)(a\.com|b\.org)$" with regex metacharacters escaped. */
static void domain_regex(struct sbuf *b, const char *const *domains, size_t n)
{
    put(b, "\"(^|\\\\.)(");
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(b, "|");
        for (const char *c = domains[i]; *c; c++) {
            char one[2] = {*c, 0};
            if (isalnum((unsigned char)*c) || *c == '-' || *c == '_')
                put(b, one);
            else if (*c == '.')
                put(b, "\\\\.");
        }
    }
    put(b, ")$\"");
}

/* "(ip.src == N/b || ipv6.src == M/c ...)" for side "src" or "dst". */
static void home_side(struct sbuf *b, const struct det_home_net *home, const char *side)
{
    put(b, "(");
    for (size_t k = 0; k < home->n; k++) {
        char a[INET6_ADDRSTRLEN], term[128];
        const struct det_home_cidr *c = &home->net[k];
        inet_ntop(c->family, c->addr, a, sizeof(a));
        snprintf(term, sizeof(term), "%s%s.%s == %s/%u", k ? " || " : "",
                 c->family == AF_INET ? "ip" : "ipv6", side, a, c->bits);
        put(b, term);
    }
    put(b, ")");
}

char *tsa_build_filter(const char *const *domains, size_t ndomains,
                       const uint16_t *ports, size_t nports,
                       const struct det_home_net *home)
{
    struct sbuf b = {0};
    char num[16];
    put(&b, home && home->n ? "(" : "");
    for (size_t i = 0; i < sizeof(content_rules) / sizeof(content_rules[0]); i++) {
        put(&b, i ? " || " : "");
        put(&b, content_rules[i]);
    }
    if (nports) {
        put(&b, " || (tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport in {");
        for (size_t i = 0; i < nports; i++) {
            snprintf(num, sizeof(num), "%s%u", i ? "," : "", (unsigned)ports[i]);
            put(&b, num);
        }
        put(&b, "})");
    }
    if (ndomains) {
        put(&b, " || (dns.flags.response == 0 && dns.qry.name matches ");
        domain_regex(&b, domains, ndomains);
        put(&b, ") || tls.handshake.extensions_server_name matches ");
        domain_regex(&b, domains, ndomains);
    }
    if (home && home->n) { /* between the home net and the outside */
        put(&b, ") && ((");
        home_side(&b, home, "src");
        put(&b, " && !");
        home_side(&b, home, "dst");
        put(&b, ") || (");
        home_side(&b, home, "dst");
        put(&b, " && !");
        home_side(&b, home, "src");
        put(&b, "))");
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static size_t unhex(const char *hex, char *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n + 1 < cap; hex += 2) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            break;
        out[n++] = (char)v;
    }
    out[n] = '\0';
    return n;
}

/* Which rule a payload or WebSocket text names; *from_server for server pushes. */
static const char *label_text(const char *t, size_t n, int ws, int *from_server)
{
    *from_server = 0;
    if (ws) {
        if (memmem(t, n, "\"type\":\"job\"", 12)) {
            *from_server = 1;
            return "ws-miner-job";
        }
        return memmem(t, n, "\"type\":\"auth\"", 13) ? "ws-miner-auth"
                                                     : "ws-miner-submit";
    }
    if (n >= 6 && !memcmp(t, "{\"id\":", 6) &&
        memmem(t, n, "\",\"method\":\"login\",\"params\":", 28))
        return "et-checkin";
    if (memmem(t, n, "mining.notify", 13) || memmem(t, n, "\"method\":\"job\"", 14)) {
        *from_server = 1;
        return memmem(t, n, "mining.notify", 13) ? "mining-notify" : "stratum-job";
    }
    if (memmem(t, n, "mining.", 7))
        return "mining-method";
    return "stratum-method";
}

static void endpoint(char *out, size_t len, const char *ip, const char *port)
{
    snprintf(out, len, strchr(ip, ':') ? "[%s]:%s" : "%s:%s", ip, port);
}

int tsa_classify(char *line, struct tsa_hit *out)
{
    char *f[F_COUNT] = {0};
    char *p = line;
    static __thread char text[4096];
    memset(out, 0, sizeof(*out));
    line[strcspn(line, "\r\n")] = '\0';
    for (int i = 0; i < F_COUNT; i++) {
        f[i] = p;
        char *tab = strchr(p, '\t');
        if (!tab) {
            if (i != F_COUNT - 1)
                return -EINVAL;
            break;
        }
        *tab = '\0';
        p = tab + 1;
    }
    const char *src = *f[F_IP_SRC] ? f[F_IP_SRC] : f[F_IP6_SRC];
    const char *dst = *f[F_IP_DST] ? f[F_IP_DST] : f[F_IP6_DST];
    int udp = *f[F_UDP_SPORT] != '\0';
    const char *sport = udp ? f[F_UDP_SPORT] : f[F_TCP_SPORT];
    const char *dport = udp ? f[F_UDP_DPORT] : f[F_TCP_DPORT];
    if (!*src || !*sport)
        return -EINVAL;
    out->ts = strtod(f[F_TIME], NULL);
    out->proto = udp ? "udp" : "tcp";
    int from_server = 0;
    if (*f[F_SNI]) {
        out->rule = "pool-sni";
        snprintf(out->detail, sizeof(out->detail), "TLS SNI %s", f[F_SNI]);
    } else if (*f[F_DNS_NAME]) {
        out->rule = "pool-dns";
        snprintf(out->detail, sizeof(out->detail), "DNS query %s", f[F_DNS_NAME]);
    } else if (*f[F_WS_TEXT]) {
        out->rule = label_text(f[F_WS_TEXT], strlen(f[F_WS_TEXT]), 1, &from_server);
        snprintf(out->detail, sizeof(out->detail), "WebSocket text %.100s",
                 f[F_WS_TEXT]);
    } else if (*f[F_PAYLOAD]) {
        size_t n = unhex(f[F_PAYLOAD], text, sizeof(text));
        out->rule = label_text(text, n, 0, &from_server);
        snprintf(out->detail, sizeof(out->detail), "payload %.100s", text);
        for (char *c = out->detail; *c; c++)
            if (*c < 0x20 || *c > 0x7e)
                *c = '.';
    } else if (!strcmp(f[F_SYN], "1") || !strcmp(f[F_SYN], "True")) {
        out->rule = "pool-port";
        snprintf(out->detail, sizeof(out->detail), "SYN to pool port %s", dport);
    } else {
        return 0;
    }
    endpoint(from_server ? out->dst : out->src, sizeof(out->src), src, sport);
    endpoint(from_server ? out->src : out->dst, sizeof(out->dst), dst, dport);
    return 1;
}

struct tsa_seen {
    size_t cap, count;
    uint64_t *keys; /* 0 = empty */
};

struct tsa_seen *tsa_seen_create(size_t cap)
{
    struct tsa_seen *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->cap = cap < 16 ? 16 : cap;
    s->keys = calloc(s->cap, sizeof(uint64_t));
    if (!s->keys) {
        free(s);
        return NULL;
    }
    return s;
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

int tsa_seen_add(struct tsa_seen *s, const struct tsa_hit *h)
{
    uint64_t k =
        fnv(fnv(fnv(fnv(14695981039346656037ull, h->rule), h->proto), h->src), h->dst);
    if (!k)
        k = 1;
    if (s->count * 4 >= s->cap * 3)
        return 0; /* full: stay quiet rather than repeat */
    for (size_t i = k % s->cap;; i = (i + 1) % s->cap) {
        if (s->keys[i] == k)
            return 0;
        if (!s->keys[i]) {
            s->keys[i] = k;
            s->count++;
            return 1;
        }
    }
}

void tsa_seen_destroy(struct tsa_seen *s)
{
    if (!s)
        return;
    free(s->keys);
    free(s);
}
