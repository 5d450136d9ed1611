#include "det_home.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"

static int bit_set(const uint8_t *a, unsigned i)
{
    return (a[i / 8] >> (7 - i % 8)) & 1;
}

static int parse_one(const char *s, size_t len, struct det_home_net *h, char *err,
                     size_t errlen)
{
    char buf[80];
    if (len == 0 || len >= sizeof(buf))
        return ml_err(err, errlen, -EINVAL, "--home-net: empty or over-long CIDR");
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (h->n == DET_HOME_MAX)
        return ml_err(err, errlen, -EINVAL, "--home-net: more than %d CIDRs",
                      DET_HOME_MAX);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    int fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
    unsigned max = fam == AF_INET ? 32 : 128;
    long bits = max;
    if (inet_pton(fam, buf, h->net[h->n].addr) != 1 ||
        (slash && ml_parse_long(slash + 1, 0, max, &bits)))
        return ml_err(err, errlen, -EINVAL, "--home-net: '%.*s' is not a CIDR",
                      (int)len, s);
    for (unsigned i = (unsigned)bits; i < max; i++)
        if (bit_set(h->net[h->n].addr, i))
            return ml_err(err, errlen, -EINVAL, "--home-net: '%.*s' has host bits set",
                          (int)len, s);
    h->net[h->n].family = fam;
    h->net[h->n].bits = (unsigned)bits;
    h->n++;
    return 0;
}

int det_home_parse(const char *s, struct det_home_net *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    while (s && *s) {
        size_t len = strcspn(s, ",");
        int rc = parse_one(s, len, out, err, errlen);
        if (rc)
            return rc;
        s += len + (s[len] == ',');
    }
    return 0;
}

int det_home_contains(const struct det_home_net *h, int family, const uint8_t *addr)
{
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (family == AF_INET6 && !memcmp(addr, mapped, 12)) {
        family = AF_INET; /* IPv4-mapped compares as IPv4 */
        addr += 12;
    }
    for (size_t k = 0; k < h->n; k++) {
        unsigned i = 0, bits = h->net[k].bits;
        if (h->net[k].family != family)
            continue;
        while (i < bits && bit_set(addr, i) == bit_set(h->net[k].addr, i))
            i++;
        if (i == bits)
            return 1;
    }
    return 0;
}

int det_home_outbound(const struct det_home_net *h, int family, const uint8_t *client,
                      const uint8_t *server)
{
    if (h->n == 0)
        return 1;
    return det_home_contains(h, family, client) &&
           !det_home_contains(h, family, server);
}

const char *det_home_env(void)
{
    const char *e = getenv("ML_HOME_NET");
    return e && *e ? e : NULL;
}

void det_home_format(const struct det_home_net *h, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < h->n && used + 1 < len; k++) {
        char a[INET6_ADDRSTRLEN];
        inet_ntop(h->net[k].family, h->net[k].addr, a, sizeof(a));
        int w = snprintf(buf + used, len - used, "%s%s/%u", k ? "," : "", a,
                         h->net[k].bits);
        if (w < 0)
            break;
        used += (size_t)w < len - used ? (size_t)w : len - used - 1;
    }
}
