/*
 * report_soak — renders a soak directory's soak.json (soak.h), complete or
 * partial, into report.json, report.md and report.html. Everything is
 * derived from soak.json alone, so `minerlab report DIR` on a killed soak
 * shows what it measured up to its last minute.
 */
#include "soak.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hxutil.h"
#include "ml_util.h"
#include "report.h"
#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static json_t *interval(unsigned long k, unsigned long n)
{
    double lo, hi;
    if (stats_wilson(k, n, &lo, &hi))
        return json_null();
    return json_pack("[f,f]", lo, hi);
}

/* Per-detector figures of one soak document (new object). */
static json_t *det_summary(json_t *soak, const char *det)
{
    json_t *eps = json_object_get(soak, "episodes"), *ep;
    size_t i, judged = 0, caught = 0, nlat = 0;
    double *lat = calloc(json_array_size(eps) + 1, sizeof(double));
    json_t *types = json_object();
    json_array_foreach(eps, i, ep)
    {
        if (!json_is_true(json_object_get(ep, "judged")))
            continue;
        json_t *d = json_object_get(json_object_get(ep, "detectors"), det);
        int c = json_is_true(json_object_get(d, "caught"));
        const char *type = json_string_value(json_object_get(ep, "type"));
        json_t *t = json_object_get(types, type ? type : "?");
        if (!t) {
            t = json_pack("{s:i,s:i}", "judged", 0, "caught", 0);
            json_object_set_new(types, type ? type : "?", t);
        }
        json_object_set_new(
            t, "judged",
            json_integer(json_integer_value(json_object_get(t, "judged")) + 1));
        json_object_set_new(
            t, "caught",
            json_integer(json_integer_value(json_object_get(t, "caught")) + c));
        judged++;
        if (c) {
            caught++;
            if (lat && json_is_number(json_object_get(d, "latency_s")))
                lat[nlat++] = json_number_value(json_object_get(d, "latency_s"));
        }
    }
    json_t *fa = json_object_get(json_object_get(soak, "false_alarms"), det);
    json_int_t fp = json_integer_value(json_object_get(fa, "fp"));
    json_int_t outside = json_integer_value(json_object_get(fa, "outside"));
    json_int_t lab = json_integer_value(json_object_get(fa, "lab"));
    double quiet_h = json_number_value(json_object_get(soak, "quiet_s")) / 3600.0;
    json_t *o = json_pack("{s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:o}", "episodes_judged",
                          (json_int_t)judged, "episodes_caught", (json_int_t)caught,
                          "caught_interval", interval(caught, judged), "false_alarms",
                          fp + outside, "false_alarms_fp", fp, "false_alarms_outside",
                          outside, "lab_alerts", lab, "by_type", types);
    json_object_set_new(o, "caught_share",
                        judged ? json_real((double)caught / (double)judged)
                               : json_null());
    json_object_set_new(o, "false_alarms_per_host_hour",
                        quiet_h > 0 ? json_real((double)(fp + outside) / quiet_h)
                                    : json_null());
    if (nlat) {
        qsort(lat, nlat, sizeof(double), cmp_double);
        double med = nlat % 2 ? lat[nlat / 2] : (lat[nlat / 2 - 1] + lat[nlat / 2]) / 2;
        json_object_set_new(o, "median_latency_s", json_real(med));
        json_object_set_new(o, "max_latency_s", json_real(lat[nlat - 1]));
    } else {
        json_object_set_new(o, "median_latency_s", json_null());
        json_object_set_new(o, "max_latency_s", json_null());
    }
    struct stats_survival sv;
    if (lat && judged && stats_ttd_survival(lat, nlat, judged - caught, &sv) == 0) {
        json_t *within = json_object();
        for (int k = 0; k < STATS_TTD_NCUTS; k++) {
            char key[16];
            hx_fmt(key, sizeof(key), "%.0f", stats_ttd_cuts_s[k]);
            json_object_set_new(within, key, json_real(sv.share[k]));
        }
        json_object_set_new(o, "caught_within_s", within);
    }
    free(lat);
    return o;
}

static const char *const soak_definitions[][2] = {
    {"episode",
     "a miner started from an attack scenario's launch recipe, at a duty and "
     "for a length drawn from the seed; judged when it ran to its end and its "
     "miner started"},
    {"caught", "an alert in the episode's window (+ grace) that names its workload "
               "(process or flow) or names none (host-level), as the scorer's tp"},
    {"latency", "first such alert (harness receive time) minus the miner's start"},
    {"false alarms", "alerts outside every episode window (+ grace) that name a "
                     "background benign workload (fp) or no workload (outside); "
                     "alerts naming the lab's own processes are counted apart (lab)"},
    {"per host-hour",
     "false alarms divided by the quiet hours: the soak's time outside "
     "episode windows (+ grace), after the detectors' warm-up"},
    {"interval", "Wilson 95 % score interval of the caught share"},
};

static json_t *build(json_t *soak)
{
    json_t *dets = json_object_get(soak, "detectors"), *d, *sum = json_object();
    size_t i;
    json_array_foreach(dets, i, d)
    {
        const char *name = json_string_value(d);
        if (name)
            json_object_set_new(sum, name, det_summary(soak, name));
    }
    json_t *defs = json_object();
    for (size_t k = 0; k < sizeof(soak_definitions) / sizeof(soak_definitions[0]); k++)
        json_object_set_new(defs, soak_definitions[k][0],
                            json_string(soak_definitions[k][1]));
    json_t *doc = json_pack("{s:s,s:b,s:o,s:o}", "kind", "soak", "partial",
                            !json_is_true(json_object_get(soak, "complete")), "summary",
                            sum, "definitions", defs);
    json_object_set(doc, "soak", soak);
    return doc;
}

static const char *num(json_t *v, const char *fmt, char *buf, size_t len)
{
    if (!json_is_number(v))
        return "–";
    hx_fmt(buf, len, fmt, json_number_value(v));
    return buf;
}

static void when(json_t *v, char *buf, size_t len)
{
    time_t t = (time_t)json_number_value(v);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void write_md_body(FILE *f, json_t *doc)
{
    json_t *soak = json_object_get(doc, "soak"), *sum = json_object_get(doc, "summary");
    char a[64], b[64], c[64], started[48], updated[48];
    when(json_object_get(soak, "started"), started, sizeof(started));
    when(json_object_get(soak, "updated"), updated, sizeof(updated));
    fprintf(f, "# minerlab soak %s\n\n", report_str(soak, "soak_id", "?"));
    if (json_is_true(json_object_get(doc, "partial")))
        fprintf(f, "**Partial soak** (%s): what it measured up to %s.\n\n",
                json_is_true(json_object_get(soak, "interrupted"))
                    ? "interrupted"
                    : "killed or still running",
                updated);
    fprintf(f,
            "Started %s, %.2f h of %.2f h planned, %.2f quiet host-hours; seed %s "
            "(replay: `minerlab soak --seed %s`).\n\n",
            started, json_number_value(json_object_get(soak, "elapsed_s")) / 3600,
            json_number_value(json_object_get(soak, "planned_s")) / 3600,
            json_number_value(json_object_get(soak, "quiet_s")) / 3600,
            report_str(soak, "seed", "?"), report_str(soak, "seed", "?"));
    fputs("| detector | episodes caught | share (95 % CI) | median latency | max "
          "latency | false alarms | per host-hour | fp / outside / lab |\n"
          "|---|---|---|---|---|---|---|---|\n",
          f);
    const char *name;
    json_t *v;
    json_object_foreach(sum, name, v)
    {
        json_t *ci = json_object_get(v, "caught_interval");
        char share[96] = "–";
        if (json_is_number(json_object_get(v, "caught_share")))
            hx_fmt(share, sizeof(share), "%.0f %% (%.0f–%.0f %%)",
                   100 * json_number_value(json_object_get(v, "caught_share")),
                   100 * json_number_value(json_array_get(ci, 0)),
                   100 * json_number_value(json_array_get(ci, 1)));
        fprintf(
            f, "| %s | %lld/%lld | %s | %s | %s | %lld | %s | %lld / %lld / %lld |\n",
            name, (long long)json_integer_value(json_object_get(v, "episodes_caught")),
            (long long)json_integer_value(json_object_get(v, "episodes_judged")), share,
            num(json_object_get(v, "median_latency_s"), "%.1f s", a, sizeof(a)),
            num(json_object_get(v, "max_latency_s"), "%.1f s", b, sizeof(b)),
            (long long)json_integer_value(json_object_get(v, "false_alarms")),
            num(json_object_get(v, "false_alarms_per_host_hour"), "%.2f", c, sizeof(c)),
            (long long)json_integer_value(json_object_get(v, "false_alarms_fp")),
            (long long)json_integer_value(json_object_get(v, "false_alarms_outside")),
            (long long)json_integer_value(json_object_get(v, "lab_alerts")));
    }
    fputs("\n## Episodes\n\n| # | recipe | type | duty (measured) | length | status |",
          f);
    json_object_foreach(sum, name, v) fprintf(f, " %s |", name);
    fputs("\n|---|---|---|---|---|---|", f);
    json_object_foreach(sum, name, v) fputs("---|", f);
    fputc('\n', f);
    size_t i;
    json_t *ep;
    json_array_foreach(json_object_get(soak, "episodes"), i, ep)
    {
        json_t *st = json_object_get(ep, "start"), *en = json_object_get(ep, "end");
        double len = json_is_number(st) && json_is_number(en)
                         ? json_number_value(en) - json_number_value(st)
                         : json_number_value(json_object_get(ep, "planned_s"));
        const char *status = report_str(ep, "status", "?");
        const char *why = report_str(ep, "not_judged", NULL);
        fprintf(f, "| %lld | %s | %s | %d %% (%s) | %.0f s | %s%s%s |",
                (long long)json_integer_value(json_object_get(ep, "n")),
                report_str(ep, "recipe", "?"), report_str(ep, "type", "?"),
                (int)json_integer_value(json_object_get(ep, "duty_pct")),
                num(json_object_get(ep, "measured_duty_pct"), "%.0f %%", a, sizeof(a)),
                len, status, why ? ": " : "", why ? why : "");
        json_object_foreach(sum, name, v)
        {
            json_t *d = json_object_get(json_object_get(ep, "detectors"), name);
            if (!json_is_true(json_object_get(ep, "judged")))
                fputs(" – |", f);
            else if (json_is_true(json_object_get(d, "caught")))
                fprintf(f, " %s |",
                        num(json_object_get(d, "latency_s"), "%.1f s", b, sizeof(b)));
            else
                fputs(" missed |", f);
        }
        fputc('\n', f);
    }
    fputs("\n## Definitions\n\n", f);
    json_object_foreach(json_object_get(doc, "definitions"), name, v)
        fprintf(f, "- **%s**: %s\n", name, json_string_value(v));
}

/* The HTML is the Markdown's tables as HTML tables: the same numbers. */
static void write_html_body(FILE *f, json_t *doc)
{
    json_t *soak = json_object_get(doc, "soak"), *sum = json_object_get(doc, "summary");
    char a[64], b[64], c[64], m[64], h[64];
    fputs("<!doctype html><html><head><meta charset=\"utf-8\"><title>minerlab soak "
          "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:"
          "collapse}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
          "td:first-child,th:first-child{text-align:left}.partial{background:#fde2a8;"
          "padding:6px}</style></head><body>\n<h1>minerlab soak ",
          f);
    hx_xml_escape(f, report_str(soak, "soak_id", "?"));
    fputs("</h1>\n", f);
    if (json_is_true(json_object_get(doc, "partial")))
        fputs("<p class=\"partial\">Partial soak: what it measured up to its last "
              "write.</p>\n",
              f);
    fprintf(f, "<p>%.2f h of %.2f h planned, %.2f quiet host-hours, seed ",
            json_number_value(json_object_get(soak, "elapsed_s")) / 3600,
            json_number_value(json_object_get(soak, "planned_s")) / 3600,
            json_number_value(json_object_get(soak, "quiet_s")) / 3600);
    hx_xml_escape(f, report_str(soak, "seed", "?"));
    fputs(".</p>\n<table><tr><th>detector</th><th>caught</th><th>share</th><th>95 % "
          "CI</th><th>median latency</th><th>false alarms</th><th>per host-hour</th>"
          "</tr>\n",
          f);
    const char *name;
    json_t *v;
    json_object_foreach(sum, name, v)
    {
        json_t *ci = json_object_get(v, "caught_interval");
        fputs("<tr><td>", f);
        hx_xml_escape(f, name);
        fprintf(f,
                "</td><td>%lld/%lld</td><td>%s</td><td>%s–%s</td><td>%s</td><td>%lld"
                "</td><td>%s</td></tr>\n",
                (long long)json_integer_value(json_object_get(v, "episodes_caught")),
                (long long)json_integer_value(json_object_get(v, "episodes_judged")),
                num(json_object_get(v, "caught_share"), "%.2f", a, sizeof(a)),
                num(json_array_get(ci, 0), "%.2f", b, sizeof(b)),
                num(json_array_get(ci, 1), "%.2f", c, sizeof(c)),
                num(json_object_get(v, "median_latency_s"), "%.1f s", m, sizeof(m)),
                (long long)json_integer_value(json_object_get(v, "false_alarms")),
                num(json_object_get(v, "false_alarms_per_host_hour"), "%.2f", h,
                    sizeof(h)));
    }
    fputs("</table>\n<h2>Episodes</h2>\n<table><tr><th>#</th><th>recipe</th><th>duty"
          "</th><th>measured</th><th>status</th>",
          f);
    json_object_foreach(sum, name, v)
    {
        fputs("<th>", f);
        hx_xml_escape(f, name);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    size_t i;
    json_t *ep;
    json_array_foreach(json_object_get(soak, "episodes"), i, ep)
    {
        fprintf(f, "<tr><td>%lld</td><td>",
                (long long)json_integer_value(json_object_get(ep, "n")));
        hx_xml_escape(f, report_str(ep, "recipe", "?"));
        fprintf(f, "</td><td>%d %%</td><td>%s</td><td>",
                (int)json_integer_value(json_object_get(ep, "duty_pct")),
                num(json_object_get(ep, "measured_duty_pct"), "%.0f %%", a, sizeof(a)));
        hx_xml_escape(f, report_str(ep, "status", "?"));
        fputs("</td>", f);
        json_object_foreach(sum, name, v)
        {
            json_t *d = json_object_get(json_object_get(ep, "detectors"), name);
            if (!json_is_true(json_object_get(ep, "judged")))
                fputs("<td>–</td>", f);
            else if (json_is_true(json_object_get(d, "caught")))
                fprintf(f, "<td>%s</td>",
                        num(json_object_get(d, "latency_s"), "%.1f s", b, sizeof(b)));
            else
                fputs("<td>missed</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<h2>Definitions</h2><ul>\n", f);
    json_object_foreach(json_object_get(doc, "definitions"), name, v)
    {
        fputs("<li><b>", f);
        hx_xml_escape(f, name);
        fputs("</b>: ", f);
        hx_xml_escape(f, json_string_value(v));
        fputs("</li>\n", f);
    }
    fputs("</ul></body></html>\n", f);
}

static int write_with(const char *dir, const char *name, json_t *doc,
                      void (*body)(FILE *, json_t *), char *err, size_t errlen)
{
    FILE *f = report_open(dir, name, err, errlen);
    if (!f)
        return -EIO;
    body(f, doc);
    return report_commit(f, dir, name, err, errlen);
}

static void write_json_body(FILE *f, json_t *doc)
{
    json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
    fputc('\n', f);
}

int report_soak(const char *dir, FILE *out, char *err, size_t errlen)
{
    char path[4200];
    json_error_t je;
    hx_fmt(path, sizeof(path), "%s/soak.json", dir);
    json_t *soak = json_load_file(path, 0, &je);
    if (!soak)
        return ml_err(err, errlen, -EINVAL, "%s: %s", path, je.text);
    const char *fmt = json_string_value(json_object_get(soak, "format"));
    if (!fmt || strcmp(fmt, SOAK_FORMAT)) {
        json_decref(soak);
        return ml_err(err, errlen, -EINVAL, "%s: not a %s file", path, SOAK_FORMAT);
    }
    json_t *doc = build(soak);
    json_decref(soak);
    int rc = write_with(dir, "report.json", doc, write_json_body, err, errlen);
    if (!rc)
        rc = write_with(dir, "report.md", doc, write_md_body, err, errlen);
    if (!rc)
        rc = write_with(dir, "report.html", doc, write_html_body, err, errlen);
    if (out) {
        const char *name;
        json_t *v;
        char x[64], y[64];
        fprintf(out, "%-22s %10s %14s %14s %14s\n", "detector", "caught", "median lat.",
                "false alarms", "per host-hour");
        json_object_foreach(json_object_get(doc, "summary"), name, v)
        {
            char caught[32];
            hx_fmt(
                caught, sizeof(caught), "%lld/%lld",
                (long long)json_integer_value(json_object_get(v, "episodes_caught")),
                (long long)json_integer_value(json_object_get(v, "episodes_judged")));
            fprintf(out, "%-22s %10s %14s %14lld %14s\n", name, caught,
                    num(json_object_get(v, "median_latency_s"), "%.1f s", x, sizeof(x)),
                    (long long)json_integer_value(json_object_get(v, "false_alarms")),
                    num(json_object_get(v, "false_alarms_per_host_hour"), "%.2f", y,
                        sizeof(y)));
        }
    }
    json_decref(doc);
    return rc;
}
