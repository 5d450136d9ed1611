#include "hxutil.h"
#include "score.h"

#include "alert_scan.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"

int score_scenario_counts(const struct model_scenario *sc)
{
    return sc->start > 0 && (sc->status == ST_RAN || sc->status == ST_INTERRUPTED);
}

static int cmp_start(const void *a, const void *b, void *ctx)
{
    const struct model *m = ctx;
    double x = m->scen[*(const size_t *)a].start;
    double y = m->scen[*(const size_t *)b].start;
    return (x > y) - (x < y);
}

struct score *score_new(const struct model *m)
{
    struct score *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->m = m;
    s->ndet = m->ndet;
    s->nscen = m->nscen;
    s->pairs = calloc(m->ndet * m->nscen + 1, sizeof(*s->pairs));
    s->by_start = calloc(m->nscen + 1, sizeof(*s->by_start));
    if (!s->pairs || !s->by_start) {
        score_free(s);
        return NULL;
    }
    for (size_t i = 0; i < m->ndet * m->nscen; i++)
        s->pairs[i].ttd_s = -1;
    for (size_t i = 0; i < m->nscen; i++)
        if (score_scenario_counts(&m->scen[i]))
            s->by_start[s->nwin++] = i;
    qsort_r(s->by_start, s->nwin, sizeof(size_t), cmp_start, (void *)m);
    return s;
}

void score_free(struct score *s)
{
    if (!s)
        return;
    if (s->det)
        for (size_t i = 0; i < s->ndet; i++)
            free(s->det[i].curve);
    free(s->det);
    free(s->pairs);
    free(s->by_start);
    free(s);
}

/* Detector index by name; the list is short, a linear scan is fine. */
static long det_index(const struct score *s, const char *name)
{
    for (size_t i = 0; i < s->ndet; i++)
        if (strcmp(s->m->det[i].name, name) == 0)
            return (long)i;
    return -1;
}

/*
 * Scenario windows containing ts (with grace), at most `max`. Windows run
 * one after another, so walk back from the last one that started by ts.
 */
static size_t candidates(const struct score *s, double ts, size_t *out, size_t max)
{
    size_t lo = 0, hi = s->nwin, n = 0;
    while (lo < hi) { /* first window starting after ts */
        size_t mid = (lo + hi) / 2;
        if (s->m->scen[s->by_start[mid]].start <= ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = lo; k-- > 0 && n < max;) {
        const struct model_scenario *sc = &s->m->scen[s->by_start[k]];
        if (sc->end + s->m->grace_s >= ts)
            out[n++] = s->by_start[k];
        else
            break; /* earlier windows ended earlier still */
    }
    return n;
}

static void credit(struct score *s, size_t d, size_t si, double ts, int tp)
{
    struct pair_result *p = &s->pairs[d * s->nscen + si];
    if (tp) {
        if (p->tp_alerts++ == 0 || ts < p->first_tp_ts)
            p->first_tp_ts = ts;
    } else if (p->fp_alerts++ == 0 || ts < p->first_fp_ts) {
        p->first_fp_ts = ts;
    }
}

/*
 * Which candidate a host-level (or unmatched) alert belongs to: the one
 * scenario actually running at ts, else the only one in its grace period.
 * -1 when that is not exactly one (ambiguous).
 */
static long sole_scenario(const struct score *s, const size_t *cand, size_t n,
                          double ts)
{
    long running = -1;
    for (size_t i = 0; i < n; i++) {
        const struct model_scenario *sc = &s->m->scen[cand[i]];
        if (ts >= sc->start && ts <= sc->end) {
            if (running >= 0)
                return -1;
            running = (long)cand[i];
        }
    }
    if (running >= 0)
        return running;
    return n == 1 ? (long)cand[0] : -1;
}

enum alert_verdict score_add_alert(struct score *s, const struct score_alert *a)
{
    long d = det_index(s, a->detector);
    if (d < 0) {
        s->unknown_alerts++;
        return AV_UNKNOWN;
    }
    size_t cand[8];
    size_t n = candidates(s, a->ts, cand, 8);
    if (n == 0)
        return AV_OUTSIDE;
    if (a->pid > 0 || (a->src && a->dst)) {
        enum alert_verdict v = AV_FP;
        int matched = 0;
        for (size_t i = 0; i < n; i++) {
            const struct model_scenario *sc = &s->m->scen[cand[i]];
            if ((a->pid > 0 && model_has_pid(sc, a->pid)) ||
                model_has_flow(sc, a->src, a->dst)) {
                credit(s, (size_t)d, cand[i], a->ts, sc->malicious);
                if (sc->malicious)
                    v = AV_TP;
                matched = 1;
            }
        }
        /* Names a process or flow that is no workload of this run. */
        return matched ? v : AV_UNMATCHED;
    }
    long si = sole_scenario(s, cand, n, a->ts);
    if (si < 0)
        return AV_AMBIGUOUS;
    const struct model_scenario *sc = &s->m->scen[si];
    credit(s, (size_t)d, (size_t)si, a->ts, sc->malicious);
    return sc->malicious ? AV_TP : AV_FP;
}

const struct pair_result *score_pair(const struct score *s, size_t det, size_t scen)
{
    return &s->pairs[det * s->nscen + scen];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_point(const void *a, const void *b)
{
    const struct duty_point *x = a, *y = b;
    int c = strcmp(x->type, y->type);
    if (c)
        return c;
    return (x->duty_pct > y->duty_pct) - (x->duty_pct < y->duty_pct);
}

static int add_curve_point(struct det_result *r, const struct model_scenario *sc,
                           int detected)
{
    for (size_t i = 0; i < r->ncurve; i++) {
        struct duty_point *p = &r->curve[i];
        if (p->duty_pct == sc->duty_pct && strcmp(p->type, sc->type) == 0) {
            p->ran++;
            p->detected += (unsigned)detected;
            return 0;
        }
    }
    struct duty_point *c = realloc(r->curve, (r->ncurve + 1) * sizeof(*c));
    if (!c)
        return -ENOMEM;
    r->curve = c;
    struct duty_point *p = &c[r->ncurve++];
    memset(p, 0, sizeof(*p));
    hx_fmt(p->type, sizeof(p->type), "%s", sc->type);
    p->duty_pct = sc->duty_pct;
    p->ran = 1;
    p->detected = (unsigned)detected;
    return 0;
}

static double ratio(unsigned num, unsigned den)
{
    return den ? (double)num / den : -1;
}

static int finish_detector(struct score *s, size_t d, double *ttds)
{
    struct det_result *r = &s->det[d];
    size_t nttd = 0;
    r->lowest_duty_pct = -1;
    for (size_t i = 0; i < s->nscen; i++) {
        const struct model_scenario *sc = &s->m->scen[i];
        struct pair_result *p = &s->pairs[d * s->nscen + i];
        r->tp_alerts += p->tp_alerts;
        r->fp_alerts += p->fp_alerts;
        if (!score_scenario_counts(sc))
            continue;
        if (p->fp_alerts)
            r->fp_pairs++;
        if (!sc->malicious) {
            r->ben_ran++;
            r->ben_flagged += p->fp_alerts > 0;
            continue;
        }
        r->mal_ran++;
        if (p->tp_alerts) {
            double origin = sc->miner_start > 0 ? sc->miner_start : sc->start;
            p->ttd_s = p->first_tp_ts > origin ? p->first_tp_ts - origin : 0;
            ttds[nttd++] = p->ttd_s;
            r->mal_detected++;
            r->tp_pairs++;
            if (r->lowest_duty_pct < 0 || (int)sc->duty_pct < r->lowest_duty_pct)
                r->lowest_duty_pct = (int)sc->duty_pct;
        }
        if (add_curve_point(r, sc, p->tp_alerts > 0))
            return -ENOMEM;
    }
    r->tpr = ratio(r->mal_detected, r->mal_ran);
    r->fpr = ratio(r->ben_flagged, r->ben_ran);
    r->precision = ratio(r->tp_pairs, r->tp_pairs + r->fp_pairs);
    r->median_ttd_s = -1;
    if (nttd) {
        qsort(ttds, nttd, sizeof(double), cmp_double);
        r->median_ttd_s =
            nttd % 2 ? ttds[nttd / 2] : (ttds[nttd / 2 - 1] + ttds[nttd / 2]) / 2;
    }
    if (r->ncurve)
        qsort(r->curve, r->ncurve, sizeof(*r->curve), cmp_point);
    return 0;
}

int score_finish(struct score *s)
{
    double *ttds = calloc(s->nscen + 1, sizeof(double));
    if (!s->det)
        s->det = calloc(s->ndet + 1, sizeof(*s->det));
    int rc = (!ttds || !s->det) ? -ENOMEM : 0;
    for (size_t d = 0; !rc && d < s->ndet; d++) {
        struct det_result keep = s->det[d];
        free(s->det[d].curve);
        memset(&s->det[d], 0, sizeof(s->det[d]));
        s->det[d].alerts = keep.alerts;
        s->det[d].ambiguous = keep.ambiguous;
        s->det[d].outside = keep.outside;
        s->det[d].unmatched = keep.unmatched;
        rc = finish_detector(s, d, ttds);
    }
    free(ttds);
    return rc;
}

const char *score_expect_outcome(const struct score *s, size_t det, size_t scen)
{
    const struct model_scenario *sc = &s->m->scen[scen];
    const char *name = s->m->det[det].name;
    for (size_t i = 0; i < sc->nexpect; i++) {
        if (strcmp(sc->expect[i].detector, name) != 0)
            continue;
        if (!score_scenario_counts(sc))
            return "skipped";
        const struct pair_result *p = score_pair(s, det, scen);
        int detected = sc->malicious ? p->tp_alerts > 0 : p->fp_alerts > 0;
        return detected == sc->expect[i].detect ? "pass" : "fail";
    }
    return NULL;
}

/* Per-alert bookkeeping that score_add_alert leaves to the reader. */
static void count_verdict(struct score *s, const char *det, enum alert_verdict v)
{
    if (!s->det)
        s->det = calloc(s->ndet + 1, sizeof(*s->det));
    long d = det_index(s, det);
    if (d < 0 || !s->det)
        return;
    s->det[d].alerts++;
    if (v == AV_AMBIGUOUS)
        s->det[d].ambiguous++;
    else if (v == AV_OUTSIDE)
        s->det[d].outside++;
    else if (v == AV_UNMATCHED)
        s->det[d].unmatched++;
}

int score_read_alerts(struct score *s, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    hx_fmt(path, sizeof(path), "%s/alerts.jsonl", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT
                   ? 0
                   : ml_err(err, errlen, -errno, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        struct alert_fields af;
        if (n > 0 && line[n - 1] == '\n')
            n--;
        if (alert_scan(line, (size_t)n, &af) == 0) {
            struct score_alert a = {af.detector, af.ts, af.pid,
                                    af.src[0] ? af.src : NULL,
                                    af.dst[0] ? af.dst : NULL};
            count_verdict(s, a.detector, score_add_alert(s, &a));
            continue;
        }
        json_t *o = json_loadb(line, (size_t)n, 0, NULL);
        if (!o)
            continue;
        json_t *flow = json_object_get(o, "flow");
        const char *det = json_string_value(json_object_get(o, "detector_name"));
        struct score_alert a = {
            .detector = det ? det : json_string_value(json_object_get(o, "detector")),
            .ts = json_number_value(json_object_get(o, "ts")),
            .pid = (int)json_integer_value(json_object_get(o, "pid")),
            .src = json_string_value(json_object_get(flow, "src")),
            .dst = json_string_value(json_object_get(flow, "dst")),
        };
        if (a.detector)
            count_verdict(s, a.detector, score_add_alert(s, &a));
        json_decref(o);
    }
    int rc = ferror(f) ? ml_err(err, errlen, -EIO, "%s: read error", path) : 0;
    free(line);
    fclose(f);
    return rc;
}
