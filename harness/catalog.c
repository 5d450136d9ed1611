#include "hxutil.h"
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int add_error(struct catalog *c, const char *msg)
{
    char **e = realloc(c->errors, (c->nerr + 1) * sizeof(*e));
    if (!e)
        return -ENOMEM;
    c->errors = e;
    e[c->nerr] = strdup(msg);
    return e[c->nerr++] ? 0 : -ENOMEM;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of entries in dir (so catalogs list the same way everywhere). */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    char **v = NULL;
    *n = 0;
    if (!d)
        return NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char **nv = realloc(v, (*n + 1) * sizeof(*v));
        if (!nv)
            break;
        v = nv;
        v[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (v)
        qsort(v, *n, sizeof(*v), cmp_name);
    return v;
}

static void load_one(struct catalog *c, const char *path)
{
    char err[1024];
    struct scenario *s = NULL;
    if (scenario_load(path, &s, err, sizeof(err))) {
        add_error(c, err);
        return;
    }
    if (catalog_find(c, s->id)) {
        hx_fmt(err, sizeof(err), "%s:1: id: '%s' is already defined in %s", path, s->id,
               catalog_find(c, s->id)->path);
        add_error(c, err);
        scenario_free(s);
        return;
    }
    struct scenario **v = realloc(c->scen, (c->n + 1) * sizeof(*v));
    if (!v) {
        scenario_free(s);
        return;
    }
    c->scen = v;
    v[c->n++] = s;
}

int catalog_load(const char *dir, struct catalog *c)
{
    size_t nt = 0;
    memset(c, 0, sizeof(*c));
    char **types = list_dir(dir, &nt);
    if (!types)
        return -errno ? -errno : -ENOENT;
    for (size_t i = 0; i < nt; i++) {
        char sub[4096];
        hx_fmt(sub, sizeof(sub), "%s/%s", dir, types[i]);
        if (strcmp(types[i], "suites") && strcmp(types[i], "www") && is_dir(sub)) {
            size_t nf = 0;
            char **files = list_dir(sub, &nf);
            for (size_t k = 0; k < nf; k++) {
                char path[8200];
                hx_fmt(path, sizeof(path), "%s/%s", sub, files[k]);
                if (ends_with(files[k], ".yaml") || ends_with(files[k], ".yml"))
                    load_one(c, path);
                free(files[k]);
            }
            free(files);
        }
        free(types[i]);
    }
    free(types);
    return 0;
}

struct scenario *catalog_find(const struct catalog *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->scen[i] && strcmp(c->scen[i]->id, id) == 0)
            return c->scen[i];
    return NULL;
}

void catalog_free(struct catalog *c)
{
    for (size_t i = 0; i < c->n; i++)
        scenario_free(c->scen[i]);
    free(c->scen);
    for (size_t i = 0; i < c->nerr; i++)
        free(c->errors[i]);
    free(c->errors);
    memset(c, 0, sizeof(*c));
}

void paths_resolve(struct hx_paths *p, const char *scenarios, const char *launch)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    const char *env_bin = getenv("ML_BIN_DIR"), *env_src = getenv("ML_SOURCE_DIR");
    hx_fmt(p->bin, sizeof(p->bin), "%s", env_bin && *env_bin ? env_bin : exe);
    char guess[4200];
    hx_fmt(guess, sizeof(guess), "%s/../../scenarios", exe);
    if (env_src && *env_src)
        hx_fmt(p->source, sizeof(p->source), "%s", env_src);
    else if (is_dir(MINERLAB_SOURCE_DIR "/scenarios"))
        hx_fmt(p->source, sizeof(p->source), "%s", MINERLAB_SOURCE_DIR);
    else if (is_dir(guess))
        hx_fmt(p->source, sizeof(p->source), "%s/../..", exe);
    else
        hx_fmt(p->source, sizeof(p->source), "%s", MINERLAB_DATA_DIR);
    char real[PATH_MAX];
    if (realpath(p->source, real))
        hx_fmt(p->source, sizeof(p->source), "%s", real);
    if (scenarios)
        hx_fmt(p->scenarios, sizeof(p->scenarios), "%s", scenarios);
    else
        hx_fmt(p->scenarios, sizeof(p->scenarios), "%s/scenarios", p->source);
    if (launch)
        hx_fmt(p->launch, sizeof(p->launch), "%s", launch);
    else
        hx_fmt(p->launch, sizeof(p->launch), "%s/harness/launch", p->source);
    /* Launchers run with the sandbox as cwd: make every path absolute. */
    if (realpath(p->launch, real))
        hx_fmt(p->launch, sizeof(p->launch), "%s", real);
    if (realpath(p->scenarios, real))
        hx_fmt(p->scenarios, sizeof(p->scenarios), "%s", real);
    if (realpath(p->bin, real))
        hx_fmt(p->bin, sizeof(p->bin), "%s", real);
}
