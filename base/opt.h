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
    OPT_CHOICE, /* int *target = index of the argument in arg ("a|b|c") */
    OPT_LIST,   /* struct opt_list *target: every occurrence, in order */
};

/* OPT_LIST's target: v holds up to max arguments; n counts them. */
struct opt_list {
    const char **v;
    size_t n, max;
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
 * Also (for the harness's commands): a name "s|suite" gives the option the
 * short form -s as well; OPT_CHOICE's arg lists the choices ("a|b|c", shown
 * as is); a help holding "\n" goes on over more lines, indented.
 */

/*
 * Parses argv[1..] against the tables (NULL-table pairs allowed: a common
 * table and the program's own). "-h"/"--help" returns 1. Returns 0, or
 * -EINVAL with one sentence in err (unknown option, missing or bad value,
 * stray argument). Targets hold their defaults before the call.
 */
int opt_parse(int argc, char **argv, const struct opt *a, size_t na,
              const struct opt *b, size_t nb, char *err, size_t errlen);

/* Prints "usage: PROG [options]", the summary line and one line per option
 * of both tables with its help and default (an OPT_LONG whose target is
 * outside [min, max] has no default shown: the help says what unset means). */
void opt_usage(FILE *f, const char *prog, const char *summary, const struct opt *a,
               size_t na, const struct opt *b, size_t nb);

/*
 * A command with operands (the harness's subcommands): options may stand
 * anywhere (GNU order); the operands are what is left, in order.
 */
struct opt_cmd {
    const char *prog;     /* "minerlab run": the usage line and error lines */
    const char *operands; /* shown after "[options]"; NULL = none */
    int min_operands;
    int max_operands;    /* -1 = no limit */
    const char *summary; /* printed after the usage line; may hold "\n" */
    const struct opt *opts;
    size_t nopts;
};

/*
 * Parses argv[1..] against c. "-h"/"--help" prints the usage on stdout and
 * returns 1 (exit 0). A usage error (unknown option, bad value, too few or
 * too many operands) prints one line "PROG: reason (see PROG --help)" on
 * stderr and returns -EINVAL (exit OPT_EXIT_USAGE). Otherwise returns 0 with
 * the operands in argv[*first..argc).
 */
int opt_cmd_parse(const struct opt_cmd *c, int argc, char **argv, int *first);

/* Prints c's usage: "usage: PROG [options] OPERANDS", the summary, the options. */
void opt_cmd_usage(FILE *f, const struct opt_cmd *c);

#endif
