/*
 * Fuzz target: the HTTP head parser alone, as a request and as a response,
 * fed whole and then growing byte by byte the way a socket delivers it, and
 * the reply builder on what was parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httphead.h"

static void check(const struct http_head *h, size_t len, int rc)
{
    if (rc <= 0)
        return;
    /* A complete head: its length lies inside the input and every string
     * field is NUL-terminated within its buffer. */
    if (h->head_len == 0 || h->head_len > len)
        abort();
    if (strnlen(h->method, sizeof(h->method)) == sizeof(h->method) ||
        strnlen(h->path, sizeof(h->path)) == sizeof(h->path) ||
        strnlen(h->ws_key, sizeof(h->ws_key)) == sizeof(h->ws_key) ||
        strnlen(h->ws_accept, sizeof(h->ws_accept)) == sizeof(h->ws_accept) ||
        strnlen(h->authorization, sizeof(h->authorization)) == sizeof(h->authorization))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_head h;
    char err[160];
    for (int resp = 0; resp < 2; resp++) {
        int rc = http_head_parse((const char *)data, size, resp, &h, err, sizeof(err));
        check(&h, size, rc);
        /* Growing prefixes: a head is never complete before it is whole. */
        for (size_t n = 1; n < size && n < 512; n += 1 + n / 8) {
            int p = http_head_parse((const char *)data, n, resp, &h, err, sizeof(err));
            check(&h, n, p);
        }
    }
    if (http_head_parse((const char *)data, size, 0, &h, err, sizeof(err)) > 0) {
        size_t n;
        char *r = http_response(200, http_mime_type(h.path), data, size, 0, &n);
        free(r);
    }
    return 0;
}
