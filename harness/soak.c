/* The soak engine (soak.h): background rotation, episodes, measurements. */
#include "soak.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert_scan.h"
#include "hxutil.h"
#include "linereader.h"
#include "ml_util.h"
#include "model.h"
#include "plan.h"
#include "proc.h"
#include "runner_int.h"

/* Alerts outside every episode's window (+ grace), by what they name: a
 * background workload's process (a false positive, as the scorer's fp), no
 * workload at all (the scorer's outside), the lab's own process (lab). */
enum { SB_FP, SB_OUTSIDE, SB_LAB, SB_N };
static const char *const sb_names[SB_N] = {"fp", "outside", "lab"};
/* Alerts in an episode's window, judged with the scorer's rules. */
enum { EB_TP, EB_FP, EB_OFF, EB_LAB, EB_N };
static const char *const eb_names[EB_N] = {"tp", "fp", "off_target", "lab"};

#define SOAK_LINE_MAX (1u << 20)

struct soak_alert {
    size_t det;
    double ts;
    int pid;
    char src[80], dst[80];
};

struct soak_ep {
    char id[SCEN_ID_MAX + 1];
    const struct scenario *recipe;
    unsigned duty;
    double planned_s, gap_s;
    double t0;         /* Unix time just before it started */
    double start, end; /* its window once final (0 = never opened) */
    int returned;      /* scen_run is done with it */
    struct model *m;   /* its window, tree and flows, from the timeline */
    struct model_scenario *ms;
    int final;
    json_t *doc;      /* once final */
    unsigned long *n; /* [det * EB_N] */
    double *first_tp; /* [det], 0 = none */
};

struct soak {
    struct soak_config *c;
    struct runner *r;
    struct scenario **scen; /* the runner's list: recipes, then episodes */
    size_t nscen, cap, nrecipes;
    uint64_t rng;
    size_t *bg, nbg, bg_next;
    size_t *mal, nmal;
    unsigned long bg_runs;
    pid_t bg_pid;
    int bg_reaped, bg_status;
    size_t bg_idx;
    double bg_deadline, bg_retry, bg_start; /* monotonic; bg_start Unix */
    char bg_dir[4200], bg_cg[300];
    json_t *bg_log;
    struct soak_ep *ep;
    size_t nep;
    size_t ndet;
    unsigned long *out; /* [det * SB_N] */
    unsigned long before_start, unknown_det;
    struct soak_alert *pend;
    size_t npend, cappend;
    int tl_fd, al_fd;
    struct linereader tl_lr, al_lr;
    double last_ts;
    double next_write, next_tail; /* monotonic */
    double started;               /* Unix, after the warm-up */
    int in_tick, ending, write_warned, tmp_listed;
};

static double draw_unit(uint64_t *rng)
{
    return (double)plan_draw(rng, 1ULL << 53) / (double)(1ULL << 53);
}

static double draw_range(uint64_t *rng, double lo, double hi)
{
    return hi > lo ? lo + (hi - lo) * draw_unit(rng) : lo;
}

static long det_index(const struct soak *s, const char *name)
{
    for (size_t i = 0; name && i < s->ndet; i++)
        if (!strcmp(s->c->run.det[i].name, name))
            return (long)i;
    return -1;
}

/* The episode whose window (+ grace) may still take alerts, or NULL. */
static struct soak_ep *open_episode(struct soak *s)
{
    struct soak_ep *e = s->nep ? &s->ep[s->nep - 1] : NULL;
    return e && !e->final ? e : NULL;
}

static double ep_start(const struct soak_ep *e)
{
    return e->ms->start > 0 ? e->ms->start : e->t0;
}

static void classify_outside(struct soak *s, const struct soak_alert *a)
{
    const char *role = a->pid > 0 ? runner_lab_role_at(s->r, a->pid, a->ts) : NULL;
    int b = !role ? SB_OUTSIDE : !strcmp(role, "background") ? SB_FP : SB_LAB;
    s->out[a->det * SB_N + (size_t)b]++;
}

/* The scorer's rules (score_add_alert) for an alert in the episode's window. */
static void classify_in(struct soak *s, struct soak_ep *e, const struct soak_alert *a)
{
    const char *src = a->src[0] ? a->src : NULL, *dst = a->dst[0] ? a->dst : NULL;
    int b = EB_TP;
    if (a->pid > 0 || (src && dst)) {
        if (!((a->pid > 0 && model_has_pid(e->ms, a->pid)) ||
              model_has_flow(e->ms, src, dst))) {
            const char *role = NULL;
            if (a->pid > 0) {
                role = runner_lab_role_at(s->r, a->pid, a->ts);
                if (!role)
                    role = model_lab_role(e->m, e->ms, a->pid, a->ts);
            }
            b = !role ? EB_OFF : !strcmp(role, "background") ? EB_FP : EB_LAB;
        }
    } /* no pid, no flow: host-level in the window, as the scorer credits it */
    e->n[a->det * EB_N + (size_t)b]++;
    if (b == EB_TP && (e->first_tp[a->det] == 0 || a->ts < e->first_tp[a->det]))
        e->first_tp[a->det] = a->ts;
}

static json_t *episode_json(const struct soak *s, const struct soak_ep *e)
{
    const struct model_scenario *ms = e->ms;
    int ended = e->final && ms->start > 0;
    int judged = ended && ms->status == ST_RAN && ms->miner_start > 0;
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:s,s:i,s:f,s:f,s:s,s:b,s:b,s:I,s:I,s:I,s:I}", "n",
        (json_int_t)(e - s->ep) + 1, "id", e->id, "recipe", e->recipe->id, "type",
        e->recipe->type, "duty_pct", (int)e->duty, "planned_s", e->planned_s,
        "gap_before_s", e->gap_s, "status",
        e->final ? model_status_name(ms->status) : "running", "final", e->final,
        "judged", judged, "logins", (json_int_t)ms->logins, "shares_accepted",
        (json_int_t)ms->shares, "pids", (json_int_t)(e->final ? ms->npids : ms->nprocs),
        "connections", (json_int_t)ms->nconns);
    json_object_set_new(o, "start", ms->start > 0 ? json_real(ms->start) : json_null());
    json_object_set_new(o, "end", ms->end > 0 ? json_real(ms->end) : json_null());
    json_object_set_new(o, "miner_start",
                        ms->miner_start > 0 ? json_real(ms->miner_start) : json_null());
    json_object_set_new(o, "measured_duty_pct",
                        ms->has_measured_duty ? json_real(ms->measured_duty_pct)
                                              : json_null());
    if (ms->reason)
        json_object_set_new(o, "reason", json_string(ms->reason));
    if (e->final && !judged)
        json_object_set_new(o, "not_judged",
                            json_string(ms->start <= 0 ? "never started"
                                        : ms->status != ST_RAN
                                            ? "did not run to its end"
                                            : "the miner never started"));
    json_t *dets = json_object();
    double origin = ms->miner_start > 0 ? ms->miner_start : ms->start;
    for (size_t d = 0; d < s->ndet; d++) {
        json_t *al = json_object();
        for (int b = 0; b < EB_N; b++)
            json_object_set_new(al, eb_names[b],
                                json_integer((json_int_t)e->n[d * EB_N + (size_t)b]));
        double ft = e->first_tp[d];
        json_t *dj = json_pack("{s:o,s:b}", "alerts", al, "caught", judged && ft > 0);
        json_object_set_new(dj, "latency_s",
                            judged && ft > 0 ? json_real(ft > origin ? ft - origin : 0)
                                             : json_null());
        json_object_set_new(dets, s->c->run.det[d].name, dj);
    }
    json_object_set_new(o, "detectors", dets);
    return o;
}

/* Closes the episode: its tree is complete, its pending alerts are judged. */
static void finalize(struct soak *s, struct soak_ep *e)
{
    model_finish(e->m);
    double grace = s->c->run.grace_s;
    for (size_t i = 0; i < s->npend; i++) {
        const struct soak_alert *a = &s->pend[i];
        if (e->ms->start <= 0 || a->ts < e->ms->start ||
            (e->ms->end > 0 && a->ts > e->ms->end + grace))
            classify_outside(s, a);
        else
            classify_in(s, e, a);
    }
    s->npend = 0;
    e->final = 1;
    e->start = e->ms->start;
    e->end = e->ms->end > 0 ? e->ms->end : e->ms->start;
    e->doc = episode_json(s, e);
    unsigned caught = 0;
    json_t *d;
    const char *name;
    json_object_foreach(json_object_get(e->doc, "detectors"), name, d) caught +=
        json_is_true(json_object_get(d, "caught"));
    const char *why = json_string_value(json_object_get(e->doc, "not_judged"));
    if (why)
        fprintf(stderr, "minerlab soak: %s: %s, not judged (%s)\n", e->id,
                model_status_name(e->ms->status), why);
    else
        fprintf(stderr, "minerlab soak: %s: caught by %u of %zu detectors\n", e->id,
                caught, s->ndet);
    model_free(e->m);
    e->m = NULL;
    e->ms = NULL;
}

static void on_alert(struct soak *s, const struct alert_fields *af)
{
    long d = det_index(s, af->detector);
    if (d < 0) {
        s->unknown_det++;
        return;
    }
    struct soak_alert a = {(size_t)d, af->recv_ts > 0 ? af->recv_ts : af->ts, af->pid,
                           "", ""};
    hx_fmt(a.src, sizeof(a.src), "%s", af->src);
    hx_fmt(a.dst, sizeof(a.dst), "%s", af->dst);
    if (a.ts < s->started) { /* the detectors' warm-up */
        s->before_start++;
        return;
    }
    struct soak_ep *e = open_episode(s);
    if (!e || a.ts < ep_start(e) ||
        (e->ms->end > 0 && a.ts > e->ms->end + s->c->run.grace_s)) {
        classify_outside(s, &a);
        return;
    }
    if (s->npend == s->cappend) { /* judged when the window's tree is complete */
        size_t nc = s->cappend ? s->cappend * 2 : 256;
        struct soak_alert *p = realloc(s->pend, nc * sizeof(*p));
        if (!p)
            return;
        s->pend = p;
        s->cappend = nc;
    }
    s->pend[s->npend++] = a;
}

static int alert_line(void *ud, char *line, size_t len)
{
    struct soak *s = ud;
    struct alert_fields af;
    if (alert_scan(line, len, &af) == 0) {
        on_alert(s, &af);
        return 0;
    }
    json_t *o = json_loadb(line, len, 0, NULL);
    if (!o)
        return 0;
    memset(&af, 0, sizeof(af));
    json_t *flow = json_object_get(o, "flow");
    const char *det = json_string_value(json_object_get(o, "detector_name"));
    if (!det)
        det = json_string_value(json_object_get(o, "detector"));
    hx_fmt(af.detector, sizeof(af.detector), "%s", det ? det : "");
    af.ts = json_number_value(json_object_get(o, "ts"));
    af.recv_ts = json_number_value(json_object_get(o, "recv_ts"));
    af.pid = (int)json_integer_value(json_object_get(o, "pid"));
    const char *src = json_string_value(json_object_get(flow, "src"));
    const char *dst = json_string_value(json_object_get(flow, "dst"));
    if (src && dst) {
        hx_fmt(af.src, sizeof(af.src), "%s", src);
        hx_fmt(af.dst, sizeof(af.dst), "%s", dst);
    }
    if (det)
        on_alert(s, &af);
    json_decref(o);
    return 0;
}

/* Timeline records of the open episode go into its model (model.c's rules). */
static int timeline_line(void *ud, char *line, size_t len)
{
    struct soak *s = ud;
    struct soak_ep *e = open_episode(s);
    if (!e || !e->m)
        return 0;
    json_t *o = json_loadb(line, len, 0, NULL);
    const char *id = json_string_value(json_object_get(o, "scenario"));
    if (id && !strcmp(id, e->id))
        model_apply_event(e->m, o, &s->last_ts);
    json_decref(o);
    return 0;
}

static void tail_file(struct soak *s, int *fd, const char *name, struct linereader *lr,
                      linereader_cb cb)
{
    char buf[65536];
    if (*fd < 0) {
        char path[4200];
        hx_fmt(path, sizeof(path), "%s/%s", s->c->run.run_dir, name);
        if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            return;
    }
    ssize_t n;
    while ((n = read(*fd, buf, sizeof(buf))) > 0)
        linereader_feed(lr, buf, (size_t)n, cb, s, NULL, 0);
}

static void soak_tail(struct soak *s, int force_final)
{
    tail_file(s, &s->tl_fd, "timeline.jsonl", &s->tl_lr, timeline_line);
    tail_file(s, &s->al_fd, "alerts.jsonl", &s->al_lr, alert_line);
    struct soak_ep *e = open_episode(s);
    /* One second past the grace period: the detectors' last words are in. */
    if (e && e->returned &&
        (force_final || e->ms->start <= 0 ||
         (e->ms->end > 0 && ml_now_unix() > e->ms->end + s->c->run.grace_s + 1)))
        finalize(s, e);
}

static json_t *ids_json(const struct soak *s, const size_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(s->scen[v[i]]->id));
    return a;
}

static json_t *soak_doc(struct soak *s, int finished, int interrupted)
{
    const struct soak_config *c = s->c;
    double now = ml_now_unix(), covered = 0;
    json_t *eps = json_array();
    for (size_t i = 0; i < s->nep; i++) {
        struct soak_ep *e = &s->ep[i];
        json_array_append_new(eps, e->final ? json_incref(e->doc) : episode_json(s, e));
        /* Time in episode windows (+ grace) is not quiet time. */
        double st = e->final ? e->start : ep_start(e);
        double en = e->final         ? e->end + c->run.grace_s
                    : e->ms->end > 0 ? e->ms->end + c->run.grace_s
                                     : now;
        if (st > 0)
            covered += (en < now ? en : now) - st;
    }
    json_t *fa = json_object(), *dets = json_array(), *skipped = json_object();
    for (size_t d = 0; d < s->ndet; d++) {
        json_t *o = json_object();
        for (int b = 0; b < SB_N; b++)
            json_object_set_new(o, sb_names[b],
                                json_integer((json_int_t)s->out[d * SB_N + (size_t)b]));
        json_object_set_new(fa, c->run.det[d].name, o);
        json_array_append_new(dets, json_string(c->run.det[d].name));
    }
    for (size_t i = 0; i < s->nrecipes && s->r->skip_reason; i++)
        if (s->r->skip_reason[i])
            json_object_set_new(skipped, s->scen[i]->id,
                                json_string(s->r->skip_reason[i]));
    double elapsed = now - s->started;
    char seed[32];
    hx_fmt(seed, sizeof(seed), "%llu", (unsigned long long)c->seed);
    json_t *doc = json_pack(
        "{s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:f,s:f,s:b,s:b}", "format", SOAK_FORMAT,
        "soak_id", c->run.run_id, "dir", c->run.run_dir, "seed", seed, "started",
        s->started, "updated", now, "planned_s", c->length_s, "elapsed_s", elapsed,
        "quiet_s", elapsed - covered > 0 ? elapsed - covered : 0, "complete",
        finished && !interrupted, "interrupted", interrupted);
    if (finished)
        json_object_set_new(doc, "finished", json_real(now));
    json_object_set_new(doc, "settings",
                        json_pack("{s:f,s:[f,f],s:[f,f],s:[i,i],s:f,s:s}", "grace_s",
                                  c->run.grace_s, "episode_s", c->ep_min_s, c->ep_max_s,
                                  "gap_s", c->gap_min_s, c->gap_max_s, "duty_pct",
                                  (int)c->duty_min, (int)c->duty_max, "write_every_s",
                                  c->write_every_s, "suite",
                                  c->run.suite ? c->run.suite : "(catalogue)"));
    json_object_set_new(doc, "recipes",
                        json_pack("{s:o,s:o,s:o}", "benign", ids_json(s, s->bg, s->nbg),
                                  "malicious", ids_json(s, s->mal, s->nmal), "skipped",
                                  skipped));
    json_object_set_new(doc, "detectors", dets);
    json_object_set_new(doc, "false_alarms", fa);
    json_object_set_new(doc, "alerts_before_start",
                        json_integer((json_int_t)s->before_start));
    json_object_set_new(doc, "alerts_unknown_detector",
                        json_integer((json_int_t)s->unknown_det));
    json_object_set_new(doc, "background", json_incref(s->bg_log));
    json_object_set_new(doc, "episodes", eps);
    return doc;
}

/* soak.json, whole or not at all (temporary file, fsync, rename). */
static void soak_write(struct soak *s, int finished, int interrupted)
{
    char tmp[4200], path[4200];
    hx_fmt(tmp, sizeof(tmp), "%s/soak.json.tmp", s->c->run.run_dir);
    hx_fmt(path, sizeof(path), "%s/soak.json", s->c->run.run_dir);
    if (!s->tmp_listed++)
        proc_state_add("tmp", tmp); /* a kill mid-write: the sweep removes it */
    json_t *doc = soak_doc(s, finished, interrupted);
    int rc = hx_write_json(doc, tmp, path,
                           JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
    json_decref(doc);
    if (rc) {
        if (!s->write_warned++)
            fprintf(stderr, "minerlab soak: cannot write %s: %s (the soak goes on)\n",
                    path, strerror(-rc));
    }
}

static void bg_stop(struct soak *s)
{
    if (!s->bg_pid)
        return;
    pid_t pid = s->bg_pid;
    scen_bg_stop(s->r, s->bg_idx, pid, s->bg_cg, s->bg_dir);
    char st[32] = "stopped";
    if (s->bg_reaped)
        proc_status_str(s->bg_status, st, sizeof(st));
    json_array_append_new(
        s->bg_log, json_pack("{s:s,s:f,s:f,s:s}", "id", s->scen[s->bg_idx]->id, "start",
                             s->bg_start, "end", ml_now_unix(), "status", st));
    s->bg_pid = 0;
    s->bg_reaped = 0;
}

static void bg_start(struct soak *s)
{
    size_t idx = s->bg[s->bg_next++ % s->nbg];
    char cgname[32];
    hx_fmt(s->bg_dir, sizeof(s->bg_dir), "%s/background/%05lu-%s", s->c->run.run_dir,
           s->bg_runs + 1, s->scen[idx]->id);
    hx_fmt(cgname, sizeof(cgname), "bg%lu", s->bg_runs + 1);
    s->bg_runs++;
    pid_t pid = 0;
    s->bg_start = ml_now_unix();
    int rc =
        scen_bg_start(s->r, idx, s->bg_dir, cgname, &pid, s->bg_cg, sizeof(s->bg_cg));
    if (rc) {
        json_array_append_new(s->bg_log,
                              json_pack("{s:s,s:f,s:f,s:s}", "id", s->scen[idx]->id,
                                        "start", s->bg_start, "end", s->bg_start,
                                        "status", strerror(-rc)));
        s->bg_retry = runner_now() + 5;
        return;
    }
    s->bg_pid = pid;
    s->bg_idx = idx;
    s->bg_reaped = 0;
    s->bg_deadline = runner_now() + s->scen[idx]->duration_s + 5;
}

static void tick(struct runner *r, void *ctx)
{
    struct soak *s = ctx;
    double now = runner_now();
    if (s->in_tick)
        return;
    s->in_tick = 1;
    if (now >= s->next_tail) {
        soak_tail(s, 0);
        s->next_tail = now + 0.5;
    }
    if (s->bg_pid && (s->bg_reaped || now > s->bg_deadline || r->stop || s->ending)) {
        double ran = ml_now_unix() - s->bg_start;
        bg_stop(s);
        if (ran < 1) /* a workload that ends at once: no busy loop of restarts */
            s->bg_retry = runner_now() + 5;
    }
    if (!s->bg_pid && s->nbg && !r->stop && !s->ending && runner_now() >= s->bg_retry)
        bg_start(s);
    if (runner_now() >= s->next_write) {
        soak_write(s, 0, 0);
        s->next_write = runner_now() + s->c->write_every_s;
    }
    s->in_tick = 0;
}

static int reaped(struct runner *r, void *ctx, pid_t pid, int status)
{
    struct soak *s = ctx;
    (void)r;
    if (!s->bg_pid || pid != s->bg_pid)
        return 0;
    s->bg_reaped = 1;
    s->bg_status = status;
    return 1;
}

/* Adds episode k of recipe ri to the runner's list; its index, or -1. */
static long add_episode(struct soak *s, size_t ri, unsigned duty, double len,
                        double gap)
{
    const struct scenario *rc = s->scen[ri];
    struct scenario *sc = NULL;
    char err[512], id[SCEN_ID_MAX + 1];
    if (s->nscen == s->cap || scenario_load(rc->path, &sc, err, sizeof(err))) {
        fprintf(stderr, "minerlab soak: episode of %s: %s\n", rc->id,
                sc ? "too many episodes" : err);
        scenario_free(sc);
        return -1;
    }
    int n = snprintf(id, sizeof(id), "ep%zu-", s->nep + 1);
    hx_fmt(id + n, sizeof(id) - (size_t)n, "%s", rc->id);
    char **skip = realloc(s->r->skip_reason, (s->nscen + 2) * sizeof(*skip));
    struct soak_ep *ep = realloc(s->ep, (s->nep + 1) * sizeof(*ep));
    if (skip)
        s->r->skip_reason = skip;
    if (ep)
        s->ep = ep;
    char *sid = strdup(id);
    if (!skip || !ep || !sid) {
        free(sid);
        scenario_free(sc);
        return -1;
    }
    free(sc->id);
    sc->id = sid;
    sc->duration_s = (unsigned)len;
    if (sc->has_miner) {
        sc->miner.duty_pct = duty;
        sc->miner.has_ramp = 0;
    }
    ep = &s->ep[s->nep];
    memset(ep, 0, sizeof(*ep));
    hx_fmt(ep->id, sizeof(ep->id), "%s", id);
    ep->recipe = rc;
    ep->duty = duty;
    ep->planned_s = (double)sc->duration_s;
    ep->gap_s = gap;
    ep->m = model_new(s->c->run.grace_s);
    ep->ms = ep->m ? model_add_scenario(ep->m, id, rc->type, 1, duty) : NULL;
    ep->n = calloc(s->ndet * EB_N + 1, sizeof(*ep->n));
    ep->first_tp = calloc(s->ndet + 1, sizeof(*ep->first_tp));
    if (!ep->ms || !ep->n || !ep->first_tp) {
        model_free(ep->m);
        free(ep->n);
        free(ep->first_tp);
        scenario_free(sc);
        return -1;
    }
    s->nep++;
    s->r->skip_reason[s->nscen] = NULL;
    s->scen[s->nscen] = sc;
    s->c->run.nscen = ++s->nscen;
    return (long)s->nscen - 1;
}

static void soak_free(struct soak *s)
{
    for (size_t i = 0; i < s->nep; i++) {
        model_free(s->ep[i].m);
        json_decref(s->ep[i].doc);
        free(s->ep[i].n);
        free(s->ep[i].first_tp);
    }
    free(s->ep);
    for (size_t i = s->nrecipes; i < s->nscen; i++) /* the episodes' own copies */
        scenario_free(s->scen[i]);
    free(s->scen);
    free(s->bg);
    free(s->mal);
    free(s->out);
    free(s->pend);
    json_decref(s->bg_log);
    linereader_free(&s->tl_lr);
    linereader_free(&s->al_lr);
    if (s->tl_fd >= 0)
        close(s->tl_fd);
    if (s->al_fd >= 0)
        close(s->al_fd);
}

static void soak_lists(struct soak *s)
{
    const struct runner *r = s->r;
    for (size_t i = 0; i < s->nrecipes; i++) {
        if (r->skip_reason[i])
            continue;
        if (i < s->c->nbenign)
            s->bg[s->nbg++] = i;
        else if (scenario_is_malicious(s->scen[i]))
            s->mal[s->nmal++] = i;
    }
    /* The background's order, drawn from the seed (Fisher-Yates). */
    for (size_t i = s->nbg; i > 1; i--) {
        size_t j = (size_t)plan_draw(&s->rng, i), t = s->bg[i - 1];
        s->bg[i - 1] = s->bg[j];
        s->bg[j] = t;
    }
}

/* The schedule: a quiet gap, then an episode, until the planned end. */
static void soak_loop(struct soak *s, double end_mono)
{
    struct runner *r = s->r;
    const struct soak_config *c = s->c;
    while (!r->stop) {
        double gap = draw_range(&s->rng, c->gap_min_s, c->gap_max_s);
        double len = floor(draw_range(&s->rng, c->ep_min_s, c->ep_max_s + 0.999));
        size_t pick = s->nmal ? s->mal[plan_draw(&s->rng, s->nmal)] : 0;
        unsigned duty =
            c->duty_min + (unsigned)plan_draw(&s->rng, c->duty_max - c->duty_min + 1);
        double left = end_mono - runner_now();
        if (!s->nmal || gap + c->ep_min_s + c->run.grace_s > left) {
            runner_wait(r, left); /* no room for another episode: quiet to the end */
            return;
        }
        runner_wait(r, gap);
        left = end_mono - runner_now();
        if (r->stop)
            return;
        if (len > c->ep_max_s)
            len = c->ep_max_s;
        if (len + c->run.grace_s > left)
            len = floor(left - c->run.grace_s);
        if (len < c->ep_min_s || len < 1)
            continue;
        /* The last episode's late alerts are judged before the next one opens
         * (its grace ends within the gap; allow the tail a moment more). */
        for (int k = 0; k < 50 && open_episode(s) && !r->stop; k++)
            runner_wait(r, 0.2);
        if (open_episode(s))
            soak_tail(s, 1);
        long idx = add_episode(s, pick, duty, len, gap);
        if (idx < 0) {
            runner_wait(r, 1);
            continue;
        }
        struct soak_ep *e = &s->ep[s->nep - 1];
        fprintf(
            stderr,
            "minerlab soak: episode %zu: %s at %u %% for %.0f s (after %.0f s quiet)\n",
            s->nep, e->recipe->id, duty, len, gap);
        e->t0 = ml_now_unix();
        scen_run(r, (size_t)idx);
        e->returned = 1;
        soak_tail(s, 0);
    }
}

int soak_run(struct soak_config *c, char *err, size_t errlen)
{
    struct soak s;
    struct runner r;
    static const struct runner_hooks hooks = {tick, reaped};
    memset(&s, 0, sizeof(s));
    s.c = c;
    s.tl_fd = s.al_fd = -1;
    s.rng = c->seed;
    s.ndet = c->run.ndet;
    s.nscen = s.nrecipes = c->run.nscen;
    size_t maxep =
        (size_t)(c->length_s /
                 (c->gap_min_s + c->ep_min_s > 1 ? c->gap_min_s + c->ep_min_s : 1)) +
        2;
    if (maxep > SOAK_MAX_EPISODES)
        maxep = SOAK_MAX_EPISODES;
    s.cap = s.nscen + maxep;
    s.scen = calloc(s.cap + 1, sizeof(*s.scen));
    s.bg = calloc(s.nscen + 1, sizeof(size_t));
    s.mal = calloc(s.nscen + 1, sizeof(size_t));
    s.out = calloc(s.ndet * SB_N + 1, sizeof(*s.out));
    s.bg_log = json_array();
    linereader_init(&s.tl_lr, SOAK_LINE_MAX);
    linereader_drop_long(&s.tl_lr);
    linereader_init(&s.al_lr, SOAK_LINE_MAX);
    linereader_drop_long(&s.al_lr);
    if (!s.scen || !s.bg || !s.mal || !s.out || !s.bg_log) {
        soak_free(&s);
        return ml_err(err, errlen, -ENOMEM, "out of memory");
    }
    memcpy(s.scen, c->run.scen, s.nscen * sizeof(*s.scen));
    c->run.scen = s.scen;
    int rc = runner_begin(&r, &c->run, err, errlen);
    if (rc) {
        runner_free(&r);
        s.nep = 0;
        soak_free(&s);
        return rc;
    }
    char bgdir[4200];
    hx_fmt(bgdir, sizeof(bgdir), "%s/background", c->run.run_dir);
    mkdir(bgdir, 0755);
    s.r = &r;
    r.hook_ctx = &s;
    r.hooks = &hooks;
    s.started = ml_now_unix();
    soak_lists(&s);
    fprintf(
        stderr,
        "minerlab soak: %zu benign workloads in the background, %zu attack recipes, "
        "%zu skipped here (see soak.json)\n",
        s.nbg, s.nmal, s.nrecipes - s.nbg - s.nmal);
    if (!s.nmal)
        fputs("minerlab soak: no attack recipe can run here: the soak measures false "
              "alarms only\n",
              stderr);
    soak_write(&s, 0, 0);
    s.next_write = runner_now() + c->write_every_s;
    soak_loop(&s, runner_now() + c->length_s);
    s.ending = 1;
    bg_stop(&s);
    rc = runner_end(&r, err, errlen);
    int interrupted = rc == 1;
    r.hooks = NULL;
    soak_tail(&s, 1);
    soak_write(&s, 1, interrupted);
    runner_free(&r);
    soak_free(&s);
    return rc;
}
