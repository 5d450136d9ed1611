/*
 * det_home — a network sensor's home network ($HOME_NET in a Suricata or
 * Snort configuration): what a deployed network detector is configured
 * with, never a scenario fact. The harness passes it as --home-net CIDR[,CIDR]
 * (and ML_HOME_NET in the environment, the default when the flag is absent).
 *
 * Threads: pure functions on caller-owned structs.
 */
#ifndef DET_HOME_H
#define DET_HOME_H

#include <stddef.h>
#include <stdint.h>

#define DET_HOME_MAX 8

struct det_home_cidr {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned bits;
};

struct det_home_net {
    size_t n; /* 0 = no home net configured: every flow is in scope */
    struct det_home_cidr net[DET_HOME_MAX];
};

/*
 * Parses "198.18.7.0/25" or a comma-separated list of such CIDRs (IPv4 or
 * IPv6; a bare address is /32 or /128; host bits must be zero). NULL or ""
 * gives an empty home net. 0, or -EINVAL with one sentence in err.
 */
int det_home_parse(const char *s, struct det_home_net *out, char *err, size_t errlen);
/* 1 when addr (4 bytes for AF_INET, 16 for AF_INET6) lies in the home net. */
int det_home_contains(const struct det_home_net *h, int family, const uint8_t *addr);
/*
 * Suricata's `$HOME_NET any -> $EXTERNAL_NET any` with EXTERNAL_NET =
 * !$HOME_NET: 1 when the client is in the home net and the server is not.
 * With no home net configured every flow passes (see the READMEs).
 */
int det_home_outbound(const struct det_home_net *h, int family, const uint8_t *client,
                      const uint8_t *server);

/* --home-net's default: $ML_HOME_NET, or NULL when unset or empty. */
const char *det_home_env(void);

/* Writes "a.b.c.d/n,..." (the parsed form) into buf; "" when n = 0. */
void det_home_format(const struct det_home_net *h, char *buf, size_t len);

#endif
