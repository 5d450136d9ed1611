/* report.html: self-contained page, inline CSS and SVG charts, no scripts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hxutil.h"
#include "report.h"
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

/* Detection rate against nominal duty, all attack types pooled, one line a detector. */
static void chart_duty(FILE *f, json_t *doc)
{
    double w = 520, h = 300, l = 50, r = 150, t = 20, b = 40;
    double pw = w - l - r, ph = h - t - b;
    size_t i, k;
    json_t *det, *pt;
    svg_begin(f, w, h, "Detection rate against duty cycle");
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
            if (px >= 0)
                fprintf(f,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"%s\" stroke-width=\"2\"/>\n",
                        px, py, x, y, col);
            svg_circle(f, x, y, 4, col, tt);
            px = x;
            py = y;
        }
        svg_rect(f, l + pw + 10, t + 14 * (double)i, 10, 10, col, NULL);
        svg_text(f, l + pw + 24, t + 14 * (double)i + 9, "start", 0,
                 report_str(det, "name", "?"));
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

static void html_scorecard(FILE *f, json_t *doc)
{
    size_t i;
    json_t *det;
    char a[32], b[32], c[32];
    fputs("<table><tr><th>detector</th><th>detected</th><th>TPR</th><th>FPR</th>"
          "<th>precision</th><th>median TTD</th><th>lowest duty "
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
            f, "</td><td>%lld/%lld</td><td>%s</td><td>%s</td><td>%s</td>",
            (long long)json_integer_value(json_object_get(det, "malicious_detected")),
            (long long)json_integer_value(json_object_get(det, "malicious_ran")),
            report_pct(json_is_number(json_object_get(det, "tpr"))
                           ? json_number_value(json_object_get(det, "tpr"))
                           : -1,
                       a, sizeof(a)),
            report_pct(json_is_number(json_object_get(det, "fpr"))
                           ? json_number_value(json_object_get(det, "fpr"))
                           : -1,
                       b, sizeof(b)),
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
          "<th>status</th><th>window</th><th>pids</th><th>connections</th>"
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
        fprintf(f, "<td>%lld%%</td><td>",
                (long long)json_integer_value(json_object_get(sc, "duty_pct")));
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
    json_t *plan = json_object_get(run, "plan"), *shards = json_object_get(run, "shards");
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
        const char *cells[] = {report_str(sh, "run_id", "?"),
                               report_str(mach, "cpu_model", "?"),
                               report_str(mach, "kernel", "?"),
                               report_str(ver, "minerlab", "?"),
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
    fputs("<h2>Coverage matrix</h2>\n", f);
    chart_matrix(f, doc);
    fputs("<h2>Detection rate against duty cycle</h2>\n", f);
    chart_duty(f, doc);
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
