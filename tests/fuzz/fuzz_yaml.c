/*
 * Fuzz target: the scenario and suite YAML loaders (our tree parser, then
 * libcyaml with the schemas, then validation). The first byte picks the
 * loader; every rejection must come with an error line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char err[512] = "";
    const char *yaml = (const char *)data + 1;
    size_t len = size - 1;
    int rc;
    if (data[0] & 1) {
        struct suite *s = NULL;
        rc = suite_load_data("fuzz.yaml", yaml, len, &s, err, sizeof(err));
        if (!rc && !s)
            abort();
        suite_free(s);
    } else {
        struct scenario *s = NULL;
        rc = scenario_load_data("fuzz.yaml", yaml, len, &s, err, sizeof(err));
        if (!rc && !s)
            abort();
        if (s) {
            scenario_is_malicious(s);
            scenario_nominal_duty(s);
        }
        scenario_free(s);
    }
    if (rc && !err[0])
        abort(); /* rejected without a reason */
    if (memchr(err, '\0', sizeof(err)) == NULL)
        abort();
    return 0;
}
