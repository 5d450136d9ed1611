/*
 * Sigma rules: YAML (libyaml's document API) to compiled rules, and rule
 * sets loaded from a directory.
 */
#include "sigma_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ml_util.h"

#define RULE_FILE_MAX (1 << 20)

static const char *const kind_names[SIGMA_NKINDS] = {
    "linux/process_creation", "linux/auditd", "linux/network_connection", "dns"};

const char *sigma_kind_name(enum sigma_kind k)
{
    return k < SIGMA_NKINDS ? kind_names[k] : "?";
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        if (k && k->type == YAML_SCALAR_NODE &&
            !strcmp((char *)k->data.scalar.value, key))
            return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A plain null / ~ / empty scalar is YAML's null: Sigma's "field absent or empty". */
static const char *value_of(yaml_node_t *n)
{
    const char *s = scalar(n);
    if (s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        (!*s || !strcmp(s, "null") || !strcmp(s, "~") || !strcmp(s, "Null")))
        return NULL;
    return s;
}

static int lower_eq(const char *a, const char *b)
{
    return a && strcasecmp(a, b) == 0;
}

static int map_logsource(yaml_document_t *d, yaml_node_t *ls, enum sigma_kind *kind,
                         char *err, size_t errlen)
{
    if (!ls || ls->type != YAML_MAPPING_NODE)
        return ml_err(err, errlen, -EINVAL, "logsource missing or not a mapping");
    const char *product = scalar(map_get(d, ls, "product"));
    const char *category = scalar(map_get(d, ls, "category"));
    const char *service = scalar(map_get(d, ls, "service"));
    int linux_ = lower_eq(product, "linux");
    if (linux_ && lower_eq(service, "auditd"))
        *kind = SIGMA_AUDITD;
    else if (linux_ && lower_eq(category, "process_creation") && !service)
        *kind = SIGMA_PROCESS_CREATION;
    else if (linux_ && lower_eq(category, "network_connection") && !service)
        *kind = SIGMA_NETWORK_CONNECTION;
    else if (lower_eq(category, "dns") && !service && (!product || linux_))
        *kind = SIGMA_DNS;
    else
        return ml_err(err, errlen, -ENOTSUP,
                      "logsource product=%s category=%s service=%s not supported",
                      product ? product : "-", category ? category : "-",
                      service ? service : "-");
    return 0;
}

/* One "Field|mods: value(s)" pair, or a keyword list (key NULL). */
static int compile_pair(yaml_document_t *d, const char *key, yaml_node_t *val,
                        struct sigma__fieldsel *fs, char *err, size_t errlen)
{
    const char *vals[256];
    size_t nv = 0;
    if (val->type == YAML_MAPPING_NODE)
        return ml_err(err, errlen, -EINVAL, "selection field '%s' holds a mapping",
                      key ? key : "keywords");
    if (val->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = val->data.sequence.items.start;
             it < val->data.sequence.items.top; it++) {
            yaml_node_t *v = yaml_document_get_node(d, *it);
            if (!v || v->type != YAML_SCALAR_NODE)
                return ml_err(err, errlen, -EINVAL,
                              "selection field '%s' lists a non-scalar value",
                              key ? key : "keywords");
            if (nv == sizeof(vals) / sizeof(vals[0]))
                return ml_err(err, errlen, -EINVAL, "more than 256 values");
            vals[nv++] = value_of(v);
        }
    } else {
        vals[nv++] = value_of(val);
    }
    const char *mods = "";
    char field[256];
    if (key) {
        snprintf(field, sizeof(field), "%s", key);
        char *bar = strchr(field, '|');
        if (bar) {
            *bar = '\0';
            mods = key + (bar - field) + 1;
        }
        if (!(fs->field = strdup(field)))
            return -ENOMEM;
    }
    int rc = sigma__compile_field(fs, mods, vals, nv, err, errlen);
    if (rc < 0 && key && rc != -ENOMEM) {
        char inner[512];
        snprintf(inner, sizeof(inner), "%s", err);
        ml_err(err, errlen, rc, "field '%s': %s", key, inner);
    }
    return rc;
}

static int compile_map(yaml_document_t *d, yaml_node_t *map, struct sigma__conj *c,
                       char *err, size_t errlen)
{
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    c->f = calloc(n ? n : 1, sizeof(*c->f));
    if (!c->f)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &map->data.mapping.pairs.start[i];
        const char *key = scalar(yaml_document_get_node(d, p->key));
        yaml_node_t *val = yaml_document_get_node(d, p->value);
        c->n = i + 1;
        if (!key || !val)
            return ml_err(err, errlen, -EINVAL, "selection key is not a scalar");
        int rc = compile_pair(d, key, val, &c->f[i], err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int compile_selection(yaml_document_t *d, yaml_node_t *n,
                             struct sigma__selection *s, char *err, size_t errlen)
{
    int rc = 0;
    if (n->type == YAML_MAPPING_NODE) {
        if (!(s->c = calloc(1, sizeof(*s->c))))
            return -ENOMEM;
        s->nc = 1;
        return compile_map(d, n, s->c, err, errlen);
    }
    yaml_node_t *first =
        n->type == YAML_SEQUENCE_NODE &&
                n->data.sequence.items.top > n->data.sequence.items.start
            ? yaml_document_get_node(d, *n->data.sequence.items.start)
            : NULL;
    if (first && first->type == YAML_MAPPING_NODE) { /* a list of maps: OR */
        size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
        if (!(s->c = calloc(k, sizeof(*s->c))))
            return -ENOMEM;
        for (size_t i = 0; i < k && rc == 0; i++) {
            yaml_node_t *m = yaml_document_get_node(d, n->data.sequence.items.start[i]);
            s->nc = i + 1;
            rc = m && m->type == YAML_MAPPING_NODE
                     ? compile_map(d, m, &s->c[i], err, errlen)
                     : ml_err(err, errlen, -EINVAL,
                              "selection '%s' mixes maps and values", s->name);
        }
        return rc;
    }
    /* Keywords: a scalar or a list of scalars, matched against every field. */
    if (!(s->c = calloc(1, sizeof(*s->c))) || !(s->c->f = calloc(1, sizeof(*s->c->f))))
        return -ENOMEM;
    s->nc = 1;
    s->c->n = 1;
    return compile_pair(d, NULL, n, s->c->f, err, errlen);
}

static int compile_detection(yaml_document_t *d, yaml_node_t *det, struct sigma_rule *r,
                             const char **cond, char *err, size_t errlen)
{
    if (!det || det->type != YAML_MAPPING_NODE)
        return ml_err(err, errlen, -EINVAL, "detection missing or not a mapping");
    size_t n = (size_t)(det->data.mapping.pairs.top - det->data.mapping.pairs.start);
    if (!(r->sel = calloc(n, sizeof(*r->sel))))
        return -ENOMEM;
    *cond = NULL;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &det->data.mapping.pairs.start[i];
        const char *key = scalar(yaml_document_get_node(d, p->key));
        yaml_node_t *val = yaml_document_get_node(d, p->value);
        if (!key || !val)
            return ml_err(err, errlen, -EINVAL, "detection key is not a scalar");
        if (!strcmp(key, "condition")) {
            if (val->type == YAML_SEQUENCE_NODE)
                return ml_err(err, errlen, -ENOTSUP,
                              "condition as a list (deprecated) not supported");
            if (!(*cond = scalar(val)))
                return ml_err(err, errlen, -EINVAL, "condition is not a string");
            continue;
        }
        if (!strcmp(key, "timeframe"))
            return ml_err(err, errlen, -ENOTSUP,
                          "timeframe (aggregation) not supported");
        struct sigma__selection *s = &r->sel[r->nsel++];
        if (!(s->name = strdup(key)))
            return -ENOMEM;
        int rc = compile_selection(d, val, s, err, errlen);
        if (rc < 0) {
            if (rc != -ENOMEM && !strstr(err, s->name)) {
                char inner[512];
                snprintf(inner, sizeof(inner), "%s", err);
                ml_err(err, errlen, rc, "selection '%s': %s", s->name, inner);
            }
            return rc;
        }
    }
    if (!*cond)
        return ml_err(err, errlen, -EINVAL, "detection has no condition");
    return 0;
}

static int dup_field(char **dst, const char *src)
{
    return (*dst = strdup(src ? src : "")) ? 0 : -ENOMEM;
}

static int rule_from_doc(yaml_document_t *d, struct sigma_rule *r, char *err,
                         size_t errlen)
{
    yaml_node_t *root = yaml_document_get_root_node(d);
    if (!root || root->type != YAML_MAPPING_NODE)
        return ml_err(err, errlen, -EINVAL, "not a YAML mapping");
    const char *title = scalar(map_get(d, root, "title"));
    if (!title || !*title)
        return ml_err(err, errlen, -EINVAL, "no title");
    if (map_get(d, root, "correlation") || map_get(d, root, "action"))
        return ml_err(err, errlen, -ENOTSUP,
                      "correlation rules and rule collections not supported");
    int rc;
    if ((rc = dup_field(&r->title, title)) < 0 ||
        (rc = dup_field(&r->id, scalar(map_get(d, root, "id")))) < 0 ||
        (rc = dup_field(&r->level, scalar(map_get(d, root, "level")))) < 0)
        return rc;
    if ((rc = map_logsource(d, map_get(d, root, "logsource"), &r->kind, err, errlen)) <
        0)
        return rc;
    const char *cond = NULL;
    if ((rc = compile_detection(d, map_get(d, root, "detection"), r, &cond, err,
                                errlen)) < 0)
        return rc;
    return sigma__cond_parse(cond, r, &r->cond, err, errlen);
}

int sigma_rule_parse(const char *path, const char *yaml, size_t len,
                     struct sigma_rule **out, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    int have_doc = 0, rc = 0;
    char why[768] = "";
    struct sigma_rule *r = calloc(1, sizeof(*r));
    *out = NULL;
    if (!r || !yaml_parser_initialize(&parser)) {
        free(r);
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = ml_err(why, sizeof(why), -EINVAL, "YAML error at line %zu: %s",
                    parser.problem_mark.line + 1,
                    parser.problem ? parser.problem : "unknown");
        goto out;
    }
    have_doc = 1;
    if (!yaml_parser_load(&parser, &extra)) {
        rc = ml_err(why, sizeof(why), -EINVAL, "YAML error at line %zu: %s",
                    parser.problem_mark.line + 1,
                    parser.problem ? parser.problem : "unknown");
        goto out;
    }
    int more = yaml_document_get_root_node(&extra) != NULL;
    yaml_document_delete(&extra);
    if (more) {
        rc = ml_err(why, sizeof(why), -ENOTSUP,
                    "several YAML documents (rule collection) not supported");
        goto out;
    }
    rc = rule_from_doc(&doc, r, why, sizeof(why));
    if (rc == 0)
        rc = (r->path = strdup(path)) ? 0 : -ENOMEM;
out:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc < 0) {
        ml_err(err, errlen, rc, "%s: %s", path, rc == -ENOMEM ? "out of memory" : why);
        sigma_rule_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void sigma_rule_free(struct sigma_rule *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nsel; i++) {
        for (size_t c = 0; c < r->sel[i].nc; c++) {
            for (size_t k = 0; k < r->sel[i].c[c].n; k++)
                sigma__fieldsel_free(&r->sel[i].c[c].f[k]);
            free(r->sel[i].c[c].f);
        }
        free(r->sel[i].c);
        free(r->sel[i].name);
    }
    free(r->sel);
    sigma__node_free(r->cond);
    free(r->path);
    free(r->title);
    free(r->id);
    free(r->level);
    free(r);
}

int sigma_rule_match(const struct sigma_rule *r, const struct sigma_event *ev)
{
    return ev->kind == r->kind && sigma__node_eval(r->cond, r, ev);
}

enum sigma_kind sigma_rule_kind(const struct sigma_rule *r)
{
    return r->kind;
}

const char *sigma_rule_title(const struct sigma_rule *r)
{
    return r->title;
}

const char *sigma_rule_id(const struct sigma_rule *r)
{
    return r->id;
}

const char *sigma_rule_level(const struct sigma_rule *r)
{
    return r->level;
}

double sigma_rule_score(const struct sigma_rule *r)
{
    static const struct {
        const char *level;
        double score;
    } levels[] = {{"critical", 1.0}, {"high", 0.8}, {"medium", 0.6}, {"low", 0.4}};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (!strcasecmp(r->level, levels[i].level))
            return levels[i].score;
    return 0.2;
}

/* ---- Rule sets ---- */

struct sigma_ruleset {
    struct sigma_rule **r;
    size_t n, skipped;
};

static int is_rule_file(const struct dirent *e)
{
    size_t l = strlen(e->d_name);
    return e->d_name[0] != '.' && ((l > 4 && !strcmp(e->d_name + l - 4, ".yml")) ||
                                   (l > 5 && !strcmp(e->d_name + l - 5, ".yaml")));
}

/* Reads and parses one file; adds the rule or reports the skip. */
static int load_file(struct sigma_ruleset *s, const char *dir, const char *name,
                     void (*skip)(void *, const char *), void *ctx)
{
    char path[4096], err[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    char *buf = malloc(RULE_FILE_MAX);
    if (!buf)
        return -ENOMEM;
    FILE *f = fopen(path, "rb");
    size_t len = f ? fread(buf, 1, RULE_FILE_MAX, f) : 0;
    int rc = 0;
    struct sigma_rule *r = NULL;
    if (!f)
        ml_err(err, sizeof(err), -errno, "%s: cannot read: %s", name, strerror(errno));
    else if (len == RULE_FILE_MAX)
        ml_err(err, sizeof(err), -E2BIG, "%s: larger than 1 MiB", name);
    else
        rc = sigma_rule_parse(name, buf, len, &r, err, sizeof(err));
    if (f)
        fclose(f);
    free(buf);
    if (rc == -ENOMEM)
        return rc;
    struct sigma_rule **v = r ? realloc(s->r, (s->n + 1) * sizeof(*v)) : NULL;
    if (r && !v) {
        sigma_rule_free(r);
        return -ENOMEM;
    }
    if (r) {
        s->r = v;
        s->r[s->n++] = r;
        return 0;
    }
    s->skipped++;
    if (skip)
        skip(ctx, err);
    return 0;
}

int sigma_ruleset_load(const char *dir, struct sigma_ruleset **out,
                       void (*skip)(void *ctx, const char *line), void *ctx, char *err,
                       size_t errlen)
{
    struct dirent **names = NULL;
    *out = NULL;
    int n = scandir(dir, &names, is_rule_file, alphasort);
    if (n < 0)
        return ml_err(err, errlen, -errno, "cannot read rules directory %s: %s", dir,
                      strerror(errno));
    struct sigma_ruleset *s = calloc(1, sizeof(*s));
    int rc = s ? 0 : -ENOMEM;
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = load_file(s, dir, names[i]->d_name, skip, ctx);
        free(names[i]);
    }
    free(names);
    if (rc < 0) {
        sigma_ruleset_free(s);
        return ml_err(err, errlen, rc, "out of memory loading rules");
    }
    *out = s;
    return 0;
}

void sigma_ruleset_free(struct sigma_ruleset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        sigma_rule_free(s->r[i]);
    free(s->r);
    free(s);
}

size_t sigma_ruleset_count(const struct sigma_ruleset *s)
{
    return s->n;
}

size_t sigma_ruleset_skipped(const struct sigma_ruleset *s)
{
    return s->skipped;
}

const struct sigma_rule *sigma_ruleset_rule(const struct sigma_ruleset *s, size_t i)
{
    return i < s->n ? s->r[i] : NULL;
}

size_t sigma_ruleset_count_kind(const struct sigma_ruleset *s, enum sigma_kind k)
{
    size_t c = 0;
    for (size_t i = 0; i < s->n; i++)
        c += s->r[i]->kind == k;
    return c;
}

size_t sigma_ruleset_eval(const struct sigma_ruleset *s, const struct sigma_event *ev,
                          void (*hit)(void *ctx, const struct sigma_rule *r,
                                      const struct sigma_event *ev),
                          void *ctx)
{
    size_t hits = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (sigma_rule_match(s->r[i], ev)) {
            hits++;
            if (hit)
                hit(ctx, s->r[i], ev);
        }
    }
    return hits;
}
