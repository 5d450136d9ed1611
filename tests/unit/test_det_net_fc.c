/* flow-cadence on a recorded TLS capture: the Stratum-shaped flow alerts,
 * bulk, interactive and request/response flows beside it do not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flow_cadence.h"
#include "test_det_net_util.h"

static struct tdn_alerts run(const char *pcap, double min_age)
{
    struct tdn_alerts got = {0};
    struct fc_config cfg = {
        .emit = tdn_collect, .emit_ctx = &got, .min_age_s = min_age};
    struct fc *c = NULL;
    assert_int_equal(fc_create(&c, &cfg), 0);
    assert_int_equal(tdn_run("flow-cadence", pcap, fc_packet, fc_tick, c), 0);
    fc_destroy(c);
    return got;
}

static void stratum_over_tls_found_by_shape(void **state)
{
    (void)state;
    /* tls_cadence.pcap: four 70 s TLS flows to 127.0.0.1:9444 — Stratum-like
     * (submits every 4-6 s, a job every 12 s), bulk download, keystrokes
     * every 0.3 s with echoes, and a ping every 10 s with immediate replies. */
    struct tdn_alerts got = run("tls_cadence.pcap", 0);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.a[0].rule, "stratum-cadence");
    assert_string_equal(got.a[0].dst, "127.0.0.1:9444");
    double every = 0;
    const char *p = strstr(got.a[0].reason, "every ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "every %lf", &every), 1);
    assert_true(every >= 4 && every <= 6);
}

static void real_minerlab_tls_session(void **state)
{
    (void)state;
    /* 75 s of minerlab-miner over stratum+ssl to minerlab-pool (gen.sh). */
    struct tdn_alerts got = run("real_tls.pcap", 0);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.a[0].dst, "127.0.0.1:3334");
}

static void young_or_short_flows_stay_quiet(void **state)
{
    (void)state;
    struct tdn_alerts young = run("tls_cadence.pcap", 200);
    assert_int_equal(young.n, 0); /* nothing lives 200 s */
    /* The Stratum-like flow meets the other six conditions: observed, with
     * the alert's score scaled by 6 of 7; a flow is observed only when its
     * count of conditions met grows (4, 5, 6): at most 3 lines per flow. */
    assert_true(young.observations >= 1 && young.observations <= 3 * 4);
    assert_float_equal(young.max_obs_score, 0.6 * 6 / 7, 1e-9);
    assert_int_equal(run("xmrig_login.pcap", 0).n, 0);
    assert_int_equal(run("coinhive_ws.pcap", 0).n, 0);
    assert_int_equal(run("benign_jsonrpc_8080.pcap", 0).n, 0);
}

static void each_condition_matters(void **state)
{
    (void)state;
    struct fc *c = NULL;
    assert_int_equal(fc_create(&c, NULL), 0);
    const struct fc_shape miner = {.age_s = 90,
                                   .client_msgs = 10,
                                   .server_msgs = 6,
                                   .pushes = 4,
                                   .median_client_bytes = 200,
                                   .median_interval_s = 8,
                                   .rate_bps = 120};
    assert_true(fc_shape_matches(c, &miner));
    struct fc_shape s = miner;
    s.age_s = 30;
    assert_false(fc_shape_matches(c, &s));
    s = miner, s.client_msgs = 2;
    assert_false(fc_shape_matches(c, &s));
    s = miner, s.pushes = 1;
    assert_false(fc_shape_matches(c, &s));
    s = miner, s.median_client_bytes = 5000;
    assert_false(fc_shape_matches(c, &s));
    s = miner, s.median_interval_s = 0.3; /* keystrokes */
    assert_false(fc_shape_matches(c, &s));
    s = miner, s.rate_bps = 80000; /* bulk */
    assert_false(fc_shape_matches(c, &s));
    assert_int_equal(fc_shape_conditions_met(c, &s), FC_CONDITIONS - 1);
    assert_int_equal(fc_shape_conditions_met(c, &miner), FC_CONDITIONS);
    fc_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stratum_over_tls_found_by_shape),
        cmocka_unit_test(real_minerlab_tls_session),
        cmocka_unit_test(young_or_short_flows_stay_quiet),
        cmocka_unit_test(each_condition_matters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
