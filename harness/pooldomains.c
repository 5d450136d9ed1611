#include "pooldomains.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hxutil.h"
#include "ml_util.h"

/* RFC 1123 host name: labels of [A-Za-z0-9-], not starting/ending with '-'. */
static int valid_domain(const char *s)
{
    size_t len = strlen(s), label = 0;
    if (len == 0 || len > 253 || !strchr(s, '.'))
        return 0;
    for (size_t i = 0; i <= len; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return 0;
            label = 0;
        } else if (isalnum((unsigned char)c) || (c == '-' && label > 0)) {
            label++;
        } else {
            return 0;
        }
    }
    return 1;
}

int pooldomains_load(const char *path, struct pooldomains *out, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "re");
    char line[1024];
    unsigned lineno = 0;
    int rc = 0;
    if (!f)
        return ml_err(err, errlen, -errno,
                      "cannot read the pool-domain catalogue %s: %s", path,
                      strerror(errno));
    out->n = 0;
    while (fgets(line, sizeof(line), f)) {
        char name[300], tag[64], extra[8];
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        int k = sscanf(line, "%299s %63s %7s", name, tag, extra);
        if (k <= 0)
            continue;
        if (k != 2) {
            rc = ml_err(err, errlen, -EINVAL, "%s:%u: want 'NAME SOURCE-TAG'", path,
                        lineno);
            break;
        }
        if (!valid_domain(name)) {
            rc = ml_err(err, errlen, -EINVAL, "%s:%u: '%s' is not a domain name", path,
                        lineno, name);
            break;
        }
        if (out->n == POOLDOMAINS_MAX) {
            rc = ml_err(err, errlen, -EINVAL, "%s:%u: more than %d names", path, lineno,
                        POOLDOMAINS_MAX);
            break;
        }
        out->web[out->n] = !strcmp(tag, "web");
        hx_fmt(out->names[out->n++], sizeof(out->names[0]), "%s", name);
    }
    fclose(f);
    return rc;
}

int pooldomains_has(const struct pooldomains *d, const char *name)
{
    for (size_t i = 0; i < d->n; i++)
        if (!d->web[i] && !strcasecmp(d->names[i], name))
            return 1;
    return 0;
}

const char *pooldomains_default_path(void)
{
    static char buf[4096];
    const char *src = getenv("ML_SOURCE_DIR");
    hx_fmt(buf, sizeof(buf), "%s/scenarios/pool-domains.txt",
           src && *src ? src : MINERLAB_SOURCE_DIR);
    return buf;
}

const char *pooldomains_web(const struct pooldomains *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->web[i])
            return d->names[i];
    return NULL;
}
