#include "hxutil.h"
#include "model.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"

struct model *model_new(double grace_s)
{
    struct model *m = calloc(1, sizeof(*m));
    if (m)
        m->grace_s = grace_s;
    return m;
}

static void scenario_clear(struct model_scenario *s)
{
    free(s->id);
    free(s->title);
    free(s->type);
    free(s->reason);
    free(s->pids);
    free(s->procs);
    free(s->lab);
    for (size_t i = 0; i < s->nconns; i++) {
        free(s->conns[i].src);
        free(s->conns[i].dst);
    }
    free(s->conns);
    for (size_t i = 0; i < s->nexpect; i++)
        free(s->expect[i].detector);
    free(s->expect);
    free(s->slices);
}

void model_free(struct model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nscen; i++)
        scenario_clear(&m->scen[i]);
    free(m->scen);
    for (size_t i = 0; i < m->ndet; i++) {
        struct model_detector *d = &m->det[i];
        free(d->name);
        free(d->cmd);
        free(d->version);
        free(d->exit_desc);
        free(d->degraded_reason);
        free(d->min_obs_invalid);
        json_decref(d->info);
    }
    free(m->det);
    free(m->dir);
    free(m->run_id);
    free(m->lab);
    free(m->tree_source);
    json_decref(m->run_json);
    free(m);
}

/* Grows *arr (element size esz) to hold one more; 0 or -ENOMEM. */
static int grow(void **arr, size_t *cap, size_t n, size_t esz)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, nc * esz);
    if (!p)
        return -ENOMEM;
    memset((char *)p + *cap * esz, 0, (nc - *cap) * esz);
    *arr = p;
    *cap = nc;
    return 0;
}

struct model_scenario *model_add_scenario(struct model *m, const char *id,
                                          const char *type, int malicious,
                                          unsigned duty_pct)
{
    if (grow((void **)&m->scen, &m->cap_scen, m->nscen, sizeof(*m->scen)))
        return NULL;
    struct model_scenario *s = &m->scen[m->nscen];
    memset(s, 0, sizeof(*s));
    s->id = strdup(id);
    s->title = strdup(id);
    s->type = strdup(type ? type : "unknown");
    if (!s->id || !s->type || !s->title) {
        scenario_clear(s);
        return NULL;
    }
    s->malicious = malicious;
    s->duty_pct = duty_pct;
    m->nscen++;
    return s;
}

struct model_scenario *model_find_scenario(const struct model *m, const char *id)
{
    for (size_t i = 0; i < m->nscen; i++)
        if (strcmp(m->scen[i].id, id) == 0)
            return &m->scen[i];
    return NULL;
}

int model_add_pid(struct model_scenario *s, int pid)
{
    for (size_t i = 0; i < s->npids; i++)
        if (s->pids[i] == pid)
            return 0;
    if (grow((void **)&s->pids, &s->cap_pids, s->npids, sizeof(int)))
        return -ENOMEM;
    s->pids[s->npids++] = pid;
    return 0;
}

/* Roles that say how the runner found a pid, not what the launcher named it. */
static int found_role(const char *role)
{
    static const char *const found[] = {"fork", "child", "group", "adopted",
                                        "launcher"};
    for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++)
        if (strcmp(role, found[i]) == 0)
            return 1;
    return 0;
}

int model_add_proc(struct model_scenario *s, int pid, int ppid, const char *role)
{
    if (!role)
        role = "child";
    for (size_t i = 0; i < s->nprocs; i++) {
        struct model_proc *p = &s->procs[i];
        if (p->pid != pid)
            continue;
        if (!found_role(role))
            p->announced = 1;
        if (ppid > 0 && p->ppid <= 0)
            p->ppid = ppid;
        return 0;
    }
    if (grow((void **)&s->procs, &s->cap_procs, s->nprocs, sizeof(*s->procs)))
        return -ENOMEM;
    struct model_proc *p = &s->procs[s->nprocs++];
    p->pid = pid;
    p->ppid = ppid;
    p->launcher = strcmp(role, "launcher") == 0;
    p->announced = !found_role(role);
    return 0;
}

static int add_lab_raw(struct model_lab **v, size_t *n, size_t *cap, int pid,
                       const char *role, double since)
{
    if (grow((void **)v, cap, *n, sizeof(**v)))
        return -ENOMEM;
    (*v)[*n].pid = pid;
    hx_fmt((*v)[*n].role, sizeof((*v)[*n].role), "%s", role);
    (*v)[*n].since = since;
    (*v)[*n].seq = *n;
    (*n)++;
    return 0;
}

int model_add_lab(struct model *m, int pid, const char *role, double ts)
{
    return pid > 0 ? add_lab_raw(&m->lab, &m->nlab, &m->cap_lab, pid, role ? role : "", ts)
                   : 0;
}

int model_add_conn(struct model_scenario *s, const char *src, const char *dst)
{
    if (model_has_flow(s, src, dst))
        return 0;
    if (grow((void **)&s->conns, &s->cap_conns, s->nconns, sizeof(*s->conns)))
        return -ENOMEM;
    struct model_conn *c = &s->conns[s->nconns];
    c->src = strdup(src);
    c->dst = strdup(dst);
    if (!c->src || !c->dst) {
        free(c->src);
        free(c->dst);
        return -ENOMEM;
    }
    s->nconns++;
    return 0;
}

int model_add_expect(struct model_scenario *s, const char *detector, int detect)
{
    struct model_expect *e = realloc(s->expect, (s->nexpect + 1) * sizeof(*e));
    if (!e)
        return -ENOMEM;
    s->expect = e;
    if (!(e[s->nexpect].detector = strdup(detector)))
        return -ENOMEM;
    e[s->nexpect++].detect = detect;
    return 0;
}

struct model_detector *model_detector(struct model *m, const char *name)
{
    for (size_t i = 0; i < m->ndet; i++)
        if (strcmp(m->det[i].name, name) == 0)
            return &m->det[i];
    if (grow((void **)&m->det, &m->cap_det, m->ndet, sizeof(*m->det)))
        return NULL;
    struct model_detector *d = &m->det[m->ndet];
    memset(d, 0, sizeof(*d));
    if (!(d->name = strdup(name)))
        return NULL;
    d->min_obs_s = -1;
    m->ndet++;
    return d;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_lab_pid(const void *a, const void *b)
{
    return cmp_int(&((const struct model_lab *)a)->pid,
                   &((const struct model_lab *)b)->pid);
}

/* By pid, then in the order learnt. */
static int cmp_lab(const void *a, const void *b)
{
    const struct model_lab *x = a, *y = b;
    int c = cmp_lab_pid(a, b);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

struct pid_idx {
    int pid;
    size_t idx;
};

static int cmp_pid_idx(const void *a, const void *b)
{
    return cmp_int(&((const struct pid_idx *)a)->pid,
                   &((const struct pid_idx *)b)->pid);
}

/* Splits a scenario's raw tree into workload pids and lab helpers. */
static void resolve_tree(struct model_scenario *s)
{
    size_t n = s->nprocs;
    int announced = 0;
    char *work = calloc(n + 1, 1);
    struct pid_idx *by_pid = calloc(n + 1, sizeof(*by_pid));
    if (!work || !by_pid)
        goto out;
    for (size_t i = 0; i < n; i++) {
        work[i] = (char)s->procs[i].announced;
        announced |= s->procs[i].announced;
        by_pid[i] = (struct pid_idx){s->procs[i].pid, i};
    }
    qsort(by_pid, n, sizeof(*by_pid), cmp_pid_idx);
    /* Descendants of an announced pid are the workload too (fixed point;
     * parents are mostly recorded first, so one or two passes). */
    for (int grew = 1; grew && announced;) {
        grew = 0;
        for (size_t i = 0; i < n; i++) {
            if (work[i] || s->procs[i].ppid <= 0)
                continue;
            struct pid_idx key = {s->procs[i].ppid, 0};
            const struct pid_idx *par =
                bsearch(&key, by_pid, n, sizeof(*by_pid), cmp_pid_idx);
            if (par && work[par->idx])
                work[i] = grew = 1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const struct model_proc *p = &s->procs[i];
        /* procs are unique by pid: append, model_finish sorts and dedups. */
        if (p->launcher && !p->announced)
            add_lab_raw(&s->lab, &s->nlab, &s->cap_lab, p->pid, "launcher", 0);
        else if (work[i] || !announced) {
            if (!grow((void **)&s->pids, &s->cap_pids, s->npids, sizeof(int)))
                s->pids[s->npids++] = p->pid;
        } else
            add_lab_raw(&s->lab, &s->nlab, &s->cap_lab, p->pid, "launcher-helper", 0);
    }
out:
    free(by_pid);
    free(work);
}

void model_finish(struct model *m)
{
    for (size_t i = 0; i < m->nscen; i++) {
        struct model_scenario *s = &m->scen[i];
        resolve_tree(s);
        if (s->npids)
            qsort(s->pids, s->npids, sizeof(int), cmp_int);
        size_t k = 0;
        for (size_t j = 0; j < s->npids; j++) /* model_add_pid and the tree may agree */
            if (k == 0 || s->pids[k - 1] != s->pids[j])
                s->pids[k++] = s->pids[j];
        s->npids = k;
        if (s->nlab)
            qsort(s->lab, s->nlab, sizeof(*s->lab), cmp_lab);
    }
    if (m->nlab)
        qsort(m->lab, m->nlab, sizeof(*m->lab), cmp_lab);
}

int model_has_pid(const struct model_scenario *s, int pid)
{
    return s->npids && bsearch(&pid, s->pids, s->npids, sizeof(int), cmp_int) != NULL;
}

/* v sorted by cmp_lab: the entry of pid learnt last by ts + 1 s (an
 * alert may be read before the fork that made its process), else the
 * first; NULL when none or when that entry ends the pid's lab life. */
static const char *lab_find(const struct model_lab *v, size_t n, int pid, double ts)
{
    struct model_lab key = {.pid = pid};
    const struct model_lab *l = n ? bsearch(&key, v, n, sizeof(*v), cmp_lab_pid) : NULL;
    if (!l)
        return NULL;
    while (l > v && l[-1].pid == pid)
        l--;
    const struct model_lab *pick = l;
    for (; l < v + n && l->pid == pid; l++)
        if (l->since <= ts + MODEL_LAB_SLACK_S)
            pick = l;
    return pick->role[0] ? pick->role : NULL;
}

const char *model_lab_role(const struct model *m, const struct model_scenario *s,
                           int pid, double ts)
{
    const char *r = lab_find(m->lab, m->nlab, pid, ts);
    return r ? r : s ? lab_find(s->lab, s->nlab, pid, ts) : NULL;
}

double model_parse_min_obs(void *value, char *why, size_t whylen)
{
    json_t *v = value;
    if (!json_is_number(v)) {
        hx_fmt(why, whylen, "min_observation_s is not a number");
        return -1;
    }
    double x = json_number_value(v);
    if (!(x >= 0)) {
        hx_fmt(why, whylen, "min_observation_s %g is negative", x);
        return -1;
    }
    if (x > 86400) {
        hx_fmt(why, whylen, "min_observation_s %g is more than a day (86400 s)", x);
        return -1;
    }
    return x;
}

/* Port of "ip:port" / "[v6]:port", or -1. */
static long ep_port(const char *ep)
{
    const char *colon = strrchr(ep, ':');
    return colon && colon[1] ? strtol(colon + 1, NULL, 10) : -1;
}

/*
 * A socket that is not connected (listening, unbound UDP), recorded with
 * dst "*": it is the flow's endpoint when one side is its address, or when
 * it is bound to every address (0.0.0.0, ::) and one side has its port.
 */
static int bound_matches(const char *local, const char *a, const char *b)
{
    if (!strcmp(local, a) || !strcmp(local, b))
        return 1;
    if (strncmp(local, "0.0.0.0:", 8) && strncmp(local, "[::]:", 5))
        return 0;
    long port = ep_port(local);
    return port > 0 && (ep_port(a) == port || ep_port(b) == port);
}

int model_has_flow(const struct model_scenario *s, const char *src, const char *dst)
{
    if (!src || !dst)
        return 0;
    for (size_t i = 0; i < s->nconns; i++) {
        const struct model_conn *c = &s->conns[i];
        if (!strcmp(c->dst, "*")) {
            if (bound_matches(c->src, src, dst))
                return 1;
            continue;
        }
        if ((strcmp(c->src, src) == 0 && strcmp(c->dst, dst) == 0) ||
            (strcmp(c->src, dst) == 0 && strcmp(c->dst, src) == 0))
            return 1;
    }
    return 0;
}

const char *model_status_name(enum scen_status st)
{
    static const char *const names[] = {"planned", "ran", "interrupted", "skipped",
                                        "failed"};
    return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

static char *jstrdup(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? strdup(s) : NULL;
}

static int load_run_json(struct model *m, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    json_error_t je;
    hx_fmt(path, sizeof(path), "%s/run.json", dir);
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return ml_err(err, errlen, -EINVAL, "%s:%d: %s", path, je.line, je.text);
    m->run_json = root;
    m->run_id = jstrdup(root, "run_id");
    m->started = json_number_value(json_object_get(root, "started"));
    m->finished = json_number_value(json_object_get(root, "finished"));
    m->interrupted = json_is_true(json_object_get(root, "interrupted"));
    json_t *g = json_object_get(json_object_get(root, "settings"), "grace_s");
    if (json_is_number(g))
        m->grace_s = json_number_value(g);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(root, "detectors"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        struct model_detector *d = name ? model_detector(m, name) : NULL;
        if (d && !d->cmd)
            d->cmd = jstrdup(v, "cmd");
    }
    json_array_foreach(json_object_get(root, "scenarios"), i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        const char *label = json_string_value(json_object_get(v, "label"));
        if (!id)
            continue;
        struct model_scenario *s = model_add_scenario(
            m, id, json_string_value(json_object_get(v, "type")),
            label && strcmp(label, "malicious") == 0,
            (unsigned)json_integer_value(json_object_get(v, "duty_pct")));
        if (!s)
            return -ENOMEM;
        char *title = jstrdup(v, "title");
        if (title) {
            free(s->title);
            s->title = title;
        }
        json_t *ramp = json_object_get(v, "ramp");
        if (json_is_object(ramp)) {
            s->has_ramp = 1;
            s->ramp_to_pct = (unsigned)json_integer_value(json_object_get(ramp, "to"));
        }
        const char *det;
        json_t *ev;
        json_object_foreach(json_object_get(v, "expect"), det, ev)
        {
            const char *e = json_string_value(ev);
            if (e && model_add_expect(s, det, strcmp(e, "detect") == 0))
                return -ENOMEM;
        }
    }
    return 0;
}

static enum scen_status status_from(const char *s)
{
    if (!s)
        return ST_RAN;
    for (int st = ST_PLANNED; st <= ST_FAILED; st++)
        if (strcmp(s, model_status_name((enum scen_status)st)) == 0)
            return (enum scen_status)st;
    return ST_FAILED;
}

static void replace(char **dst, const char *src)
{
    if (!src)
        return;
    free(*dst);
    *dst = strdup(src);
}

static int apply_detector_event(struct model *m, const char *ev, json_t *o)
{
    const char *name = json_string_value(json_object_get(o, "detector"));
    struct model_detector *d = name ? model_detector(m, name) : NULL;
    if (!d)
        return name ? -ENOMEM : 0;
    if (strcmp(ev, "detector_start") == 0) {
        replace(&d->cmd, json_string_value(json_object_get(o, "cmd")));
    } else if (strcmp(ev, "detector_info") == 0) {
        json_t *info = json_object_get(o, "info");
        replace(&d->version, json_string_value(json_object_get(info, "version")));
        if (!d->info)
            d->info = json_object();
        if (json_is_object(info))
            json_object_update(d->info, info);
        json_t *mo = json_object_get(info, "min_observation_s");
        if (mo) {
            char why[160];
            d->min_obs_s = model_parse_min_obs(mo, why, sizeof(why));
            free(d->min_obs_invalid);
            d->min_obs_invalid = d->min_obs_s < 0 ? strdup(why) : NULL;
        }
    } else if (strcmp(ev, "detector_degraded") == 0) {
        d->degraded++;
        replace(&d->degraded_reason, json_string_value(json_object_get(o, "reason")));
    } else if (strcmp(ev, "detector_exit") == 0) {
        /* Several exits come from a merged run (one per shard): a crash in
         * any of them stays visible. */
        int crashed = json_is_true(json_object_get(o, "unexpected"));
        if (crashed || !d->crashed)
            replace(&d->exit_desc, json_string_value(json_object_get(o, "status")));
        d->crashed |= crashed;
    } else if (strcmp(ev, "detector_hung") == 0) {
        d->hung = 1;
    } else if (strcmp(ev, "detector_summary") == 0) {
        /* One summary per run; a merged run has one per shard: add them. */
        d->lines += (unsigned long)json_integer_value(json_object_get(o, "lines"));
        d->alerts += (unsigned long)json_integer_value(json_object_get(o, "alerts"));
        d->invalid += (unsigned long)json_integer_value(json_object_get(o, "invalid"));
        d->dropped += (unsigned long)json_integer_value(json_object_get(o, "dropped"));
    } else if (strcmp(ev, "detector_cost") == 0) {
        double rss = json_number_value(json_object_get(o, "peak_rss_mib"));
        d->has_cost = 1;
        d->cpu_s += json_number_value(json_object_get(o, "cpu_s"));
        d->wall_s += json_number_value(json_object_get(o, "wall_s"));
        if (rss > d->peak_rss_mib)
            d->peak_rss_mib = rss;
    }
    return 0;
}

static int apply_duty_event(struct model_scenario *s, const char *ev, json_t *o)
{
    json_t *pct = json_object_get(o, "pct"), *nom = json_object_get(o, "nominal_pct");
    if (!json_is_number(pct))
        return 0;
    if (strcmp(ev, "duty_window") == 0) {
        s->measured_duty_pct =
            (s->has_measured_duty ? s->measured_duty_pct : 0) + json_number_value(pct);
        s->has_measured_duty = 1;
        return 0;
    }
    if (s->nslices == s->cap_slices) {
        size_t nc = s->cap_slices ? 2 * s->cap_slices : 16;
        struct model_duty_slice *v = realloc(s->slices, nc * sizeof(*v));
        if (!v)
            return -ENOMEM;
        s->slices = v;
        s->cap_slices = nc;
    }
    s->slices[s->nslices++] = (struct model_duty_slice){
        (int)json_integer_value(json_object_get(o, "pid")),
        json_number_value(json_object_get(o, "slice_start")),
        json_number_value(json_object_get(o, "slice_end")), json_number_value(pct),
        json_is_number(nom) ? json_number_value(nom) : NAN};
    return 0;
}

double model_duty_at(const struct model_scenario *s, double t)
{
    double sum = 0;
    int any = 0;
    /* Per miner: the slice holding t, else the nearest one before/after. */
    for (size_t i = 0; i < s->nslices; i++) {
        int pid = s->slices[i].pid, seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = s->slices[j].pid == pid;
        if (seen)
            continue;
        const struct model_duty_slice *best = NULL;
        for (size_t j = i; j < s->nslices; j++) {
            const struct model_duty_slice *x = &s->slices[j];
            if (x->pid != pid)
                continue;
            if (!best || x->start <= t)
                best = x; /* the latest slice that started by t, else the first */
        }
        sum += best->pct;
        any = 1;
    }
    return any ? sum : NAN;
}

/* Applies one timeline record. Unknown events are ignored (forward compatible). */
static int apply_event(struct model *m, json_t *o, double *last_ts)
{
    const char *ev = json_string_value(json_object_get(o, "event"));
    double ts = json_number_value(json_object_get(o, "ts"));
    if (!ev)
        return 0;
    if (ts > *last_ts)
        *last_ts = ts;
    if (strncmp(ev, "detector_", 9) == 0)
        return apply_detector_event(m, ev, o);
    if (strcmp(ev, "lab_pid") == 0) {
        const char *role = json_string_value(json_object_get(o, "role"));
        return model_add_lab(m, (int)json_integer_value(json_object_get(o, "pid")),
                             role ? role : "lab", ts);
    }
    if (strcmp(ev, "lab_pid_end") == 0) /* the pid went to a process outside the lab */
        return model_add_lab(m, (int)json_integer_value(json_object_get(o, "pid")), NULL,
                             ts);
    if (strcmp(ev, "tree_source") == 0) {
        replace(&m->tree_source, json_string_value(json_object_get(o, "source")));
        return 0;
    }
    const char *id = json_string_value(json_object_get(o, "scenario"));
    struct model_scenario *s = id ? model_find_scenario(m, id) : NULL;
    if (!s)
        return 0;
    if (strcmp(ev, "scenario_start") == 0) {
        s->start = ts;
        s->status = ST_INTERRUPTED; /* until its end record says otherwise */
    } else if (strcmp(ev, "scenario_end") == 0) {
        s->status = status_from(json_string_value(json_object_get(o, "status")));
        if (s->start > 0)
            s->end = ts;
        replace(&s->reason, json_string_value(json_object_get(o, "reason")));
        s->logins = (unsigned long)json_integer_value(json_object_get(o, "logins"));
        s->shares =
            (unsigned long)json_integer_value(json_object_get(o, "shares_accepted"));
        s->shares_unverified =
            (unsigned long)json_integer_value(json_object_get(o, "shares_unverified"));
        json_t *pct = json_object_get(o, "cpu_pct");
        s->has_cpu = json_is_number(pct);
        s->cpu_pct = json_number_value(pct);
        s->cpu_s = json_number_value(json_object_get(o, "cpu_s"));
    } else if (strcmp(ev, "miner_start") == 0) {
        if (s->miner_start == 0)
            s->miner_start = ts;
    } else if (strcmp(ev, "pid") == 0) {
        json_int_t pid = json_integer_value(json_object_get(o, "pid"));
        if (pid > 0)
            return model_add_proc(s, (int)pid,
                                  (int)json_integer_value(json_object_get(o, "ppid")),
                                  json_string_value(json_object_get(o, "role")));
    } else if (strcmp(ev, "duty_measured") == 0 || strcmp(ev, "duty_window") == 0) {
        return apply_duty_event(s, ev, o);
    } else if (strcmp(ev, "conn") == 0) {
        const char *src = json_string_value(json_object_get(o, "src"));
        const char *dst = json_string_value(json_object_get(o, "dst"));
        if (src && dst)
            return model_add_conn(s, src, dst);
    }
    return 0;
}

int model_apply_event(struct model *m, void *record, double *last_ts)
{
    return apply_event(m, record, last_ts);
}

int rundir_load(const char *dir, struct model **out, char *err, size_t errlen)
{
    char path[4096];
    char *line = NULL;
    size_t cap = 0;
    FILE *f = NULL;
    double last_ts = 0;
    struct model *m = model_new(10.0);
    int rc = -ENOMEM;
    *out = NULL;
    if (!m || !(m->dir = strdup(dir)))
        goto out;
    rc = load_run_json(m, dir, err, errlen);
    if (rc)
        goto out;
    hx_fmt(path, sizeof(path), "%s/timeline.jsonl", dir);
    f = fopen(path, "r");
    if (f) {
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
            json_t *o = json_loadb(line, (size_t)n, 0, NULL);
            if (!o)
                continue; /* a torn last line of an interrupted run */
            rc = apply_event(m, o, &last_ts);
            json_decref(o);
            if (rc)
                goto out;
        }
    }
    /* A window that never closed ends at the last thing the run recorded. */
    for (size_t i = 0; i < m->nscen; i++) {
        struct model_scenario *s = &m->scen[i];
        if (s->start > 0 && s->end == 0)
            s->end = last_ts > s->start ? last_ts : s->start;
    }
    model_finish(m);
    rc = 0;
out:
    if (f)
        fclose(f);
    free(line);
    if (rc) {
        model_free(m);
        m = NULL;
    }
    *out = m;
    return rc;
}
