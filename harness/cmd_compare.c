/*
 * minerlab compare A B — what changed between two runs, per detector and
 * scenario, with Wilson 95 % intervals; exit 3 on a regression.
 *
 * A and B are run directories (their report.json) or report.json files.
 * Repeats of one scenario (ID~rK) are pooled under the base id. Only the
 * scenarios present in both runs are compared. Definitions (regression,
 * the fields read) in docs/scoring.md, "Comparing two runs".
 *
 * Every field of report.json this command needs is read in cmp_adapt() and
 * nowhere else, so a renamed field is one edit there.
 */
#include "cmd.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hxutil.h"
#include "ml_util.h"
#include "report.h"
#include "stats.h"

/* One side, after the adapter: the only shape the rest of this file sees. */
struct cmp_side {
    const char *path;
    json_t *doc;
    const char *run_id;
    /* "detector\tbase" -> {detector, scenario, malicious, n, k, ttds: [..]} */
    json_t *rows;
    /* name -> {crashed, degraded} */
    json_t *dets;
};

static int need(json_t *o, const char *key, int (*is)(const json_t *),
                const char *where, const struct cmp_side *s, char *err, size_t errlen)
{
    if (is(json_object_get(o, key)))
        return 0;
    return ml_err(err, errlen, -EINVAL,
                  "%s: report.json lacks %s.%s (a run of an older format? re-score it "
                  "with `minerlab report DIR`)",
                  s->path, where, key);
}

static int is_string(const json_t *j)
{
    return json_is_string(j);
}
static int is_bool(const json_t *j)
{
    return json_is_boolean(j);
}
static int is_array(const json_t *j)
{
    return json_is_array(j);
}
static int is_ttd(const json_t *j)
{
    return json_is_number(j) || json_is_null(j);
}

/*
 * The adapter: reads report.json fields into s->rows and s->dets.
 * Fields relied on (documented in docs/scoring.md):
 *   format ("minerlab-report/..."), run.run_id (optional),
 *   scenarios[].id, scenarios[].label ("malicious"|"benign"),
 *   results[].detector, .scenario, .counted, .detected, .false_positive,
 *   .ttd_s (number or null),
 *   detectors[].name, .crashed (bool), .degraded (count, optional).
 */
static int cmp_adapt(struct cmp_side *s, char *err, size_t errlen)
{
    json_t *doc = s->doc, *v;
    size_t i;
    const char *fmt = json_string_value(json_object_get(doc, "format"));
    if (!fmt || strncmp(fmt, "minerlab-report/", 16) != 0)
        return ml_err(
            err, errlen, -EINVAL,
            "%s: not a minerlab report (no \"format\": \"minerlab-report/N\")",
            s->path);
    s->run_id =
        json_string_value(json_object_get(json_object_get(doc, "run"), "run_id"));
    int rc = need(doc, "scenarios", is_array, "report", s, err, errlen);
    rc = rc ? rc : need(doc, "results", is_array, "report", s, err, errlen);
    rc = rc ? rc : need(doc, "detectors", is_array, "report", s, err, errlen);
    if (rc)
        return rc;
    json_t *label = json_object();
    json_array_foreach(json_object_get(doc, "scenarios"), i, v)
    {
        if ((rc = need(v, "id", is_string, "scenarios[]", s, err, errlen)) ||
            (rc = need(v, "label", is_string, "scenarios[]", s, err, errlen)))
            goto out;
        json_object_set_new(
            label, json_string_value(json_object_get(v, "id")),
            json_boolean(
                !strcmp(json_string_value(json_object_get(v, "label")), "malicious")));
    }
    s->rows = json_object();
    s->dets = json_object();
    json_array_foreach(json_object_get(doc, "results"), i, v)
    {
        static const char *const strs[] = {"detector", "scenario"};
        static const char *const bools[] = {"counted", "detected", "false_positive"};
        for (int k = 0; k < 2 && !rc; k++)
            rc = need(v, strs[k], is_string, "results[]", s, err, errlen);
        for (int k = 0; k < 3 && !rc; k++)
            rc = need(v, bools[k], is_bool, "results[]", s, err, errlen);
        if (!rc)
            rc = need(v, "ttd_s", is_ttd, "results[]", s, err, errlen);
        if (rc)
            goto out;
        if (!json_is_true(json_object_get(v, "counted")))
            continue; /* skipped, failed or never ran: not a sample */
        const char *det = json_string_value(json_object_get(v, "detector"));
        const char *id = json_string_value(json_object_get(v, "scenario"));
        char base[256], key[600];
        report_base_id(id, base, sizeof(base));
        hx_fmt(key, sizeof(key), "%s\t%s", det, base);
        int mal = json_is_true(json_object_get(label, id));
        json_t *row = json_object_get(s->rows, key);
        if (!row) {
            row = json_pack("{s:s,s:s,s:b,s:i,s:i,s:[]}", "detector", det, "scenario",
                            base, "malicious", mal, "n", 0, "k", 0, "ttds");
            json_object_set_new(s->rows, key, row);
        }
        int hit = mal ? json_is_true(json_object_get(v, "detected"))
                      : json_is_true(json_object_get(v, "false_positive"));
        json_object_set_new(
            row, "n", json_integer(json_integer_value(json_object_get(row, "n")) + 1));
        json_object_set_new(
            row, "k",
            json_integer(json_integer_value(json_object_get(row, "k")) + hit));
        json_t *ttd = json_object_get(v, "ttd_s");
        if (mal && hit && json_is_number(ttd))
            json_array_append(json_object_get(row, "ttds"), ttd);
    }
    json_array_foreach(json_object_get(doc, "detectors"), i, v)
    {
        if ((rc = need(v, "name", is_string, "detectors[]", s, err, errlen)) ||
            (rc = need(v, "crashed", is_bool, "detectors[]", s, err, errlen)))
            goto out;
        json_object_set_new(
            s->dets, json_string_value(json_object_get(v, "name")),
            json_pack("{s:b,s:I}", "crashed",
                      json_is_true(json_object_get(v, "crashed")), "degraded",
                      json_integer_value(json_object_get(v, "degraded"))));
    }
out:
    json_decref(label);
    return rc;
}

static int load_side(struct cmp_side *s, const char *arg, char *err, size_t errlen)
{
    static char paths[2][4200];
    static int which;
    struct stat st;
    char *p = paths[which++ & 1];
    if (stat(arg, &st) != 0)
        return ml_err(err, errlen, -errno, "%s: %s", arg, strerror(errno));
    if (S_ISDIR(st.st_mode))
        hx_fmt(p, 4200, "%s/report.json", arg);
    else
        hx_fmt(p, 4200, "%s", arg);
    s->path = p;
    json_error_t je;
    s->doc = json_load_file(p, 0, &je);
    if (!s->doc) {
        if (access(p, R_OK) != 0)
            return ml_err(
                err, errlen, -errno, "%s: %s%s", p, strerror(errno),
                S_ISDIR(st.st_mode) ? " (score the run with `minerlab report`)" : "");
        return ml_err(err, errlen, -EINVAL, "%s:%d: %s", p, je.line, je.text);
    }
    return cmp_adapt(s, err, errlen);
}

static double median_of(json_t *arr)
{
    size_t n = json_array_size(arr);
    if (!n)
        return NAN;
    double *v = malloc(n * sizeof(*v));
    if (!v)
        return NAN;
    for (size_t i = 0; i < n; i++)
        v[i] = json_number_value(json_array_get(arr, i));
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of repeats */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return m;
}

/* {k, n, rate, lo, hi[, median_ttd_s]} for k of n. */
static json_t *rate_json(unsigned long k, unsigned long n, json_t *ttds)
{
    double lo, hi;
    json_t *o = json_pack("{s:I,s:I}", "k", (json_int_t)k, "n", (json_int_t)n);
    if (stats_wilson(k, n, &lo, &hi) == 0) {
        json_object_set_new(o, "rate", json_real((double)k / (double)n));
        json_object_set_new(o, "lo", json_real(lo));
        json_object_set_new(o, "hi", json_real(hi));
    } else {
        json_object_set_new(o, "rate", json_null());
    }
    if (ttds) {
        double m = median_of(ttds);
        json_object_set_new(o, "median_ttd_s",
                            isfinite(m) ? json_real(m) : json_null());
    }
    return o;
}

static void fmt_rate(char *out, size_t len, json_t *r)
{
    json_t *rate = json_object_get(r, "rate");
    if (!json_is_number(rate)) {
        hx_fmt(out, len, "n/a");
        return;
    }
    hx_fmt(out, len, "%lld/%lld %.0f %% [%.0f, %.0f]",
           (long long)json_integer_value(json_object_get(r, "k")),
           (long long)json_integer_value(json_object_get(r, "n")),
           100 * json_number_value(rate),
           100 * json_number_value(json_object_get(r, "lo")),
           100 * json_number_value(json_object_get(r, "hi")));
}

/* 1 when interval b lies entirely below interval a. */
static int entirely_below(json_t *a, json_t *b)
{
    json_t *ahi = json_object_get(a, "lo"), *bhi = json_object_get(b, "hi");
    return json_is_number(ahi) && json_is_number(bhi) &&
           json_number_value(bhi) < json_number_value(ahi);
}

struct totals {
    unsigned long mk, mn, bk, bn;
};

static void add_regression(json_t *list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_regression(json_t *list, const char *fmt, ...)
{
    char buf[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_array_append_new(list, json_string(buf));
}

/* Compares the two sides into a JSON document (see docs/scoring.md). */
static json_t *compare_build(struct cmp_side *a, struct cmp_side *b, size_t *ncommon)
{
    json_t *common = json_object(), *only_a = json_array(), *only_b = json_array();
    json_t *pairs = json_array(), *dets = json_array(), *regs = json_array();
    const char *key;
    json_t *row;
    /* Scenarios (base ids) in common: any detector's row names them. */
    json_t *sa = json_object(), *sb = json_object();
    json_object_foreach(a->rows, key, row)
        json_object_set(sa, json_string_value(json_object_get(row, "scenario")), row);
    json_object_foreach(b->rows, key, row)
        json_object_set(sb, json_string_value(json_object_get(row, "scenario")), row);
    json_object_foreach(sa, key, row)
    {
        if (json_object_get(sb, key))
            json_object_set_new(common, key, json_true());
        else
            json_array_append_new(only_a, json_string(key));
    }
    json_object_foreach(sb, key, row) if (!json_object_get(sa, key))
        json_array_append_new(only_b, json_string(key));
    *ncommon = json_object_size(common);
    /* Detectors: A's order, then B's new ones. */
    json_t *names = json_array();
    json_t *dv;
    json_object_foreach(a->dets, key, dv)
        json_array_append_new(names, json_string(key));
    json_object_foreach(b->dets, key, dv) if (!json_object_get(a->dets, key))
        json_array_append_new(names, json_string(key));
    size_t di;
    json_t *nm;
    json_array_foreach(names, di, nm)
    {
        const char *det = json_string_value(nm);
        json_t *ha = json_object_get(a->dets, det), *hb = json_object_get(b->dets, det);
        struct totals ta = {0}, tb = {0};
        json_t *ra, *rb;
        const char *sk;
        json_t *sv;
        json_object_foreach(common, sk, sv)
        {
            char k2[600];
            hx_fmt(k2, sizeof(k2), "%s\t%s", det, sk);
            ra = json_object_get(a->rows, k2);
            rb = json_object_get(b->rows, k2);
            if (!ra || !rb)
                continue;
            int mal = json_is_true(json_object_get(ra, "malicious"));
            unsigned long ka =
                (unsigned long)json_integer_value(json_object_get(ra, "k"));
            unsigned long na =
                (unsigned long)json_integer_value(json_object_get(ra, "n"));
            unsigned long kb =
                (unsigned long)json_integer_value(json_object_get(rb, "k"));
            unsigned long nb =
                (unsigned long)json_integer_value(json_object_get(rb, "n"));
            json_t *ja = rate_json(ka, na, mal ? json_object_get(ra, "ttds") : NULL);
            json_t *jb = rate_json(kb, nb, mal ? json_object_get(rb, "ttds") : NULL);
            const char *change = "same";
            int reg = 0;
            double fa = na ? (double)ka / na : 0, fb = nb ? (double)kb / nb : 0;
            if (mal) {
                ta.mk += ka, ta.mn += na, tb.mk += kb, tb.mn += nb;
                change = fb > fa ? "better" : fb < fa ? "worse" : "same";
                if ((reg = entirely_below(ja, jb)))
                    add_regression(regs,
                                   "%s: %s detected %lu/%lu, was %lu/%lu (interval "
                                   "entirely below)",
                                   det, sk, kb, nb, ka, na);
            } else {
                ta.bk += ka, ta.bn += na, tb.bk += kb, tb.bn += nb;
                change = fb < fa ? "better" : fb > fa ? "worse" : "same";
                if ((reg = ka == 0 && kb > 0))
                    add_regression(regs, "%s: benign %s newly flagged (%lu/%lu runs)",
                                   det, sk, kb, nb);
            }
            json_array_append_new(pairs,
                                  json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:b}", "detector",
                                            det, "scenario", sk, "label",
                                            mal ? "malicious" : "benign", "a", ja, "b",
                                            jb, "change", change, "regression", reg));
        }
        json_t *tpa = rate_json(ta.mk, ta.mn, NULL),
               *tpb = rate_json(tb.mk, tb.mn, NULL);
        int reg = 0;
        if (entirely_below(tpa, tpb)) {
            reg = 1;
            add_regression(regs,
                           "%s: TPR %lu/%lu, was %lu/%lu (interval entirely below)",
                           det, tb.mk, tb.mn, ta.mk, ta.mn);
        }
        int ca = ha && json_is_true(json_object_get(ha, "crashed"));
        int cb = hb && json_is_true(json_object_get(hb, "crashed"));
        json_int_t ga = ha ? json_integer_value(json_object_get(ha, "degraded")) : 0;
        json_int_t gb = hb ? json_integer_value(json_object_get(hb, "degraded")) : 0;
        if (hb && cb && !ca) {
            reg = 1;
            add_regression(regs, "%s: crashed (it did not in A)", det);
        }
        if (hb && gb > 0 && ga == 0) {
            reg = 1;
            add_regression(regs, "%s: degraded (it was not in A)", det);
        }
        json_t *o = json_pack(
            "{s:s,s:b,s:b,s:{s:o,s:o,s:b,s:I},s:{s:o,s:o,s:b,s:I},s:b}", "name", det,
            "in_a", ha != NULL, "in_b", hb != NULL, "a", "tpr", tpa, "fpr",
            rate_json(ta.bk, ta.bn, NULL), "crashed", ca, "degraded", ga, "b", "tpr",
            tpb, "fpr", rate_json(tb.bk, tb.bn, NULL), "crashed", cb, "degraded", gb,
            "regression", reg);
        json_array_append_new(dets, o);
    }
    json_t *sc = json_array();
    json_object_foreach(common, key, row) json_array_append_new(sc, json_string(key));
    json_t *doc = json_pack(
        "{s:s,s:{s:s,s:s?},s:{s:s,s:s?},s:o,s:o,s:o,s:o,s:o,s:o}", "format",
        "minerlab-compare/1", "a", "path", a->path, "run_id", a->run_id, "b", "path",
        b->path, "run_id", b->run_id, "common_scenarios", sc, "only_in_a", only_a,
        "only_in_b", only_b, "detectors", dets, "pairs", pairs, "regressions", regs);
    json_decref(names);
    json_decref(common);
    json_decref(sa);
    json_decref(sb);
    return doc;
}

static void print_markdown(FILE *out, json_t *doc)
{
    size_t i;
    json_t *v;
    char ra[96], rb[96], fa[96], fb[96];
    json_t *a = json_object_get(doc, "a"), *b = json_object_get(doc, "b");
    fprintf(
        out, "# minerlab compare\n\n- A (old): `%s`%s%s\n- B (new): `%s`%s%s\n",
        json_string_value(json_object_get(a, "path")),
        json_object_get(a, "run_id") ? " run " : "",
        json_object_get(a, "run_id") ? json_string_value(json_object_get(a, "run_id"))
                                     : "",
        json_string_value(json_object_get(b, "path")),
        json_object_get(b, "run_id") ? " run " : "",
        json_object_get(b, "run_id") ? json_string_value(json_object_get(b, "run_id"))
                                     : "");
    fprintf(out,
            "- scenarios compared: %zu (only in A: %zu, only in B: %zu); repeats ID~rK "
            "pooled; rates with Wilson 95 %% intervals\n\n",
            json_array_size(json_object_get(doc, "common_scenarios")),
            json_array_size(json_object_get(doc, "only_in_a")),
            json_array_size(json_object_get(doc, "only_in_b")));
    fputs("| detector | TPR A | TPR B | FPR A | FPR B | health A | health B |\n"
          "|---|---|---|---|---|---|---|\n",
          out);
    json_array_foreach(json_object_get(doc, "detectors"), i, v)
    {
        json_t *da = json_object_get(v, "a"), *db = json_object_get(v, "b");
        fmt_rate(ra, sizeof(ra), json_object_get(da, "tpr"));
        fmt_rate(rb, sizeof(rb), json_object_get(db, "tpr"));
        fmt_rate(fa, sizeof(fa), json_object_get(da, "fpr"));
        fmt_rate(fb, sizeof(fb), json_object_get(db, "fpr"));
        const char *h[2];
        json_t *side[2] = {da, db};
        for (int k = 0; k < 2; k++)
            h[k] = !json_is_true(json_object_get(v, k ? "in_b" : "in_a")) ? "absent"
                   : json_is_true(json_object_get(side[k], "crashed"))    ? "crashed"
                   : json_integer_value(json_object_get(side[k], "degraded"))
                       ? "degraded"
                       : "ok";
        fprintf(out, "| %s%s | %s | %s | %s | %s | %s | %s |\n",
                json_string_value(json_object_get(v, "name")),
                json_is_true(json_object_get(v, "regression")) ? " **REGRESSION**" : "",
                ra, rb, fa, fb, h[0], h[1]);
    }
    size_t same = 0;
    fputs("\n## What changed per scenario\n\n"
          "| detector | scenario | label | A | B | median TTD A → B | change |\n"
          "|---|---|---|---|---|---|---|\n",
          out);
    json_array_foreach(json_object_get(doc, "pairs"), i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "change")), "same")) {
            same++;
            continue;
        }
        json_t *pa = json_object_get(v, "a"), *pb = json_object_get(v, "b");
        fmt_rate(ra, sizeof(ra), pa);
        fmt_rate(rb, sizeof(rb), pb);
        json_t *t0 = json_object_get(pa, "median_ttd_s"),
               *t1 = json_object_get(pb, "median_ttd_s");
        char ttd[64] = "–";
        if (json_is_number(t0) || json_is_number(t1)) {
            char x[24] = "–", y[24] = "–";
            if (json_is_number(t0))
                hx_fmt(x, sizeof(x), "%.1f s", json_number_value(t0));
            if (json_is_number(t1))
                hx_fmt(y, sizeof(y), "%.1f s", json_number_value(t1));
            hx_fmt(ttd, sizeof(ttd), "%s → %s", x, y);
        }
        fprintf(out, "| %s | %s | %s | %s | %s | %s | %s%s |\n",
                json_string_value(json_object_get(v, "detector")),
                json_string_value(json_object_get(v, "scenario")),
                json_string_value(json_object_get(v, "label")), ra, rb, ttd,
                json_string_value(json_object_get(v, "change")),
                json_is_true(json_object_get(v, "regression")) ? " **REGRESSION**"
                                                               : "");
    }
    fprintf(out, "\n%zu detector × scenario pairs unchanged.\n\n## Regressions\n\n",
            same);
    json_t *regs = json_object_get(doc, "regressions");
    if (!json_array_size(regs))
        fputs("None.\n", out);
    json_array_foreach(regs, i, v) fprintf(out, "- %s\n", json_string_value(v));
}

int cmd_compare(int argc, char **argv)
{
    const char *json_path = NULL;
    int first, status = HX_EXIT_USAGE;
    char err[1200];
    const struct opt opts[] = {
        {"json", OPT_STRING, &json_path, 0, 0, "FILE",
         "also write the comparison as JSON"},
    };
    const struct opt_cmd cmd = {
        "minerlab compare",
        "A B",
        2,
        2,
        "A, B: run directories or report.json files (A the old run, B the new).\n"
        "Prints what changed per detector and scenario (repeats ID~rK pooled)\n"
        "with Wilson 95 % intervals as Markdown; --json also writes JSON.\n"
        "Exit 0 no regression, 3 regression, 2 bad input.",
        opts,
        sizeof(opts) / sizeof(opts[0])};
    int rc = opt_cmd_parse(&cmd, argc, argv, &first);
    if (rc)
        return rc > 0 ? HX_EXIT_OK : HX_EXIT_USAGE;
    struct cmp_side a = {0}, b = {0};
    json_t *doc = NULL;
    size_t ncommon = 0;
    if (load_side(&a, argv[first], err, sizeof(err)) ||
        load_side(&b, argv[first + 1], err, sizeof(err))) {
        fprintf(stderr, "minerlab compare: %s\n", err);
        goto out;
    }
    doc = compare_build(&a, &b, &ncommon);
    if (!doc) {
        fprintf(stderr, "minerlab compare: out of memory\n");
        goto out;
    }
    if (ncommon == 0) {
        fprintf(stderr,
                "minerlab compare: %s and %s have no scenario in common (that ran and "
                "was scored)\n",
                a.path, b.path);
        goto out;
    }
    if (json_path && json_dump_file(doc, json_path, JSON_INDENT(2) | JSON_SORT_KEYS)) {
        fprintf(stderr, "minerlab compare: %s: cannot write\n", json_path);
        goto out;
    }
    print_markdown(stdout, doc);
    status = json_array_size(json_object_get(doc, "regressions")) ? HX_EXIT_REGRESSION
                                                                  : HX_EXIT_OK;
out:
    json_decref(doc);
    json_decref(a.doc);
    json_decref(a.rows);
    json_decref(a.dets);
    json_decref(b.doc);
    json_decref(b.rows);
    json_decref(b.dets);
    return status;
}
