/*
 * browser_watch — browser processes (Chromium renderers, Firefox content
 * processes) whose CPU stays above a level for a window, together with a
 * long-lived outbound TCP connection owned by the same browser process tree
 * (what a page's WebSocket to a mining proxy looks like from the host).
 * Alerts carry the renderer's pid, and the flow when there is one.
 *
 * Single-threaded; one state object per detector process.
 */
#ifndef BROWSER_WATCH_H
#define BROWSER_WATCH_H

#include <stddef.h>

#include "det_proc.h"

struct browser_watch_config {
    struct det_common_opts common;
    double cpu_cores;  /* renderer CPU averaged over window_s; default 0.25 */
    double window_s;   /* default 10 */
    double conn_age_s; /* a connection counts once this old; default 10 */
    double threshold;  /* score needed (CPU alone 0.45, with a connection 0.85); 0.4 */
};

/* Fills defaults, then parses argv. 0, or -EINVAL with a sentence in err. */
int browser_watch_parse_args(int argc, char **argv, struct browser_watch_config *cfg,
                             char *err, size_t errlen);

/*
 * Classifies one process: 2 = a renderer/content process (the one that runs
 * page scripts), 1 = another browser process, 0 = not a browser.
 */
int browser_watch_classify(const char *comm, const char *cmdline);

struct browser_watch;
struct browser_watch *browser_watch_new(const struct browser_watch_config *cfg);
void browser_watch_free(struct browser_watch *bw);
/* One scan: emits alerts; returns the number written or -errno. */
int browser_watch_tick(struct browser_watch *bw);

#endif
