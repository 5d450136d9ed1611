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

static int apply(const struct opt *o, const char *arg, char *err, size_t errlen)
{
    long l;
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
                          "--%s wants an integer in %.0f..%.0f, got '%s'", o->name,
                          o->min, o->max, arg);
        *(long *)o->target = l;
        return 0;
    case OPT_DOUBLE:
        if (ml_parse_double(arg, o->min, o->max, o->target))
            return ml_err(err, errlen, -EINVAL,
                          "--%s wants a number in %g..%g, got '%s'", o->name, o->min,
                          o->max, arg);
        return 0;
    }
    return -EINVAL;
}

int opt_parse(int argc, char **argv, const struct opt *a, size_t na,
              const struct opt *b, size_t nb, char *err, size_t errlen)
{
    struct option table[OPT_MAX + 2];
    size_t n = na + nb;
    if (n > OPT_MAX)
        return ml_err(err, errlen, -EINVAL, "too many options");
    for (size_t i = 0; i < n; i++) {
        const struct opt *o = nth(a, na, b, i);
        table[i] = (struct option){
            o->name, o->kind == OPT_FLAG ? no_argument : required_argument, NULL,
            (int)(OPT_ID0 + i)};
    }
    table[n] = (struct option){"help", no_argument, NULL, 'h'};
    table[n + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", table, NULL)) != -1) {
        if (c == 'h')
            return 1;
        if (c < OPT_ID0 || c >= OPT_ID0 + (int)n)
            return ml_err(err, errlen, -EINVAL, "unknown or incomplete option %s",
                          argv[optind - 1]);
        int rc = apply(nth(a, na, b, (size_t)(c - OPT_ID0)), optarg, err, errlen);
        if (rc)
            return rc;
    }
    if (optind < argc)
        return ml_err(err, errlen, -EINVAL, "unexpected argument '%s'", argv[optind]);
    return 0;
}

static void one(FILE *f, const struct opt *o)
{
    static const char *const kind_arg[] = {"", "STR", "N", "X"};
    char left[64], dflt[96] = "";
    const char *arg = o->arg ? o->arg : kind_arg[o->kind];
    snprintf(left, sizeof(left), "--%s%s%s", o->name, *arg ? " " : "", arg);
    if (o->kind == OPT_STRING && *(const char **)o->target)
        snprintf(dflt, sizeof(dflt), " (default %s)", *(const char **)o->target);
    else if (o->kind == OPT_LONG)
        snprintf(dflt, sizeof(dflt), " (default %ld)", *(long *)o->target);
    else if (o->kind == OPT_DOUBLE)
        snprintf(dflt, sizeof(dflt), " (default %g)", *(double *)o->target);
    fprintf(f, "  %-24s %s%s\n", left, o->help ? o->help : "", dflt);
}

void opt_usage(FILE *f, const char *prog, const char *summary, const struct opt *a,
               size_t na, const struct opt *b, size_t nb)
{
    fprintf(f, "usage: %s [options]\n", prog);
    if (summary && *summary)
        fprintf(f, "%s\n", summary);
    for (size_t i = 0; i < na + nb; i++)
        one(f, nth(a, na, b, i));
    fprintf(f, "  %-24s %s\n", "-h, --help", "this text");
}
