/* Scoring a finished run directory: shared by `minerlab run` and
 * `minerlab report`, kept out of cmd.c so the subcommands do not call back
 * into the dispatcher. */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "model.h"
#include "report.h"
#include "score.h"

int cmd_score_dir(const char *dir, const char *junit_path, const char *baseline,
                  double ttd_tolerance_s, int scorecard, int fail_on_expect)
{
    char err[1024] = "";
    struct model *m = NULL;
    struct score *s = NULL;
    json_t *doc = NULL;
    int status = HX_EXIT_USAGE;
    if (score_load_dir(dir, &m, &s, err, sizeof(err))) {
        fprintf(stderr, "minerlab: cannot score %s: %s\n", dir,
                err[0] ? err : "out of memory");
        goto out;
    }
    status = HX_EXIT_OK;
    if (report_write_all(dir, m, s, junit_path, err, sizeof(err))) {
        fprintf(stderr, "minerlab: report: %s\n", err);
        status = HX_EXIT_USAGE;
    }
    doc = report_json_build(m, s);
    if (scorecard && doc)
        report_scorecard(stdout, doc);
    if (fail_on_expect && doc &&
        json_integer_value(
            json_object_get(json_object_get(doc, "expectations"), "fail")))
        status = status ? status : HX_EXIT_EXPECT;
    if (baseline && doc) {
        int rc =
            baseline_compare(baseline, doc, ttd_tolerance_s, stdout, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "minerlab: baseline: %s\n", err);
            status = HX_EXIT_USAGE;
        } else if (rc > 0) {
            status = HX_EXIT_REGRESSION;
        }
    }
out:
    json_decref(doc);
    score_free(s);
    model_free(m);
    return status;
}
