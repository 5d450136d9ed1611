#include "hxutil.h"
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_util.h"
#include "proc.h"

const char *const report_definitions[][2] = {
    {"window",
     "A scenario's window runs from its start to its end; an alert counts for "
     "it until end + grace_s (run.json settings.grace_s)."},
    {"true_positive",
     "An alert inside a malicious scenario's window (+ grace) whose pid "
     "is in the scenario's process tree, or whose flow is one of its "
     "connections, or that is host-level (no pid, no flow) while only "
     "that scenario's window is open."},
    {"false_positive",
     "An alert matching a benign scenario the same way: its pid or flow "
     "is the benign workload's, or it is host-level while only that "
     "scenario runs."},
    {"off_target",
     "An alert inside a window (+ grace) naming a pid or flow that belongs to no "
     "workload and not to the lab (another process on the host): a false alarm, "
     "counted per detector and per hour of run, and in precision (each window with "
     "one counts as a false pair)."},
    {"lab",
     "An alert naming the lab's own process (harness, watchdog, pool, a detector, a "
     "scenario's launcher or its helpers): listed by role, counted neither way."},
    {"host_level",
     "A host-level alert (no pid, no flow) belongs to the scenario running at its "
     "time, else to the scenario in its grace period that started last."},
    {"outside", "An alert outside every window (+ grace): counted for nothing."},
    {"dedup",
     "Alerts are deduplicated per (detector, scenario): a scenario is detected "
     "or not, flagged falsely or not."},
    {"clock",
     "Window membership and time to detect use recv_ts, when the harness read the "
     "alert; the detector's own ts is kept for display only."},
    {"ttd", "Time to detect = first true-positive alert (recv_ts) - miner start (the "
            "launcher's ML-PID miner line, else the scenario start), floored at 0."},
    {"not_observable",
     "A (detector, scenario) pair whose window after miner start (scenario start "
     "for benign ones) is shorter than the detector's declared min_observation_s: "
     "neither detected nor missed, outside the TPR and FPR denominators."},
    {"tpr", "Detected malicious scenarios / observable malicious scenarios that ran."},
    {"fpr", "Benign scenarios with a false positive / observable benign scenarios that "
            "ran."},
    {"precision",
     "True (detector, scenario) pairs / (true + false pairs + windows with "
     "an off-target alert)."},
    {"duty_curve",
     "Detection rate per attack type and nominal duty (a ramp counts at its "
     "starting duty); lowest_duty_pct is the lowest nominal duty still caught."},
    {"measured_duty",
     "The CPU share the harness measured for the scenario's miners from /proc (all "
     "their threads and children, relative to the cores they may use), summed over "
     "the miners, over the window and in 5-s slices; the nominal duty is what the "
     "scenario asked for."},
    {"workload_cpu",
     "cpu_pct of a scenario: the CPU time of everything it ran (its cgroup's "
     "cpu.stat usage_usec: the launcher, the workload, its helpers and servers, "
     "reaped and short-lived processes included) over its window, as a share of "
     "the cores the harness may use; cpu_s is that time; null without a cgroup "
     "v2."},
    {"credited_duty",
     "The measured duty a run is credited at: the window's measured duty; a ramp's "
     "measured duty in the 5-s slice of its first true alert (a missed ramp: the "
     "highest slice it reached). Runs without a measurement are unmeasured_runs and "
     "left out of measured_duty_curve and the thresholds."},
    {"detection_threshold_duty",
     "Per detector and attack type: credited measured duties rounded to the nearest "
     "5 % are the tested duties; the detection threshold duty is the lowest tested "
     "duty D such that every tested duty >= D is detected in at least half of its "
     "runs (null: even the highest is caught in fewer than half)."},
    {"lowest_measured_duty_caught",
     "The lowest credited measured duty of any detected run, unbinned: one lucky "
     "catch sets it; it says nothing about the duties above it."},
    {"interval",
     "Every rate k/n carries its Wilson 95 % score interval [lo, hi] (z = 1.96); "
     "none when n = 0. Repeats ID~rK are separate runs, pooled under the base id in "
     "pooled[]."},
    {"ttd_survival",
     "Share of the detector's observable malicious runs detected within 10 s, 30 s, "
     "2 min and 10 min of miner start (undetected runs count in every denominator), "
     "with intervals."},
    {"attack_matrix",
     "Attack type x technique: a cell is the share of the type's malicious runs "
     "that some detector caught with a true alert of that technique (the alert's "
     "technique field; 'any': any technique), with its interval and the detectors "
     "that contributed (runs each caught)."},
    {"cost",
     "Detector cost from its process group: cpu_s (user + system), cpu_pct = "
     "cpu_s / wall_s x 100 (percent of one core), peak_rss_mib (largest sampled "
     "resident set of the group)."},
    {"roc",
     "For a detector that emits observation lines: each observable run gets the "
     "highest score of its alerts and observations attributed to it (none: never "
     "flagged; an alert without a score adds none); for each distinct score t, TPR "
     "and FPR of the runs scoring >= t."},
    {"counted", "Only scenarios that ran (or were interrupted after starting) count; "
                "skipped and failed ones are listed, never scored."},
    {NULL, NULL}};

static json_t *num_or_null(double v)
{
    return v < 0 ? json_null() : json_real(round(v * 1000) / 1000);
}

static json_t *scenario_json(const struct model_scenario *sc)
{
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:i,s:s,s:I,s:I}", "id", sc->id, "title", sc->title, "type",
        sc->type, "label", sc->malicious ? "malicious" : "benign", "duty_pct",
        (int)sc->duty_pct, "status", model_status_name(sc->status), "pids",
        (json_int_t)sc->npids, "connections", (json_int_t)sc->nconns);
    json_object_set_new(o, "start", sc->start > 0 ? json_real(sc->start) : json_null());
    json_object_set_new(o, "end", sc->end > 0 ? json_real(sc->end) : json_null());
    json_object_set_new(o, "duration_s",
                        sc->start > 0 ? num_or_null(sc->end - sc->start) : json_null());
    if (sc->reason)
        json_object_set_new(o, "reason", json_string(sc->reason));
    json_object_set_new(o, "pool_logins", json_integer((json_int_t)sc->logins));
    json_object_set_new(o, "lab_pids", json_integer((json_int_t)sc->nlab));
    json_object_set_new(o, "shares_accepted", json_integer((json_int_t)sc->shares));
    json_object_set_new(o, "shares_unverified",
                        json_integer((json_int_t)sc->shares_unverified));
    if (sc->has_ramp)
        json_object_set_new(o, "ramp_to_pct", json_integer(sc->ramp_to_pct));
    char base[256];
    report_base_id(sc->id, base, sizeof(base));
    json_object_set_new(o, "base_id", json_string(base));
    json_object_set_new(o, "measured_duty_pct",
                        sc->has_measured_duty
                            ? json_real(round(sc->measured_duty_pct * 1000) / 1000)
                            : json_null());
    json_object_set_new(o, "cpu_pct",
                        sc->has_cpu ? json_real(round(sc->cpu_pct * 1000) / 1000)
                                    : json_null());
    json_object_set_new(o, "cpu_s",
                        sc->has_cpu ? json_real(round(sc->cpu_s * 1000) / 1000)
                                    : json_null());
    return o;
}

static double ratio_of(const struct duty_point *p)
{
    return p->ran ? (double)p->detected / p->ran : -1;
}

static json_t *curve_json(const struct det_result *r)
{
    json_t *a = json_array(), *lowest = json_object();
    for (size_t i = 0; i < r->ncurve; i++) {
        const struct duty_point *p = &r->curve[i];
        json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:i,s:o}", "type", p->type,
                                           "duty_pct", (int)p->duty_pct, "ran",
                                           (int)p->ran, "detected", (int)p->detected,
                                           "rate", num_or_null(ratio_of(p))));
        json_t *cur = json_object_get(lowest, p->type);
        if (p->detected && (!cur || json_integer_value(cur) > p->duty_pct))
            json_object_set_new(lowest, p->type, json_integer(p->duty_pct));
    }
    return json_pack("{s:o,s:o}", "points", a, "lowest_duty_by_type", lowest);
}

static json_t *detector_json(const struct score *s, size_t di)
{
    const struct model_detector *d = &s->m->det[di];
    const struct det_result *r = &s->det[di];
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(d->name));
    json_object_set_new(o, "cmd", d->cmd ? json_string(d->cmd) : json_null());
    json_object_set_new(o, "version",
                        d->version ? json_string(d->version) : json_null());
    json_object_set_new(o, "exit",
                        d->exit_desc ? json_string(d->exit_desc) : json_null());
    json_object_set_new(o, "crashed", json_boolean(d->crashed));
    json_object_set_new(o, "hung", json_boolean(d->hung));
    if (d->info)
        json_object_set_new(o, "info", json_deep_copy(d->info));
    json_object_set_new(o, "degraded", json_integer(d->degraded));
    if (d->degraded_reason)
        json_object_set_new(o, "degraded_reason", json_string(d->degraded_reason));
    json_object_set_new(o, "lines", json_integer((json_int_t)d->lines));
    json_object_set_new(o, "invalid_lines", json_integer((json_int_t)d->invalid));
    json_object_set_new(o, "dropped_alerts", json_integer((json_int_t)d->dropped));
    json_object_set_new(o, "alerts", json_integer((json_int_t)r->alerts));
    json_object_set_new(o, "tp_alerts", json_integer((json_int_t)r->tp_alerts));
    json_object_set_new(o, "fp_alerts", json_integer((json_int_t)r->fp_alerts));
    json_object_set_new(o, "off_target_alerts",
                        json_integer((json_int_t)r->off_target));
    json_object_set_new(o, "off_target_per_h", num_or_null(r->off_target_per_h));
    json_object_set_new(o, "off_target_windows", json_integer(r->off_pairs));
    json_t *oc = json_object();
    for (size_t i = 0; i < r->noff_classes; i++)
        json_object_set_new(oc, r->off_classes[i].key,
                            json_integer((json_int_t)r->off_classes[i].alerts));
    json_object_set_new(o, "off_target_classes", oc);
    json_object_set_new(o, "lab_alerts", json_integer((json_int_t)r->lab));
    json_t *lr = json_object();
    for (size_t i = 0; i < r->nlab_roles; i++)
        json_object_set_new(lr, r->lab_roles[i].role,
                            json_integer((json_int_t)r->lab_roles[i].alerts));
    json_object_set_new(o, "lab_alerts_by_role", lr);
    json_object_set_new(o, "outside_alerts", json_integer((json_int_t)r->outside));
    json_object_set_new(o, "not_observable", json_integer(r->not_observable));
    json_object_set_new(o, "min_observation_s",
                        d->min_obs_s < 0 ? json_null() : json_real(d->min_obs_s));
    if (d->min_obs_invalid)
        json_object_set_new(o, "min_observation_invalid",
                            json_string(d->min_obs_invalid));
    json_object_set_new(o, "malicious_ran", json_integer(r->mal_ran));
    json_object_set_new(o, "malicious_detected", json_integer(r->mal_detected));
    json_object_set_new(o, "benign_ran", json_integer(r->ben_ran));
    json_object_set_new(o, "benign_flagged", json_integer(r->ben_flagged));
    json_object_set_new(o, "tpr", num_or_null(r->tpr));
    json_object_set_new(o, "fpr", num_or_null(r->fpr));
    json_object_set_new(o, "precision", num_or_null(r->precision));
    json_object_set_new(o, "median_ttd_s", num_or_null(r->median_ttd_s));
    json_object_set_new(o, "lowest_duty_pct",
                        r->lowest_duty_pct < 0 ? json_null()
                                               : json_integer(r->lowest_duty_pct));
    json_object_set_new(o, "duty_curve", curve_json(r));
    json_t *st = report_stats_detector(s, di);
    json_object_update(o, st);
    json_decref(st);
    return o;
}

static json_t *pair_json(const struct score *s, size_t d, size_t i)
{
    const struct model_scenario *sc = &s->m->scen[i];
    const struct pair_result *p = score_pair(s, d, i);
    const char *outcome = score_expect_outcome(s, d, i);
    json_t *o = json_object();
    json_object_set_new(o, "detector", json_string(s->m->det[d].name));
    json_object_set_new(o, "scenario", json_string(sc->id));
    int counted = score_scenario_counts(sc);
    json_object_set_new(o, "counted", json_boolean(counted));
    json_object_set_new(o, "observable", json_boolean(!p->not_observable));
    json_object_set_new(o, "not_observable",
                        json_boolean(counted && p->not_observable));
    json_object_set_new(
        o, "detected",
        json_boolean(sc->malicious && p->tp_alerts && !p->not_observable));
    json_object_set_new(o, "false_positive",
                        json_boolean(p->fp_alerts > 0 && !p->not_observable));
    json_object_set_new(o, "tp_alerts", json_integer((json_int_t)p->tp_alerts));
    json_object_set_new(o, "fp_alerts", json_integer((json_int_t)p->fp_alerts));
    json_object_set_new(o, "off_target_alerts",
                        json_integer((json_int_t)p->off_alerts));
    json_object_set_new(o, "ttd_s", num_or_null(p->ttd_s));
    for (size_t k = 0; k < sc->nexpect; k++)
        if (strcmp(sc->expect[k].detector, s->m->det[d].name) == 0)
            json_object_set_new(o, "expect",
                                json_string(sc->expect[k].detect ? "detect" : "miss"));
    if (outcome)
        json_object_set_new(o, "outcome", json_string(outcome));
    json_t *tech = json_array();
    for (unsigned t = 0; t < SCORE_NTECH; t++)
        if ((p->tp_tech | p->fp_tech) & (1u << t))
            json_array_append_new(tech, json_string(score_techniques[t]));
    json_object_set_new(o, "techniques", tech);
    double duty = sc->malicious ? report_credited_duty(sc, p) : NAN;
    json_object_set_new(o, "credited_duty_pct",
                        isfinite(duty) ? json_real(round(duty * 1000) / 1000)
                                       : json_null());
    json_object_set_new(o, "max_score",
                        p->has_score ? json_real(p->max_score) : json_null());
    return o;
}

json_t *report_json_build(const struct model *m, const struct score *s)
{
    json_t *doc = json_object(), *defs = json_object(), *scen = json_array(),
           *dets = json_array(), *pairs = json_array();
    unsigned pass = 0, fail = 0, skipped = 0;
    for (size_t i = 0; report_definitions[i][0]; i++)
        json_object_set_new(defs, report_definitions[i][0],
                            json_string(report_definitions[i][1]));
    for (size_t i = 0; i < m->nscen; i++)
        json_array_append_new(scen, scenario_json(&m->scen[i]));
    for (size_t d = 0; d < m->ndet; d++) {
        json_array_append_new(dets, detector_json(s, d));
        for (size_t i = 0; i < m->nscen; i++) {
            const char *oc = score_expect_outcome(s, d, i);
            pass += oc && strcmp(oc, "pass") == 0;
            fail += oc && strcmp(oc, "fail") == 0;
            skipped += oc && strcmp(oc, "skipped") == 0;
            json_array_append_new(pairs, pair_json(s, d, i));
        }
    }
    json_t *run = m->run_json ? json_deep_copy(m->run_json) : json_object();
    json_object_del(run, "scenarios"); /* listed below with their results */
    json_object_del(run, "detectors");
    json_object_set_new(doc, "format", json_string(REPORT_FORMAT));
    json_object_set_new(doc, "run", run);
    json_object_set_new(doc, "definitions", defs);
    json_object_set_new(doc, "scenarios", scen);
    json_object_set_new(doc, "detectors", dets);
    json_object_set_new(doc, "results", pairs);
    json_object_set_new(doc, "pooled", report_stats_pooled(s));
    json_object_set_new(doc, "attack_matrix", report_stats_matrix(s));
    json_object_set_new(
        doc, "expectations",
        json_pack("{s:i,s:i,s:i}", "pass", pass, "fail", fail, "skipped", skipped));
    json_object_set_new(doc, "unknown_detector_alerts",
                        json_integer((json_int_t)s->unknown_alerts));
    json_object_set_new(doc, "tree_source",
                        m->tree_source ? json_string(m->tree_source) : json_null());
    json_object_set_new(doc, "lab_pids", json_integer((json_int_t)m->nlab));
    return doc;
}

int report_write_json(const char *dir, json_t *doc, char *err, size_t errlen)
{
    FILE *f = report_open(dir, "report.json", err, errlen);
    if (!f)
        return -EIO;
    if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15)) !=
        0)
        errno = ENOSPC;
    fputc('\n', f);
    return report_commit(f, dir, "report.json", err, errlen);
}

int report_write_all(const char *dir, const struct model *m, const struct score *s,
                     const char *junit_path, char *err, size_t errlen)
{
    json_t *doc = report_json_build(m, s);
    if (!doc)
        return ml_err(err, errlen, -ENOMEM, "report: out of memory");
    char e2[512] = "";
    int first = report_write_json(dir, doc, err, errlen);
    int rc = report_write_junit(dir, m, s, e2, sizeof(e2));
    if (rc && !first && (first = rc))
        hx_fmt(err, errlen, "%s", e2);
    rc = report_write_md(dir, doc, e2, sizeof(e2));
    if (rc && !first && (first = rc))
        hx_fmt(err, errlen, "%s", e2);
    rc = report_write_html(dir, doc, e2, sizeof(e2));
    if (rc && !first && (first = rc))
        hx_fmt(err, errlen, "%s", e2);
    json_decref(doc);
    if (junit_path && !first) {
        char src[4096];
        hx_fmt(src, sizeof(src), "%s/junit.xml", dir);
        FILE *in = fopen(src, "r"), *out = in ? fopen(junit_path, "w") : NULL;
        char buf[8192];
        size_t n;
        while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
            fwrite(buf, 1, n, out);
        if (!in || !out || ferror(out))
            first = ml_err(err, errlen, -EIO, "%s: cannot write", junit_path);
        if (in)
            fclose(in);
        if (out && fclose(out) != 0 && !first)
            first = ml_err(err, errlen, -EIO, "%s: cannot write", junit_path);
    }
    return first;
}
