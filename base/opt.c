#include "opt.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "ml_util.h"

#define OPT_MAX 96
#define OPT_ID0 1000

static const struct opt *nth(const struct opt *a, size_t na, const struct opt *b,
                             size_t i)
{
    return i < na ? &a[i] : &b[i - na];
}

/* "s|suite": the short form 's', else 0. */
static int short_of(const struct opt *o)
{
    return o->name[0] && o->name[1] == '|' ? (unsigned char)o->name[0] : 0;
}

static const char *long_of(const struct opt *o)
{
    return short_of(o) ? o->name + 2 : o->name;
}

/* Index of arg in the choices "a|b|c", or -1. */
static int choice_index(const char *choices, const char *arg)
{
    size_t len = strlen(arg);
    int i = 0;
    for (const char *c = choices; c; i++) {
        const char *bar = strchr(c, '|');
        size_t cl = bar ? (size_t)(bar - c) : strlen(c);
        if (cl == len && !strncmp(c, arg, len))
            return i;
        c = bar ? bar + 1 : NULL;
    }
    return -1;
}

static int apply(const struct opt *o, const char *arg, char *err, size_t errlen)
{
    const char *name = long_of(o);
    long l;
    int k;
    struct opt_list *list;
    switch (o->kind) {
    case OPT_FLAG:
        *(int *)o->target = 1;
        return 0;
    case OPT_STRING:
        *(const char **)o->target = arg;
        return 0;
    case OPT_LONG:
        if (ml_parse_long(arg, (long)o->min, (long)o->max, &l))
            return ml_err(err, errlen, -EINVAL,
                          "--%s wants an integer in %.0f..%.0f, got '%s'", name, o->min,
                          o->max, arg);
        *(long *)o->target = l;
        return 0;
    case OPT_DOUBLE:
        if (ml_parse_double(arg, o->min, o->max, o->target))
            return ml_err(err, errlen, -EINVAL,
                          "--%s wants a number in %g..%g, got '%s'", name, o->min,
                          o->max, arg);
        return 0;
    case OPT_CHOICE:
        if ((k = choice_index(o->arg, arg)) < 0)
            return ml_err(err, errlen, -EINVAL, "--%s wants one of %s, got '%s'", name,
                          o->arg, arg);
        *(int *)o->target = k;
        return 0;
    case OPT_LIST:
        list = o->target;
        if (list->n >= list->max)
            return ml_err(err, errlen, -EINVAL, "--%s given more than %zu times", name,
                          list->max);
        list->v[list->n++] = arg;
        return 0;
    }
    return -EINVAL;
}

/* opt_parse, with operands left in argv[*first..argc) when first is set. */
static int parse(int argc, char **argv, const struct opt *a, size_t na,
                 const struct opt *b, size_t nb, int *first, char *err, size_t errlen)
{
    struct option table[OPT_MAX + 2];
    char shorts[3 * OPT_MAX + 2] = "h", *sp = shorts + 1;
    size_t n = na + nb;
    if (n > OPT_MAX)
        return ml_err(err, errlen, -EINVAL, "too many options");
    for (size_t i = 0; i < n; i++) {
        const struct opt *o = nth(a, na, b, i);
        table[i] = (struct option){
            long_of(o), o->kind == OPT_FLAG ? no_argument : required_argument, NULL,
            (int)(OPT_ID0 + i)};
        if (short_of(o)) {
            *sp++ = (char)short_of(o);
            if (o->kind != OPT_FLAG)
                *sp++ = ':';
        }
    }
    *sp = '\0';
    table[n] = (struct option){"help", no_argument, NULL, 'h'};
    table[n + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 0; /* glibc: a full reset, also of a cluster a failed parse left */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, table, NULL)) != -1) {
        if (c == 'h')
            return 1;
        for (size_t i = 0; i < n && c < OPT_ID0; i++)
            if (c != '?' && short_of(nth(a, na, b, i)) == c)
                c = (int)(OPT_ID0 + i);
        if (c < OPT_ID0 || c >= OPT_ID0 + (int)n)
            return ml_err(err, errlen, -EINVAL, "unknown or incomplete option %s",
                          argv[optind - 1]);
        int rc = apply(nth(a, na, b, (size_t)(c - OPT_ID0)), optarg, err, errlen);
        if (rc)
            return rc;
    }
    if (first)
        *first = optind;
    else if (optind < argc)
        return ml_err(err, errlen, -EINVAL, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int opt_parse(int argc, char **argv, const struct opt *a, size_t na,
              const struct opt *b, size_t nb, char *err, size_t errlen)
{
    return parse(argc, argv, a, na, b, nb, NULL, err, errlen);
}

/*
 * One option's lines. pad: room for "-x, " before long-only names (tables
 * with short forms); wrap: a left column wider than width puts the help on
 * the next line.
 */
static void one(FILE *f, const struct opt *o, int pad, int width, int wrap)
{
    static const char *const kind_arg[] = {"", "STR", "N", "X", "", "STR"};
    char left[96], dflt[96] = "";
    const char *arg = o->arg ? o->arg : kind_arg[o->kind];
    if (short_of(o))
        snprintf(left, sizeof(left), "-%c, --%s%s%s", short_of(o), long_of(o),
                 *arg ? " " : "", arg);
    else
        snprintf(left, sizeof(left), "%s--%s%s%s", pad ? "    " : "", o->name,
                 *arg ? " " : "", arg);
    if (o->kind == OPT_STRING && *(const char **)o->target)
        snprintf(dflt, sizeof(dflt), " (default %s)", *(const char **)o->target);
    else if (o->kind == OPT_LONG && *(long *)o->target >= o->min &&
             *(long *)o->target <= o->max)
        snprintf(dflt, sizeof(dflt), " (default %ld)", *(long *)o->target);
    else if (o->kind == OPT_DOUBLE)
        snprintf(dflt, sizeof(dflt), " (default %g)", *(double *)o->target);
    else if (o->kind == OPT_CHOICE) {
        const char *c = o->arg;
        for (int k = *(int *)o->target; k > 0 && c; k--)
            c = strchr(c, '|') ? strchr(c, '|') + 1 : NULL;
        if (c)
            snprintf(dflt, sizeof(dflt), " (default %.*s)", (int)strcspn(c, "|"), c);
    }
    const char *help = o->help ? o->help : "";
    if (wrap && (int)strlen(left) > width)
        fprintf(f, "  %s\n  %-*s ", left, width, "");
    else
        fprintf(f, "  %-*s ", width, left);
    for (const char *nl; (nl = strchr(help, '\n')); help = nl + 1)
        fprintf(f, "%.*s\n  %-*s ", (int)(nl - help), help, width, "");
    fprintf(f, "%s%s\n", help, dflt);
}

void opt_usage(FILE *f, const char *prog, const char *summary, const struct opt *a,
               size_t na, const struct opt *b, size_t nb)
{
    fprintf(f, "usage: %s [options]\n", prog);
    if (summary && *summary)
        fprintf(f, "%s\n", summary);
    for (size_t i = 0; i < na + nb; i++)
        one(f, nth(a, na, b, i), 0, 24, 0);
    fprintf(f, "  %-24s %s\n", "-h, --help", "this text");
}

void opt_cmd_usage(FILE *f, const struct opt_cmd *c)
{
    int pad = 0;
    for (size_t i = 0; i < c->nopts; i++)
        pad |= short_of(&c->opts[i]) != 0;
    fprintf(f, "usage: %s [options]%s%s\n", c->prog, c->operands ? " " : "",
            c->operands ? c->operands : "");
    if (c->summary && *c->summary)
        fprintf(f, "%s\n", c->summary);
    fputs("options:\n", f);
    for (size_t i = 0; i < c->nopts; i++)
        one(f, &c->opts[i], pad, 26, 1);
    fprintf(f, "  %-26s %s\n", "-h, --help", "this text");
}

int opt_cmd_parse(const struct opt_cmd *c, int argc, char **argv, int *first)
{
    char err[512];
    int rc = parse(argc, argv, c->opts, c->nopts, NULL, 0, first, err, sizeof(err));
    if (rc == 1) {
        opt_cmd_usage(stdout, c);
        return 1;
    }
    int nop = rc ? 0 : argc - *first;
    if (!rc && nop < c->min_operands)
        rc = ml_err(err, sizeof(err), -EINVAL, "%s expected, got %d argument%s",
                    c->operands ? c->operands : "nothing", nop, nop == 1 ? "" : "s");
    else if (!rc && c->max_operands >= 0 && nop > c->max_operands)
        rc = c->max_operands == 0
                 ? ml_err(err, sizeof(err), -EINVAL, "unexpected argument '%s'",
                          argv[*first])
                 : ml_err(err, sizeof(err), -EINVAL, "%s expected, got %d arguments",
                          c->operands ? c->operands : "nothing", nop);
    if (rc)
        fprintf(stderr, "%s: %s (see %s --help)\n", c->prog, err, c->prog);
    return rc;
}
