/*
 * opt — option tables in one style (after git's parse-options): each entry
 * carries its name, kind, target, range, argument name and help text; the
 * default shown in --help is read from the target before parsing, so it is
 * written once, where the caller sets it. opt_parse() fills the targets and
 * opt_usage() prints the help, both from the same table.
 *
 * Usage errors exit with OPT_EXIT_USAGE (2) everywhere: the miner (as XMRig),
 * the pool, the harness and every detector (docs/architecture.md).
 *
 * Not thread-safe (getopt_long state); call from main().
 */
#ifndef OPT_H
#define OPT_H

#include <stddef.h>
#include <stdio.h>

#define OPT_EXIT_USAGE 2

enum opt_kind {
    OPT_FLAG,   /* int *target set to 1 */
    OPT_STRING, /* const char **target = the argument */
    OPT_LONG,   /* long *target, strict, in [min, max] */
    OPT_DOUBLE, /* double *target, strict, in [min, max] */
};

struct opt {
    const char *name; /* long name without "--" */
    enum opt_kind kind;
    void *target;
    double min, max;  /* OPT_LONG / OPT_DOUBLE */
    const char *arg;  /* the argument's name in --help ("N", "FILE"); NULL = kind's */
    const char *help; /* one line */
};

/*
 * Parses argv[1..] against the tables (NULL-table pairs allowed: a common
 * table and the program's own). "-h"/"--help" returns 1. Returns 0, or
 * -EINVAL with one sentence in err (unknown option, missing or bad value,
 * stray argument). Targets hold their defaults before the call.
 */
int opt_parse(int argc, char **argv, const struct opt *a, size_t na,
              const struct opt *b, size_t nb, char *err, size_t errlen);

/* Prints "usage: PROG [options]", the summary line and one line per option
 * of both tables with its help and default. */
void opt_usage(FILE *f, const char *prog, const char *summary, const struct opt *a,
               size_t na, const struct opt *b, size_t nb);

#endif
