/* minerlab run: pick scenarios and detectors, run them, score, report. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hxutil.h"
#include "catalog.h"
#include "cmd.h"
#include "ml_util.h"
#include "plan.h"
#include "runner.h"

static void suite_fast_mode(const struct suite *su, struct scenario *s, int *fast_ok);

#define MAX_DETECTORS 32
#define MAX_SCENARIOS 512

struct run_opts {
    const char *suite, *out, *junit, *baseline, *scen_dir, *launch_dir, *pool;
    const char *shard; /* "I/N" or "auto/N"; NULL = unsharded */
    const char *seed_arg;
    long repeats;
    int have_seed;
    int listed; /* --order listed */
    uint64_t seed;
    const char *det_v[MAX_DETECTORS];
    struct opt_list det_args;
    double grace_s, gap_s, warmup_s, ttd_tol;
    long max_alerts, diff;
    int quiet, fail_on_expect, random_ports;
    int first; /* argv index of the first scenario operand */
};

/* Fills o from argv: 0, 1 after --help, -EINVAL after a usage error (printed). */
static int parse_opts(int argc, char **argv, struct run_opts *o)
{
    *o = (struct run_opts){.grace_s = 10,
                           .gap_s = 3,
                           .warmup_s = 3,
                           .ttd_tol = 10,
                           .max_alerts = 1000000,
                           .diff = 0,
                           .repeats = 1};
    o->det_args = (struct opt_list){o->det_v, 0, MAX_DETECTORS};
    const struct opt opts[] = {
        {"s|suite", OPT_STRING, &o->suite, 0, 0, "NAME",
         "scenarios/suites/NAME.yaml (default quick when no scenario given)"},
        {"d|detector", OPT_LIST, &o->det_args, 0, 0, "X",
         "reference detector NAME (build/bin/minerlab-det-NAME), or an\n"
         "external command (anything with a space or '/'; 'name=CMD' names it),\n"
         "or NAME:INPUT (a file or directory handed to minerlab-det-NAME --input).\n"
         "Repeatable; default: every reference detector found"},
        {"o|out", OPT_STRING, &o->out, 0, 0, "DIR",
         "run directory (default ./minerlab-report/<timestamp>, + latest link)"},
        {"j|junit", OPT_STRING, &o->junit, 0, 0, "FILE", "also copy junit.xml there"},
        {"b|baseline", OPT_STRING, &o->baseline, 0, 0, "FILE",
         "compare with an earlier report.json; exit 3 on a regression"},
        {"ttd-tolerance", OPT_DOUBLE, &o->ttd_tol, 0, 3600, "S",
         "TTD growth in seconds allowed by --baseline"},
        {"e|fail-on-expect", OPT_FLAG, &o->fail_on_expect, 0, 0, NULL,
         "exit 1 when a scenario expectation fails"},
        {"grace", OPT_DOUBLE, &o->grace_s, 0, 600, "S",
         "scoring grace in seconds after a window"},
        {"gap", OPT_DOUBLE, &o->gap_s, 0, 600, "S",
         "quiet gap in seconds between scenarios, at least the grace"},
        {"warmup", OPT_DOUBLE, &o->warmup_s, 0, 600, "S",
         "seconds detectors run before the first window"},
        {"scenarios", OPT_STRING, &o->scen_dir, 0, 0, "DIR",
         "scenario directory (an override for tests and installs)"},
        {"launch-dir", OPT_STRING, &o->launch_dir, 0, 0, "DIR",
         "launcher directory (an override for tests and installs)"},
        {"pool", OPT_STRING, &o->pool, 0, 0, "CMD",
         "pool command (an override for tests and installs)"},
        {"max-alerts", OPT_LONG, &o->max_alerts, 0, (double)(1L << 40), "N",
         "alerts stored per detector; more are counted"},
        {"diff", OPT_LONG, &o->diff, 1, (double)(1L << 32), "N",
         "fixed pool difficulty (default: vardiff aiming at one\n"
         "share per 30 s per connection, as real pools; a suite\n"
         "may fix one with pool_diff, the CI smoke suite does)"},
        {"pool-ports", OPT_CHOICE, &o->random_ports, 0, 0, "well-known|random",
         "well-known: 3333 tcp, 14433 tls, 8080 ws where free,\n"
         "as real pools use; random: ports the kernel picks"},
        {"repeat", OPT_LONG, &o->repeats, 1, PLAN_MAX_REPEATS, "N",
         "run every scenario N times"},
        {"seed", OPT_STRING, &o->seed_arg, 0, 0, "S",
         "the run order is drawn from S (default: a random seed,\n"
         "printed so the run can be replayed)"},
        {"order", OPT_CHOICE, &o->listed, 0, 0, "random|listed",
         "random: drawn from the seed; listed: the order\n"
         "scenarios and suite give, repeat by repeat"},
        {"shard", OPT_STRING, &o->shard, 0, 0, "I/N",
         "run only shard I (1..N) of the plan; auto/N takes\n"
         "JOB_COMPLETION_INDEX + 1 (Kubernetes Indexed Jobs);\n"
         "put the shards together with `minerlab merge`"},
        {"q|quiet", OPT_FLAG, &o->quiet, 0, 0, NULL, "no progress line"},
    };
    const struct opt_cmd cmd = {
        "minerlab run",
        "[SCENARIO.yaml|ID ...]",
        0,
        -1,
        "Runs scenarios (files or ids; with none, the suite) against detectors,\n"
        "scores them and writes a report.",
        opts,
        sizeof(opts) / sizeof(opts[0])};
    int rc = opt_cmd_parse(&cmd, argc, argv, &o->first);
    if (rc)
        return rc;
    if (o->seed_arg) {
        if (plan_parse_seed(o->seed_arg, &o->seed)) {
            fprintf(stderr,
                    "minerlab run: --seed wants an integer in 0..2^64-1, got '%s' "
                    "(see minerlab run --help)\n",
                    o->seed_arg);
            return -EINVAL;
        }
        o->have_seed = 1;
    }
    return 0;
}

/*
 * Reference detectors found next to the harness: minerlab-det-<name>, less
 * those that say (--needs) what they need first: an input file, or an opt-in
 * because they change the host (PROTOCOL.md). Each one left out is named.
 */
static size_t find_reference(const char *bin, struct runner_detector *out, size_t max)
{
    struct dirent **names = NULL;
    int n = scandir(bin, &names, NULL, alphasort);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        char path[4400];
        hx_fmt(path, sizeof(path), "%s/%s", bin, nm);
        char needs[512] = "";
        int cand = k < max && strncmp(nm, "minerlab-det-", 13) == 0 && nm[13] &&
                   access(path, X_OK) == 0;
        if (cand)
            cmd_probe_line(path, "--needs", needs, sizeof(needs));
        if (cand && needs[0])
            fprintf(stderr, "minerlab: detector %s not in the default set: %s\n",
                    nm + 13, needs);
        if (cand && !needs[0]) {
            out[k].name = strdup(nm + 13);
            out[k].cmd = strdup(path);
            out[k].reference = 1;
            k++;
        }
        free(names[i]);
    }
    free(names);
    return k;
}

static int name_taken(const struct runner_detector *d, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0)
            return 1;
    return 0;
}

/*
 * A name for an external command: the file name of its first word, or of
 * the second when the first is an interpreter ("python3 det.py" -> "det").
 */
static void word_name(const char *cmd, char *name, size_t len)
{
    static const char *const interpreters[] = {
        "sh", "bash", "dash", "python3", "python", "perl", "node", "env", "exec", NULL};
    const char *w = cmd;
    for (int pass = 0; pass < 2; pass++) {
        w += strspn(w, " ");
        size_t wl = strcspn(w, " ");
        const char *base = w;
        for (const char *p = w; p < w + wl; p++)
            if (*p == '/')
                base = p + 1;
        hx_fmt(name, len, "%.*s", (int)(w + wl - base), base);
        int interp = 0;
        for (size_t i = 0; interpreters[i] && !interp; i++)
            interp = strcmp(name, interpreters[i]) == 0;
        if (!interp || !w[wl] || w[wl + strspn(w + wl, " ")] == '-')
            break;
        w += wl;
    }
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    if (!name[0])
        hx_fmt(name, len, "external");
}

/* s in single quotes for /bin/sh (quotes inside as '\''); malloc'd. */
static char *sh_quote(const char *s)
{
    char *out = malloc(strlen(s) * 4 + 3), *o = out;
    if (!out)
        return NULL;
    *o++ = '\'';
    for (; *s; s++) {
        if (*s == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *s;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

/*
 * NAME:INPUT, NAME a reference detector: runs it with one input (a file to
 * tail, a rules directory) as `minerlab-det-NAME --iface $ML_IFACE --input
 * INPUT`. Returns 1 when arg is not of that form, 0 when added, -ENOMEM.
 */
static int add_reference_with_input(const char *bin, const char *arg,
                                    struct runner_detector *d, size_t n)
{
    const char *colon = strchr(arg, ':');
    size_t nl = colon ? (size_t)(colon - arg) : 0;
    if (!colon || nl == 0 || nl >= 64 || !colon[1] ||
        strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-") < nl)
        return 1;
    char path[4400], name[64], unique[80];
    hx_fmt(name, sizeof(name), "%.*s", (int)nl, arg);
    hx_fmt(path, sizeof(path), "%s/minerlab-det-%s", bin, name);
    if (access(path, X_OK) != 0)
        return 1;
    char *qpath = sh_quote(path), *qinput = sh_quote(colon + 1), *cmd = NULL;
    size_t len = (qpath ? strlen(qpath) : 0) + (qinput ? strlen(qinput) : 0) + 128;
    if (qpath && qinput && (cmd = malloc(len)))
        snprintf(cmd, len,
                 "exec %s --iface \"$ML_IFACE\" ${ML_HOME_NET:+--home-net "
                 "\"$ML_HOME_NET\"} --input %s",
                 qpath, qinput);
    free(qpath);
    free(qinput);
    if (!cmd)
        return -ENOMEM;
    hx_fmt(unique, sizeof(unique), "%s", name);
    for (int k = 2; name_taken(d, n, unique); k++)
        hx_fmt(unique, sizeof(unique), "%s-%d", name, k);
    d[n] = (struct runner_detector){strdup(unique), cmd, 0};
    return 0;
}

/*
 * One --detector argument: a reference name, NAME:INPUT for a reference
 * detector with an input, or NAME=CMD / CMD for an external one.
 */
static int add_detector(const char *bin, const char *arg, struct runner_detector *d,
                        size_t n)
{
    int rc = add_reference_with_input(bin, arg, d, n);
    if (rc <= 0)
        return rc;
    int external = strchr(arg, ' ') || strchr(arg, '/');
    if (!external) {
        char path[4400];
        hx_fmt(path, sizeof(path), "%s/minerlab-det-%s", bin, arg);
        if (access(path, X_OK) != 0) {
            fprintf(stderr,
                    "minerlab run: detector '%s': %s not found or not executable "
                    "(see `minerlab list`)\n",
                    arg, path);
            return -ENOENT;
        }
        d[n] = (struct runner_detector){strdup(arg), strdup(path), 1};
        return 0;
    }
    char name[64];
    const char *eq = strchr(arg, '='), *sp = strchr(arg, ' ');
    if (eq && (!sp || eq < sp) && eq > arg && (size_t)(eq - arg) < sizeof(name)) {
        hx_fmt(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
        arg = eq + 1;
    } else {
        word_name(arg, name, sizeof(name));
    }
    char unique[80];
    hx_fmt(unique, sizeof(unique), "%s", name);
    for (int k = 2; name_taken(d, n, unique); k++)
        hx_fmt(unique, sizeof(unique), "%s-%d", name, k);
    d[n] = (struct runner_detector){strdup(unique), strdup(arg), 0};
    return 0;
}

int run_select_detectors(const char *bin, const char *const *args, size_t nargs,
                         struct runner_detector *det, size_t max, size_t *ndet)
{
    *ndet = 0;
    for (size_t i = 0; i < nargs; i++) {
        if (*ndet == max)
            return -E2BIG;
        int rc = add_detector(bin, args[i], det, *ndet);
        if (rc)
            return rc;
        (*ndet)++;
    }
    if (nargs == 0)
        *ndet = find_reference(bin, det, max);
    return 0;
}

static int add_scenario(struct scenario **list, size_t *n, struct scenario *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i]->id, s->id) == 0)
            return 0; /* listed twice: run once */
    if (*n == MAX_SCENARIOS)
        return -E2BIG;
    list[(*n)++] = s;
    return 0;
}

/* Builds the scenario list: files and ids from argv, then the suite. */
static int select_scenarios(const struct run_opts *o, const struct hx_paths *p,
                            int argc, char **argv, struct catalog *cat,
                            struct scenario **list, size_t *n, struct scenario **owned,
                            size_t *nowned, unsigned *suite_diff)
{
    char err[1024];
    int have_cat = 0;
    const char *suite = o->suite ? o->suite : (o->first >= argc ? "quick" : NULL);
    for (int i = o->first; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode)) {
            struct scenario *s;
            if (scenario_load(argv[i], &s, err, sizeof(err))) {
                fprintf(stderr, "minerlab run: %s\n", err);
                return -EINVAL;
            }
            owned[(*nowned)++] = s;
            add_scenario(list, n, s);
            continue;
        }
        if (!have_cat++ && catalog_load(p->scenarios, cat)) {
            fprintf(stderr, "minerlab run: cannot read scenarios in %s\n",
                    p->scenarios);
            return -ENOENT;
        }
        struct scenario *s = catalog_find(cat, argv[i]);
        if (!s) {
            fprintf(stderr,
                    "minerlab run: '%s' is neither a file nor a scenario id in %s\n",
                    argv[i], p->scenarios);
            for (size_t k = 0; k < cat->nerr; k++)
                fprintf(stderr, "  (%s)\n", cat->errors[k]);
            return -ENOENT;
        }
        add_scenario(list, n, s);
    }
    if (!suite)
        return 0;
    char path[4400];
    struct suite *su = NULL;
    hx_fmt(path, sizeof(path), "%s/suites/%s.yaml", p->scenarios, suite);
    if (suite_load(path, &su, err, sizeof(err))) {
        fprintf(stderr, "minerlab run: suite '%s': %s\n", suite, err);
        return -EINVAL;
    }
    if (!have_cat++ && catalog_load(p->scenarios, cat)) {
        suite_free(su);
        return -ENOENT;
    }
    int rc = 0, fast_ok = -1;
    *suite_diff = su->pool_diff;
    for (size_t i = 0; i < su->id_count && !rc; i++) {
        struct scenario *s = catalog_find(cat, su->ids[i]);
        if (s && su->malicious_mode && !strcmp(su->malicious_mode, "fast"))
            suite_fast_mode(su, s, &fast_ok);
        if (!s) {
            fprintf(stderr, "minerlab run: suite %s lists '%s', which is not loaded:\n",
                    su->path, su->ids[i]);
            for (size_t k = 0; k < cat->nerr; k++)
                fprintf(stderr, "  %s\n", cat->errors[k]);
            rc = -ENOENT;
        } else {
            rc = add_scenario(list, n, s);
        }
    }
    suite_free(su);
    return rc;
}

/*
 * A suite with malicious_mode: fast runs its malicious CPU scenarios that
 * are written in light mode in fast mode (a real miner's 2.3 GiB footprint)
 * when MemAvailable holds the dataset, the cache, the scratchpads and
 * 512 MiB of headroom; otherwise it says so once and keeps light mode.
 */
static void suite_fast_mode(const struct suite *su, struct scenario *s, int *fast_ok)
{
    const uint64_t mib = 1u << 20;
    if (!scenario_is_malicious(s) || !s->has_miner || !s->miner.mode ||
        strcmp(s->miner.mode, "light") || !strcmp(s->type, "gpu") ||
        !strcmp(s->type, "fleet")) /* a fleet's hosts stay light (scenario.c) */
        return;
    uint64_t need = (2080 + 256 + 512) * mib + (uint64_t)s->miner.threads * 2 * mib;
    uint64_t avail = ml_mem_available();
    if (avail < need) {
        if (*fast_ok != 0)
            fprintf(
                stderr,
                "minerlab run: suite %s asks for fast mode, but %llu MiB are available "
                "and fast mode needs %llu MiB: its malicious scenarios run in light "
                "mode\n",
                su->name, (unsigned long long)(avail / mib),
                (unsigned long long)(need / mib));
        *fast_ok = 0;
        return;
    }
    char *m = strdup("fast");
    if (!m)
        return;
    free(s->miner.mode);
    s->miner.mode = m;
    *fast_ok = 1;
}

/* Creates the run directory; the default one gets a `latest` link beside it. */
static int make_run_dir(const char *out, char *dir, size_t len, char *run_id,
                        size_t idlen)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    hx_fmt(run_id, idlen, "%s-%04x", stamp, (unsigned)(getpid() & 0xffff));
    if (out) {
        hx_fmt(dir, len, "%s", out);
    } else {
        mkdir("minerlab-report", 0755);
        hx_fmt(dir, len, "minerlab-report/%s", stamp);
        /* Two runs in the same second: the second gets a suffix. */
        for (int k = 2; access(dir, F_OK) == 0 && k < 100; k++) {
            char *end = stamp + strcspn(stamp, "_");
            hx_fmt(end, sizeof(stamp) - (size_t)(end - stamp), "_%d", k);
            hx_fmt(dir, len, "minerlab-report/%s", stamp);
        }
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "minerlab run: cannot create %s: %s\n", dir, strerror(errno));
        return -errno;
    }
    char probe[4400];
    hx_fmt(probe, sizeof(probe), "%s/run.json", dir);
    if (access(probe, F_OK) == 0) {
        fprintf(stderr, "minerlab run: %s already holds a run (use another --out)\n",
                dir);
        return -EEXIST;
    }
    char real[PATH_MAX];
    if (realpath(dir, real))
        hx_fmt(dir, len, "%s", real);
    if (!out) {
        unlink("minerlab-report/latest");
        if (symlink(stamp, "minerlab-report/latest") != 0)
            fprintf(stderr,
                    "minerlab run: note: cannot update minerlab-report/latest\n");
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    struct run_opts o;
    struct hx_paths p;
    struct catalog cat = {0};
    struct scenario *list[MAX_SCENARIOS], *owned[MAX_SCENARIOS];
    struct runner_detector det[MAX_DETECTORS];
    size_t nlist = 0, nowned = 0, ndet = 0;
    char dir[PATH_MAX], run_id[64], err[1024], www[4400];
    struct plan plan;
    struct scenario **runlist = NULL;
    json_t *plan_doc = NULL;
    int have_plan = 0;
    int status = HX_EXIT_USAGE;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc > 0 ? HX_EXIT_OK : HX_EXIT_USAGE;
    paths_resolve(&p, o.scen_dir, o.launch_dir);
    unsigned suite_diff = 0;
    if (select_scenarios(&o, &p, argc, argv, &cat, list, &nlist, owned, &nowned,
                         &suite_diff))
        goto out;
    if (nlist == 0) {
        fputs("minerlab run: no scenarios selected\n", stderr);
        goto out;
    }
    if (run_select_detectors(p.bin, o.det_v, o.det_args.n, det, MAX_DETECTORS, &ndet))
        goto out;
    if (ndet == 0)
        fputs(
            "minerlab run: note: no detectors (none built in the bin dir, none given); "
            "the run records ground truth only\n",
            stderr);
    unsigned shard_index = 1, shard_count = 1;
    if (o.shard && plan_parse_shard(o.shard, getenv("JOB_COMPLETION_INDEX"),
                                    &shard_index, &shard_count, err, sizeof(err))) {
        fprintf(stderr, "minerlab run: %s\n", err);
        goto out;
    }
    if (!o.have_seed)
        o.seed = plan_random_seed();
    const char *det_names[MAX_DETECTORS];
    for (size_t i = 0; i < ndet; i++)
        det_names[i] = det[i].name;
    const char *suite = o.suite ? o.suite : (nowned || o.first < argc ? NULL : "quick");
    if (plan_build(list, nlist, (unsigned)o.repeats, o.seed, o.listed, suite, det_names,
                   ndet, shard_index, shard_count, &plan, err, sizeof(err))) {
        fprintf(stderr, "minerlab run: %s\n", err);
        goto out;
    }
    have_plan = 1;
    if (!(runlist = calloc(plan.nitems + 1, sizeof(*runlist))))
        goto out;
    size_t nrun = plan_shard_scenarios(&plan, runlist, plan.nitems);
    if (nrun == 0) {
        fprintf(stderr, "minerlab run: shard %u/%u of %zu planned runs is empty\n",
                shard_index, shard_count, plan.nitems);
        goto out;
    }
    if (make_run_dir(o.out, dir, sizeof(dir), run_id, sizeof(run_id)))
        goto out;
    plan_doc = plan_json(&plan);
    hx_fmt(www, sizeof(www), "%s/www", p.scenarios);
    char pool_abs[PATH_MAX];
    if (o.pool && strchr(o.pool, '/') && realpath(o.pool, pool_abs))
        o.pool = pool_abs; /* the pool runs in the run directory */
    struct runner_config cfg = {
        .run_dir = dir,
        .run_id = run_id,
        .bin_dir = p.bin,
        .source_dir = p.source,
        .launch_dir = p.launch,
        .www_dir = access(www, R_OK) == 0 ? www : NULL,
        .pool_cmd = o.pool,
        .scen = runlist,
        .nscen = nrun,
        .plan = plan_doc,
        .det = det,
        .ndet = ndet,
        .suite = suite,
        .grace_s = o.grace_s,
        /* A late alert about one scenario must not land in the next one's
         * window: the quiet gap is at least the grace period. */
        .gap_s = o.gap_s > o.grace_s ? o.gap_s : o.grace_s,
        .warmup_s = o.warmup_s,
        .max_alerts = (unsigned long)o.max_alerts,
        /* --diff, else the suite's pool_diff (the CI smoke suite), else vardiff. */
        .pool_diff = (unsigned)o.diff ? (unsigned)o.diff : suite_diff,
        .random_ports = o.random_ports,
        .progress_tty = !o.quiet && isatty(STDERR_FILENO)};
    fprintf(stderr, "minerlab: run %s: %zu scenario runs, %zu detectors -> %s\n",
            run_id, nrun, ndet, dir);
    fprintf(stderr,
            "minerlab: plan %s: %zu scenarios x %u repeats, seed %" PRIu64
            " (replay with --seed %" PRIu64 ")",
            plan.hash, nlist, plan.repeats, plan.seed, plan.seed);
    if (shard_count > 1)
        fprintf(stderr, ", shard %u/%u", shard_index, shard_count);
    fputc('\n', stderr);
    rc = runner_run(&cfg, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "minerlab run: %s\n", err);
        goto out;
    }
    status = cmd_score_dir(dir, o.junit, o.baseline, o.ttd_tol, 1, o.fail_on_expect);
    printf("report: %s/report.html (also report.md, report.json, junit.xml)\n", dir);
    if (rc == 1 && status == HX_EXIT_OK)
        status = HX_EXIT_INTERRUPTED;
out:
    json_decref(plan_doc);
    free(runlist);
    if (have_plan)
        plan_free(&plan);
    for (size_t i = 0; i < ndet; i++) {
        free(det[i].name);
        free(det[i].cmd);
    }
    for (size_t i = 0; i < nowned; i++)
        scenario_free(owned[i]);
    catalog_free(&cat);
    return status;
}
