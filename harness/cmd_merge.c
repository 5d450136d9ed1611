/*
 * minerlab merge OUT DIR...: puts the shards of one plan (run with
 * `minerlab run --shard I/N`, maybe on different machines) back into one
 * run directory and scores it like `minerlab report`.
 *
 * The checks come first and write nothing: every DIR has a plan; hash,
 * seed, repeats, suite, minerlab version and detector set agree; the shard
 * counts agree and each index 1..N appears exactly once. Then OUT gets:
 *   run.json       the first shard's, with every shard's scenarios in plan
 *                  order, "shards" (per shard: index, run id, directory,
 *                  machine, versions, times, time offset) and
 *                  "machines_differ";
 *   timeline.jsonl, alerts.jsonl, events.jsonl, observations.jsonl
 *                  each shard's records in turn.
 * Shards that ran at the same time (on different hosts) would overlap on
 * the time axis, and the scorer places alerts by time: each shard whose
 * span overlaps the ones before it is moved later by a whole offset (every
 * "ts", "*_ts", "started" and "finished"), recorded per shard, so each
 * alert can only meet its own shard's windows. Durations, TTDs and counts
 * are unchanged by the move.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "hxutil.h"
#include "plan.h"

#define MERGE_GAP_S 60.0 /* between shards moved on the time axis */

struct shard {
    const char *dir;
    json_t *run; /* run.json */
    json_t *plan;
    unsigned index, count;
    double started, finished, offset;
};

static const char *plan_str(const json_t *plan, const char *key)
{
    const char *s = json_string_value(json_object_get(plan, key));
    return s ? s : "";
}

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

/* Loads DIR/run.json and its plan. 0, or -EINVAL with a line printed. */
static int shard_load(struct shard *sh, const char *dir)
{
    char path[PATH_MAX + 16];
    json_error_t je;
    hx_fmt(path, sizeof(path), "%s/run.json", dir);
    sh->dir = dir;
    sh->run = json_load_file(path, 0, &je);
    if (!sh->run) {
        fprintf(stderr, "minerlab merge: %s: %s\n", path, je.text);
        return -EINVAL;
    }
    sh->plan = json_object_get(sh->run, "plan");
    json_t *shard = json_object_get(sh->plan, "shard");
    json_int_t index = json_integer_value(json_object_get(shard, "index"));
    json_int_t count = json_integer_value(json_object_get(shard, "count"));
    if (!json_is_object(sh->plan) || !*plan_str(sh->plan, "hash") || index < 1 ||
        count < 1 || index > count) {
        fprintf(stderr,
                "minerlab merge: %s: run.json has no plan (a run of an older format, "
                "or not a run of `minerlab run`)\n",
                dir);
        return -EINVAL;
    }
    sh->index = (unsigned)index;
    sh->count = (unsigned)count;
    sh->started = num(sh->run, "started");
    sh->finished = num(sh->run, "finished");
    if (sh->finished < sh->started)
        sh->finished = sh->started; /* interrupted before the end was written */
    return 0;
}

/* The plan identity every shard must share with the first. */
static int same_plan(const struct shard *a, const struct shard *b)
{
    static const char *const keys[] = {"hash", "seed", "suite", "version"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(plan_str(a->plan, keys[i]), plan_str(b->plan, keys[i]))) {
            fprintf(stderr,
                    "minerlab merge: %s is a shard of another plan (%s %s, but %s has "
                    "%s)\n",
                    b->dir, keys[i], plan_str(b->plan, keys[i]), a->dir,
                    plan_str(a->plan, keys[i]));
            return 0;
        }
    if (!json_equal(json_object_get(a->plan, "detectors"),
                    json_object_get(b->plan, "detectors")) ||
        !json_equal(json_object_get(a->plan, "repeats"),
                    json_object_get(b->plan, "repeats"))) {
        fprintf(stderr,
                "minerlab merge: %s ran another detector set or repeat count than %s\n",
                b->dir, a->dir);
        return 0;
    }
    if (a->count != b->count) {
        fprintf(stderr, "minerlab merge: %s is shard %u/%u, but %s is of %u shards\n",
                b->dir, b->index, b->count, a->dir, a->count);
        return 0;
    }
    return 1;
}

/* Sorts by index and checks each of 1..N once. 0 or -EINVAL (printed). */
static int check_complete(struct shard *sh, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && sh[j - 1].index > sh[j].index; j--) {
            struct shard t = sh[j];
            sh[j] = sh[j - 1];
            sh[j - 1] = t;
        }
    for (size_t i = 1; i < n; i++)
        if (sh[i].index == sh[i - 1].index) {
            fprintf(stderr, "minerlab merge: %s and %s are both shard %u/%u\n",
                    sh[i - 1].dir, sh[i].dir, sh[i].index, sh[i].count);
            return -EINVAL;
        }
    /* Sorted and without duplicates: shard k sits at position k-1 unless
     * one before it is missing. */
    for (unsigned want = 1; want <= sh[0].count; want++) {
        if (want <= n && sh[want - 1].index == want)
            continue;
        fprintf(stderr, "minerlab merge: shard %u/%u is missing (its runs:", want,
                sh[0].count);
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(sh[0].plan, "items"), k,
                           it) if (json_integer_value(json_object_get(it, "shard")) ==
                                   (json_int_t)want)
            fprintf(stderr, " %s", plan_str(it, "id"));
        fputs(")\n", stderr);
        return -EINVAL;
    }
    return 0;
}

/* Moves every time field of one record by off seconds. */
static void shift_times(json_t *o, double off)
{
    const char *k;
    json_t *v;
    if (off == 0)
        return;
    json_object_foreach(o, k, v)
    {
        size_t len = strlen(k);
        /* slice_start/slice_end: measured duty (a ramp is credited by time). */
        int is_time = !strcmp(k, "ts") || !strcmp(k, "started") ||
                      !strcmp(k, "finished") || !strcmp(k, "slice_start") ||
                      !strcmp(k, "slice_end") ||
                      (len > 3 && !strcmp(k + len - 3, "_ts"));
        if (is_time && json_is_number(v) && json_number_value(v) > 0)
            json_object_set_new(o, k, json_real(json_number_value(v) + off));
    }
}

/* Appends DIR/name to out, each record moved by off. Torn lines are dropped
 * (the scorer skips them too). Returns 0 or -errno. */
static int append_jsonl(FILE *out, const char *dir, const char *name, double off)
{
    char path[PATH_MAX + 32];
    hx_fmt(path, sizeof(path), "%s/%s", dir, name);
    FILE *in = fopen(path, "r");
    if (!in)
        return errno == ENOENT ? 0 : -errno;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (!rc && (n = getline(&line, &cap, in)) > 0) {
        json_t *o = json_loadb(line, (size_t)n, 0, NULL);
        if (!json_is_object(o)) {
            json_decref(o);
            continue;
        }
        shift_times(o, off);
        char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
        if (!s || fprintf(out, "%s\n", s) < 0)
            rc = -EIO;
        free(s);
        json_decref(o);
    }
    free(line);
    fclose(in);
    return rc;
}

static int write_jsonl_files(const char *out, struct shard *sh, size_t n)
{
    static const char *const files[] = {"timeline.jsonl", "alerts.jsonl",
                                        "events.jsonl", "observations.jsonl"};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char path[PATH_MAX + 32];
        hx_fmt(path, sizeof(path), "%s/%s", out, files[f]);
        FILE *o = fopen(path, "w");
        int rc = o ? 0 : -errno;
        for (size_t i = 0; i < n && !rc; i++)
            rc = append_jsonl(o, sh[i].dir, files[f], sh[i].offset);
        if (o && fclose(o) != 0 && !rc)
            rc = -EIO;
        if (rc) {
            fprintf(stderr, "minerlab merge: %s: %s\n", path, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

/* Position of an instance id in the plan order (for sorting scenarios). */
static size_t plan_pos(const json_t *plan, const char *id)
{
    size_t k;
    json_t *it;
    json_array_foreach(json_object_get(plan, "items"), k,
                       it) if (!strcmp(plan_str(it, "id"), id)) return k;
    return (size_t)-1;
}

static json_t *merged_run_json(struct shard *sh, size_t n)
{
    json_t *run = json_deep_copy(sh[0].run);
    json_t *scen = json_array(), *shards = json_array();
    int differ = 0;
    double started = 0, finished = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(sh[i].run, "scenarios"), k, s)
            json_array_append(scen, s);
        json_t *mach = json_object_get(sh[i].run, "machine");
        json_t *ver = json_object_get(sh[i].run, "versions");
        differ |= !json_equal(mach, json_object_get(sh[0].run, "machine")) ||
                  !json_equal(ver, json_object_get(sh[0].run, "versions"));
        json_array_append_new(
            shards,
            json_pack("{s:I,s:s,s:s,s:O?,s:O?,s:f,s:f,s:f,s:b}", "index",
                      (json_int_t)sh[i].index, "dir", sh[i].dir, "run_id",
                      plan_str(sh[i].run, "run_id"), "machine", mach, "versions", ver,
                      "started", sh[i].started, "finished", sh[i].finished,
                      "time_offset_s", sh[i].offset, "interrupted",
                      json_is_true(json_object_get(sh[i].run, "interrupted"))));
        if (i == 0 || sh[i].started + sh[i].offset < started)
            started = sh[i].started + sh[i].offset;
        if (sh[i].finished + sh[i].offset > finished)
            finished = sh[i].finished + sh[i].offset;
    }
    /* Scenarios in plan order, as one unsharded run would list them. */
    size_t cnt = json_array_size(scen);
    for (size_t i = 1; i < cnt; i++)
        for (size_t j = i; j > 0; j--) {
            json_t *a = json_array_get(scen, j - 1), *b = json_array_get(scen, j);
            if (plan_pos(sh[0].plan, plan_str(a, "id")) <=
                plan_pos(sh[0].plan, plan_str(b, "id")))
                break;
            json_incref(a);
            json_array_set(scen, j - 1, b);
            json_array_set_new(scen, j, a);
        }
    int interrupted = 0;
    for (size_t i = 0; i < n; i++)
        interrupted |= json_is_true(json_object_get(sh[i].run, "interrupted"));
    char id[96];
    hx_fmt(id, sizeof(id), "merged-%s", plan_str(sh[0].plan, "hash") + 8);
    json_object_set_new(run, "run_id", json_string(id));
    json_object_set_new(run, "scenarios", scen);
    json_object_set_new(run, "shards", shards);
    json_object_set_new(run, "machines_differ", json_boolean(differ));
    json_object_set_new(run, "started", json_real(started));
    json_object_set_new(run, "finished", json_real(finished));
    json_object_set_new(run, "interrupted", json_boolean(interrupted));
    json_object_set_new(json_object_get(json_object_get(run, "plan"), "shard"), "index",
                        json_string("merged"));
    return run;
}

int cmd_merge(int argc, char **argv)
{
    const char *junit = NULL;
    int quiet = 0, first, status = HX_EXIT_USAGE;
    const struct opt opts[] = {
        {"junit", OPT_STRING, &junit, 0, 0, "FILE", "also copy junit.xml there"},
        {"q|quiet", OPT_FLAG, &quiet, 0, 0, NULL, "no scorecard"},
    };
    const struct opt_cmd cmd = {
        "minerlab merge",
        "OUT DIR...",
        2,
        -1,
        "Merges the run directories of the shards of one plan (minerlab run\n"
        "--shard I/N) into OUT and writes one report there. Refuses (exit 2)\n"
        "shards of different plans, a missing shard and a duplicated one.",
        opts,
        sizeof(opts) / sizeof(opts[0])};
    int rc = opt_cmd_parse(&cmd, argc, argv, &first);
    if (rc)
        return rc > 0 ? HX_EXIT_OK : HX_EXIT_USAGE;
    const char *out = argv[first];
    size_t n = (size_t)(argc - first - 1);
    struct shard *sh = calloc(n, sizeof(*sh));
    json_t *run = NULL;
    if (!sh)
        return HX_EXIT_USAGE;
    for (size_t i = 0; i < n; i++)
        if (shard_load(&sh[i], argv[first + 1 + i]) || !same_plan(&sh[0], &sh[i]))
            goto done;
    if (check_complete(sh, n))
        goto done;
    char probe[PATH_MAX + 16];
    hx_fmt(probe, sizeof(probe), "%s/run.json", out);
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "minerlab merge: cannot create %s: %s\n", out, strerror(errno));
        goto done;
    }
    if (access(probe, F_OK) == 0) {
        fprintf(stderr,
                "minerlab merge: %s already holds a run (nothing overwritten)\n", out);
        goto done;
    }
    double cursor = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && sh[i].started < cursor)
            sh[i].offset = cursor - sh[i].started;
        cursor = sh[i].finished + sh[i].offset + MERGE_GAP_S;
    }
    if (write_jsonl_files(out, sh, n))
        goto done;
    run = merged_run_json(sh, n);
    char tmp[PATH_MAX + 16];
    hx_fmt(tmp, sizeof(tmp), "%s/run.json.tmp", out);
    if (json_dump_file(
            run, tmp, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) != 0 ||
        rename(tmp, probe) != 0) {
        fprintf(stderr, "minerlab merge: cannot write %s\n", probe);
        goto done;
    }
    fprintf(stderr, "minerlab merge: %zu shards of plan %s -> %s%s\n", n,
            plan_str(sh[0].plan, "hash"), out,
            json_is_true(json_object_get(run, "machines_differ"))
                ? " (the shards ran on different machines or versions)"
                : "");
    status = cmd_score_dir(out, junit, NULL, 10, !quiet, 0);
    if (status == HX_EXIT_OK)
        printf("report: %s/report.html (also report.md, report.json, junit.xml)\n",
               out);
done:
    json_decref(run);
    for (size_t i = 0; i < n; i++)
        json_decref(sh[i].run);
    free(sh);
    return status;
}
