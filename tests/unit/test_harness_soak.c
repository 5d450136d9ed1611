/* report_soak: the figures of a soak (complete or partial) from soak.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soak.h"
#include "stats.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/ml-soak-ut.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {"soak.json", "report.json", "report.md",
                                        "report.html"};
    char p[128];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
        unlink(p);
    }
    return rmdir(dir);
}

static json_t *episode(int n, const char *type, int judged, int caught, double lat)
{
    json_t *d = json_pack("{s:b,s:{s:i,s:i,s:i,s:i}}", "caught", caught, "alerts", "tp",
                          caught, "fp", 0, "off_target", 0, "lab", 0);
    json_object_set_new(d, "latency_s", caught ? json_real(lat) : json_null());
    return json_pack("{s:i,s:s,s:s,s:i,s:f,s:f,s:f,s:b,s:s,s:{s:o}}", "n", n, "recipe",
                     "binary-tcp-d30", "type", type, "duty_pct", 40, "planned_s", 60.0,
                     "start", 1000.0 * n, "end", 1000.0 * n + 60, "judged", judged,
                     "status", judged ? "ran" : "failed", "detectors", "a", d);
}

static void write_soak(int complete)
{
    json_t *eps = json_array();
    json_array_append_new(eps, episode(1, "binary", 1, 1, 4.0));
    json_array_append_new(eps, episode(2, "cloud", 1, 0, 0));
    json_array_append_new(eps, episode(3, "binary", 0, 0, 0));
    json_array_append_new(eps, episode(4, "binary", 1, 1, 10.0));
    json_t *doc = json_pack(
        "{s:s,s:s,s:s,s:f,s:f,s:f,s:f,s:f,s:b,s:b,s:[s],s:{s:{s:i,s:i,s:i}},s:o}",
        "format", SOAK_FORMAT, "soak_id", "soak-x", "seed", "7", "started", 900.0,
        "updated", 4900.0, "planned_s", 7200.0, "elapsed_s", 4000.0, "quiet_s", 1800.0,
        "complete", complete, "interrupted", 0, "detectors", "a", "false_alarms", "a",
        "fp", 2, "outside", 1, "lab", 5, "episodes", eps);
    char p[128];
    snprintf(p, sizeof(p), "%s/soak.json", dir);
    assert_int_equal(json_dump_file(doc, p, 0), 0);
    json_decref(doc);
}

static json_t *load(const char *name)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    json_t *o = json_load_file(p, 0, NULL);
    assert_non_null(o);
    return o;
}

static void test_figures(void **state)
{
    (void)state;
    char err[256];
    write_soak(0);
    assert_int_equal(report_soak(dir, NULL, err, sizeof(err)), 0);
    json_t *rep = load("report.json");
    assert_true(json_is_true(json_object_get(rep, "partial")));
    json_t *a = json_object_get(json_object_get(rep, "summary"), "a");
    /* Episode 3 never ran to its end: not judged, in no denominator. */
    assert_int_equal(json_integer_value(json_object_get(a, "episodes_judged")), 3);
    assert_int_equal(json_integer_value(json_object_get(a, "episodes_caught")), 2);
    assert_float_equal(json_real_value(json_object_get(a, "caught_share")), 2.0 / 3,
                       1e-9);
    double lo, hi;
    stats_wilson(2, 3, &lo, &hi);
    json_t *ci = json_object_get(a, "caught_interval");
    assert_float_equal(json_real_value(json_array_get(ci, 0)), lo, 1e-9);
    assert_float_equal(json_real_value(json_array_get(ci, 1)), hi, 1e-9);
    assert_float_equal(json_real_value(json_object_get(a, "median_latency_s")), 7.0,
                       1e-9);
    assert_float_equal(json_real_value(json_object_get(a, "max_latency_s")), 10.0,
                       1e-9);
    /* fp + outside over the quiet half hour; lab alerts apart. */
    assert_int_equal(json_integer_value(json_object_get(a, "false_alarms")), 3);
    assert_int_equal(json_integer_value(json_object_get(a, "lab_alerts")), 5);
    assert_float_equal(
        json_real_value(json_object_get(a, "false_alarms_per_host_hour")), 6.0, 1e-9);
    json_t *bt = json_object_get(a, "by_type");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(bt, "binary"), "caught")),
        2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(bt, "cloud"), "judged")), 1);
    json_t *within = json_object_get(a, "caught_within_s");
    assert_float_equal(json_real_value(json_object_get(within, "10")), 2.0 / 3, 1e-9);
    json_decref(rep);
    char p[128], md[8192];
    snprintf(p, sizeof(p), "%s/report.md", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(md, 1, sizeof(md) - 1, f);
    md[n] = '\0';
    fclose(f);
    assert_non_null(strstr(md, "**Partial soak**"));
    assert_non_null(strstr(md, "| a | 2/3 |"));
    assert_non_null(strstr(md, "missed"));
    assert_non_null(strstr(md, "failed"));
}

static void test_complete_and_bad(void **state)
{
    (void)state;
    char err[256], p[128];
    write_soak(1);
    assert_int_equal(report_soak(dir, NULL, err, sizeof(err)), 0);
    json_t *rep = load("report.json");
    assert_true(json_is_false(json_object_get(rep, "partial")));
    json_decref(rep);
    /* Not a soak file: refused with the reason, the reports stay. */
    snprintf(p, sizeof(p), "%s/soak.json", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("{\"format\":\"minerlab-run/1\"}", f);
    fclose(f);
    assert_int_equal(report_soak(dir, NULL, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "not a minerlab-soak/1 file"));
    rep = load("report.json");
    assert_true(json_is_false(json_object_get(rep, "partial")));
    json_decref(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complete_and_bad, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
