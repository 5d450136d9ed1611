/*
 * pooldomains — the lab DNS's catalogue of real-world pool and
 * browser-mining domain names (scenarios/pool-domains.txt: a name and the
 * tag of its public source per line, '#' comments).
 *
 * Threads: loading and lookups on one thread (the suite loader's).
 */
#ifndef POOLDOMAINS_H
#define POOLDOMAINS_H

#include <stddef.h>

#define POOLDOMAINS_MAX 256

struct pooldomains {
    char names[POOLDOMAINS_MAX][254];
    unsigned char web[POOLDOMAINS_MAX]; /* tag "web": a lab web host's name */
    size_t n;
};

/* Reads path; 0, or -errno / -EINVAL with "FILE:LINE: problem" in err (a
 * line without a source tag, a name that is not a domain name, too many). */
int pooldomains_load(const char *path, struct pooldomains *out, char *err,
                     size_t errlen);
/* 1 when name (case-insensitive) is a pool name of the catalogue (names
 * tagged "web" belong to the lab web host and are not pools). */
int pooldomains_has(const struct pooldomains *d, const char *name);
/* The first name tagged "web" (the lab web host, a compromised website), or
 * NULL. */
const char *pooldomains_web(const struct pooldomains *d);
/* The catalogue of this source tree: $ML_SOURCE_DIR/scenarios/pool-domains.txt,
 * else the one the build was configured with. */
const char *pooldomains_default_path(void);

#endif
