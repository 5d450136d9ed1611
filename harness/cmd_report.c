/* minerlab report DIR: re-score a run directory from its files and re-render. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "hxutil.h"
#include "soak.h"

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"junit", required_argument, NULL, 'j'},
        {"baseline", required_argument, NULL, 'b'},
        {"ttd-tolerance", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {"fail-on-expect", no_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *junit = NULL, *baseline = NULL;
    double tol = 10;
    int quiet = 0, fail_on_expect = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:b:t:qeh", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            junit = optarg;
            break;
        case 'b':
            baseline = optarg;
            break;
        case 't':
            tol = atof(optarg);
            break;
        case 'q':
            quiet = 1;
            break;
        case 'e':
            fail_on_expect = 1;
            break;
        case 'h':
            puts("usage: minerlab report DIR [--junit FILE] [--baseline REPORT.json] "
                 "[--ttd-tolerance SEC] [--fail-on-expect] [--quiet]");
            return HX_EXIT_OK;
        default:
            return HX_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs("minerlab report: exactly one run directory expected\n", stderr);
        return HX_EXIT_USAGE;
    }
    char soak[4200], err[1024];
    hx_fmt(soak, sizeof(soak), "%s/soak.json", argv[optind]);
    if (access(soak, F_OK) == 0) { /* a soak, complete or partial (soak.h) */
        if (report_soak(argv[optind], quiet ? NULL : stdout, err, sizeof(err))) {
            fprintf(stderr, "minerlab report: %s\n", err);
            return HX_EXIT_USAGE;
        }
        if (!quiet)
            printf("report: %s/report.md (also report.json, report.html)\n",
                   argv[optind]);
        return HX_EXIT_OK;
    }
    int rc = cmd_score_dir(argv[optind], junit, baseline, tol, !quiet, fail_on_expect);
    if (!quiet)
        printf("report: %s/report.html\n", argv[optind]);
    return rc;
}
