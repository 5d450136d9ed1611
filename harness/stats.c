#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

const double stats_ttd_cuts_s[STATS_TTD_NCUTS] = {10, 30, 120, 600};

int stats_wilson(unsigned long k, unsigned long n, double *lo, double *hi)
{
    *lo = 0;
    *hi = 1;
    if (n == 0 || k > n)
        return -EINVAL;
    const double z = STATS_Z95, z2 = z * z, nn = (double)n;
    double p = (double)k / nn;
    double denom = 1 + z2 / nn;
    double centre = (p + z2 / (2 * nn)) / denom;
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
    *lo = k == 0 ? 0 : fmax(0, centre - half);
    *hi = k == n ? 1 : fmin(1, centre + half);
    return 0;
}

int stats_ttd_survival(const double *ttd, size_t ndetected, size_t undetected,
                       struct stats_survival *out)
{
    for (size_t i = 0; i < ndetected; i++)
        if (!isfinite(ttd[i]) || ttd[i] < 0)
            return -EINVAL;
    out->runs = ndetected + undetected;
    for (int c = 0; c < STATS_TTD_NCUTS; c++) {
        out->within[c] = 0;
        for (size_t i = 0; i < ndetected; i++)
            out->within[c] += ttd[i] <= stats_ttd_cuts_s[c];
        out->share[c] = out->runs ? (double)out->within[c] / (double)out->runs : NAN;
        stats_wilson(out->within[c], out->runs, &out->lo[c], &out->hi[c]);
    }
    return 0;
}

struct bin {
    double duty;
    size_t runs, detected;
};

static int cmp_bin(const void *a, const void *b)
{
    double x = ((const struct bin *)a)->duty, y = ((const struct bin *)b)->duty;
    return (x > y) - (x < y);
}

int stats_duty_threshold(const struct stats_duty_point *p, size_t n, double bin_pct,
                         struct stats_duty_threshold *out)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i].duty_pct))
            return -EINVAL;
    struct stats_duty_threshold r = {0};
    struct bin *b = n ? calloc(n, sizeof(*b)) : NULL;
    if (n && !b)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        double d =
            bin_pct > 0 ? round(p[i].duty_pct / bin_pct) * bin_pct : p[i].duty_pct;
        size_t k = 0;
        while (k < r.nbins && b[k].duty != d)
            k++;
        if (k == r.nbins)
            b[r.nbins++].duty = d;
        b[k].runs++;
        b[k].detected += p[i].detected != 0;
        if (p[i].detected && (!r.has_lowest || p[i].duty_pct < r.lowest_caught_pct)) {
            r.has_lowest = 1;
            r.lowest_caught_pct = p[i].duty_pct;
        }
    }
    if (r.nbins)
        qsort(b, r.nbins, sizeof(*b), cmp_bin);
    /* Walk down from the highest tested duty while each is caught >= half. */
    for (size_t k = r.nbins; k-- > 0;) {
        if (2 * b[k].detected < b[k].runs)
            break;
        r.has_threshold = 1;
        r.threshold_pct = b[k].duty;
    }
    free(b);
    *out = r;
    return 0;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

int stats_roc(const struct stats_scored *runs, size_t n, struct stats_roc_point **out,
              size_t *nout)
{
    size_t pos = 0, neg = 0, ns = 0;
    *out = NULL;
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        if (runs[i].has_score && !isfinite(runs[i].score))
            return -EINVAL;
        pos += runs[i].malicious != 0;
        neg += runs[i].malicious == 0;
        ns += runs[i].has_score != 0;
    }
    if (!pos || !neg)
        return -EDOM;
    double *s = malloc((ns ? ns : 1) * sizeof(*s));
    struct stats_roc_point *v = malloc((ns ? ns : 1) * sizeof(*v));
    if (!s || !v) {
        free(s);
        free(v);
        return -ENOMEM;
    }
    ns = 0;
    for (size_t i = 0; i < n; i++)
        if (runs[i].has_score)
            s[ns++] = runs[i].score;
    qsort(s, ns, sizeof(*s), cmp_desc);
    size_t k = 0;
    for (size_t i = 0; i < ns; i++) {
        if (i && s[i] == s[i - 1])
            continue;
        struct stats_roc_point pt = {.threshold = s[i]};
        for (size_t j = 0; j < n; j++)
            if (runs[j].has_score && runs[j].score >= s[i]) {
                pt.tp += runs[j].malicious != 0;
                pt.fp += runs[j].malicious == 0;
            }
        pt.tpr = (double)pt.tp / (double)pos;
        pt.fpr = (double)pt.fp / (double)neg;
        v[k++] = pt;
    }
    free(s);
    *out = v;
    *nout = k;
    return 0;
}
