/*
 * report — renders a scored run: report.json (sorted keys, indented),
 * junit.xml, report.md and a self-contained report.html with inline SVG,
 * plus the terminal scorecard. Everything is derived from (model, score);
 * nothing here reads the run's raw files, so `minerlab report DIR`
 * reproduces exactly what `minerlab run` wrote.
 *
 * Single-threaded. Writers return 0 or -errno with "FILE: reason" in err;
 * each file is written to a temporary name and renamed, so a full disk never
 * leaves half a report in place of a good one.
 */
#ifndef HX_REPORT_H
#define HX_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "model.h"
#include "score.h"

/*
 * report.json's format. /2 (issue 11) adds intervals, ttd_survival, measured
 * duty and thresholds, by_type, cost, roc, pooled and attack_matrix; every
 * field of /1 is kept (docs/scoring.md, "report.json").
 */
#define REPORT_FORMAT "minerlab-report/2"

/* The scoring definitions, one sentence each, as stated in every report. */
extern const char *const report_definitions[][2];

/* Builds the report.json document (new reference). NULL on ENOMEM. */
json_t *report_json_build(const struct model *m, const struct score *s);

/* Each writes one file into dir: report.json and report.md / report.html
 * from the document, junit.xml from (m, s). */
int report_write_json(const char *dir, json_t *doc, char *err, size_t errlen);
int report_write_junit(const char *dir, const struct model *m, const struct score *s,
                       char *err, size_t errlen);
int report_write_md(const char *dir, json_t *doc, char *err, size_t errlen);
int report_write_html(const char *dir, json_t *doc, char *err, size_t errlen);

/*
 * Writes all four files into dir (junit also to junit_path when non-NULL).
 * Every writer is tried even when one fails; returns the first error.
 */
int report_write_all(const char *dir, const struct model *m, const struct score *s,
                     const char *junit_path, char *err, size_t errlen);

/* Prints the per-detector scorecard table to out. */
void report_scorecard(FILE *out, json_t *doc);

/* ---- the statistics (report_stats.c), definitions in docs/scoring.md ---- */

/* Measured duties are grouped into tested duties of this width. */
#define REPORT_DUTY_BIN_PCT 5.0

/* {k, n, rate, lo, hi}: k of n with its Wilson 95 % interval (nulls when n = 0). */
json_t *report_interval(unsigned long k, unsigned long n);
/* The scenario id without its repeat suffix "~rK". */
void report_base_id(const char *id, char *out, size_t len);
/*
 * The measured duty a (detector, scenario) pair is credited at: the window's
 * measured duty; a ramp's at its first true alert (its highest slice when
 * missed). NAN when nothing was measured. p may be NULL (not detected).
 */
double report_credited_duty(const struct model_scenario *sc,
                            const struct pair_result *p);
/*
 * Per detector d: tpr_interval, fpr_interval, ttd_survival, by_type,
 * measured_duty_curve, detection_threshold_duty_pct,
 * lowest_measured_duty_caught_pct, measured_runs, unmeasured_runs, cost, roc.
 */
json_t *report_stats_detector(const struct score *s, size_t d);
/* Per detector and base scenario id (repeats pooled): k of n with interval. */
json_t *report_stats_pooled(const struct score *s);
/* The attack type x technique matrix {types, techniques, cells[]}. */
json_t *report_stats_matrix(const struct score *s);

/* ---- the report core (report_core.c), shared by every writer ---- */

/*
 * Opens dir/name.tmp for writing; report_commit() flushes, checks for write
 * errors (ENOSPC) and renames it into place. Shared by the writers.
 */
FILE *report_open(const char *dir, const char *name, char *err, size_t errlen);
int report_commit(FILE *f, const char *dir, const char *name, char *err, size_t errlen);

/*
 * Index of doc's results by "detector\tscenario" (new object, borrowed
 * values) so renderers look pairs up in O(1) instead of scanning.
 */
json_t *report_result_index(json_t *doc);
/* The result for (det, scen) from such an index, or NULL. */
json_t *report_result(json_t *index, const char *det, const char *scen);

/* String member k of o, or dflt when absent or not a string. */
const char *report_str(json_t *o, const char *k, const char *dflt);

/* Formats a ratio (-1 = "n/a") as "83.3%" into buf. */
const char *report_pct(double r, char *buf, size_t len);

/*
 * Formats an interval object ({k, n, rate, lo, hi}) as "50.0% [9.5-90.5]"
 * (with_k: "1/2 50.0% [9.5-90.5]"); "n/a" when n is 0 or iv is not one.
 */
const char *report_ci(json_t *iv, int with_k, char *buf, size_t len);

/* The issue-11 columns every scorecard shows beside TPR/FPR, as text. */
struct report_cells {
    char tpr[48], fpr[48];                /* "60.0% [23.1-88.2]" */
    char cpu_s[24], cpu_pct[24], rss[24]; /* cost, "-" when none */
    char threshold[24], lowest[24];       /* measured duties, "-" when none */
};
void report_cells(json_t *det, struct report_cells *c);

/* The attack matrix cell of (type, technique), or NULL. */
json_t *report_matrix_cell(json_t *doc, const char *type, const char *technique);
/* A detector's by_type entry for type, or NULL. */
json_t *report_by_type(json_t *det, const char *type);

/* A number member as "%.1f" followed by unit, or "-" when absent or null. */
const char *report_num(json_t *o, const char *k, const char *unit, char *buf,
                       size_t len);

#endif
