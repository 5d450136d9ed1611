/* Scoring rules (docs/scoring.md) on hand-built timelines and alerts. */
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

#include "alert_scan.h"
#include "model.h"
#include "score.h"

/*
 * Timeline (grace 10 s):
 *   A malicious binary 30 %  [1000, 1020]  pids 100,101  conn 127.0.0.1:5000<->:3333
 * miner 1001 B benign                 [1023, 1043]  pid 200 C malicious binary 10 %
 * [1050, 1070]  pid 300 D malicious, skipped E malicious cloud 100 %  [2000, 2010]  pid
 * 500 F benign                 [2011, 2012]  pid 600     (E and F graces overlap after
 * 2012)
 */
static struct model *build(void)
{
    struct model *m = model_new(10);
    struct model_scenario *s = model_add_scenario(m, "a", "binary", 1, 30);
    s->status = ST_RAN, s->start = 1000, s->end = 1020, s->miner_start = 1001;
    model_add_pid(s, 101);
    model_add_pid(s, 100);
    model_add_conn(s, "127.0.0.1:5000", "127.0.0.1:3333");
    model_add_expect(s, "d1", 1);
    model_add_expect(s, "d2", 1);
    s = model_add_scenario(m, "b", "benign", 0, 100);
    s->status = ST_RAN, s->start = 1023, s->end = 1043;
    model_add_pid(s, 200);
    model_add_expect(s, "d1", 0);
    s = model_add_scenario(m, "c", "binary", 1, 10);
    s->status = ST_RAN, s->start = 1050, s->end = 1070;
    model_add_pid(s, 300);
    s = model_add_scenario(m, "d", "binary", 1, 70);
    s->status = ST_SKIPPED;
    model_add_expect(s, "d1", 1);
    s = model_add_scenario(m, "e", "cloud", 1, 100);
    s->status = ST_RAN, s->start = 2000, s->end = 2010;
    model_add_pid(s, 500);
    s = model_add_scenario(m, "f", "benign", 0, 100);
    s->status = ST_RAN, s->start = 2011, s->end = 2012;
    model_add_pid(s, 600);
    model_detector(m, "d1");
    model_detector(m, "d2");
    model_finish(m);
    return m;
}

static enum alert_verdict add(struct score *s, const char *det, double ts, int pid,
                              const char *src, const char *dst)
{
    struct score_alert a = {
        .detector = det, .ts = ts, .pid = pid, .src = src, .dst = dst};
    return score_add_alert(s, &a);
}

static const struct pair_result *pair(struct score *s, size_t det, const char *id)
{
    for (size_t i = 0; i < s->m->nscen; i++)
        if (!strcmp(s->m->scen[i].id, id))
            return score_pair(s, det, i);
    return NULL;
}

static void test_before_start_is_outside(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    assert_int_equal(add(s, "d1", 999.9, 100, NULL, NULL), AV_OUTSIDE);
    assert_int_equal(add(s, "d1", 999.9, 0, NULL, NULL), AV_OUTSIDE);
    assert_int_equal(pair(s, 0, "a")->tp_alerts, 0);
    score_free(s);
    model_free(m);
}

static void test_grace_edges(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    /* Inside the grace of C (nothing runs after it): true positive. */
    assert_int_equal(add(s, "d1", 1079.9, 300, NULL, NULL), AV_TP);
    /* After end + grace: outside every window. */
    assert_int_equal(add(s, "d1", 1080.1, 300, NULL, NULL), AV_OUTSIDE);
    assert_int_equal(add(s, "d1", 1080.1, 0, NULL, NULL), AV_OUTSIDE);
    assert_int_equal(pair(s, 0, "c")->tp_alerts, 1);
    /* A's pid after A's end + grace, during B: names no workload there. */
    assert_int_equal(add(s, "d2", 1030.5, 100, NULL, NULL), AV_OFF_TARGET);
    assert_int_equal(pair(s, 1, "b")->off_alerts, 1);
    assert_int_equal(pair(s, 1, "a")->tp_alerts, 0);
    score_free(s);
    model_free(m);
}

static void test_pid_and_flow_match(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    assert_int_equal(add(s, "d1", 1005, 101, NULL, NULL), AV_TP);
    /* Flow given the other way round still matches. */
    assert_int_equal(add(s, "d2", 1006, 0, "127.0.0.1:3333", "127.0.0.1:5000"), AV_TP);
    /* A flow that is not the scenario's: names no workload, a false alarm. */
    assert_int_equal(add(s, "d2", 1007, 0, "127.0.0.1:5001", "127.0.0.1:3333"),
                     AV_OFF_TARGET);
    /* A pid alert for A inside A's grace while B already runs: still A's. */
    assert_int_equal(add(s, "d2", 1025, 100, NULL, NULL), AV_TP);
    assert_int_equal(pair(s, 1, "a")->tp_alerts, 2);
    assert_int_equal(pair(s, 1, "b")->fp_alerts, 0);
    score_free(s);
    model_free(m);
}

static void test_host_level(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    /* Only A runs: a host-level alert is A's. */
    assert_int_equal(add(s, "d1", 1010, 0, NULL, NULL), AV_TP);
    /* A's grace overlaps B's window: B is the one running, so it is B's (FP). */
    assert_int_equal(add(s, "d2", 1025, 0, NULL, NULL), AV_FP);
    assert_int_equal(pair(s, 1, "a")->tp_alerts, 0);
    assert_int_equal(pair(s, 1, "b")->fp_alerts, 1);
    /* In the gap between A and B only A's grace is open: A's. */
    assert_int_equal(add(s, "d2", 1021.5, 0, NULL, NULL), AV_TP);
    /* After F ends both E's and F's graces are open and nothing runs: the
     * one that started last (F) takes it; no alert is left unbucketed. */
    assert_int_equal(add(s, "d2", 2013, 0, NULL, NULL), AV_FP);
    assert_int_equal(pair(s, 1, "e")->tp_alerts, 0);
    assert_int_equal(pair(s, 1, "f")->fp_alerts, 1);
    /* A pid still disambiguates there. */
    assert_int_equal(add(s, "d2", 2013, 500, NULL, NULL), AV_TP);
    score_free(s);
    model_free(m);
}

static void test_benign_fp_and_rates(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    add(s, "d1", 1003, 100, NULL, NULL); /* A detected, TTD 2 s */
    add(s, "d1", 1030, 200, NULL, NULL); /* B false positive by pid */
    add(s, "d1", 2004, 500, NULL, NULL); /* E detected, TTD 4 s */
    assert_int_equal(score_finish(s), 0);
    const struct det_result *r = &s->det[0];
    assert_int_equal(r->mal_ran, 3); /* a, c, e; d was skipped */
    assert_int_equal(r->mal_detected, 2);
    assert_int_equal(r->ben_ran, 2);
    assert_int_equal(r->ben_flagged, 1);
    assert_true(fabs(r->tpr - 2.0 / 3) < 1e-9);
    assert_true(fabs(r->fpr - 0.5) < 1e-9);
    assert_true(fabs(r->precision - 2.0 / 3) < 1e-9);
    assert_true(fabs(r->median_ttd_s - 3.0) < 1e-9);
    assert_true(fabs(pair(s, 0, "a")->ttd_s - 2.0) < 1e-9);
    /* d2 saw nothing: rates defined, precision and TTD undefined. */
    assert_true(s->det[1].tpr == 0 && s->det[1].precision < 0 &&
                s->det[1].median_ttd_s < 0);
    score_free(s);
    model_free(m);
}

static void test_dedup_and_ttd_origin(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    for (int i = 0; i < 50; i++)
        add(s, "d1", 1015 - i * 0.1, 100, NULL, NULL); /* out of order on purpose */
    /* Alert before the miner started (launcher flagged): TTD floors at 0. */
    add(s, "d2", 1000.5, 0, NULL, NULL);
    score_finish(s);
    const struct pair_result *p = pair(s, 0, "a");
    assert_int_equal(p->tp_alerts, 50);
    assert_true(fabs(p->first_tp_ts - 1010.1) < 1e-6);
    assert_true(fabs(p->ttd_s - 9.1) < 1e-6);    /* from miner_start 1001 */
    assert_int_equal(s->det[0].mal_detected, 1); /* one scenario, counted once */
    assert_int_equal(s->det[0].tp_pairs, 1);
    assert_true(pair(s, 1, "a")->ttd_s == 0);
    score_free(s);
    model_free(m);
}

static void test_duty_curve(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    add(s, "d1", 1005, 100, NULL, NULL); /* binary 30 % caught */
    add(s, "d1", 2005, 500, NULL, NULL); /* cloud 100 % caught; binary 10 % missed */
    score_finish(s);
    const struct det_result *r = &s->det[0];
    assert_int_equal(r->lowest_duty_pct, 30);
    assert_int_equal(r->ncurve, 3);
    /* Sorted by type then duty: binary 10, binary 30, cloud 100. */
    assert_string_equal(r->curve[0].type, "binary");
    assert_int_equal(r->curve[0].duty_pct, 10);
    assert_int_equal(r->curve[0].detected, 0);
    assert_int_equal(r->curve[1].duty_pct, 30);
    assert_int_equal(r->curve[1].detected, 1);
    assert_string_equal(r->curve[2].type, "cloud");
    assert_int_equal(s->det[1].lowest_duty_pct, -1);
    score_free(s);
    model_free(m);
}

static void test_expectations(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    add(s, "d1", 1005, 100, NULL, NULL);
    score_finish(s);
    assert_string_equal(score_expect_outcome(s, 0, 0), "pass"); /* a: detect, caught */
    assert_string_equal(score_expect_outcome(s, 1, 0), "fail"); /* a: d2 missed */
    assert_string_equal(score_expect_outcome(s, 0, 1), "pass"); /* b: miss, quiet */
    assert_string_equal(score_expect_outcome(s, 0, 3), "skipped");
    assert_null(score_expect_outcome(s, 0, 2));
    score_free(s);
    model_free(m);
}

static void test_unknown_detector(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    assert_int_equal(add(s, "nobody", 1005, 100, NULL, NULL), AV_UNKNOWN);
    assert_int_equal(s->unknown_alerts, 1);
    score_free(s);
    model_free(m);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The same rules through the files a run writes, including a torn last line. */
static void test_rundir_roundtrip(void **state)
{
    char dir[] = "/tmp/test_harness_score-XXXXXX", path[256], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/run.json", dir);
    write_file(
        path,
        "{\"run_id\":\"t\",\"settings\":{\"grace_s\":5},"
        "\"detectors\":[{\"name\":\"d1\",\"cmd\":\"x\"}],"
        "\"scenarios\":[{\"id\":\"a\",\"type\":\"binary\",\"label\":\"malicious\","
        "\"duty_pct\":30,\"expect\":{\"d1\":\"detect\"}},"
        "{\"id\":\"b\",\"type\":\"benign\",\"label\":\"benign\",\"duty_pct\":100}]}");
    snprintf(path, sizeof(path), "%s/timeline.jsonl", dir);
    write_file(path,
               "{\"ts\":100,\"event\":\"scenario_start\",\"scenario\":\"a\"}\n"
               "{\"ts\":100.5,\"event\":\"pid\",\"scenario\":\"a\",\"pid\":42}\n"
               "{\"ts\":101,\"event\":\"miner_start\",\"scenario\":\"a\",\"pid\":42}\n"
               "{\"ts\":101.5,\"event\":\"conn\",\"scenario\":\"a\",\"src\":\"127.0.0."
               "1:6000\","
               "\"dst\":\"127.0.0.1:3333\"}\n"
               "{\"ts\":120,\"event\":\"scenario_end\",\"scenario\":\"a\",\"status\":"
               "\"ran\"}\n"
               "{\"ts\":130,\"event\":\"scenario_start\",\"scenario\":\"b\"}\n"
               "{\"ts\":140,\"event\":\"pid\",\"scenario\":\"b\",\"pid\":77}\n"
               "{\"ts\":145,\"event\":\"scenario_e");
    snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
    write_file(path,
               "{\"ts\":110,\"detector\":\"x\",\"detector_name\":\"d1\",\"technique\":"
               "\"network\","
               "\"flow\":{\"src\":\"127.0.0.1:6000\",\"dst\":\"127.0.0.1:3333\"}}\n"
               "{\"ts\":141,\"detector\":\"x\",\"detector_name\":\"d1\",\"technique\":"
               "\"memory\","
               "\"pid\":77}\n"
               "not json\n");
    struct model *m = NULL;
    assert_int_equal(rundir_load(dir, &m, err, sizeof(err)), 0);
    assert_true(m->grace_s == 5);
    struct model_scenario *b = model_find_scenario(m, "b");
    assert_int_equal(b->status, ST_INTERRUPTED); /* torn scenario_end */
    assert_true(b->end == 140);                  /* closes at the last record */
    struct score *s = score_new(m);
    assert_int_equal(score_read_alerts(s, dir, err, sizeof(err)), 0);
    assert_int_equal(score_finish(s), 0);
    assert_int_equal(s->det[0].mal_detected, 1);
    assert_true(fabs(score_pair(s, 0, 0)->ttd_s - 9) < 1e-9);
    assert_int_equal(s->det[0].ben_flagged, 1);
    assert_int_equal(s->det[0].alerts, 2);
    score_free(s);
    model_free(m);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* The fast alert scanner agrees with jansson, or declines and lets jansson decide. */
static void test_alert_scan(void **state)
{
    struct alert_fields f;
    const char *ok =
        "{\"detector\":\"own\",\"detector_name\":\"d1\",\"flow\":{\"dst\":"
        "\"127.0.0.1:3333\",\"proto\":\"tcp\",\"src\":\"127.0.0.1:5000\"},"
        "\"info\":{\"ts\":1,\"pid\":9,\"x\":[{\"a\":\"}\\\"\"}]},\"pid\":101,"
        "\"reason\":\"caf\\u00e9 \\\"q\\\" }\",\"score\":0.9,\"ts\":1005.25}";
    assert_int_equal(alert_scan(ok, strlen(ok), &f), 0);
    assert_string_equal(f.detector, "d1");
    assert_int_equal(f.pid, 101);
    assert_true(f.ts == 1005.25);
    assert_string_equal(f.src, "127.0.0.1:5000");
    assert_string_equal(f.dst, "127.0.0.1:3333");
    const char *plain =
        "{\"ts\":7,\"detector\":\"raw\",\"pid\":null,\"technique\":\"other\"}";
    assert_int_equal(alert_scan(plain, strlen(plain), &f), 0);
    assert_string_equal(f.detector, "raw");
    assert_int_equal(f.pid, 0);
    assert_string_equal(f.src, "");
    const char *decline[] = {
        "{\"ts\":1,\"detector_name\":\"d\\u0031\"}", /* escape in a needed string */
        "{\"ts\":1,\"detector_name\":\"d1\",\"pid\":1.5}",
        "{\"ts\":1,\"detector_name\":\"d1\",\"flow\":{\"src\":\"a:1\"}}",
        "{\"detector_name\":\"d1\"}",
        "{\"ts\":1,\"detector_name\":\"d1\"",
        "{\"ts\":1,\"detector_name\":\"d1\"} trailing",
        "[1]",
    };
    for (size_t i = 0; i < sizeof(decline) / sizeof(decline[0]); i++)
        if (alert_scan(decline[i], strlen(decline[i]), &f) == 0)
            fail_msg("accepted: %s", decline[i]);
}

static void rm_rf(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A detector that backdates ts by 60 s gets the TTD of one that does not. */
static void test_backdated_ts(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    struct score_alert honest = {
        .detector = "d1", .ts = 1005, .pid = 100, .recv_ts = 1005.2};
    struct score_alert liar = {
        .detector = "d2", .ts = 945, .pid = 100, .recv_ts = 1005.2};
    assert_int_equal(score_add_alert(s, &honest), AV_TP);
    /* Its own ts lies before the window: the harness's clock still decides. */
    assert_int_equal(score_add_alert(s, &liar), AV_TP);
    assert_int_equal(score_finish(s), 0);
    assert_true(fabs(pair(s, 0, "a")->ttd_s - 4.2) < 1e-9);
    assert_true(pair(s, 1, "a")->ttd_s == pair(s, 0, "a")->ttd_s);
    score_free(s);
    model_free(m);
}

/* Pids are reused (pid_max 32768 wraps within an hour of a soak): a lab
 * pid that a process outside the lab took later is no longer the lab's from
 * then on, and one that another lab process took has that one's role. */
static void test_lab_pid_reused(void **state)
{
    struct model *m = model_new(10);
    struct model_scenario *sc = model_add_scenario(m, "a", "benign", 0, 100);
    sc->status = ST_RAN, sc->start = 1000, sc->end = 1020;
    model_add_lab(m, 60, "detector-child", 900);
    model_add_lab(m, 60, NULL, 1005); /* a host process got pid 60 */
    model_add_lab(m, 62, "harness-helper", 900);
    model_add_lab(m, 62, "detector-child", 1008);
    model_add_lab(m, 63, "background", 1003); /* learnt after its first alert */
    model_detector(m, "d");
    model_finish(m);
    assert_string_equal(model_lab_role(m, NULL, 60, 1001), "detector-child");
    assert_null(model_lab_role(m, NULL, 60, 1010));
    assert_string_equal(model_lab_role(m, NULL, 62, 950), "harness-helper");
    assert_string_equal(model_lab_role(m, NULL, 62, 1007.5), "detector-child"); /* 1-s slack */
    assert_string_equal(model_lab_role(m, NULL, 62, 1015), "detector-child");
    assert_string_equal(model_lab_role(m, NULL, 63, 1000), "background");
    assert_null(model_lab_role(m, NULL, 64, 1000));
    struct score *s = score_new(m);
    struct score_alert a = {.detector = "d", .pid = 60, .ts = 1001, .technique = "memory"};
    assert_int_equal(score_count_alert(s, &a), AV_LAB);
    a.ts = 1010; /* the host process that reused the pid: a false alarm on the host */
    assert_int_equal(score_count_alert(s, &a), AV_OFF_TARGET);
    assert_int_equal(score_finish(s), 0);
    score_free(s);
    model_free(m);
    (void)state;
}

/* Lab processes and foreign processes are their own buckets. */
static void test_lab_and_off_target(void **state)
{
    struct model *m = model_new(10);
    struct model_scenario *sc = model_add_scenario(m, "a", "binary", 1, 100);
    sc->status = ST_RAN, sc->start = 1000, sc->end = 1020;
    model_add_proc(sc, 50, 1, "launcher");
    model_add_proc(sc, 51, 50, "fork");  /* a launcher helper (sleep) */
    model_add_proc(sc, 52, 50, "fork");  /* seen first as a fork ... */
    model_add_proc(sc, 52, 50, "miner"); /* ... then announced */
    model_add_proc(sc, 53, 52, "fork");  /* the miner's child */
    model_add_lab(m, 7, "pool", 0);
    model_detector(m, "d");
    model_finish(m);
    assert_true(model_has_pid(sc, 52) && model_has_pid(sc, 53));
    assert_false(model_has_pid(sc, 50) || model_has_pid(sc, 51));
    struct score *s = score_new(m);
    struct score_alert a = {.detector = "d", .ts = 1001, .technique = "memory"};
    int pids[] = {52, 53, 50, 51, 7, 999};
    enum alert_verdict want[] = {AV_TP, AV_TP, AV_LAB, AV_LAB, AV_LAB, AV_OFF_TARGET};
    for (size_t i = 0; i < 6; i++) {
        a.pid = pids[i];
        assert_int_equal(score_count_alert(s, &a), want[i]);
    }
    a.pid = 7, a.ts = 5000; /* the pool outside every window: still lab */
    assert_int_equal(score_count_alert(s, &a), AV_LAB);
    a.pid = 999; /* a foreign pid outside every window */
    assert_int_equal(score_count_alert(s, &a), AV_OUTSIDE);
    assert_int_equal(score_finish(s), 0);
    const struct det_result *r = &s->det[0];
    assert_int_equal(r->alerts, 8);
    assert_int_equal(r->tp_alerts + r->fp_alerts + r->off_target + r->lab + r->outside,
                     r->alerts);
    assert_int_equal(r->lab, 4);
    assert_int_equal(r->off_target, 1);
    assert_int_equal(r->noff_classes, 1);
    assert_string_equal(r->off_classes[0].key, "memory/pid");
    /* The off-target window is a false pair in precision. */
    assert_true(fabs(r->precision - 0.5) < 1e-9);
    score_free(s);
    model_free(m);
}

struct rec_scen {
    const char *id;
    int malicious, has_socket;
    int base; /* pids base..base+3: launcher, workload, its child, helper */
};

/*
 * A recorded run: run.json + timeline.jsonl as the runner writes them, for
 * two malicious and three benign scenarios (one benign with no socket, one
 * skipped), lab processes, and a host process and flow of no workload.
 */
static void write_recorded_run(const char *dir, const struct rec_scen *sc, size_t n,
                               double t0, const char *info)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/run.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"run_id\":\"rec\",\"started\":%.1f,\"finished\":%.1f,"
            "\"settings\":{\"grace_s\":5},\"detectors\":[{\"name\":\"all\"}],"
            "\"scenarios\":[",
            t0, t0 + 30.0 * (double)n + 10);
    for (size_t i = 0; i < n; i++)
        fprintf(f,
                "%s{\"id\":\"%s\",\"type\":\"%s\",\"label\":\"%s\",\"duty_pct\":100}",
                i ? "," : "", sc[i].id, sc[i].malicious ? "binary" : "benign",
                sc[i].malicious ? "malicious" : "benign");
    fputs("]}\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/timeline.jsonl", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"ts\":%.1f,\"event\":\"tree_source\",\"source\":\"proc-connector\"}\n",
            t0);
    const char *lab[][2] = {
        {"10", "harness"}, {"11", "watchdog"}, {"12", "pool"}, {"13", "detector"}};
    for (size_t i = 0; i < 4; i++)
        fprintf(f, "{\"ts\":%.1f,\"event\":\"lab_pid\",\"pid\":%s,\"role\":\"%s\"}\n",
                t0, lab[i][0], lab[i][1]);
    if (info)
        fprintf(f,
                "{\"ts\":%.1f,\"event\":\"detector_info\",\"detector\":\"all\","
                "\"info\":%s}\n",
                t0, info);
    for (size_t i = 0; i < n; i++) {
        double st = t0 + 5 + 30.0 * (double)i;
        int b = sc[i].base;
        if (!sc[i].base) {
            fprintf(f,
                    "{\"ts\":%.1f,\"event\":\"scenario_end\",\"scenario\":\"%s\","
                    "\"status\":\"skipped\",\"reason\":\"x\"}\n",
                    st, sc[i].id);
            continue;
        }
        fprintf(f, "{\"ts\":%.1f,\"event\":\"scenario_start\",\"scenario\":\"%s\"}\n",
                st, sc[i].id);
        fprintf(f,
                "{\"ts\":%.1f,\"event\":\"pid\",\"scenario\":\"%s\",\"pid\":%d,"
                "\"ppid\":10,\"role\":\"launcher\"}\n",
                st, sc[i].id, b);
        fprintf(f,
                "{\"ts\":%.1f,\"event\":\"pid\",\"scenario\":\"%s\",\"pid\":%d,"
                "\"ppid\":%d,\"role\":\"fork\"}\n",
                st + 0.1, sc[i].id, b + 1, b);
        fprintf(f,
                "{\"ts\":%.1f,\"event\":\"pid\",\"scenario\":\"%s\",\"pid\":%d,"
                "\"role\":\"%s\"}\n",
                st + 0.2, sc[i].id, b + 1, sc[i].malicious ? "miner" : "workload");
        if (sc[i].malicious)
            fprintf(f,
                    "{\"ts\":%.1f,\"event\":\"miner_start\",\"scenario\":\"%s\","
                    "\"pid\":%d}\n",
                    st + 0.2, sc[i].id, b + 1);
        fprintf(f,
                "{\"ts\":%.1f,\"event\":\"pid\",\"scenario\":\"%s\",\"pid\":%d,"
                "\"ppid\":%d,\"role\":\"fork\"}\n",
                st + 0.3, sc[i].id, b + 2, b + 1);
        fprintf(f,
                "{\"ts\":%.1f,\"event\":\"pid\",\"scenario\":\"%s\",\"pid\":%d,"
                "\"ppid\":%d,\"role\":\"fork\"}\n",
                st + 0.4, sc[i].id, b + 3, b);
        if (sc[i].has_socket)
            fprintf(f,
                    "{\"ts\":%.1f,\"event\":\"conn\",\"scenario\":\"%s\",\"src\":"
                    "\"127.0.0.1:%d\",\"dst\":\"127.0.0.1:%d\",\"proto\":\"tcp\","
                    "\"via\":\"socket\"}\n",
                    st + 1, sc[i].id, 40000 + b, 3000 + b);
        fprintf(f,
                "{\"ts\":%.1f,\"event\":\"scenario_end\",\"scenario\":\"%s\","
                "\"status\":\"ran\"}\n",
                st + 20, sc[i].id);
    }
    fclose(f);
}

/*
 * The "alert on everything" detector: once a second, every pid it can see
 * (workloads, launchers, their helpers, the lab, a host process) and every
 * flow (the scenarios' and a host flow). recv_ts is when it was read.
 */
static void write_everything_alerts(const char *dir, const struct rec_scen *sc,
                                    size_t n, double t0, double t1)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (double t = t0; t < t1; t += 1) {
        int host[] = {1, 10, 11, 12, 13, 4242};
        for (size_t k = 0; k < 6; k++)
            fprintf(f,
                    "{\"detector\":\"x\",\"detector_name\":\"all\",\"pid\":%d,"
                    "\"recv_ts\":%.2f,\"technique\":\"memory\",\"ts\":%.1f}\n",
                    host[k], t + 0.05, t);
        fprintf(f,
                "{\"detector\":\"x\",\"detector_name\":\"all\",\"flow\":{\"dst\":"
                "\"127.0.0.1:22\",\"src\":\"127.0.0.1:50000\"},\"recv_ts\":%.2f,"
                "\"technique\":\"network\",\"ts\":%.1f}\n",
                t + 0.05, t);
        for (size_t i = 0; i < n; i++) {
            for (int p = sc[i].base; sc[i].base && p < sc[i].base + 4; p++)
                fprintf(f,
                        "{\"detector\":\"x\",\"detector_name\":\"all\",\"pid\":%d,"
                        "\"recv_ts\":%.2f,\"technique\":\"memory\",\"ts\":%.1f}\n",
                        p, t + 0.05, t);
            if (sc[i].has_socket)
                fprintf(f,
                        "{\"detector\":\"x\",\"detector_name\":\"all\",\"flow\":{"
                        "\"dst\":\"127.0.0.1:%d\",\"src\":\"127.0.0.1:%d\"},"
                        "\"recv_ts\":%.2f,\"technique\":\"network\",\"ts\":%.1f}\n",
                        3000 + sc[i].base, 40000 + sc[i].base, t + 0.05, t);
        }
    }
    fclose(f);
}

static void test_alert_on_everything(void **state)
{
    char dir[] = "/tmp/test_harness_score-XXXXXX", err[256];
    assert_non_null(mkdtemp(dir));
    const struct rec_scen sc[] = {
        {"mal-a", 1, 1, 100},   {"ben-net", 0, 1, 200},   {"mal-b", 1, 1, 300},
        {"ben-cpu", 0, 0, 400}, {"ben-skipped", 0, 0, 0},
    };
    size_t n = sizeof(sc) / sizeof(sc[0]);
    double t0 = 1000;
    write_recorded_run(dir, sc, n, t0, NULL);
    write_everything_alerts(dir, sc, n, t0, t0 + 30.0 * (double)n + 10);
    struct model *m = NULL;
    assert_int_equal(rundir_load(dir, &m, err, sizeof(err)), 0);
    assert_string_equal(m->tree_source, "proc-connector");
    struct score *s = score_new(m);
    assert_int_equal(score_read_alerts(s, dir, err, sizeof(err)), 0);
    assert_int_equal(score_finish(s), 0);
    const struct det_result *r = &s->det[0];
    /* Every benign workload that ran has a process or a socket: all flagged. */
    assert_int_equal(r->ben_ran, 2);
    assert_int_equal(r->ben_flagged, 2);
    assert_true(r->fpr == 1.0);
    assert_true(r->tpr == 1.0);
    /* The network part alone flags benign-net's flow: a false positive too. */
    assert_true(pair(s, 0, "ben-net")->fp_alerts > 0);
    /* Host processes and flows inside windows are off-target, counted. */
    assert_true(r->off_target > 0 && r->off_target_per_h > 0);
    assert_true(r->lab > 0);
    assert_int_equal(r->tp_alerts + r->fp_alerts + r->off_target + r->lab + r->outside,
                     r->alerts);
    /* Precision no better than the share of malicious pairs (2 of 4). */
    assert_true(r->precision <= 2.0 / 4 + 1e-12);
    score_free(s);
    model_free(m);
    rm_rf(dir);
}

/* min_observation_s 60 in 20-s windows: not observable, never "missed". */
static void test_not_observable(void **state)
{
    const struct rec_scen sc[] = {{"mal-a", 1, 1, 100}, {"ben", 0, 1, 200}};
    const struct {
        const char *info;
        double min_obs;
        int invalid;
    } cases[] = {
        {"{\"min_observation_s\":60}", 60, 0},
        {"{\"min_observation_s\":10}", 10, 0},
        {"{\"min_observation_s\":-5}", -1, 1},
        {"{\"min_observation_s\":\"sixty\"}", -1, 1},
        {"{\"min_observation_s\":90000}", -1, 1},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char dir[] = "/tmp/test_harness_score-XXXXXX", err[256];
        assert_non_null(mkdtemp(dir));
        write_recorded_run(dir, sc, 2, 1000, cases[c].info);
        struct model *m = NULL;
        assert_int_equal(rundir_load(dir, &m, err, sizeof(err)), 0);
        assert_true(m->det[0].min_obs_s == cases[c].min_obs);
        assert_int_equal(m->det[0].min_obs_invalid != NULL, cases[c].invalid);
        struct score *s = score_new(m);
        assert_int_equal(score_finish(s), 0); /* no alerts at all */
        const struct det_result *r = &s->det[0];
        if (cases[c].min_obs == 60) {
            assert_int_equal(r->not_observable, 2);
            assert_int_equal(r->mal_ran, 0); /* not a miss */
            assert_true(r->tpr < 0 && r->fpr < 0);
            assert_true(pair(s, 0, "mal-a")->not_observable);
        } else { /* observable (or scored as if none declared): a plain miss */
            assert_int_equal(r->not_observable, 0);
            assert_int_equal(r->mal_ran, 1);
            assert_true(r->tpr == 0);
        }
        score_free(s);
        model_free(m);
        rm_rf(dir);
    }
}

/* Observations (issue 11) keep their score for ROC and are never alerts: no
 * detection, no false positive, no off-target; alerts keep their technique. */
static void test_observations_and_techniques(void **state)
{
    struct model *m = build();
    struct score *s = score_new(m);
    struct score_alert o = {.detector = "d1",
                            .ts = 1005,
                            .pid = 100,
                            .technique = "system-metrics",
                            .has_score = 1,
                            .score = 0.4,
                            .observation = 1};
    score_add_alert(s, &o);
    o.pid = 999; /* no workload, inside a window: an alert here is off-target */
    o.score = 0.9;
    score_add_alert(s, &o);
    o.pid = 200; /* benign b */
    o.ts = 1030;
    o.score = 0.2;
    score_add_alert(s, &o);
    struct score_alert a = {.detector = "d2",
                            .ts = 1006,
                            .pid = 101,
                            .technique = "memory",
                            .has_score = 1,
                            .score = 0.7};
    score_count_alert(s, &a);
    a.technique = "bogus"; /* not one of PROTOCOL.md's: counted as unknown */
    a.has_score = 0;
    score_count_alert(s, &a);
    assert_int_equal(score_finish(s), 0);
    const struct pair_result *pa = pair(s, 0, "a"), *pb = pair(s, 0, "b");
    assert_int_equal(pa->tp_alerts, 0);
    assert_true(pa->ttd_s < 0);
    assert_int_equal(pa->off_alerts, 0);
    assert_true(pa->has_score && pa->max_score == 0.4);
    assert_int_equal(pb->fp_alerts, 0);
    assert_true(pb->has_score && pb->max_score == 0.2);
    assert_int_equal(s->det[0].off_target, 0);
    assert_int_equal(s->det[0].alerts, 0);
    assert_int_equal(s->det[0].mal_detected, 0);
    assert_int_equal(s->det[0].ben_flagged, 0);
    const struct pair_result *p2 = pair(s, 1, "a");
    assert_int_equal(p2->tp_alerts, 2);
    assert_int_equal(p2->tp_tech, (1u << score_technique_index("memory")) |
                                      (1u << (SCORE_NTECH - 1)));
    assert_string_equal(score_techniques[SCORE_NTECH - 1], "unknown");
    assert_true(p2->has_score && p2->max_score == 0.7);
    score_free(s);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_start_is_outside),
        cmocka_unit_test(test_grace_edges),
        cmocka_unit_test(test_pid_and_flow_match),
        cmocka_unit_test(test_host_level),
        cmocka_unit_test(test_benign_fp_and_rates),
        cmocka_unit_test(test_dedup_and_ttd_origin),
        cmocka_unit_test(test_duty_curve),
        cmocka_unit_test(test_expectations),
        cmocka_unit_test(test_unknown_detector),
        cmocka_unit_test(test_rundir_roundtrip),
        cmocka_unit_test(test_alert_scan),
        cmocka_unit_test(test_backdated_ts),
        cmocka_unit_test(test_lab_and_off_target),
        cmocka_unit_test(test_lab_pid_reused),
        cmocka_unit_test(test_alert_on_everything),
        cmocka_unit_test(test_not_observable),
        cmocka_unit_test(test_observations_and_techniques),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
