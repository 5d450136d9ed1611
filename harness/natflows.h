/*
 * natflows — the source-NATed flows of a network namespace, from its
 * connection-tracking table (/proc/PID/net/nf_conntrack, read through a pid
 * that lives in it): for each, the tuple a sensor beyond the NAT gateway
 * sees (the gateway's address and port -> the destination) and the host
 * behind the gateway it stands for. The ground truth of a fleet's flows
 * (harness/launch/fleetnet.sh masquerades its hosts behind one address).
 *
 * Threads: the runner's thread.
 */
#ifndef HX_NATFLOWS_H
#define HX_NATFLOWS_H

#include <stddef.h>
#include <sys/types.h>

struct natflow {
    char proto[4];  /* "tcp" or "udp" */
    char inner[64]; /* the host's own source "ip:port", before NAT */
    char outer[64]; /* the source on the wire after NAT: the gateway's "ip:port" */
    char dst[64];   /* the destination "ip:port" on the wire */
};

/* One line of nf_conntrack: 1 and *f filled when it is an IPv4 TCP or UDP
 * flow whose source was translated, 0 for any other line. */
int natflow_parse(const char *line, struct natflow *f);

/* Appends the source-NATed flows of pid's network namespace to *out.
 * Returns how many, or -errno (-ENOENT: no conntrack table there). */
int natflow_read(pid_t pid, struct natflow **out, size_t *n, size_t *cap);

#endif
