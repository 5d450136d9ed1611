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

enum pep_rule { PEP_PORT, PEP_DNS, PEP_SNI };

struct pep {
    struct pep_config cfg;
    uint16_t ports[PEP_MAX_PORTS];
    char **domains;
    size_t ndomains;
    struct det_flow_table *flows;
    unsigned long alerts;
};

static const uint16_t falco_ports[] = {
    25,   3333, 3334, 3335, 3336, 3357,  4444,  5555,  5556, 5588,
    5730, 6099, 6666, 7777, 7778, 8000,  8001,  8008,  8080, 8118,
    8333, 8888, 8899, 9332, 9999, 14433, 14444, 45560, 45700};

const uint16_t *pep_default_ports(size_t *nports)
{
    *nports = sizeof(falco_ports) / sizeof(falco_ports[0]);
    return falco_ports;
}

static uint16_t load16be(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

int pep_dns_query_name(const uint8_t *m, size_t len, char *name, size_t namelen)
{
    if (len < 12 || (m[2] & 0x80) || load16be(m + 4) < 1 || namelen < 2)
        return -EINVAL; /* too short, a response, or no question */
    size_t off = 12, out = 0;
    for (int labels = 0; labels < 128; labels++) {
        if (off >= len)
            return -EINVAL;
        size_t l = m[off++];
        if (l == 0) {
            name[out] = '\0';
            return out ? 0 : -EINVAL;
        }
        if (l > 63 || off + l > len || out + l + 2 > namelen)
            return -EINVAL; /* compression pointers never appear in a question */
        if (out)
            name[out++] = '.';
        for (size_t i = 0; i < l; i++)
            name[out++] = (char)tolower(m[off + i]);
        off += l;
    }
    return -EINVAL;
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

static void on_new(void *ctx, struct det_flow_entry *f, double ts)
{
    struct pep *p = ctx;
    char reason[256];
    if (f->l4 != IPPROTO_TCP || !port_listed(p, f->port[1]))
        return;
    if (p->cfg.ignore_private && det_addr_is_private(f->family, f->addr[1]))
        return;
    snprintf(
        reason, sizeof(reason),
        "rule pool-port: TCP connection to %s, port %u is on Falco's miner port list",
        f->server, (unsigned)f->port[1]);
    alert(p, f, PEP_PORT, 0.5, reason, ts);
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

static void on_data(void *ctx, struct det_flow_entry *f, int dir, const uint8_t *data,
                    size_t len, size_t wire_len, double ts)
{
    struct pep *p = ctx;
    char name[256];
    if (dir != DET_C2S)
        return;
    if (f->l4 == IPPROTO_UDP) {
        uint16_t port = f->port[1];
        if ((port == 53 || port == 5353 || port == 5355) &&
            pep_dns_query_name(data, len, name, sizeof(name)) == 0)
            name_alert(p, f, PEP_DNS, name, ts);
        return;
    }
    if (f->fired & (1ull << PEP_SNI_DONE))
        return;
    int rc =
        pep_tls_sni(f->dir[DET_C2S].head, f->dir[DET_C2S].head_len, name, sizeof(name));
    if (rc != 0 || f->dir[DET_C2S].head_len >= PEP_HEAD_CAP)
        det_flow_fire_once(f, PEP_SNI_DONE);
    if (rc == 1)
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
    struct det_flow_config fc = {.head_cap = PEP_HEAD_CAP, .raw_only = 1};
    int rc = det_flow_table_create(&p->flows, &fc, &callbacks, p);
    if (rc < 0) {
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
    free(p);
}
