/* det_home: the sensor's home net (--home-net) and the outbound direction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "det_home.h"

static int in(const struct det_home_net *h, const char *ip)
{
    uint8_t a[16] = {0};
    int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(fam, ip, a), 1);
    return det_home_contains(h, fam, a);
}

static void parses_lists_and_matches_prefixes(void **state)
{
    (void)state;
    struct det_home_net h;
    char err[128];
    assert_int_equal(
        det_home_parse("198.18.7.0/25,fd00:1::/64,10.1.2.3", &h, err, sizeof(err)), 0);
    assert_int_equal(h.n, 3);
    assert_true(in(&h, "198.18.7.1"));
    assert_true(in(&h, "198.18.7.127"));
    assert_false(in(&h, "198.18.7.128"));
    assert_false(in(&h, "198.18.6.1"));
    assert_true(in(&h, "10.1.2.3"));
    assert_false(in(&h, "10.1.2.4"));
    assert_true(in(&h, "fd00:1::5"));
    assert_false(in(&h, "fd00:2::5"));
    assert_true(in(&h, "::ffff:198.18.7.9")); /* IPv4-mapped compares as IPv4 */
    assert_int_equal(det_home_parse("0.0.0.0/0", &h, err, sizeof(err)), 0);
    assert_true(in(&h, "8.8.8.8"));
    assert_int_equal(det_home_parse(NULL, &h, err, sizeof(err)), 0);
    assert_int_equal(h.n, 0);
}

static void refuses_bad_input(void **state)
{
    (void)state;
    struct det_home_net h;
    char err[128];
    static const char *const bad[] = {"198.18.7.0/33",
                                      "198.18.7.1/24",
                                      "300.1.1.1",
                                      "198.18.7.0/x",
                                      "fd00::/129",
                                      ",",
                                      "a,b",
                                      "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,"
                                      "1.1.1.7,1.1.1.8,1.1.1.9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(det_home_parse(bad[i], &h, err, sizeof(err)), -22);
        assert_non_null(strstr(err, "--home-net"));
    }
}

static void outbound_is_home_to_external(void **state)
{
    (void)state;
    struct det_home_net h;
    char err[128];
    uint8_t home[4] = {198, 18, 7, 1}, ext[4] = {198, 18, 7, 200},
            peer[4] = {198, 18, 7, 2};
    assert_int_equal(det_home_parse("198.18.7.0/25", &h, err, sizeof(err)), 0);
    assert_true(det_home_outbound(&h, AF_INET, home, ext));
    assert_false(det_home_outbound(&h, AF_INET, ext, home));
    assert_false(det_home_outbound(&h, AF_INET, home, peer));
    assert_false(det_home_outbound(&h, AF_INET, ext, ext));
    assert_int_equal(det_home_parse("", &h, err, sizeof(err)), 0);
    assert_true(det_home_outbound(&h, AF_INET, ext, home)); /* none set: all flows */
}

/* $ML_HOME_NET as the default, and the parsed form written back. */
static void env_default_and_format(void **state)
{
    (void)state;
    struct det_home_net h;
    char err[128], fmt[128];
    unsetenv("ML_HOME_NET");
    assert_null(det_home_env());
    setenv("ML_HOME_NET", "", 1);
    assert_null(det_home_env());
    setenv("ML_HOME_NET", "198.18.7.0/25", 1);
    assert_string_equal(det_home_env(), "198.18.7.0/25");
    unsetenv("ML_HOME_NET");
    assert_int_equal(det_home_parse("198.18.7.0/25,fd00:1::/64", &h, err, sizeof(err)), 0);
    det_home_format(&h, fmt, sizeof(fmt));
    assert_string_equal(fmt, "198.18.7.0/25,fd00:1::/64");
    assert_int_equal(det_home_parse("", &h, err, sizeof(err)), 0);
    det_home_format(&h, fmt, sizeof(fmt));
    assert_string_equal(fmt, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_lists_and_matches_prefixes),
        cmocka_unit_test(refuses_bad_input),
        cmocka_unit_test(outbound_is_home_to_external),
        cmocka_unit_test(env_default_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
