/* report.html: self-contained page, inline CSS and SVG charts, no scripts. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hxutil.h"
#include "report.h"
#include "stats.h"
#include "svg.h"

/* Cell colour and word for the coverage matrix. */
static const char *cell_state(json_t *idx, json_t *det, json_t *sc, const char **word)
{
    const char *status = report_str(sc, "status", "");
    if (strcmp(status, "ran") && strcmp(status, "interrupted")) {
        *word = status;
        return "#d0d0d0";
    }
    json_t *r =
        report_result(idx, report_str(det, "name", ""), report_str(sc, "id", ""));
    int mal = !strcmp(report_str(sc, "label", ""), "malicious");
    if (r && json_is_true(json_object_get(r, "not_observable"))) {
        *word = "not observable (window shorter than min_observation_s)";
        return "#b0b0b0";
    }
    if (r && json_is_true(json_object_get(r, "detected"))) {
        *word = "hit";
        return "#2ca02c";
    }
    if (r && json_is_true(json_object_get(r, "false_positive"))) {
        *word = "false positive";
        return "#ff7f0e";
    }
    *word = mal ? "miss" : "quiet (correct)";
    return mal ? "#d62728" : "#a6d8a6";
}

static void chart_matrix(FILE *f, json_t *doc)
{
    json_t *dets = json_object_get(doc, "detectors"),
           *scens = json_object_get(doc, "scenarios");
    size_t nd = json_array_size(dets), ns = json_array_size(scens), i, j;
    double cw = 70, ch = 18, left = 220, top = 110;
    json_t *det, *sc, *idx = report_result_index(doc);
    static const char *const legend[][2] = {
        {"#2ca02c", "caught"},         {"#d62728", "missed"},
        {"#ff7f0e", "false positive"}, {"#a6d8a6", "benign, quiet"},
        {"#b0b0b0", "not observable"}, {"#d0d0d0", "did not run"}};
    svg_begin(f, left + cw * (double)(nd ? nd : 1) + 20, top + ch * (double)ns + 44,
              "Coverage matrix: detector x scenario");
    for (size_t k = 0; k < sizeof(legend) / sizeof(legend[0]); k++) {
        double x = left + 110 * (double)k, y = top + ch * (double)ns + 14;
        svg_rect(f, x, y, 12, 12, legend[k][0], NULL);
        svg_text(f, x + 16, y + 10, "start", 0, legend[k][1]);
    }
    json_array_foreach(dets, i, det)
        svg_text(f, left + cw * (double)i + cw / 2, top - 6, "start", -45,
                 report_str(det, "name", "?"));
    json_array_foreach(scens, j, sc)
    {
        char label[160];
        snprintf(label, sizeof(label), "%s (%s)", report_str(sc, "id", "?"),
                 strcmp(report_str(sc, "label", ""), "malicious") ? "benign" : "mal");
        svg_text(f, left - 6, top + ch * (double)j + 13, "end", 0, label);
        json_array_foreach(dets, i, det)
        {
            const char *word;
            const char *fill = cell_state(idx, det, sc, &word);
            char t[256];
            snprintf(t, sizeof(t), "%s x %s: %s", report_str(det, "name", "?"),
                     report_str(sc, "id", "?"), word);
            svg_rect(f, left + cw * (double)i, top + ch * (double)j, cw, ch, fill, t);
        }
    }
    json_decref(idx);
    svg_end(f);
}

/* One point of a curve: joined to the previous one (*px < 0: none), then drawn. */
static void curve_point(FILE *f, double *px, double *py, double x, double y,
                        const char *col, const char *tt)
{
    if (*px >= 0)
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2\"/>\n",
                *px, *py, x, y, col);
    svg_circle(f, x, y, 4, col, tt);
    *px = x;
    *py = y;
}

/* Legend entry n of a chart whose plot ends at x. */
static void legend(FILE *f, double x, double t, size_t n, const char *col,
                   const char *name)
{
    svg_rect(f, x + 10, t + 14 * (double)n, 10, 10, col, NULL);
    svg_text(f, x + 24, t + 14 * (double)n + 9, "start", 0, name);
}

/* Detection rate against nominal duty, all attack types pooled, one line a detector. */
static void chart_duty(FILE *f, json_t *doc)
{
    double w = 520, h = 300, l = 50, r = 150, t = 20, b = 40;
    double pw = w - l - r, ph = h - t - b;
    size_t i, k;
    json_t *det, *pt;
    svg_begin(f, w, h, "Detection rate against nominal duty cycle");
    svg_line(f, l, t + ph, l + pw, t + ph, "#333");
    svg_line(f, l, t, l, t + ph, "#333");
    for (int x = 0; x <= 100; x += 20) {
        char s[8];
        snprintf(s, sizeof(s), "%d%%", x);
        svg_text(f, l + pw * x / 100.0, t + ph + 14, "middle", 0, s);
        svg_text(f, l - 4, t + ph - ph * x / 100.0 + 4, "end", 0, s);
    }
    svg_text(f, l + pw / 2, h - 6, "middle", 0, "duty cycle (nominal)");
    svg_text(f, 12, t + ph / 2, "middle", -90, "detection rate");
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        unsigned ran[101] = {0}, hit[101] = {0};
        json_array_foreach(
            json_object_get(json_object_get(det, "duty_curve"), "points"), k, pt)
        {
            json_int_t d = json_integer_value(json_object_get(pt, "duty_pct"));
            if (d < 0 || d > 100)
                continue;
            ran[d] += (unsigned)json_integer_value(json_object_get(pt, "ran"));
            hit[d] += (unsigned)json_integer_value(json_object_get(pt, "detected"));
        }
        const char *col = svg_color(i);
        double px = -1, py = -1;
        for (int d = 0; d <= 100; d++) {
            if (!ran[d])
                continue;
            /* A small per-detector offset keeps identical curves visible. */
            double x = l + pw * d / 100.0,
                   y = t + ph - ph * hit[d] / ran[d] - 2.0 * (double)(i % 5);
            char tt[160];
            snprintf(tt, sizeof(tt), "%s at %d%%: %u/%u", report_str(det, "name", "?"),
                     d, hit[d], ran[d]);
            curve_point(f, &px, &py, x, y, col, tt);
        }
        legend(f, l + pw, t, i, col, report_str(det, "name", "?"));
    }
    svg_end(f);
}

/* Time-to-detect strip plot: one row per detector, one dot per detected scenario. */
static void chart_ttd(FILE *f, json_t *doc)
{
    json_t *dets = json_object_get(doc, "detectors");
    size_t nd = json_array_size(dets), i, k;
    double maxttd = 1;
    json_t *r, *det;
    json_array_foreach(json_object_get(doc, "results"), k, r)
    {
        double v = json_number_value(json_object_get(r, "ttd_s"));
        if (v > maxttd)
            maxttd = v;
    }
    double w = 620, l = 170, rr = 20, t = 20, row = 24;
    double h = t + row * (double)(nd ? nd : 1) + 40, pw = w - l - rr;
    svg_begin(f, w, h, "Time to detect per detector");
    json_array_foreach(dets, i, det)
    {
        double y = t + row * (double)i + row / 2;
        svg_text(f, l - 6, y + 4, "end", 0, report_str(det, "name", "?"));
        svg_line(f, l, y, l + pw, y, "#eee");
        json_array_foreach(json_object_get(doc, "results"), k, r)
        {
            json_t *v = json_object_get(r, "ttd_s");
            if (!json_is_number(v) ||
                strcmp(report_str(r, "detector", ""), report_str(det, "name", "")))
                continue;
            char tt[160];
            snprintf(tt, sizeof(tt), "%s: %.1f s", report_str(r, "scenario", "?"),
                     json_number_value(v));
            svg_circle(f, l + pw * json_number_value(v) / maxttd, y, 4, svg_color(i),
                       tt);
        }
    }
    double ay = t + row * (double)nd + 6;
    svg_line(f, l, ay, l + pw, ay, "#333");
    for (int q = 0; q <= 4; q++) {
        char s[24];
        snprintf(s, sizeof(s), maxttd < 10 ? "%.1f s" : "%.0f s", maxttd * q / 4);
        svg_text(f, l + pw * q / 4, ay + 14, "middle", 0, s);
    }
    svg_text(f, l + pw / 2, ay + 30, "middle", 0,
             "time to detect (first true alert - miner start)");
    svg_end(f);
}

/* Axes of a 0..100 % x 0..100 % plot; returns nothing, labels the axes. */
static void pct_axes(FILE *f, double l, double t, double pw, double ph, double xmax,
                     const char *xlabel, const char *ylabel, double h)
{
    svg_line(f, l, t + ph, l + pw, t + ph, "#333");
    svg_line(f, l, t, l, t + ph, "#333");
    for (int q = 0; q <= 5; q++) {
        char s[16];
        snprintf(s, sizeof(s), "%.0f%%", xmax * q / 5);
        svg_text(f, l + pw * q / 5, t + ph + 14, "middle", 0, s);
        snprintf(s, sizeof(s), "%d%%", q * 20);
        svg_text(f, l - 4, t + ph - ph * q / 5 + 4, "end", 0, s);
    }
    svg_text(f, l + pw / 2, h - 6, "middle", 0, xlabel);
    svg_text(f, 12, t + ph / 2, "middle", -90, ylabel);
}

/* TPR and FPR per detector as horizontal bars with Wilson 95 % whiskers. */
static void chart_rates(FILE *f, json_t *doc)
{
    json_t *dets = json_object_get(doc, "detectors"), *det;
    size_t nd = json_array_size(dets), i;
    double w = 640, l = 170, rr = 30, t = 30, row = 30, pw = w - l - rr;
    double h = t + row * (double)(nd ? nd : 1) + 40;
    static const char *const which[][3] = {{"tpr_interval", "TPR", "#1f77b4"},
                                           {"fpr_interval", "FPR", "#ff7f0e"}};
    svg_begin(f, w, h, "TPR and FPR per detector with Wilson 95 % intervals");
    for (int k = 0; k < 2; k++) {
        svg_rect(f, l + 110 * k, 6, 10, 10, which[k][2], NULL);
        svg_text(f, l + 110 * k + 14, 15, "start", 0, which[k][1]);
    }
    json_array_foreach(dets, i, det)
    {
        double y0 = t + row * (double)i;
        svg_text(f, l - 6, y0 + row / 2 + 4, "end", 0, report_str(det, "name", "?"));
        for (int k = 0; k < 2; k++) {
            json_t *iv = json_object_get(det, which[k][0]);
            double y = y0 + 3 + 12 * k;
            char tt[160], ci[64];
            if (!json_is_number(json_object_get(iv, "rate")))
                continue;
            snprintf(tt, sizeof(tt), "%s %s: %s", report_str(det, "name", "?"),
                     which[k][1], report_ci(iv, 1, ci, sizeof(ci)));
            svg_rect(f, l, y, pw * json_number_value(json_object_get(iv, "rate")), 10,
                     which[k][2], tt);
            svg_whisker(f, l + pw * json_number_value(json_object_get(iv, "lo")), y + 5,
                        l + pw * json_number_value(json_object_get(iv, "hi")), y + 5, 8,
                        "#000");
        }
    }
    double ay = t + row * (double)nd + 4;
    svg_line(f, l, ay, l + pw, ay, "#333");
    for (int q = 0; q <= 5; q++) {
        char s[16];
        snprintf(s, sizeof(s), "%d%%", q * 20);
        svg_text(f, l + pw * q / 5, ay + 14, "middle", 0, s);
    }
    svg_text(f, l + pw / 2, ay + 30, "middle", 0,
             "rate (bars) and Wilson 95 % interval (whiskers)");
    svg_end(f);
}

#define NBINS 81 /* measured duty bins of 5 %, up to 400 % (several miners) */

/*
 * Detection rate against measured duty, one line a detector, with whiskers;
 * type NULL pools every attack type.
 */
static void chart_measured(FILE *f, json_t *doc, const char *type)
{
    double w = 560, h = 300, l = 50, r = 170, t = 20, b = 40;
    double pw = w - l - r, ph = h - t - b, xmax = 100;
    size_t i, k;
    json_t *det, *pt;
    char title[160];
    size_t npts = 0;
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
        json_array_foreach(json_object_get(det, "measured_duty_curve"), k, pt) npts +=
        !type || !strcmp(report_str(pt, "type", ""), type);
    if (!npts) {
        fputs("<p>No measured duty for these runs (no miner was measured, or a run "
              "recorded before measuring): see detection against nominal duty.</p>\n",
              f);
        return;
    }
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
        json_array_foreach(json_object_get(det, "measured_duty_curve"), k, pt)
    {
        double d = json_number_value(json_object_get(pt, "measured_duty_pct"));
        while (d > xmax && xmax < 400)
            xmax += 100;
    }
    snprintf(title, sizeof(title), "Detection rate against measured duty%s%s",
             type ? ": " : " (all attack types)", type ? type : "");
    svg_begin(f, w, h, title);
    pct_axes(f, l, t, pw, ph, xmax, "measured duty (credited)", "detection rate", h);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        unsigned long ran[NBINS] = {0}, hit[NBINS] = {0};
        json_array_foreach(json_object_get(det, "measured_duty_curve"), k, pt)
        {
            double d = json_number_value(json_object_get(pt, "measured_duty_pct"));
            long bi = lround(d / REPORT_DUTY_BIN_PCT);
            if ((type && strcmp(report_str(pt, "type", ""), type)) || bi < 0 ||
                bi >= NBINS)
                continue;
            ran[bi] += (unsigned long)json_integer_value(json_object_get(pt, "n"));
            hit[bi] += (unsigned long)json_integer_value(json_object_get(pt, "k"));
        }
        const char *col = svg_color(i);
        double px = -1, py = -1;
        for (int bi = 0; bi < NBINS; bi++) {
            double lo, hi;
            if (!ran[bi] || stats_wilson(hit[bi], ran[bi], &lo, &hi))
                continue;
            double d = bi * REPORT_DUTY_BIN_PCT, off = 2.0 * (double)(i % 5);
            double x = l + pw * d / xmax + off,
                   y = t + ph - ph * (double)hit[bi] / (double)ran[bi];
            char tt[200];
            snprintf(tt, sizeof(tt), "%s at %.0f%% measured: %lu/%lu [%.1f-%.1f%%]",
                     report_str(det, "name", "?"), d, hit[bi], ran[bi], lo * 100,
                     hi * 100);
            svg_whisker(f, x, t + ph - ph * lo, x, t + ph - ph * hi, 6, col);
            curve_point(f, &px, &py, x, y, col, tt);
        }
        legend(f, l + pw, t, i, col, report_str(det, "name", "?"));
    }
    svg_end(f);
}

/* ROC curves of the detectors that emitted observations. */
static void chart_roc(FILE *f, json_t *doc)
{
    double w = 520, h = 320, l = 50, r = 170, t = 20, b = 40;
    double pw = w - l - r, ph = h - t - b;
    size_t i, k, n = 0;
    json_t *det, *pt;
    json_array_foreach(json_object_get(doc, "detectors"), i, det) n +=
        json_array_size(json_object_get(json_object_get(det, "roc"), "points")) > 0;
    if (!n) {
        fputs("<p>No ROC curve: no detector's observations or scored alerts landed "
              "on both malicious and benign runs (report.md says why per "
              "detector).</p>\n",
              f);
        return;
    }
    svg_begin(f, w, h, "ROC: TPR against FPR per score threshold");
    pct_axes(f, l, t, pw, ph, 100, "false positive rate", "true positive rate", h);
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\" "
            "stroke-dasharray=\"4 3\"/>\n",
            l, t + ph, l + pw, t);
    n = 0;
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        json_t *pts = json_object_get(json_object_get(det, "roc"), "points");
        if (!json_array_size(pts))
            continue;
        const char *col = svg_color(i);
        fprintf(f,
                "<polyline class=\"roc\" fill=\"none\" stroke=\"%s\" "
                "stroke-width=\"2\" points=\"%.1f,%.1f",
                col, l, t + ph);
        json_array_foreach(pts, k, pt) fprintf(
            f, " %.1f,%.1f", l + pw * json_number_value(json_object_get(pt, "fpr")),
            t + ph - ph * json_number_value(json_object_get(pt, "tpr")));
        fputs("\"/>\n", f);
        json_array_foreach(pts, k, pt)
        {
            char tt[200];
            snprintf(tt, sizeof(tt), "%s: score >= %g: TPR %.1f%%, FPR %.1f%%",
                     report_str(det, "name", "?"),
                     json_number_value(json_object_get(pt, "threshold")),
                     100 * json_number_value(json_object_get(pt, "tpr")),
                     100 * json_number_value(json_object_get(pt, "fpr")));
            svg_circle(f, l + pw * json_number_value(json_object_get(pt, "fpr")),
                       t + ph - ph * json_number_value(json_object_get(pt, "tpr")), 3,
                       col, tt);
        }
        legend(f, l + pw, t, n, col, report_str(det, "name", "?"));
        n++;
    }
    svg_end(f);
}

/* A table cell with an interval, shaded by its rate. */
static void ci_cell(FILE *f, json_t *iv, const char *extra)
{
    char buf[64];
    json_t *rate = json_object_get(iv, "rate");
    if (json_is_number(rate))
        fprintf(f, "<td style=\"background:rgba(44,160,44,%.2f)\">",
                0.1 + 0.6 * json_number_value(rate));
    else
        fputs("<td>", f);
    fputs(report_ci(iv, 1, buf, sizeof(buf)), f);
    if (extra && *extra) {
        fputs("<br><small>", f);
        hx_xml_escape(f, extra);
        fputs("</small>", f);
    }
    fputs("</td>", f);
}

static void html_survival(FILE *f, json_t *doc)
{
    size_t i, k;
    json_t *det, *row;
    fputs("<table><tr><th>detector</th><th>within 10 s</th><th>within 30 s</th>"
          "<th>within 2 min</th><th>within 10 min</th></tr>\n",
          f);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        fputs("<tr><td>", f);
        hx_xml_escape(f, report_str(det, "name", "?"));
        fputs("</td>", f);
        json_array_foreach(json_object_get(det, "ttd_survival"), k, row)
            ci_cell(f, row, NULL);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* A table's first row: lead, then one column per string of names. */
static void head_row(FILE *f, const char *table, const char *lead, json_t *names)
{
    size_t k;
    json_t *v;
    fprintf(f, "<table%s><tr><th>%s</th>", table, lead);
    json_array_foreach(names, k, v)
    {
        fputs("<th>", f);
        hx_xml_escape(f, json_string_value(v));
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
}

static void html_attack_matrix(FILE *f, json_t *doc)
{
    json_t *am = json_object_get(doc, "attack_matrix");
    json_t *techs = json_object_get(am, "techniques"), *ty, *te;
    size_t i, k;
    head_row(f, " class=\"matrix\"", "attack type", techs);
    json_array_foreach(json_object_get(am, "types"), i, ty)
    {
        fputs("<tr><th>", f);
        hx_xml_escape(f, json_string_value(ty));
        fputs("</th>", f);
        json_array_foreach(techs, k, te)
        {
            json_t *cell =
                report_matrix_cell(doc, json_string_value(ty), json_string_value(te));
            if (!cell) {
                fputs("<td>-</td>", f);
                continue;
            }
            char who[512] = "";
            const char *name;
            json_t *n;
            json_object_foreach(json_object_get(cell, "detectors"), name, n)
            {
                size_t used = strlen(who);
                snprintf(who + used, sizeof(who) - used, "%s%s %lld", used ? ", " : "",
                         name, (long long)json_integer_value(n));
            }
            ci_cell(f, cell, who);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* TPR per attack type (rows: detectors), thresholds under each cell. */
static void html_by_type(FILE *f, json_t *doc)
{
    json_t *types = json_object_get(json_object_get(doc, "attack_matrix"), "types");
    json_t *det, *ty;
    size_t i, k;
    head_row(f, "", "detector", types);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        fputs("<tr><td>", f);
        hx_xml_escape(f, report_str(det, "name", "?"));
        fputs("</td>", f);
        json_array_foreach(types, k, ty)
        {
            json_t *found = report_by_type(det, json_string_value(ty));
            if (!found) {
                fputs("<td>n/o</td>", f);
                continue;
            }
            char extra[128], th[32], lo[32];
            snprintf(
                extra, sizeof(extra),
                "detection threshold duty %s; lowest measured duty caught %s",
                report_num(found, "detection_threshold_duty_pct", "%", th, sizeof(th)),
                report_num(found, "lowest_measured_duty_caught_pct", "%", lo,
                           sizeof(lo)));
            ci_cell(f, json_object_get(found, "tpr"), extra);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void html_scorecard(FILE *f, json_t *doc)
{
    size_t i;
    json_t *det;
    char a[32], b[32], c[32];
    fputs("<table><tr><th>detector</th><th>detected</th><th>TPR</th><th>FPR</th>"
          "<th>TPR 95% CI</th><th>FPR 95% CI</th><th>CPU s</th><th>CPU % (one "
          "core)</th><th>peak RSS MiB</th><th>detection threshold duty "
          "(measured)</th><th>lowest measured duty caught</th>"
          "<th>precision</th><th>median TTD</th><th>lowest nominal duty "
          "caught</th><th>TP</th><th>FP</th><th>off-target (per h)</th><th>lab</th>"
          "<th>outside</th><th>not observable</th><th>health</th>"
          "</tr>\n",
          f);
    json_array_foreach(json_object_get(doc, "detectors"), i, det)
    {
        json_t *ttd = json_object_get(det, "median_ttd_s"),
               *low = json_object_get(det, "lowest_duty_pct");
        fputs("<tr><td>", f);
        hx_xml_escape(f, report_str(det, "name", "?"));
        fprintf(
            f, "</td><td>%lld/%lld</td><td>%s</td><td>%s</td>",
            (long long)json_integer_value(json_object_get(det, "malicious_detected")),
            (long long)json_integer_value(json_object_get(det, "malicious_ran")),
            report_pct(json_is_number(json_object_get(det, "tpr"))
                           ? json_number_value(json_object_get(det, "tpr"))
                           : -1,
                       a, sizeof(a)),
            report_pct(json_is_number(json_object_get(det, "fpr"))
                           ? json_number_value(json_object_get(det, "fpr"))
                           : -1,
                       b, sizeof(b)));
        struct report_cells rc;
        report_cells(det, &rc);
        fprintf(f,
                "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                "<td>%s</td>",
                rc.tpr, rc.fpr, rc.cpu_s, rc.cpu_pct, rc.rss, rc.threshold, rc.lowest);
        fprintf(f, "<td>%s</td>",
                report_pct(json_is_number(json_object_get(det, "precision"))
                               ? json_number_value(json_object_get(det, "precision"))
                               : -1,
                           c, sizeof(c)));
        if (json_is_number(ttd))
            fprintf(f, "<td>%.1f s</td>", json_number_value(ttd));
        else
            fputs("<td>-</td>", f);
        if (json_is_integer(low))
            fprintf(f, "<td>%lld%%</td>", (long long)json_integer_value(low));
        else
            fputs("<td>-</td>", f);
        json_t *offh = json_object_get(det, "off_target_per_h");
        fprintf(
            f,
            "<td>%lld</td><td>%lld</td><td>%lld (%.1f)</td><td>%lld</td><td>%lld</td>"
            "<td>%lld</td>",
            (long long)json_integer_value(json_object_get(det, "tp_alerts")),
            (long long)json_integer_value(json_object_get(det, "fp_alerts")),
            (long long)json_integer_value(json_object_get(det, "off_target_alerts")),
            json_is_number(offh) ? json_number_value(offh) : 0.0,
            (long long)json_integer_value(json_object_get(det, "lab_alerts")),
            (long long)json_integer_value(json_object_get(det, "outside_alerts")),
            (long long)json_integer_value(json_object_get(det, "not_observable")));
        fprintf(f, "<td>%s%s%lld invalid lines, %lld degraded",
                json_is_true(json_object_get(det, "crashed")) ? "crashed; " : "",
                json_is_true(json_object_get(det, "hung")) ? "ignored SIGTERM; " : "",
                (long long)json_integer_value(json_object_get(det, "invalid_lines")),
                (long long)json_integer_value(json_object_get(det, "degraded")));
        json_t *ver = json_object_get(det, "version");
        if (json_is_string(ver)) {
            fputs("; ", f);
            hx_xml_escape(f, json_string_value(ver));
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* Every scenario with what proves it ran: window, pids, connections, pool logins. */
static void html_scenarios(FILE *f, json_t *doc)
{
    size_t i;
    json_t *sc;
    fputs("<table><tr><th>scenario</th><th>type</th><th>label</th><th>duty</th>"
          "<th title=\"measured CPU share of everything the scenario ran, over its "
          "window\">CPU</th><th>status</th><th>window</th><th>pids</th><th>connections</th>"
          "<th>pool logins / shares</th><th>note</th></tr>\n",
          f);
    json_array_foreach(json_object_get(doc, "scenarios"), i, sc)
    {
        const char *cols[] = {"id", "type", "label"};
        fputs("<tr>", f);
        for (size_t k = 0; k < 3; k++) {
            fputs("<td>", f);
            hx_xml_escape(f, report_str(sc, cols[k], "?"));
            fputs("</td>", f);
        }
        json_t *dur = json_object_get(sc, "duration_s");
        char cpu[32];
        fprintf(f, "<td>%lld%%</td><td>%s</td><td>",
                (long long)json_integer_value(json_object_get(sc, "duty_pct")),
                report_num(sc, "cpu_pct", "%", cpu, sizeof(cpu)));
        hx_xml_escape(f, report_str(sc, "status", "?"));
        if (json_is_number(dur))
            fprintf(f, "</td><td>%.1f s</td>", json_number_value(dur));
        else
            fputs("</td><td>-</td>", f);
        fprintf(f, "<td>%lld</td><td>%lld</td><td>%lld / %lld</td><td>",
                (long long)json_integer_value(json_object_get(sc, "pids")),
                (long long)json_integer_value(json_object_get(sc, "connections")),
                (long long)json_integer_value(json_object_get(sc, "pool_logins")),
                (long long)json_integer_value(json_object_get(sc, "shares_accepted")));
        hx_xml_escape(f, report_str(sc, "reason", ""));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void html_identity(FILE *f, json_t *doc)
{
    json_t *run = json_object_get(doc, "run");
    const char *k;
    json_t *v;
    fputs("<table class=\"kv\">", f);
    const char *sections[] = {"machine", "versions", "settings"};
    for (size_t s = 0; s < 3; s++)
        json_object_foreach(json_object_get(run, sections[s]), k, v)
        {
            char *txt = json_is_string(v)
                            ? NULL
                            : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            fprintf(f, "<tr><th>%s.", sections[s]);
            hx_xml_escape(f, k);
            fputs("</th><td>", f);
            hx_xml_escape(f, txt ? txt : json_string_value(v));
            fputs("</td></tr>", f);
            free(txt);
        }
    fputs("</table>\n", f);
}

/* The plan (seed, repeats, shard) and, for a merged run, where each shard ran. */
static void html_plan(FILE *f, json_t *doc)
{
    json_t *run = json_object_get(doc, "run");
    json_t *plan = json_object_get(run, "plan"),
           *shards = json_object_get(run, "shards");
    json_t *sh;
    size_t i;
    if (!plan)
        return;
    fprintf(f, "<p>Plan <code>%s</code>: seed %s, %lld repeats",
            report_str(plan, "hash", "?"), report_str(plan, "seed", "?"),
            (long long)json_integer_value(json_object_get(plan, "repeats")));
    if (json_array_size(shards))
        fprintf(f, ", merged from %zu shards%s", json_array_size(shards),
                json_is_true(json_object_get(run, "machines_differ"))
                    ? " that ran on <b>different machines or versions</b>"
                    : "");
    fputs(".</p>\n", f);
    if (!json_array_size(shards))
        return;
    fputs("<table><tr><th>shard</th><th>run</th><th>machine</th><th>kernel</th>"
          "<th>minerlab</th><th>librandomx</th><th>time offset</th></tr>\n",
          f);
    json_array_foreach(shards, i, sh)
    {
        json_t *mach = json_object_get(sh, "machine"),
               *ver = json_object_get(sh, "versions");
        const char *cells[] = {
            report_str(sh, "run_id", "?"), report_str(mach, "cpu_model", "?"),
            report_str(mach, "kernel", "?"), report_str(ver, "minerlab", "?"),
            report_str(ver, "librandomx", "?")};
        fprintf(f, "<tr><td>%lld</td>",
                (long long)json_integer_value(json_object_get(sh, "index")));
        for (size_t c = 0; c < sizeof(cells) / sizeof(cells[0]); c++) {
            fputs("<td>", f);
            hx_xml_escape(f, cells[c]);
            fputs("</td>", f);
        }
        fprintf(f, "<td>%.0f s</td></tr>\n",
                json_number_value(json_object_get(sh, "time_offset_s")));
    }
    fputs("</table>\n", f);
}

int report_write_html(const char *dir, json_t *doc, char *err, size_t errlen)
{
    FILE *f = report_open(dir, "report.html", err, errlen);
    if (!f)
        return -EIO;
    json_t *run = json_object_get(doc, "run");
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>minerlab report ",
          f);
    hx_xml_escape(f, report_str(run, "run_id", "?"));
    fputs("</title><style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
          "padding:3px 8px;text-align:left}.kv th{font-weight:normal;color:#555}"
          "svg{display:block;margin:1em "
          "0;max-width:100%;height:auto}</style></head><body>\n<h1>minerlab report — "
          "run ",
          f);
    hx_xml_escape(f, report_str(run, "run_id", "?"));
    fputs("</h1>\n", f);
    if (json_is_true(json_object_get(run, "interrupted")))
        fputs("<p><strong>This run was interrupted; the report covers what "
              "ran.</strong></p>",
              f);
    fputs("<h2>Scorecard</h2>\n", f);
    html_scorecard(f, doc);
    fputs("<h2>TPR and FPR with intervals</h2>\n", f);
    chart_rates(f, doc);
    fputs("<h2>Attack type x technique</h2>\n<p>Each cell: the type's malicious "
          "runs caught by a true alert of that technique (any detector), with the "
          "Wilson 95 % interval; under it the detectors that contributed and how "
          "many runs each caught.</p>\n",
          f);
    html_attack_matrix(f, doc);
    fputs("<h2>TPR per attack type</h2>\n", f);
    html_by_type(f, doc);
    fputs("<h2>Time to detect (survival)</h2>\n<p>Share of the observable malicious "
          "runs detected within each time of miner start.</p>\n",
          f);
    html_survival(f, doc);
    fputs("<h2>Detection rate against measured duty</h2>\n", f);
    chart_measured(f, doc, NULL);
    {
        json_t *ty;
        size_t k;
        json_array_foreach(
            json_object_get(json_object_get(doc, "attack_matrix"), "types"), k, ty)
        {
            fputs("<h3>Attack type ", f);
            hx_xml_escape(f, json_string_value(ty));
            fputs(" (measured duty)</h3>\n", f);
            chart_measured(f, doc, json_string_value(ty));
        }
    }
    fputs("<h2>Detection rate against nominal duty</h2>\n", f);
    chart_duty(f, doc);
    fputs("<h2>ROC</h2>\n", f);
    chart_roc(f, doc);
    fputs("<h2>Coverage matrix</h2>\n", f);
    chart_matrix(f, doc);
    fputs("<h2>Time to detect</h2>\n", f);
    chart_ttd(f, doc);
    fputs("<h2>Scenarios</h2>\n", f);
    html_scenarios(f, doc);
    fputs("<h2>Run, machine and versions</h2>\n", f);
    html_identity(f, doc);
    html_plan(f, doc);
    fputs("<h2>Definitions</h2>\n<ul>", f);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(doc, "definitions"), k, v)
    {
        fputs("<li><b>", f);
        hx_xml_escape(f, k);
        fputs("</b>: ", f);
        hx_xml_escape(f, json_string_value(v));
        fputs("</li>", f);
    }
    fputs("</ul></body></html>\n", f);
    return report_commit(f, dir, "report.html", err, errlen);
}
