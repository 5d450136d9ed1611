/* minerlab-pool: thin entry point; everything lives in the pool library. */
#include <stdio.h>

#include "opt.h"
#include "pool.h"

int main(int argc, char **argv)
{
    struct pool_config cfg;
    char err[256];
    pool_config_defaults(&cfg);
    int rc = pool_config_parse(argc, argv, &cfg, err, sizeof(err));
    if (rc == 1) {
        pool_usage(stdout);
        return 0;
    }
    if (rc) {
        fprintf(stderr, "minerlab-pool: %s\n", err);
        pool_usage(stderr);
        return OPT_EXIT_USAGE;
    }
    return pool_run(&cfg);
}
