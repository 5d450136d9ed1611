/*
 * sigma — a Sigma rule engine: loads rules (YAML, one rule a file) from a
 * directory, compiles their detection sections and evaluates them on events
 * the detectors collect (process creation, auditd records, network
 * connections, DNS queries).
 *
 * Supported: logsources linux/process_creation, linux/auditd (service or
 * category), linux/network_connection and category dns; field modifiers
 * contains, startswith, endswith, all, re, base64, base64offset, cidr,
 * windash, exists; keyword lists; null values; plain values with the * and ?
 * wildcards (case-insensitive, as Sigma defines them); conditions with and,
 * or, not, parentheses, "1 of X", "any of X", "all of X" and "them", X a
 * selection name with * wildcards. A rule using anything else (aggregations,
 * correlations, other logsources, unknown modifiers) is skipped with one
 * "file: reason" line; the other rules still load.
 *
 * Threads: a rule set is read-only after loading; evaluation needs no lock.
 */
#ifndef SIGMA_H
#define SIGMA_H

#include <stddef.h>

/* The kinds of event the collectors produce; a rule applies to one kind. */
enum sigma_kind {
    SIGMA_PROCESS_CREATION,
    SIGMA_AUDITD,
    SIGMA_NETWORK_CONNECTION,
    SIGMA_DNS,
    SIGMA_NKINDS
};

/* One field of an event: name (as Sigma rules spell it) and its value. */
struct sigma_field {
    const char *name;
    const char *value;
};

#define SIGMA_MAX_FIELDS 48

/* An event: a kind and up to SIGMA_MAX_FIELDS fields (borrowed strings). */
struct sigma_event {
    enum sigma_kind kind;
    size_t n;
    struct sigma_field f[SIGMA_MAX_FIELDS];
};

/* Appends a field (ignored when the event is full or value is NULL). */
void sigma_event_add(struct sigma_event *ev, const char *name, const char *value);
/* The value of the field called name (case-insensitive), or NULL. */
const char *sigma_event_get(const struct sigma_event *ev, const char *name);
const char *sigma_kind_name(enum sigma_kind k);

struct sigma_rule;
struct sigma_ruleset;

/*
 * Loads one rule from YAML text (path names it in messages). 0 and *out, or
 * -EINVAL / -ENOTSUP with "path: reason" in err (-ENOTSUP: valid Sigma that
 * this engine cannot evaluate; the reason names the construct).
 */
int sigma_rule_parse(const char *path, const char *yaml, size_t len,
                     struct sigma_rule **out, char *err, size_t errlen);
void sigma_rule_free(struct sigma_rule *r);
/* 1 when the rule matches the event (the event kind must be the rule's). */
int sigma_rule_match(const struct sigma_rule *r, const struct sigma_event *ev);
enum sigma_kind sigma_rule_kind(const struct sigma_rule *r);
const char *sigma_rule_title(const struct sigma_rule *r);
const char *sigma_rule_id(const struct sigma_rule *r);    /* "" when none */
const char *sigma_rule_level(const struct sigma_rule *r); /* "" when none */
/* A score from the level: critical 1, high 0.8, medium 0.6, low 0.4, else 0.2. */
double sigma_rule_score(const struct sigma_rule *r);

/*
 * Loads every *.yml / *.yaml file of dir (not recursing; sorted by name).
 * Each skipped rule is reported through skip(ctx, "file: reason") (may be
 * NULL). Returns 0 with *out (possibly holding no rule), or -errno when dir
 * cannot be read (err says why).
 */
int sigma_ruleset_load(const char *dir, struct sigma_ruleset **out,
                       void (*skip)(void *ctx, const char *line), void *ctx, char *err,
                       size_t errlen);
void sigma_ruleset_free(struct sigma_ruleset *s);
size_t sigma_ruleset_count(const struct sigma_ruleset *s);
size_t sigma_ruleset_skipped(const struct sigma_ruleset *s);
const struct sigma_rule *sigma_ruleset_rule(const struct sigma_ruleset *s, size_t i);
/* Rules loaded for kind k. */
size_t sigma_ruleset_count_kind(const struct sigma_ruleset *s, enum sigma_kind k);

/*
 * Evaluates every rule of the event's kind: calls hit(ctx, rule, ev) for each
 * match. Returns the number of matches.
 */
size_t sigma_ruleset_eval(const struct sigma_ruleset *s, const struct sigma_event *ev,
                          void (*hit)(void *ctx, const struct sigma_rule *r,
                                      const struct sigma_event *ev),
                          void *ctx);

#endif
