/*
 * machine — what every report names: the machine (hostname, kernel, CPU
 * model, cores, memory) and the versions (minerlab, librandomx and the
 * libraries/tools from the Debian package database).
 */
#ifndef HX_MACHINE_H
#define HX_MACHINE_H

#include <jansson.h>

/* New object {"hostname","kernel","cpu_model","cores","mem_mib"}. */
json_t *machine_info(void);
/* New object {"minerlab", "librandomx", "libuv", "jansson", ...}. */
json_t *machine_versions(void);

#endif
