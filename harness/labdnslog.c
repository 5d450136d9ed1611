#include "labdnslog.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ml_util.h"

int labdns_parse_query(const char *line, struct labdns_query *q)
{
    const char *verb = strstr(line, " query[");
    if (!verb)
        return 0;
    /* Back over "ADDR/PORT" to the space before it. */
    const char *end = verb, *start = verb;
    while (start > line && start[-1] != ' ')
        start--;
    const char *slash = memchr(start, '/', (size_t)(end - start));
    long port;
    char portbuf[8];
    size_t alen = slash ? (size_t)(slash - start) : 0,
           plen = slash ? (size_t)(end - slash - 1) : 0;
    if (!slash || alen == 0 || alen >= sizeof(q->ip) || plen == 0 ||
        plen >= sizeof(portbuf))
        return -EINVAL;
    memcpy(q->ip, start, alen);
    q->ip[alen] = '\0';
    memcpy(portbuf, slash + 1, plen);
    portbuf[plen] = '\0';
    if (ml_parse_long(portbuf, 1, 65535, &port) ||
        strspn(q->ip, "0123456789abcdefABCDEF.:") != alen)
        return -EINVAL;
    snprintf(q->client, sizeof(q->client), strchr(q->ip, ':') ? "[%s]:%ld" : "%s:%ld",
             q->ip, port);
    const char *name = strchr(verb + 7, ']');
    if (!name || name[1] != ' ')
        return -EINVAL;
    name += 2;
    size_t nl = strcspn(name, " ");
    while (nl && name[nl - 1] == '.')
        nl--;
    if (nl == 0 || nl >= sizeof(q->name))
        return -EINVAL;
    for (size_t i = 0; i < nl; i++)
        q->name[i] = (char)tolower((unsigned char)name[i]);
    q->name[nl] = '\0';
    return 1;
}
