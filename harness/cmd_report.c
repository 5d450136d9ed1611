/* minerlab report DIR: re-score a run directory from its files and re-render. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

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
    int rc = cmd_score_dir(argv[optind], junit, baseline, tol, !quiet, fail_on_expect);
    if (!quiet)
        printf("report: %s/report.html\n", argv[optind]);
    return rc;
}
