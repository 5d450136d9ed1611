#include "ytree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ml_util.h"

/* Nesting deeper than this is not a scenario file; refuse instead of recursing. */
#define YTREE_MAX_DEPTH 32

struct yparser {
    yaml_parser_t p;
    char *err;
    size_t errlen;
};

static struct ynode *node_new(enum ynode_kind kind, unsigned line)
{
    struct ynode *n = calloc(1, sizeof(*n));
    if (n) {
        n->kind = kind;
        n->line = line;
    }
    return n;
}

void ytree_free(struct ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        ytree_free(n->items[i]);
        if (n->keys)
            free(n->keys[i]);
    }
    free(n->items);
    free(n->keys);
    free(n->key_lines);
    free(n->value);
    free(n);
}

static int next_event(struct yparser *yp, yaml_event_t *ev)
{
    if (yaml_parser_parse(&yp->p, ev))
        return 0;
    return ml_err(yp->err, yp->errlen, -EINVAL, "line %lu: malformed YAML: %s",
                  (unsigned long)yp->p.problem_mark.line + 1,
                  yp->p.problem ? yp->p.problem : "syntax error");
}

static int push_item(struct ynode *parent, struct ynode *child, char *key,
                     unsigned key_line)
{
    size_t n = parent->n + 1;
    struct ynode **items = realloc(parent->items, n * sizeof(*items));
    if (!items)
        return -ENOMEM;
    parent->items = items;
    if (parent->kind == YNODE_MAPPING) {
        char **keys = realloc(parent->keys, n * sizeof(*keys));
        if (!keys)
            return -ENOMEM;
        parent->keys = keys;
        unsigned *kl = realloc(parent->key_lines, n * sizeof(*kl));
        if (!kl)
            return -ENOMEM;
        parent->key_lines = kl;
        keys[parent->n] = key;
        kl[parent->n] = key_line;
    }
    items[parent->n] = child;
    parent->n = n;
    return 0;
}

static int parse_node(struct yparser *yp, yaml_event_t *ev, int depth,
                      struct ynode **out);

/* Reads children until the closing event of a mapping or sequence. */
static int parse_children(struct yparser *yp, struct ynode *n, int depth)
{
    yaml_event_type_t end =
        n->kind == YNODE_MAPPING ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t ev;
        int rc = next_event(yp, &ev);
        if (rc)
            return rc;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            return 0;
        }
        char *key = NULL;
        unsigned key_line = 0;
        if (n->kind == YNODE_MAPPING) {
            if (ev.type != YAML_SCALAR_EVENT) {
                rc = ml_err(yp->err, yp->errlen, -EINVAL,
                            "line %lu: mapping keys must be plain scalars",
                            (unsigned long)ev.start_mark.line + 1);
                yaml_event_delete(&ev);
                return rc;
            }
            key = strdup((const char *)ev.data.scalar.value);
            key_line = (unsigned)ev.start_mark.line + 1;
            yaml_event_delete(&ev);
            if (!key)
                return -ENOMEM;
            rc = next_event(yp, &ev);
            if (rc) {
                free(key);
                return rc;
            }
        }
        struct ynode *child = NULL;
        rc = parse_node(yp, &ev, depth + 1, &child);
        yaml_event_delete(&ev);
        if (!rc)
            rc = push_item(n, child, key, key_line);
        if (rc) {
            ytree_free(child);
            free(key);
            return rc;
        }
    }
}

static int parse_node(struct yparser *yp, yaml_event_t *ev, int depth,
                      struct ynode **out)
{
    unsigned line = (unsigned)ev->start_mark.line + 1;
    if (depth > YTREE_MAX_DEPTH)
        return ml_err(yp->err, yp->errlen, -EINVAL, "line %u: nesting too deep", line);
    struct ynode *n = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = node_new(YNODE_SCALAR, line);
        if (!n || !(n->value = strdup((const char *)ev->data.scalar.value))) {
            ytree_free(n);
            return -ENOMEM;
        }
        *out = n;
        return 0;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT: {
        n = node_new(ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAPPING
                                                          : YNODE_SEQUENCE,
                     line);
        if (!n)
            return -ENOMEM;
        int rc = parse_children(yp, n, depth);
        if (rc) {
            ytree_free(n);
            return rc;
        }
        *out = n;
        return 0;
    }
    case YAML_ALIAS_EVENT:
        return ml_err(yp->err, yp->errlen, -EINVAL,
                      "line %u: YAML aliases are not allowed", line);
    default:
        return ml_err(yp->err, yp->errlen, -EINVAL, "line %u: unexpected YAML event",
                      line);
    }
}

int ytree_parse(const char *data, size_t len, struct ynode **out, char *err,
                size_t errlen)
{
    struct yparser yp = {.err = err, .errlen = errlen};
    struct ynode *root = NULL;
    int rc = 0;
    *out = NULL;
    if (!yaml_parser_initialize(&yp.p))
        return -ENOMEM;
    yaml_parser_set_input_string(&yp.p, (const unsigned char *)data, len);
    for (;;) {
        yaml_event_t ev;
        rc = next_event(&yp, &ev);
        if (rc)
            goto out;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT ||
            t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT) {
            if (root) {
                yaml_event_delete(&ev);
                rc = ml_err(err, errlen, -EINVAL, "line %lu: more than one document",
                            (unsigned long)ev.start_mark.line + 1);
                goto out;
            }
            rc = parse_node(&yp, &ev, 0, &root);
        }
        yaml_event_delete(&ev);
        if (rc)
            goto out;
    }
out:
    yaml_parser_delete(&yp.p);
    if (rc)
        ytree_free(root);
    else
        *out = root;
    return rc;
}

struct ynode *ytree_get(const struct ynode *n, const char *key)
{
    if (!n || n->kind != YNODE_MAPPING)
        return NULL;
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->keys[i], key) == 0)
            return n->items[i];
    return NULL;
}

unsigned ytree_key_line(const struct ynode *n, const char *key)
{
    if (!n || n->kind != YNODE_MAPPING)
        return 0;
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->keys[i], key) == 0)
            return n->key_lines[i];
    return 0;
}

unsigned ytree_find_key_line(const struct ynode *n, const char *key)
{
    if (!n)
        return 0;
    unsigned l = ytree_key_line(n, key);
    if (l)
        return l;
    for (size_t i = 0; i < n->n; i++)
        if ((l = ytree_find_key_line(n->items[i], key)))
            return l;
    return 0;
}
