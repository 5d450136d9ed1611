/*
 * The report's statistics (issue 11): Wilson intervals on every rate, the
 * TTD survival table, detection against *measured* duty with the detection
 * threshold duty and the lowest measured duty caught, per-attack-type TPR,
 * the attack type x technique matrix, repeats pooled under their base id,
 * detector cost and ROC points. Computed from (model, score) with the pure
 * functions of stats.c; report_json.c puts them into report.json, and every
 * other writer renders that document.
 */
#include "hxutil.h"
#include "report.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* Three decimals, like the other numbers of report.json. */
static json_t *num3(double v)
{
    return isfinite(v) ? json_real(round(v * 1000) / 1000) : json_null();
}

json_t *report_interval(unsigned long k, unsigned long n)
{
    double lo, hi;
    if (stats_wilson(k, n, &lo, &hi))
        return json_pack("{s:I,s:I,s:n,s:n,s:n}", "k", (json_int_t)k, "n",
                         (json_int_t)n, "rate", "lo", "hi");
    return json_pack("{s:I,s:I,s:o,s:o,s:o}", "k", (json_int_t)k, "n", (json_int_t)n,
                     "rate", num3((double)k / (double)n), "lo", num3(lo), "hi",
                     num3(hi));
}

void report_base_id(const char *id, char *out, size_t len)
{
    const char *t = strstr(id, "~r");
    size_t n = strlen(id);
    if (t && t[2] && strspn(t + 2, "0123456789") == strlen(t + 2))
        n = (size_t)(t - id);
    hx_fmt(out, len, "%.*s", (int)n, id);
}

double report_credited_duty(const struct model_scenario *sc,
                            const struct pair_result *p)
{
    if (sc->has_ramp && sc->nslices) {
        if (p && p->tp_alerts && p->first_tp_ts > 0)
            return model_duty_at(sc, p->first_tp_ts);
        double top = NAN; /* missed: the highest duty it reached */
        for (size_t i = 0; i < sc->nslices; i++) {
            double v = model_duty_at(sc, (sc->slices[i].start + sc->slices[i].end) / 2);
            if (isnan(top) || v > top)
                top = v;
        }
        return top;
    }
    if (sc->has_measured_duty)
        return sc->measured_duty_pct;
    if (!sc->nslices)
        return NAN;
    /* Interrupted before its window value: the mean of its slices. */
    double sum = 0;
    for (size_t i = 0; i < sc->nslices; i++)
        sum += model_duty_at(sc, (sc->slices[i].start + sc->slices[i].end) / 2);
    return sum / (double)sc->nslices;
}

/* A pair that counts in the rates: the scenario ran and the detector could observe it.
 */
static int pair_counts(const struct score *s, size_t d, size_t i)
{
    return score_scenario_counts(&s->m->scen[i]) &&
           !score_pair(s, d, i)->not_observable;
}

/* One malicious run of a detector, for the duty statistics. */
struct run_rec {
    const char *type;
    double duty; /* credited measured duty, NAN = unmeasured */
    double bin;  /* duty rounded to REPORT_DUTY_BIN_PCT */
    unsigned nominal;
    int detected;
};

static int cmp_rec(const void *a, const void *b)
{
    const struct run_rec *x = a, *y = b;
    int c = strcmp(x->type, y->type);
    if (c)
        return c;
    if (isnan(x->bin) || isnan(y->bin)) /* unmeasured runs last */
        return isnan(x->bin) - isnan(y->bin);
    return (x->bin > y->bin) - (x->bin < y->bin);
}

/* Threshold and lowest caught of recs[0..n) (measured ones only) into o. */
static void put_threshold(json_t *o, const struct run_rec *recs, size_t n)
{
    struct stats_duty_point *pts = calloc(n + 1, sizeof(*pts));
    size_t np = 0, unmeasured = 0;
    struct stats_duty_threshold th = {0};
    for (size_t i = 0; pts && i < n; i++) {
        if (isnan(recs[i].duty)) {
            unmeasured++;
            continue;
        }
        pts[np++] = (struct stats_duty_point){recs[i].duty, recs[i].detected};
    }
    if (pts)
        stats_duty_threshold(pts, np, REPORT_DUTY_BIN_PCT, &th);
    free(pts);
    json_object_set_new(o, "detection_threshold_duty_pct",
                        th.has_threshold ? num3(th.threshold_pct) : json_null());
    json_object_set_new(o, "lowest_measured_duty_caught_pct",
                        th.has_lowest ? num3(th.lowest_caught_pct) : json_null());
    json_object_set_new(o, "measured_runs", json_integer((json_int_t)np));
    json_object_set_new(o, "unmeasured_runs", json_integer((json_int_t)unmeasured));
}

/* by_type[] and measured_duty_curve[] of one detector, from its sorted runs. */
static void put_duty(json_t *o, struct run_rec *recs, size_t n)
{
    json_t *types = json_array(), *curve = json_array();
    put_threshold(o, recs, n);
    qsort(recs, n, sizeof(*recs), cmp_rec);
    for (size_t i = 0; i < n;) {
        size_t j = i, det = 0;
        while (j < n && !strcmp(recs[j].type, recs[i].type))
            det += recs[j++].detected != 0;
        json_t *t = json_pack("{s:s,s:o}", "type", recs[i].type, "tpr",
                              report_interval(det, j - i));
        put_threshold(t, recs + i, j - i);
        json_array_append_new(types, t);
        /* The measured curve of this type: one point per 5-% bin. */
        for (size_t a = i; a < j;) {
            size_t b = a, hit = 0;
            if (isnan(recs[a].duty)) {
                a++;
                continue;
            }
            json_t *nom = json_array();
            double lo = recs[a].duty, hi = recs[a].duty;
            while (b < j && recs[b].bin == recs[a].bin && !isnan(recs[b].duty)) {
                hit += recs[b].detected != 0;
                lo = fmin(lo, recs[b].duty);
                hi = fmax(hi, recs[b].duty);
                size_t k, seen = 0;
                json_t *v;
                json_array_foreach(nom, k, v) seen |=
                    json_integer_value(v) == recs[b].nominal;
                if (!seen)
                    json_array_append_new(nom, json_integer(recs[b].nominal));
                b++;
            }
            json_t *pt = report_interval(hit, b - a);
            json_object_set_new(pt, "type", json_string(recs[a].type));
            json_object_set_new(pt, "measured_duty_pct", num3(recs[a].bin));
            json_object_set_new(pt, "measured_min_pct", num3(lo));
            json_object_set_new(pt, "measured_max_pct", num3(hi));
            json_object_set_new(pt, "nominal_duty_pct", nom);
            json_array_append_new(curve, pt);
            a = b;
        }
        i = j;
    }
    json_object_set_new(o, "by_type", types);
    json_object_set_new(o, "measured_duty_curve", curve);
}

static json_t *survival_json(const double *ttd, size_t ndet, size_t undetected)
{
    struct stats_survival sv;
    json_t *a = json_array();
    if (stats_ttd_survival(ttd, ndet, undetected, &sv))
        return a;
    for (int c = 0; c < STATS_TTD_NCUTS; c++) {
        json_t *row = report_interval(sv.within[c], sv.runs);
        json_object_set_new(row, "within_s", json_real(stats_ttd_cuts_s[c]));
        json_array_append_new(a, row);
    }
    return a;
}

static json_t *roc_json(const struct score *s, size_t d)
{
    const struct det_result *r = &s->det[d];
    struct stats_scored *runs = calloc(s->nscen + 1, sizeof(*runs));
    struct stats_roc_point *pts = NULL;
    size_t n = 0, npts = 0, mal = 0, scored = 0;
    json_t *o = json_object(), *a = json_array();
    for (size_t i = 0; runs && i < s->nscen; i++) {
        if (!pair_counts(s, d, i))
            continue;
        const struct pair_result *p = score_pair(s, d, i);
        runs[n++] =
            (struct stats_scored){p->max_score, p->has_score, s->m->scen[i].malicious};
        mal += s->m->scen[i].malicious != 0;
        scored += p->has_score != 0;
    }
    int rc = runs ? stats_roc(runs, n, &pts, &npts) : -1;
    for (size_t k = 0; rc == 0 && k < npts; k++)
        json_array_append_new(
            a, json_pack("{s:f,s:I,s:I,s:o,s:o}", "threshold", pts[k].threshold, "tp",
                         (json_int_t)pts[k].tp, "fp", (json_int_t)pts[k].fp, "tpr",
                         num3(pts[k].tpr), "fpr", num3(pts[k].fpr)));
    json_object_set_new(o, "observations", json_integer((json_int_t)r->observations));
    json_object_set_new(o, "malicious_runs", json_integer((json_int_t)mal));
    json_object_set_new(o, "benign_runs", json_integer((json_int_t)(n - mal)));
    json_object_set_new(o, "scored_runs", json_integer((json_int_t)scored));
    json_object_set_new(o, "points", a);
    if (rc)
        json_object_set_new(o, "note",
                            json_string("no ROC: it needs a malicious and a benign run "
                                        "the detector could observe"));
    else if (!scored)
        json_object_set_new(o, "note",
                            json_string("no ROC: none of its observations or scored "
                                        "alerts landed on a scenario's run"));
    free(pts);
    free(runs);
    return o;
}

json_t *report_stats_detector(const struct score *s, size_t d)
{
    const struct det_result *r = &s->det[d];
    const struct model_detector *md = &s->m->det[d];
    json_t *o = json_object();
    struct run_rec *recs = calloc(s->nscen + 1, sizeof(*recs));
    double *ttd = calloc(s->nscen + 1, sizeof(*ttd));
    size_t n = 0, nttd = 0;
    json_object_set_new(o, "tpr_interval",
                        report_interval(r->mal_detected, r->mal_ran));
    json_object_set_new(o, "fpr_interval", report_interval(r->ben_flagged, r->ben_ran));
    for (size_t i = 0; recs && ttd && i < s->nscen; i++) {
        const struct model_scenario *sc = &s->m->scen[i];
        const struct pair_result *p = score_pair(s, d, i);
        if (!sc->malicious || !pair_counts(s, d, i))
            continue;
        double duty = report_credited_duty(sc, p);
        recs[n++] = (struct run_rec){
            sc->type, duty, round(duty / REPORT_DUTY_BIN_PCT) * REPORT_DUTY_BIN_PCT,
            sc->duty_pct, p->tp_alerts > 0};
        if (p->tp_alerts)
            ttd[nttd++] = p->ttd_s;
    }
    json_object_set_new(o, "ttd_survival", survival_json(ttd, nttd, n - nttd));
    put_duty(o, recs, n);
    free(recs);
    free(ttd);
    json_object_set_new(
        o, "cost",
        md->has_cost
            ? json_pack("{s:o,s:o,s:o,s:o}", "cpu_s", num3(md->cpu_s), "wall_s",
                        num3(md->wall_s), "cpu_pct",
                        num3(md->wall_s > 0 ? md->cpu_s / md->wall_s * 100 : NAN),
                        "peak_rss_mib", num3(md->peak_rss_mib))
            : json_null());
    json_object_set_new(o, "roc", r->observations ? roc_json(s, d) : json_null());
    return o;
}

/* The median of v[0..n) (sorted in place; n >= 1). */
static double median(double *v, size_t n)
{
    for (size_t x = 1; x < n; x++) /* insertion sort: a handful of repeats */
        for (size_t y = x; y > 0 && v[y - 1] > v[y]; y--) {
            double t = v[y];
            v[y] = v[y - 1];
            v[y - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

json_t *report_stats_pooled(const struct score *s)
{
    json_t *a = json_array(), *last = json_object();
    size_t ns = s->nscen;
    double *ttd = calloc(ns + 1, sizeof(*ttd));
    size_t *next = calloc(ns + 1, sizeof(*next)); /* next repeat of the same base */
    char *first = calloc(ns + 1, 1);              /* the first run of its base */
    char(*base)[256] = calloc(ns + 1, sizeof(*base));
    for (size_t i = 0; ttd && next && first && base && i < ns; i++) {
        report_base_id(s->m->scen[i].id, base[i], sizeof(base[i]));
        json_t *prev = json_object_get(last, base[i]);
        next[i] = SIZE_MAX;
        if (prev)
            next[json_integer_value(prev)] = i;
        first[i] = !prev;
        json_object_set_new(last, base[i], json_integer((json_int_t)i));
    }
    for (size_t d = 0; ttd && next && first && base && d < s->ndet; d++) {
        for (size_t i = 0; i < ns; i++) {
            const struct model_scenario *sc = &s->m->scen[i];
            size_t n = 0, k = 0, nttd = 0;
            if (!first[i])
                continue;
            for (size_t j = i; j != SIZE_MAX; j = next[j]) {
                const struct pair_result *p = score_pair(s, d, j);
                if (!pair_counts(s, d, j))
                    continue;
                n++;
                if (sc->malicious && p->tp_alerts) {
                    k++;
                    ttd[nttd++] = p->ttd_s;
                } else if (!sc->malicious && p->fp_alerts)
                    k++;
            }
            if (!n)
                continue;
            json_t *o = report_interval(k, n);
            json_object_set_new(o, "detector", json_string(s->m->det[d].name));
            json_object_set_new(o, "scenario", json_string(base[i]));
            json_object_set_new(o, "type", json_string(sc->type));
            json_object_set_new(o, "label",
                                json_string(sc->malicious ? "malicious" : "benign"));
            json_object_set_new(o, "median_ttd_s",
                                num3(nttd ? median(ttd, nttd) : NAN));
            json_array_append_new(a, o);
        }
    }
    free(ttd);
    free(next);
    free(first);
    free(base);
    json_decref(last);
    return a;
}

json_t *report_stats_matrix(const struct score *s)
{
    json_t *types = json_array(), *techs = json_array(), *cells = json_array();
    const struct model *m = s->m;
    int unknown = 0;
    for (size_t i = 0; i < m->nscen; i++) {
        const struct model_scenario *sc = &m->scen[i];
        size_t k, seen = 0;
        json_t *v;
        if (!sc->malicious || !score_scenario_counts(sc))
            continue;
        json_array_foreach(types, k, v) seen |= !strcmp(json_string_value(v), sc->type);
        if (!seen)
            json_array_append_new(types, json_string(sc->type));
    }
    size_t ti;
    json_t *tv;
    json_array_foreach(types, ti, tv)
    {
        const char *type = json_string_value(tv);
        for (unsigned t = 0; t <= SCORE_NTECH; t++) { /* t == SCORE_NTECH: any */
            unsigned long runs = 0, hit = 0;
            json_t *by = json_object();
            for (size_t i = 0; i < m->nscen; i++) {
                const struct model_scenario *sc = &m->scen[i];
                if (!sc->malicious || !score_scenario_counts(sc) ||
                    strcmp(sc->type, type))
                    continue;
                int caught = 0;
                runs++;
                for (size_t d = 0; d < s->ndet; d++) {
                    const struct pair_result *p = score_pair(s, d, i);
                    if (p->not_observable || !p->tp_alerts ||
                        (t < SCORE_NTECH && !(p->tp_tech & (1u << t))))
                        continue;
                    caught = 1;
                    json_t *c = json_object_get(by, m->det[d].name);
                    json_object_set_new(by, m->det[d].name,
                                        json_integer(json_integer_value(c) + 1));
                }
                hit += caught;
            }
            if (!hit && t == SCORE_NTECH - 1) {
                json_decref(by); /* "unknown" only where some alert lacked one */
                continue;
            }
            unknown |= t == SCORE_NTECH - 1;
            json_t *cell = report_interval(hit, runs);
            json_object_set_new(cell, "type", json_string(type));
            json_object_set_new(
                cell, "technique",
                json_string(t < SCORE_NTECH ? score_techniques[t] : "any"));
            json_object_set_new(cell, "detectors", by);
            json_array_append_new(cells, cell);
        }
    }
    for (unsigned t = 0; t < SCORE_NTECH; t++)
        if (t < SCORE_NTECH - 1 || unknown)
            json_array_append_new(techs, json_string(score_techniques[t]));
    json_array_append_new(techs, json_string("any"));
    return json_pack("{s:o,s:o,s:o}", "types", types, "techniques", techs, "cells",
                     cells);
}
