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

/* The commands and the two options of `minerlab` itself, generated (base/opt.h). */
static void usage(FILE *out)
{
    static int version; /* parsed by hand below: options after a command are its own */
    const struct opt opts[] = {
        {"version", OPT_FLAG, &version, 0, 0, NULL, "print the version and exit"},
    };
    char summary[2048];
    size_t used = 0;
    used +=
        (size_t)snprintf(summary, sizeof(summary),
                         "With no command, `minerlab` is `minerlab run`; "
                         "`minerlab <command> --help` lists its options.\ncommands:");
    for (size_t i = 0;
         i < sizeof(commands) / sizeof(commands[0]) && used < sizeof(summary); i++)
        used += (size_t)snprintf(summary + used, sizeof(summary) - used, "\n  %-8s %s",
                                 commands[i].name, commands[i].help);
    const struct opt_cmd cmd = {"minerlab <command>", NULL, 0, -1, summary, opts, 1};
    opt_cmd_usage(out, &cmd);
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
