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

#endif
