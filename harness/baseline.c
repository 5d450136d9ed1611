#include "hxutil.h"
#include "baseline.h"

#include <errno.h>
#include <string.h>

#include "ml_util.h"
#include "report.h"

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int compare_pair(json_t *old, json_t *now, double tol, FILE *out)
{
    const char *det = jstr(old, "detector"), *scen = jstr(old, "scenario");
    if (!json_is_true(json_object_get(now, "counted")))
        return 0;
    if (json_is_true(json_object_get(old, "detected")) &&
        !json_is_true(json_object_get(now, "detected"))) {
        fprintf(out, "REGRESSION %s: missed %s (detected in the baseline)\n", det,
                scen);
        return 1;
    }
    json_t *t0 = json_object_get(old, "ttd_s"), *t1 = json_object_get(now, "ttd_s");
    if (json_is_number(t0) && json_is_number(t1) &&
        json_number_value(t1) > json_number_value(t0) + tol) {
        fprintf(out,
                "REGRESSION %s: %s time to detect %.1f s > baseline %.1f s + %.1f s\n",
                det, scen, json_number_value(t1), json_number_value(t0), tol);
        return 1;
    }
    if (!json_is_true(json_object_get(old, "false_positive")) &&
        json_is_true(json_object_get(now, "false_positive")))
        fprintf(out, "warning %s: new false positive on %s\n", det, scen);
    return 0;
}

int baseline_compare(const char *baseline_path, json_t *current, double ttd_tolerance_s,
                     FILE *out, char *err, size_t errlen)
{
    json_error_t je;
    json_t *base = json_load_file(baseline_path, 0, &je);
    if (!base)
        return ml_err(err, errlen, -EINVAL, "%s:%d: %s", baseline_path, je.line,
                      je.text);
    if (!json_is_array(json_object_get(base, "results"))) {
        json_decref(base);
        return ml_err(err, errlen, -EINVAL,
                      "%s: not a minerlab report.json (no results)", baseline_path);
    }
    json_t *idx = report_result_index(current), *old;
    size_t i;
    int regressions = 0, compared = 0;
    json_array_foreach(json_object_get(base, "results"), i, old)
    {
        if (!json_is_true(json_object_get(old, "counted")))
            continue;
        json_t *now = report_result(idx, jstr(old, "detector"), jstr(old, "scenario"));
        if (!now)
            continue;
        compared++;
        regressions += compare_pair(old, now, ttd_tolerance_s, out);
    }
    fprintf(out,
            "baseline %s: %d pairs compared, %d regression%s (TTD tolerance %.1f s)\n",
            baseline_path, compared, regressions, regressions == 1 ? "" : "s",
            ttd_tolerance_s);
    json_decref(idx);
    json_decref(base);
    return regressions;
}
