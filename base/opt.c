#include "opt.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "ml_util.h"

#define OPT_MAX 96
#define OPT_ID0 1000
#define HELP_COL 27 /* where the help text starts: 2 + 24 + 1 */

static const struct opt *nth(const struct opt *a, size_t na, const struct opt *b,
                             size_t i)
{
    return i < na ? &a[i] : &b[i - na];
}

/* "o|url": --url; "k|": no long name; "url": --url. */
static const char *long_name(const struct opt *o)
{
    if (!o->name)
        return "";
    return o->name[0] && o->name[1] == '|' ? o->name + 2 : o->name;
}

static int short_name(const struct opt *o)
{
    return o->name && o->name[0] && o->name[1] == '|' ? (unsigned char)o->name[0] : 0;
}

/* How errors name the option: "--url", or "-k" for a short-only one. */
static const char *shown(const struct opt *o)
{
    static char buf[80];
    if (*long_name(o))
        snprintf(buf, sizeof(buf), "--%s", long_name(o));
    else
        snprintf(buf, sizeof(buf), "-%c", short_name(o));
    return buf;
}

int opt_takes_arg(const struct opt *o)
{
    return o->kind != OPT_FLAG && o->kind != OPT_COUNT &&
           o->kind != OPT_CALLBACK_FLAG && o->kind != OPT_GROUP;
}

const struct opt *opt_find(const struct opt *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].kind != OPT_GROUP && !strcmp(long_name(&t[i]), name))
            return &t[i];
    return NULL;
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

static int parse_int(const struct opt *o, const char *arg, long *out, char *err,
                     size_t errlen)
{
    if (ml_parse_long(arg, (long)o->min, (long)o->max, out))
        return ml_err(err, errlen, -EINVAL,
                      "%s wants an integer in %.0f..%.0f, got '%s'", shown(o), o->min,
                      o->max, arg);
    return 0;
}

static int call(const struct opt *o, const char *arg, char *err, size_t errlen)
{
    const struct opt_cb *cb = o->target;
    if (err && errlen)
        err[0] = '\0';
    int rc = cb->fn(cb->ctx, arg, err, errlen);
    if (rc && err && errlen && !err[0]) {
        if (arg)
            ml_err(err, errlen, rc, "bad value for %s: '%s'", shown(o), arg);
        else
            ml_err(err, errlen, rc, "%s cannot be used here", shown(o));
    }
    return rc > 0 ? -EINVAL : rc;
}

int opt_apply(const struct opt *o, const char *arg, char *err, size_t errlen)
{
    long l;
    int rc = 0, k;
    struct opt_list *list;
    if (opt_takes_arg(o) && !arg)
        return ml_err(err, errlen, -EINVAL, "option %s needs a value", shown(o));
    switch (o->kind) {
    case OPT_FLAG:
        *(int *)o->target = 1;
        return 0;
    case OPT_COUNT:
        ++*(int *)o->target;
        return 0;
    case OPT_STRING:
        *(const char **)o->target = arg;
        return 0;
    case OPT_LONG:
    case OPT_INT:
    case OPT_U64:
    case OPT_SIZE:
        if ((rc = parse_int(o, arg, &l, err, errlen)))
            return rc;
        if (o->kind == OPT_LONG)
            *(long *)o->target = l;
        else if (o->kind == OPT_INT)
            *(int *)o->target = (int)l;
        else if (o->kind == OPT_U64)
            *(uint64_t *)o->target = (uint64_t)l;
        else
            *(size_t *)o->target = (size_t)l;
        return 0;
    case OPT_DOUBLE:
        if (ml_parse_double(arg, o->min, o->max, o->target))
            return ml_err(err, errlen, -EINVAL, "%s wants a number in %g..%g, got '%s'",
                          shown(o), o->min, o->max, arg);
        return 0;
    case OPT_BUF:
        if (strlen(arg) >= (size_t)o->max)
            return ml_err(err, errlen, -EINVAL, "%s is too long (max %zu bytes)",
                          shown(o), (size_t)o->max - 1);
        memcpy(o->target, arg, strlen(arg) + 1);
        return 0;
    case OPT_CALLBACK:
    case OPT_CALLBACK_FLAG:
        return call(o, arg, err, errlen);
    case OPT_CHOICE:
        if ((k = choice_index(o->arg, arg)) < 0)
            return ml_err(err, errlen, -EINVAL, "%s wants one of %s, got '%s'", shown(o),
                          o->arg, arg);
        *(int *)o->target = k;
        return 0;
    case OPT_LIST:
        list = o->target;
        if (list->n >= list->max)
            return ml_err(err, errlen, -EINVAL, "%s given more than %zu times", shown(o),
                          list->max);
        list->v[list->n++] = arg;
        return 0;
    case OPT_GROUP:
        break;
    }
    return ml_err(err, errlen, -EINVAL, "%s is not an option", shown(o));
}

/* One sentence for what getopt refused: c is ':' (value missing) or '?'. */
static int refused(int c, char **argv, const struct opt *a, size_t na,
                   const struct opt *b, size_t nb, char *err, size_t errlen)
{
    size_t n = na + nb;
    if (optopt >= OPT_ID0 && optopt < OPT_ID0 + (int)n) {
        const char *ln = long_name(nth(a, na, b, (size_t)(optopt - OPT_ID0)));
        return ml_err(err, errlen, -EINVAL, "option --%s %s", ln,
                      c == ':' ? "needs a value" : "takes no value");
    }
    if (c == ':')
        return ml_err(err, errlen, -EINVAL, "option -%c needs a value", optopt);
    if (optopt > 0 && optopt < 256)
        return ml_err(err, errlen, -EINVAL, "unknown option '-%c' (see --help)",
                      optopt);
    return ml_err(err, errlen, -EINVAL, "unknown option '%s' (see --help)",
                  argv[optind - 1]);
}

static const struct opt *by_short(int c, const struct opt *a, size_t na,
                                  const struct opt *b, size_t nb)
{
    for (size_t i = 0; i < na + nb; i++)
        if (nth(a, na, b, i)->kind != OPT_GROUP && short_name(nth(a, na, b, i)) == c)
            return nth(a, na, b, i);
    return NULL;
}

/* Whether the tables define -h or --help themselves. */
static int own_help(const struct opt *a, size_t na, const struct opt *b, size_t nb)
{
    return opt_find(a, na, "help") || opt_find(b, nb, "help") ||
           by_short('h', a, na, b, nb);
}

static int parse(int argc, char **argv, const struct opt *a, size_t na,
                 const struct opt *b, size_t nb, int *first, char *err, size_t errlen)
{
    struct option table[OPT_MAX + 2];
    char shorts[2 * OPT_MAX + 4];
    size_t n = na + nb, nl = 0, ns = 0;
    int help = !own_help(a, na, b, nb);
    if (n > OPT_MAX)
        return ml_err(err, errlen, -EINVAL, "too many options");
    shorts[ns++] = ':'; /* a missing value returns ':', not '?' */
    for (size_t i = 0; i < n; i++) {
        const struct opt *o = nth(a, na, b, i);
        if (o->kind == OPT_GROUP)
            continue;
        if (*long_name(o))
            table[nl++] = (struct option){
                long_name(o), opt_takes_arg(o) ? required_argument : no_argument, NULL,
                (int)(OPT_ID0 + i)};
        if (short_name(o)) {
            shorts[ns++] = (char)short_name(o);
            if (opt_takes_arg(o))
                shorts[ns++] = ':';
        }
    }
    if (help) {
        table[nl++] = (struct option){"help", no_argument, NULL, 'h'};
        shorts[ns++] = 'h';
    }
    table[nl] = (struct option){NULL, 0, NULL, 0};
    shorts[ns] = '\0';
    optind = 0; /* glibc: a full reset, also of a cluster left half-read */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, table, NULL)) != -1) {
        const struct opt *o = NULL;
        if (c == 'h' && help)
            return 1;
        if (c == ':' || c == '?')
            return refused(c, argv, a, na, b, nb, err, errlen);
        if (c >= OPT_ID0 && c < OPT_ID0 + (int)n)
            o = nth(a, na, b, (size_t)(c - OPT_ID0));
        else
            o = by_short(c, a, na, b, nb);
        if (!o)
            return ml_err(err, errlen, -EINVAL, "unknown option '%s' (see --help)",
                          argv[optind - 1]);
        int rc = opt_apply(o, optarg, err, errlen);
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

int opt_parse_operands(int argc, char **argv, const struct opt *a, size_t na,
                       const struct opt *b, size_t nb, int *first, char *err,
                       size_t errlen)
{
    return parse(argc, argv, a, na, b, nb, first, err, errlen);
}

int opt_main(int argc, char **argv, const char *prog, const char *summary,
             const struct opt *t, size_t n, int *first)
{
    char err[256];
    int rc = parse(argc, argv, t, n, NULL, 0, first, err, sizeof(err));
    if (rc == 1) {
        opt_usage(stdout, prog, summary, t, n, NULL, 0);
        return 0;
    }
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return OPT_EXIT_USAGE;
    }
    return -1;
}

static void default_of(const struct opt *o, char *buf, size_t len)
{
    const char *s = NULL;
    buf[0] = '\0';
    switch (o->kind) {
    case OPT_STRING:
        s = *(const char **)o->target;
        break;
    case OPT_BUF:
        s = *(const char *)o->target ? o->target : NULL;
        break;
    case OPT_CALLBACK:
    case OPT_CALLBACK_FLAG:
        s = ((const struct opt_cb *)o->target)->dflt;
        break;
    case OPT_LONG: /* a default outside the range means "unset": the help says */
        if (*(long *)o->target >= o->min && *(long *)o->target <= o->max)
            snprintf(buf, len, " (default %ld)", *(long *)o->target);
        return;
    case OPT_CHOICE:
        s = o->arg;
        for (int k = *(int *)o->target; k > 0 && s; k--)
            s = strchr(s, '|') ? strchr(s, '|') + 1 : NULL;
        if (s)
            snprintf(buf, len, " (default %.*s)", (int)strcspn(s, "|"), s);
        return;
    case OPT_INT:
        snprintf(buf, len, " (default %d)", *(int *)o->target);
        return;
    case OPT_U64:
        snprintf(buf, len, " (default %" PRIu64 ")", *(uint64_t *)o->target);
        return;
    case OPT_SIZE:
        snprintf(buf, len, " (default %zu)", *(size_t *)o->target);
        return;
    case OPT_DOUBLE:
        snprintf(buf, len, " (default %g)", *(double *)o->target);
        return;
    default:
        return;
    }
    if (s)
        snprintf(buf, len, " (default %s)", s);
}

/* The help text with each '\n' continued on an indented line. */
static void help_text(FILE *f, const char *help, int col)
{
    for (const char *p = help ? help : ""; *p; p++) {
        fputc(*p, f);
        if (*p == '\n')
            fprintf(f, "%*s", col, "");
    }
}

/* One option's lines; width: the left column (the help starts at 2+width+1). */
static void one(FILE *f, const struct opt *o, int indent, int width)
{
    int col = 2 + width + 1;
    static const char *const kind_arg[] = {
        [OPT_STRING] = "STR", [OPT_LONG] = "N",        [OPT_DOUBLE] = "X",
        [OPT_INT] = "N",      [OPT_U64] = "N",         [OPT_SIZE] = "N",
        [OPT_BUF] = "STR",    [OPT_CALLBACK] = "VALUE", [OPT_LIST] = "STR"};
    char left[96], dflt[160];
    if (o->kind == OPT_GROUP) {
        fprintf(f, "%s\n", o->help ? o->help : "");
        return;
    }
    const char *arg = o->arg ? o->arg : "";
    if (!o->arg && o->kind < sizeof(kind_arg) / sizeof(kind_arg[0]) &&
        kind_arg[o->kind])
        arg = kind_arg[o->kind];
    const char *ln = long_name(o);
    int sc = short_name(o);
    if (sc && *ln)
        snprintf(left, sizeof(left), "-%c, --%s%s%s", sc, ln, *arg ? " " : "", arg);
    else if (sc)
        snprintf(left, sizeof(left), "-%c%s%s", sc, *arg ? " " : "", arg);
    else
        snprintf(left, sizeof(left), "%s--%s%s%s", indent ? "    " : "", ln,
                 *arg ? " " : "", arg);
    default_of(o, dflt, sizeof(dflt));
    if ((int)strlen(left) > width)
        fprintf(f, "  %s\n%*s", left, col, "");
    else
        fprintf(f, "  %-*s ", width, left);
    help_text(f, o->help, col);
    fprintf(f, "%s\n", dflt);
}

void opt_usage(FILE *f, const char *prog, const char *summary, const struct opt *a,
               size_t na, const struct opt *b, size_t nb)
{
    int indent = 0;
    for (size_t i = 0; i < na + nb; i++)
        indent |= nth(a, na, b, i)->kind != OPT_GROUP && short_name(nth(a, na, b, i));
    fprintf(f, "usage: %s [options]\n", prog);
    if (summary && *summary)
        fprintf(f, "%s\n", summary);
    for (size_t i = 0; i < na + nb; i++)
        one(f, nth(a, na, b, i), indent, HELP_COL - 3);
    if (!own_help(a, na, b, nb))
        fprintf(f, "  %-24s %s\n", "-h, --help", "this text");
}

void opt_cmd_usage(FILE *f, const struct opt_cmd *c)
{
    int indent = 0;
    for (size_t i = 0; i < c->nopts; i++)
        indent |= c->opts[i].kind != OPT_GROUP && short_name(&c->opts[i]);
    fprintf(f, "usage: %s [options]%s%s\n", c->prog, c->operands ? " " : "",
            c->operands ? c->operands : "");
    if (c->summary && *c->summary)
        fprintf(f, "%s\n", c->summary);
    fputs("options:\n", f);
    for (size_t i = 0; i < c->nopts; i++)
        one(f, &c->opts[i], indent, 26);
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
    if (rc) {
        /* the parser's own "(see --help)" names no program: say which */
        char *see = strstr(err, " (see --help)");
        if (see)
            *see = '\0';
        fprintf(stderr, "%s: %s (see %s --help)\n", c->prog, err, c->prog);
    }
    return rc;
}
