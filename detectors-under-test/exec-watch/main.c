/* minerlab-det-exec-watch: see README.md. */
#include "exec_watch.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct exec_watch_config cfg;
    if (exec_watch_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    return exec_watch_new(&cfg, err, errlen);
}

static int tick(void *state)
{
    return exec_watch_tick(state);
}

static void destroy(void *state)
{
    exec_watch_free(state);
}

int main(int argc, char **argv)
{
    static const struct det_program prog = {"minerlab-det-exec-watch", create, tick,
                                            destroy};
    return det_main(&prog, argc, argv);
}
