/* plan — the run order, repeats and shards of one run (rule in plan.h). */
#include "plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hxutil.h"
#include "ml_util.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_add(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv_add(h, s, strlen(s) + 1); /* the NUL separates fields */
}

/* FNV-1a 64 of a file's bytes, or of nothing when it cannot be read. */
static uint64_t file_hash(const char *path)
{
    uint64_t h = FNV_OFFSET;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return h;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        h = fnv_add(h, buf, n);
    fclose(f);
    return h;
}

/* splitmix64: a documented, portable generator, so every machine draws the
 * same order from the same seed. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) without modulo bias. */
static uint64_t draw_below(uint64_t *state, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = splitmix64(state);
    while (v >= limit);
    return v % n;
}

uint64_t plan_draw(uint64_t *state, uint64_t n)
{
    return n ? draw_below(state, n) : 0;
}

/* A repeat needs its own scenario object with the instance id. */
static int make_instance(struct plan_item *it, char *err, size_t errlen)
{
    struct scenario *copy = NULL;
    char id[PLAN_ID_MAX];
    hx_fmt(id, sizeof(id), "%s~r%u", it->base_id, it->repeat);
    if (strlen(id) > SCEN_ID_MAX)
        return ml_err(err, errlen, -EINVAL,
                      "%s: id too long for repeats (%s has more than %d characters)",
                      it->scen->path, id, SCEN_ID_MAX);
    int rc = scenario_load(it->scen->path, &copy, err, errlen);
    if (rc)
        return rc;
    char *nid = strdup(id);
    if (!nid) {
        scenario_free(copy);
        return -ENOMEM;
    }
    free(copy->id);
    copy->id = nid;
    it->scen = copy;
    it->owned = 1;
    return 0;
}

static void compute_hash(struct plan *p)
{
    uint64_t h = fnv_str(FNV_OFFSET, "minerlab-plan/1");
    char num[64];
    h = fnv_str(h, MINERLAB_VERSION);
    h = fnv_str(h, p->suite ? p->suite : "");
    hx_fmt(num, sizeof(num), "%" PRIu64 "/%u/%s", p->seed, p->repeats,
           p->listed ? "listed" : "random");
    h = fnv_str(h, num);
    for (size_t i = 0; i < p->nitems; i++) {
        const struct plan_item *it = &p->items[i];
        h = fnv_str(h, it->scen->id);
        hx_fmt(num, sizeof(num), "%016" PRIx64, file_hash(it->scen->path));
        h = fnv_str(h, num);
    }
    for (size_t i = 0; i < p->ndetectors; i++)
        h = fnv_str(h, p->detectors[i]);
    hx_fmt(p->hash, sizeof(p->hash), "fnv1a64:%016" PRIx64, h);
}

int plan_build(struct scenario *const *scen, size_t nscen, unsigned repeats,
               uint64_t seed, int listed, const char *suite, const char *const *detectors,
               size_t ndetectors, unsigned shard_index, unsigned shard_count,
               struct plan *out, char *err, size_t errlen)
{
    int rc = -ENOMEM;
    *out = (struct plan){.seed = seed,
                         .repeats = repeats,
                         .listed = listed,
                         .shard_index = shard_index,
                         .shard_count = shard_count};
    if (repeats < 1 || repeats > PLAN_MAX_REPEATS || shard_count < 1 ||
        shard_index < 1 || shard_index > shard_count)
        return ml_err(err, errlen, -EINVAL, "plan: repeats or shard out of range");
    if (suite && !(out->suite = strdup(suite)))
        goto fail;
    out->detectors = calloc(ndetectors ? ndetectors : 1, sizeof(char *));
    if (!out->detectors)
        goto fail;
    for (size_t i = 0; i < ndetectors; i++, out->ndetectors++)
        if (!(out->detectors[i] = strdup(detectors[i])))
            goto fail;
    out->items = calloc(nscen * repeats + 1, sizeof(*out->items));
    if (!out->items)
        goto fail;
    /* Repeat by repeat: the listed order is the selection order, and the
     * shuffle starts from the same list. */
    for (unsigned k = 1; k <= repeats; k++)
        for (size_t i = 0; i < nscen; i++) {
            struct plan_item *it = &out->items[out->nitems++];
            it->scen = scen[i];
            it->repeat = k;
            hx_fmt(it->base_id, sizeof(it->base_id), "%s", scen[i]->id);
        }
    uint64_t state = seed;
    for (size_t i = listed ? 0 : out->nitems; i > 1; i--) {
        size_t j = (size_t)draw_below(&state, i);
        struct plan_item t = out->items[i - 1];
        out->items[i - 1] = out->items[j];
        out->items[j] = t;
    }
    for (size_t k = 0; k < out->nitems; k++) {
        out->items[k].shard = (unsigned)(k % shard_count) + 1;
        if (repeats > 1 && (rc = make_instance(&out->items[k], err, errlen)))
            goto fail;
    }
    compute_hash(out);
    return 0;
fail:
    plan_free(out);
    if (rc == -ENOMEM)
        ml_err(err, errlen, rc, "plan: out of memory");
    return rc;
}

void plan_free(struct plan *p)
{
    for (size_t i = 0; p->items && i < p->nitems; i++)
        if (p->items[i].owned)
            scenario_free(p->items[i].scen);
    for (size_t i = 0; i < p->ndetectors; i++)
        free(p->detectors[i]);
    free(p->detectors);
    free(p->items);
    free(p->suite);
    *p = (struct plan){0};
}

size_t plan_shard_scenarios(const struct plan *p, struct scenario **list, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nitems && n < max; i++)
        if (p->items[i].shard == p->shard_index)
            list[n++] = p->items[i].scen;
    return n;
}

json_t *plan_json(const struct plan *p)
{
    json_t *items = json_array(), *dets = json_array();
    for (size_t i = 0; i < p->nitems; i++) {
        const struct plan_item *it = &p->items[i];
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:I}", "id", it->scen->id,
                                               "scenario", it->base_id, "repeat",
                                               (json_int_t)it->repeat, "shard",
                                               (json_int_t)it->shard));
    }
    for (size_t i = 0; i < p->ndetectors; i++)
        json_array_append_new(dets, json_string(p->detectors[i]));
    char seed[32];
    /* A string: a 64-bit seed does not survive a JSON reader's double. */
    hx_fmt(seed, sizeof(seed), "%" PRIu64, p->seed);
    return json_pack("{s:s,s:s,s:s,s:I,s:s?,s:s,s:o,s:o,s:{s:I,s:I}}", "hash", p->hash,
                     "seed", seed, "order", p->listed ? "listed" : "random", "repeats",
                     (json_int_t)p->repeats, "suite", p->suite,
                     "version", MINERLAB_VERSION, "detectors", dets, "items", items,
                     "shard", "index", (json_int_t)p->shard_index, "count",
                     (json_int_t)p->shard_count);
}

int plan_parse_shard(const char *arg, const char *env_index, unsigned *index,
                     unsigned *count, char *err, size_t errlen)
{
    const char *slash = strchr(arg, '/');
    char head[32];
    long n, i;
    if (!slash || (size_t)(slash - arg) >= sizeof(head) ||
        ml_parse_long(slash + 1, 1, PLAN_MAX_SHARDS, &n))
        return ml_err(err, errlen, -EINVAL,
                      "--shard '%s': expected I/N or auto/N with 1 <= I <= N <= %d",
                      arg, PLAN_MAX_SHARDS);
    hx_fmt(head, sizeof(head), "%.*s", (int)(slash - arg), arg);
    if (strcmp(head, "auto") == 0) {
        if (!env_index || ml_parse_long(env_index, 0, n - 1, &i))
            return ml_err(err, errlen, -EINVAL,
                          "--shard auto/%ld: JOB_COMPLETION_INDEX is %s%s%s, expected "
                          "0..%ld",
                          n, env_index ? "'" : "unset", env_index ? env_index : "",
                          env_index ? "'" : "", n - 1);
        i += 1;
    } else if (ml_parse_long(head, 1, n, &i)) {
        return ml_err(err, errlen, -EINVAL,
                      "--shard '%s': shard index must be 1..%ld (or auto)", arg, n);
    }
    *index = (unsigned)i;
    *count = (unsigned)n;
    return 0;
}

int plan_parse_seed(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -EINVAL;
    *out = (uint64_t)v;
    return 0;
}

uint64_t plan_random_seed(void)
{
    uint64_t v;
    if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
        return v;
    return (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
}
