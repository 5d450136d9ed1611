/*
 * labdns — pool names resolved through the lab DNS server alone. The miner
 * accepts stratum+tcp://NAME:PORT only together with --lab-dns ADDR; the
 * name is looked up with c-ares configured with that one server and nothing
 * else: no /etc/resolv.conf servers, no search domains, no /etc/hosts, no
 * HOSTALIASES. The server itself must lie inside --lab-net, and so must
 * every address in the answer.
 *
 * Threads: blocking calls, any thread (one c-ares channel per call).
 */
#ifndef LABDNS_H
#define LABDNS_H

#include <stddef.h>
#include <sys/socket.h>

/* Parses "10.77.0.1", "10.77.0.1:5353", "fd00::1" or "[fd00::1]:5353" (port
 * 53 by default). 0 or -EINVAL with a reason. */
int labdns_parse_server(const char *s, struct sockaddr_storage *out, char *err,
                        size_t errlen);
/* 0 when server parses and lies inside lab_net (loopback is not enough: a
 * local stub resolver forwards to the internet); -EPERM or -EINVAL with one
 * sentence. */
int labdns_check_server(const char *server, const char *lab_net, char *err,
                        size_t errlen);
/* 1 when host is a numeric IPv4/IPv6 address (no lookup needed). */
int labdns_is_numeric(const char *host);
/*
 * Looks up name (A records, or AAAA when lab_net is IPv6) at server only,
 * waiting at most timeout_ms. On success *out holds the first address with
 * port set. Errors, each with one sentence in err: -ENOENT the lab DNS does
 * not know the name (NXDOMAIN or no address), -EPERM an answer outside
 * lab_net (or the server outside it), -ETIMEDOUT no answer, -EIO others.
 */
int labdns_resolve(const char *server, const char *lab_net, const char *name, int port,
                   unsigned timeout_ms, struct sockaddr_storage *out, char *err,
                   size_t errlen);

#endif
