/* minerlab-det-memscan: see README.md. */
#include <stdio.h>

#include "det_alert.h"
#include "memscan.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct memscan_config cfg;
    if (memscan_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    char basis[128];
    snprintf(basis, sizeof(basis),
             "--max-process-mib %g / --budget-mib-s %g + one --interval-ms %u",
             (double)cfg.max_process_mib, cfg.budget_mib_s,
             (unsigned)cfg.common.interval_ms);
    det_min_observation("memscan", DET_MEMORY,
                        cfg.max_process_mib / cfg.budget_mib_s +
                            cfg.common.interval_ms / 1000.0,
                        basis);
    return memscan_new(&cfg);
}

static int tick(void *state)
{
    return memscan_tick(state);
}

static void destroy(void *state)
{
    memscan_free(state);
}

int main(int argc, char **argv)
{
    static const struct det_program prog = {"minerlab-det-memscan", create, tick,
                                            destroy};
    return det_main(&prog, argc, argv);
}
