#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "model.h"
#include "report.h"
#include "score.h"

struct cmd_entry {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

static const struct cmd_entry commands[] = {
    {"run", cmd_run,
     "run scenarios against detectors and write a report (default: quick suite)"},
    {"list", cmd_list, "list scenarios, suites and the reference detectors found"},
    {"report", cmd_report, "re-score a run directory and re-render its reports"},
    {"bench", cmd_bench, "hash-kernel benchmark matrix (minerlab-miner --bench)"},
    {"merge", cmd_merge, "merge the run directories of a sharded plan into one report"},
    {"compare", cmd_compare, "what changed between two runs (exit 3: a regression)"},
};

static void usage(FILE *out)
{
    fputs("usage: minerlab <command> [options]   (minerlab <command> --help)\n\n", out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
    fputs("\nWith no command, `minerlab` is `minerlab run`.\n", out);
}

int cmd_main(int argc, char **argv)
{
    if (argc < 2)
        return cmd_run(argc, argv);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return HX_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("minerlab %s\n", MINERLAB_VERSION);
        return HX_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    if (argv[1][0] == '-') /* options without a command: they belong to run */
        return cmd_run(argc, argv);
    fprintf(stderr, "minerlab: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return HX_EXIT_USAGE;
}

int cmd_score_dir(const char *dir, const char *junit_path, const char *baseline,
                  double ttd_tolerance_s, int scorecard, int fail_on_expect)
{
    char err[1024] = "";
    struct model *m = NULL;
    struct score *s = NULL;
    json_t *doc = NULL;
    int status = HX_EXIT_USAGE;
    if (rundir_load(dir, &m, err, sizeof(err)) || !(s = score_new(m)) ||
        score_read_alerts(s, dir, err, sizeof(err)) || score_finish(s)) {
        fprintf(stderr, "minerlab: cannot score %s: %s\n", dir,
                err[0] ? err : "out of memory");
        goto out;
    }
    status = HX_EXIT_OK;
    if (report_write_all(dir, m, s, junit_path, err, sizeof(err))) {
        fprintf(stderr, "minerlab: report: %s\n", err);
        status = HX_EXIT_USAGE;
    }
    doc = report_json_build(m, s);
    if (scorecard && doc)
        report_scorecard(stdout, doc);
    if (fail_on_expect && doc &&
        json_integer_value(
            json_object_get(json_object_get(doc, "expectations"), "fail")))
        status = status ? status : HX_EXIT_EXPECT;
    if (baseline && doc) {
        int rc =
            baseline_compare(baseline, doc, ttd_tolerance_s, stdout, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "minerlab: baseline: %s\n", err);
            status = HX_EXIT_USAGE;
        } else if (rc > 0) {
            status = HX_EXIT_REGRESSION;
        }
    }
out:
    json_decref(doc);
    score_free(s);
    model_free(m);
    return status;
}
