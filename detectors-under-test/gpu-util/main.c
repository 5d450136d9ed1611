/* minerlab-det-gpu-util: see README.md. */
#include "gpu_util.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct gpu_util_config cfg;
    if (gpu_util_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    return gpu_util_new(&cfg);
}

int main(int argc, char **argv)
{
    static const struct det_program prog = {"minerlab-det-gpu-util", create,
                                            (int (*)(void *))gpu_util_tick,
                                            (void (*)(void *))gpu_util_free};
    return det_main(&prog, argc, argv);
}
