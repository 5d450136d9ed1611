/*
 * stats — the statistics a reviewer asks for, as pure functions: Wilson 95 %
 * score intervals, the TTD survival table, the detection threshold duty and
 * ROC points. No I/O, no model: the scorer hands in numbers. Definitions in
 * docs/scoring.md ("Intervals, survival, thresholds, ROC").
 */
#ifndef HX_STATS_H
#define HX_STATS_H

#include <stddef.h>

/* z for a two-sided 95 % interval. */
#define STATS_Z95 1.959963984540054

/*
 * Wilson 95 % score interval for k successes of n trials, in [0, 1].
 * 0, or -EINVAL when n == 0 or k > n (then *lo = 0, *hi = 1).
 */
int stats_wilson(unsigned long k, unsigned long n, double *lo, double *hi);

/* The TTD survival table: share of malicious runs detected within each cut. */
#define STATS_TTD_NCUTS 4
extern const double stats_ttd_cuts_s[STATS_TTD_NCUTS]; /* 10, 30, 120, 600 s */

struct stats_survival {
    size_t runs;                    /* detected + undetected malicious runs */
    size_t within[STATS_TTD_NCUTS]; /* runs with TTD <= cut */
    double share[STATS_TTD_NCUTS];  /* within / runs; NAN when runs == 0 */
    double lo[STATS_TTD_NCUTS], hi[STATS_TTD_NCUTS]; /* Wilson interval */
};

/*
 * ttd: the TTDs (seconds) of the detected runs; undetected: how many
 * malicious runs were not detected (they count in the denominator, never in
 * a numerator). A negative or non-finite TTD is -EINVAL.
 */
int stats_ttd_survival(const double *ttd, size_t ndetected, size_t undetected,
                       struct stats_survival *out);

/* One malicious run for the duty threshold: its measured duty, detected or not. */
struct stats_duty_point {
    double duty_pct;
    int detected;
};

struct stats_duty_threshold {
    int has_threshold;        /* 0: even the highest tested duty is caught < half */
    double threshold_pct;     /* detection threshold duty (a bin, see below) */
    int has_lowest;           /* 0: nothing caught */
    double lowest_caught_pct; /* lowest measured duty of any detected run */
    size_t nbins;             /* tested duties (bins) */
};

/*
 * Detection threshold duty: runs are grouped into tested duties by rounding
 * the measured duty to the nearest multiple of bin_pct (bin_pct <= 0: exact
 * values); the threshold is the lowest tested duty D such that every tested
 * duty >= D is detected in at least half of its runs. "Lowest duty caught" is
 * the lowest measured duty of any detected run, unbinned. 0, or -EINVAL for
 * a non-finite duty (out untouched). n == 0 gives neither value.
 */
int stats_duty_threshold(const struct stats_duty_point *p, size_t n, double bin_pct,
                         struct stats_duty_threshold *out);

/* One scored run for ROC: the highest score any alert or observation of the
 * detector gave it (has_score = 0: none at all), and its label. */
struct stats_scored {
    double score;
    int has_score;
    int malicious;
};

struct stats_roc_point {
    double threshold; /* a run counts as flagged when its score >= threshold */
    size_t tp, fp;    /* malicious / benign runs flagged */
    double tpr, fpr;
};

/*
 * ROC points, one per distinct score, highest threshold first (the last
 * point is the lowest score: every scored run flagged; runs without a score
 * are never flagged). *out is malloc'ed (caller frees). 0, -EDOM when
 * there is no malicious or no benign run (no rate), -EINVAL for a non-finite
 * score, -ENOMEM.
 */
int stats_roc(const struct stats_scored *runs, size_t n, struct stats_roc_point **out,
              size_t *nout);

#endif
