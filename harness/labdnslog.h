/*
 * labdnslog — the lab DNS's query log (dnsmasq --log-queries=extra, written
 * to RUNDIR/labdns.log by labinet.sh): which client address and port asked
 * which name. The runner attributes each query to the open scenario from it
 * (runner_scen.c), because a resolver's UDP socket lives for milliseconds,
 * far shorter than the 0.5-s socket scan that finds a workload's flows.
 *
 * Threads: pure functions.
 */
#ifndef HX_LABDNSLOG_H
#define HX_LABDNSLOG_H

#include <stddef.h>

struct labdns_query {
    char client[72]; /* "198.18.7.1:40211" ("[v6]:port" for IPv6) */
    char ip[64];     /* the client address alone */
    char name[254];  /* lowercase, no trailing dot */
};

/*
 * Parses one dnsmasq log line. With --log-queries=extra a query reads
 * "... dnsmasq[PID]: SERIAL ADDR/PORT query[TYPE] NAME from ADDR". Returns 1
 * with q filled for a query line, 0 for any other line (answers, config,
 * forwarded, cached...), -EINVAL for a query line that does not parse.
 */
int labdns_parse_query(const char *line, struct labdns_query *q);

#endif
