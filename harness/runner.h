/*
 * runner — orchestrates one run: lab link, mock pool, detectors, then each
 * scenario through its launcher (harness/launch/<launcher>.sh), recording
 * the ground truth (timeline.jsonl), the alerts (alerts.jsonl) and the
 * pool's events (events.jsonl) in the run directory as they happen.
 *
 * Process hygiene: every child in its own process group with PDEATHSIG, the
 * harness a child subreaper, a watchdog that kills everything if the
 * harness dies, and SIGINT/SIGTERM stopping all children within 2 s.
 * Scoring is not done here (see score.h); runner_run only records.
 *
 * Single-threaded; call once per process.
 */
#ifndef HX_RUNNER_H
#define HX_RUNNER_H

#include <jansson.h>
#include <stddef.h>

#include "scenario.h"

struct runner_detector {
    char *name; /* report name */
    char *cmd;  /* reference: executable path; external: shell command */
    int reference;
};

struct runner_config {
    const char *run_dir; /* exists, empty */
    const char *run_id;
    const char *bin_dir, *source_dir, *launch_dir, *www_dir;
    const char *pool_cmd; /* NULL = bin_dir/minerlab-pool */
    struct scenario *const *scen;
    size_t nscen;
    const struct runner_detector *det;
    size_t ndet;
    const char *suite; /* for run.json; may be NULL */
    const json_t *plan; /* run.json's "plan" (plan.h); may be NULL */
    double grace_s, gap_s, warmup_s;
    unsigned long max_alerts; /* stored per detector; more are counted */
    unsigned pool_diff;       /* fixed difficulty; 0 = vardiff (RUN_VARDIFF_*) */
    int random_ports; /* 0: pool-like ports where free, as real pools; 1: port 0 */
    int progress_tty; /* redraw one progress line */
};

/*
 * Runs everything. Returns 0 when all scenarios were handled, 1 when a
 * SIGINT/SIGTERM cut the run short (files stay consistent), or -errno with
 * the reason in err when the run could not start (run dir unwritable).
 */
int runner_run(const struct runner_config *cfg, char *err, size_t errlen);

/* Writes run.json (settings, versions, machine, detectors, scenarios). */
int runner_write_run_json(const struct runner_config *cfg, double started,
                          double finished, int interrupted, char *err, size_t errlen);

/* The pool's default: vardiff from this start toward one share per target. */
#define RUN_VARDIFF_START 2000
#define RUN_VARDIFF_TARGET_S 30

#endif
