#include "netguard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ml_util.h"

int netguard_parse_cidr(const char *s, struct netguard_cidr *out, char *err,
                        size_t errlen)
{
    char host[64];
    const char *slash = strchr(s, '/');
    size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
    if (hlen == 0 || hlen >= sizeof(host))
        return ml_err(err, errlen, -EINVAL, "bad CIDR '%s'", s);
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    memset(out, 0, sizeof(*out));
    int maxp;
    if (inet_pton(AF_INET, host, out->addr) == 1) {
        out->family = AF_INET;
        maxp = 32;
    } else if (inet_pton(AF_INET6, host, out->addr) == 1) {
        out->family = AF_INET6;
        maxp = 128;
    } else {
        return ml_err(err, errlen, -EINVAL, "bad CIDR address '%s'", host);
    }
    long p = maxp;
    if (slash && ml_parse_long(slash + 1, 0, maxp, &p))
        return ml_err(err, errlen, -EINVAL, "bad CIDR prefix in '%s'", s);
    out->prefix = (int)p;
    return 0;
}

/* Normalises to family + raw bytes; IPv4-mapped IPv6 becomes IPv4. */
static int sa_bytes(const struct sockaddr *sa, unsigned char out[16])
{
    if (sa->sa_family == AF_INET) {
        memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            memcpy(out, a->s6_addr + 12, 4);
            return AF_INET;
        }
        memcpy(out, a->s6_addr, 16);
        return AF_INET6;
    }
    return -1;
}

/* 1 when the first `prefix` bits of a and b agree. */
static int prefix_equal(const unsigned char *a, const unsigned char *b, int prefix)
{
    int full = prefix / 8, rest = prefix % 8;
    if (memcmp(a, b, (size_t)full) != 0)
        return 0;
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((a[full] & mask) != (b[full] & mask))
            return 0;
    }
    return 1;
}

int netguard_is_loopback(const struct sockaddr *sa)
{
    unsigned char b[16];
    int fam = sa_bytes(sa, b);
    if (fam == AF_INET)
        return b[0] == 127;
    if (fam == AF_INET6) {
        static const unsigned char one[16] = {[15] = 1};
        return memcmp(b, one, 16) == 0;
    }
    return 0;
}

int netguard_in_cidr(const struct sockaddr *sa, const struct netguard_cidr *cidr)
{
    unsigned char b[16];
    if (sa_bytes(sa, b) != cidr->family)
        return 0;
    return prefix_equal(b, cidr->addr, cidr->prefix);
}

char *netguard_format(const struct sockaddr *sa, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%d", ip, ntohs(s4->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        port = ntohs(s6->sin6_port);
        snprintf(buf, len, "[%s]:%d", ip, port);
    } else {
        snprintf(buf, len, "?");
    }
    return buf;
}

/* The non-global ranges a lab net may lie in (see netguard.h). */
static const struct {
    int family;
    unsigned char addr[16];
    int prefix;
} lab_ranges[] = {
    {AF_INET, {10}, 8},       {AF_INET, {172, 16}, 12},     {AF_INET, {192, 168}, 16},
    {AF_INET, {100, 64}, 10}, {AF_INET, {198, 18}, 15},     {AF_INET, {127}, 8},
    {AF_INET6, {0xfc}, 7},    {AF_INET6, {0xfe, 0x80}, 10}, {AF_INET6, {[15] = 1}, 128},
};
#define LAB_RANGES_TEXT                                                                \
    "10/8, 172.16/12, 192.168/16, 100.64/10, 198.18/15, 127/8, fc00::/7, fe80::/10 "   \
    "or ::1"

/* 1 when the whole of c lies inside one lab range. */
static int cidr_in_lab_range(const struct netguard_cidr *c)
{
    for (size_t i = 0; i < sizeof(lab_ranges) / sizeof(lab_ranges[0]); i++)
        if (lab_ranges[i].family == c->family && c->prefix >= lab_ranges[i].prefix &&
            prefix_equal(c->addr, lab_ranges[i].addr, lab_ranges[i].prefix))
            return 1;
    return 0;
}

int netguard_parse_lab_net(const char *s, struct netguard_cidr *out, char *err,
                           size_t errlen)
{
    int rc = netguard_parse_cidr(s, out, err, errlen);
    if (rc)
        return rc;
    int minp = out->family == AF_INET ? NETGUARD_MIN_PREFIX4 : NETGUARD_MIN_PREFIX6;
    if (out->prefix < minp)
        return ml_err(err, errlen, -EINVAL,
                      "lab net %s refused: wider than /%d (a lab net is at most /%d "
                      "for IPv4, /%d for IPv6)",
                      s, minp, NETGUARD_MIN_PREFIX4, NETGUARD_MIN_PREFIX6);
    if (!cidr_in_lab_range(out))
        return ml_err(
            err, errlen, -EINVAL,
            "lab net %s refused: not inside a non-global range (" LAB_RANGES_TEXT ")",
            s);
    return 0;
}

int netguard_is_non_global(const struct sockaddr *sa)
{
    struct netguard_cidr host;
    memset(&host, 0, sizeof(host));
    host.family = sa_bytes(sa, host.addr);
    host.prefix = host.family == AF_INET ? 32 : 128;
    return host.family > 0 && cidr_in_lab_range(&host);
}

int netguard_check(const struct sockaddr *sa, const char *lab_cidr, char *err,
                   size_t errlen)
{
    char addr[80];
    if (netguard_is_loopback(sa))
        return 0;
    if (lab_cidr && *lab_cidr) {
        struct netguard_cidr c;
        int rc = netguard_parse_lab_net(lab_cidr, &c, err, errlen);
        if (rc)
            return rc;
        if (netguard_in_cidr(sa, &c))
            return 0;
    }
    return ml_err(err, errlen, -EPERM,
                  "refusing %s: the lab miner connects only to loopback or to "
                  "--lab-net %s",
                  netguard_format(sa, addr, sizeof(addr)),
                  lab_cidr && *lab_cidr ? lab_cidr : "(not given)");
}
