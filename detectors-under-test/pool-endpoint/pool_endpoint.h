/*
 * pep — the pool-endpoint reference detector as a library: Falco's rule
 * "Detect outbound connections to common miner pool ports" as written (a
 * pool port AND an address that DNS, seen earlier on the wire, gave for a
 * listed pool name; or 443/80 with Falco's HTTPS/HTTP pool names), and DNS
 * queries and TLS SNI naming a pool domain from a shipped list (README.md).
 *
 * Threads: one pep belongs to one thread.
 */
#ifndef PEP_H
#define PEP_H

#include <stddef.h>
#include <stdint.h>

#include "det_flow.h"
#include "det_home.h"
#include "det_pcap.h"

#define PEP_MAX_PORTS 64
#define PEP_MAX_DOMAINS 4096

struct pep_config {
    det_emit_fn emit; /* NULL = det_emit_stdout */
    void *emit_ctx;
    const uint16_t *ports; /* NULL = Falco's miner_ports */
    size_t nports;
    /* The sensor's home net: with one, only connections a home host opens to
     * an external server count (DNS queries: from a home host to anyone). */
    struct det_home_net home;
};

/* One address of a DNS answer. */
struct pep_addr {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
};

/* Falco's miner_ports list (facts.md), nports set to its length. */
const uint16_t *pep_default_ports(size_t *nports);

/*
 * Parses a DNS message; when it is a query, writes the first question's
 * name (lowercase, dotted, NUL-terminated) to name. 0, or -EINVAL.
 */
int pep_dns_query_name(const uint8_t *msg, size_t len, char *name, size_t namelen);
/*
 * Parses a DNS response without error to one question: writes the question's
 * name (lowercase, dotted) to name and up to max A/AAAA addresses of the
 * answer section (CNAME chains included: they all answer that name) to out.
 * Returns how many, or -EINVAL (not such a response, or malformed).
 */
int pep_dns_answers(const uint8_t *msg, size_t len, char *name, size_t namelen,
                    struct pep_addr *out, size_t max);
/*
 * Finds the SNI host name in the start of a TLS client stream (one or more
 * handshake records carrying a ClientHello). 1 with name filled, 0 when more
 * bytes are needed, -EINVAL when the stream is not a ClientHello or has no SNI.
 */
int pep_tls_sni(const uint8_t *stream, size_t len, char *name, size_t namelen);

struct pep;
/* 0 or -errno. cfg is copied (ports too). */
int pep_create(struct pep **out, const struct pep_config *cfg);
/*
 * Loads the domain list: one name a line, '#' comments. 0, or -errno with a
 * readable reason in err.
 */
int pep_load_domains(struct pep *p, const char *path, char *err, size_t errlen);
/* Returns the list entry name matches (exactly or as a subdomain), or NULL. */
const char *pep_match_domain(const struct pep *p, const char *name);
/* The loaded domain list (lowercase), *n set to its length. Owned by p. */
const char *const *pep_domains(const struct pep *p, size_t *n);
/* Default domain-list path: pool-domains.txt beside the running executable
 * when present, else fallback. buf holds the result when it is the former. */
const char *pep_default_domains_path(char *buf, size_t len, const char *fallback);
/* det_pkt_fn / det_tick_fn; ctx is the pep. */
void pep_packet(void *ctx, const struct det_pkt *pk);
void pep_tick(void *ctx, double now);
unsigned long pep_alert_count(const struct pep *p);
void pep_destroy(struct pep *p);

#endif
