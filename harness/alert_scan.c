#include "alert_scan.h"

#include <stdlib.h>
#include <string.h>

struct cur {
    const char *p, *end;
};

static void ws(struct cur *c)
{
    while (c->p < c->end &&
           (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

/* A string without escapes into out (NULL = skip). -1 on escapes we need or EOF. */
static int str(struct cur *c, char *out, size_t outlen)
{
    if (c->p >= c->end || *c->p != '"')
        return -1;
    const char *s = ++c->p;
    int esc = 0;
    while (c->p < c->end && *c->p != '"') {
        if (*c->p == '\\') {
            esc = 1;
            c->p++;
        }
        c->p++;
    }
    if (c->p >= c->end)
        return -1;
    size_t n = (size_t)(c->p - s);
    c->p++;
    if (!out)
        return 0;
    if (esc || n >= outlen)
        return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

/* Skips any value, nested ones included. */
static int skip(struct cur *c)
{
    ws(c);
    if (c->p >= c->end)
        return -1;
    if (*c->p == '"')
        return str(c, NULL, 0);
    if (*c->p == '{' || *c->p == '[') {
        int depth = 0;
        while (c->p < c->end) {
            char ch = *c->p;
            if (ch == '"') {
                if (str(c, NULL, 0))
                    return -1;
                continue;
            }
            c->p++;
            if (ch == '{' || ch == '[')
                depth++;
            else if ((ch == '}' || ch == ']') && --depth == 0)
                return 0;
        }
        return -1;
    }
    while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ']')
        c->p++;
    return 0;
}

static int number(struct cur *c, double *v)
{
    char *e;
    ws(c);
    *v = strtod(c->p, &e);
    if (e == c->p || e > c->end)
        return -1;
    c->p = e;
    return 0;
}

/* Walks an object, calling member() per key; member consumes the value. */
static int object(struct cur *c, int (*member)(struct cur *, const char *, void *),
                  void *ctx)
{
    ws(c);
    if (c->p >= c->end || *c->p++ != '{')
        return -1;
    ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 0;
    }
    for (;;) {
        char key[32];
        ws(c);
        const char *kstart = c->p;
        if (str(c, key, sizeof(key))) {
            c->p = kstart; /* a long or escaped key we do not need: skip it */
            if (str(c, NULL, 0))
                return -1;
            key[0] = '\0';
        }
        ws(c);
        if (c->p >= c->end || *c->p++ != ':')
            return -1;
        ws(c);
        if (member(c, key, ctx))
            return -1;
        ws(c);
        if (c->p >= c->end)
            return -1;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p == '}') {
            c->p++;
            return 0;
        }
        return -1;
    }
}

static int flow_member(struct cur *c, const char *key, void *ctx)
{
    struct alert_fields *a = ctx;
    if (!strcmp(key, "src"))
        return str(c, a->src, sizeof(a->src));
    if (!strcmp(key, "dst"))
        return str(c, a->dst, sizeof(a->dst));
    return skip(c);
}

static int top_member(struct cur *c, const char *key, void *ctx)
{
    struct alert_fields *a = ctx;
    double v;
    if (!strcmp(key, "ts")) {
        if (number(c, &a->ts))
            return -1;
        a->has_ts = 1;
        return 0;
    }
    if (!strcmp(key, "recv_ts"))
        return number(c, &a->recv_ts);
    if (!strcmp(key, "technique") && *c->p == '"')
        return str(c, a->technique, sizeof(a->technique));
    if (!strcmp(key, "score") && *c->p != 'n' && *c->p != '"') {
        if (number(c, &a->score))
            return -1;
        a->has_score = 1;
        return 0;
    }
    if (!strcmp(key, "pid")) {
        if (*c->p == 'n')
            return skip(c); /* null */
        if (number(c, &v) || v < 1 || v > (1 << 30) || v != (int)v)
            return -1;
        a->pid = (int)v;
        return 0;
    }
    if (!strcmp(key, "detector_name"))
        return str(c, a->detector, sizeof(a->detector));
    if (!strcmp(key, "detector") && !a->detector[0]) {
        /* Kept only until detector_name (sorted after it) overrides. */
        return str(c, a->detector, sizeof(a->detector));
    }
    if (!strcmp(key, "flow") && *c->p == '{')
        return object(c, flow_member, a);
    return skip(c);
}

int alert_scan(const char *line, size_t len, struct alert_fields *out)
{
    struct cur c = {line, line + len};
    memset(out, 0, sizeof(*out));
    if (object(&c, top_member, out))
        return -1;
    ws(&c);
    if (c.p != c.end || !out->has_ts || !out->detector[0])
        return -1;
    if (!out->src[0] != !out->dst[0])
        return -1; /* half a flow: let the full parser decide */
    return 0;
}
