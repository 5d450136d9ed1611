/* junit.xml: one testsuite per detector, one testcase per scenario expectation. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "hxutil.h"
#include "stats.h"

struct counts {
    unsigned tests, failures, skipped;
    double time_s;
};

static struct counts count_det(const struct score *s, size_t d)
{
    struct counts c = {0, 0, 0, 0};
    for (size_t i = 0; i < s->nscen; i++) {
        const char *oc = score_expect_outcome(s, d, i);
        if (!oc)
            continue;
        const struct model_scenario *sc = &s->m->scen[i];
        c.tests++;
        if (sc->start > 0 && sc->end > sc->start)
            c.time_s += sc->end - sc->start;
        c.failures += strcmp(oc, "fail") == 0;
        c.skipped += strcmp(oc, "skipped") == 0;
    }
    return c;
}

static void write_case(FILE *f, const struct score *s, size_t d, size_t i,
                       const char *oc)
{
    const struct model_scenario *sc = &s->m->scen[i];
    const struct pair_result *p = score_pair(s, d, i);
    int want = 0;
    for (size_t k = 0; k < sc->nexpect; k++)
        if (strcmp(sc->expect[k].detector, s->m->det[d].name) == 0)
            want = sc->expect[k].detect;
    fputs("    <testcase classname=\"minerlab.", f);
    hx_xml_escape(f, s->m->det[d].name);
    fputs("\" name=\"", f);
    hx_xml_escape(f, sc->id);
    fprintf(f, "\" time=\"%.3f\">\n",
            sc->start > 0 && sc->end > sc->start ? sc->end - sc->start : 0.0);
    if (strcmp(oc, "fail") == 0) {
        fprintf(f, "      <failure type=\"expectation\" message=\"expected %s, %s\">",
                want ? "detect" : "miss",
                want ? "no matching alert in the window"
                     : (sc->malicious ? "the detector caught it"
                                      : "it raised a false positive"));
        fprintf(f, "tp_alerts=%lu fp_alerts=%lu</failure>\n", p->tp_alerts,
                p->fp_alerts);
    } else if (strcmp(oc, "skipped") == 0 && p->not_observable) {
        fprintf(f,
                "      <skipped message=\"not observable: window after miner start "
                "shorter than min_observation_s %.0f s\"/>\n",
                s->m->det[d].min_obs_s);
    } else if (strcmp(oc, "skipped") == 0) {
        fputs("      <skipped message=\"scenario ", f);
        hx_xml_escape(f, model_status_name(sc->status));
        if (sc->reason) {
            fputs(": ", f);
            hx_xml_escape(f, sc->reason);
        }
        fputs("\"/>\n", f);
    }
    fputs("    </testcase>\n", f);
}

static void property(FILE *f, const char *name, double v)
{
    if (isfinite(v))
        fprintf(f, "      <property name=\"%s\" value=\"%.4g\"/>\n", name, v);
}

/* The detector's rates with their intervals and its cost, as suite properties. */
static void write_properties(FILE *f, const struct score *s, size_t d)
{
    const struct det_result *r = &s->det[d];
    const struct model_detector *md = &s->m->det[d];
    double lo, hi;
    fputs("    <properties>\n", f);
    if (!stats_wilson(r->mal_detected, r->mal_ran, &lo, &hi)) {
        property(f, "tpr", r->tpr);
        property(f, "tpr_lo", lo);
        property(f, "tpr_hi", hi);
    }
    if (!stats_wilson(r->ben_flagged, r->ben_ran, &lo, &hi)) {
        property(f, "fpr", r->fpr);
        property(f, "fpr_lo", lo);
        property(f, "fpr_hi", hi);
    }
    if (md->has_cost) {
        property(f, "cpu_s", md->cpu_s);
        property(f, "cpu_pct", md->wall_s > 0 ? md->cpu_s / md->wall_s * 100 : NAN);
        property(f, "peak_rss_mib", md->peak_rss_mib);
    }
    fputs("    </properties>\n", f);
}

int report_write_junit(const char *dir, const struct model *m, const struct score *s,
                       char *err, size_t errlen)
{
    FILE *f = report_open(dir, "junit.xml", err, errlen);
    if (!f)
        return -EIO;
    struct counts all = {0, 0, 0, 0};
    char stamp[32] = "1970-01-01T00:00:00";
    time_t started = (time_t)m->started;
    struct tm tm;
    if (started > 0 && gmtime_r(&started, &tm))
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    const char *host = json_string_value(
        json_object_get(json_object_get(m->run_json, "machine"), "hostname"));
    for (size_t d = 0; d < m->ndet; d++) {
        struct counts c = count_det(s, d);
        all.tests += c.tests;
        all.failures += c.failures;
        all.skipped += c.skipped;
        all.time_s += c.time_s;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<testsuites name=\"minerlab\" tests=\"%u\" failures=\"%u\" errors=\"0\" "
            "skipped=\"%u\" time=\"%.3f\">\n",
            all.tests, all.failures, all.skipped, all.time_s);
    for (size_t d = 0; d < m->ndet; d++) {
        struct counts c = count_det(s, d);
        fputs("  <testsuite name=\"minerlab.", f);
        hx_xml_escape(f, m->det[d].name);
        fprintf(
            f,
            "\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"%u\" time=\"%.3f\" "
            "timestamp=\"%s\" hostname=\"",
            c.tests, c.failures, c.skipped, c.time_s, stamp);
        hx_xml_escape(f, host ? host : "localhost");
        fputs("\">\n", f);
        write_properties(f, s, d);
        for (size_t i = 0; i < m->nscen; i++) {
            const char *oc = score_expect_outcome(s, d, i);
            if (oc)
                write_case(f, s, d, i, oc);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return report_commit(f, dir, "junit.xml", err, errlen);
}
