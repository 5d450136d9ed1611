/* det_pcap parsing (every link type we claim) and det_flow reassembly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <pcap/pcap.h>

#include "det_flow.h"
#include "det_pcap.h"
#include "test_det_net_util.h"

/* Builds IPv4 + TCP 127.0.0.1:40000 -> 127.0.0.2:3333 with payload at frame+off. */
static size_t ipv4_tcp(uint8_t *f, const char *payload, uint8_t flags, uint32_t seq)
{
    size_t plen = strlen(payload), total = 20 + 20 + plen;
    memset(f, 0, 40);
    f[0] = 0x45;
    f[2] = (uint8_t)(total >> 8);
    f[3] = (uint8_t)total;
    f[8] = 64;
    f[9] = IPPROTO_TCP;
    f[12] = 127, f[15] = 1;
    f[16] = 127, f[19] = 2;
    uint8_t *t = f + 20;
    t[0] = 40000 >> 8, t[1] = 40000 & 0xff;
    t[2] = 3333 >> 8, t[3] = 3333 & 0xff;
    t[4] = (uint8_t)(seq >> 24), t[5] = (uint8_t)(seq >> 16);
    t[6] = (uint8_t)(seq >> 8), t[7] = (uint8_t)seq;
    t[12] = 5 << 4;
    t[13] = flags;
    memcpy(t + 20, payload, plen);
    return total;
}

static void every_link_type_parses(void **state)
{
    (void)state;
    uint8_t ip[256], frame[300];
    size_t n = ipv4_tcp(ip, "hello", DET_TCP_ACK, 1000);
    struct {
        int dlt;
        uint8_t hdr[20];
        size_t hlen;
    } kinds[] = {
        {DLT_EN10MB, {[12] = 0x08, [13] = 0x00}, 14},
        {DLT_EN10MB,
         {[12] = 0x81, [13] = 0x00, [16] = 0x08, [17] = 0x00},
         18},                        /* VLAN */
        {DLT_NULL, {2, 0, 0, 0}, 4}, /* little-endian host */
        {DLT_NULL, {0, 0, 0, 2}, 4}, /* big-endian host */
        {DLT_LOOP, {0, 0, 0, 2}, 4},
        {DLT_LINUX_SLL, {[14] = 0x08, [15] = 0x00}, 16},
        {276 /* DLT_LINUX_SLL2 */, {0x08, 0x00}, 20},
        {DLT_RAW, {0}, 0},
    };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        struct det_pkt p;
        memcpy(frame, kinds[k].hdr, kinds[k].hlen);
        memcpy(frame + kinds[k].hlen, ip, n);
        assert_int_equal(det_pcap_parse(kinds[k].dlt, frame, kinds[k].hlen + n,
                                        kinds[k].hlen + n, 1.5, &p),
                         0);
        assert_int_equal(p.l4, IPPROTO_TCP);
        assert_int_equal(p.sport, 40000);
        assert_int_equal(p.dport, 3333);
        assert_int_equal(p.seq, 1000);
        assert_int_equal(p.payload_len, 5);
        assert_memory_equal(p.payload, "hello", 5);
        /* Cut anywhere inside the headers: refused, never read past caplen. */
        for (size_t cut = 0; cut < kinds[k].hlen + 40; cut++)
            assert_int_equal(det_pcap_parse(kinds[k].dlt, frame, cut, cut, 0, &p), -22);
    }
    /* A non-first IPv4 fragment carries no TCP header. */
    ip[6] = 0x00, ip[7] = 0x10;
    struct det_pkt p;
    assert_int_equal(det_pcap_parse(DLT_RAW, ip, n, n, 0, &p), -22);
}

static void endpoints_and_private_ranges(void **state)
{
    (void)state;
    char buf[64];
    uint8_t v4[16] = {10, 1, 2, 3}, pub[16] = {8, 8, 8, 8}, v6[16] = {[15] = 1};
    det_pkt_format_endpoint(AF_INET, v4, 3333, buf, sizeof(buf));
    assert_string_equal(buf, "10.1.2.3:3333");
    det_pkt_format_endpoint(AF_INET6, v6, 80, buf, sizeof(buf));
    assert_string_equal(buf, "[::1]:80");
    assert_true(det_addr_is_private(AF_INET, v4));
    assert_false(det_addr_is_private(AF_INET, pub));
    assert_true(det_addr_is_private(AF_INET6, v6));
}

struct seen {
    char lines[16][128];
    int nlines;
    char ws[8][128];
    int nws;
};

static void on_line(void *ctx, struct det_flow_entry *f, int dir, const char *line,
                    size_t len, double ts)
{
    struct seen *s = ctx;
    if (s->nlines < 16)
        snprintf(s->lines[s->nlines++], 128, "%d:%.*s", dir, (int)len, line);
}

static void on_ws(void *ctx, struct det_flow_entry *f, int dir, int opcode,
                  const uint8_t *payload, size_t len, double ts)
{
    struct seen *s = ctx;
    if (s->nws < 8)
        snprintf(s->ws[s->nws++], 128, "%d:%.*s", dir, (int)len, (const char *)payload);
}

static void feed(struct det_flow_table *t, const char *payload, uint8_t flags,
                 uint32_t seq)
{
    uint8_t ip[512];
    struct det_pkt p;
    size_t n = ipv4_tcp(ip, payload, flags, seq);
    assert_int_equal(det_pcap_parse(DLT_RAW, ip, n, n, 1.0, &p), 0);
    det_flow_table_packet(t, &p);
}

static void lines_survive_splits_retransmits_and_gaps(void **state)
{
    (void)state;
    struct seen s = {0};
    struct det_flow_callbacks cb = {.on_line = on_line};
    struct det_flow_table *t = NULL;
    assert_int_equal(det_flow_table_create(&t, NULL, &cb, &s), 0);
    feed(t, "", DET_TCP_SYN, 99);
    feed(t, "{\"a\":", DET_TCP_ACK, 100);
    feed(t, "1}\r\nsecond", DET_TCP_ACK, 105);
    feed(t, "1}\r\nsecond", DET_TCP_ACK, 105); /* retransmission */
    feed(t, "ond line\n", DET_TCP_ACK, 112);   /* overlaps by 3 bytes */
    feed(t, "lost\n", DET_TCP_ACK, 200);       /* after a gap: partial line dropped */
    feed(t, "fine\n", DET_TCP_ACK, 205);
    assert_int_equal(s.nlines, 3);
    assert_string_equal(s.lines[0], "0:{\"a\":1}");
    assert_string_equal(s.lines[1], "0:second line");
    assert_string_equal(s.lines[2], "0:fine");
    det_flow_table_destroy(t);
}

static void joining_mid_stream(void **state)
{
    (void)state;
    struct seen s = {0};
    struct det_flow_callbacks cb = {.on_line = on_line};
    struct det_flow_table *t = NULL;
    assert_int_equal(det_flow_table_create(&t, NULL, &cb, &s), 0);
    /* No SYN seen: the first segment's head is a line's tail, dropped. */
    feed(t, "of a line\nwhole\n", DET_TCP_ACK, 5000);
    assert_int_equal(s.nlines, 1);
    assert_string_equal(s.lines[0], "0:whole");
    det_flow_table_destroy(t);
    /* ... unless it starts like a JSON line. Also: the higher port (40000)
     * is taken for the client. */
    memset(&s, 0, sizeof(s));
    assert_int_equal(det_flow_table_create(&t, NULL, &cb, &s), 0);
    feed(t, "{\"id\":1}\n", DET_TCP_ACK, 7000);
    assert_int_equal(s.nlines, 1);
    assert_string_equal(s.lines[0], "0:{\"id\":1}");
    det_flow_table_destroy(t);
}

static void overlong_lines_are_cut(void **state)
{
    (void)state;
    struct seen s = {0};
    struct det_flow_callbacks cb = {.on_line = on_line};
    struct det_flow_config cfg = {.stream_cap = 16};
    struct det_flow_table *t = NULL;
    assert_int_equal(det_flow_table_create(&t, &cfg, &cb, &s), 0);
    feed(t, "", DET_TCP_SYN, 0);
    feed(t, "0123456789abcdefXYZ\nok\n", DET_TCP_ACK, 1);
    assert_int_equal(s.nlines, 2);
    assert_string_equal(s.lines[0], "0:0123456789abcdef");
    assert_string_equal(s.lines[1], "0:ok");
    det_flow_table_destroy(t);
}

static void websocket_stream_after_upgrade(void **state)
{
    (void)state;
    struct seen s = {0};
    struct det_flow_callbacks cb = {.on_line = on_line, .on_ws = on_ws};
    struct det_flow_table *t = NULL;
    assert_int_equal(det_flow_table_create(&t, NULL, &cb, &s), 0);
    feed(t, "", DET_TCP_SYN, 0);
    const char *req = "GET / HTTP/1.1\r\nUpgrade: WebSocket\r\n\r\n";
    feed(t, req, DET_TCP_ACK, 1);
    /* Fragmented text message "hi!" = "hi" + continuation "!", masked, split. */
    char f1[] = {(char)0x01, (char)0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2, 0};
    char f2[] = {(char)0x80, (char)0x81, 1, 2, 3, 4, '!' ^ 1, 0};
    uint32_t seq = 1 + (uint32_t)strlen(req);
    /* Bytes with NUL-free values only, so the string feeder can carry them. */
    feed(t, f1, DET_TCP_ACK, seq);
    seq += 8;
    char part1[4] = {f2[0], f2[1], f2[2], 0},
         part2[5] = {f2[3], f2[4], f2[5], f2[6], 0};
    feed(t, part1, DET_TCP_ACK, seq);
    feed(t, part2, DET_TCP_ACK, seq + 3);
    assert_int_equal(s.nws, 1);
    assert_string_equal(s.ws[0], "0:hi!");
    det_flow_table_destroy(t);
}

/* Random frames through the parser and random segments of a few flows
 * through the reassembler (WebSocket mode included): no crash, no overread
 * (the ASan build runs this), bounded state. */
static void random_input_is_survived(void **state)
{
    (void)state;
    struct seen s = {0};
    struct det_flow_callbacks cb = {.on_line = on_line, .on_ws = on_ws};
    struct det_flow_config cfg = {.stream_cap = 512, .head_cap = 256};
    struct det_flow_table *t = NULL;
    uint8_t frame[300], ip[600];
    assert_int_equal(det_flow_table_create(&t, &cfg, &cb, &s), 0);
    srand(11);
    static const char alphabet[] = "GET / \r\nUpgrade: websocket\n{}";
    static const int dlts[] = {DLT_EN10MB,    DLT_NULL, DLT_LOOP,
                               DLT_LINUX_SLL, 276,      DLT_RAW};
    for (int i = 0; i < 20000; i++) {
        struct det_pkt p;
        size_t n = (size_t)(rand() % (int)sizeof(frame));
        for (size_t k = 0; k < n; k++)
            frame[k] = (uint8_t)rand();
        det_pcap_parse(dlts[i % 6], frame, n, n, 0, &p);
        /* A valid header around random payload, on one of 4 flows. */
        char payload[200];
        size_t pl = (size_t)(rand() % 150);
        for (size_t k = 0; k < pl; k++)
            payload[k] =
                (char)(rand() % 2 ? alphabet[rand() % (int)(sizeof(alphabet) - 1)]
                                  : (rand() % 255) + 1);
        payload[pl] = '\0';
        size_t len = ipv4_tcp(ip, payload, (uint8_t)(rand() % 2 ? DET_TCP_ACK : rand()),
                              (uint32_t)(rand() % 4096));
        ip[20 + 1] = (uint8_t)(rand() % 4); /* source port varies: several flows */
        if (det_pcap_parse(DLT_RAW, ip, len, len, (double)i, &p) == 0)
            det_flow_table_packet(t, &p);
        if (i % 1000 == 0)
            det_flow_table_expire(t, (double)i + 2000);
    }
    assert_true(s.nlines > 0); /* the reassembler kept delivering lines */
    det_flow_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_link_type_parses),
        cmocka_unit_test(endpoints_and_private_ranges),
        cmocka_unit_test(lines_survive_splits_retransmits_and_gaps),
        cmocka_unit_test(joining_mid_stream),
        cmocka_unit_test(overlong_lines_are_cut),
        cmocka_unit_test(websocket_stream_after_upgrade),
        cmocka_unit_test(random_input_is_survived),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
