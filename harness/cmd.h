/*
 * cmd — minerlab's subcommands, dispatched from a table (git's cmd_struct
 * pattern). Each cmd_* declares its options in a table (base/opt.h's
 * opt_cmd: help, defaults and usage errors generated from it) and returns
 * the process exit status:
 *   0 ok, 1 expectations failed (run --fail-on-expect), 2 usage or input
 *   error, 3 baseline regression, 130 interrupted by SIGINT/SIGTERM.
 */
#ifndef HX_CMD_H
#define HX_CMD_H

#include "opt.h"

#define HX_EXIT_OK 0
#define HX_EXIT_EXPECT 1
#define HX_EXIT_USAGE OPT_EXIT_USAGE /* 2, as everywhere (base/opt.h) */
#define HX_EXIT_REGRESSION 3
#define HX_EXIT_INTERRUPTED 130

int cmd_main(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_soak(int argc, char **argv);

/* Detector selection of `minerlab run`, shared with `minerlab soak`
 * (cmd_run.c): each --detector argument in args (a reference name, NAME:INPUT
 * or an external command), or every minerlab-det-* in bin when there is
 * none; at most max into det, *ndet of them filled. 0, or -errno after one
 * line on stderr (the caller frees the *ndet filled ones either way). */
struct runner_detector;
int run_select_detectors(const char *bin, const char *const *args, size_t nargs,
                         struct runner_detector *det, size_t max, size_t *ndet);

/*
 * The first line `PATH ARG` prints within 3 s with exit status 0, into out;
 * "" otherwise (a detector without the option exits 2). ARG is "--version"
 * (the tool behind a detector) or "--needs" (what a reference detector
 * needs before minerlab run starts it by default; "" = nothing).
 */
void cmd_probe_line(const char *path, const char *arg, char *out, size_t len);

/*
 * Scores the run directory dir and writes its reports (plus junit_path when
 * non-NULL); compares with baseline when non-NULL; prints the scorecard when
 * scorecard is set. Returns an exit status as above. Shared by run and report.
 */
int cmd_score_dir(const char *dir, const char *junit_path, const char *baseline,
                  double ttd_tolerance_s, int scorecard, int fail_on_expect);

#endif
