/*
 * det_homenet: the --home-net CIDR lists the network detectors take, as
 * Suricata's $HOME_NET is written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "det_homenet.h"

static int in(const struct det_home_net *h, const char *ip)
{
    uint8_t a[16];
    int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(fam, ip, a), 1);
    return det_home_net_contains(h, fam, a);
}

static void parses_and_matches(void **state)
{
    (void)state;
    struct det_home_net h;
    char err[128], fmt[256];
    assert_int_equal(det_home_net_parse("198.18.7.0/25", &h, err, sizeof(err)), 0);
    assert_true(in(&h, "198.18.7.0"));
    assert_true(in(&h, "198.18.7.127"));
    assert_false(in(&h, "198.18.7.128"));
    assert_false(in(&h, "198.18.6.1"));
    assert_false(in(&h, "::ffff:198.18.7.1")); /* families are kept apart */
    /* Suricata's bracket form, spaces, IPv6, a bare host, host bits cleared. */
    assert_int_equal(
        det_home_net_parse("[10.1.2.3/8, fd00::/8,192.168.1.9]", &h, err, sizeof(err)),
        0);
    assert_int_equal(h.n, 3);
    assert_true(in(&h, "10.200.0.1"));
    assert_true(in(&h, "fd12::1"));
    assert_false(in(&h, "fe80::1"));
    assert_true(in(&h, "192.168.1.9"));
    assert_false(in(&h, "192.168.1.8"));
    det_home_net_format(&h, fmt, sizeof(fmt));
    assert_string_equal(fmt, "10.0.0.0/8,fd00::/8,192.168.1.9/32");
    /* /0 is every address of its family; an odd prefix checks the partial byte. */
    assert_int_equal(
        det_home_net_parse("0.0.0.0/0,198.18.7.64/27", &h, err, sizeof(err)), 0);
    assert_true(in(&h, "8.8.8.8"));
    assert_false(in(&h, "::1"));
    /* Nothing configured. */
    assert_int_equal(det_home_net_parse(NULL, &h, err, sizeof(err)), 0);
    assert_int_equal(h.n, 0);
    assert_false(in(&h, "198.18.7.1"));
    assert_int_equal(det_home_net_parse("", &h, err, sizeof(err)), 0);
    assert_int_equal(h.n, 0);
}

static void bad_input_says_why(void **state)
{
    (void)state;
    struct det_home_net h;
    char err[128];
    static const char *const bad[] = {
        "198.18.7/25", "198.18.7.0/33",   "fd00::/129", "198.18.7.0/x", "lo",
        ",",           "10.0.0.0/8,bogus"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(det_home_net_parse(bad[i], &h, err, sizeof(err)), -EINVAL);
        assert_true(strlen(err) > 0);
        assert_int_equal(h.n, 0);
    }
    char many[1024] = "";
    for (int i = 0; i < 17; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s10.%d.0.0/16",
                 i ? "," : "", i);
    assert_int_equal(det_home_net_parse(many, &h, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "more than"));
}

static void env_default(void **state)
{
    (void)state;
    unsetenv("ML_HOME_NET");
    assert_null(det_home_net_env());
    setenv("ML_HOME_NET", "", 1);
    assert_null(det_home_net_env());
    setenv("ML_HOME_NET", "198.18.7.0/25", 1);
    assert_string_equal(det_home_net_env(), "198.18.7.0/25");
    unsetenv("ML_HOME_NET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_and_matches),
        cmocka_unit_test(bad_input_says_why),
        cmocka_unit_test(env_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
