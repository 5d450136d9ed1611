/*
 * minerlab bench: the hash-kernel benchmark. Everything is done by
 * minerlab-kbench (emulator/rxref/kbench_main.c, docs/kbench.md), which this
 * command runs from the binaries directory with the same arguments, so the
 * harness itself never maps a dataset.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "cmd.h"
#include "hxutil.h"

int cmd_bench(int argc, char **argv)
{
    struct hx_paths p;
    char kbench[4400];
    paths_resolve(&p, NULL, NULL);
    hx_fmt(kbench, sizeof(kbench), "%s/minerlab-kbench", p.bin);
    /* argv[0] is "bench": the kernel benchmark takes the rest. */
    argv[0] = kbench;
    fflush(NULL);
    execv(kbench, argv);
    fprintf(stderr, "minerlab bench: cannot run %s: %s\n", kbench, strerror(errno));
    (void)argc;
    return HX_EXIT_USAGE;
}
