#include "pool_endpoint.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_util.h"

#define PEP_SNI_DONE 63 /* flow bit: the ClientHello was parsed (or given up on) */
#define PEP_HEAD_CAP 16384
#define PEP_PDNS_MAX 4096 /* passive DNS: (address, name) pairs remembered */

enum pep_rule { PEP_FALCO, PEP_DNS, PEP_SNI };

/* One DNS answer seen on the wire: addr was given for the question name. */
struct pep_pdns {
    int family;
    uint8_t addr[16];
    char name[256]; /* as the DNS parser writes it */
};

struct pep {
    struct pep_config cfg;
    uint16_t ports[PEP_MAX_PORTS];
    char **domains;
    size_t ndomains;
    struct det_flow_table *flows;
    struct pep_pdns *pdns; /* a ring: the oldest pair goes when it is full */
    size_t npdns, pdns_next;
    unsigned long alerts;
};

/*
 * Falco's lists as written: falcosecurity/rules, rules/falco-sandbox_rules.yaml
 * at commit c72713ee2e63 (2026-06-18), lists miner_ports, miner_domains,
 * https_miner_domains and http_miner_domains, used by the macros
 * minerpool_other, minerpool_https and minerpool_http of the rule "Detect
 * outbound connections to common miner pool ports".
 */
static const uint16_t falco_ports[] = {
    25,   3333, 3334, 3335, 3336, 3357,  4444,  5555,  5556, 5588,
    5730, 6099, 6666, 7777, 7778, 8000,  8001,  8008,  8080, 8118,
    8333, 8888, 8899, 9332, 9999, 14433, 14444, 45560, 45700};

static const char *const miner_domains[] = {"asia1.ethpool.org",
                                            "ca.minexmr.com",
                                            "cn.stratum.slushpool.com",
                                            "de.minexmr.com",
                                            "eth-ar.dwarfpool.com",
                                            "eth-asia.dwarfpool.com",
                                            "eth-asia1.nanopool.org",
                                            "eth-au.dwarfpool.com",
                                            "eth-au1.nanopool.org",
                                            "eth-br.dwarfpool.com",
                                            "eth-cn.dwarfpool.com",
                                            "eth-cn2.dwarfpool.com",
                                            "eth-eu.dwarfpool.com",
                                            "eth-eu1.nanopool.org",
                                            "eth-eu2.nanopool.org",
                                            "eth-hk.dwarfpool.com",
                                            "eth-jp1.nanopool.org",
                                            "eth-ru.dwarfpool.com",
                                            "eth-ru2.dwarfpool.com",
                                            "eth-sg.dwarfpool.com",
                                            "eth-us-east1.nanopool.org",
                                            "eth-us-west1.nanopool.org",
                                            "eth-us.dwarfpool.com",
                                            "eth-us2.dwarfpool.com",
                                            "eu.stratum.slushpool.com",
                                            "eu1.ethermine.org",
                                            "eu1.ethpool.org",
                                            "fr.minexmr.com",
                                            "mine.moneropool.com",
                                            "mine.xmrpool.net",
                                            "pool.minexmr.com",
                                            "pool.monero.hashvault.pro",
                                            "pool.supportxmr.com",
                                            "sg.minexmr.com",
                                            "sg.stratum.slushpool.com",
                                            "stratum-eth.antpool.com",
                                            "stratum-ltc.antpool.com",
                                            "stratum-zec.antpool.com",
                                            "stratum.antpool.com",
                                            "us-east.stratum.slushpool.com",
                                            "us1.ethermine.org",
                                            "us1.ethpool.org",
                                            "us2.ethermine.org",
                                            "us2.ethpool.org",
                                            "xmr-asia1.nanopool.org",
                                            "xmr-au1.nanopool.org",
                                            "xmr-eu1.nanopool.org",
                                            "xmr-eu2.nanopool.org",
                                            "xmr-jp1.nanopool.org",
                                            "xmr-us-east1.nanopool.org",
                                            "xmr-us-west1.nanopool.org",
                                            "xmr.crypto-pool.fr",
                                            "xmr.pool.minergate.com",
                                            "rx.unmineable.com",
                                            "ss.antpool.com",
                                            "dash.antpool.com",
                                            "eth.antpool.com",
                                            "zec.antpool.com",
                                            "xmc.antpool.com",
                                            "btm.antpool.com",
                                            "stratum-dash.antpool.com",
                                            "stratum-xmc.antpool.com",
                                            "stratum-btm.antpool.com",
                                            NULL};

static const char *const https_miner_domains[] = {"ca.minexmr.com",
                                                  "cn.stratum.slushpool.com",
                                                  "de.minexmr.com",
                                                  "fr.minexmr.com",
                                                  "mine.moneropool.com",
                                                  "mine.xmrpool.net",
                                                  "pool.minexmr.com",
                                                  "sg.minexmr.com",
                                                  "stratum-eth.antpool.com",
                                                  "stratum-ltc.antpool.com",
                                                  "stratum-zec.antpool.com",
                                                  "stratum.antpool.com",
                                                  "xmr.crypto-pool.fr",
                                                  "ss.antpool.com",
                                                  "stratum-dash.antpool.com",
                                                  "stratum-xmc.antpool.com",
                                                  "stratum-btm.antpool.com",
                                                  "btm.antpool.com",
                                                  NULL};

static const char *const http_miner_domains[] = {
    "ca.minexmr.com",      "de.minexmr.com",     "fr.minexmr.com",
    "mine.moneropool.com", "mine.xmrpool.net",   "pool.minexmr.com",
    "sg.minexmr.com",      "xmr.crypto-pool.fr", NULL};

const uint16_t *pep_default_ports(size_t *nports)
{
    *nports = sizeof(falco_ports) / sizeof(falco_ports[0]);
    return falco_ports;
}

static uint16_t load16be(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Reads the (possibly compressed) name at *off into name (lowercase, dotted;
 * NULL = skip it) and moves *off past it where it is written. Pointers must
 * go backwards, at most 16 of them. 0, or -EINVAL.
 */
static int dns_name(const uint8_t *m, size_t len, size_t *off, char *name,
                    size_t namelen)
{
    size_t at = *off, out = 0;
    int hops = 0;
    for (int labels = 0; labels < 128; labels++) {
        if (at >= len)
            return -EINVAL;
        size_t l = m[at];
        if ((l & 0xc0) == 0xc0) {
            size_t to = (size_t)(l & 0x3f) << 8 | (at + 1 < len ? m[at + 1] : 0xff);
            if (at + 1 >= len || to >= at || ++hops > 16)
                return -EINVAL;
            if (hops == 1)
                *off = at + 2;
            at = to;
            continue;
        }
        if (l > 63 || at + 1 + l > len)
            return -EINVAL;
        if (l == 0) {
            if (hops == 0)
                *off = at + 1;
            if (name)
                name[out] = '\0';
            return name && !out ? -EINVAL : 0;
        }
        if (name && out + l + 2 > namelen)
            return -EINVAL;
        if (name && out)
            name[out++] = '.';
        for (size_t i = 0; name && i < l; i++)
            name[out++] = (char)tolower(m[at + 1 + i]);
        at += 1 + l;
    }
    return -EINVAL;
}

int pep_dns_query_name(const uint8_t *m, size_t len, char *name, size_t namelen)
{
    size_t off = 12;
    if (len < 12 || (m[2] & 0x80) || load16be(m + 4) < 1 || namelen < 2)
        return -EINVAL; /* too short, a response, or no question */
    return dns_name(m, len, &off, name, namelen);
}

int pep_dns_answers(const uint8_t *m, size_t len, char *name, size_t namelen,
                    struct pep_addr *out, size_t max)
{
    size_t off = 12, n = 0;
    if (len < 12 || !(m[2] & 0x80) || (m[3] & 0x0f) || load16be(m + 4) != 1 ||
        namelen < 2)
        return -EINVAL; /* not a response, an error, or not one question */
    unsigned an = load16be(m + 6);
    if (dns_name(m, len, &off, name, namelen) || off + 4 > len)
        return -EINVAL;
    off += 4; /* qtype, qclass */
    for (unsigned i = 0; i < an; i++) {
        if (dns_name(m, len, &off, NULL, 0) || off + 10 > len)
            return -EINVAL;
        uint16_t type = load16be(m + off), klass = load16be(m + off + 2);
        size_t rdlen = load16be(m + off + 8);
        off += 10;
        if (off + rdlen > len)
            return -EINVAL;
        /* A and AAAA of class IN; CNAMEs in between lead to them. */
        if (klass == 1 && n < max &&
            ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16))) {
            memset(&out[n], 0, sizeof(out[n]));
            out[n].family = type == 1 ? AF_INET : AF_INET6;
            memcpy(out[n].addr, m + off, rdlen);
            n++;
        }
        off += rdlen;
    }
    return (int)n;
}

/* Collects handshake bytes from consecutive TLS handshake records. */
static size_t handshake_bytes(const uint8_t *s, size_t len, uint8_t *hs, size_t cap,
                              int *bad)
{
    size_t off = 0, n = 0;
    *bad = 0;
    while (off + 5 <= len) {
        if (s[off] != 0x16 || s[off + 1] != 3) {
            *bad = off == 0;
            break;
        }
        size_t rl = load16be(s + off + 3);
        size_t avail = len - off - 5 < rl ? len - off - 5 : rl;
        if (n + avail > cap)
            avail = cap - n;
        memcpy(hs + n, s + off + 5, avail);
        n += avail;
        if (avail < rl)
            break;
        off += 5 + rl;
    }
    return n;
}

static int sni_from_hello(const uint8_t *h, size_t n, char *name, size_t namelen)
{
    /* ClientHello body: version(2) random(32) sid(1+) suites(2+) comp(1+) ext(2+). */
    size_t off = 4 + 2 + 32;
    if (off + 1 > n)
        return 0;
    off += 1 + h[off];
    if (off + 2 > n)
        return 0;
    off += 2 + load16be(h + off);
    if (off + 1 > n)
        return 0;
    off += 1 + h[off];
    if (off + 2 > n)
        return 0;
    size_t ext_end = off + 2 + load16be(h + off);
    off += 2;
    while (off + 4 <= n && off + 4 <= ext_end) {
        uint16_t type = load16be(h + off), elen = load16be(h + off + 2);
        off += 4;
        if (off + elen > n)
            return 0;
        if (type == 0 && elen >= 5 && h[off + 2] == 0) {
            size_t nl = load16be(h + off + 3);
            if (nl == 0 || 5 + nl > elen || nl + 1 > namelen)
                return -EINVAL;
            for (size_t i = 0; i < nl; i++)
                name[i] = (char)tolower(h[off + 5 + i]);
            name[nl] = '\0';
            return 1;
        }
        off += elen;
    }
    return off >= ext_end ? -EINVAL : 0;
}

int pep_tls_sni(const uint8_t *s, size_t len, char *name, size_t namelen)
{
    static __thread uint8_t hs[PEP_HEAD_CAP];
    int bad;
    size_t n = handshake_bytes(s, len, hs, sizeof(hs), &bad);
    if (bad)
        return -EINVAL;
    if (n < 4)
        return 0;
    if (hs[0] != 1)
        return -EINVAL; /* not a ClientHello */
    size_t body = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
    int rc = sni_from_hello(hs, n < body + 4 ? n : body + 4, name, namelen);
    if (rc == 0 && n >= body + 4)
        return -EINVAL; /* complete hello without SNI */
    if (rc == 0 && n >= sizeof(hs))
        return -EINVAL;
    return rc;
}

const char *pep_match_domain(const struct pep *p, const char *name)
{
    size_t nl = strlen(name);
    while (nl && name[nl - 1] == '.')
        nl--; /* the root dot */
    for (size_t i = 0; i < p->ndomains; i++) {
        const char *d = p->domains[i];
        size_t dl = strlen(d);
        if (nl == dl && !strncmp(name, d, nl))
            return d;
        if (nl > dl && name[nl - dl - 1] == '.' && !strncmp(name + nl - dl, d, dl))
            return d;
    }
    return NULL;
}

int pep_load_domains(struct pep *p, const char *path, char *err, size_t errlen)
{
    char line[512];
    FILE *f = fopen(path, "r");
    if (!f)
        return ml_err(err, errlen, -errno, "cannot open domain list %s: %s", path,
                      strerror(errno));
    int rc = 0;
    while (fgets(line, sizeof(line), f)) {
        char *s = line, *e;
        while (isspace((unsigned char)*s))
            s++;
        for (e = s; *e && !isspace((unsigned char)*e) && *e != '#'; e++)
            *e = (char)tolower((unsigned char)*e);
        *e = '\0';
        if (!*s || *s == '#')
            continue;
        if (p->ndomains >= PEP_MAX_DOMAINS) {
            rc = ml_err(err, errlen, -E2BIG, "%s: more than %d domains", path,
                        PEP_MAX_DOMAINS);
            break;
        }
        char **nd = realloc(p->domains, (p->ndomains + 1) * sizeof(*nd));
        char *copy = strdup(s);
        if (!nd || !copy) {
            free(copy);
            if (nd)
                p->domains = nd;
            rc = ml_err(err, errlen, -ENOMEM, "out of memory");
            break;
        }
        p->domains = nd;
        p->domains[p->ndomains++] = copy;
    }
    fclose(f);
    return rc;
}

const char *const *pep_domains(const struct pep *p, size_t *n)
{
    *n = p->ndomains;
    return (const char *const *)p->domains;
}

const char *pep_default_domains_path(char *buf, size_t len, const char *fallback)
{
    ssize_t n = len > 32 ? readlink("/proc/self/exe", buf, len - 32) : -1;
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash) {
            strcpy(slash + 1, "pool-domains.txt");
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
    return fallback;
}

static void alert(struct pep *p, struct det_flow_entry *f, enum pep_rule r,
                  double score, const char *reason, double ts)
{
    struct det_flow flow;
    if (!det_flow_fire_once(f, r))
        return;
    det_flow_describe(f, &flow);
    struct det_alert a = {.detector = "pool-endpoint",
                          .technique = DET_NETWORK,
                          .flow = &flow,
                          .score = score,
                          .reason = reason,
                          .ts = ts};
    p->cfg.emit(p->cfg.emit_ctx, &a);
    p->alerts++;
}

static int port_listed(const struct pep *p, uint16_t port)
{
    for (size_t i = 0; i < p->cfg.nports; i++)
        if (p->ports[i] == port)
            return 1;
    return 0;
}

static int listed(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (!strcmp(*list, name))
            return 1;
    return 0;
}

/* Falco's three macros: which one (server port, name) matches, or NULL. */
static const char *falco_macro(const struct pep *p, uint16_t port, const char *name)
{
    if (port == 443 && listed(https_miner_domains, name))
        return "minerpool_https";
    if (port == 80 && listed(http_miner_domains, name))
        return "minerpool_http";
    if (port_listed(p, port) && listed(miner_domains, name))
        return "minerpool_other";
    return NULL;
}

/* IPv4 (or IPv4-mapped) bytes of addr, or NULL. */
static const uint8_t *v4(int family, const uint8_t *addr)
{
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (family == AF_INET)
        return addr;
    return memcmp(addr, mapped, 12) ? NULL : addr + 12;
}

/* net_miner_pool's exclusions as written: fd.net != "127.0.0.0/8" (either
 * end) and not fd.snet in (rfc_1918_addresses) (the server). */
static int falco_excluded(const struct det_flow_entry *f)
{
    const uint8_t *c = v4(f->family, f->addr[0]), *s = v4(f->family, f->addr[1]);
    if ((c && c[0] == 127) || (s && s[0] == 127))
        return 1;
    return s && (s[0] == 10 || (s[0] == 172 && (s[1] & 0xf0) == 16) ||
                 (s[0] == 192 && s[1] == 168));
}

static int same_addr(int family, const uint8_t *a, int family_b, const uint8_t *b)
{
    return family == family_b && !memcmp(a, b, family == AF_INET ? 4 : 16);
}

static void remember(struct pep *p, const char *name, const struct pep_addr *a)
{
    for (size_t i = 0; i < p->npdns; i++) {
        const struct pep_pdns *e = &p->pdns[i];
        if (same_addr(e->family, e->addr, a->family, a->addr) && !strcmp(e->name, name))
            return;
    }
    struct pep_pdns *e = &p->pdns[p->pdns_next];
    p->pdns_next = (p->pdns_next + 1) % PEP_PDNS_MAX;
    if (p->npdns < PEP_PDNS_MAX)
        p->npdns++;
    e->family = a->family;
    memcpy(e->addr, a->addr, 16);
    snprintf(e->name, sizeof(e->name), "%s", name);
}

/*
 * Falco's "Detect outbound connections to common miner pool ports" on a new
 * flow: the server's address was answered earlier for a listed name (what
 * fd.sip.name compares), and the port goes with that name's list.
 */
static void on_new(void *ctx, struct det_flow_entry *f, double ts)
{
    struct pep *p = ctx;
    char reason[512];
    if (falco_excluded(f) ||
        !det_home_outbound(&p->cfg.home, f->family, f->addr[0], f->addr[1]))
        return;
    for (size_t i = 0; i < p->npdns; i++) {
        const struct pep_pdns *e = &p->pdns[i];
        const char *macro = falco_macro(p, f->port[1], e->name);
        if (!same_addr(e->family, e->addr, f->family, f->addr[1]) || !macro)
            continue;
        snprintf(reason, sizeof(reason),
                 "rule falco-miner-pool: outbound %s connection to %s, an address DNS "
                 "gave for %s (Falco net_miner_pool, %s)",
                 f->l4 == IPPROTO_TCP ? "TCP" : "UDP", f->server, e->name, macro);
        alert(p, f, PEP_FALCO, 0.9, reason, ts);
        return;
    }
}

static void name_alert(struct pep *p, struct det_flow_entry *f, enum pep_rule r,
                       const char *name, double ts)
{
    char reason[512];
    const char *hit = pep_match_domain(p, name);
    if (!hit)
        return;
    snprintf(reason, sizeof(reason),
             "rule pool-%s: %s names pool domain %s (list entry %s)",
             r == PEP_DNS ? "dns" : "sni", r == PEP_DNS ? "DNS query" : "TLS SNI", name,
             hit);
    alert(p, f, r, 0.9, reason, ts);
}

static int dns_port(uint16_t port)
{
    return port == 53 || port == 5353 || port == 5355;
}

static void on_udp(struct pep *p, struct det_flow_entry *f, int dir,
                   const uint8_t *data, size_t len, double ts)
{
    char name[256];
    struct pep_addr addrs[16];
    if (!dns_port(f->port[1]))
        return;
    if (dir == DET_S2C) {
        int n = pep_dns_answers(data, len, name, sizeof(name), addrs, 16);
        for (int i = 0; i < n; i++)
            remember(p, name, &addrs[i]);
        return;
    }
    /* DNS rules are written `$HOME_NET any -> any 53`: the resolver may be
     * inside the home net. */
    if ((p->cfg.home.n == 0 ||
         det_home_contains(&p->cfg.home, f->family, f->addr[0])) &&
        pep_dns_query_name(data, len, name, sizeof(name)) == 0)
        name_alert(p, f, PEP_DNS, name, ts);
}

static void on_data(void *ctx, struct det_flow_entry *f, int dir, const uint8_t *data,
                    size_t len, size_t wire_len, double ts)
{
    struct pep *p = ctx;
    char name[256];
    (void)wire_len;
    if (f->l4 == IPPROTO_UDP) {
        on_udp(p, f, dir, data, len, ts);
        return;
    }
    if (dir != DET_C2S || (f->fired & (1ull << PEP_SNI_DONE)))
        return;
    int rc =
        pep_tls_sni(f->dir[DET_C2S].head, f->dir[DET_C2S].head_len, name, sizeof(name));
    if (rc != 0 || f->dir[DET_C2S].head_len >= PEP_HEAD_CAP)
        det_flow_fire_once(f, PEP_SNI_DONE);
    if (rc == 1 && det_home_outbound(&p->cfg.home, f->family, f->addr[0], f->addr[1]))
        name_alert(p, f, PEP_SNI, name, ts);
}

static const struct det_flow_callbacks callbacks = {.on_new = on_new,
                                                    .on_data = on_data};

int pep_create(struct pep **out, const struct pep_config *cfg)
{
    struct pep *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    if (cfg)
        p->cfg = *cfg;
    if (!p->cfg.emit)
        p->cfg.emit = det_emit_stdout;
    const uint16_t *ports = p->cfg.ports;
    if (!ports)
        ports = pep_default_ports(&p->cfg.nports);
    if (p->cfg.nports > PEP_MAX_PORTS)
        p->cfg.nports = PEP_MAX_PORTS;
    memcpy(p->ports, ports, p->cfg.nports * sizeof(*ports));
    p->cfg.ports = p->ports;
    p->pdns = calloc(PEP_PDNS_MAX, sizeof(*p->pdns));
    if (!p->pdns) {
        free(p);
        return -ENOMEM;
    }
    struct det_flow_config fc = {.head_cap = PEP_HEAD_CAP, .raw_only = 1};
    int rc = det_flow_table_create(&p->flows, &fc, &callbacks, p);
    if (rc < 0) {
        free(p->pdns);
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void pep_packet(void *ctx, const struct det_pkt *pk)
{
    struct pep *p = ctx;
    det_flow_table_packet(p->flows, pk);
}

void pep_tick(void *ctx, double now)
{
    struct pep *p = ctx;
    det_flow_table_expire(p->flows, now);
}

unsigned long pep_alert_count(const struct pep *p)
{
    return p->alerts;
}

void pep_destroy(struct pep *p)
{
    if (!p)
        return;
    det_flow_table_destroy(p->flows);
    for (size_t i = 0; i < p->ndomains; i++)
        free(p->domains[i]);
    free(p->domains);
    free(p->pdns);
    free(p);
}
