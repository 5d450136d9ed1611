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
/* 1 when sa is 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. */
int netguard_is_loopback(const struct sockaddr *sa);
/* 1 when sa lies inside cidr (IPv4-mapped IPv6 compares as IPv4). */
int netguard_in_cidr(const struct sockaddr *sa, const struct netguard_cidr *cidr);
/*
 * The whole rule: 0 when sa is loopback or inside lab_cidr (NULL or "" =
 * none allowed), else -EPERM with one sentence in err naming the address.
 * -EINVAL when lab_cidr does not parse.
 */
int netguard_check(const struct sockaddr *sa, const char *lab_cidr, char *err,
                   size_t errlen);
/* "127.0.0.1:3333" / "[::1]:3333" into buf; returns buf. */
char *netguard_format(const struct sockaddr *sa, char *buf, size_t len);

#endif
