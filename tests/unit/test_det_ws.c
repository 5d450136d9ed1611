/* The detectors' WebSocket parser (det_ws) against RFC 6455's own examples
 * and against the emulator's framing (ws.c) in both directions: frames the
 * miner masks (client to server) and frames the pool sends unmasked (server
 * to client). The two parsers share no code; this test is where they meet. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "det_ws.h"
#include "ws.h"

struct got {
    int op[8];
    char msg[8][300];
    size_t len[8];
    int n;
};

static int collect(void *ud, int op, const uint8_t *p, size_t len)
{
    struct got *g = ud;
    assert_int_equal(p[len], 0); /* NUL-terminated */
    if (g->n < 8) {
        g->op[g->n] = op;
        g->len[g->n] = len;
        memcpy(g->msg[g->n], p, len < 299 ? len : 299);
        g->n++;
    }
    return 0;
}

static int emu_collect(void *ud, enum ws_opcode op, char *p, size_t len)
{
    return collect(ud, (int)op, (const uint8_t *)p, len);
}

/* Feeds all at once and then byte by byte; both must give the same. */
static void feed_both_ways(int from_client, const uint8_t *f, size_t n, struct got *g)
{
    struct det_ws w;
    struct got one = {0};
    int before = g->n;
    det_ws_init(&w, from_client, 0);
    assert_int_equal(det_ws_feed(&w, f, n, collect, g), 0);
    det_ws_free(&w);
    det_ws_init(&w, from_client, 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(det_ws_feed(&w, f + i, 1, collect, &one), 0);
    det_ws_free(&w);
    assert_int_equal(one.n, g->n - before);
    for (int i = 0; i < one.n; i++) {
        assert_int_equal(one.op[i], g->op[before + i]);
        assert_int_equal(one.len[i], g->len[before + i]);
    }
}

/* RFC 6455 section 5.7, byte for byte. */
static void test_rfc_examples(void **state)
{
    (void)state;
    static const uint8_t unmasked[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
    static const uint8_t masked[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                     0x7f, 0x9f, 0x4d, 0x51, 0x58};
    static const uint8_t fragmented[] = {0x01, 0x03, 'H', 'e', 'l',
                                         0x80, 0x02, 'l', 'o'};
    static const uint8_t ping[] = {0x89, 0x05, 'H', 'e', 'l', 'l', 'o'};
    struct got g = {0};
    feed_both_ways(0, unmasked, sizeof(unmasked), &g);
    feed_both_ways(1, masked, sizeof(masked), &g);
    feed_both_ways(0, fragmented, sizeof(fragmented), &g);
    feed_both_ways(0, ping, sizeof(ping), &g);
    assert_int_equal(g.n, 4);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g.op[i], DET_WS_TEXT);
        assert_string_equal(g.msg[i], "Hello");
    }
    assert_int_equal(g.op[3], DET_WS_PING);

    /* 256 bytes with a 16-bit length; the 64-bit form of the same. */
    uint8_t big[10 + 256];
    memset(big, 'x', sizeof(big));
    memcpy(big, (uint8_t[]){0x82, 0x7e, 0x01, 0x00}, 4);
    struct got b = {0};
    feed_both_ways(0, big, 4 + 256, &b);
    memcpy(big, (uint8_t[]){0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0x01, 0x00}, 10);
    feed_both_ways(0, big, 10 + 256, &b);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.op[0], DET_WS_BINARY);
    assert_int_equal(b.len[0], 256);
    assert_int_equal(b.len[1], 256);
}

/* Miner to pool: the emulator masks with a random key; det_ws unmasks. */
static void test_emulator_client_frames(void **state)
{
    (void)state;
    const char *msgs[] = {"{\"type\":\"auth\",\"params\":{}}", "", "x"};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        uint8_t *f = ws_frame(WS_TEXT, msgs[i], strlen(msgs[i]), 1, &n);
        assert_non_null(f);
        struct got g = {0};
        feed_both_ways(1, f, n, &g);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.op[0], DET_WS_TEXT);
        assert_int_equal(g.len[0], strlen(msgs[i]));
        assert_string_equal(g.msg[0], msgs[i]);
        /* The server side must refuse a masked frame. */
        struct det_ws w;
        det_ws_init(&w, 0, 0);
        assert_int_equal(det_ws_feed(&w, f, n, collect, &g), -EPROTO);
        det_ws_free(&w);
        free(f);
    }
}

/* Pool to miner: unmasked frames, a 16-bit length, a close; and the
 * emulator's parser accepts what the RFC examples spell out. */
static void test_emulator_server_frames(void **state)
{
    (void)state;
    char payload[300];
    memset(payload, 'j', sizeof(payload) - 1);
    payload[sizeof(payload) - 1] = '\0';
    size_t n1, n2;
    uint8_t *f1 = ws_frame(WS_TEXT, payload, strlen(payload), 0, &n1);
    uint8_t *f2 = ws_frame(WS_CLOSE, "", 0, 0, &n2);
    uint8_t *both = malloc(n1 + n2);
    memcpy(both, f1, n1);
    memcpy(both + n1, f2, n2);
    struct got g = {0};
    feed_both_ways(0, both, n1 + n2, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.len[0], 299);
    assert_int_equal(g.op[1], DET_WS_CLOSE);
    struct det_ws w;
    det_ws_init(&w, 1, 0);
    assert_int_equal(det_ws_feed(&w, f1, n1, collect, &g), -EPROTO); /* unmasked */
    det_ws_free(&w);
    free(both);
    free(f1);
    free(f2);

    /* The other way round: the emulator parses the RFC's masked "Hello". */
    static const uint8_t masked[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                     0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct ws_parser p;
    char err[128];
    ws_parser_init(&p, 1, 0);
    struct got e = {0};
    assert_int_equal(
        ws_parser_feed(&p, masked, sizeof(masked), emu_collect, &e, err, sizeof(err)),
        0);
    ws_parser_free(&p);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.msg[0], "Hello");
}

static void test_protocol_errors(void **state)
{
    (void)state;
    struct got g = {0};
    struct det_ws w;
    static const struct {
        uint8_t b[12];
        size_t n;
        int from_client;
        int rc;
    } bad[] = {
        {{0xc1, 0x00}, 2, 0, -EPROTO},             /* RSV1 without an extension */
        {{0x83, 0x00}, 2, 0, -EPROTO},             /* reserved opcode */
        {{0x09, 0x00}, 2, 0, -EPROTO},             /* fragmented ping */
        {{0x89, 0x7e, 0x00, 0x7e}, 4, 0, -EPROTO}, /* control frame over 125 */
        {{0x80, 0x00}, 2, 0, -EPROTO},             /* continuation of nothing */
        {{0x01, 0x00, 0x01, 0x00}, 4, 0, -EPROTO}, /* new message inside one */
        {{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}, 10, 0, -EPROTO}, /* top bit */
        {{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 1}, 10, 0, -EMSGSIZE},  /* 65537 > cap */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        det_ws_init(&w, bad[i].from_client, 0);
        assert_int_equal(det_ws_feed(&w, bad[i].b, bad[i].n, collect, &g), bad[i].rc);
        det_ws_free(&w);
    }
    assert_int_equal(g.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_emulator_client_frames),
        cmocka_unit_test(test_emulator_server_frames),
        cmocka_unit_test(test_protocol_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
