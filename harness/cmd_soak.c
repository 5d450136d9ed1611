/* minerlab soak: options, recipes, detectors, the soak directory (soak.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "cmd.h"
#include "hxutil.h"
#include "ml_util.h"
#include "opt.h"
#include "plan.h"
#include "soak.h"

#define SOAK_MAX_DETECTORS 32
#define SOAK_MAX_RECIPES 1024

struct soak_opts {
    const char *hours, *minutes, *seed, *out, *suite, *recipes, *scen_dir, *launch_dir;
    const char *episode, *gap, *duty, *pool_ports;
    double grace, warmup, write_every;
    long max_alerts, diff;
    int quiet;
    const char *det_v[SOAK_MAX_DETECTORS];
    struct opt_list det_args; /* --detector, repeatable */
};

/* "A:B" with lo <= A <= B <= hi. 0 or -EINVAL. */
static int parse_range(const char *s, double lo, double hi, double *a, double *b)
{
    char x[64];
    const char *colon = strchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof(x))
        return -EINVAL;
    hx_fmt(x, sizeof(x), "%.*s", (int)(colon - s), s);
    if (ml_parse_double(x, lo, hi, a) || ml_parse_double(colon + 1, lo, hi, b) ||
        *a > *b)
        return -EINVAL;
    return 0;
}

static int bad(const char *msg, const char *v)
{
    fprintf(stderr, "minerlab soak: %s, got '%s'\n", msg, v);
    return HX_EXIT_USAGE;
}

/* The soak's length from --hours or --minutes; HX_EXIT_USAGE after one line. */
static int soak_length(const struct soak_opts *o, double *len)
{
    double v;
    if (o->hours && o->minutes) {
        fputs("minerlab soak: give --hours or --minutes, not both\n", stderr);
        return HX_EXIT_USAGE;
    }
    if (!o->hours && !o->minutes) {
        fputs("minerlab soak: how long? --hours H (or --minutes M)\n", stderr);
        return HX_EXIT_USAGE;
    }
    if (o->hours) {
        if (ml_parse_double(o->hours, 0, 8760, &v) || !(v * 3600 >= 1))
            return bad("--hours wants a positive number of hours (at most 8760)",
                       o->hours);
        *len = v * 3600;
    } else {
        if (ml_parse_double(o->minutes, 0, 525600, &v) || !(v * 60 >= 1))
            return bad("--minutes wants a positive number of minutes", o->minutes);
        *len = v * 60;
    }
    return 0;
}

/* id is in the comma-separated list (NULL list = everything). */
static int listed(const char *list, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, id, n))
            return 1;
        p += k + (p[k] == ',');
    }
    return !list;
}

/*
 * The recipes: benign ones first (*nbenign), then malicious ones, from the
 * suite or the whole catalogue, narrowed by --recipes. 0, or HX_EXIT_USAGE
 * after one line.
 */
static int pick_recipes(const struct soak_opts *o, const struct hx_paths *p,
                        struct catalog *cat, struct scenario **list, size_t *n,
                        size_t *nbenign)
{
    char path[4400], err[1024];
    struct suite *su = NULL;
    if (catalog_load(p->scenarios, cat)) {
        fprintf(stderr, "minerlab soak: cannot read scenarios in %s\n", p->scenarios);
        return HX_EXIT_USAGE;
    }
    if (o->suite) {
        hx_fmt(path, sizeof(path), "%s/suites/%s.yaml", p->scenarios, o->suite);
        if (suite_load(path, &su, err, sizeof(err))) {
            fprintf(stderr, "minerlab soak: suite '%s': %s\n", o->suite, err);
            return HX_EXIT_USAGE;
        }
    }
    for (const char *q = o->recipes; q && *q;) { /* every listed id must exist */
        size_t k = strcspn(q, ",");
        char id[SCEN_ID_MAX + 1];
        hx_fmt(id, sizeof(id), "%.*s", (int)k, q);
        if (!catalog_find(cat, id)) {
            suite_free(su);
            return bad("--recipes names a scenario that is not in the catalogue", id);
        }
        q += k + (q[k] == ',');
    }
    *n = *nbenign = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < cat->n && *n < SOAK_MAX_RECIPES; i++) {
            struct scenario *s = cat->scen[i];
            int in_suite = !su;
            for (size_t k = 0; su && k < su->id_count && !in_suite; k++)
                in_suite = !strcmp(su->ids[k], s->id);
            if (!in_suite || !listed(o->recipes, s->id) ||
                scenario_is_malicious(s) != pass)
                continue;
            list[(*n)++] = s;
            *nbenign += !pass;
        }
    }
    suite_free(su);
    if (*n == 0) {
        fputs("minerlab soak: no scenarios selected\n", stderr);
        return HX_EXIT_USAGE;
    }
    return 0;
}

/*
 * The soak directory: made if missing, refused when it holds a run or a soak
 * already (nothing is overwritten) or cannot be written. 0, or
 * HX_EXIT_USAGE after one line.
 */
static int soak_dir(const char *out, char *dir, size_t len, char *id, size_t idlen)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32], probe[4400];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    hx_fmt(id, idlen, "soak-%s-%04x", stamp, (unsigned)(getpid() & 0xffff));
    if (out)
        hx_fmt(dir, len, "%s", out);
    else {
        mkdir("minerlab-report", 0755);
        hx_fmt(dir, len, "minerlab-report/soak-%s", stamp);
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "minerlab soak: cannot create the soak directory %s: %s\n", dir,
                strerror(errno));
        return HX_EXIT_USAGE;
    }
    static const char *const taken[] = {"soak.json", "run.json", "timeline.jsonl"};
    for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
        hx_fmt(probe, sizeof(probe), "%s/%s", dir, taken[i]);
        if (access(probe, F_OK) == 0) {
            fprintf(stderr,
                    "minerlab soak: %s already holds a run or a soak (%s); use another "
                    "--out\n",
                    dir, taken[i]);
            return HX_EXIT_USAGE;
        }
    }
    hx_fmt(probe, sizeof(probe), "%s/.soak-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) {
        fprintf(stderr, "minerlab soak: cannot write in the soak directory %s: %s\n",
                dir, strerror(errno));
        return HX_EXIT_USAGE;
    }
    close(fd);
    unlink(probe);
    char real[PATH_MAX];
    if (realpath(dir, real))
        hx_fmt(dir, len, "%s", real);
    return 0;
}

int cmd_soak(int argc, char **argv)
{
    struct soak_opts o = {.episode = "120:600",
                          .gap = "120:1200",
                          .duty = "10:100",
                          .pool_ports = "well-known",
                          .grace = 10,
                          .warmup = 3,
                          .write_every = 60,
                          .max_alerts = 1000000};
    o.det_args = (struct opt_list){o.det_v, 0, SOAK_MAX_DETECTORS};
    const struct opt opts[] = {
        {"hours", OPT_STRING, &o.hours, 0, 0, "H", "soak length in hours (any length)"},
        {"minutes", OPT_STRING, &o.minutes, 0, 0, "M", "soak length in minutes"},
        {"seed", OPT_STRING, &o.seed, 0, 0, "S",
         "draws the schedule (default: random, printed for replay)"},
        {"out", OPT_STRING, &o.out, 0, 0, "DIR",
         "soak directory (default ./minerlab-report/soak-<timestamp>)"},
        {"detector", OPT_LIST, &o.det_args, 0, 0, "X",
         "as for `minerlab run`, repeatable (default: every reference detector)"},
        {"suite", OPT_STRING, &o.suite, 0, 0, "NAME",
         "recipes from scenarios/suites/NAME.yaml (default: the whole catalogue)"},
        {"recipes", OPT_STRING, &o.recipes, 0, 0, "ID,...", "only these scenario ids"},
        {"episode", OPT_STRING, &o.episode, 0, 0, "MIN:MAX", "episode length, seconds"},
        {"gap", OPT_STRING, &o.gap, 0, 0, "MIN:MAX",
         "quiet gap before each episode, seconds (at least --grace)"},
        {"duty", OPT_STRING, &o.duty, 0, 0, "MIN:MAX", "episode duty, %"},
        {"grace", OPT_DOUBLE, &o.grace, 0, 600, "S", "scoring grace after an episode"},
        {"warmup", OPT_DOUBLE, &o.warmup, 0, 600, "S", "detector warm-up"},
        {"write-every", OPT_DOUBLE, &o.write_every, 1, 3600, "S",
         "rewrite soak.json every S seconds"},
        {"max-alerts", OPT_LONG, &o.max_alerts, 0, 1e12, "N",
         "alerts stored per detector (more are counted)"},
        {"diff", OPT_LONG, &o.diff, 0, 4294967295.0, "N",
         "fixed pool difficulty (0: vardiff, as real pools)"},
        {"pool-ports", OPT_STRING, &o.pool_ports, 0, 0, "MODE", "well-known or random"},
        {"scenarios", OPT_STRING, &o.scen_dir, 0, 0, "DIR", "scenario directory"},
        {"launch-dir", OPT_STRING, &o.launch_dir, 0, 0, "DIR", "launcher directory"},
        {"quiet", OPT_FLAG, &o.quiet, 0, 0, NULL, "no summary table at the end"},
    };
    const size_t nopts = sizeof(opts) / sizeof(opts[0]);
    char err[1024], dir[PATH_MAX], id[96];
    struct catalog cat = {0};
    struct scenario *list[SOAK_MAX_RECIPES];
    struct runner_detector det[SOAK_MAX_DETECTORS];
    size_t nlist = 0, nbenign = 0, ndet = 0;
    struct soak_config c;
    double len = 0, e0, e1, g0, g1, d0, d1;
    uint64_t seed = 0;
    int status = HX_EXIT_USAGE;
    int rc = opt_parse(argc, argv, opts, nopts, NULL, 0, err, sizeof(err));
    if (rc > 0) {
        opt_usage(stdout, "minerlab soak",
                  "Benign background work all the time, miner episodes at random times "
                  "(docs/harness.md, Soak mode).",
                  opts, nopts, NULL, 0);
        return HX_EXIT_OK;
    }
    if (rc) {
        fprintf(stderr, "minerlab soak: %s\n", err);
        return HX_EXIT_USAGE;
    }
    if ((rc = soak_length(&o, &len)))
        return rc;
    if (o.seed && plan_parse_seed(o.seed, &seed))
        return bad("--seed wants a decimal number 0..18446744073709551615", o.seed);
    if (parse_range(o.episode, 1, SOAK_EPISODE_MAX_S, &e0, &e1))
        return bad("--episode wants MIN:MAX seconds, 1 <= MIN <= MAX <= 86000",
                   o.episode);
    if (parse_range(o.gap, 0, 1e7, &g0, &g1))
        return bad("--gap wants MIN:MAX seconds, 0 <= MIN <= MAX", o.gap);
    if (g0 < o.grace) {
        fprintf(stderr,
                "minerlab soak: --gap %s: the quiet gap must be at least the grace "
                "period (%g s)\n",
                o.gap, o.grace);
        return HX_EXIT_USAGE;
    }
    if (parse_range(o.duty, 1, 100, &d0, &d1) || d0 != (unsigned)d0 ||
        d1 != (unsigned)d1)
        return bad("--duty wants MIN:MAX whole percent, 1 <= MIN <= MAX <= 100",
                   o.duty);
    if (strcmp(o.pool_ports, "well-known") && strcmp(o.pool_ports, "random"))
        return bad("--pool-ports wants well-known or random", o.pool_ports);
    if (!o.seed)
        seed = plan_random_seed();
    struct hx_paths p;
    paths_resolve(&p, o.scen_dir, o.launch_dir);
    if ((status = pick_recipes(&o, &p, &cat, list, &nlist, &nbenign)))
        goto out;
    status = HX_EXIT_USAGE;
    /* The directory first: a bad one is one line, before any detector note. */
    if (soak_dir(o.out, dir, sizeof(dir), id, sizeof(id)))
        goto out;
    if (run_select_detectors(p.bin, o.det_v, o.det_args.n, det, SOAK_MAX_DETECTORS,
                             &ndet))
        goto out;
    char www[4400];
    hx_fmt(www, sizeof(www), "%s/www", p.scenarios);
    memset(&c, 0, sizeof(c));
    c.run = (struct runner_config){.run_dir = dir,
                                   .run_id = id,
                                   .bin_dir = p.bin,
                                   .source_dir = p.source,
                                   .launch_dir = p.launch,
                                   .www_dir = access(www, R_OK) == 0 ? www : NULL,
                                   .scen = list,
                                   .nscen = nlist,
                                   .det = det,
                                   .ndet = ndet,
                                   .suite = o.suite,
                                   .grace_s = o.grace,
                                   .gap_s = o.grace,
                                   .warmup_s = o.warmup,
                                   .max_alerts = (unsigned long)o.max_alerts,
                                   .pool_diff = (unsigned)o.diff,
                                   .random_ports = !strcmp(o.pool_ports, "random"),
                                   .progress_tty = 0};
    c.nbenign = nbenign;
    c.seed = seed;
    c.length_s = len;
    c.ep_min_s = e0;
    c.ep_max_s = e1;
    c.gap_min_s = g0;
    c.gap_max_s = g1;
    c.duty_min = (unsigned)d0;
    c.duty_max = (unsigned)d1;
    c.write_every_s = o.write_every;
    fprintf(stderr,
            "minerlab soak %s: %.0f s, %zu recipes (%zu benign), %zu detectors -> %s\n"
            "minerlab soak: seed %" PRIu64 " (replay with --seed %" PRIu64 ")\n",
            id, len, nlist, nbenign, ndet, dir, seed, seed);
    rc = soak_run(&c, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "minerlab soak: %s\n", err);
        status = HX_EXIT_USAGE;
        goto out;
    }
    if (report_soak(dir, o.quiet ? NULL : stdout, err, sizeof(err))) {
        fprintf(stderr, "minerlab soak: report: %s\n", err);
        status = HX_EXIT_USAGE;
        goto out;
    }
    printf("soak: %s/soak.json, report: %s/report.md (also report.json, report.html)\n",
           dir, dir);
    status = rc == 1 ? HX_EXIT_INTERRUPTED : HX_EXIT_OK;
out:
    for (size_t i = 0; i < ndet; i++) {
        free(det[i].name);
        free(det[i].cmd);
    }
    catalog_free(&cat);
    return status;
}
