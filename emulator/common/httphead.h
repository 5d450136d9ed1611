/*
 * httphead — just enough HTTP/1.1 for the lab: parse one request or response
 * head (bounded), find the headers the WebSocket upgrade, the static page
 * server and the small JSON APIs need, and format simple responses.
 * Pure functions, any thread.
 */
#ifndef HTTPHEAD_H
#define HTTPHEAD_H

#include <stddef.h>

#define HTTPHEAD_MAX 8192 /* bytes of one head, incl. the blank line */

struct http_head {
    char method[16];    /* requests */
    char path[512];     /* requests; query string kept */
    int status;         /* responses */
    char ws_key[64];    /* Sec-WebSocket-Key */
    char ws_accept[64]; /* Sec-WebSocket-Accept */
    char authorization[256];
    int upgrade_websocket; /* Upgrade: websocket and Connection: upgrade */
    long content_length;   /* -1 when absent */
    size_t head_len;       /* bytes of the head incl. "\r\n\r\n" */
};

/*
 * Looks for a complete head in buf[0..len). Returns 1 and fills h when one
 * is there, 0 when more bytes are needed, -EMSGSIZE when len already passes
 * HTTPHEAD_MAX without a head, -EINVAL (with reason) on a malformed head.
 * is_response selects "HTTP/1.1 101 ..." parsing.
 */
int http_head_parse(const char *buf, size_t len, int is_response, struct http_head *h,
                    char *err, size_t errlen);
/* A complete response with Content-Length and Connection: keep-alive or
 * close; malloc'd, *outlen set. */
char *http_response(int status, const char *content_type, const void *body,
                    size_t body_len, int keep_alive, size_t *outlen);
/* Reason phrase for the few statuses used. */
const char *http_reason(int status);
/* Content type from a file name's extension. */
const char *http_mime_type(const char *path);

#endif
