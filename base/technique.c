#include "technique.h"

#include <stddef.h>

const char *const technique_names[TECHNIQUE_COUNT + 1] = {
    "system-metrics", "network", "memory", "script", "browser", "other", NULL};
