#include "hostport.h"

#include <errno.h>
#include <string.h>

#include "ml_util.h"

int hostport_split(const char *s, char *host, size_t hostlen, long min_port, long *port)
{
    const char *colon = s ? strrchr(s, ':') : NULL;
    if (!colon || ml_parse_long(colon + 1, min_port, 65535, port))
        return -EINVAL;
    const char *h = s;
    size_t n = (size_t)(colon - s);
    if (n > 0 && h[0] == '[') {
        if (n < 2 || h[n - 1] != ']')
            return -EINVAL;
        h++;
        n -= 2;
    }
    if (n >= hostlen)
        return -EINVAL;
    memcpy(host, h, n);
    host[n] = '\0';
    return 0;
}
