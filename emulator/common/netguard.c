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
    int full = cidr->prefix / 8, rest = cidr->prefix % 8;
    if (memcmp(b, cidr->addr, (size_t)full) != 0)
        return 0;
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((b[full] & mask) != (cidr->addr[full] & mask))
            return 0;
    }
    return 1;
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

int netguard_check(const struct sockaddr *sa, const char *lab_cidr, char *err,
                   size_t errlen)
{
    char addr[80];
    if (netguard_is_loopback(sa))
        return 0;
    if (lab_cidr && *lab_cidr) {
        struct netguard_cidr c;
        int rc = netguard_parse_cidr(lab_cidr, &c, err, errlen);
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
