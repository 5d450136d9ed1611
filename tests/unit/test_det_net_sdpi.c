/* stratum-dpi on recorded loopback traffic: each rule fires, and stays quiet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stratum_dpi.h"
#include "test_det_net_util.h"

static struct tdn_alerts run(const char *pcap, int *rc)
{
    struct tdn_alerts got = {0};
    struct sdpi_config cfg = {.emit = tdn_collect, .emit_ctx = &got};
    struct sdpi *s = NULL;
    assert_int_equal(sdpi_create(&s, &cfg), 0);
    *rc = tdn_run("stratum-dpi", pcap, sdpi_packet, sdpi_tick, s);
    assert_int_equal(sdpi_alert_count(s), (unsigned long)got.n);
    sdpi_destroy(s);
    return got;
}

static void xmrig_session_fires_each_rule_once(void **state)
{
    (void)state;
    int rc;
    struct tdn_alerts got = run("xmrig_login.pcap", &rc);
    assert_int_equal(rc, 0);
    const char *rules[] = {"et-checkin", "stratum-login", "stratum-submit",
                           "stratum-keepalived", "stratum-job"};
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        assert_int_equal(tdn_count(&got, rules[i]), 1);
    assert_int_equal(got.n, 5);
    const struct tdn_alert *a = tdn_find(&got, "et-checkin");
    assert_string_equal(a->proto, "tcp");
    assert_string_equal(a->dst, "127.0.0.1:3333"); /* the server side */
    assert_true(strncmp(a->src, "127.0.0.1:", 10) == 0);
    assert_string_not_equal(a->src, "127.0.0.1:3333");
}

static void ipv6_and_linux_any_capture(void **state)
{
    (void)state;
    int rc;
    struct tdn_alerts v6 = run("xmrig_login_v6.pcap", &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(tdn_count(&v6, "et-checkin"), 1);
    assert_string_equal(tdn_find(&v6, "et-checkin")->dst, "[::1]:3333");
    struct tdn_alerts any = run("xmrig_login_any_sll2.pcap", &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(tdn_count(&any, "et-checkin"), 1);
}

static void bitcoin_style_stratum(void **state)
{
    (void)state;
    int rc;
    struct tdn_alerts got = run("mining_v1.pcap", &rc);
    assert_int_equal(tdn_count(&got, "mining-subscribe"), 1);
    assert_int_equal(tdn_count(&got, "mining-authorize"), 1);
    assert_int_equal(tdn_count(&got, "mining-notify"), 1);
    assert_int_equal(tdn_count(&got, "et-checkin"), 0);
    assert_string_equal(tdn_find(&got, "mining-notify")->dst, "127.0.0.1:4444");
}

static void coinhive_over_websocket_split_frames(void **state)
{
    (void)state;
    int rc;
    struct tdn_alerts got = run("coinhive_ws.pcap", &rc);
    /* The auth frame travels in three segments and is masked. */
    assert_int_equal(tdn_count(&got, "ws-miner-auth"), 1);
    assert_int_equal(tdn_count(&got, "ws-miner-submit"), 1);
    assert_int_equal(tdn_count(&got, "ws-miner-job"), 1);
    assert_int_equal(got.n, 3);
}

static void real_minerlab_traffic(void **state)
{
    (void)state;
    int rc;
    /* minerlab-miner <-> minerlab-pool, captured by gen.sh. */
    struct tdn_alerts got = run("real_tcp.pcap", &rc);
    assert_int_equal(tdn_count(&got, "et-checkin"), 1);
    assert_int_equal(tdn_count(&got, "stratum-login"), 1);
    assert_int_equal(tdn_count(&got, "stratum-job"), 1);
    assert_string_equal(tdn_find(&got, "et-checkin")->dst, "127.0.0.1:3333");
    got = run("real_ws.pcap", &rc);
    assert_int_equal(tdn_count(&got, "ws-miner-auth"), 1);
    assert_int_equal(tdn_count(&got, "ws-miner-job"), 1);
    got = run("real_tls.pcap", &rc); /* the documented blind spot */
    assert_int_equal(got.n, 0);
}

static void benign_traffic_stays_quiet(void **state)
{
    (void)state;
    int rc;
    const char *quiet[] = {"benign_jsonrpc_8080.pcap", "ws_chat.pcap", "tls_sni.pcap",
                           "dns_queries.pcap", "tls_cadence.pcap"};
    for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
        struct tdn_alerts got = run(quiet[i], &rc);
        assert_int_equal(rc, 0);
        if (got.n)
            print_error("%s: unexpected %s\n", quiet[i], got.a[0].reason);
        assert_int_equal(got.n, 0);
    }
}

static void bad_captures_degrade_without_crashing(void **state)
{
    (void)state;
    int rc;
    struct tdn_alerts got = run("truncated.pcap", &rc);
    assert_int_equal(rc, 2); /* ran, then hit the damaged record */
    assert_true(got.n <= 5);
    for (int i = 0; i < got.n; i++)
        assert_string_equal(got.a[i].dst, "127.0.0.1:3333");
    got = run("truncated_header.pcap", &rc);
    assert_int_equal(rc, 1);
    assert_int_equal(got.n, 0);
    got = run("no-such-file.pcap", &rc);
    assert_int_equal(rc, 1);
}

static void match_is_exact_about_the_et_bytes(void **state)
{
    (void)state;
    const char *compact = "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\","
                          "\"params\":{\"login\":\"4A\","
                          "\"pass\":\"x\",\"agent\":\"XMRig/6.26.0\"}}";
    const char *spaced =
        "{\"id\": 1, \"jsonrpc\": \"2.0\", \"method\": \"login\", \"params\": "
        "{\"login\": \"4A\", \"pass\": \"x\", \"agent\": \"XMRig/6.26.0\"}}";
    const char *reordered = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"login\","
                            "\"params\":{\"agent\":\"a\","
                            "\"pass\":\"x\",\"login\":\"4A\"}}";
    unsigned et = 1u << SDPI_ET_CHECKIN, login = 1u << SDPI_LOGIN;
    assert_int_equal(sdpi_match(DET_C2S, 0, compact, strlen(compact)), et | login);
    /* Whitespace and key order defeat the published rule, not the JSON one. */
    assert_int_equal(sdpi_match(DET_C2S, 0, spaced, strlen(spaced)), login);
    assert_int_equal(sdpi_match(DET_C2S, 0, reordered, strlen(reordered)), login);
    /* Client rules never fire on what the server says. */
    assert_int_equal(sdpi_match(DET_S2C, 0, compact, strlen(compact)), 0);
    /* Coinhive types only count inside WebSocket messages. */
    const char *auth = "{\"type\":\"auth\",\"params\":{\"site_key\":\"k\"}}";
    assert_int_equal(sdpi_match(DET_C2S, 0, auth, strlen(auth)), 0);
    assert_int_equal(sdpi_match(DET_C2S, 1, auth, strlen(auth)), 1u << SDPI_WS_AUTH);
    /* Broken JSON and huge lines are not Stratum. */
    assert_int_equal(sdpi_match(DET_C2S, 0, "{\"method\":\"login\"", 17), 0);
    assert_int_equal(sdpi_match(DET_C2S, 0, compact, 9000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xmrig_session_fires_each_rule_once),
        cmocka_unit_test(ipv6_and_linux_any_capture),
        cmocka_unit_test(bitcoin_style_stratum),
        cmocka_unit_test(coinhive_over_websocket_split_frames),
        cmocka_unit_test(real_minerlab_traffic),
        cmocka_unit_test(benign_traffic_stays_quiet),
        cmocka_unit_test(bad_captures_degrade_without_crashing),
        cmocka_unit_test(match_is_exact_about_the_et_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
