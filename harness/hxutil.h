/*
 * hxutil — small helpers private to the harness.
 *
 * hx_fmt is snprintf for paths and messages whose truncation is acceptable
 * (the result is always NUL-terminated); it returns what snprintf returns.
 * Going through one out-of-line function keeps -Wformat-truncation quiet
 * where a cut-off message is harmless, without dropping -Wformat checks.
 */
#ifndef HX_UTIL_H
#define HX_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

int hx_fmt(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Makes a finished temporary file durable and puts it in place: fsync(tmp),
 * rename(tmp, path), fsync of the directory. 0 or -errno (tmp removed). */
int hx_durable_rename(const char *tmp, const char *path);

/* Writes doc to tmp with json_dump_file's flags, then hx_durable_rename to
 * path: the file is whole or not there. 0 or -errno (tmp removed). */
int hx_write_json(json_t *doc, const char *tmp, const char *path, size_t flags);

/* Writes s (NULL = nothing) escaped for XML and HTML text and attribute
 * values: & < > " ' become entities. Used by the SVG, HTML and JUnit writers. */
void hx_xml_escape(FILE *f, const char *s);

#endif
