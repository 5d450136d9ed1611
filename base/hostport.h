/*
 * hostport — splits "HOST:PORT" and "[IPV6]:PORT" (brackets removed) as the
 * pool, the miner's API and the harness take them on the command line. Pure
 * string work: nothing is resolved. Any thread.
 */
#ifndef HOSTPORT_H
#define HOSTPORT_H

#include <stddef.h>

/*
 * Splits s at its last ':' into host (NUL-terminated, capacity hostlen) and
 * a port in [min_port, 65535]. "[::1]:80" gives "::1"; an unbracketed
 * "::1:80" gives "::1" too (the last colon is the port's). Returns 0, or
 * -EINVAL when there is no colon, the port is not a number in range, the
 * brackets do not match or the host does not fit. The host may be empty
 * (":80"); callers that need one check.
 */
int hostport_split(const char *s, char *host, size_t hostlen, long min_port,
                   long *port);

#endif
