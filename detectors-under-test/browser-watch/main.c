/* minerlab-det-browser-watch: see README.md. */
#include <stdio.h>

#include "det_alert.h"
#include "browser_watch.h"

static void *create(int argc, char **argv, const struct det_common_opts **common,
                    char *err, size_t errlen)
{
    static struct browser_watch_config cfg;
    if (browser_watch_parse_args(argc, argv, &cfg, err, errlen) < 0)
        return NULL;
    *common = &cfg.common;
    char basis[128];
    snprintf(basis, sizeof(basis), "max(--window-s %g, --conn-age-s %g)", cfg.window_s,
             cfg.conn_age_s);
    det_min_observation("browser-watch", DET_BROWSER,
                        cfg.window_s > cfg.conn_age_s ? cfg.window_s : cfg.conn_age_s,
                        basis);
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
