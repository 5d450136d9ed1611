/*
 * Fuzz target: WebSocket framing and HTTP heads. The first byte picks the
 * parser side (server requires masking, client forbids it) and the split
 * point; the rest is fed to an HTTP head parser and to the frame parser in
 * two pieces.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httphead.h"
#include "ws.h"

static int on_msg(void *ud, enum ws_opcode op, char *p, size_t len)
{
    /* Touch every byte so ASan sees out-of-bounds lengths. */
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += (unsigned char)p[i];
    *(volatile unsigned *)ud = sum;
    return p[len] != '\0'; /* payloads are NUL-terminated */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int server = data[0] & 1;
    struct http_head h;
    char err[160];
    http_head_parse((const char *)data + 1, size - 1, server ? 0 : 1, &h, err,
                    sizeof(err));
    struct ws_parser p;
    unsigned sink = 0;
    ws_parser_init(&p, server, 4096);
    size_t split = size > 1 ? 1 + data[0] % (size - 1) : 1;
    int rc = ws_parser_feed(&p, data + 1, split - 1, on_msg, &sink, err, sizeof(err));
    if (rc == 0)
        rc = ws_parser_feed(&p, data + split, size - split, on_msg, &sink, err,
                            sizeof(err));
    if (rc > 0)
        abort(); /* a payload was not NUL-terminated */
    ws_parser_free(&p);
    return 0;
}
