#include "labdns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "ml_util.h"
#include "netguard.h"

int labdns_is_numeric(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int labdns_parse_server(const char *s, struct sockaddr_storage *out, char *err,
                        size_t errlen)
{
    char host[64];
    long port = 53;
    const char *colon = NULL;
    size_t hlen;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || (close[1] && close[1] != ':'))
            return ml_err(err, errlen, -EINVAL, "bad --lab-dns address '%s'", s);
        s++;
        hlen = (size_t)(close - s);
        colon = close[1] ? close + 1 : NULL;
    } else {
        colon = strchr(s, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL; /* a bare IPv6 address */
        hlen = colon ? (size_t)(colon - s) : strlen(s);
    }
    if (hlen == 0 || hlen >= sizeof(host))
        return ml_err(err, errlen, -EINVAL, "bad --lab-dns address '%s'", s);
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    if (colon && ml_parse_long(colon + 1, 1, 65535, &port))
        return ml_err(err, errlen, -EINVAL, "bad --lab-dns port in '%s'", s);
    memset(out, 0, sizeof(*out));
    struct sockaddr_in *s4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
    } else {
        return ml_err(err, errlen, -EINVAL,
                      "--lab-dns wants a numeric address (ADDR or ADDR:PORT), not '%s'",
                      s);
    }
    return 0;
}

/* Parses lab_net into c; -EPERM when there is none. */
static int lab_cidr(const char *lab_net, struct netguard_cidr *c, char *err,
                    size_t errlen)
{
    if (!lab_net || !*lab_net)
        return ml_err(err, errlen, -EPERM,
                      "a lab DNS needs --lab-net CIDR, the lab network it lies in");
    return netguard_parse_cidr(lab_net, c, err, errlen);
}

int labdns_check_server(const char *server, const char *lab_net, char *err,
                        size_t errlen)
{
    struct sockaddr_storage ss;
    struct netguard_cidr c;
    char buf[80];
    int rc = labdns_parse_server(server, &ss, err, errlen);
    if (rc || (rc = lab_cidr(lab_net, &c, err, errlen)))
        return rc;
    if (!netguard_in_cidr((struct sockaddr *)&ss, &c))
        return ml_err(err, errlen, -EPERM,
                      "refusing --lab-dns %s: the lab DNS must lie inside --lab-net %s",
                      netguard_format((struct sockaddr *)&ss, buf, sizeof(buf)),
                      lab_net);
    return 0;
}

struct lookup {
    int done;
    int status;
    struct ares_addrinfo *res;
};

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    struct lookup *l = arg;
    (void)timeouts;
    l->done = 1;
    l->status = status;
    l->res = res;
}

/* A channel that knows only the lab server: every source of other servers,
 * names or search domains is switched off. */
static int lab_channel(const struct sockaddr_storage *srv, unsigned timeout_ms,
                       ares_channel *ch, char *err, size_t errlen)
{
    struct ares_options o;
    memset(&o, 0, sizeof(o));
    o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    o.lookups = (char *)"b"; /* DNS only: never /etc/hosts */
    o.ndomains = 0;
    o.domains = NULL;
    o.timeout = (int)(timeout_ms / 2 ? timeout_ms / 2 : 1);
    o.tries = 2;
    o.ndots = 0;
    int mask = ARES_OPT_FLAGS | ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS |
               ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS;
    int rc = ares_init_options(ch, &o, mask);
    if (rc != ARES_SUCCESS)
        return ml_err(err, errlen, -EIO, "c-ares: %s", ares_strerror(rc));
    struct ares_addr_port_node node;
    memset(&node, 0, sizeof(node));
    node.family = srv->ss_family;
    if (srv->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)srv;
        memcpy(&node.addr.addr4, &s4->sin_addr, 4);
        node.udp_port = node.tcp_port = ntohs(s4->sin_port);
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)srv;
        memcpy(&node.addr.addr6, &s6->sin6_addr, 16);
        node.udp_port = node.tcp_port = ntohs(s6->sin6_port);
    }
    rc = ares_set_servers_ports(*ch, &node);
    /* Belt and braces: exactly the one server must be configured. */
    struct ares_addr_port_node *got = NULL;
    if (rc == ARES_SUCCESS)
        rc = ares_get_servers_ports(*ch, &got);
    int one = rc == ARES_SUCCESS && got && !got->next && got->family == node.family &&
              got->udp_port == node.udp_port &&
              !memcmp(&got->addr, &node.addr,
                      node.family == AF_INET ? 4 : sizeof(node.addr.addr6));
    ares_free_data(got);
    if (!one) {
        ares_destroy(*ch);
        return ml_err(err, errlen, -EIO,
                      "c-ares: cannot limit the servers to the lab DNS");
    }
    return 0;
}

/* Runs the channel until the lookup is done or the deadline passes. */
static void wait_lookup(ares_channel ch, struct lookup *l, unsigned timeout_ms)
{
    uint64_t deadline = ml_mono_ns() + (uint64_t)timeout_ms * 1000000ull;
    while (!l->done) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        struct pollfd pfd[ARES_GETSOCK_MAXNUM];
        /* The ARES_GETSOCK_* macros shift a signed 1 into the sign bit. */
        unsigned bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
        int n = 0;
        for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            short ev =
                (short)((bits & (1u << i) ? POLLIN : 0) |
                        (bits & (1u << (i + ARES_GETSOCK_MAXNUM)) ? POLLOUT : 0));
            if (ev)
                pfd[n++] = (struct pollfd){.fd = socks[i], .events = ev};
        }
        uint64_t now = ml_mono_ns();
        if (now >= deadline)
            break;
        struct timeval maxtv = {.tv_sec = 0, .tv_usec = 100000}, tv;
        struct timeval *tvp = ares_timeout(ch, &maxtv, &tv);
        int ms = (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000);
        int r = poll(pfd, (nfds_t)n, ms > 0 ? ms : 1);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0) {
            ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            continue;
        }
        for (int i = 0; i < n; i++)
            ares_process_fd(ch,
                            pfd[i].revents & (POLLIN | POLLERR | POLLHUP)
                                ? pfd[i].fd
                                : ARES_SOCKET_BAD,
                            pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
    }
}

/* Checks every answer against the lab net; copies the first into out. */
static int take_answer(const struct ares_addrinfo *res, const struct netguard_cidr *c,
                       const char *name, const char *lab_net, int port,
                       struct sockaddr_storage *out, char *err, size_t errlen)
{
    char buf[80];
    const struct ares_addrinfo_node *first = NULL;
    for (const struct ares_addrinfo_node *a = res ? res->nodes : NULL; a;
         a = a->ai_next) {
        if (a->ai_family != AF_INET && a->ai_family != AF_INET6)
            continue;
        if (!netguard_in_cidr(a->ai_addr, c)) {
            char ip[INET6_ADDRSTRLEN];
            snprintf(ip, sizeof(ip), "%s",
                     netguard_format(a->ai_addr, buf, sizeof(buf)));
            char *pc = strrchr(ip, ':'); /* drop ":0" */
            if (pc)
                *pc = '\0';
            return ml_err(err, errlen, -EPERM,
                          "refusing lab DNS answer %s for %s: outside --lab-net %s", ip,
                          name, lab_net);
        }
        if (!first)
            first = a;
    }
    if (!first)
        return ml_err(err, errlen, -ENOENT, "the lab DNS has no address for %s", name);
    memset(out, 0, sizeof(*out));
    memcpy(out, first->ai_addr, first->ai_addrlen);
    if (out->ss_family == AF_INET)
        ((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
    return 0;
}

int labdns_resolve(const char *server, const char *lab_net, const char *name, int port,
                   unsigned timeout_ms, struct sockaddr_storage *out, char *err,
                   size_t errlen)
{
    struct sockaddr_storage srv;
    struct netguard_cidr c;
    char sbuf[80];
    ares_channel ch;
    struct lookup l = {0, 0, NULL};
    int rc = labdns_check_server(server, lab_net, err, errlen);
    if (rc || (rc = labdns_parse_server(server, &srv, err, errlen)) ||
        (rc = lab_cidr(lab_net, &c, err, errlen)))
        return rc;
    netguard_format((struct sockaddr *)&srv, sbuf, sizeof(sbuf));
    if (labdns_is_numeric(name) || !*name || strlen(name) > 253)
        return ml_err(err, errlen, -EINVAL, "'%s' is not a host name", name);
    if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS)
        return ml_err(err, errlen, -EIO, "c-ares: %s", ares_strerror(rc));
    if ((rc = lab_channel(&srv, timeout_ms, &ch, err, errlen)))
        goto out_lib;
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = c.family;
    hints.ai_socktype = SOCK_STREAM;
    /* No RFC 6724 sorting: it probes routes with connect() on UDP sockets. */
    hints.ai_flags = ARES_AI_NOSORT;
    ares_getaddrinfo(ch, name, NULL, &hints, on_addrinfo, &l);
    wait_lookup(ch, &l, timeout_ms);
    if (!l.done)
        rc = ml_err(err, errlen, -ETIMEDOUT, "lab DNS %s did not answer for %s", sbuf,
                    name);
    else if (l.status == ARES_ENOTFOUND || l.status == ARES_ENODATA)
        rc = ml_err(err, errlen, -ENOENT, "lab DNS %s does not know %s (NXDOMAIN)",
                    sbuf, name);
    else if (l.status == ARES_ETIMEOUT || l.status == ARES_ECONNREFUSED)
        rc = ml_err(err, errlen, -ETIMEDOUT, "lab DNS %s did not answer for %s (%s)",
                    sbuf, name, ares_strerror(l.status));
    else if (l.status != ARES_SUCCESS)
        rc = ml_err(err, errlen, -EIO, "lab DNS %s: %s for %s", sbuf,
                    ares_strerror(l.status), name);
    else
        rc = take_answer(l.res, &c, name, lab_net, port, out, err, errlen);
    if (l.res)
        ares_freeaddrinfo(l.res);
    ares_destroy(ch); /* cancels a lookup still in flight (callback runs) */
out_lib:
    ares_library_cleanup();
    return rc;
}
