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
 * Short forms: a name "o|url" is --url and -o; "k|" is -k alone. The long
 * part is what errors, --help and opt_find() use.
 *
 * -h/--help is built in (opt_parse returns 1) unless a table has its own
 * "help" entry or short 'h'; then that entry runs like any other.
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
    OPT_INT,    /* int *target, strict, in [min, max] */
    OPT_U64,    /* uint64_t *target, strict, in [min, max] (max <= 2^62) */
    OPT_SIZE,   /* size_t *target, strict, in [min, max] */
    OPT_BUF, /* char target[max]: the argument copied; as long or longer is an error */
    OPT_COUNT,         /* int *target incremented once per use (-v -v) */
    OPT_CALLBACK,      /* struct opt_cb *target; fn gets the argument */
    OPT_CALLBACK_FLAG, /* the same for an option without argument (arg NULL) */
    OPT_GROUP,         /* not an option: help is a heading line in --help */
    OPT_CHOICE, /* int *target = index of the argument in arg ("a|b|c") */
    OPT_LIST,   /* struct opt_list *target: every occurrence, in order */
};

/* OPT_LIST's target: v holds up to max arguments; n counts them. */
struct opt_list {
    const char **v;
    size_t n, max;
};

struct opt {
    const char *name; /* long name without "--"; "o|url" adds -o */
    enum opt_kind kind;
    void *target;
    double min, max;  /* numeric kinds: range; OPT_BUF: max = sizeof(target) */
    const char *arg;  /* the argument's name in --help ("N", "FILE"); NULL = kind's */
    const char *help; /* one line; '\n' continues it on an indented line */
};

/*
 * The target of OPT_CALLBACK and OPT_CALLBACK_FLAG entries. fn returns 0 or
 * a negative code; a message it leaves in err is the error, else the parser
 * writes "bad value for --NAME: 'ARG'". dflt (may be NULL) is shown in
 * --help as the default.
 */
struct opt_cb {
    int (*fn)(void *ctx, const char *arg, char *err, size_t errlen);
    void *ctx;
    const char *dflt;
};

/*
 * Parses argv[1..] against the tables (NULL-table pairs allowed: a common
 * table and the program's own). "-h"/"--help" returns 1. Returns 0, or
 * -EINVAL (or a callback's code) with one sentence in err (unknown option,
 * missing or bad value, stray argument). Targets hold their defaults before
 * the call.
 */
int opt_parse(int argc, char **argv, const struct opt *a, size_t na,
              const struct opt *b, size_t nb, char *err, size_t errlen);

/*
 * The same for programs that take operands (INPUT files): non-option
 * arguments are allowed and, getopt having moved them to the end, start at
 * argv[*first] (*first == argc when there are none).
 */
int opt_parse_operands(int argc, char **argv, const struct opt *a, size_t na,
                       const struct opt *b, size_t nb, int *first, char *err,
                       size_t errlen);

/* The entry whose long name is `name`, or NULL (groups are skipped). */
const struct opt *opt_find(const struct opt *t, size_t n, const char *name);

/* 1 when the entry takes an argument (what a config file gives as a value,
 * not as true/false). */
int opt_takes_arg(const struct opt *o);

/*
 * Applies one entry as if given with `arg` (NULL for options without an
 * argument) — for config files that use the long names as keys, so they
 * get the same checks as the command line. 0, or a code with err set.
 */
int opt_apply(const struct opt *o, const char *arg, char *err, size_t errlen);

/*
 * For main(): opt_parse (opt_parse_operands when first is non-NULL) of one
 * table; after --help the usage on stdout and 0, after a usage error one
 * line "PROG: reason" on stderr and OPT_EXIT_USAGE; -1 when the program
 * goes on.
 */
int opt_main(int argc, char **argv, const char *prog, const char *summary,
             const struct opt *t, size_t n, int *first);

/* Prints "usage: PROG [options]", the summary line and one line per option
 * of both tables (and each group's heading) with its help and default (an
 * OPT_LONG whose target is outside [min, max] shows none: the help says what
 * unset means). A name "s|suite" gives -s too; OPT_CHOICE's arg lists the
 * choices ("a|b|c"). */
void opt_usage(FILE *f, const char *prog, const char *summary, const struct opt *a,
               size_t na, const struct opt *b, size_t nb);

/* Commands with operands (the harness): */
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
