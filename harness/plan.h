/*
 * plan — what a run will execute, fixed before anything starts: every
 * selected scenario `repeats` times, in an order drawn from `seed`, split
 * into shards. The rule (docs/scaling.md) is part of the contract that lets
 * `minerlab merge` put shards run on different machines back together:
 *
 *   1. items = (scenario, repeat) for repeat 1..R, and within each repeat
 *      every selected scenario in selection order;
 *   2. order = Fisher-Yates shuffle of items driven by splitmix64(seed)
 *      (or, with `--order listed`, repeat by repeat in selection order);
 *   3. the item at 0-based position k of that order belongs to shard
 *      (k mod N) + 1 of N.
 *
 * An item's instance id is the scenario id when R is 1, else "ID~rK". The
 * plan hash (FNV-1a 64 over the minerlab version, suite, seed, repeats, the
 * ordered items with a hash of each scenario file, and the detector names)
 * names the plan; it does not depend on N, so shards and an unsharded run
 * of the same plan share it.
 */
#ifndef HX_PLAN_H
#define HX_PLAN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

#define PLAN_ID_MAX (SCEN_ID_MAX + 16)
#define PLAN_MAX_REPEATS 1000
#define PLAN_MAX_SHARDS 100000

struct plan_item {
    struct scenario *scen; /* borrowed, or owned when `owned` (a repeat's copy) */
    int owned;
    unsigned repeat; /* 1-based */
    unsigned shard;  /* 1-based */
    char base_id[SCEN_ID_MAX + 1];
};

struct plan {
    struct plan_item *items; /* in run order */
    size_t nitems;
    uint64_t seed;
    unsigned repeats;
    int listed; /* 1: selection order, repeat by repeat; 0: shuffled */
    unsigned shard_index, shard_count; /* 1..count; 1/1 when unsharded */
    char hash[32];                     /* "fnv1a64:" + 16 hex digits */
    char *suite;                       /* may be NULL */
    char **detectors;
    size_t ndetectors;
};

/*
 * Builds the plan. scen[] are borrowed and must outlive the plan. Returns 0,
 * or -EINVAL/-ENOMEM with the reason in err (a repeat copy that cannot be
 * reloaded from its file, an id too long with its repeat suffix).
 */
int plan_build(struct scenario *const *scen, size_t nscen, unsigned repeats,
               uint64_t seed, int listed, const char *suite, const char *const *detectors,
               size_t ndetectors, unsigned shard_index, unsigned shard_count,
               struct plan *out, char *err, size_t errlen);
void plan_free(struct plan *p);

/*
 * The scenarios of this plan's own shard, in run order, into list (at most
 * max). Returns how many.
 */
size_t plan_shard_scenarios(const struct plan *p, struct scenario **list, size_t max);

/* New object for run.json's "plan" (hash, seed, repeats, suite, version,
 * detectors, items with their shard, this run's shard). */
json_t *plan_json(const struct plan *p);

/*
 * Parses --shard "I/N" (1 <= I <= N) or "auto/N", where auto takes
 * JOB_COMPLETION_INDEX (0-based, Kubernetes Indexed Jobs) from env_index
 * and adds 1. Returns 0 or -EINVAL with the reason in err.
 */
int plan_parse_shard(const char *arg, const char *env_index, unsigned *index,
                     unsigned *count, char *err, size_t errlen);

/* Parses a seed (decimal, 0..2^64-1). Returns 0 or -EINVAL. */
int plan_parse_seed(const char *s, uint64_t *out);

/* Uniform in [0, n) from the plan's generator (splitmix64, no modulo bias), so
 * other seeded schedules (the soak) replay the same way; 0 when n is 0. */
uint64_t plan_draw(uint64_t *state, uint64_t n);

/* A seed from the kernel's random source (for runs without --seed). */
uint64_t plan_random_seed(void);

#endif
