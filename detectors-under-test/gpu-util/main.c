/* minerlab-det-gpu-util: see README.md. */
#include <stdio.h>

#include "det_alert.h"
#include "gpu_util.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct gpu_util_config cfg;
    if (gpu_util_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    char basis[128];
    snprintf(basis, sizeof(basis), "--sustain-s %g", cfg.sustain_s);
    det_min_observation("gpu-util", DET_SYSTEM_METRICS, cfg.sustain_s, basis);
    return gpu_util_new(&cfg);
}

int main(int argc, char **argv)
{
    static const struct det_program prog = {"minerlab-det-gpu-util", create,
                                            (int (*)(void *))gpu_util_tick,
                                            (void (*)(void *))gpu_util_free};
    return det_main(&prog, argc, argv);
}
