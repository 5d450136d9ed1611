/* Reports: JUnit shape and counts, report.json content, HTML charts, baselines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
    /* Sorted keys: "definitions" comes before "detectors" in the text. */
    assert_true(strstr(j, "\"definitions\"") < strstr(j, "\"detectors\""));
    json_decref(doc);
    const char *h = slurp("report.html");
    assert_int_equal(count(h, "<svg "), 3);
    assert_int_equal(count(h, "</svg>"), 3);
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
