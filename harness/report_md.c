/* report.md and the terminal scorecard, both rendered from report.json's document. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static const char *jpct(json_t *o, const char *k, char *buf, size_t len)
{
    json_t *v = json_object_get(o, k);
    return report_pct(json_is_number(v) ? json_number_value(v) : -1, buf, len);
}

/* A number member with one decimal and an optional unit, "-" when absent. */
static const char *jnum(json_t *o, const char *k, const char *unit, char *buf,
                        size_t len)
{
    json_t *v = json_object_get(o, k);
    if (json_is_number(v))
        snprintf(buf, len, "%.1f%s", json_number_value(v), unit);
    else
        snprintf(buf, len, "-");
    return buf;
}

static const char *jsec(json_t *o, const char *k, char *buf, size_t len)
{
    return jnum(o, k, " s", buf, len);
}

static const char *jduty(json_t *o, char *buf, size_t len)
{
    json_t *v = json_object_get(o, "lowest_duty_pct");
    if (json_is_integer(v))
        snprintf(buf, len, "%d%%", (int)json_integer_value(v));
    else
        snprintf(buf, len, "-");
    return buf;
}

/* One-line run identity: every number names the run, machine and versions. */
static void identity(FILE *f, json_t *doc, const char *prefix)
{
    json_t *run = json_object_get(doc, "run");
    json_t *mach = json_object_get(run, "machine"),
           *ver = json_object_get(run, "versions");
    fprintf(f,
            "%srun %s on %s (%s, %lld cores, kernel %s); minerlab %s, librandomx %s\n",
            prefix, report_str(run, "run_id", "?"), report_str(mach, "hostname", "?"),
            report_str(mach, "cpu_model", "?"),
            (long long)json_integer_value(json_object_get(mach, "cores")),
            report_str(mach, "kernel", "?"), report_str(ver, "minerlab", "?"),
            report_str(ver, "librandomx", "?"));
}

static long long jint(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

static const char *jrate(json_t *o, const char *k, char *buf, size_t len)
{
    return jnum(o, k, "", buf, len);
}

/* One line per detector the suite cannot fully judge, and invalid declarations. */
static void judge_notes(FILE *out, json_t *doc, const char *prefix)
{
    size_t i, ncounted = 0;
    json_t *det, *sc;
    json_array_foreach(json_object_get(doc, "scenarios"), i, sc) ncounted +=
        !strcmp(report_str(sc, "status", ""), "ran") ||
        !strcmp(report_str(sc, "status", ""), "interrupted");
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        const char *inv = report_str(det, "min_observation_invalid", NULL);
        if (inv)
            fprintf(out,
                    "%s%s: invalid min_observation_s (%s); scored as if none "
                    "declared\n",
                    prefix, report_str(det, "name", "?"), inv);
        if (jint(det, "not_observable") > 0)
            fprintf(out,
                    "%s%s: cannot judge %lld of %zu scenarios: it needs %.0f s of "
                    "observation (min_observation_s), their windows after miner start "
                    "are shorter\n",
                    prefix, report_str(det, "name", "?"), jint(det, "not_observable"),
                    ncounted,
                    json_number_value(json_object_get(det, "min_observation_s")));
    }
}

void report_scorecard(FILE *out, json_t *doc)
{
    char a[32], b[32], c[32], d[32], e[32], g[32];
    size_t i;
    json_t *det;
    fprintf(out, "\n%-22s %9s %7s %7s %9s %9s %8s %6s %6s %7s %7s %6s %7s %4s  %s\n",
            "detector", "detected", "TPR", "FPR", "precision", "med TTD", "low duty",
            "TP", "FP", "off-tgt", "off/h", "lab", "outside", "n/o", "notes");
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        char caught[32], notes[128] = "";
        snprintf(caught, sizeof(caught), "%lld/%lld", jint(det, "malicious_detected"),
                 jint(det, "malicious_ran"));
        if (json_is_true(json_object_get(det, "crashed")))
            snprintf(notes, sizeof(notes), "crashed (%s) ",
                     report_str(det, "exit", "?"));
        if (json_is_true(json_object_get(det, "hung")))
            strncat(notes, "hung ", sizeof(notes) - strlen(notes) - 1);
        if (json_integer_value(json_object_get(det, "degraded")))
            strncat(notes, "degraded ", sizeof(notes) - strlen(notes) - 1);
        if (json_integer_value(json_object_get(det, "invalid_lines")))
            strncat(notes, "invalid-lines ", sizeof(notes) - strlen(notes) - 1);
        fprintf(out,
                "%-22s %9s %7s %7s %9s %9s %8s %6lld %6lld %7lld %7s %6lld %7lld %4lld "
                " %s\n",
                report_str(det, "name", "?"), caught, jpct(det, "tpr", a, sizeof(a)),
                jpct(det, "fpr", b, sizeof(b)), jpct(det, "precision", c, sizeof(c)),
                jsec(det, "median_ttd_s", d, sizeof(d)), jduty(det, e, sizeof(e)),
                jint(det, "tp_alerts"), jint(det, "fp_alerts"),
                jint(det, "off_target_alerts"),
                jrate(det, "off_target_per_h", g, sizeof(g)), jint(det, "lab_alerts"),
                jint(det, "outside_alerts"), jint(det, "not_observable"), notes);
    }
    fputs("(TP/FP/off-tgt/lab/outside: alerts; off/h: off-target alerts per hour of "
          "run; n/o: scenarios it could not observe)\n",
          out);
    judge_notes(out, doc, "");
    const char *src = report_str(doc, "tree_source", NULL);
    if (src && strcmp(src, "proc-connector"))
        fprintf(out,
                "ground truth: process trees followed by %s (no process connector): "
                "processes shorter-lived than a second can be missing\n",
                src);
    json_t *ex = json_object_get(doc, "expectations");
    fprintf(out, "expectations: %lld pass, %lld fail, %lld skipped\n", jint(ex, "pass"),
            jint(ex, "fail"), jint(ex, "skipped"));
    identity(out, doc, "");
}

static const char *cell(json_t *idx, const char *det, json_t *scen)
{
    const char *id = report_str(scen, "id", "");
    const char *status = report_str(scen, "status", "");
    if (strcmp(status, "ran") && strcmp(status, "interrupted"))
        return status;
    json_t *r = report_result(idx, det, id);
    if (!r)
        return "?";
    if (json_is_true(json_object_get(r, "not_observable")))
        return "n/o";
    if (json_is_true(json_object_get(r, "detected")))
        return json_is_true(json_object_get(r, "false_positive")) ? "hit+FP" : "hit";
    if (json_is_true(json_object_get(r, "false_positive")))
        return "FP";
    return strcmp(report_str(scen, "label", ""), "malicious") == 0 ? "miss" : "ok";
}

static void md_matrix(FILE *f, json_t *doc)
{
    size_t i, j;
    json_t *det, *sc, *idx = report_result_index(doc);
    fputs("\n## Coverage matrix\n\n| scenario | label | duty |", f);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
        fprintf(f, " %s |", report_str(det, "name", "?"));
    fputs("\n|---|---|---|", f);
    for (i = 0; i < json_array_size(json_object_get(doc, "detectors")); i++)
        fputs("---|", f);
    fputc('\n', f);
    json_array_foreach(json_object_get(doc, "scenarios"), j, sc)
    {
        fprintf(f, "| %s | %s | %lld%% |", report_str(sc, "id", "?"),
                report_str(sc, "label", "?"),
                (long long)json_integer_value(json_object_get(sc, "duty_pct")));
        json_array_foreach(json_object_get(doc, "detectors"), i, det)
            fprintf(f, " %s |", cell(idx, report_str(det, "name", ""), sc));
        fputc('\n', f);
    }
    json_decref(idx);
}

static void md_detectors(FILE *f, json_t *doc)
{
    size_t i;
    json_t *det;
    char a[32], b[32], c[32], d[32], e[32], g[32];
    fputs(
        "\n## Scorecard\n\n| detector | detected | TPR | FPR | precision | median TTD "
        "| lowest duty caught | TP | FP | off-target (per h) | lab | outside | not "
        "observable | health |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        f);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        fprintf(f,
                "| %s | %lld/%lld | %s | %s | %s | %s | %s | %lld | %lld | %lld (%s) | "
                "%lld | %lld | %lld | %s%s%lld invalid lines, %lld degraded |\n",
                report_str(det, "name", "?"), jint(det, "malicious_detected"),
                jint(det, "malicious_ran"), jpct(det, "tpr", a, sizeof(a)),
                jpct(det, "fpr", b, sizeof(b)), jpct(det, "precision", c, sizeof(c)),
                jsec(det, "median_ttd_s", d, sizeof(d)), jduty(det, e, sizeof(e)),
                jint(det, "tp_alerts"), jint(det, "fp_alerts"),
                jint(det, "off_target_alerts"),
                jrate(det, "off_target_per_h", g, sizeof(g)), jint(det, "lab_alerts"),
                jint(det, "outside_alerts"), jint(det, "not_observable"),
                json_is_true(json_object_get(det, "crashed")) ? "CRASHED " : "",
                json_is_true(json_object_get(det, "crashed"))
                    ? report_str(det, "exit", "")
                    : "",
                jint(det, "invalid_lines"), jint(det, "degraded"));
    }
    fputc('\n', f);
    judge_notes(f, doc, "- ");
    /* Lab alerts are listed, never scored: say whose processes they named. */
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        const char *role;
        json_t *n, *oc = json_object_get(det, "off_target_classes");
        json_object_foreach(json_object_get(det, "lab_alerts_by_role"), role, n)
            fprintf(f, "- %s: %lld lab alert(s) on the %s\n",
                    report_str(det, "name", "?"), (long long)json_integer_value(n),
                    role);
        json_object_foreach(oc, role, n) fprintf(
            f, "- %s: %lld off-target alert(s) of class %s\n",
            report_str(det, "name", "?"), (long long)json_integer_value(n), role);
    }
}

/* Detection against duty, per detector and attack type: "30%: 1/2". */
static void md_duty(FILE *f, json_t *doc)
{
    size_t i, k;
    json_t *det, *pt;
    fputs("\n## Detection against duty cycle\n\n| detector | attack type | "
          "detected/ran per "
          "nominal duty | lowest duty caught |\n|---|---|---|---|\n",
          f);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        json_t *curve = json_object_get(det, "duty_curve");
        json_t *lowest = json_object_get(curve, "lowest_duty_by_type");
        const char *type = NULL;
        json_array_foreach(json_object_get(curve, "points"), k, pt)
        {
            const char *t = report_str(pt, "type", "?");
            if (!type || strcmp(type, t)) {
                if (type) {
                    json_t *lo = json_object_get(lowest, type);
                    if (json_is_integer(lo))
                        fprintf(f, " | %lld%% |\n", (long long)json_integer_value(lo));
                    else
                        fputs(" | - |\n", f);
                }
                fprintf(f, "| %s | %s |", report_str(det, "name", "?"), t);
                type = t;
            }
            fprintf(f, " %lld%%: %lld/%lld",
                    (long long)json_integer_value(json_object_get(pt, "duty_pct")),
                    (long long)json_integer_value(json_object_get(pt, "detected")),
                    (long long)json_integer_value(json_object_get(pt, "ran")));
        }
        if (type) {
            json_t *lo = json_object_get(lowest, type);
            if (json_is_integer(lo))
                fprintf(f, " | %lld%% |\n", (long long)json_integer_value(lo));
            else
                fputs(" | - |\n", f);
        }
    }
}

static void md_scenarios(FILE *f, json_t *doc)
{
    size_t i;
    json_t *sc;
    fputs(
        "\n## Scenarios\n\n| scenario | type | label | duty | status | window | pids | "
        "connections | pool logins / shares | note |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n",
        f);
    json_array_foreach(json_object_get(doc, "scenarios"), i, sc)
    {
        char win[32];
        jsec(sc, "duration_s", win, sizeof(win));
        fprintf(
            f, "| %s | %s | %s | %lld%% | %s | %s | %lld | %lld | %lld / %lld | %s |\n",
            report_str(sc, "id", "?"), report_str(sc, "type", "?"),
            report_str(sc, "label", "?"),
            (long long)json_integer_value(json_object_get(sc, "duty_pct")),
            report_str(sc, "status", "?"), win,
            (long long)json_integer_value(json_object_get(sc, "pids")),
            (long long)json_integer_value(json_object_get(sc, "connections")),
            (long long)json_integer_value(json_object_get(sc, "pool_logins")),
            (long long)json_integer_value(json_object_get(sc, "shares_accepted")),
            report_str(sc, "reason", ""));
    }
}

/* A merged run (minerlab merge): where each shard ran. */
static void md_shards(FILE *f, json_t *run)
{
    json_t *shards = json_object_get(run, "shards"), *sh;
    size_t i;
    if (!json_array_size(shards))
        return;
    fprintf(f, "\n## Shards\n\nMerged from %zu shards of plan `%s`%s.\n\n",
            json_array_size(shards),
            report_str(json_object_get(run, "plan"), "hash", "?"),
            json_is_true(json_object_get(run, "machines_differ"))
                ? "; **the shards ran on different machines or versions**"
                : "");
    fputs("| shard | run | machine | cores | kernel | minerlab | librandomx | "
          "time offset |\n|---|---|---|---|---|---|---|---|\n",
          f);
    json_array_foreach(shards, i, sh)
    {
        json_t *mach = json_object_get(sh, "machine"),
               *ver = json_object_get(sh, "versions");
        fprintf(f, "| %lld | %s | %s (%s) | %lld | %s | %s | %s | %.0f s |\n",
                (long long)json_integer_value(json_object_get(sh, "index")),
                report_str(sh, "run_id", "?"), report_str(mach, "hostname", "?"),
                report_str(mach, "cpu_model", "?"),
                (long long)json_integer_value(json_object_get(mach, "cores")),
                report_str(mach, "kernel", "?"), report_str(ver, "minerlab", "?"),
                report_str(ver, "librandomx", "?"),
                json_number_value(json_object_get(sh, "time_offset_s")));
    }
}

int report_write_md(const char *dir, json_t *doc, char *err, size_t errlen)
{
    FILE *f = report_open(dir, "report.md", err, errlen);
    if (!f)
        return -EIO;
    json_t *run = json_object_get(doc, "run");
    fprintf(f, "# minerlab report — run %s\n\n", report_str(run, "run_id", "?"));
    identity(f, doc, "");
    if (json_is_true(json_object_get(run, "interrupted")))
        fputs("\n**This run was interrupted; the report covers what ran.**\n", f);
    md_shards(f, run);
    md_detectors(f, doc);
    md_matrix(f, doc);
    md_duty(f, doc);
    md_scenarios(f, doc);
    fputs("\n## Definitions\n\n", f);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(doc, "definitions"), k, v)
        fprintf(f, "- **%s**: %s\n", k, json_string_value(v));
    fprintf(f, "\nGrace after each window: %.1f s.\n",
            json_number_value(
                json_object_get(json_object_get(run, "settings"), "grace_s")));
    return report_commit(f, dir, "report.md", err, errlen);
}
