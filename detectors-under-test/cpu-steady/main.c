/* minerlab-det-cpu-steady: see README.md. */
#include "cpu_steady.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct cpu_steady_config cfg;
    if (cpu_steady_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    return cpu_steady_new(&cfg);
}

int main(int argc, char **argv)
{
    static const struct det_program prog = {
        "minerlab-det-cpu-steady", create, (int (*)(void *))cpu_steady_tick,
        (void (*)(void *))cpu_steady_free};
    return det_main(&prog, argc, argv);
}
