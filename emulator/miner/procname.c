#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ml_util.h"
#include "procname.h"

#define ENV_NAME "MINERLAB_PROCNAME"
#define ENV_STDIN_CONFIG "MINERLAB_STDIN_CONFIG"

static int is_name_opt(const char *a)
{
    return !strcmp(a, "--name");
}

int procname_apply(int argc, char **argv, const char *name, const char *stdin_config,
                   char *err, size_t errlen)
{
    const char *applied = getenv(ENV_NAME);
    if (applied) {
        /* Second run: the name is argv[0] already; set comm and forget. */
        if (prctl(PR_SET_NAME, applied, 0, 0, 0) != 0)
            return ml_err(err, errlen, -errno, "cannot set the process name: %s",
                          strerror(errno));
        unsetenv(ENV_NAME);
        return 0;
    }
    if (!name || !*name)
        return 0;
    char **nargv = calloc((size_t)argc + 3, sizeof(*nargv));
    int n = 0;
    if (!nargv)
        return ml_err(err, errlen, -ENOMEM, "out of memory");
    nargv[n++] = (char *)name;
    for (int i = 1; i < argc; i++) {
        if (is_name_opt(argv[i]) && i + 1 < argc) {
            i++;
            continue;
        }
        if (!strncmp(argv[i], "--name=", 7))
            continue;
        /* Standard input was consumed; hand the config over by environment. */
        if (stdin_config && (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
            i + 1 < argc && !strcmp(argv[i + 1], "-")) {
            nargv[n++] = "--config-env";
            nargv[n++] = ENV_STDIN_CONFIG;
            i++;
            continue;
        }
        nargv[n++] = argv[i];
    }
    nargv[n] = NULL;
    if (stdin_config && setenv(ENV_STDIN_CONFIG, stdin_config, 1) != 0)
        goto fail;
    if (setenv(ENV_NAME, name, 1) != 0)
        goto fail;
    execv("/proc/self/exe", nargv);
fail:
    free(nargv);
    return ml_err(err, errlen, -errno, "cannot re-execute as '%s': %s", name, strerror(errno));
}
