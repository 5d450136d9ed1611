#include "cmd.h"

#include <stdio.h>
#include <string.h>

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
    {"bench", cmd_bench, "hash-kernel benchmark (minerlab-kbench, docs/kbench.md)"},
    {"merge", cmd_merge, "merge the run directories of a sharded plan into one report"},
    {"compare", cmd_compare, "what changed between two runs (exit 3: a regression)"},
    {"soak", cmd_soak, "hours of benign work with miner episodes at random times"},
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
