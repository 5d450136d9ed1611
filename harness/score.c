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

const char *const score_techniques[SCORE_NTECH] = {
    "system-metrics", "network", "memory", "script", "browser", "other", "unknown"};

unsigned score_technique_index(const char *technique)
{
    for (unsigned i = 0; technique && i < SCORE_NTECH - 1; i++)
        if (strcmp(technique, score_techniques[i]) == 0)
            return i;
    return SCORE_NTECH - 1;
}

/* Lands an alert (or an observation: its score only) on a pair. */
static void credit(struct score *s, size_t d, size_t si, double ts, int tp,
                   const struct score_alert *a)
{
    struct pair_result *p = &s->pairs[d * s->nscen + si];
    if (a->has_score && (!p->has_score || a->score > p->max_score)) {
        p->has_score = 1;
        p->max_score = a->score;
    }
    if (a->observation)
        return;
    if (tp)
        p->tp_tech |= 1u << score_technique_index(a->technique);
    else
        p->fp_tech |= 1u << score_technique_index(a->technique);
    if (tp) {
        if (p->tp_alerts++ == 0 || ts < p->first_tp_ts)
            p->first_tp_ts = ts;
    } else if (p->fp_alerts++ == 0 || ts < p->first_fp_ts) {
        p->first_fp_ts = ts;
    }
}

/*
 * Which candidate window an alert that names no workload belongs to: the
 * scenario running at ts (the latest started when two run), else the one in
 * its grace period that started last (cand[] is ordered latest start first).
 */
static size_t sole_scenario(const struct score *s, const size_t *cand, size_t n,
                            double ts)
{
    for (size_t i = 0; i < n; i++) {
        const struct model_scenario *sc = &s->m->scen[cand[i]];
        if (ts >= sc->start && ts <= sc->end)
            return cand[i];
    }
    return cand[0];
}

const char *score_verdict_name(enum alert_verdict v)
{
    static const char *const names[] = {"tp",  "fp",      "off_target",
                                        "lab", "outside", "unknown"};
    return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "unknown";
}

/* The lab role of a pid alert at ts, or NULL. */
static const char *lab_role_at(const struct score *s, int pid, double ts,
                               const size_t *cand, size_t n)
{
    const char *r = model_lab_role(s->m, NULL, pid, ts);
    for (size_t i = 0; !r && i < n; i++)
        r = model_lab_role(s->m, &s->m->scen[cand[i]], pid, ts);
    return r;
}

static struct det_result *det_bucket(struct score *s, long d)
{
    if (!s->det)
        s->det = calloc(s->ndet + 1, sizeof(*s->det));
    return s->det ? &s->det[d] : NULL;
}

static void note_lab(struct score *s, long d, const char *role)
{
    struct det_result *r = det_bucket(s, d);
    size_t max = sizeof(r->lab_roles) / sizeof(r->lab_roles[0]);
    if (!r)
        return;
    for (size_t i = 0; i < r->nlab_roles; i++)
        if (strcmp(r->lab_roles[i].role, role) == 0) {
            r->lab_roles[i].alerts++;
            return;
        }
    if (r->nlab_roles == max) { /* more roles than slots: the last one is "other" */
        hx_fmt(r->lab_roles[max - 1].role, sizeof(r->lab_roles[0].role), "other");
        r->lab_roles[max - 1].alerts++;
        return;
    }
    hx_fmt(r->lab_roles[r->nlab_roles].role, sizeof(r->lab_roles[0].role), "%s", role);
    r->lab_roles[r->nlab_roles++].alerts = 1;
}

static void note_off(struct score *s, long d, const struct score_alert *a)
{
    struct det_result *r = det_bucket(s, d);
    if (!r)
        return;
    char key[48];
    hx_fmt(key, sizeof(key), "%.24s/%s", a->technique ? a->technique : "unknown",
           a->pid > 0 ? "pid" : "flow");
    size_t max = sizeof(r->off_classes) / sizeof(r->off_classes[0]);
    for (size_t i = 0; i < r->noff_classes; i++)
        if (strcmp(r->off_classes[i].key, key) == 0) {
            r->off_classes[i].alerts++;
            return;
        }
    if (r->noff_classes < max) {
        hx_fmt(r->off_classes[r->noff_classes].key, sizeof(key), "%s", key);
        r->off_classes[r->noff_classes++].alerts = 1;
    } else { /* more classes than slots: the last one is "other" */
        hx_fmt(r->off_classes[max - 1].key, sizeof(key), "other");
        r->off_classes[max - 1].alerts++;
    }
}

enum alert_verdict score_add_alert(struct score *s, const struct score_alert *a)
{
    long d = det_index(s, a->detector);
    if (d < 0) {
        s->unknown_alerts++;
        return AV_UNKNOWN;
    }
    /* The harness's clock decides; a detector cannot backdate itself. */
    double ts = a->recv_ts > 0 ? a->recv_ts : a->ts;
    size_t cand[8];
    size_t n = candidates(s, ts, cand, 8);
    if (a->pid > 0 || (a->src && a->dst)) {
        enum alert_verdict v = AV_FP;
        int matched = 0;
        for (size_t i = 0; i < n; i++) {
            const struct model_scenario *sc = &s->m->scen[cand[i]];
            if ((a->pid > 0 && model_has_pid(sc, a->pid)) ||
                model_has_flow(sc, a->src, a->dst)) {
                credit(s, (size_t)d, cand[i], ts, sc->malicious, a);
                if (sc->malicious)
                    v = AV_TP;
                matched = 1;
            }
        }
        if (matched)
            return v;
        if (a->observation) /* never a false alarm: it is not an alert */
            return n ? AV_OFF_TARGET : AV_OUTSIDE;
        const char *role = a->pid > 0 ? lab_role_at(s, a->pid, ts, cand, n) : NULL;
        if (role) {
            note_lab(s, d, role);
            return AV_LAB;
        }
        if (n == 0)
            return AV_OUTSIDE;
        /* A process or flow of no workload: a false alarm on the host. */
        s->pairs[(size_t)d * s->nscen + sole_scenario(s, cand, n, ts)].off_alerts++;
        note_off(s, d, a);
        return AV_OFF_TARGET;
    }
    if (n == 0)
        return AV_OUTSIDE;
    size_t si = sole_scenario(s, cand, n, ts);
    const struct model_scenario *sc = &s->m->scen[si];
    credit(s, (size_t)d, si, ts, sc->malicious, a);
    return sc->malicious ? AV_TP : AV_FP;
}

int score_observable(const struct model_detector *d, const struct model_scenario *sc)
{
    if (!d || d->min_obs_s <= 0 || sc->start <= 0)
        return 1;
    double origin = sc->miner_start > sc->start ? sc->miner_start : sc->start;
    return sc->end - origin >= d->min_obs_s;
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

/* Hours the run lasted (its recorded start to finish, else its windows). */
static double run_hours(const struct model *m)
{
    double from = m->started, to = m->finished;
    for (size_t i = 0; i < m->nscen; i++) {
        const struct model_scenario *sc = &m->scen[i];
        if (sc->start <= 0)
            continue;
        if (from <= 0 || sc->start < from)
            from = sc->start;
        if (sc->end + m->grace_s > to && m->finished <= 0)
            to = sc->end + m->grace_s;
    }
    return to > from && from > 0 ? (to - from) / 3600 : -1;
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
        r->off_pairs += p->off_alerts > 0;
        p->not_observable = !score_observable(&s->m->det[d], sc);
        if (p->not_observable) {
            /* It could not judge this window: neither missed nor clean. */
            r->not_observable++;
            continue;
        }
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
    r->precision = ratio(r->tp_pairs, r->tp_pairs + r->fp_pairs + r->off_pairs);
    double hours = run_hours(s->m);
    r->off_target_per_h = hours > 0 ? (double)r->off_target / hours : -1;
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
        s->det[d].outside = keep.outside;
        s->det[d].off_target = keep.off_target;
        s->det[d].lab = keep.lab;
        memcpy(s->det[d].off_classes, keep.off_classes, sizeof(keep.off_classes));
        s->det[d].noff_classes = keep.noff_classes;
        memcpy(s->det[d].lab_roles, keep.lab_roles, sizeof(keep.lab_roles));
        s->det[d].nlab_roles = keep.nlab_roles;
        s->det[d].observations = keep.observations;
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
        if (!score_scenario_counts(sc) || !score_observable(&s->m->det[det], sc))
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
    long d = det_index(s, det);
    struct det_result *r = d < 0 ? NULL : det_bucket(s, d);
    if (!r)
        return;
    r->alerts++;
    if (v == AV_OUTSIDE)
        r->outside++;
    else if (v == AV_OFF_TARGET)
        r->off_target++;
    else if (v == AV_LAB)
        r->lab++;
}

enum alert_verdict score_count_alert(struct score *s, const struct score_alert *a)
{
    enum alert_verdict v = score_add_alert(s, a);
    count_verdict(s, a->detector, v);
    return v;
}

/* An observation: attributed for its score, counted as an observation. */
static void take_observation(struct score *s, const struct score_alert *a)
{
    long d = det_index(s, a->detector);
    struct det_result *r = d < 0 ? NULL : det_bucket(s, d);
    if (!r)
        return;
    r->observations++;
    score_add_alert(s, a);
}

static void take_alert(struct score *s, const struct score_alert *a)
{
    score_count_alert(s, a);
}

/* Streams one JSON-lines file of alerts or observations into s. */
static int read_lines(struct score *s, const char *dir, const char *name,
                      int observations, char *err, size_t errlen)
{
    void (*take)(struct score *, const struct score_alert *) =
        observations ? take_observation : take_alert;
    char path[4096];
    hx_fmt(path, sizeof(path), "%s/%s", dir, name);
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
            struct score_alert a = {af.detector,
                                    af.ts,
                                    af.pid,
                                    af.src[0] ? af.src : NULL,
                                    af.dst[0] ? af.dst : NULL,
                                    af.recv_ts,
                                    af.technique[0] ? af.technique : NULL,
                                    af.has_score,
                                    af.score,
                                    observations};
            take(s, &a);
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
            .recv_ts = json_number_value(json_object_get(o, "recv_ts")),
            .technique = json_string_value(json_object_get(o, "technique")),
            .has_score = json_is_number(json_object_get(o, "score")),
            .score = json_number_value(json_object_get(o, "score")),
            .observation = observations,
        };
        if (a.detector)
            take(s, &a);
        json_decref(o);
    }
    int rc = ferror(f) ? ml_err(err, errlen, -EIO, "%s: read error", path) : 0;
    free(line);
    fclose(f);
    return rc;
}

int score_read_alerts(struct score *s, const char *dir, char *err, size_t errlen)
{
    return read_lines(s, dir, "alerts.jsonl", 0, err, errlen);
}

int score_read_observations(struct score *s, const char *dir, char *err, size_t errlen)
{
    return read_lines(s, dir, "observations.jsonl", 1, err, errlen);
}

int score_load_dir(const char *dir, struct model **m, struct score **s, char *err,
                   size_t errlen)
{
    *s = NULL;
    int rc = rundir_load(dir, m, err, errlen);
    if (rc)
        return rc;
    if (!(*s = score_new(*m)))
        rc = ml_err(err, errlen, -ENOMEM, "%s: out of memory", dir);
    if (!rc)
        rc = score_read_alerts(*s, dir, err, errlen);
    if (!rc)
        rc = score_read_observations(*s, dir, err, errlen);
    if (!rc && score_finish(*s))
        rc = ml_err(err, errlen, -ENOMEM, "%s: out of memory", dir);
    if (rc) {
        score_free(*s);
        model_free(*m);
        *s = NULL;
        *m = NULL;
    }
    return rc;
}
