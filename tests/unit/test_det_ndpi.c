/*
 * nDPI (Debian's libndpi 4.2, linked for real) on recorded loopback traffic:
 * it fires once per Stratum flow with the tuple and its risk flags, stays
 * quiet on WebSocket chat, TLS and DNS, and labels the benign JSON-RPC
 * service on 8080 as Mining too: a false positive of the real tool that the
 * scorecard must show, so the test pins it rather than hiding it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nd.h"
#include "test_det_net_util.h"

static struct tdn_alerts run(const char *pcap, int *rc, struct nd_counts *c)
{
    struct tdn_alerts got = {0};
    struct nd_config cfg = {.emit = tdn_collect, .emit_ctx = &got};
    struct nd *n = NULL;
    assert_int_equal(nd_create(&n, &cfg), 0);
    *rc = tdn_run("ndpi", pcap, nd_packet, nd_tick, n);
    nd_finish(n);
    nd_counts(n, c);
    assert_int_equal(c->alerts, (unsigned long)got.n);
    nd_destroy(n);
    return got;
}

/* The same with a home net: the verdict must not change, the reason says
 * which side is at home. */
static struct tdn_alert run_home(const char *pcap, const char *home_net)
{
    struct tdn_alerts got = {0};
    struct det_home_net home;
    char err[128];
    assert_int_equal(det_home_parse(home_net, &home, err, sizeof(err)), 0);
    struct nd_config cfg = {.emit = tdn_collect, .emit_ctx = &got, .home = &home};
    struct nd *n = NULL;
    assert_int_equal(nd_create(&n, &cfg), 0);
    assert_int_equal(tdn_run("ndpi", pcap, nd_packet, nd_tick, n), 0);
    nd_finish(n);
    nd_destroy(n);
    assert_int_equal(got.n, 1);
    return got.a[0];
}

static void home_net_names_the_home_side(void **state)
{
    (void)state;
    static const struct {
        const char *home, *says;
    } cases[] = {{"198.18.7.0/25", "; outbound: the client is in the home net"},
                 {"198.18.7.200", "; inbound: the server is in the home net"},
                 {"198.18.7.0/24", "; internal to the home net"},
                 {"10.0.0.0/8", "; neither side in the home net"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tdn_alert a = run_home("xmrig_login_inet.pcap", cases[i].home);
        assert_string_equal(a.src, "198.18.7.10:39740");
        assert_string_equal(a.dst, "198.18.7.200:3333");
        const char *tail = strrchr(a.reason, ';');
        assert_non_null(tail);
        assert_string_equal(tail, cases[i].says);
    }
    int rc;
    struct nd_counts c;
    struct tdn_alerts got = run("xmrig_login_inet.pcap", &rc, &c); /* no home net */
    assert_int_equal(got.n, 1);
    assert_null(strstr(got.a[0].reason, "home net"));
}

static void assert_mining_alert(const struct tdn_alert *a, const char *dst)
{
    assert_string_equal(a->proto, "tcp");
    assert_string_equal(a->dst, dst);
    assert_string_not_equal(a->src, dst);
    assert_non_null(strstr(a->reason, " as Mining"));
    assert_non_null(strstr(a->reason, "confidence DPI"));
    /* nDPI's own risk flags travel in the reason. */
    assert_non_null(strstr(a->reason, "risks: "));
    assert_non_null(strstr(a->reason, "Unsafe Protocol"));
}

static void stratum_captures_fire_once_per_flow(void **state)
{
    (void)state;
    static const struct {
        const char *pcap, *dst;
    } cases[] = {{"xmrig_login.pcap", "127.0.0.1:3333"},
                 {"real_tcp.pcap", "127.0.0.1:3333"},
                 {"mining_v1.pcap", "127.0.0.1:4444"},
                 {"xmrig_login_v6.pcap", "[::1]:3333"},
                 {"xmrig_login_any_sll2.pcap", "127.0.0.1:3333"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;
        struct nd_counts c;
        struct tdn_alerts got = run(cases[i].pcap, &rc, &c);
        assert_int_equal(rc, 0);
        assert_int_equal(got.n, 1);
        assert_int_equal(c.flows, 1);
        assert_int_equal(c.mining, 1);
        assert_mining_alert(&got.a[0], cases[i].dst);
    }
}

static void benign_jsonrpc_is_a_real_false_positive(void **state)
{
    (void)state;
    int rc;
    struct nd_counts c;
    struct tdn_alerts got = run("benign_jsonrpc_8080.pcap", &rc, &c);
    assert_int_equal(rc, 0);
    assert_int_equal(got.n, 1);
    assert_mining_alert(&got.a[0], "127.0.0.1:8080");
    assert_non_null(strstr(got.a[0].reason, "Known Protocol on Non Standard Port"));
}

static void quiet_on_other_protocols(void **state)
{
    (void)state;
    const char *pcaps[] = {"ws_chat.pcap", "coinhive_ws.pcap", "real_tls.pcap",
                           "tls_sni.pcap", "tls_cadence.pcap", "dns_queries.pcap",
                           "real_ws.pcap"};
    for (size_t i = 0; i < sizeof(pcaps) / sizeof(pcaps[0]); i++) {
        int rc;
        struct nd_counts c;
        struct tdn_alerts got = run(pcaps[i], &rc, &c);
        assert_int_equal(rc, 0);
        assert_int_equal(got.n, 0);
        assert_true(c.flows >= 1);
        assert_int_equal(c.mining, 0);
    }
}

static void truncated_file_keeps_what_it_saw(void **state)
{
    (void)state;
    int rc;
    struct nd_counts c;
    struct tdn_alerts got = run("truncated.pcap", &rc, &c);
    assert_int_equal(rc, 2); /* ended on an error */
    assert_int_equal(got.n, 1);
}

static void flow_table_cap_is_counted(void **state)
{
    (void)state;
    struct tdn_alerts got = {0};
    struct nd_config cfg = {.emit = tdn_collect, .emit_ctx = &got, .max_flows = 1};
    struct nd *n = NULL;
    assert_int_equal(nd_create(&n, &cfg), 0);
    assert_int_equal(tdn_run("ndpi", "tls_sni.pcap", nd_packet, nd_tick, n), 0);
    struct nd_counts c;
    nd_counts(n, &c);
    assert_int_equal(c.flows, 1);
    assert_true(c.evicted > 0); /* the second flow's packets were not tracked */
    nd_destroy(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stratum_captures_fire_once_per_flow),
        cmocka_unit_test(benign_jsonrpc_is_a_real_false_positive),
        cmocka_unit_test(quiet_on_other_protocols),
        cmocka_unit_test(truncated_file_keeps_what_it_saw),
        cmocka_unit_test(flow_table_cap_is_counted),
        cmocka_unit_test(home_net_names_the_home_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
