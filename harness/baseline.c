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
    if (json_is_true(json_object_get(now, "not_observable")) ||
        json_is_true(json_object_get(old, "not_observable")))
        return 0; /* not judged in one of the two runs: nothing to compare */
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
        json_is_true(json_object_get(now, "false_positive"))) {
        fprintf(out, "REGRESSION %s: new false positive on %s\n", det, scen);
        return 1;
    }
    return 0;
}

/* Detector-level regressions: newly degraded, a new off-target alert class. */
static int compare_detectors(json_t *base, json_t *current, FILE *out)
{
    int n = 0;
    size_t i, k;
    json_t *now, *old;
    json_array_foreach(json_object_get(current, "detectors"), i, now)
    {
        const char *name = jstr(now, "name");
        json_t *was = NULL;
        json_array_foreach(json_object_get(base, "detectors"), k,
                           old) if (!strcmp(jstr(old, "name"), name)) was = old;
        if (!was)
            continue;
        if (json_integer_value(json_object_get(now, "degraded")) > 0 &&
            json_integer_value(json_object_get(was, "degraded")) == 0) {
            fprintf(out, "REGRESSION %s: degraded (%s), not in the baseline\n", name,
                    jstr(now, "degraded_reason"));
            n++;
        }
        const char *cls;
        json_t *cnt, *before = json_object_get(was, "off_target_classes");
        if (!json_is_object(before))
            continue; /* a baseline from before off-target classes existed */
        json_object_foreach(json_object_get(now, "off_target_classes"), cls,
                            cnt) if (!json_object_get(before, cls))
        {
            fprintf(out, "REGRESSION %s: new off-target alert class %s (%lld alerts)\n",
                    name, cls, (long long)json_integer_value(cnt));
            n++;
        }
    }
    return n;
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
    regressions += compare_detectors(base, current, out);
    fprintf(out,
            "baseline %s: %d pairs compared, %d regression%s (TTD tolerance %.1f s)\n",
            baseline_path, compared, regressions, regressions == 1 ? "" : "s",
            ttd_tolerance_s);
    json_decref(idx);
    json_decref(base);
    return regressions;
}
