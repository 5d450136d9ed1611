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

/* Every alert of a known detector lands in exactly one of the first five. */
enum alert_verdict {
    AV_TP,         /* matches a malicious scenario's workload (or host-level in it) */
    AV_FP,         /* matches a benign scenario's workload (or host-level in it) */
    AV_OFF_TARGET, /* in a window, names a pid/flow of no workload and not the lab */
    AV_LAB,        /* names the lab's own process (harness, pool, detector, launcher) */
    AV_OUTSIDE,    /* outside every scenario window (+ grace) */
    AV_UNKNOWN,    /* detector not in the run */
};

struct score_alert {
    const char *detector;
    double ts;       /* the detector's own time (display only when recv_ts is set) */
    int pid;         /* 0 = none */
    const char *src; /* flow endpoints or NULL */
    const char *dst;
    double recv_ts;        /* when the harness read it: decides; 0 = unknown, use ts */
    const char *technique; /* NULL = unknown */
    int has_score;         /* the line carried a numeric `score` */
    double score;
    int observation; /* an observation line: only its score is kept (ROC) */
};

/* The techniques of PROTOCOL.md, then "unknown" (absent or not one of them). */
#define SCORE_NTECH 7
extern const char *const score_techniques[SCORE_NTECH];
/* Index of a technique name in score_techniques (unknown: the last). */
unsigned score_technique_index(const char *technique);

struct pair_result {
    unsigned long tp_alerts, fp_alerts;
    unsigned long off_alerts;        /* off-target alerts during this window */
    double first_tp_ts, first_fp_ts; /* 0 = none (harness time) */
    double ttd_s;                    /* -1 = not detected */
    int not_observable;              /* window after miner start < min_observation_s */
    unsigned tp_tech, fp_tech;       /* bit i: a TP / FP alert of score_techniques[i] */
    int has_score;    /* an alert or observation with a score landed here */
    double max_score; /* the highest such score (ROC) */
};

/* An off-target alert class (technique + what it names), for the baseline gate. */
struct off_class {
    char key[48]; /* "memory/pid", "network/flow" */
    unsigned long alerts;
};

/* Lab alerts by the role of the process they name. */
struct lab_role {
    char role[24];
    unsigned long alerts;
};

struct duty_point {
    char type[32];
    unsigned duty_pct;
    unsigned ran, detected;
};

struct det_result {
    unsigned mal_ran, mal_detected, ben_ran, ben_flagged;
    unsigned tp_pairs, fp_pairs, off_pairs; /* off_pairs: windows with off-target */
    unsigned not_observable;                /* pairs it could not judge */
    unsigned long alerts, tp_alerts, fp_alerts, off_target, lab, outside;
    double off_target_per_h; /* off-target alerts per hour of run, -1 = no run time */
    double tpr, fpr, precision; /* -1 = undefined (no denominator) */
    double median_ttd_s;        /* -1 = nothing detected */
    int lowest_duty_pct;        /* lowest nominal duty caught, -1 = none */
    struct duty_point *curve;   /* per (type, duty), sorted */
    size_t ncurve;
    struct off_class off_classes[16]; /* further classes count under "other/..." */
    size_t noff_classes;
    struct lab_role lab_roles[8];
    size_t nlab_roles;
    unsigned long observations; /* observation lines read (score_read_observations) */
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
/* Same, and counts it in its detector's buckets (alerts, off-target, lab, outside). */
enum alert_verdict score_count_alert(struct score *s, const struct score_alert *a);

/* Computes the per-detector results. 0 or -ENOMEM. */
int score_finish(struct score *s);

/* Pair accessor. */
const struct pair_result *score_pair(const struct score *s, size_t det, size_t scen);

/* 1 when the scenario had a window and counts in the rates. */
int score_scenario_counts(const struct model_scenario *sc);

/*
 * 1 when detector d can judge scenario sc: it declared no min_observation_s,
 * or the window after miner start (scenario start for benign ones) is at
 * least that long.
 */
int score_observable(const struct model_detector *d, const struct model_scenario *sc);

/* Short name of a verdict: "tp", "fp", "off_target", "lab", "outside", "unknown". */
const char *score_verdict_name(enum alert_verdict v);

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

/*
 * Streams DIR/observations.jsonl into s: each observation is attributed like
 * an alert, but only its score is kept (pair_result.max_score, for ROC) and
 * det_result.observations counts the lines. Call before score_finish. A
 * missing file is none.
 */
int score_read_observations(struct score *s, const char *dir, char *err, size_t errlen);

/*
 * Loads DIR (rundir_load), reads its alerts and observations and finishes
 * the score: what `minerlab report` and every other renderer of a run
 * directory start from. 0, or -errno with the reason in err.
 */
int score_load_dir(const char *dir, struct model **m, struct score **s, char *err,
                   size_t errlen);

#endif
