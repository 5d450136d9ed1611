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
    assert_int_equal(CHECK("2001:db8::1", "fd00::/8"), -EPERM);
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
    assert_int_equal(CHECK("10.64.0.1", "10.66.0.0/14"), 0);
    assert_int_equal(CHECK("fd00::5", "fd00::/8"), 0);
    assert_int_equal(CHECK("::ffff:10.66.0.2", "10.66.0.0/24"), 0);
    assert_int_equal(CHECK("10.66.0.2", "10.66.0.0/33"), -EINVAL);
    assert_int_equal(CHECK("10.66.0.2", "bogus/8"), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_loopback),
                                       cmocka_unit_test(test_refusals),
                                       cmocka_unit_test(test_lab_net)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
