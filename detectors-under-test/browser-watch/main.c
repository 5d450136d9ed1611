/* minerlab-det-browser-watch: see README.md. */
#include "browser_watch.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct browser_watch_config cfg;
    if (browser_watch_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    return browser_watch_new(&cfg);
}

static int tick(void *state)
{
    return browser_watch_tick(state);
}

static void destroy(void *state)
{
    browser_watch_free(state);
}

int main(int argc, char **argv)
{
    static const struct det_program prog = {"minerlab-det-browser-watch", create, tick,
                                            destroy};
    return det_main(&prog, argc, argv);
}
