/* stats: Wilson intervals, TTD survival, the detection threshold duty, ROC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "stats.h"

static void test_wilson(void **state)
{
    (void)state;
    double lo, hi;
    /* 0 of 3 benign flagged: Wilson's upper bound is 56.1 % (the 71 % the
     * issue quotes is the exact Clopper-Pearson bound, 1 - 0.025^(1/3)). */
    assert_int_equal(stats_wilson(0, 3, &lo, &hi), 0);
    assert_true(lo == 0);
    assert_float_equal(hi, 0.5615, 0.0005);
    /* 8 of 10 (textbook value: 0.4902 .. 0.9433). */
    assert_int_equal(stats_wilson(8, 10, &lo, &hi), 0);
    assert_float_equal(lo, 0.4902, 0.0005);
    assert_float_equal(hi, 0.9433, 0.0005);
    /* n of n: upper bound exactly 1, lower bound symmetric to 0 of n. */
    double lo0, hi0;
    assert_int_equal(stats_wilson(3, 3, &lo, &hi), 0);
    assert_int_equal(stats_wilson(0, 3, &lo0, &hi0), 0);
    assert_true(hi == 1);
    assert_float_equal(lo, 1 - hi0, 1e-12);
    /* The interval narrows with n at the same rate. */
    double lo2, hi2;
    stats_wilson(80, 100, &lo2, &hi2);
    assert_true(hi2 - lo2 < 0.2 && lo2 > 0.70 && hi2 < 0.88);
    assert_int_equal(stats_wilson(0, 0, &lo, &hi), -EINVAL);
    assert_true(lo == 0 && hi == 1);
    assert_int_equal(stats_wilson(4, 3, &lo, &hi), -EINVAL);
}

static void test_survival(void **state)
{
    (void)state;
    const double ttd[] = {0, 10, 10.5, 31, 119, 600, 601};
    struct stats_survival s;
    /* 7 detected + 3 undetected = 10 runs. */
    assert_int_equal(stats_ttd_survival(ttd, 7, 3, &s), 0);
    assert_int_equal(s.runs, 10);
    assert_int_equal(s.within[0], 2); /* <= 10 s: 0 and 10 */
    assert_int_equal(s.within[1], 3); /* <= 30 s */
    assert_int_equal(s.within[2], 5); /* <= 2 min */
    assert_int_equal(s.within[3], 6); /* <= 10 min: 601 is not */
    assert_float_equal(s.share[3], 0.6, 1e-12);
    assert_true(s.lo[3] < 0.6 && s.hi[3] > 0.6);
    assert_int_equal(stats_ttd_survival(NULL, 0, 0, &s), 0);
    assert_true(isnan(s.share[0]));
    const double bad[] = {-1};
    assert_int_equal(stats_ttd_survival(bad, 1, 0, &s), -EINVAL);
}

static void test_threshold(void **state)
{
    (void)state;
    struct stats_duty_threshold t;
    /* The ramp case: caught only near 100 %, the 5 % run missed. */
    const struct stats_duty_point ramp[] = {{5.2, 0}, {98.7, 1}};
    assert_int_equal(stats_duty_threshold(ramp, 2, 5, &t), 0);
    assert_true(t.has_threshold && t.threshold_pct == 100);
    assert_true(t.has_lowest && t.lowest_caught_pct == 98.7);
    /* A lucky catch at 10 % under a miss at 30 % does not set the threshold. */
    const struct stats_duty_point p[] = {
        {99.1, 1}, {100.4, 1}, {69.8, 1}, {70.3, 0}, /* 70: 1 of 2 = half: ok */
        {29.6, 0}, {30.2, 0},  {31.0, 1},            /* 30: 1 of 3: below half */
        {10.1, 1}, {9.7, 0},                         /* 10: half, but under 30 */
    };
    assert_int_equal(stats_duty_threshold(p, 9, 5, &t), 0);
    assert_int_equal(t.nbins, 4);
    assert_true(t.has_threshold);
    assert_float_equal(t.threshold_pct, 70, 1e-9);
    assert_float_equal(t.lowest_caught_pct, 10.1, 1e-9);
    /* Nothing caught at the top: no threshold, but a lowest caught. */
    const struct stats_duty_point q[] = {{100, 0}, {50, 1}};
    assert_int_equal(stats_duty_threshold(q, 2, 0, &t), 0);
    assert_false(t.has_threshold);
    assert_true(t.has_lowest && t.lowest_caught_pct == 50);
    assert_int_equal(stats_duty_threshold(NULL, 0, 5, &t), 0);
    assert_false(t.has_threshold || t.has_lowest);
    const struct stats_duty_point nanp[] = {{NAN, 1}};
    assert_int_equal(stats_duty_threshold(nanp, 1, 5, &t), -EINVAL);
}

static void test_roc(void **state)
{
    (void)state;
    const struct stats_scored runs[] = {
        {0.9, 1, 1}, {0.6, 1, 1}, {0, 0, 1}, /* malicious: one never scored */
        {0.6, 1, 0}, {0.2, 1, 0}, {0, 0, 0}, {0, 0, 0}, /* benign */
    };
    struct stats_roc_point *v;
    size_t n;
    assert_int_equal(stats_roc(runs, 7, &v, &n), 0);
    assert_int_equal(n, 3); /* 0.9, 0.6 (twice), 0.2 */
    assert_float_equal(v[0].threshold, 0.9, 0);
    assert_int_equal(v[0].tp, 1);
    assert_int_equal(v[0].fp, 0);
    assert_float_equal(v[1].tpr, 2.0 / 3, 1e-12);
    assert_float_equal(v[1].fpr, 0.25, 1e-12);
    assert_float_equal(v[2].threshold, 0.2, 0);
    assert_float_equal(v[2].fpr, 0.5, 1e-12);
    assert_float_equal(v[2].tpr, 2.0 / 3, 1e-12); /* unscored run never flagged */
    free(v);
    assert_int_equal(stats_roc(runs, 3, &v, &n), -EDOM); /* no benign run */
    const struct stats_scored bad[] = {{INFINITY, 1, 1}, {0, 0, 0}};
    assert_int_equal(stats_roc(bad, 2, &v, &n), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_survival),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_roc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
