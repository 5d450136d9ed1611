/*
 * Sigma values: modifiers turn each written value into compiled
 * alternatives (windash and base64offset make several), and events are
 * matched against them.
 */
#include "sigma_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"

/* The transforms a modifier list asks for, in the order they were written. */
enum { T_WINDASH = 1, T_BASE64, T_BASE64OFF };

struct mods {
    int transform[8];
    size_t ntransform;
    int wrap; /* 0, 'c' contains, 's' startswith, 'e' endswith */
    int all, re, re_icase, cidr, exists, cased;
};

static int parse_mods(const char *mods, struct mods *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", mods);
    char *save = NULL;
    for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        int tr = 0;
        if (!strcmp(t, "contains"))
            m->wrap = 'c';
        else if (!strcmp(t, "startswith"))
            m->wrap = 's';
        else if (!strcmp(t, "endswith"))
            m->wrap = 'e';
        else if (!strcmp(t, "all"))
            m->all = 1;
        else if (!strcmp(t, "re"))
            m->re = 1;
        else if (!strcmp(t, "i") && m->re)
            m->re_icase = 1;
        else if (!strcmp(t, "cidr"))
            m->cidr = 1;
        else if (!strcmp(t, "exists"))
            m->exists = 1;
        else if (!strcmp(t, "cased"))
            m->cased = 1;
        else if (!strcmp(t, "windash"))
            tr = T_WINDASH;
        else if (!strcmp(t, "base64"))
            tr = T_BASE64;
        else if (!strcmp(t, "base64offset"))
            tr = T_BASE64OFF;
        else if (!strcmp(t, "m") || !strcmp(t, "s") || !strcmp(t, "gt") ||
                 !strcmp(t, "gte") || !strcmp(t, "lt") || !strcmp(t, "lte") ||
                 !strcmp(t, "utf16le") || !strcmp(t, "utf16be") || !strcmp(t, "wide") ||
                 !strcmp(t, "utf16") || !strcmp(t, "expand") || !strcmp(t, "fieldref"))
            return ml_err(err, errlen, -ENOTSUP, "modifier '%s' not supported", t);
        else
            return ml_err(err, errlen, -EINVAL, "unknown modifier '%s'", t);
        if (tr) {
            if (m->ntransform == sizeof(m->transform) / sizeof(m->transform[0]))
                return ml_err(err, errlen, -EINVAL, "too many modifiers");
            m->transform[m->ntransform++] = tr;
        }
    }
    if (m->re && (m->wrap || m->ntransform || m->cidr))
        return ml_err(err, errlen, -ENOTSUP, "modifier 're' combined with others");
    if (m->cidr && (m->wrap || m->ntransform))
        return ml_err(err, errlen, -ENOTSUP, "modifier 'cidr' combined with others");
    return 0;
}

/* A growable list of strings (the alternatives of one value under transforms). */
struct strs {
    char **s;
    size_t n;
};

static int strs_add(struct strs *l, char *s)
{
    if (!s)
        return -ENOMEM;
    char **v = realloc(l->s, (l->n + 1) * sizeof(*v));
    if (!v) {
        free(s);
        return -ENOMEM;
    }
    l->s = v;
    l->s[l->n++] = s;
    return 0;
}

static void strs_free(struct strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    l->s = NULL;
    l->n = 0;
}

static char *b64(const char *s, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)len);
    return out;
}

/* pySigma's base64offset: the three encodings of value at offsets 0, 1, 2,
 * cut to the characters that do not depend on the surrounding bytes. */
static int add_base64offset(struct strs *out, const char *v)
{
    static const int start[3] = {0, 2, 3}, end_cut[3] = {0, 3, 2};
    size_t len = strlen(v);
    for (int i = 0; i < 3; i++) {
        char *padded = malloc(len + 3);
        if (!padded)
            return -ENOMEM;
        memset(padded, ' ', (size_t)i);
        memcpy(padded + i, v, len + 1);
        char *enc = b64(padded, len + (size_t)i);
        free(padded);
        if (!enc)
            return -ENOMEM;
        size_t el = strlen(enc), cut = (size_t)end_cut[(len + (size_t)i) % 3];
        size_t stop = el > cut ? el - cut : 0;
        if (stop < (size_t)start[i])
            stop = (size_t)start[i];
        char *part = strndup(enc + start[i], stop - (size_t)start[i]);
        free(enc);
        if (strs_add(out, part) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* windash: every "-" or "/" opening a word, replaced by each dash variant. */
static int add_windash(struct strs *out, const char *v)
{
    static const char *const dashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94",
                                         "\xe2\x80\x95"};
    for (size_t d = 0; d < 5; d++) {
        size_t len = strlen(v), o = 0;
        char *s = malloc(len * 3 + 1);
        if (!s)
            return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
            int word_start = i == 0 || isspace((unsigned char)v[i - 1]);
            if (word_start && (v[i] == '-' || v[i] == '/')) {
                memcpy(s + o, dashes[d], strlen(dashes[d]));
                o += strlen(dashes[d]);
            } else {
                s[o++] = v[i];
            }
        }
        s[o] = '\0';
        if (strs_add(out, s) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int apply_transform(int tr, struct strs *in, struct strs *out)
{
    for (size_t i = 0; i < in->n; i++) {
        int rc = tr == T_WINDASH  ? add_windash(out, in->s[i])
                 : tr == T_BASE64 ? strs_add(out, b64(in->s[i], strlen(in->s[i])))
                                  : add_base64offset(out, in->s[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* POSIX ERE has no \d; Sigma's (PCRE-style) regexes use it. */
static int translate_re(const char *re, char *out, size_t len, char *err, size_t errlen)
{
    size_t o = 0;
    for (const char *p = re; *p; p++) {
        const char *add = NULL;
        char one[3] = {p[0], 0, 0};
        if (p[0] == '(' && p[1] == '?')
            return ml_err(
                err, errlen, -ENOTSUP,
                "regex construct '(?' (lookaround or inline flag) not supported");
        if (p[0] == '\\' && p[1]) {
            one[1] = p[1];
            add = p[1] == 'd' ? "[0-9]" : p[1] == 'D' ? "[^0-9]" : one;
            p++;
        } else {
            add = one;
        }
        size_t al = strlen(add);
        if (o + al + 1 > len)
            return ml_err(err, errlen, -EINVAL, "regex too long");
        memcpy(out + o, add, al);
        o += al;
    }
    out[o] = '\0';
    return 0;
}

static int compile_alt(struct sigma__alt *a, const char *v, const struct mods *m,
                       char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    if (m->exists) {
        a->type = SV_EXISTS;
        a->exists = v && (!strcasecmp(v, "true") || !strcasecmp(v, "yes"));
        return 0;
    }
    if (!v) {
        a->type = SV_NULL;
        return 0;
    }
    if (m->re) {
        char tr[4096];
        int rc = translate_re(v, tr, sizeof(tr), err, errlen);
        if (rc < 0)
            return rc;
        int flags = REG_EXTENDED | REG_NOSUB | (m->re_icase ? REG_ICASE : 0);
        if (regcomp(&a->re, tr, flags) != 0) /* nothing to regfree: type stays 0 */
            return ml_err(err, errlen, -EINVAL, "regex '%s' does not compile", v);
        a->type = SV_RE;
        return 0;
    }
    if (m->cidr) {
        char net[128];
        snprintf(net, sizeof(net), "%s", v);
        char *slash = strchr(net, '/');
        a->type = SV_CIDR;
        a->family = strchr(net, ':') ? AF_INET6 : AF_INET;
        int maxp = a->family == AF_INET ? 32 : 128;
        a->prefix = maxp;
        if (slash) {
            *slash = '\0';
            char *end = NULL;
            long p = strtol(slash + 1, &end, 10);
            if (*end || p < 0 || p > maxp)
                return ml_err(err, errlen, -EINVAL, "bad CIDR '%s'", v);
            a->prefix = (int)p;
        }
        if (inet_pton(a->family, net, a->net) != 1)
            return ml_err(err, errlen, -EINVAL, "bad CIDR '%s'", v);
        return 0;
    }
    a->type = SV_GLOB;
    a->cased = m->cased;
    size_t len = strlen(v);
    a->glob = malloc(len + 3);
    if (!a->glob)
        return -ENOMEM;
    snprintf(a->glob, len + 3, "%s%s%s", m->wrap == 'c' || m->wrap == 'e' ? "*" : "", v,
             m->wrap == 'c' || m->wrap == 's' ? "*" : "");
    return 0;
}

static void alt_free(struct sigma__alt *a)
{
    if (a->type == SV_RE)
        regfree(&a->re);
    free(a->glob);
}

static int compile_value(struct sigma__value *out, const char *v, const struct mods *m,
                         char *err, size_t errlen)
{
    struct strs cur = {0}, next = {0};
    int rc = 0;
    memset(out, 0, sizeof(*out));
    if (!v || m->ntransform == 0) {
        out->alt = calloc(1, sizeof(*out->alt));
        if (!out->alt)
            return -ENOMEM;
        out->nalt = 1;
        return compile_alt(out->alt, v, m, err, errlen);
    }
    if ((rc = strs_add(&cur, strdup(v))) < 0)
        goto out;
    for (size_t t = 0; t < m->ntransform; t++) {
        if ((rc = apply_transform(m->transform[t], &cur, &next)) < 0)
            goto out;
        strs_free(&cur);
        cur = next;
        next = (struct strs){0};
    }
    out->alt = calloc(cur.n, sizeof(*out->alt));
    if (!out->alt) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < cur.n && rc == 0; i++) {
        rc = compile_alt(&out->alt[i], cur.s[i], m, err, errlen);
        out->nalt = i + 1;
    }
out:
    strs_free(&cur);
    strs_free(&next);
    return rc;
}

int sigma__compile_field(struct sigma__fieldsel *fs, const char *mods,
                         const char *const *vals, size_t nvals, char *err,
                         size_t errlen)
{
    struct mods m;
    int rc = parse_mods(mods ? mods : "", &m, err, errlen);
    if (rc < 0)
        return rc;
    fs->all = m.all;
    fs->v = calloc(nvals ? nvals : 1, sizeof(*fs->v));
    if (!fs->v)
        return -ENOMEM;
    for (size_t i = 0; i < nvals; i++) {
        fs->nv = i + 1;
        if ((rc = compile_value(&fs->v[i], vals[i], &m, err, errlen)) < 0)
            return rc;
    }
    return 0;
}

void sigma__fieldsel_free(struct sigma__fieldsel *fs)
{
    for (size_t i = 0; i < fs->nv; i++) {
        for (size_t k = 0; k < fs->v[i].nalt; k++)
            alt_free(&fs->v[i].alt[k]);
        free(fs->v[i].alt);
    }
    free(fs->v);
    free(fs->field);
}

static int eqc(char a, char b, int cased)
{
    return cased ? a == b : tolower((unsigned char)a) == tolower((unsigned char)b);
}

int sigma__glob(const char *p, const char *s, int cased)
{
    const char *star_p = NULL, *star_s = NULL;
    while (*s) {
        if (*p == '*') {
            star_p = ++p;
            star_s = s;
            continue;
        }
        const char *q = p;
        char c = *p;
        if (c == '\\' && (p[1] == '*' || p[1] == '?' || p[1] == '\\'))
            c = *++q;
        if (c == '?' && q == p) {
            p++;
            s++;
            continue;
        }
        if (c && eqc(c, *s, cased)) {
            p = q + 1;
            s++;
            continue;
        }
        if (!star_p)
            return 0;
        p = star_p;
        s = ++star_s;
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

static int cidr_match(const struct sigma__alt *a, const char *v)
{
    uint8_t addr[16];
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", v);
    if (buf[0] == '[') { /* "[::1]" as some sources write IPv6 */
        memmove(buf, buf + 1, strlen(buf));
        buf[strcspn(buf, "]")] = '\0';
    }
    if (inet_pton(a->family, buf, addr) != 1)
        return 0;
    int full = a->prefix / 8, rest = a->prefix % 8;
    if (memcmp(addr, a->net, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (addr[full] & mask) == (a->net[full] & mask);
}

/* v is NULL when the event has no such field. */
static int alt_match(const struct sigma__alt *a, const char *v)
{
    switch (a->type) {
    case SV_EXISTS:
        return (v != NULL) == a->exists;
    case SV_NULL:
        return !v || !*v;
    case SV_RE:
        return v && regexec(&a->re, v, 0, NULL, 0) == 0;
    case SV_CIDR:
        return v && cidr_match(a, v);
    case SV_GLOB:
        return v && sigma__glob(a->glob, v, a->cased);
    }
    return 0;
}

static int value_match(const struct sigma__value *val, const struct sigma__fieldsel *fs,
                       const struct sigma_event *ev)
{
    for (size_t k = 0; k < val->nalt; k++) {
        if (fs->field) {
            if (alt_match(&val->alt[k], sigma_event_get(ev, fs->field)))
                return 1;
            continue;
        }
        for (size_t i = 0; i < ev->n; i++) /* keywords: any field's value */
            if (alt_match(&val->alt[k], ev->f[i].value))
                return 1;
    }
    return 0;
}

int sigma__fieldsel_match(const struct sigma__fieldsel *fs,
                          const struct sigma_event *ev)
{
    for (size_t i = 0; i < fs->nv; i++) {
        int m = value_match(&fs->v[i], fs, ev);
        if (fs->all && !m)
            return 0;
        if (!fs->all && m)
            return 1;
    }
    return fs->all && fs->nv > 0;
}

void sigma_event_add(struct sigma_event *ev, const char *name, const char *value)
{
    if (value && ev->n < SIGMA_MAX_FIELDS)
        ev->f[ev->n++] = (struct sigma_field){name, value};
}

const char *sigma_event_get(const struct sigma_event *ev, const char *name)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcasecmp(ev->f[i].name, name) == 0)
            return ev->f[i].value;
    return NULL;
}
