/* Stratum codec: XMRig's compact form byte for byte, targets, share check. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ml_util.h"
#include "stratum.h"

static const char *const only_rx0[] = {"rx/0", NULL};

static void test_login_bytes(void **state)
{
    char *s = stratum_encode_login(
        "4WALLET", "x", "XMRig/6.26.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0", NULL,
        only_rx0);
    assert_string_equal(
        s, "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":"
           "\"4WALLET\",\"pass\":\"x\",\"agent\":\"XMRig/6.26.0 (Linux x86_64) "
           "libuv/1.44.2 gcc/12.2.0\",\"algo\":[\"rx/0\"]}}");
    free(s);
    s = stratum_encode_login("w", "p", "a", "rig1", only_rx0);
    assert_string_equal(s,
                        "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":"
                        "{\"login\":\"w\",\"pass\":\"p\",\"agent\":\"a\",\"rigid\":"
                        "\"rig1\",\"algo\":[\"rx/0\"]}}");
    free(s);
}

/* By default the login carries XMRig 6.26.0's whole list, in its order. */
static void test_login_xmrig_list(void **state)
{
    (void)state;
    char *s = stratum_encode_login("w", "p", "a", NULL, NULL);
    const char *want =
        "\"algo\":[\"cn/0\",\"cn/1\",\"cn/2\",\"cn/r\",\"cn/fast\",\"cn/half\","
        "\"cn/xao\",\"cn/rto\",\"cn/rwz\",\"cn/zls\",\"cn/double\",\"cn/ccx\","
        "\"cn-lite/0\",\"cn-lite/1\",\"cn-heavy/0\",\"cn-heavy/tube\","
        "\"cn-heavy/xhv\",\"cn-pico\",\"cn-pico/tlo\",\"cn/upx2\",\"rx/0\",\"rx/2\","
        "\"rx/wow\",\"rx/arq\",\"rx/graft\",\"rx/sfx\",\"rx/yada\","
        "\"argon2/chukwa\",\"argon2/chukwav2\",\"argon2/ninja\",\"ghostrider\"]}}";
    assert_non_null(strstr(s, want));
    assert_int_equal(strlen(strstr(s, want)), strlen(want)); /* it ends the line */
    free(s);
    size_t n = 0;
    while (stratum_xmrig_algos[n])
        n++;
    assert_int_equal(n, STRATUM_XMRIG_ALGOS);
}

/* The login and submit encoders carry the algorithm they are given, and the
 * pool's parsers read back what was sent: rx/0 and rx/2 alike. */
static void test_login_submit_algo_param(void **state)
{
    (void)state;
    const char *algos[] = {"rx/0", "rx/2"};
    for (int i = 0; i < 2; i++) {
        const char *one[] = {algos[i], NULL};
        char want[64], err[128];
        char *s = stratum_encode_login("w", "p", "a", NULL, one);
        snprintf(want, sizeof(want), "\"algo\":[\"%s\"]}}", algos[i]);
        assert_non_null(strstr(s, want));
        struct stratum_msg m;
        struct stratum_login l;
        assert_int_equal(stratum_parse(s, strlen(s), &m, err, sizeof(err)), 0);
        assert_int_equal(stratum_parse_login(m.params, &l, err, sizeof(err)), 0);
        assert_int_equal(l.algo_rx0, i == 0); /* the pool sees rx/2 is not rx/0 */
        stratum_msg_free(&m);
        free(s);

        s = stratum_encode_submit(2, "sid", "j", "00000000",
                                  "0000000000000000000000000000000000000000000000000000"
                                  "000000000000",
                                  algos[i]);
        snprintf(want, sizeof(want), "\"algo\":\"%s\"}}", algos[i]);
        assert_non_null(strstr(s, want));
        struct stratum_submit sub;
        assert_int_equal(stratum_parse(s, strlen(s), &m, err, sizeof(err)), 0);
        assert_int_equal(stratum_parse_submit(m.params, &sub, err, sizeof(err)), 0);
        assert_string_equal(sub.algo, algos[i]);
        stratum_msg_free(&m);
        free(s);
    }
}

static void test_submit_keepalive_bytes(void **state)
{
    char *s =
        stratum_encode_submit(4, "abc", "j1", "deadbeef",
                              "00112233445566778899aabbccddeeff00112233445566778899"
                              "aabbccddeeff",
                              "rx/0");
    assert_string_equal(
        s, "{\"id\":4,\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":{\"id\":"
           "\"abc\","
           "\"job_id\":\"j1\",\"nonce\":\"deadbeef\",\"result\":"
           "\"00112233445566778899aabbc"
           "cddeeff00112233445566778899aabbccddeeff\",\"algo\":\"rx/0\"}}");
    free(s);
    s = stratum_encode_keepalived(7, "abc");
    assert_string_equal(s, "{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"keepalived\","
                           "\"params\":{\"id\":\"abc\"}}");
    free(s);
    s = stratum_encode_status(7, "KEEPALIVED");
    assert_string_equal(
        s, "{\"id\":7,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":"
           "\"KEEPALIVED\"}}");
    free(s);
    s = stratum_encode_error(9, "Low difficulty share");
    assert_string_equal(s, "{\"id\":9,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1,"
                           "\"message\":\"Low difficulty share\"},\"result\":null}");
    free(s);
}

/* A line parsed and re-encoded comes back identical. */
static void test_round_trip(void **state)
{
    const char *line =
        "{\"id\":4,\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":{"
        "\"id\":\"s1\",\"job_id\":\"7\",\"nonce\":\"0a000000\",\"result\":"
        "\"0000000000000000000000000000000000000000000000000000000000000001"
        "\"}}";
    struct stratum_msg m;
    struct stratum_submit sub;
    char err[128];
    assert_int_equal(stratum_parse(line, strlen(line), &m, err, sizeof(err)), 0);
    assert_int_equal(m.kind, STRATUM_REQUEST);
    assert_string_equal(m.method, "submit");
    assert_int_equal(stratum_parse_submit(m.params, &sub, err, sizeof(err)), 0);
    assert_int_equal(sub.nonce, 10);
    char rh[65];
    ml_hex_encode(sub.result, 32, rh);
    char *s = stratum_encode_submit(m.id, sub.session_id, sub.job_id, sub.nonce_hex, rh,
                                    NULL);
    assert_string_equal(s, line);
    free(s);
    stratum_msg_free(&m);
}

static void test_job_round_trip(void **state)
{
    struct stratum_job j, k;
    char err[128];
    memset(&j, 0, sizeof(j));
    strcpy(j.job_id, "42");
    for (int i = 0; i < 76; i++)
        j.blob[i] = (uint8_t)i;
    j.blob_len = 76;
    stratum_target_encode(10000, j.target_hex);
    assert_string_equal(j.target_hex, "b88d0600");
    j.height = 3000001;
    strcpy(j.algo, "rx/0");
    memset(j.seed_hash, 0xab, 32);
    uint8_t run[STRATUM_LAB_RUN_LEN];
    memset(run, 0x5a, sizeof(run));
    char *login = stratum_encode_login_result(1, "sess", &j, "0.1.0", run);
    struct stratum_msg m;
    struct stratum_login_result lr;
    assert_int_equal(stratum_parse(login, strlen(login), &m, err, sizeof(err)), 0);
    assert_int_equal(m.kind, STRATUM_RESPONSE);
    assert_int_equal(stratum_parse_login_result(m.result, &lr, err, sizeof(err)), 0);
    assert_true(lr.lab);
    assert_memory_equal(lr.lab_run, run, sizeof(run));
    assert_non_null(strstr(login, "\"run\":\"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\""));
    assert_true(lr.ext_algo && lr.ext_keepalive && lr.ext_nicehash);
    k = lr.job;
    assert_string_equal(k.job_id, "42");
    assert_memory_equal(k.blob, j.blob, 76);
    assert_int_equal(k.height, 3000001);
    assert_memory_equal(k.seed_hash, j.seed_hash, 32);
    assert_int_equal(stratum_target64_to_diff(k.target64), 10000);
    stratum_msg_free(&m);
    free(login);
    /* Without the lab version there is no handshake. */
    login = stratum_encode_login_result(1, "sess", &j, NULL, run);
    assert_null(strstr(login, "lab"));
    assert_int_equal(stratum_parse(login, strlen(login), &m, err, sizeof(err)), 0);
    assert_int_equal(stratum_parse_login_result(m.result, &lr, err, sizeof(err)), 0);
    assert_false(lr.lab);
    stratum_msg_free(&m);
    free(login);
}

/* The lab marker: previous-block hash = pattern + run, checked both ways. */
static void test_lab_marker(void **state)
{
    uint8_t blob[76], run[STRATUM_LAB_RUN_LEN], other[STRATUM_LAB_RUN_LEN];
    char err[200];
    memset(blob, 0x11, sizeof(blob));
    memset(run, 0x22, sizeof(run));
    memset(other, 0x33, sizeof(other));
    assert_int_equal(stratum_lab_check(blob, sizeof(blob), run, err, sizeof(err)),
                     -EPERM);
    assert_non_null(strstr(err, "no lab marker"));
    stratum_lab_mark(blob, sizeof(blob), run);
    assert_memory_equal(blob + 7, "minerlab-labonly", 16);
    assert_memory_equal(blob + 23, run, 16);
    assert_int_equal(blob[6], 0x11);  /* timestamp untouched */
    assert_int_equal(blob[39], 0x11); /* nonce untouched */
    assert_int_equal(stratum_lab_check(blob, sizeof(blob), run, err, sizeof(err)), 0);
    assert_int_equal(stratum_lab_check(blob, sizeof(blob), other, err, sizeof(err)),
                     -EPERM);
    assert_non_null(strstr(err, "another run"));
    /* One flipped bit of the pattern is enough to refuse. */
    blob[7] ^= 1;
    assert_int_equal(stratum_lab_check(blob, sizeof(blob), run, err, sizeof(err)),
                     -EPERM);
    blob[7] ^= 1;
    /* Too short to hold a nonce: never marked, never accepted. */
    assert_int_equal(stratum_lab_check(blob, 42, run, err, sizeof(err)), -EPERM);
    /* The handshake object round-trips; without run it is no handshake. */
    char name[64], ver[32];
    uint8_t got[STRATUM_LAB_RUN_LEN];
    json_t *lab = stratum_lab_json("1.2.3", run);
    assert_int_equal(stratum_parse_lab(lab, name, ver, got, err, sizeof(err)), 0);
    assert_string_equal(name, "minerlab-pool");
    assert_string_equal(ver, "1.2.3");
    assert_memory_equal(got, run, sizeof(run));
    json_object_del(lab, "run");
    assert_int_equal(stratum_parse_lab(lab, name, ver, got, err, sizeof(err)), -EINVAL);
    json_object_set_new(lab, "run", json_string("zz"));
    assert_int_equal(stratum_parse_lab(lab, name, ver, got, err, sizeof(err)), -EINVAL);
    json_decref(lab);
}

static void test_targets(void **state)
{
    uint64_t t;
    char err[128], hex[17];
    assert_int_equal(stratum_target_decode("b88d0600", &t, err, sizeof(err)), 0);
    assert_int_equal(stratum_target64_to_diff(t), 10000);
    assert_int_equal(stratum_target_decode("ffffffff", &t, err, sizeof(err)), 0);
    assert_int_equal(t, UINT64_MAX);
    /* 16 hex: a little-endian uint64 as it is. */
    assert_int_equal(stratum_target_decode("0100000000000000", &t, err, sizeof(err)),
                     0);
    assert_int_equal(t, 1);
    stratum_target_encode(0x100000000ull, hex);
    assert_int_equal(strlen(hex), 16);
    assert_int_equal(stratum_target_decode(hex, &t, err, sizeof(err)), 0);
    assert_int_equal(t, UINT64_MAX / 0x100000000ull);
    assert_int_not_equal(stratum_target_decode("b88d06", &t, err, sizeof(err)), 0);
    assert_int_not_equal(stratum_target_decode("zz8d0600", &t, err, sizeof(err)), 0);
    assert_int_not_equal(stratum_target_decode("00000000", &t, err, sizeof(err)), 0);
}

static void test_share_check(void **state)
{
    uint8_t h[32] = {0};
    uint64_t t = stratum_diff_to_target64(10000);
    /* value at bytes 24..31 = t - 1 passes, t fails */
    for (int i = 0; i < 8; i++)
        h[24 + i] = (uint8_t)((t - 1) >> (8 * i));
    assert_true(stratum_hash_meets(h, t));
    for (int i = 0; i < 8; i++)
        h[24 + i] = (uint8_t)(t >> (8 * i));
    assert_false(stratum_hash_meets(h, t));
    memset(h, 0xff, 24); /* lower bytes do not matter */
    assert_false(stratum_hash_meets(h, t));
    assert_int_equal(stratum_nicehash_nonce(0xAB000000u, 0x12345678u), 0xAB345678u);
}

static void test_bad_input(void **state)
{
    struct stratum_msg m;
    struct stratum_submit sub;
    struct stratum_login l;
    char err[128];
    const char *bad[] = {"",
                         "garbage",
                         "[1,2]",
                         "{\"id\":\"x\",\"method\":\"login\"}",
                         "{\"id\":1,\"method\":5}",
                         "{\"jsonrpc\":\"2.0\"}",
                         "{\"id\":1,\"id\":2,\"method\":\"a\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_not_equal(
            stratum_parse(bad[i], strlen(bad[i]), &m, err, sizeof(err)), 0);
    const char *wrong =
        "{\"id\":2,\"method\":\"submit\",\"params\":{\"id\":1,\"job_id\":"
        "\"1\",\"nonce\":\"00\",\"result\":\"00\"}}";
    assert_int_equal(stratum_parse(wrong, strlen(wrong), &m, err, sizeof(err)), 0);
    assert_int_not_equal(stratum_parse_submit(m.params, &sub, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "\"id\""));
    assert_int_not_equal(stratum_parse_login(m.params, &l, err, sizeof(err)), 0);
    stratum_msg_free(&m);
}

/* The cached status answers equal what jansson writes for the whole object. */
static void test_status_cache(void **state)
{
    const char *st[] = {"OK", "KEEPALIVED", "OK", "SOMETHING"};
    int64_t ids[] = {0, 1, 123456789012345LL, 7};
    for (int i = 0; i < 4; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(ids[i]));
        json_object_set_new(o, "jsonrpc", json_string("2.0"));
        json_object_set_new(o, "error", json_null());
        json_object_set_new(o, "result", json_pack("{s:s}", "status", st[i]));
        char *want = json_dumps(o, JSON_COMPACT);
        char *got = stratum_encode_status(ids[i], st[i]);
        assert_string_equal(got, want);
        free(want);
        free(got);
        json_decref(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_bytes),
        cmocka_unit_test(test_login_xmrig_list),
        cmocka_unit_test(test_login_submit_algo_param),
        cmocka_unit_test(test_submit_keepalive_bytes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_job_round_trip),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_lab_marker),
        cmocka_unit_test(test_share_check),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_status_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
