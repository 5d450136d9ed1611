/* minerlab-det-memscan: see README.md. */
#include "memscan.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct memscan_config cfg;
    if (memscan_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    return memscan_new(&cfg);
}

int main(int argc, char **argv)
{
    static const struct det_program prog = {
        "minerlab-det-memscan", create, (int (*)(void *))memscan_tick,
        (void (*)(void *))memscan_free};
    return det_main(&prog, argc, argv);
}
