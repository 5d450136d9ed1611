/* Detector protocol lines and the bounded line reader (flood protection). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector.h"

static enum det_line_kind classify(const char *line, char *why)
{
    json_t *o = NULL;
    enum det_line_kind k = det_classify(line, strlen(line), &o, why, 160);
    json_decref(o);
    return k;
}

static void test_classify(void **state)
{
    char why[160];
    assert_int_equal(
        classify("{\"ts\":1.5,\"detector\":\"d\",\"technique\":\"network\","
                 "\"flow\":{\"proto\":\"tcp\",\"src\":\"127.0.0.1:1\","
                 "\"dst\":\"127.0.0.1:2\"},\"score\":0.9,\"reason\":\"r\"}",
                 why),
        DL_ALERT);
    assert_int_equal(
        classify("{\"ts\":1,\"detector\":\"d\",\"technique\":\"memory\",\"pid\":4}",
                 why),
        DL_ALERT);
    assert_int_equal(classify("{\"ts\":1,\"detector\":\"d\",\"technique\":\"other\","
                              "\"degraded\":true,\"reason\":\"no root\"}",
                              why),
                     DL_DEGRADED);
    assert_int_equal(classify("{\"ts\":1,\"detector\":\"d\",\"technique\":\"other\","
                              "\"info\":{\"version\":\"yara 4.2.3\"}}",
                              why),
                     DL_INFO);
    assert_int_equal(classify("{\"ts\":1,\"detector\":\"d\",\"technique\":\"memory\","
                              "\"pid\":4,\"score\":0.2,\"observation\":true}",
                              why),
                     DL_OBSERVATION);
    assert_int_equal(classify("{\"ts\":1,\"detector\":\"d\",\"technique\":\"memory\","
                              "\"pid\":4,\"observation\":false}",
                              why),
                     DL_ALERT);
    struct {
        const char *line, *why;
    } bad[] = {
        {"garbage", "not JSON"},
        {"[1,2]", "not a JSON object"},
        {"{\"detector\":\"d\",\"technique\":\"network\"}", "ts"},
        {"{\"ts\":\"now\",\"detector\":\"d\",\"technique\":\"network\"}", "ts"},
        {"{\"ts\":1,\"technique\":\"network\"}", "detector"},
        {"{\"ts\":1,\"detector\":\"d\",\"technique\":\"cpu\"}", "technique 'cpu'"},
        {"{\"ts\":1,\"detector\":\"d\",\"technique\":\"memory\",\"pid\":-3}", "pid"},
        {"{\"ts\":1,\"detector\":\"d\",\"technique\":\"memory\",\"pid\":\"7\"}", "pid"},
        {"{\"ts\":1,\"detector\":\"d\",\"technique\":\"network\",\"flow\":{\"src\":"
         "\"x\"}}",
         "flow.src"},
        {"{\"ts\":1,\"detector\":\"d\",\"technique\":\"network\",\"score\":\"high\"}",
         "score"},
        {"{\"ts\":1,\"detector\":\"d\",\"technique\":\"network\",\"observation\":true}",
         "observation needs a numeric score"},
        {"{\"ts\":1,\"detector\":\"d\",\"technique\":\"network\",\"score\":0.1,"
         "\"observation\":1}",
         "observation must be true or false"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(classify(bad[i].line, why), DL_INVALID);
        if (!strstr(why, bad[i].why))
            fail_msg("'%s': why '%s' lacks '%s'", bad[i].line, why, bad[i].why);
    }
}

static long file_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    long n = 0;
    int c;
    while (f && (c = fgetc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

/*
 * A detector writes a 64 KiB line, 300 garbage lines, valid alerts past the
 * per-detector cap and a final alert without a newline: the reader stays
 * bounded, keeps 100 invalid lines, counts the rest and the dropped alerts.
 */
static void test_bounded_reader(void **state)
{
    char dir[] = "/tmp/test_harness_det-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    struct jsonl alerts, tl, obs;
    snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
    assert_int_equal(jsonl_open(&alerts, path), 0);
    snprintf(path, sizeof(path), "%s/observations.jsonl", dir);
    assert_int_equal(jsonl_open(&obs, path), 0);
    snprintf(path, sizeof(path), "%s/timeline.jsonl", dir);
    assert_int_equal(jsonl_open(&tl, path), 0);
    struct detector *d = calloc(1, sizeof(*d));
    d->name = strdup("flood");
    d->cmd = strdup("x");
    d->max_alerts = 5;
    snprintf(path, sizeof(path), "%s/flood.invalid", dir);
    d->invalid_f = fopen(path, "w");
    int p[2];
    assert_int_equal(pipe(p), 0);
    d->out_fd = p[0];
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    if (fork() == 0) {
        close(p[0]);
        FILE *w = fdopen(p[1], "w");
        for (int i = 0; i < 65536; i++)
            fputc('A', w);
        fputc('\n', w);
        for (int i = 0; i < 300; i++)
            fprintf(w, "garbage %d\n", i);
        for (int i = 0; i < 8; i++)
            fprintf(w, "{\"ts\":%d,\"detector\":\"f\",\"technique\":\"other\"}\n",
                    100 + i);
        for (int i = 0; i < 2; i++) /* below its threshold: not alerts */
            fprintf(w,
                    "{\"ts\":%d,\"detector\":\"f\",\"technique\":\"other\","
                    "\"score\":0.1,\"observation\":true}\n",
                    200 + i);
        fprintf(
            w, "{\"ts\":1,\"detector\":\"f\",\"technique\":\"other\",\"degraded\":true,"
               "\"reason\":\"no pcap\"}");
        fclose(w);
        _exit(0);
    }
    close(p[1]);
    struct det_sink sink = {&alerts, &tl, &obs};
    while (!detector_drain(d, &sink, 4096))
        usleep(1000);
    assert_int_equal(d->lines, 1 + 300 + 8 + 2 + 1);
    assert_int_equal(d->invalid, 301);
    assert_int_equal(d->alerts, 5);
    assert_int_equal(d->dropped, 3);
    assert_int_equal(d->observations, 2);
    fflush(d->invalid_f);
    assert_int_equal(file_lines(path), DET_INVALID_KEEP);
    detector_summary(d, &tl);
    detector_close(d);
    free(d);
    jsonl_close(&alerts);
    jsonl_close(&tl);
    jsonl_close(&obs);
    snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
    assert_int_equal(file_lines(path), 5);
    snprintf(path, sizeof(path), "%s/observations.jsonl", dir);
    assert_int_equal(file_lines(path), 2);
    snprintf(path, sizeof(path), "%s/timeline.jsonl", dir);
    assert_int_equal(file_lines(path), 2); /* degraded notice + summary */
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

/* "ready": false holds the warm-up until "ready": true or a degraded notice. */
static void test_ready(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_harness_ready-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    struct jsonl alerts, tl;
    snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
    assert_int_equal(jsonl_open(&alerts, path), 0);
    snprintf(path, sizeof(path), "%s/timeline.jsonl", dir);
    assert_int_equal(jsonl_open(&tl, path), 0);
    struct detector *d = calloc(1, sizeof(*d));
    d->name = strdup("bt");
    d->cmd = strdup("x");
    d->max_alerts = 10;
    int p[2];
    assert_int_equal(pipe(p), 0);
    d->out_fd = p[0];
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    struct det_sink sink = {&alerts, &tl, NULL};
    static const struct {
        const char *line;
        int not_ready;
    } steps[] = {
        {"{\"ts\":1,\"detector\":\"bt\",\"technique\":\"script\",\"info\":{\"v\":1}}",
         0},
        {"{\"ts\":1,\"detector\":\"bt\",\"technique\":\"script\",\"info\":{\"ready\":"
         "false}}",
         1},
        {"{\"ts\":2,\"detector\":\"bt\",\"technique\":\"script\",\"pid\":7}", 1},
        {"{\"ts\":3,\"detector\":\"bt\",\"technique\":\"script\",\"info\":{\"ready\":"
         "\"yes\"}}",
         1}, /* not a boolean: ignored */
        {"{\"ts\":4,\"detector\":\"bt\",\"technique\":\"script\",\"info\":{\"ready\":"
         "true}}",
         0},
        {"{\"ts\":5,\"detector\":\"bt\",\"technique\":\"script\",\"info\":{\"ready\":"
         "false}}",
         1},
        {"{\"ts\":6,\"detector\":\"bt\",\"technique\":\"script\",\"degraded\":true,"
         "\"reason\":\"bpftrace exited\"}",
         0},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        assert_true(write(p[1], steps[i].line, strlen(steps[i].line)) > 0);
        assert_int_equal(write(p[1], "\n", 1), 1);
        detector_drain(d, &sink, 65536);
        assert_int_equal(d->not_ready, steps[i].not_ready);
    }
    assert_int_equal(d->alerts, 1);
    close(p[1]);
    detector_close(d);
    free(d);
    jsonl_close(&alerts);
    jsonl_close(&tl);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_bounded_reader),
        cmocka_unit_test(test_ready),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
