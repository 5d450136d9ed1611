#include "det_homenet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"

static int parse_one(char *tok, struct det_home_net *h, char *err, size_t errlen)
{
    char *slash = strchr(tok, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        if (ml_parse_long(slash + 1, 0, 128, &bits) < 0)
            return ml_err(err, errlen, -EINVAL, "bad prefix length in home net '%s/%s'",
                          tok, slash + 1);
    }
    if (h->n >= DET_HOME_NET_MAX)
        return ml_err(err, errlen, -EINVAL, "more than %d home networks",
                      DET_HOME_NET_MAX);
    struct det_home_cidr *e = &h->net[h->n];
    memset(e, 0, sizeof(*e));
    if (inet_pton(AF_INET, tok, e->addr) == 1)
        e->family = AF_INET;
    else if (inet_pton(AF_INET6, tok, e->addr) == 1)
        e->family = AF_INET6;
    else
        return ml_err(err, errlen, -EINVAL,
                      "home net '%s' is not an IP address or CIDR", tok);
    unsigned max = e->family == AF_INET ? 32 : 128;
    if (bits > (long)max)
        return ml_err(err, errlen, -EINVAL, "home net %s/%ld: prefix over %u", tok,
                      bits, max);
    e->bits = bits < 0 ? max : (unsigned)bits;
    /* Keep the network part only, so formatting shows the network. */
    for (unsigned i = e->bits; i < max; i++)
        e->addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
    h->n++;
    return 0;
}

int det_home_net_parse(const char *s, struct det_home_net *h, char *err, size_t errlen)
{
    char buf[1024];
    h->n = 0;
    if (!s || !*s)
        return 0;
    if (strlen(s) >= sizeof(buf))
        return ml_err(err, errlen, -EINVAL, "home net list too long");
    snprintf(buf, sizeof(buf), "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ", []", &save); t; t = strtok_r(NULL, ", []", &save)) {
        int rc = parse_one(t, h, err, errlen);
        if (rc < 0) {
            h->n = 0;
            return rc;
        }
    }
    if (h->n == 0)
        return ml_err(err, errlen, -EINVAL, "home net '%s' names no network", s);
    return 0;
}

const char *det_home_net_env(void)
{
    const char *e = getenv("ML_HOME_NET");
    return e && *e ? e : NULL;
}

int det_home_net_contains(const struct det_home_net *h, int family, const uint8_t *addr)
{
    for (size_t k = 0; k < h->n; k++) {
        if (h->net[k].family != family)
            continue;
        unsigned bits = h->net[k].bits, full = bits / 8, rest = bits % 8;
        if (memcmp(h->net[k].addr, addr, full))
            continue;
        if (rest && ((h->net[k].addr[full] ^ addr[full]) & (uint8_t)(0xff00u >> rest)))
            continue;
        return 1;
    }
    return 0;
}

void det_home_net_format(const struct det_home_net *h, char *buf, size_t len)
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
