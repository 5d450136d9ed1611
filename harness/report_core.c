/*
 * The report core: what every report writer shares (temporary-file commit,
 * the result index, small formatters). The writers depend on this file and
 * on nothing of each other; report_json.c's report_write_all calls them.
 */
#include "hxutil.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ml_util.h"
#include "proc.h"

FILE *report_open(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[4096];
    hx_fmt(path, sizeof(path), "%s/%s.tmp", dir, name);
    proc_state_add("tmp", path);
    FILE *f = fopen(path, "w");
    if (!f)
        ml_err(err, errlen, -errno, "%s: %s", path, strerror(errno));
    return f;
}

int report_commit(FILE *f, const char *dir, const char *name, char *err, size_t errlen)
{
    char tmp[4096], path[4096];
    hx_fmt(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
    hx_fmt(path, sizeof(path), "%s/%s", dir, name);
    int bad = ferror(f) || fflush(f) != 0;
    int e = errno ? errno : EIO;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        unlink(tmp);
        return ml_err(err, errlen, -e, "%s: cannot write: %s", path, strerror(e));
    }
    int rc = hx_durable_rename(tmp, path);
    if (rc)
        return ml_err(err, errlen, rc, "%s: cannot write: %s", path, strerror(-rc));
    return 0;
}

json_t *report_result_index(json_t *doc)
{
    json_t *idx = json_object(), *r;
    size_t i;
    json_array_foreach(json_object_get(doc, "results"), i, r)
    {
        char key[512];
        hx_fmt(key, sizeof(key), "%s\t%s",
               json_string_value(json_object_get(r, "detector")) ?: "",
               json_string_value(json_object_get(r, "scenario")) ?: "");
        json_object_set(idx, key, r);
    }
    return idx;
}

json_t *report_result(json_t *index, const char *det, const char *scen)
{
    char key[512];
    hx_fmt(key, sizeof(key), "%s\t%s", det, scen);
    return json_object_get(index, key);
}

const char *report_str(json_t *o, const char *k, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : dflt;
}

const char *report_pct(double r, char *buf, size_t len)
{
    if (r < 0)
        hx_fmt(buf, len, "n/a");
    else
        hx_fmt(buf, len, "%.1f%%", r * 100);
    return buf;
}

const char *report_ci(json_t *iv, int with_k, char *buf, size_t len)
{
    json_t *rate = json_object_get(iv, "rate");
    if (!json_is_number(rate)) {
        hx_fmt(buf, len, "n/a");
        return buf;
    }
    char k[48] = "";
    if (with_k)
        hx_fmt(k, sizeof(k), "%lld/%lld ",
               (long long)json_integer_value(json_object_get(iv, "k")),
               (long long)json_integer_value(json_object_get(iv, "n")));
    hx_fmt(buf, len, "%s%.1f%% [%.1f-%.1f]", k, json_number_value(rate) * 100,
           json_number_value(json_object_get(iv, "lo")) * 100,
           json_number_value(json_object_get(iv, "hi")) * 100);
    return buf;
}

const char *report_num(json_t *o, const char *k, const char *unit, char *buf,
                       size_t len)
{
    json_t *v = json_object_get(o, k);
    if (json_is_number(v))
        hx_fmt(buf, len, "%.1f%s", json_number_value(v), unit);
    else
        hx_fmt(buf, len, "-");
    return buf;
}

void report_cells(json_t *det, struct report_cells *c)
{
    json_t *cost = json_object_get(det, "cost");
    report_ci(json_object_get(det, "tpr_interval"), 0, c->tpr, sizeof(c->tpr));
    report_ci(json_object_get(det, "fpr_interval"), 0, c->fpr, sizeof(c->fpr));
    report_num(cost, "cpu_s", "", c->cpu_s, sizeof(c->cpu_s));
    report_num(cost, "cpu_pct", "%", c->cpu_pct, sizeof(c->cpu_pct));
    report_num(cost, "peak_rss_mib", "", c->rss, sizeof(c->rss));
    report_num(det, "detection_threshold_duty_pct", "%", c->threshold,
               sizeof(c->threshold));
    report_num(det, "lowest_measured_duty_caught_pct", "%", c->lowest,
               sizeof(c->lowest));
}

json_t *report_matrix_cell(json_t *doc, const char *type, const char *technique)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(doc, "attack_matrix"), "cells"),
                       i, c)
    {
        if (!strcmp(report_str(c, "type", ""), type) &&
            !strcmp(report_str(c, "technique", ""), technique))
            return c;
    }
    return NULL;
}

json_t *report_by_type(json_t *det, const char *type)
{
    size_t i;
    json_t *bt;
    json_array_foreach(json_object_get(det, "by_type"), i, bt)
    {
        if (!strcmp(report_str(bt, "type", ""), type))
            return bt;
    }
    return NULL;
}
