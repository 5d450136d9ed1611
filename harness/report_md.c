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

static const char *jsec(json_t *o, const char *k, char *buf, size_t len)
{
    return report_num(o, k, " s", buf, len);
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
    return report_num(o, k, "", buf, len);
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
    char c[32], d[32], g[32];
    size_t i;
    json_t *det;
    fprintf(out,
            "\n%-22s %9s %20s %20s %7s %6s %9s %9s %8s %8s %6s %6s %7s %7s %6s %7s %4s "
            " %s\n",
            "detector", "detected", "TPR [95% CI]", "FPR [95% CI]", "CPU s", "CPU%",
            "RSS MiB", "precision", "med TTD", "thr duty", "TP", "FP", "off-tgt",
            "off/h", "lab", "outside", "n/o", "notes");
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
        struct report_cells rc;
        report_cells(det, &rc);
        fprintf(
            out,
            "%-22s %9s %20s %20s %7s %6s %9s %9s %8s %8s %6lld %6lld %7lld %7s %6lld "
            "%7lld %4lld  %s\n",
            report_str(det, "name", "?"), caught, rc.tpr, rc.fpr, rc.cpu_s, rc.cpu_pct,
            rc.rss, jpct(det, "precision", c, sizeof(c)),
            jsec(det, "median_ttd_s", d, sizeof(d)), rc.threshold,
            jint(det, "tp_alerts"), jint(det, "fp_alerts"),
            jint(det, "off_target_alerts"),
            jrate(det, "off_target_per_h", g, sizeof(g)), jint(det, "lab_alerts"),
            jint(det, "outside_alerts"), jint(det, "not_observable"), notes);
    }
    fputs("(TP/FP/off-tgt/lab/outside: alerts; off/h: off-target alerts per hour of "
          "run; n/o: scenarios it could not observe; CPU%: of one core; thr duty: "
          "detection threshold duty, measured)\n"
          "(detection threshold duty: the lowest tested measured duty from which every "
          "higher tested duty is caught in at least half of its runs; TPR/FPR "
          "intervals: Wilson 95 %; all definitions in report.md)\n",
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

/* A table's head: lead (its own "| a | b |" columns), then one column per
 * entry of names (a string, or an object's member key). */
static void md_head(FILE *f, const char *lead, size_t nlead, json_t *names,
                    const char *key)
{
    size_t i;
    json_t *v;
    fputs(lead, f);
    json_array_foreach(names, i, v)
        fprintf(f, " %s |", key ? report_str(v, key, "?") : json_string_value(v));
    fputc('\n', f);
    fputc('|', f);
    for (i = 0; i < nlead + json_array_size(names); i++)
        fputs("---|", f);
    fputc('\n', f);
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
    md_head(f, "\n## Coverage matrix\n\n| scenario | label | duty |", 3,
            json_object_get(doc, "detectors"), "name");
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
    char c[32], d[32], e[32], o1[32];
    fputs("\n## Scorecard\n\n| detector | detected | TPR [95% CI] | FPR [95% CI] | "
          "CPU s | CPU % | peak RSS MiB | precision | median TTD | detection threshold "
          "duty (measured) | lowest measured duty caught | lowest nominal duty caught "
          "| TP | FP | off-target (per h) | lab | outside | not observable | health "
          "|\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---"
          "|\n",
          f);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        struct report_cells rc;
        report_cells(det, &rc);
        fprintf(f,
                "| %s | %lld/%lld | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | "
                "%lld | %lld | %lld (%s) | %lld | %lld | %lld | %s%s%lld invalid "
                "lines, %lld degraded |\n",
                report_str(det, "name", "?"), jint(det, "malicious_detected"),
                jint(det, "malicious_ran"), rc.tpr, rc.fpr, rc.cpu_s, rc.cpu_pct,
                rc.rss, jpct(det, "precision", c, sizeof(c)),
                jsec(det, "median_ttd_s", d, sizeof(d)), rc.threshold, rc.lowest,
                jduty(det, e, sizeof(e)), jint(det, "tp_alerts"),
                jint(det, "fp_alerts"), jint(det, "off_target_alerts"),
                report_num(det, "off_target_per_h", "", o1, sizeof(o1)),
                jint(det, "lab_alerts"), jint(det, "outside_alerts"),
                jint(det, "not_observable"),
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
    fputs("\n## Detection against nominal duty\n\n| detector | attack type | "
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

/* Repeats pooled under their base id: scenario rows, detector columns, k/n. */
static void md_pooled(FILE *f, json_t *doc)
{
    json_t *pooled = json_object_get(doc, "pooled"), *p, *det;
    json_t *rows = json_array(), *cells = json_object();
    size_t i, j, maxn = 0;
    char buf[64], key[512];
    json_array_foreach(pooled, i, p)
    {
        size_t n = (size_t)json_integer_value(json_object_get(p, "n"));
        const char *sc = report_str(p, "scenario", "?");
        maxn = n > maxn ? n : maxn;
        snprintf(key, sizeof(key), "%s\t%s", report_str(p, "detector", ""), sc);
        json_object_set(cells, key, p);
        if (!json_object_get(cells, sc)) {
            json_object_set_new(cells, sc, json_true());
            json_array_append(rows, p);
        }
    }
    if (maxn > 1) {
        fputs("\n## Repeats pooled\n\nEach cell: runs detected (malicious) or "
              "falsely flagged (benign) of the repeats that counted, with the Wilson "
              "95 % "
              "interval.\n\n",
              f);
        md_head(f, "| scenario | label |", 2, json_object_get(doc, "detectors"),
                "name");
        json_array_foreach(rows, j, p)
        {
            const char *sc = report_str(p, "scenario", "?");
            fprintf(f, "| %s | %s |", sc, report_str(p, "label", "?"));
            json_array_foreach(json_object_get(doc, "detectors"), i, det)
            {
                snprintf(key, sizeof(key), "%s\t%s", report_str(det, "name", ""), sc);
                json_t *c = json_object_get(cells, key);
                fprintf(f, " %s |", c ? report_ci(c, 1, buf, sizeof(buf)) : "-");
            }
            fputc('\n', f);
        }
    }
    json_decref(rows);
    json_decref(cells);
}

/* The TTD survival table: share of malicious runs detected within each cut. */
static void md_survival(FILE *f, json_t *doc)
{
    size_t i, k;
    json_t *det, *row;
    char buf[64];
    fputs("\n## Time to detect (survival)\n\nShare of the observable malicious "
          "runs detected within each time of miner start, with the Wilson 95 % "
          "interval.\n\n| detector | within 10 s | within 30 s | within 2 min | "
          "within 10 min |\n|---|---|---|---|---|\n",
          f);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        fprintf(f, "| %s |", report_str(det, "name", "?"));
        json_array_foreach(json_object_get(det, "ttd_survival"), k, row)
            fprintf(f, " %s |", report_ci(row, 1, buf, sizeof(buf)));
        fputc('\n', f);
    }
}

/* Detection against measured duty, per detector and attack type, thresholds. */
static void md_measured(FILE *f, json_t *doc)
{
    size_t i, k, p;
    json_t *det, *bt, *pt, *v;
    char buf[64], th[32], lo[32];
    fputs("\n## Detection against measured duty\n\nPer tested (measured) duty: "
          "detected/ran and the Wilson 95 % interval, with the nominal duties that "
          "ran there. Detection threshold duty and lowest measured duty caught as "
          "defined below.\n\n| detector | attack type | per measured duty "
          "(nominal) | detection threshold duty | lowest measured duty caught | "
          "unmeasured runs |\n|---|---|---|---|---|---|\n",
          f);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        json_array_foreach(json_object_get(det, "by_type"), k, bt)
        {
            const char *type = report_str(bt, "type", "?");
            fprintf(f, "| %s | %s |", report_str(det, "name", "?"), type);
            json_array_foreach(json_object_get(det, "measured_duty_curve"), p, pt)
            {
                if (strcmp(report_str(pt, "type", ""), type))
                    continue;
                fprintf(f, " %.0f%% (nominal",
                        json_number_value(json_object_get(pt, "measured_duty_pct")));
                size_t q;
                json_array_foreach(json_object_get(pt, "nominal_duty_pct"), q, v)
                    fprintf(f, "%s%lld%%", q ? "/" : " ",
                            (long long)json_integer_value(v));
                fprintf(f, "): %s;", report_ci(pt, 1, buf, sizeof(buf)));
            }
            fprintf(
                f, " | %s | %s | %lld |\n",
                report_num(bt, "detection_threshold_duty_pct", "%", th, sizeof(th)),
                report_num(bt, "lowest_measured_duty_caught_pct", "%", lo, sizeof(lo)),
                (long long)json_integer_value(json_object_get(bt, "unmeasured_runs")));
        }
    }
}

/* TPR per attack type: detector rows, type columns. */
static void md_by_type(FILE *f, json_t *doc)
{
    json_t *types = json_object_get(json_object_get(doc, "attack_matrix"), "types");
    json_t *det, *ty;
    size_t i, k;
    char buf[64];
    md_head(f, "\n## TPR per attack type\n\n| detector |", 1, types, NULL);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        fprintf(f, "| %s |", report_str(det, "name", "?"));
        json_array_foreach(types, k, ty)
        {
            json_t *bt = report_by_type(det, json_string_value(ty));
            const char *cell =
                bt ? report_ci(json_object_get(bt, "tpr"), 1, buf, sizeof(buf)) : "n/o";
            fprintf(f, " %s |", cell);
        }
        fputc('\n', f);
    }
}

/* The attack type x technique matrix, the question the project exists for. */
static void md_attack_matrix(FILE *f, json_t *doc)
{
    json_t *am = json_object_get(doc, "attack_matrix");
    json_t *techs = json_object_get(am, "techniques"), *ty, *te;
    size_t i, k;
    char buf[64];
    fputs("\n## Attack type x technique\n\nEach cell: the type's malicious runs "
          "caught by a true alert of that technique (any detector), with the Wilson "
          "95 % interval and the detectors that contributed (runs each).\n\n",
          f);
    md_head(f, "| attack type |", 1, techs, NULL);
    json_array_foreach(json_object_get(am, "types"), i, ty)
    {
        fprintf(f, "| %s |", json_string_value(ty));
        json_array_foreach(techs, k, te)
        {
            json_t *cell =
                report_matrix_cell(doc, json_string_value(ty), json_string_value(te));
            if (!cell) {
                fputs(" - |", f);
                continue;
            }
            fprintf(f, " %s", report_ci(cell, 1, buf, sizeof(buf)));
            const char *name;
            json_t *n;
            int first = 1;
            json_object_foreach(json_object_get(cell, "detectors"), name, n)
            {
                fprintf(f, "%s%s %lld", first ? " (" : ", ", name,
                        (long long)json_integer_value(n));
                first = 0;
            }
            fputs(first ? " |" : ") |", f);
        }
        fputc('\n', f);
    }
}

/* ROC points of every detector that emitted observations. */
static void md_roc(FILE *f, json_t *doc)
{
    json_t *det, *pt;
    size_t i, k;
    int any = 0;
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        json_t *roc = json_object_get(det, "roc");
        if (!json_is_object(roc))
            continue;
        if (!any++)
            fputs("\n## ROC points\n", f);
        fprintf(f,
                "\n%s: %lld observations, %lld malicious and %lld benign observable "
                "runs, %lld with a score.%s%s\n",
                report_str(det, "name", "?"), jint(roc, "observations"),
                jint(roc, "malicious_runs"), jint(roc, "benign_runs"),
                jint(roc, "scored_runs"), json_object_get(roc, "note") ? " " : "",
                report_str(roc, "note", ""));
        if (json_array_size(json_object_get(roc, "points")))
            fputs("\n| threshold | TP | FP | TPR | FPR |\n|---|---|---|---|---|\n", f);
        json_array_foreach(json_object_get(roc, "points"), k, pt)
            fprintf(f, "| %g | %lld | %lld | %.1f%% | %.1f%% |\n",
                    json_number_value(json_object_get(pt, "threshold")), jint(pt, "tp"),
                    jint(pt, "fp"), 100 * json_number_value(json_object_get(pt, "tpr")),
                    100 * json_number_value(json_object_get(pt, "fpr")));
    }
}

static void md_scenarios(FILE *f, json_t *doc)
{
    size_t i;
    json_t *sc;
    fputs(
        "\n## Scenarios\n\nCPU: the workload's measured CPU share over its window "
        "(definitions: `workload_cpu`).\n\n"
        "| scenario | type | label | duty | CPU | status | window | pids | "
        "connections | pool logins / shares | note |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n",
        f);
    json_array_foreach(json_object_get(doc, "scenarios"), i, sc)
    {
        char win[32], cpu[32];
        jsec(sc, "duration_s", win, sizeof(win));
        report_num(sc, "cpu_pct", "%", cpu, sizeof(cpu));
        fprintf(
            f, "| %s | %s | %s | %lld%% | %s | %s | %s | %lld | %lld | %lld / %lld | %s |\n",
            report_str(sc, "id", "?"), report_str(sc, "type", "?"),
            report_str(sc, "label", "?"),
            (long long)json_integer_value(json_object_get(sc, "duty_pct")), cpu,
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
    md_survival(f, doc);
    md_attack_matrix(f, doc);
    md_by_type(f, doc);
    md_measured(f, doc);
    md_duty(f, doc);
    md_roc(f, doc);
    md_matrix(f, doc);
    md_pooled(f, doc);
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
