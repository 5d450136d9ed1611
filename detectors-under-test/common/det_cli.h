/*
 * det_cli — the command line and main loop every host detector shares:
 * common options, option tables, det_main (SIGTERM/SIGINT handling, one tick
 * every interval) and a monotonic clock for tick arithmetic.
 */
#ifndef DET_CLI_H
#define DET_CLI_H

#include <stddef.h>

#include "ml_util.h"
#include "opt.h"

/* Monotonic seconds (for tick arithmetic). */
double det_mono_s(void);

/*
 * Options every host detector shares: --proc-root DIR, --interval-ms N,
 * --once, --cooldown-s N, --iface IFACE and --home-net CIDR (accepted,
 * ignored: the harness gives them to every reference detector). det_parse_args
 * handles them next to each detector's own options.
 */
struct det_common_opts {
    const char *proc_root; /* default "/proc" */
    long interval_ms;      /* default set by the detector */
    int once;              /* one tick, then exit */
    double cooldown_s;     /* re-alert the same (pid, rule) after this; default 600 */
};
void det_common_defaults(struct det_common_opts *o, long interval_ms);
/* One detector-specific option for det_parse_args. */
enum det_opt_kind { DET_OPT_DOUBLE, DET_OPT_FLAG, DET_OPT_STRING };
struct det_opt {
    const char *name;       /* long option name without "--" */
    enum det_opt_kind kind; /* DOUBLE: double *target in [min, max];
                               FLAG: int *target set to 1; STRING: const char ** */
    void *target;
    double min, max;
};
/*
 * Parses the common options plus opts (at most 32), an option table in
 * base/opt.h's style (each entry with its help; the default shown is the
 * target's value before the call). 0, or -EINVAL with a sentence in err; for
 * --help, an unknown option or a stray argument the usage generated from
 * the tables follows it. det_main exits OPT_EXIT_USAGE (2) then.
 */
int det_parse_opts(int argc, char **argv, struct det_common_opts *common,
                   const struct opt *opts, size_t nopts, char *err, size_t errlen);
/*
 * The common options as an option table for detectors with their own main
 * loop: --proc-root, --interval-ms, --once, --cooldown-s and --iface (into
 * *iface; NULL: accepted and ignored). Returns DET_COMMON_NOPTS.
 */
#define DET_COMMON_NOPTS 6
size_t det_common_opt_table(struct det_common_opts *common, const char **iface,
                            struct opt out[DET_COMMON_NOPTS]);
/*
 * Parses argv against the tables a and b (either may be empty) for a
 * detector with its own main(): --help prints the usage generated from the
 * tables (summary under its first line) on stdout and exits 0; a usage
 * error prints "PROG: why" and the usage on stderr and exits
 * OPT_EXIT_USAGE (2). Returns only when argv parsed.
 */
void det_cli_parse(int argc, char **argv, const char *summary, const struct opt *a,
                   size_t na, const struct opt *b, size_t nb);
/* Prints "TOOL (minerlab VERSION)" for --version: the third-party tool the
 * detector drives, then minerlab's own version. */
void det_print_version(const char *tool);

/*
 * The older table without help texts, kept for detectors not yet converted:
 * the same as det_parse_opts with empty help lines. usage is not read (the
 * text is generated).
 */
int det_parse_args(int argc, char **argv, struct det_common_opts *common,
                   const struct det_opt *opts, size_t nopts, const char *usage,
                   char *err, size_t errlen);

/*
 * What a detector's thin main() hands to det_main: create parses argv and
 * returns the state (NULL with err on bad usage or no memory) and points
 * *common at its common options; tick is one scan (negative -ENOMEM/-EIO
 * end the loop); destroy frees the state.
 */
struct det_program {
    const char *name; /* "minerlab-det-cpu-threshold", for messages */
    void *(*create)(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen);
    int (*tick)(void *state);
    void (*destroy)(void *state);
};
/* Runs a detector until SIGTERM/SIGINT; returns the process exit code. */
int det_main(const struct det_program *p, int argc, char **argv);

/* Strict double parse: base/ml_util's, under the name detectors used. */
#define det_parse_double ml_parse_double

#endif
