/*
 * det_homenet — the victim's home network as a deployed network sensor is
 * configured with it (Suricata's $HOME_NET): `--home-net CIDR[,CIDR...]`,
 * default $ML_HOME_NET (the harness sets it; empty = not configured).
 * The network detectors use it to tell home from external endpoints.
 *
 * Threads: parse once, then read-only.
 */
#ifndef DET_HOMENET_H
#define DET_HOMENET_H

#include <stddef.h>
#include <stdint.h>

#define DET_HOME_NET_MAX 16

struct det_home_cidr {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned bits;
};

struct det_home_net {
    size_t n; /* 0: no home network configured */
    struct det_home_cidr net[DET_HOME_NET_MAX];
};

/*
 * Parses "CIDR[,CIDR...]" (IPv4 or IPv6, a bare address is a host; spaces
 * and Suricata's "[...]" brackets allowed). NULL or "" gives n = 0. 0, or
 * -EINVAL with one sentence in err.
 */
int det_home_net_parse(const char *s, struct det_home_net *h, char *err, size_t errlen);
/* --home-net's default: $ML_HOME_NET, or NULL when unset or empty. */
const char *det_home_net_env(void);
/* 1 when addr (4 or 16 bytes by family) lies in one of the networks. */
int det_home_net_contains(const struct det_home_net *h, int family,
                          const uint8_t *addr);
/*
 * Writes "a.b.c.d/n,..." (the parsed form) into buf; "" when n = 0.
 */
void det_home_net_format(const struct det_home_net *h, char *buf, size_t len);

#endif
