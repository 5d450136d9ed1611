/* minerlab report DIR: re-score a run directory from its files and re-render. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "hxutil.h"
#include "soak.h"

int cmd_report(int argc, char **argv)
{
    const char *junit = NULL, *baseline = NULL;
    double tol = 10;
    int quiet = 0, fail_on_expect = 0, first;
    const struct opt opts[] = {
        {"j|junit", OPT_STRING, &junit, 0, 0, "FILE", "also copy junit.xml there"},
        {"b|baseline", OPT_STRING, &baseline, 0, 0, "FILE",
         "compare with an earlier report.json; exit 3 on a regression"},
        {"t|ttd-tolerance", OPT_DOUBLE, &tol, 0, 3600, "S",
         "TTD growth in seconds allowed by --baseline"},
        {"q|quiet", OPT_FLAG, &quiet, 0, 0, NULL, "no scorecard, no report line"},
        {"e|fail-on-expect", OPT_FLAG, &fail_on_expect, 0, 0, NULL,
         "exit 1 when a scenario expectation fails"},
    };
    const struct opt_cmd cmd = {
        "minerlab report",
        "DIR",
        1,
        1,
        "Re-scores the run directory DIR from its files and re-renders its reports.",
        opts,
        sizeof(opts) / sizeof(opts[0])};
    int rc = opt_cmd_parse(&cmd, argc, argv, &first);
    if (rc)
        return rc > 0 ? HX_EXIT_OK : HX_EXIT_USAGE;
    char soak[4200], err[1024];
    hx_fmt(soak, sizeof(soak), "%s/soak.json", argv[first]);
    if (access(soak, F_OK) == 0) { /* a soak, complete or partial (soak.h) */
        if (report_soak(argv[first], quiet ? NULL : stdout, err, sizeof(err))) {
            fprintf(stderr, "minerlab report: %s\n", err);
            return HX_EXIT_USAGE;
        }
        if (!quiet)
            printf("report: %s/report.md (also report.json, report.html)\n", argv[first]);
        return HX_EXIT_OK;
    }
    rc = cmd_score_dir(argv[first], junit, baseline, tol, !quiet, fail_on_expect);
    if (!quiet)
        printf("report: %s/report.html\n", argv[first]);
    return rc;
}
