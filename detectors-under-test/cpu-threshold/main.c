/* minerlab-det-cpu-threshold: see README.md. */
#include <stdio.h>

#include "det_alert.h"
#include "cpu_threshold.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct cpu_threshold_config cfg;
    if (cpu_threshold_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    char basis[128];
    snprintf(basis, sizeof(basis), "new-process rule: two samples of --interval-ms %u",
             (unsigned)cfg.common.interval_ms);
    det_min_observation("cpu-threshold", DET_SYSTEM_METRICS,
                        2.0 * cfg.common.interval_ms / 1000.0, basis);
    return cpu_threshold_new(&cfg);
}

static int tick(void *state)
{
    return cpu_threshold_tick(state);
}

static void destroy(void *state)
{
    cpu_threshold_free(state);
}

int main(int argc, char **argv)
{
    static const struct det_program prog = {"minerlab-det-cpu-threshold", create, tick,
                                            destroy};
    return det_main(&prog, argc, argv);
}
