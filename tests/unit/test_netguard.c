/* The lab guard: loopback always, a lab CIDR when given, nothing else. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "netguard.h"

static struct sockaddr_storage addr(const char *ip)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (strchr(ip, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, ip, &s6->sin6_addr);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        inet_pton(AF_INET, ip, &s4->sin_addr);
    }
    return ss;
}

static int check(const char *ip, const char *cidr, char *err, size_t errlen)
{
    struct sockaddr_storage ss = addr(ip);
    return netguard_check((struct sockaddr *)&ss, cidr, err, errlen);
}

#define CHECK(ip, cidr) check(ip, cidr, err, sizeof(err))

static void test_loopback(void **state)
{
    char err[256];
    struct sockaddr_storage a = addr("127.0.0.1");
    assert_true(netguard_is_loopback((struct sockaddr *)&a));
    assert_int_equal(CHECK("127.0.0.1", NULL), 0);
    assert_int_equal(CHECK("127.255.0.9", ""), 0);
    assert_int_equal(CHECK("::1", NULL), 0);
    assert_int_equal(CHECK("::ffff:127.0.0.1", NULL), 0);
}

static void test_refusals(void **state)
{
    char err[256];
    assert_int_equal(CHECK("8.8.8.8", NULL), -EPERM);
    assert_non_null(strstr(err, "8.8.8.8"));
    assert_int_equal(CHECK("10.66.0.2", NULL), -EPERM);
    assert_int_equal(CHECK("10.66.1.2", "10.66.0.0/24"), -EPERM);
    assert_int_equal(CHECK("2001:db8::1", "fd00::/64"), -EPERM);
    assert_int_equal(CHECK("::", NULL), -EPERM);
    assert_int_equal(CHECK("0.0.0.0", NULL), -EPERM);
}

static void test_lab_net(void **state)
{
    char err[256];
    assert_int_equal(CHECK("10.66.0.2", "10.66.0.0/24"), 0);
    assert_int_equal(CHECK("10.66.0.255", "10.66.0.0/24"), 0);
    assert_int_equal(CHECK("10.66.0.2", "10.66.0.2"), 0);
    assert_int_equal(CHECK("10.66.0.3", "10.66.0.2/32"), -EPERM);
    assert_int_equal(CHECK("10.66.200.1", "10.66.0.0/16"), 0);
    assert_int_equal(CHECK("fd00::5", "fd00::/64"), 0);
    /* The lab-net rule holds in netguard_check too, whoever calls it. */
    assert_int_equal(CHECK("10.64.0.1", "10.66.0.0/14"), -EINVAL);
    assert_int_equal(CHECK("8.8.8.8", "0.0.0.0/0"), -EINVAL);
    assert_int_equal(CHECK("8.8.8.8", "8.8.8.0/24"), -EINVAL);
    assert_int_equal(CHECK("::ffff:10.66.0.2", "10.66.0.0/24"), 0);
    assert_int_equal(CHECK("10.66.0.2", "10.66.0.0/33"), -EINVAL);
    assert_int_equal(CHECK("10.66.0.2", "bogus/8"), -EINVAL);
}

/* Which nets may be a lab net: non-global ranges only, /16 or /48 at most. */
static void test_lab_net_rule(void **state)
{
    char err[256];
    struct netguard_cidr c;
    static const char *const refused[] = {"0.0.0.0/0",
                                          "::/0",
                                          "8.8.8.0/24",
                                          "64:ff9b::/96",
                                          "10.0.0.0/8",
                                          "10.0.0.0/15",
                                          "172.32.0.0/16",
                                          "192.169.0.0/16",
                                          "100.128.0.0/16",
                                          "198.20.0.0/16",
                                          "192.0.2.0/24",
                                          "::ffff:10.0.0.0/104",
                                          "::ffff:0:0/96",
                                          "2001:db8::/64",
                                          "fe80::/10",
                                          "fc00::/7",
                                          "fd00::/47",
                                          "fec0::/64",
                                          "8.8.8.8",
                                          "::2",
                                          "169.254.1.0/24",
                                          "224.0.0.0/24",
                                          NULL};
    static const char *const accepted[] = {"10.254.3.0/30",
                                           "10.66.0.0/16",
                                           "172.31.0.0/16",
                                           "192.168.7.0/24",
                                           "100.64.0.0/16",
                                           "100.127.255.0/24",
                                           "198.18.0.0/16",
                                           "198.19.4.0/24",
                                           "127.0.0.0/16",
                                           "10.1.2.3",
                                           "fd00::/48",
                                           "fc12:3456::/64",
                                           "fe80::/64",
                                           "febf:1::/48",
                                           "::1",
                                           "::1/128",
                                           NULL};
    for (int i = 0; refused[i]; i++) {
        err[0] = '\0';
        if (netguard_parse_lab_net(refused[i], &c, err, sizeof(err)) != -EINVAL)
            fail_msg("lab net %s was accepted", refused[i]);
        assert_non_null(strstr(err, refused[i]));
    }
    for (int i = 0; accepted[i]; i++)
        if (netguard_parse_lab_net(accepted[i], &c, err, sizeof(err)) != 0)
            fail_msg("lab net %s refused: %s", accepted[i], err);
    struct sockaddr_storage a = addr("100.100.1.1"), b = addr("8.8.8.8"),
                            m = addr("::ffff:192.168.1.1"),
                            n = addr("64:ff9b::808:808");
    assert_true(netguard_is_non_global((struct sockaddr *)&a));
    assert_false(netguard_is_non_global((struct sockaddr *)&b));
    assert_true(netguard_is_non_global((struct sockaddr *)&m));
    assert_false(netguard_is_non_global((struct sockaddr *)&n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_lab_net), cmocka_unit_test(test_lab_net_rule)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
