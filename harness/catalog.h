/*
 * catalog — every scenario under a scenarios directory (DIR/<type>/<id>.yaml,
 * DIR/suites/ excluded) and the suites in DIR/suites/<name>.yaml, plus where
 * minerlab finds its data (bin dir, source dir, scenarios, launchers).
 */
#ifndef HX_CATALOG_H
#define HX_CATALOG_H

#include <stddef.h>

#include "scenario.h"

struct catalog {
    struct scenario **scen;
    size_t n;
    char **errors; /* one "FILE:LINE: ..." per file that failed to load */
    size_t nerr;
};

/* Loads every scenario file under dir; bad files go to c->errors. 0 or -errno. */
int catalog_load(const char *dir, struct catalog *c);
/* Scenario by id (borrowed), NULL when absent. */
struct scenario *catalog_find(const struct catalog *c, const char *id);
/* Moves the scenario out of the catalog (caller owns it). */
void catalog_free(struct catalog *c);

struct hx_paths {
    char bin[2048];    /* minerlab-* executables */
    char source[2048]; /* repo root or install data dir */
    char scenarios[2048];
    char launch[2048];
};

/*
 * bin: ML_BIN_DIR, else the directory of /proc/self/exe. source:
 * ML_SOURCE_DIR, else the build's source tree, else the install data dir.
 * scenarios/launch default below source; non-NULL overrides win.
 */
void paths_resolve(struct hx_paths *p, const char *scenarios, const char *launch);

#endif
