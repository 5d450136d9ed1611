/*
 * Sigma conditions: a recursive-descent parser (or < and < not, parentheses,
 * "1 of" / "any of" / "all of" a selection name pattern or "them") into a
 * tree of selection references, and its evaluation.
 */
#include "sigma_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"

struct parser {
    const char *p;
    const struct sigma_rule *r;
    char tok[128];
    char *err;
    size_t errlen;
};

/* Reads the next token into ps->tok ("" at the end). */
static int next_token(struct parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
    const char *s = ps->p;
    if (*s == '\0') {
        ps->tok[0] = '\0';
        return 0;
    }
    if (*s == '(' || *s == ')') {
        ps->tok[0] = *s;
        ps->tok[1] = '\0';
        ps->p++;
        return 0;
    }
    if (*s == '|')
        return ml_err(ps->err, ps->errlen, -ENOTSUP,
                      "condition: aggregation '|' (count, near) not supported");
    size_t n = 0;
    while (s[n] && !isspace((unsigned char)s[n]) && s[n] != '(' && s[n] != ')' &&
           s[n] != '|')
        n++;
    if (n >= sizeof(ps->tok))
        return ml_err(ps->err, ps->errlen, -EINVAL, "condition: token too long");
    memcpy(ps->tok, s, n);
    ps->tok[n] = '\0';
    ps->p += n;
    return 0;
}

static struct sigma__node *node(enum sigma__op op, size_t sel, struct sigma__node *a,
                                struct sigma__node *b)
{
    struct sigma__node *n = calloc(1, sizeof(*n));
    if (n)
        *n = (struct sigma__node){op, sel, a, b};
    return n;
}

void sigma__node_free(struct sigma__node *n)
{
    if (!n)
        return;
    sigma__node_free(n->a);
    sigma__node_free(n->b);
    free(n);
}

static int is_word(const char *tok, const char *w)
{
    return strcasecmp(tok, w) == 0;
}

static int parse_or(struct parser *ps, struct sigma__node **out);

/* "1 of X" / "all of X": the selections whose names match X, or/and-joined. */
static int parse_of(struct parser *ps, int all, struct sigma__node **out)
{
    int rc = next_token(ps);
    if (rc < 0)
        return rc;
    if (!is_word(ps->tok, "of"))
        return ml_err(ps->err, ps->errlen, -EINVAL, "condition: 'of' expected");
    if ((rc = next_token(ps)) < 0)
        return rc;
    char pat[128];
    snprintf(pat, sizeof(pat), "%s", ps->tok);
    if (!pat[0] || !strcmp(pat, "(") || !strcmp(pat, ")"))
        return ml_err(ps->err, ps->errlen, -EINVAL,
                      "condition: a selection name expected after 'of'");
    int them = is_word(pat, "them");
    struct sigma__node *acc = NULL;
    for (size_t i = 0; i < ps->r->nsel; i++) {
        const char *name = ps->r->sel[i].name;
        if (them ? name[0] == '_' : !sigma__glob(pat, name, 1))
            continue;
        struct sigma__node *leaf = node(SN_SEL, i, NULL, NULL);
        struct sigma__node *j =
            leaf && acc ? node(all ? SN_AND : SN_OR, 0, acc, leaf) : leaf;
        if (!j) {
            sigma__node_free(leaf);
            sigma__node_free(acc);
            return -ENOMEM;
        }
        acc = j;
    }
    if (!acc)
        return ml_err(ps->err, ps->errlen, -EINVAL,
                      "condition: '%s' matches no selection", pat);
    *out = acc;
    return next_token(ps);
}

static int parse_factor(struct parser *ps, struct sigma__node **out)
{
    int rc;
    if (is_word(ps->tok, "not")) {
        struct sigma__node *a = NULL;
        if ((rc = next_token(ps)) < 0 || (rc = parse_factor(ps, &a)) < 0)
            return rc;
        if (!(*out = node(SN_NOT, 0, a, NULL))) {
            sigma__node_free(a);
            return -ENOMEM;
        }
        return 0;
    }
    if (!strcmp(ps->tok, "(")) {
        if ((rc = next_token(ps)) < 0 || (rc = parse_or(ps, out)) < 0)
            return rc;
        if (strcmp(ps->tok, ")")) {
            sigma__node_free(*out);
            *out = NULL;
            return ml_err(ps->err, ps->errlen, -EINVAL, "condition: ')' missing");
        }
        return next_token(ps);
    }
    if (!strcmp(ps->tok, "1") || is_word(ps->tok, "any") || is_word(ps->tok, "all"))
        return parse_of(ps, is_word(ps->tok, "all"), out);
    if (!ps->tok[0] || !strcmp(ps->tok, ")") || is_word(ps->tok, "and") ||
        is_word(ps->tok, "or"))
        return ml_err(ps->err, ps->errlen, -EINVAL,
                      "condition: a selection expected, found '%s'",
                      ps->tok[0] ? ps->tok : "end");
    if (is_word(ps->tok, "near"))
        return ml_err(ps->err, ps->errlen, -ENOTSUP, "condition: 'near' not supported");
    for (size_t i = 0; i < ps->r->nsel; i++) {
        if (strcmp(ps->r->sel[i].name, ps->tok) == 0) {
            if (!(*out = node(SN_SEL, i, NULL, NULL)))
                return -ENOMEM;
            return next_token(ps);
        }
    }
    return ml_err(ps->err, ps->errlen, -EINVAL, "condition: unknown selection '%s'",
                  ps->tok);
}

static int parse_binary(struct parser *ps, struct sigma__node **out, const char *word,
                        enum sigma__op op,
                        int (*sub)(struct parser *, struct sigma__node **))
{
    struct sigma__node *acc = NULL;
    int rc = sub(ps, &acc);
    while (rc == 0 && is_word(ps->tok, word)) {
        struct sigma__node *b = NULL, *j;
        if ((rc = next_token(ps)) < 0 || (rc = sub(ps, &b)) < 0)
            break;
        if (!(j = node(op, 0, acc, b))) {
            sigma__node_free(b);
            rc = -ENOMEM;
            break;
        }
        acc = j;
    }
    if (rc < 0) {
        sigma__node_free(acc);
        return rc;
    }
    *out = acc;
    return 0;
}

static int parse_and(struct parser *ps, struct sigma__node **out)
{
    return parse_binary(ps, out, "and", SN_AND, parse_factor);
}

static int parse_or(struct parser *ps, struct sigma__node **out)
{
    return parse_binary(ps, out, "or", SN_OR, parse_and);
}

int sigma__cond_parse(const char *cond, const struct sigma_rule *r,
                      struct sigma__node **out, char *err, size_t errlen)
{
    struct parser ps = {.p = cond, .r = r, .err = err, .errlen = errlen};
    *out = NULL;
    int rc = next_token(&ps);
    if (rc == 0)
        rc = parse_or(&ps, out);
    if (rc == 0 && ps.tok[0]) {
        rc = ml_err(err, errlen, -EINVAL, "condition: unexpected '%s'", ps.tok);
        sigma__node_free(*out);
        *out = NULL;
    }
    return rc;
}

int sigma__node_eval(const struct sigma__node *n, const struct sigma_rule *r,
                     const struct sigma_event *ev)
{
    switch (n->op) {
    case SN_AND:
        return sigma__node_eval(n->a, r, ev) && sigma__node_eval(n->b, r, ev);
    case SN_OR:
        return sigma__node_eval(n->a, r, ev) || sigma__node_eval(n->b, r, ev);
    case SN_NOT:
        return !sigma__node_eval(n->a, r, ev);
    case SN_SEL:
        break;
    }
    const struct sigma__selection *s = &r->sel[n->sel];
    for (size_t c = 0; c < s->nc; c++) {
        size_t k = 0;
        while (k < s->c[c].n && sigma__fieldsel_match(&s->c[c].f[k], ev))
            k++;
        if (k == s->c[c].n)
            return 1;
    }
    return 0;
}
