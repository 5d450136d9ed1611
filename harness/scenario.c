#include "hxutil.h"
#include "scenario.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "pooldomains.h"
#include "ytree.h"

/* Scenario files are small; a bigger one is a mistake, not a scenario. */
#define SCEN_FILE_MAX (256 * 1024)

/* What libcyaml fills in; copied into struct scenario after validation. */
struct raw_ramp {
    unsigned from, to, seconds;
};
struct raw_miner {
    unsigned threads, duty, pool_port;
    struct raw_ramp *ramp;
    char *mode, *transport, *name, *config, *pool_domain;
};
struct raw_fleet {
    unsigned hosts;
};
struct raw_scenario {
    char *id, *title, *type, *label, *launcher, *command;
    char **attack;
    unsigned attack_count;
    char **requires;
    unsigned requires_count;
    unsigned duration_s;
    struct raw_miner *miner;
    struct raw_fleet *fleet;
};
struct raw_suite {
    char *name, *description, *malicious_mode;
    char **scenarios;
    unsigned scenarios_count;
    unsigned pool_diff;
};

static const cyaml_schema_value_t str_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, 256),
};
static const cyaml_schema_field_t ramp_fields[] = {
    CYAML_FIELD_UINT("from", CYAML_FLAG_DEFAULT, struct raw_ramp, from),
    CYAML_FIELD_UINT("to", CYAML_FLAG_DEFAULT, struct raw_ramp, to),
    CYAML_FIELD_UINT("seconds", CYAML_FLAG_DEFAULT, struct raw_ramp, seconds),
    CYAML_FIELD_END};
static const cyaml_schema_field_t miner_fields[] = {
    CYAML_FIELD_UINT("threads", CYAML_FLAG_OPTIONAL, struct raw_miner, threads),
    CYAML_FIELD_UINT("duty", CYAML_FLAG_OPTIONAL, struct raw_miner, duty),
    CYAML_FIELD_MAPPING_PTR("ramp", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            struct raw_miner, ramp, ramp_fields),
    CYAML_FIELD_STRING_PTR("mode", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_miner, mode, 1, 16),
    CYAML_FIELD_STRING_PTR("transport", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_miner, transport, 1, 16),
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_miner, name, 0, 255),
    CYAML_FIELD_STRING_PTR("config", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_miner, config, 1, 16),
    CYAML_FIELD_STRING_PTR("pool_domain", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_miner, pool_domain, 1, 253),
    CYAML_FIELD_UINT("pool_port", CYAML_FLAG_OPTIONAL, struct raw_miner, pool_port),
    CYAML_FIELD_END};
static const cyaml_schema_field_t fleet_fields[] = {
    CYAML_FIELD_UINT("hosts", CYAML_FLAG_DEFAULT, struct raw_fleet, hosts),
    CYAML_FIELD_END};
static const cyaml_schema_field_t scenario_fields[] = {
    CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_POINTER, struct raw_scenario, id, 1,
                           SCEN_ID_MAX),
    CYAML_FIELD_STRING_PTR("title", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_scenario, title, 0, 512),
    CYAML_FIELD_STRING_PTR("type", CYAML_FLAG_POINTER, struct raw_scenario, type, 1,
                           32),
    CYAML_FIELD_STRING_PTR("label", CYAML_FLAG_POINTER, struct raw_scenario, label, 1,
                           32),
    CYAML_FIELD_SEQUENCE("attack", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         struct raw_scenario, attack, &str_entry, 0, 32),
    CYAML_FIELD_UINT("duration_s", CYAML_FLAG_DEFAULT, struct raw_scenario, duration_s),
    CYAML_FIELD_STRING_PTR("launcher", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_scenario, launcher, 1, 64),
    CYAML_FIELD_SEQUENCE("requires", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         struct raw_scenario, requires, &str_entry, 0, 16),
    CYAML_FIELD_MAPPING_PTR("miner", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            struct raw_scenario, miner, miner_fields),
    CYAML_FIELD_MAPPING_PTR("fleet", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            struct raw_scenario, fleet, fleet_fields),
    CYAML_FIELD_STRING_PTR("command", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_scenario, command, 1, 4096),
    /* Free-form keys (detector names): read from the ytree instead. */
    CYAML_FIELD_IGNORE("expect", CYAML_FLAG_OPTIONAL), CYAML_FIELD_END};
static const cyaml_schema_value_t scenario_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_scenario, scenario_fields),
};
static const cyaml_schema_field_t suite_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct raw_suite, name, 1, 64),
    CYAML_FIELD_STRING_PTR("description", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_suite, description, 0, 1024),
    CYAML_FIELD_STRING_PTR("malicious_mode", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           struct raw_suite, malicious_mode, 0, 16),
    CYAML_FIELD_SEQUENCE("scenarios", CYAML_FLAG_POINTER, struct raw_suite, scenarios,
                         &str_entry, 0, 1024),
    CYAML_FIELD_UINT("pool_diff", CYAML_FLAG_OPTIONAL, struct raw_suite, pool_diff),
    CYAML_FIELD_END};
static const cyaml_schema_value_t suite_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_suite, suite_fields),
};

/* libcyaml reports problems through its log callback; keep the messages. */
struct cy_log {
    char text[1024];
    size_t len;
};

static void cy_log_fn(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    struct cy_log *l = ctx;
    if (level < CYAML_LOG_ERROR || l->len >= sizeof(l->text) - 1)
        return;
    int n = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, args);
    if (n > 0)
        l->len = l->len + (size_t)n < sizeof(l->text) ? l->len + (size_t)n
                                                      : sizeof(l->text) - 1;
}

/* First line of libcyaml's log, without the "Load: " prefix. */
static void cy_first_message(const struct cy_log *l, char *out, size_t outlen)
{
    const char *s = l->text;
    if (strncmp(s, "Load: ", 6) == 0)
        s += 6;
    size_t n = strcspn(s, "\n");
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Finds the field libcyaml complained about and its line. */
static unsigned cy_error_line(const struct cy_log *l, const struct ynode *root,
                              char *field, size_t fieldlen)
{
    static const char *const marks[] = {
        "Unexpected key: ", "Missing required mapping field: ", "in mapping field '",
        "in mapping field: "};
    field[0] = '\0';
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
        const char *p = strstr(l->text, marks[i]);
        if (!p)
            continue;
        p += strlen(marks[i]);
        size_t n = strcspn(p, "'\n ");
        if (n >= fieldlen)
            n = fieldlen - 1;
        memcpy(field, p, n);
        field[n] = '\0';
        if (i == 1)
            return root ? root->line : 1;
        return ytree_find_key_line(root, field);
    }
    return root ? root->line : 1;
}

static int read_file(const char *path, char **data, size_t *len, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ml_err(err, errlen, -errno, "%s: cannot open: %s", path,
                      strerror(errno));
    char *buf = malloc(SCEN_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, SCEN_FILE_MAX + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return -ENOMEM;
    if (bad || n > SCEN_FILE_MAX) {
        free(buf);
        return ml_err(err, errlen, -EINVAL, "%s: %s", path,
                      bad ? "read error" : "larger than 256 KiB");
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/*
 * Parses with ytree (syntax errors with lines), then loads with libcyaml
 * against schema (strict keys and types). On success *raw and *tree are set.
 */
static int load_two_ways(const char *name, const char *data, size_t len,
                         const cyaml_schema_value_t *schema, void **raw,
                         struct ynode **tree, char *err, size_t errlen)
{
    char msg[512];
    int rc = ytree_parse(data, len, tree, msg, sizeof(msg));
    if (rc)
        return ml_err(err, errlen, rc, "%s:%s", name,
                      msg + 5); /* "line N: x" -> "name:N: x" */
    if (!*tree || (*tree)->kind != YNODE_MAPPING)
        return ml_err(err, errlen, -EINVAL, "%s:%u: the document must be a mapping",
                      name, *tree ? (*tree)->line : 1);
    struct cy_log log = {{0}, 0};
    cyaml_config_t cfg = {.log_fn = cy_log_fn,
                          .log_ctx = &log,
                          .mem_fn = cyaml_mem,
                          .log_level = CYAML_LOG_ERROR,
                          .flags = CYAML_CFG_NO_ALIAS};
    cyaml_err_t cerr =
        cyaml_load_data((const uint8_t *)data, len, &cfg, schema, raw, NULL);
    if (cerr == CYAML_OK)
        return 0;
    char field[128], first[256];
    unsigned line = cy_error_line(&log, *tree, field, sizeof(field));
    cy_first_message(&log, first, sizeof(first));
    ytree_free(*tree);
    *tree = NULL;
    return ml_err(err, errlen, -EINVAL, "%s:%u: %s%s%s", name, line ? line : 1,
                  field[0] ? field : "", field[0] ? ": " : "",
                  first[0] ? first : cyaml_strerror(cerr));
}

static int in_list(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

static int valid_id(const char *id)
{
    if (!*id)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return 0;
    return 1;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static char **dup_list(char **src, unsigned n)
{
    char **out = calloc(n ? n : 1, sizeof(*out));
    for (unsigned i = 0; out && i < n; i++)
        out[i] = strdup(src[i]);
    return out;
}

/* Reads `expect:` (detector -> detect|miss) from the tree. */
static int load_expect(const char *name, const struct ynode *root, struct scenario *s,
                       char *err, size_t errlen)
{
    const struct ynode *e = ytree_get(root, "expect");
    if (!e)
        return 0;
    if (e->kind != YNODE_MAPPING)
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: expect: must be a mapping of "
                      "detector: detect|miss",
                      name, e->line);
    s->expect = calloc(e->n ? e->n : 1, sizeof(*s->expect));
    if (!s->expect)
        return -ENOMEM;
    for (size_t i = 0; i < e->n; i++) {
        const struct ynode *v = e->items[i];
        int detect = v->kind == YNODE_SCALAR && strcmp(v->value, "detect") == 0;
        int miss = v->kind == YNODE_SCALAR && strcmp(v->value, "miss") == 0;
        if (!detect && !miss)
            return ml_err(err, errlen, -EINVAL,
                          "%s:%u: expect.%s: must be detect or miss", name, v->line,
                          e->keys[i]);
        s->expect[i].detector = strdup(e->keys[i]);
        s->expect[i].detect = detect;
        s->expect_count++;
    }
    return 0;
}

static unsigned line_of(const struct ynode *root, const char *sect, const char *key)
{
    const struct ynode *m = sect ? ytree_get(root, sect) : root;
    unsigned l = ytree_key_line(m, key);
    return l ? l : (m ? m->line : 1);
}

/* The lab DNS answers only the names of its catalogue: any other name would
 * be NXDOMAIN in the run, so it is an error when the suite is loaded. */
static int check_pool_domain(const char *name, const struct ynode *root,
                             const char *domain, char *err, size_t errlen)
{
    struct pooldomains *cat = malloc(sizeof(*cat));
    char cerr[512];
    int rc = 0;
    unsigned line = line_of(root, "miner", "pool_domain");
    if (!cat)
        return -ENOMEM;
    const char *path = pooldomains_default_path();
    if (pooldomains_load(path, cat, cerr, sizeof(cerr)))
        rc = ml_err(err, errlen, -EINVAL, "%s:%u: miner.pool_domain: %s", name, line,
                    cerr);
    else if (!pooldomains_has(cat, domain))
        rc = ml_err(err, errlen, -EINVAL,
                    "%s:%u: miner.pool_domain: '%s' is not in the lab DNS catalogue %s",
                    name, line, domain, path);
    free(cat);
    return rc;
}

static int check_miner(const char *name, const struct ynode *root,
                       const struct raw_miner *m, char *err, size_t errlen)
{
    static const char *const modes[] = {"light", "fast", "auto", NULL};
    static const char *const transports[] = {"tcp", "tls", "ws", "wss", NULL};
    static const char *const configs[] = {"args", "file", "env", "stdin", NULL};
    if (m->duty && m->ramp)
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner.ramp: use either duty or ramp", name,
                      line_of(root, "miner", "ramp"));
    if (m->duty > 100 ||
        (!m->ramp && m->duty == 0 && ytree_key_line(ytree_get(root, "miner"), "duty")))
        return ml_err(err, errlen, -EINVAL, "%s:%u: miner.duty: %u is outside 1..100",
                      name, line_of(root, "miner", "duty"), m->duty);
    if (m->ramp && (m->ramp->from < 1 || m->ramp->from > 100 || m->ramp->to < 1 ||
                    m->ramp->to > 100 || m->ramp->seconds < 1))
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner.ramp: from/to must be 1..100 and seconds >= 1",
                      name, line_of(root, "miner", "ramp"));
    if (m->threads > 256)
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner.threads: %u is outside 1..256", name,
                      line_of(root, "miner", "threads"), m->threads);
    if (m->mode && !in_list(m->mode, modes))
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner.mode: '%s' is not light|fast|auto", name,
                      line_of(root, "miner", "mode"), m->mode);
    if (m->transport && !in_list(m->transport, transports))
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner.transport: '%s' is not tcp|tls|ws|wss", name,
                      line_of(root, "miner", "transport"), m->transport);
    if (m->config && !in_list(m->config, configs))
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner.config: '%s' is not args|file|env|stdin", name,
                      line_of(root, "miner", "config"), m->config);
    /* The lab pool's ports per transport (runner_labinet.c): 443 is mining disguised
     * as HTTPS. */
    const char *tr = m->transport ? m->transport : "tcp";
    unsigned pp = m->pool_port;
    int port_ok = !strcmp(tr, "tcp")   ? pp == 3333
                  : !strcmp(tr, "tls") ? pp == 443 || pp == 14433
                  : !strcmp(tr, "wss") ? pp == 8443
                                       : pp == 8080;
    if (pp && !port_ok)
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner.pool_port: %u is not a lab pool port for %s "
                      "(tcp 3333, tls 443 or 14433, ws 8080, wss 8443)",
                      name, line_of(root, "miner", "pool_port"), pp, tr);
    return m->pool_domain ? check_pool_domain(name, root, m->pool_domain, err, errlen)
                          : 0;
}

/* A fleet (type fleet) names its host count; no other type has one. Each
 * host is one namespace and one light-mode miner behind the NAT gateway
 * (harness/launch/fleetnet.sh: host addresses 10.201.0.11..110). */
static int check_fleet(const char *name, const struct ynode *root,
                       const struct raw_scenario *r, char *err, size_t errlen)
{
    int fleet = !strcmp(r->type, "fleet");
    if (!fleet && r->fleet)
        return ml_err(err, errlen, -EINVAL, "%s:%u: fleet: only for type fleet", name,
                      line_of(root, NULL, "fleet"));
    if (!fleet)
        return 0;
    if (strcmp(r->label, "malicious"))
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: type: a fleet is infected hosts (label: malicious)", name,
                      line_of(root, NULL, "label"));
    if (!r->fleet)
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: fleet: required for type fleet (fleet: {hosts: N})", name,
                      line_of(root, NULL, "type"));
    if (r->fleet->hosts < 1 || r->fleet->hosts > SCEN_FLEET_MAX)
        return ml_err(err, errlen, -EINVAL, "%s:%u: fleet.hosts: %u is outside 1..%d",
                      name, line_of(root, "fleet", "hosts"), r->fleet->hosts,
                      SCEN_FLEET_MAX);
    if (r->miner && r->miner->mode && strcmp(r->miner->mode, "light"))
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner.mode: a fleet's hosts mine in light mode (each "
                      "host is its own miner; fast mode needs 2.3 GiB per host)",
                      name, line_of(root, "miner", "mode"));
    return 0;
}

static int check_raw(const char *name, const struct ynode *root,
                     const struct raw_scenario *r, char *err, size_t errlen)
{
    static const char *const types[] = {"browser",  "binary", "supply-chain",
                                        "fileless", "cloud",  "benign",
                                        "gpu",      "fleet",  NULL};
    static const char *const labels[] = {"malicious", "benign", NULL};
    if (!valid_id(r->id))
        return ml_err(err, errlen, -EINVAL, "%s:%u: id: '%s' must match [a-z0-9-]+",
                      name, line_of(root, NULL, "id"), r->id);
    if (!in_list(r->type, types))
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: type: '%s' is not browser|binary|supply-chain|fileless|"
                      "cloud|benign|gpu|fleet",
                      name, line_of(root, NULL, "type"), r->type);
    if (!in_list(r->label, labels))
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: label: '%s' is not malicious|benign", name,
                      line_of(root, NULL, "label"), r->label);
    if (r->duration_s < 1 || r->duration_s > 3600)
        return ml_err(err, errlen, -EINVAL, "%s:%u: duration_s: %u is outside 1..3600",
                      name, line_of(root, NULL, "duration_s"), r->duration_s);
    int malicious = strcmp(r->label, "malicious") == 0;
    if (malicious && !r->miner)
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner: required for a malicious "
                      "scenario",
                      name, root->line);
    if (!malicious && r->miner)
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: miner: only for malicious scenarios", name,
                      line_of(root, NULL, "miner"));
    /* A scenario directory runs as code (scenarios/README.md): the launcher
     * is a bare name resolved as harness/launch/<name>.sh, and `command:`,
     * run with sh -c, is only for benign workloads. */
    if (r->launcher && !valid_id(r->launcher))
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: launcher: '%s' must match [a-z0-9-]+ (a script in "
                      "harness/launch/)",
                      name, line_of(root, NULL, "launcher"), r->launcher);
    if (malicious && r->command)
        return ml_err(err, errlen, -EINVAL,
                      "%s:%u: command: only for benign scenarios (a malicious one "
                      "runs the lab miner through its launcher)",
                      name, line_of(root, NULL, "command"));
    int rc = check_fleet(name, root, r, err, errlen);
    if (rc)
        return rc;
    return r->miner ? check_miner(name, root, r->miner, err, errlen) : 0;
}

static int copy_raw(const struct raw_scenario *r, struct scenario *s)
{
    s->id = strdup(r->id);
    s->title = strdup(r->title ? r->title : r->id);
    s->type = strdup(r->type);
    s->label = strdup(r->label);
    s->launcher = strdup(r->launcher ? r->launcher : r->type);
    s->command = dup_or_null(r->command);
    s->attack = dup_list(r->attack, r->attack_count);
    s->attack_count = r->attack_count;
    s->requires = dup_list(r->requires, r->requires_count);
    s->requires_count = r->requires_count;
    s->duration_s = r->duration_s;
    s->fleet_hosts = r->fleet ? r->fleet->hosts : 0;
    if (r->miner) {
        const struct raw_miner *m = r->miner;
        s->has_miner = 1;
        s->miner.threads = m->threads ? m->threads : 1;
        s->miner.duty_pct = m->ramp ? 0 : (m->duty ? m->duty : 100);
        if (m->ramp) {
            s->miner.has_ramp = 1;
            s->miner.ramp =
                (struct scen_ramp){m->ramp->from, m->ramp->to, m->ramp->seconds};
        }
        s->miner.mode = strdup(m->mode ? m->mode : "light");
        s->miner.transport = strdup(m->transport ? m->transport : "tcp");
        s->miner.name = dup_or_null(m->name);
        s->miner.config = strdup(m->config ? m->config : "args");
        s->miner.pool_domain =
            strdup(m->pool_domain ? m->pool_domain : SCEN_DEFAULT_POOL_DOMAIN);
        s->miner.pool_port = m->pool_port;
    }
    if (!s->id || !s->title || !s->type || !s->label || !s->launcher || !s->attack ||
        !s->requires)
        return -ENOMEM;
    return 0;
}

int scenario_load_data(const char *name, const char *data, size_t len,
                       struct scenario **out, char *err, size_t errlen)
{
    struct raw_scenario *raw = NULL;
    struct ynode *tree = NULL;
    struct scenario *s = NULL;
    cyaml_config_t cfg = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR};
    int rc = load_two_ways(name, data, len, &scenario_schema, (void **)&raw, &tree, err,
                           errlen);
    if (rc)
        goto out;
    rc = check_raw(name, tree, raw, err, errlen);
    if (rc)
        goto out;
    rc = -ENOMEM;
    if (!(s = calloc(1, sizeof(*s))) || !(s->path = strdup(name)))
        goto out;
    rc = copy_raw(raw, s);
    if (!rc)
        rc = load_expect(name, tree, s, err, errlen);
out:
    if (raw)
        cyaml_free(&cfg, &scenario_schema, raw, 0);
    ytree_free(tree);
    if (rc) {
        scenario_free(s);
        s = NULL;
        if (rc == -ENOMEM && err && !err[0])
            ml_err(err, errlen, rc, "%s: out of memory", name);
    }
    *out = s;
    return rc;
}

int scenario_load(const char *path, struct scenario **out, char *err, size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    int rc = read_file(path, &data, &len, err, errlen);
    if (rc)
        return rc;
    rc = scenario_load_data(path, data, len, out, err, errlen);
    free(data);
    return rc;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        free(l[i]);
    free(l);
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->id);
    free(s->title);
    free(s->type);
    free(s->label);
    free(s->launcher);
    free(s->command);
    free_list(s->attack, s->attack_count);
    free_list(s->requires, s->requires_count);
    free(s->miner.mode);
    free(s->miner.transport);
    free(s->miner.pool_domain);
    free(s->miner.name);
    free(s->miner.config);
    for (size_t i = 0; i < s->expect_count; i++)
        free(s->expect[i].detector);
    free(s->expect);
    free(s);
}

int scenario_is_malicious(const struct scenario *s)
{
    return strcmp(s->label, "malicious") == 0;
}

int scenario_requires(const struct scenario *s, const char *word)
{
    for (size_t i = 0; i < s->requires_count; i++)
        if (strcmp(s->requires[i], word) == 0)
            return 1;
    return 0;
}

unsigned scenario_nominal_duty(const struct scenario *s)
{
    if (!s->has_miner)
        return 100;
    return s->miner.has_ramp ? s->miner.ramp.from_pct : s->miner.duty_pct;
}

int scenario_expect(const struct scenario *s, const char *detector)
{
    for (size_t i = 0; i < s->expect_count; i++)
        if (strcmp(s->expect[i].detector, detector) == 0)
            return s->expect[i].detect;
    return -1;
}

int suite_load(const char *path, struct suite **out, char *err, size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = read_file(path, &data, &len, err, errlen);
    if (!rc)
        rc = suite_load_data(path, data, len, out, err, errlen);
    free(data);
    return rc;
}

int suite_load_data(const char *path, const char *data, size_t len, struct suite **out,
                    char *err, size_t errlen)
{
    struct raw_suite *raw = NULL;
    struct ynode *tree = NULL;
    struct suite *s = NULL;
    cyaml_config_t cfg = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR};
    *out = NULL;
    int rc = load_two_ways(path, data, len, &suite_schema, (void **)&raw, &tree, err,
                           errlen);
    if (rc)
        goto out;
    const struct ynode *ids = ytree_get(tree, "scenarios");
    for (unsigned i = 0; i < raw->scenarios_count; i++) {
        if (!valid_id(raw->scenarios[i])) {
            rc = ml_err(err, errlen, -EINVAL,
                        "%s:%u: scenarios: '%s' is not a scenario id", path,
                        ids && i < ids->n ? ids->items[i]->line : 1, raw->scenarios[i]);
            goto out;
        }
    }
    if (raw->malicious_mode && strcmp(raw->malicious_mode, "light") &&
        strcmp(raw->malicious_mode, "fast")) {
        rc = ml_err(err, errlen, -EINVAL, "%s: malicious_mode: '%s' is not light|fast",
                    path, raw->malicious_mode);
        goto out;
    }
    rc = -ENOMEM;
    if (!(s = calloc(1, sizeof(*s))))
        goto out;
    if (raw->malicious_mode && !(s->malicious_mode = strdup(raw->malicious_mode)))
        goto out;
    s->path = strdup(path);
    s->name = strdup(raw->name);
    s->description = strdup(raw->description ? raw->description : "");
    s->ids = dup_list(raw->scenarios, raw->scenarios_count);
    s->id_count = raw->scenarios_count;
    s->pool_diff = raw->pool_diff;
    if (s->path && s->name && s->description && s->ids)
        rc = 0;
out:
    if (raw)
        cyaml_free(&cfg, &suite_schema, raw, 0);
    ytree_free(tree);
    if (rc) {
        suite_free(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

void suite_free(struct suite *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->name);
    free(s->description);
    free(s->malicious_mode);
    free_list(s->ids, s->id_count);
    free(s);
}
