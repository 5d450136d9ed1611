#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ml_util.h"
#include "procname.h"

#define ENV_NAME "MINERLAB_PROCNAME"

/*
 * Standard input was read already (-c -): put the same text back on fd 0 as
 * a memfd, so that the re-executed miner reads the very same config.
 */
static int refill_stdin(const char *text)
{
    int fd = memfd_create("minerlab-stdin-config", 0);
    size_t len = strlen(text), off = 0;
    if (fd < 0)
        return -errno;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? -errno : -EIO;
            close(fd);
            return e;
        }
        off += (size_t)w;
    }
    if (lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, STDIN_FILENO) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    close(fd);
    return 0;
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
    /* The original argv, unchanged but for argv[0]: the re-executed miner
     * parses exactly what this one parsed (a token-by-token rewrite once
     * dropped "--max-duration" from "-p --name --max-duration 30 ..."). */
    char **nargv = calloc((size_t)argc + 1, sizeof(*nargv));
    int rc;
    if (!nargv)
        return ml_err(err, errlen, -ENOMEM, "out of memory");
    nargv[0] = (char *)name;
    for (int i = 1; i < argc; i++)
        nargv[i] = argv[i];
    nargv[argc] = NULL;
    if (stdin_config && (rc = refill_stdin(stdin_config)) != 0) {
        free(nargv);
        return ml_err(err, errlen, rc, "cannot hand the standard-input config over: %s",
                      strerror(-rc));
    }
    if (setenv(ENV_NAME, name, 1) != 0)
        goto fail;
    execv("/proc/self/exe", nargv);
fail:
    free(nargv);
    return ml_err(err, errlen, -errno, "cannot re-execute as '%s': %s", name,
                  strerror(errno));
}
