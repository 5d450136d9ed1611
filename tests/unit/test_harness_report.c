/* Reports: JUnit shape and counts, report.json content, HTML charts, baselines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "model.h"
#include "report.h"
#include "score.h"

static char dir[] = "/tmp/test_harness_rep-XXXXXX";

static struct model *build(void)
{
    struct model *m = model_new(10);
    struct model_scenario *s = model_add_scenario(m, "mal-<30>", "binary", 1, 30);
    s->status = ST_RAN, s->start = 1000, s->end = 1020;
    model_add_pid(s, 100);
    model_add_expect(s, "det&1", 1);
    model_add_expect(s, "det2", 1);
    s = model_add_scenario(m, "benign", "benign", 0, 100);
    s->status = ST_RAN, s->start = 1030, s->end = 1040;
    model_add_pid(s, 200);
    model_add_expect(s, "det&1", 0);
    s = model_add_scenario(m, "skipped", "cloud", 1, 100);
    s->status = ST_SKIPPED;
    s->reason = strdup("needs root");
    model_add_expect(s, "det2", 1);
    model_detector(m, "det&1");
    model_detector(m, "det2");
    model_finish(m);
    return m;
}

static char *slurp(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static int attr(const char *tag_start, const char *name)
{
    char key[64];
    snprintf(key, sizeof(key), " %s=\"", name);
    const char *p = strstr(tag_start, key);
    assert_non_null(p);
    return atoi(p + strlen(key));
}

static void score_and_write(int detect_second, json_t **doc_out)
{
    struct model *m = build();
    struct score *s = score_new(m);
    struct score_alert a1 = {.detector = "det&1", .ts = 1005, .pid = 100};
    struct score_alert a2 = {.detector = "det2", .ts = 1006};
    score_add_alert(s, &a1);
    if (detect_second)
        score_add_alert(s, &a2);
    assert_int_equal(score_finish(s), 0);
    char err[256];
    assert_int_equal(report_write_all(dir, m, s, NULL, err, sizeof(err)), 0);
    if (doc_out)
        *doc_out = report_json_build(m, s);
    score_free(s);
    model_free(m);
}

static void test_junit_shape(void **state)
{
    score_and_write(0, NULL);
    const char *x = slurp("junit.xml");
    assert_true(strncmp(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ",
                        50) == 0);
    const char *root = strstr(x, "<testsuites");
    /* det&1: mal pass, benign pass; det2: mal fail, skipped skipped. */
    assert_int_equal(attr(root, "tests"), 4);
    assert_int_equal(attr(root, "failures"), 1);
    assert_int_equal(attr(root, "skipped"), 1);
    assert_int_equal(count(x, "<testsuite "), 2);
    assert_int_equal(count(x, "<testcase "), 4);
    assert_int_equal(count(x, "</testcase>"), 4);
    assert_int_equal(count(x, "<failure "), 1);
    assert_int_equal(count(x, "<skipped "), 1);
    assert_non_null(strstr(x, "name=\"minerlab.det&amp;1\""));
    assert_non_null(strstr(x, "name=\"mal-&lt;30&gt;\""));
    assert_non_null(strstr(x, "needs root"));
    const char *s2 = strstr(x, "name=\"minerlab.det2\"");
    assert_non_null(s2);
    assert_int_equal(attr(s2, "failures"), 1);
    assert_int_equal(count(x, "<testsuite ") + 1, count(x, "testsuite>") + 1);
}

static void test_json_md_html(void **state)
{
    score_and_write(1, NULL);
    const char *j = slurp("report.json");
    json_error_t je;
    json_t *doc = json_loads(j, 0, &je);
    assert_non_null(doc);
    json_t *d0 = json_array_get(json_object_get(doc, "detectors"), 0);
    assert_string_equal(json_string_value(json_object_get(d0, "name")), "det&1");
    assert_true(json_number_value(json_object_get(d0, "tpr")) == 1.0);
    assert_true(json_number_value(json_object_get(d0, "fpr")) == 0.0);
    assert_non_null(
        json_object_get(json_object_get(doc, "definitions"), "true_positive"));
    /* Sorted keys: "definitions" comes before "detectors" at the top level. */
    assert_non_null(strstr(j, "\n  \"detectors\""));
    assert_true(strstr(j, "\n  \"definitions\"") < strstr(j, "\n  \"detectors\""));
    json_decref(doc);
    const char *h = slurp("report.html");
    /* rates, nominal duty, coverage, TTD; nothing was measured, so the measured
     * charts (all types, binary) say so instead of drawing empty axes. */
    assert_int_equal(count(h, "<svg "), 4);
    assert_int_equal(count(h, "</svg>"), 4);
    assert_int_equal(count(h, "<p>No measured duty for these runs"), 2);
    assert_null(strstr(h, "<script"));
    assert_non_null(strstr(h, "<h2>Scenarios</h2>"));
    assert_non_null(strstr(h, "mal-&lt;30&gt;")); /* ids are escaped everywhere */
    assert_null(strstr(h, "mal-<30>"));
    assert_null(strstr(h, "http://") == NULL ? NULL : strstr(h, "src=\"http"));
    const char *md = slurp("report.md");
    assert_non_null(strstr(md, "## Scorecard"));
    assert_non_null(strstr(md, "| det2 | 1/1 |"));
    assert_non_null(strstr(md, "| det2 | binary | 30%: 1/1 | 30% |"));
    assert_non_null(strstr(md, "needs root"));
}

static void test_baseline(void **state)
{
    char base[300], err[256];
    json_t *doc = NULL;
    score_and_write(1, NULL); /* baseline: both detectors catch the miner */
    snprintf(base, sizeof(base), "%s/base.json", dir);
    char src[300];
    snprintf(src, sizeof(src), "%s/report.json", dir);
    assert_int_equal(rename(src, base), 0);
    score_and_write(1, &doc);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(baseline_compare(base, doc, 10, devnull, err, sizeof(err)), 0);
    json_decref(doc);
    score_and_write(0, &doc); /* planted regression: det2 now misses */
    assert_int_equal(baseline_compare(base, doc, 10, devnull, err, sizeof(err)), 1);
    assert_true(
        baseline_compare("/nonexistent.json", doc, 10, devnull, err, sizeof(err)) < 0);
    json_decref(doc);
    /* A new false positive, a new off-target class, newly degraded: each one
     * is a regression like a new miss. */
    score_and_write(1, &doc);
    size_t i;
    json_t *r, *d0 = json_array_get(json_object_get(doc, "detectors"), 0);
    json_array_foreach(
        json_object_get(doc, "results"), i,
        r) if (!strcmp(json_string_value(json_object_get(r, "scenario")), "benign"))
        json_object_set_new(r, "false_positive", json_true());
    assert_int_equal(baseline_compare(base, doc, 10, devnull, err, sizeof(err)), 2);
    json_object_set_new(json_object_get(d0, "off_target_classes"), "memory/pid",
                        json_integer(3));
    json_object_set_new(d0, "degraded", json_integer(1));
    assert_int_equal(baseline_compare(base, doc, 10, devnull, err, sizeof(err)), 4);
    fclose(devnull);
    json_decref(doc);
}

/* ---- issue 11: a recorded run directory re-rendered like `minerlab report DIR` ----
 */

/* Wilson 95 % interval written out here, apart from stats.c. */
static void wilson(double k, double n, double *lo, double *hi)
{
    const double z = 1.959963984540054, p = k / n;
    double c = (p + z * z / (2 * n)) / (1 + z * z / n);
    double h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
    *lo = k == 0 ? 0 : c - h;
    *hi = k == n ? 1 : c + h;
}

static double r3(double v)
{
    return round(v * 1000) / 1000;
}

/* The fixture's runs: id, type, label, nominal duty, miner pid, window start,
 * measured window duty (-1: none, a ramp has slices). */
static const struct fx {
    const char *id, *type;
    int mal, duty, pid;
    double start, measured;
} fx[] = {
    {"mal~r1", "binary", 1, 50, 101, 1000, 48.7},
    {"mal~r2", "binary", 1, 50, 102, 1100, 51.2},
    {"mal~r3", "binary", 1, 50, 103, 1200, 49.9},
    {"low", "binary", 1, 10, 104, 1300, 9.0},
    {"ramp", "browser", 1, 10, 500, 1400, -1},
    {"ben~r1", "benign", 0, 0, 601, 1500, -1},
    {"ben~r2", "benign", 0, 0, 602, 1600, -1},
};
#define NFX (sizeof(fx) / sizeof(fx[0]))
/* The ramp's 5-s slices, measured. */
static const double ramp_slice[4] = {10, 40, 80, 100};

/* One alert or observation line: detector, recv_ts, pid, technique, score (<0: none).
 */
struct fa {
    const char *det;
    double recv;
    int pid;
    const char *tech;
    double score;
};
static const struct fa alerts[] = {
    {"cpu", 1005, 101, "system-metrics", 0.9},  /* mal~r1, ttd 5 */
    {"cpu", 1301, 104, "system-metrics", 0.8},  /* low, ttd 1 */
    {"cpu", 1412, 500, "system-metrics", 0.95}, /* ramp in its 80 % slice, ttd 12 */
    {"cpu", 1505, 601, "system-metrics", 0.75}, /* benign: a false positive */
    {"net", 1002, 101, "network", -1},          /* mal~r1 */
    {"net", 1419, 500, "network", -1},          /* ramp in its 100 % slice */
};
static const struct fa observations[] = {
    {"cpu", 1210, 103, "system-metrics", 0.4}, /* mal~r3, below the threshold */
    {"cpu", 1610, 602, "system-metrics", 0.3}, /* ben~r2 */
    {"cpu", 1010, 101, "system-metrics", 0.5}, /* mal~r1: its alert's 0.9 stays */
};

static void write_lines(const char *name, const struct fa *a, size_t n)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f,
                "{\"detector\":\"%s\",\"detector_name\":\"%s\",\"pid\":%d,"
                "\"recv_ts\":%.1f,\"technique\":\"%s\",\"ts\":%.1f",
                a[i].det, a[i].det, a[i].pid, a[i].recv, a[i].tech, a[i].recv);
        if (a[i].score >= 0)
            fprintf(f, ",\"score\":%g", a[i].score);
        fputs("}\n", f);
    }
    fclose(f);
}

static void write_rundir(void)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/run.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"run_id\":\"t11\",\"started\":990,\"finished\":1700,\"settings\":"
          "{\"grace_s\":5},\"detectors\":[{\"name\":\"cpu\"},{\"name\":\"net\"}],"
          "\"scenarios\":[",
          f);
    for (size_t i = 0; i < NFX; i++)
        fprintf(f,
                "%s{\"id\":\"%s\",\"type\":\"%s\",\"label\":\"%s\",\"duty_pct\":%d%s}",
                i ? "," : "", fx[i].id, fx[i].type, fx[i].mal ? "malicious" : "benign",
                fx[i].duty, strcmp(fx[i].id, "ramp") ? "" : ",\"ramp\":{\"to\":100}");
    fputs("]}\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/timeline.jsonl", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < NFX; i++) {
        fprintf(f, "{\"event\":\"scenario_start\",\"scenario\":\"%s\",\"ts\":%.1f}\n",
                fx[i].id, fx[i].start);
        fprintf(f,
                "{\"event\":\"pid\",\"scenario\":\"%s\",\"pid\":%d,\"ppid\":1,"
                "\"role\":\"%s\",\"ts\":%.1f}\n",
                fx[i].id, fx[i].pid, fx[i].mal ? "miner" : "workload", fx[i].start);
        if (fx[i].measured >= 0)
            fprintf(f,
                    "{\"event\":\"duty_window\",\"scenario\":\"%s\",\"pid\":%d,"
                    "\"pct\":%g,\"nominal_pct\":%d,\"ts\":%.1f}\n",
                    fx[i].id, fx[i].pid, fx[i].measured, fx[i].duty, fx[i].start + 20);
        for (int k = 0; !strcmp(fx[i].id, "ramp") && k < 4; k++)
            fprintf(f,
                    "{\"event\":\"duty_measured\",\"scenario\":\"ramp\",\"pid\":500,"
                    "\"slice_start\":%.1f,\"slice_end\":%.1f,\"pct\":%g,\"ts\":%.1f}\n",
                    fx[i].start + 5 * k, fx[i].start + 5 * k + 5, ramp_slice[k],
                    fx[i].start + 5 * k + 5);
        fprintf(f,
                "{\"event\":\"scenario_end\",\"scenario\":\"%s\",\"status\":\"ran\","
                "\"ts\":%.1f}\n",
                fx[i].id, fx[i].start + 20);
    }
    fputs("{\"event\":\"detector_cost\",\"detector\":\"cpu\",\"cpu_s\":3.5,\"wall_s\":"
          "100,"
          "\"peak_rss_mib\":12.25,\"ts\":1700}\n",
          f);
    fclose(f);
    write_lines("alerts.jsonl", alerts, sizeof(alerts) / sizeof(alerts[0]));
    write_lines("observations.jsonl", observations,
                sizeof(observations) / sizeof(observations[0]));
}

static json_t *det_named(json_t *doc, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(
        json_object_get(doc, "detectors"), i,
        d) if (!strcmp(json_string_value(json_object_get(d, "name")), name)) return d;
    fail_msg("no detector %s", name);
    return NULL;
}

/* An interval object {k, n, rate, lo, hi} against k of n, from the test's own Wilson.
 */
static void assert_interval(json_t *iv, int k, int n)
{
    double lo, hi;
    wilson(k, n, &lo, &hi);
    assert_int_equal(json_integer_value(json_object_get(iv, "k")), k);
    assert_int_equal(json_integer_value(json_object_get(iv, "n")), n);
    assert_float_equal(json_number_value(json_object_get(iv, "rate")),
                       r3((double)k / n), 1e-9);
    assert_float_equal(json_number_value(json_object_get(iv, "lo")), r3(lo), 1e-9);
    assert_float_equal(json_number_value(json_object_get(iv, "hi")), r3(hi), 1e-9);
}

/* "k/n 40.0% [11.8-76.9]" as report_ci() writes it, from the test's own numbers. */
static const char *ci_text(int k, int n, char *buf, size_t len)
{
    double lo, hi;
    wilson(k, n, &lo, &hi);
    snprintf(buf, len, "%d/%d %.1f%% [%.1f-%.1f]", k, n, 100.0 * k / n, r3(lo) * 100,
             r3(hi) * 100);
    return buf;
}

static void test_issue11_rundir(void **state)
{
    struct model *m = NULL;
    struct score *s = NULL;
    char err[256], buf[128];
    write_rundir();
    assert_int_equal(score_load_dir(dir, &m, &s, err, sizeof(err)), 0);
    assert_int_equal(report_write_all(dir, m, s, NULL, err, sizeof(err)), 0);
    score_free(s);
    model_free(m);
    json_error_t je;
    json_t *doc = json_loads(slurp("report.json"), 0, &je);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "format")),
                        "minerlab-report/2");
    json_t *cpu = det_named(doc, "cpu"), *net = det_named(doc, "net");
    /* cpu caught mal~r1, low and the ramp of the 5 malicious runs, flagged ben~r1. */
    assert_interval(json_object_get(cpu, "tpr_interval"), 3, 5);
    assert_interval(json_object_get(cpu, "fpr_interval"), 1, 2);
    assert_interval(json_object_get(net, "tpr_interval"), 2, 5);
    assert_interval(json_object_get(net, "fpr_interval"), 0, 2);
    assert_true(json_number_value(json_object_get(cpu, "tpr")) == 0.6); /* /1 kept */
    /* Survival: cpu's TTDs are 5, 1 and 12 s of 5 runs. */
    const double ttd[] = {5, 1, 12};
    json_t *sv = json_object_get(cpu, "ttd_survival");
    assert_int_equal(json_array_size(sv), 4);
    const double cuts[] = {10, 30, 120, 600};
    for (size_t c = 0; c < 4; c++) {
        int within = 0;
        for (size_t k = 0; k < 3; k++)
            within += ttd[k] <= cuts[c];
        json_t *row = json_array_get(sv, c);
        assert_float_equal(json_number_value(json_object_get(row, "within_s")), cuts[c],
                           0);
        assert_interval(row, within, 5);
    }
    /* Measured duty: binary runs 48.7 (hit), 51.2, 49.9 (missed), 9.0 (hit): the
     * 50-% bin is caught 1 of 3, below half, so no threshold; one lucky catch at
     * 9 % is the lowest measured duty caught. */
    json_t *bt = NULL, *v;
    size_t i;
    json_array_foreach(
        json_object_get(cpu, "by_type"), i,
        v) if (!strcmp(json_string_value(json_object_get(v, "type")), "binary")) bt = v;
    assert_non_null(bt);
    assert_true(json_is_null(json_object_get(bt, "detection_threshold_duty_pct")));
    assert_float_equal(
        json_number_value(json_object_get(bt, "lowest_measured_duty_caught_pct")), 9.0,
        1e-9);
    assert_interval(json_object_get(bt, "tpr"), 2, 4);
    /* The ramp is credited at its slice of first detection: cpu at 1412 (80 %),
     * net at 1419 (100 %), not its nominal starting 10 %. */
    json_t *r;
    int seen = 0;
    json_array_foreach(json_object_get(doc, "results"), i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "scenario")), "ramp"))
            continue;
        const char *d = json_string_value(json_object_get(r, "detector"));
        assert_float_equal(json_number_value(json_object_get(r, "credited_duty_pct")),
                           ramp_slice[!strcmp(d, "cpu") ? 2 : 3], 1e-9);
        seen++;
    }
    assert_int_equal(seen, 2);
    json_array_foreach(json_object_get(cpu, "by_type"), i,
                       v) if (!strcmp(json_string_value(json_object_get(v, "type")),
                                      "browser")) bt = v;
    assert_float_equal(
        json_number_value(json_object_get(bt, "detection_threshold_duty_pct")), 80,
        1e-9);
    /* The measured curve: binary at 10 % (1/1, nominal 10) and 50 % (1/3, nominal 50).
     */
    int pts = 0;
    json_array_foreach(json_object_get(cpu, "measured_duty_curve"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "type")), "binary"))
            continue;
        double d = json_number_value(json_object_get(v, "measured_duty_pct"));
        assert_true(d == 10 || d == 50);
        assert_interval(v, d == 10 ? 1 : 1, d == 10 ? 1 : 3);
        assert_int_equal(json_integer_value(
                             json_array_get(json_object_get(v, "nominal_duty_pct"), 0)),
                         d == 10 ? 10 : 50);
        pts++;
    }
    assert_int_equal(pts, 2);
    /* Cost from detector_cost; none recorded for net. */
    json_t *cost = json_object_get(cpu, "cost");
    assert_float_equal(json_number_value(json_object_get(cost, "cpu_s")), 3.5, 1e-9);
    assert_float_equal(json_number_value(json_object_get(cost, "cpu_pct")), 3.5, 1e-9);
    assert_float_equal(json_number_value(json_object_get(cost, "peak_rss_mib")), 12.25,
                       1e-9);
    assert_true(json_is_null(json_object_get(net, "cost")));
    /* ROC of cpu: each run's highest score of alerts + observations. */
    const struct {
        double score;
        int mal;
    } runs[] = {{0.9, 1}, {-1, 1}, {0.4, 1}, {0.8, 1}, {0.95, 1}, {0.75, 0}, {0.3, 0}};
    json_t *roc = json_object_get(cpu, "roc");
    assert_int_equal(json_integer_value(json_object_get(roc, "observations")), 3);
    json_t *rp = json_object_get(roc, "points");
    assert_int_equal(json_array_size(rp), 6);
    double prev = 2;
    json_array_foreach(rp, i, v)
    {
        double th = json_number_value(json_object_get(v, "threshold"));
        int tp = 0, fp = 0;
        for (size_t k = 0; k < 7; k++)
            if (runs[k].score >= th) {
                tp += runs[k].mal;
                fp += !runs[k].mal;
            }
        assert_true(th < prev);
        prev = th;
        assert_int_equal(json_integer_value(json_object_get(v, "tp")), tp);
        assert_int_equal(json_integer_value(json_object_get(v, "fp")), fp);
        assert_float_equal(json_number_value(json_object_get(v, "tpr")), r3(tp / 5.0),
                           1e-9);
        assert_float_equal(json_number_value(json_object_get(v, "fpr")), r3(fp / 2.0),
                           1e-9);
    }
    assert_true(json_is_null(json_object_get(net, "roc"))); /* no observations */
    /* Repeats pooled under the base id. */
    int pooled = 0;
    json_array_foreach(json_object_get(doc, "pooled"), i, v)
    {
        const char *d = json_string_value(json_object_get(v, "detector"));
        const char *sc = json_string_value(json_object_get(v, "scenario"));
        if (!strcmp(d, "cpu") && !strcmp(sc, "mal"))
            assert_interval(v, 1, 3), pooled++;
        if (!strcmp(d, "cpu") && !strcmp(sc, "ben"))
            assert_interval(v, 1, 2), pooled++;
        assert_null(strstr(sc, "~r"));
    }
    assert_int_equal(pooled, 2);
    /* The attack type x technique matrix: binary has 4 runs; system-metrics
     * caught mal~r1 and low (cpu), network caught mal~r1 (net). */
    json_t *am = json_object_get(doc, "attack_matrix");
    int cells = 0;
    json_array_foreach(json_object_get(am, "cells"), i, v)
    {
        const char *ty = json_string_value(json_object_get(v, "type"));
        const char *te = json_string_value(json_object_get(v, "technique"));
        json_t *by = json_object_get(v, "detectors");
        if (!strcmp(ty, "binary") && !strcmp(te, "system-metrics")) {
            assert_interval(v, 2, 4);
            assert_int_equal(json_integer_value(json_object_get(by, "cpu")), 2);
            assert_null(json_object_get(by, "net"));
            cells++;
        } else if (!strcmp(ty, "binary") && !strcmp(te, "network")) {
            assert_interval(v, 1, 4);
            assert_int_equal(json_integer_value(json_object_get(by, "net")), 1);
            cells++;
        } else if (!strcmp(ty, "binary") && !strcmp(te, "memory")) {
            assert_interval(v, 0, 4);
            assert_int_equal(json_object_size(by), 0);
            cells++;
        } else if (!strcmp(ty, "browser") && !strcmp(te, "any")) {
            assert_interval(v, 1, 1);
            assert_int_equal(json_object_size(by), 2);
            cells++;
        }
        assert_string_not_equal(ty, "benign");
    }
    assert_int_equal(cells, 4);
    /* Every definition the reports promise. */
    const char *defs[] = {"detection_threshold_duty",
                          "lowest_measured_duty_caught",
                          "credited_duty",
                          "interval",
                          "ttd_survival",
                          "attack_matrix",
                          "cost",
                          "roc"};
    for (size_t k = 0; k < sizeof(defs) / sizeof(defs[0]); k++)
        assert_non_null(json_object_get(json_object_get(doc, "definitions"), defs[k]));

    /* report.md: the matrix row, the pooled cell, the survival and the scorecard. */
    const char *md = slurp("report.md");
    char line[512], c1[64], c2[64], c3[64];
    snprintf(line, sizeof(line), "| binary | %s (cpu 2) | %s (net 1) | %s |",
             ci_text(2, 4, c1, sizeof(c1)), ci_text(1, 4, c2, sizeof(c2)),
             ci_text(0, 4, c3, sizeof(c3)));
    assert_non_null(strstr(md, "## Attack type x technique"));
    assert_non_null(strstr(md, line));
    snprintf(line, sizeof(line), "| mal | malicious | %s |",
             ci_text(1, 3, c1, sizeof(c1)));
    assert_non_null(strstr(md, line));
    snprintf(line, sizeof(line), "| cpu | %s | %s |", ci_text(2, 5, c1, sizeof(c1)),
             ci_text(3, 5, c2, sizeof(c2)));
    assert_non_null(strstr(md, line)); /* survival: within 10 s, within 30 s */
    snprintf(buf, sizeof(buf), "| cpu | 3/5 | %s |",
             ci_text(3, 5, c1, sizeof(c1)) + strlen("3/5 "));
    assert_non_null(strstr(md, buf));
    assert_non_null(strstr(md, "| 3.5 | 3.5% | 12.2 |")); /* cost beside the rates */
    assert_non_null(strstr(md, "**detection_threshold_duty**: "));
    assert_non_null(strstr(md, "## ROC points"));

    /* report.html: whiskers where the rates chart says, the per-type charts, ROC. */
    const char *h = slurp("report.html");
    double lo, hi;
    wilson(3, 5, &lo, &hi);
    snprintf(line, sizeof(line),
             "<g class=\"whisker\" stroke=\"#000\"><line x1=\"%.1f\" y1=\"%.1f\" "
             "x2=\"%.1f\"",
             170 + 440 * r3(lo), 30.0 + 3 + 5, 170 + 440 * r3(hi));
    assert_non_null(strstr(h, line));
    assert_true(count(h, "class=\"whisker\"") >= 4 + 3);
    assert_non_null(strstr(h, "Detection rate against measured duty: binary"));
    assert_non_null(strstr(h, "Detection rate against measured duty: browser"));
    assert_int_equal(count(h, "<polyline class=\"roc\""), 1);
    assert_int_equal(count(h, "<svg "), count(h, "</svg>"));
    assert_null(strstr(h, "<script"));
    /* JUnit carries the interval as suite properties. */
    const char *x = slurp("junit.xml");
    snprintf(line, sizeof(line), "<property name=\"tpr_lo\" value=\"%.4g\"/>", lo);
    assert_non_null(strstr(x, line));
    json_decref(doc);
}

static int setup(void **state)
{
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_junit_shape),
        cmocka_unit_test(test_json_md_html),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_issue11_rundir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
