/*
 * baseline — compares a report document with an earlier report.json.
 *
 * A detector regresses when a (detector, scenario) pair that was detected in
 * the baseline and counted in both runs is now missed, or when its time to
 * detect grew by more than ttd_tolerance_s seconds. New false positives are
 * printed as warnings but are not regressions.
 */
#ifndef HX_BASELINE_H
#define HX_BASELINE_H

#include <jansson.h>
#include <stdio.h>

/*
 * Prints one line per finding to out. Returns the number of regressions
 * (0 = none), or -errno with the reason in err when the baseline cannot be
 * read or is not a minerlab report.
 */
int baseline_compare(const char *baseline_path, json_t *current, double ttd_tolerance_s,
                     FILE *out, char *err, size_t errlen);

#endif
