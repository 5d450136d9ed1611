/*
 * netguard — the lab-only rule: the miner may connect only to loopback or to
 * an address inside an explicit lab CIDR. Pure functions, any thread.
 */
#ifndef NETGUARD_H
#define NETGUARD_H

#include <stddef.h>
#include <sys/socket.h>

struct netguard_cidr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int prefix; /* 0..32 or 0..128 */
};

/* Parses "10.66.0.0/24" or "fd00::/64" (a bare address means /32 or /128).
 * 0, or -EINVAL with a reason. */
int netguard_parse_cidr(const char *s, struct netguard_cidr *out, char *err,
                        size_t errlen);
/*
 * The lab-net rule. A lab net (--lab-net, and any other lab address range
 * such as a lab DNS server's) must lie wholly inside one non-global range --
 * 10/8, 172.16/12, 192.168/16 (RFC 1918), 100.64/10 (shared address space),
 * 198.18/15 (benchmarking), 127/8, fc00::/7 (unique local), fe80::/10 (link
 * local), ::1 -- and be no wider than /NETGUARD_MIN_PREFIX4 (IPv4) or
 * /NETGUARD_MIN_PREFIX6 (IPv6). So 0.0.0.0/0, ::/0, public nets, the NAT64
 * prefix 64:ff9b::/96 and IPv4-mapped forms are all refused.
 */
#define NETGUARD_MIN_PREFIX4 16
#define NETGUARD_MIN_PREFIX6 48
/* Parses s as netguard_parse_cidr does, then applies the lab-net rule.
 * 0, or -EINVAL with one sentence naming s and the rule it breaks. */
int netguard_parse_lab_net(const char *s, struct netguard_cidr *out, char *err,
                           size_t errlen);
/* 1 when sa is loopback or inside one of the non-global ranges above. */
int netguard_is_non_global(const struct sockaddr *sa);
/* 1 when sa is 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. */
int netguard_is_loopback(const struct sockaddr *sa);
/* 1 when sa lies inside cidr (IPv4-mapped IPv6 compares as IPv4). */
int netguard_in_cidr(const struct sockaddr *sa, const struct netguard_cidr *cidr);
/*
 * The whole rule: 0 when sa is loopback or inside lab_cidr (NULL or "" =
 * none allowed), else -EPERM with one sentence in err naming the address.
 * -EINVAL when lab_cidr does not parse or breaks the lab-net rule.
 */
int netguard_check(const struct sockaddr *sa, const char *lab_cidr, char *err,
                   size_t errlen);
/* "127.0.0.1:3333" / "[::1]:3333" into buf; returns buf. */
char *netguard_format(const struct sockaddr *sa, char *buf, size_t len);

#endif
