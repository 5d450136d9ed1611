/*
 * score — the scoring rules of docs/scoring.md as a pure function of a model
 * (scenario windows, process trees, connections) and a stream of alerts.
 *
 *   score_new(model) ; score_add_alert(...) for every alert ; score_finish()
 *
 * Alerts are not stored: each one updates the (detector, scenario) pair it
 * lands on, so a run with millions of alerts scores in constant memory.
 * Single-threaded. The score borrows the model (keep it alive).
 */
#ifndef HX_SCORE_H
#define HX_SCORE_H

#include <stddef.h>

#include "model.h"

enum alert_verdict {
    AV_TP,        /* matches a malicious scenario */
    AV_FP,        /* matches a benign one, or mismatches the only running one */
    AV_AMBIGUOUS, /* host-level (or unmatched) while two windows overlap */
    AV_OUTSIDE,   /* outside every scenario window (+ grace) */
    AV_UNMATCHED, /* names a pid/flow of no workload in the run (not scored) */
    AV_UNKNOWN,   /* detector not in the run */
};

struct score_alert {
    const char *detector;
    double ts;       /* Unix seconds */
    int pid;         /* 0 = none */
    const char *src; /* flow endpoints or NULL */
    const char *dst;
};

struct pair_result {
    unsigned long tp_alerts, fp_alerts;
    double first_tp_ts, first_fp_ts; /* 0 = none */
    double ttd_s;                    /* -1 = not detected */
};

struct duty_point {
    char type[32];
    unsigned duty_pct;
    unsigned ran, detected;
};

struct det_result {
    unsigned mal_ran, mal_detected, ben_ran, ben_flagged;
    unsigned tp_pairs, fp_pairs;
    unsigned long alerts, tp_alerts, fp_alerts, ambiguous, outside, unmatched;
    double tpr, fpr, precision; /* -1 = undefined (no denominator) */
    double median_ttd_s;        /* -1 = nothing detected */
    int lowest_duty_pct;        /* lowest nominal duty caught, -1 = none */
    struct duty_point *curve;   /* per (type, duty), sorted */
    size_t ncurve;
};

struct score {
    const struct model *m;
    size_t ndet, nscen;
    struct pair_result *pairs; /* [det * nscen + scen] */
    struct det_result *det;    /* after score_finish */
    size_t *by_start;          /* scenario indices with a window, by start */
    size_t nwin;
    unsigned long unknown_alerts;
};

/* Returns a new score for model m (model_finish must have run), or NULL. */
struct score *score_new(const struct model *m);
void score_free(struct score *s);

/* Applies one alert; returns its verdict. */
enum alert_verdict score_add_alert(struct score *s, const struct score_alert *a);

/* Computes the per-detector results. 0 or -ENOMEM. */
int score_finish(struct score *s);

/* Pair accessor. */
const struct pair_result *score_pair(const struct score *s, size_t det, size_t scen);

/* 1 when the scenario had a window and counts in the rates. */
int score_scenario_counts(const struct model_scenario *sc);

/*
 * Expectation outcome for (det, scen): "pass", "fail", "skipped", or NULL
 * when the scenario has no expectation for that detector.
 */
const char *score_expect_outcome(const struct score *s, size_t det, size_t scen);

/*
 * Streams DIR/alerts.jsonl into s (lines that are not alerts are skipped).
 * 0, or -errno when the file exists but cannot be read. A missing file is
 * an empty run.
 */
int score_read_alerts(struct score *s, const char *dir, char *err, size_t errlen);

#endif
