#include "linereader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"

void linereader_init(struct linereader *lr, size_t max_line)
{
    memset(lr, 0, sizeof(*lr));
    lr->max_line = max_line ? max_line : LINEREADER_DEFAULT_MAX;
}

void linereader_drop_long(struct linereader *lr)
{
    lr->drop_long = 1;
}

void linereader_on_long(struct linereader *lr, linereader_cb cb)
{
    lr->on_long = cb;
}

void linereader_free(struct linereader *lr)
{
    free(lr->buf);
    lr->buf = NULL;
    lr->len = lr->cap = 0;
    lr->skipping = 0;
}

/* Grows the buffer geometrically so that a slow sender costs O(n). */
static int reserve(struct linereader *lr, size_t need)
{
    if (need <= lr->cap)
        return 0;
    size_t cap = lr->cap ? lr->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(lr->buf, cap);
    if (!p)
        return -ENOMEM;
    lr->buf = p;
    lr->cap = cap;
    return 0;
}

static int emit(struct linereader *lr, char *line, size_t len, linereader_cb cb,
                void *ud)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    return cb(ud, line, len);
}

int linereader_feed(struct linereader *lr, const char *data, size_t len,
                    linereader_cb cb, void *ud, char *err, size_t errlen)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t chunk = nl ? (size_t)(nl - data) : len;
        if (lr->skipping || (lr->drop_long && lr->len + chunk > lr->max_line)) {
            if (!lr->skipping && lr->on_long && reserve(lr, lr->max_line + 1) == 0) {
                memcpy(lr->buf + lr->len, data, lr->max_line - lr->len);
                lr->buf[lr->max_line] = '\0';
                lr->on_long(ud, lr->buf, lr->max_line);
            }
            lr->dropped += !lr->skipping;
            lr->len = 0;
            lr->skipping = !nl;
            if (!nl)
                break;
            data += chunk + 1;
            len -= chunk + 1;
            continue;
        }
        if (lr->len + chunk > lr->max_line) {
            lr->len = 0;
            return ml_err(err, errlen, -EMSGSIZE, "line longer than %zu bytes",
                          lr->max_line);
        }
        if (nl && lr->len == 0) {
            /* Fast path: the whole line is in this read; copy only to
             * NUL-terminate it in our own buffer. */
            if (reserve(lr, chunk + 1))
                return -ENOMEM;
            memcpy(lr->buf, data, chunk);
            int rc = emit(lr, lr->buf, chunk, cb, ud);
            if (rc)
                return rc;
        } else {
            if (reserve(lr, lr->len + chunk + 1))
                return -ENOMEM;
            memcpy(lr->buf + lr->len, data, chunk);
            lr->len += chunk;
            if (nl) {
                size_t n = lr->len;
                lr->len = 0;
                int rc = emit(lr, lr->buf, n, cb, ud);
                if (rc)
                    return rc;
            }
        }
        if (!nl)
            break;
        data += chunk + 1;
        len -= chunk + 1;
    }
    return 0;
}

int linereader_flush(struct linereader *lr, linereader_cb cb, void *ud)
{
    size_t n = lr->len;
    int skipping = lr->skipping;
    lr->len = 0;
    lr->skipping = 0;
    if (skipping || n == 0)
        return 0;
    return emit(lr, lr->buf, n, cb, ud);
}
