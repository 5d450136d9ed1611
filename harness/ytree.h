/*
 * ytree — a small YAML document tree with line numbers, built with libyaml.
 *
 * libcyaml loads scenario files into structs but reports no line numbers and
 * cannot hold mappings with free-form keys (a scenario's `expect:`). ytree
 * parses the same bytes once more into nodes that remember their line, so
 * every loading error can name file, line and field.
 *
 * Not thread-safe per tree; separate trees are independent.
 */
#ifndef HX_YTREE_H
#define HX_YTREE_H

#include <stddef.h>

enum ynode_kind { YNODE_SCALAR, YNODE_MAPPING, YNODE_SEQUENCE };

struct ynode {
    enum ynode_kind kind;
    unsigned line;        /* 1-based line of the node's first token */
    char *value;          /* scalar text (YNODE_SCALAR only), owned */
    char **keys;          /* mapping keys, owned (YNODE_MAPPING) */
    unsigned *key_lines;  /* line of each key */
    struct ynode **items; /* mapping values or sequence items, owned */
    size_t n;             /* number of items */
};

/*
 * Parses a YAML document from data (len bytes). On success *out owns the root
 * (NULL for an empty document) and 0 is returned. On a syntax error returns
 * -EINVAL and writes "line N: problem" into err.
 */
int ytree_parse(const char *data, size_t len, struct ynode **out, char *err,
                size_t errlen);

/* Frees a tree; NULL is fine. */
void ytree_free(struct ynode *n);

/* Value of key in a mapping (NULL when absent or n is not a mapping). */
struct ynode *ytree_get(const struct ynode *n, const char *key);

/* Line of key in a mapping, 0 when absent. */
unsigned ytree_key_line(const struct ynode *n, const char *key);

/*
 * Line where a key named `key` first appears anywhere in the tree (depth
 * first), 0 when absent. Used to place libcyaml's "unexpected key" errors.
 */
unsigned ytree_find_key_line(const struct ynode *n, const char *key);

#endif
