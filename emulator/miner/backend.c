#include "backend.h"

#include <errno.h>
#include <string.h>

#include "ml_util.h"

const struct backend_ops *backend_find(const char *name, char *err, size_t errlen)
{
    if (!name || !*name || !strcmp(name, "cpu"))
        return &cpu_backend_ops;
    if (!strcmp(name, "cuda")) {
        if (&cuda_backend_ops)
            return &cuda_backend_ops;
        ml_err(err, errlen, -ENOTSUP,
               "this minerlab-miner was built without the CUDA backend (no nvcc at build time)");
        return NULL;
    }
    ml_err(err, errlen, -EINVAL, "unknown backend '%s' (cpu or cuda)", name);
    return NULL;
}
