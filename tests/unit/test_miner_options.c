#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

static int parse(struct miner_options *o, char *err, const char *first, ...)
{
    char *argv[32] = {"minerlab-miner"};
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    return miner_options_parse(argc, argv, o, err, 256);
}

static void xmrig_flags(void **state)
{
    struct miner_options o;
    char err[256] = "";
    assert_int_equal(parse(&o, err, "-o", "stratum+tcp://127.0.0.1:3333", "-u", "WALLET", "-p",
                           "x", "-t", "2", "--duty", "30", "--mode", "light",
                           "--donate-level", "1", "--cpu-priority", "0", NULL),
                     0);
    assert_string_equal(o.url, "stratum+tcp://127.0.0.1:3333");
    assert_string_equal(o.user, "WALLET");
    assert_int_equal(o.threads, 2);
    assert_int_equal(o.duty_pct, 30);
    assert_int_equal(o.rx.mode, RX_MODE_LIGHT);
    assert_int_equal(o.cpu_priority, 0);
    assert_int_equal(o.tls, 0);
    assert_int_equal(o.action, MINER_RUN);
    assert_int_equal(o.login_algo_only, 0); /* XMRig's whole list by default */
    assert_int_equal(
        parse(&o, err, "-o", "stratum+tcp://127.0.0.1:3333", "--login-algo-only", NULL),
        0);
    assert_int_equal(o.login_algo_only, 1);
}

static void tls_scheme_implies_tls(void **state)
{
    struct miner_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "-o", "stratum+ssl://127.0.0.1:3334", NULL), 0);
    assert_int_equal(o.tls, 1);
}

static void bad_values_fail_with_reason(void **state)
{
    struct miner_options o;
    char err[256];
    const char *cases[][3] = {
        {"--duty", "0", "--duty"},       {"--duty", "101", "--duty"},
        {"-t", "0", "--threads"},        {"--mode", "turbo", "--mode"},
        {"--cpu-priority", "9", "priority"}, {"--duty-ramp", "5:200:10", "ramp"},
        {"--name", "", "--name"},        {"--max-duration", "-3", "max-duration"},
        {"--algo", "cn/r", "algo"},      {"--backend", "fpga", "backend"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        assert_int_not_equal(parse(&o, err, "--bench", "1", cases[i][0], cases[i][1], NULL), 0);
        assert_non_null(strstr(err, cases[i][2]));
    }
    assert_int_not_equal(parse(&o, err, "--no-such-flag", NULL), 0);
    assert_non_null(strstr(err, "--no-such-flag"));
    assert_int_not_equal(parse(&o, err, NULL), 0); /* no pool, no offline mode */
    assert_non_null(strstr(err, "no pool"));
}

static void ramp_and_offline(void **state)
{
    struct miner_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--bench", "200", "--json", "--duty-ramp", "5:100:60",
                           NULL),
                     0);
    assert_int_equal(o.action, MINER_BENCH);
    assert_int_equal(o.bench_hashes, 200);
    assert_int_equal(o.json, 1);
    assert_int_equal(o.ramp_from, 5);
    assert_int_equal(o.ramp_to, 100);
    assert_int_equal(o.ramp_seconds, 60);
    assert_int_equal(parse(&o, err, "--selftest", NULL), 0);
    assert_int_equal(o.action, MINER_SELFTEST);
}

static void config_env_then_argv_overrides(void **state)
{
    struct miner_options o;
    char err[256];
    setenv("ML_TEST_CFG",
           "{\"pools\":[{\"url\":\"stratum+tcp://127.0.0.1:4444\",\"user\":\"W\",\"pass\":\"p\","
           "\"tls\":false,\"enabled\":true}],\"threads\":3,\"duty\":40,\"http\":{\"enabled\":false},"
           "\"cpu\":{\"priority\":2},\"randomx\":{\"mode\":\"fast\"}}",
           1);
    assert_int_equal(parse(&o, err, "--config-env", "ML_TEST_CFG", "--duty", "55", NULL), 0);
    assert_string_equal(o.url, "stratum+tcp://127.0.0.1:4444");
    assert_string_equal(o.pass, "p");
    assert_int_equal(o.threads, 3);
    assert_int_equal(o.duty_pct, 55); /* the command line wins */
    assert_int_equal(o.cpu_priority, 2);
    assert_int_equal(o.rx.mode, RX_MODE_FAST);
}

static void config_errors(void **state)
{
    struct miner_options o;
    char err[256];
    setenv("ML_TEST_BAD", "{\"duty\": 150}", 1);
    assert_int_not_equal(parse(&o, err, "--config-env", "ML_TEST_BAD", NULL), 0);
    assert_non_null(strstr(err, "--duty"));
    setenv("ML_TEST_BAD", "{\"frobnicate\": 1}", 1);
    assert_int_not_equal(parse(&o, err, "--config-env", "ML_TEST_BAD", NULL), 0);
    assert_non_null(strstr(err, "frobnicate"));
    setenv("ML_TEST_BAD", "{\"url\": ", 1);
    assert_int_not_equal(parse(&o, err, "--config-env", "ML_TEST_BAD", NULL), 0);
    assert_non_null(strstr(err, "ML_TEST_BAD"));
    assert_int_not_equal(parse(&o, err, "--config-env", "ML_TEST_UNSET_VAR", NULL), 0);
    assert_int_not_equal(parse(&o, err, "-c", "/nonexistent/minerlab.json", NULL), 0);
    assert_non_null(strstr(err, "/nonexistent/minerlab.json"));
}

static void config_file(void **state)
{
    struct miner_options o;
    char err[256], path[] = "/tmp/minerlab-opt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *txt = "{\"url\":\"ws://127.0.0.1:8080\",\"user\":\"W\",\"max-duration\":12.5,"
                      "\"nicehash\":true,\"name\":\"[kworker/0:1]\"}";
    assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    int rc = parse(&o, err, "-c", path, NULL);
    unlink(path);
    assert_int_equal(rc, 0);
    assert_string_equal(o.url, "ws://127.0.0.1:8080");
    assert_true(o.max_duration_s > 12.4 && o.max_duration_s < 12.6);
    assert_int_equal(o.nicehash, 1);
    assert_string_equal(o.name, "[kworker/0:1]");
}

/* Issue 13: the default lifetime and its limits; --lab-net on the command
 * line only and inside the lab-net rule; the API token. */
static void safety_defaults(void **state)
{
    struct miner_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "-o", "127.0.0.1:3333", NULL), 0);
    assert_true(o.max_duration_s == MINER_LIFETIME_DEFAULT_S);
    assert_int_equal(MINER_LIFETIME_DEFAULT_S, 3600);
    assert_int_equal(o.max_duration_given, 0);
    assert_int_equal(
        parse(&o, err, "-o", "127.0.0.1:3333", "--max-duration", "86400", NULL), 0);
    assert_int_equal(o.max_duration_given, 1);
    assert_int_equal(
        parse(&o, err, "-o", "127.0.0.1:3333", "--max-duration", "86401", NULL),
        -EINVAL);
    assert_non_null(strstr(err, "--soak"));
    assert_int_equal(parse(&o, err, "-o", "127.0.0.1:3333", "--soak", "--max-duration",
                           "604800", NULL),
                     0);
    assert_int_equal(parse(&o, err, "-o", "127.0.0.1:3333", "--soak", "--max-duration",
                           "604801", NULL),
                     -EINVAL);
    assert_int_equal(
        parse(&o, err, "-o", "127.0.0.1:3333", "--lab-net", "10.9.0.0/24", NULL), 0);
    assert_string_equal(o.lab_net, "10.9.0.0/24");
    assert_int_equal(
        parse(&o, err, "-o", "127.0.0.1:3333", "--lab-net", "0.0.0.0/0", NULL),
        -EINVAL);
    assert_non_null(strstr(err, "--lab-net"));
    setenv("ML_TEST_LABNET_CFG", "{\"lab-net\":\"10.9.0.0/24\"}", 1);
    assert_int_equal(parse(&o, err, "-o", "127.0.0.1:3333", "--config-env",
                           "ML_TEST_LABNET_CFG", NULL),
                     -EPERM);
    assert_non_null(strstr(err, "only on the command line"));
    setenv("ML_TEST_LABNET_CFG",
           "{\"pools\":[{\"url\":\"127.0.0.1:1\",\"lab-net\":\"10.9.0.0/24\"}]}", 1);
    assert_int_equal(parse(&o, err, "--config-env", "ML_TEST_LABNET_CFG", NULL),
                     -EPERM);
    unsetenv("ML_TEST_LABNET_CFG");
    assert_int_equal(
        parse(&o, err, "-o", "127.0.0.1:3333", "--api-token", "short", NULL), -EINVAL);
    assert_int_equal(
        parse(&o, err, "-o", "127.0.0.1:3333", "--api-token", "0123456789abcdef", NULL),
        0);
    assert_string_equal(o.api_token, "0123456789abcdef");
    assert_int_equal(parse(&o, err, "-o", "127.0.0.1:3333", "--dry-run", NULL), 0);
    assert_int_equal(o.action, MINER_DRY_RUN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xmrig_flags),
        cmocka_unit_test(tls_scheme_implies_tls),
        cmocka_unit_test(bad_values_fail_with_reason),
        cmocka_unit_test(ramp_and_offline),
        cmocka_unit_test(config_env_then_argv_overrides),
        cmocka_unit_test(config_errors),
        cmocka_unit_test(config_file),
        cmocka_unit_test(safety_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
