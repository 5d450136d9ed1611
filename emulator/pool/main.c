/* minerlab-pool: thin entry point; everything lives in the pool library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

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
    rc = pool_run(&cfg);
    /*
     * Everything is written and freed. Leave without exit handlers: under
     * ASan in CI, LeakSanitizer's exit-time check in the pool was seen three
     * times still running 20 s after the final summary (its tracer task in
     * state R, the pool waiting for it; only with two pool tests at once),
     * and the test's timeout killed the pool. Until that is understood the
     * check runs only on request: ML_POOL_LEAK_CHECK=1.
     */
#if defined(__SANITIZE_ADDRESS__)
    const char *lc = getenv("ML_POOL_LEAK_CHECK");
    if (lc && !strcmp(lc, "1"))
        __lsan_do_leak_check();
#endif
    fflush(NULL);
    _exit(rc);
}
