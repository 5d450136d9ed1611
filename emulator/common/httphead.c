#include "httphead.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ml_util.h"

/* Copies a header value (trimmed) into dst when the name matches. */
static int header_is(const char *line, size_t len, const char *name, char *dst,
                     size_t cap)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return 0;
    const char *v = line + n + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vl = (size_t)(end - v);
    if (vl >= cap)
        vl = cap - 1;
    memcpy(dst, v, vl);
    dst[vl] = '\0';
    return 1;
}

static int parse_first_line(const char *l, size_t len, int is_response,
                            struct http_head *h, char *err, size_t errlen)
{
    char line[600];
    if (len >= sizeof(line))
        return ml_err(err, errlen, -EINVAL, "HTTP request line too long");
    memcpy(line, l, len);
    line[len] = '\0';
    if (is_response) {
        if (sscanf(line, "HTTP/1.%*d %d", &h->status) != 1)
            return ml_err(err, errlen, -EINVAL, "bad HTTP status line");
        return 0;
    }
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || (size_t)(sp1 - line) >= sizeof(h->method) ||
        (size_t)(sp2 - sp1 - 1) >= sizeof(h->path) || strncmp(sp2 + 1, "HTTP/1.", 7))
        return ml_err(err, errlen, -EINVAL, "bad HTTP request line");
    memcpy(h->method, line, (size_t)(sp1 - line));
    memcpy(h->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    return 0;
}

int http_head_parse(const char *buf, size_t len, int is_response, struct http_head *h,
                    char *err, size_t errlen)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end)
        return len >= HTTPHEAD_MAX ? ml_err(err, errlen, -EMSGSIZE,
                                            "HTTP head over %d bytes", HTTPHEAD_MAX)
                                   : 0;
    if ((size_t)(end - buf) + 4 > HTTPHEAD_MAX)
        return ml_err(err, errlen, -EMSGSIZE, "HTTP head over %d bytes", HTTPHEAD_MAX);
    memset(h, 0, sizeof(*h));
    h->content_length = -1;
    h->head_len = (size_t)(end - buf) + 4;
    const char *p = buf;
    const char *nl = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
    int rc = parse_first_line(p, (size_t)(nl - p), is_response, h, err, errlen);
    if (rc)
        return rc;
    int upgrade = 0, connection_upgrade = 0;
    for (p = nl + 2; p < end + 2; p = nl + 2) {
        nl = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
        size_t ll = (size_t)(nl - p);
        char v[256];
        if (header_is(p, ll, "Upgrade", v, sizeof(v)))
            upgrade = strcasecmp(v, "websocket") == 0;
        else if (header_is(p, ll, "Connection", v, sizeof(v)))
            connection_upgrade = strcasestr(v, "upgrade") != NULL;
        else if (header_is(p, ll, "Content-Length", v, sizeof(v))) {
            if (ml_parse_long(v, 0, 1L << 30, &h->content_length))
                return ml_err(err, errlen, -EINVAL, "bad Content-Length");
        } else if (!header_is(p, ll, "Sec-WebSocket-Key", h->ws_key,
                              sizeof(h->ws_key)) &&
                   !header_is(p, ll, "Sec-WebSocket-Accept", h->ws_accept,
                              sizeof(h->ws_accept)))
            header_is(p, ll, "Authorization", h->authorization,
                      sizeof(h->authorization));
    }
    h->upgrade_websocket = upgrade && connection_upgrade;
    return 1;
}

const char *http_reason(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    default:
        return "Error";
    }
}

char *http_response(int status, const char *content_type, const void *body,
                    size_t body_len, int keep_alive, size_t *outlen)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: %s\r\n\r\n",
                     status, http_reason(status), content_type, body_len,
                     keep_alive ? "keep-alive" : "close");
    char *out = malloc((size_t)n + body_len);
    if (!out)
        return NULL;
    memcpy(out, head, (size_t)n);
    if (body_len)
        memcpy(out + n, body, body_len);
    *outlen = (size_t)n + body_len;
    return out;
}

const char *http_mime_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript"},
                 {".css", "text/css"},
                 {".json", "application/json"},
                 {".wasm", "application/wasm"},
                 {".png", "image/png"},
                 {".svg", "image/svg+xml"}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}
