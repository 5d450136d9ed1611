/* RFC 6455 framing: accept key, masking, fragmentation, control frames,
 * oversize and protocol errors; also the HTTP head parser used by upgrades. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "httphead.h"
#include "ws.h"

struct got {
    int op[8];
    char msg[8][256];
    size_t len[8];
    int n;
};

static int collect(void *ud, enum ws_opcode op, char *p, size_t len)
{
    struct got *g = ud;
    if (g->n < 8) {
        g->op[g->n] = op;
        g->len[g->n] = len;
        memcpy(g->msg[g->n], p, len < 255 ? len : 255);
        g->n++;
    }
    return 0;
}

static void test_accept_key(void **state)
{
    char out[29];
    /* RFC 6455 section 1.3 example */
    assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    char k[25];
    assert_int_equal(ws_client_key(k), 0);
    assert_int_equal(strlen(k), 24);
}

static void test_masked_round_trip(void **state)
{
    struct ws_parser p;
    struct got g = {0};
    size_t n;
    char err[128];
    uint8_t *f = ws_frame(WS_TEXT, "hello", 5, 1, &n);
    assert_int_equal(n, 2 + 4 + 5);
    assert_int_equal(f[1] & 0x80, 0x80);
    assert_memory_not_equal(f + 6, "hello",
                            5); /* masked on the wire (key != 0 almost surely) */
    ws_parser_init(&p, 1, 0);
    /* byte by byte */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ws_parser_feed(&p, f + i, 1, collect, &g, err, sizeof(err)),
                         0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.op[0], WS_TEXT);
    assert_memory_equal(g.msg[0], "hello", 5);
    free(f);
    /* a server must refuse an unmasked client frame */
    f = ws_frame(WS_TEXT, "x", 1, 0, &n);
    assert_int_equal(ws_parser_feed(&p, f, n, collect, &g, err, sizeof(err)), -EPROTO);
    free(f);
    ws_parser_free(&p);
}

static void test_lengths(void **state)
{
    struct ws_parser p;
    struct got g = {0};
    size_t n;
    char err[128];
    static char big[70000];
    memset(big, 'z', sizeof(big));
    ws_parser_init(&p, 0, 100000);
    uint8_t *f = ws_frame(WS_BINARY, big, 300, 0, &n);
    assert_int_equal(n, 4 + 300);
    assert_int_equal(ws_parser_feed(&p, f, n, collect, &g, err, sizeof(err)), 0);
    free(f);
    f = ws_frame(WS_BINARY, big, sizeof(big), 0, &n);
    assert_int_equal(n, 10 + sizeof(big));
    assert_int_equal(ws_parser_feed(&p, f, n, collect, &g, err, sizeof(err)), 0);
    free(f);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.len[0], 300);
    assert_int_equal(g.len[1], sizeof(big));
    ws_parser_free(&p);
    /* oversize: refused from the header alone */
    ws_parser_init(&p, 0, 1000);
    f = ws_frame(WS_TEXT, big, 1001, 0, &n);
    assert_int_equal(ws_parser_feed(&p, f, 8, collect, &g, err, sizeof(err)),
                     -EMSGSIZE);
    free(f);
    ws_parser_free(&p);
}

static void test_fragments_and_control(void **state)
{
    struct ws_parser p;
    struct got g = {0};
    char err[128];
    /* "Hel" (TEXT, no FIN), PING "p" in between, "lo" (CONT, FIN) */
    const uint8_t frames[] = {0x01, 3, 'H', 'e', 'l',  0x89, 1,    'p',
                              0x80, 2, 'l', 'o', 0x88, 2,    0x03, 0xe8};
    ws_parser_init(&p, 0, 0);
    assert_int_equal(
        ws_parser_feed(&p, frames, sizeof(frames), collect, &g, err, sizeof(err)), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.op[0], WS_PING);
    assert_int_equal(g.op[1], WS_TEXT);
    assert_memory_equal(g.msg[1], "Hello", 5);
    assert_int_equal(g.op[2], WS_CLOSE);
    /* continuation without a start, reserved bits, fragmented control */
    const uint8_t cont[] = {0x80, 1, 'x'};
    assert_int_equal(ws_parser_feed(&p, cont, 3, collect, &g, err, sizeof(err)),
                     -EPROTO);
    ws_parser_free(&p);
    ws_parser_init(&p, 0, 0);
    const uint8_t rsv[] = {0xC1, 1, 'x'};
    assert_int_equal(ws_parser_feed(&p, rsv, 3, collect, &g, err, sizeof(err)),
                     -EPROTO);
    ws_parser_free(&p);
    ws_parser_init(&p, 0, 0);
    const uint8_t fragping[] = {0x09, 1, 'x'};
    assert_int_equal(ws_parser_feed(&p, fragping, 3, collect, &g, err, sizeof(err)),
                     -EPROTO);
    ws_parser_free(&p);
}

static void test_http_head(void **state)
{
    struct http_head h;
    char err[128];
    const char *req = "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                      "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: "
                      "dGhlIHNhbXBsZSBub25jZQ==\r\n\r\nrest";
    assert_int_equal(http_head_parse(req, strlen(req) - 10, 0, &h, err, sizeof(err)),
                     0);
    assert_int_equal(http_head_parse(req, strlen(req), 0, &h, err, sizeof(err)), 1);
    assert_true(h.upgrade_websocket);
    assert_string_equal(h.path, "/chat");
    assert_string_equal(h.ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
    assert_int_equal(h.head_len, strlen(req) - 4);
    static char big[HTTPHEAD_MAX + 10];
    memset(big, 'a', sizeof(big));
    assert_int_equal(http_head_parse(big, sizeof(big), 0, &h, err, sizeof(err)),
                     -EMSGSIZE);
    assert_int_equal(http_head_parse("BAD\r\n\r\n", 7, 0, &h, err, sizeof(err)),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_key), cmocka_unit_test(test_masked_round_trip),
        cmocka_unit_test(test_lengths), cmocka_unit_test(test_fragments_and_control),
        cmocka_unit_test(test_http_head)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
