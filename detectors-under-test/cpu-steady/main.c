/* minerlab-det-cpu-steady: see README.md. */
#include <stdio.h>

#include "det_alert.h"
#include "cpu_steady.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct cpu_steady_config cfg;
    if (cpu_steady_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    char basis[128];
    snprintf(basis, sizeof(basis), "--window-s %g", cfg.window_s);
    det_min_observation("cpu-steady", DET_SYSTEM_METRICS, cfg.window_s, basis);
    return cpu_steady_new(&cfg);
}

static int tick(void *state)
{
    return cpu_steady_tick(state);
}

static void destroy(void *state)
{
    cpu_steady_free(state);
}

int main(int argc, char **argv)
{
    static const struct det_program prog = {"minerlab-det-cpu-steady", create, tick,
                                            destroy};
    return det_main(&prog, argc, argv);
}
