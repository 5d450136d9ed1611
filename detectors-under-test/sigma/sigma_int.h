/*
 * Internals shared by the Sigma engine's files (rule loading, value
 * matching, condition parsing). Not for detectors: use sigma.h.
 */
#ifndef SIGMA_INT_H
#define SIGMA_INT_H

#include <regex.h>
#include <stdint.h>

#include "sigma.h"

enum sigma__vtype { SV_GLOB, SV_RE, SV_CIDR, SV_NULL, SV_EXISTS };

/* One compiled alternative of a value. */
struct sigma__alt {
    enum sigma__vtype type;
    char *glob; /* SV_GLOB: pattern with Sigma's * ? \ escapes */
    int cased;  /* SV_GLOB: case-sensitive (the "cased" modifier) */
    regex_t re; /* SV_RE */
    int family; /* SV_CIDR: AF_INET / AF_INET6 */
    uint8_t net[16];
    int prefix;
    int exists; /* SV_EXISTS: 1 = must exist */
};

/* One value as written in the rule: any of its alternatives matches. */
struct sigma__value {
    struct sigma__alt *alt;
    size_t nalt;
};

/* "Field|mods: values" (field NULL for keywords: any field's value). */
struct sigma__fieldsel {
    char *field;
    int all; /* every value must match (the "all" modifier) */
    struct sigma__value *v;
    size_t nv;
};

/* A conjunction of field selections (one YAML map). */
struct sigma__conj {
    struct sigma__fieldsel *f;
    size_t n;
};

/* A named selection: any of its maps matches (a list of maps is an OR). */
struct sigma__selection {
    char *name;
    struct sigma__conj *c;
    size_t nc;
};

enum sigma__op { SN_SEL, SN_AND, SN_OR, SN_NOT };
struct sigma__node {
    enum sigma__op op;
    size_t sel;
    struct sigma__node *a, *b;
};

struct sigma_rule {
    char *path, *title, *id, *level;
    enum sigma_kind kind;
    struct sigma__selection *sel;
    size_t nsel;
    struct sigma__node *cond;
};

/*
 * Compiles the values of one "Field|mods" key: mods is the "|"-separated
 * modifier list (may be empty), vals/nvals the raw strings (NULL = YAML null).
 * 0, -EINVAL (unknown modifier, bad regex or CIDR) or -ENOTSUP, reason in err.
 */
int sigma__compile_field(struct sigma__fieldsel *fs, const char *mods,
                         const char *const *vals, size_t nvals, char *err,
                         size_t errlen);
void sigma__fieldsel_free(struct sigma__fieldsel *fs);
int sigma__fieldsel_match(const struct sigma__fieldsel *fs,
                          const struct sigma_event *ev);
/* Sigma's wildcard match: * and ? with \ escapes; case-insensitive unless cased. */
int sigma__glob(const char *pat, const char *s, int cased);

/*
 * Parses a condition over the rule's selections into a tree (*out).
 * 0, -EINVAL (does not parse, names an unknown selection) or -ENOTSUP
 * (aggregations, near), reason in err.
 */
int sigma__cond_parse(const char *cond, const struct sigma_rule *r,
                      struct sigma__node **out, char *err, size_t errlen);
void sigma__node_free(struct sigma__node *n);
int sigma__node_eval(const struct sigma__node *n, const struct sigma_rule *r,
                     const struct sigma_event *ev);

#endif
