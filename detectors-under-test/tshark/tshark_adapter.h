/*
 * tsa — the tshark adapter's logic: builds one tshark display filter
 * equivalent to the public network rules (ET miner check-in bytes, Stratum
 * methods, mining.* methods, Coinhive-style WebSocket messages, Falco's pool
 * ports, pool domains in DNS queries and TLS SNI), and turns tshark's
 * `-T fields` output lines into protocol alerts, once per flow and rule.
 *
 * Threads: one tsa belongs to one thread.
 */
#ifndef TSA_H
#define TSA_H

#include <stddef.h>
#include <stdint.h>

#include "det_home.h"

/* The -e fields tsa_classify expects, in this order (NULL-terminated). */
extern const char *const tsa_fields[];

/*
 * Builds the display filter. domains: lowercase names (regex metacharacters
 * are escaped); ports: pool ports; home: the rules' $HOME_NET (NULL or empty:
 * any address), with which only packets between the home net and the
 * outside match, in either direction (the rules run $HOME_NET ->
 * $EXTERNAL_NET, the server pushes the other way). Returns a malloc'd
 * string or NULL.
 */
char *tsa_build_filter(const char *const *domains, size_t ndomains,
                       const uint16_t *ports, size_t nports,
                       const struct det_home_net *home);

struct tsa_hit {
    double ts;
    const char *rule; /* "et-checkin", "stratum-method", "ws-miner", "pool-port", ... */
    const char *proto;     /* "tcp" or "udp" */
    char src[64], dst[64]; /* client and server "ip:port" */
    char detail[160];
};

/*
 * Classifies one output line (tab-separated tsa_fields; the line is modified).
 * Returns 1 with out filled, 0 for a line that names no rule, -EINVAL when
 * malformed.
 */
int tsa_classify(char *line, struct tsa_hit *out);

/* A bounded set remembering (flow, rule) pairs already alerted. */
struct tsa_seen;
struct tsa_seen *tsa_seen_create(size_t cap);
/* 1 the first time the pair is seen, 0 afterwards (or when full). */
int tsa_seen_add(struct tsa_seen *s, const struct tsa_hit *h);
void tsa_seen_destroy(struct tsa_seen *s);

#endif
