/* The lab DNS guard: server address forms, the server must lie inside
 * --lab-net (loopback alone is not enough), names only, and a lab DNS that
 * does not answer ends the lookup within its time limit. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "labdns.h"
#include "ml_util.h"

static void test_parse_server(void **state)
{
    struct sockaddr_storage ss;
    char err[200];
    (void)state;
    assert_int_equal(labdns_parse_server("10.77.0.1", &ss, err, sizeof(err)), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 53);
    assert_int_equal(labdns_parse_server("10.77.0.1:5353", &ss, err, sizeof(err)), 0);
    assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 5353);
    assert_int_equal(labdns_parse_server("fd00::1", &ss, err, sizeof(err)), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 53);
    assert_int_equal(labdns_parse_server("[fd00::1]:54", &ss, err, sizeof(err)), 0);
    assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 54);
    static const char *bad[] = {
        "",         "dns.lab",    "10.77.0.1:0", "10.77.0.1:70000",
        "[fd00::1", "[fd00::1]x", "10.77.0.1:x", ":53"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(labdns_parse_server(bad[i], &ss, err, sizeof(err)), -EINVAL);
}

static void test_check_server(void **state)
{
    char err[200];
    (void)state;
    assert_int_equal(labdns_check_server("10.77.0.1", "10.77.0.0/24", err, sizeof(err)),
                     0);
    assert_int_equal(labdns_check_server("10.78.0.1", "10.77.0.0/24", err, sizeof(err)),
                     -EPERM);
    assert_non_null(strstr(err, "the lab DNS must lie inside --lab-net 10.77.0.0/24"));
    /* A loopback stub resolver forwards to the internet: not a lab DNS. */
    assert_int_equal(
        labdns_check_server("127.0.0.53", "10.77.0.0/24", err, sizeof(err)), -EPERM);
    assert_int_equal(labdns_check_server("10.77.0.1", "", err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, "needs --lab-net"));
    assert_int_equal(labdns_check_server("10.77.0.1", NULL, err, sizeof(err)), -EPERM);
}

static void test_numeric(void **state)
{
    (void)state;
    assert_true(labdns_is_numeric("10.1.2.3"));
    assert_true(labdns_is_numeric("::1"));
    assert_false(labdns_is_numeric("pool.supportxmr.com"));
    assert_false(labdns_is_numeric("localhost"));
}

static void test_resolve_refusals(void **state)
{
    struct sockaddr_storage ss;
    char err[200];
    (void)state;
    /* The server outside the lab net: refused before any query. */
    assert_int_equal(labdns_resolve("8.8.8.8", "10.77.0.0/24", "pool.example", 3333,
                                    500, &ss, err, sizeof(err)),
                     -EPERM);
    assert_int_equal(labdns_resolve("10.77.0.1", "10.77.0.0/24", "10.77.0.9", 3333, 500,
                                    &ss, err, sizeof(err)),
                     -EINVAL);
}

/* Nothing listens on the port: the lookup ends in time, with a reason. */
static void test_resolve_no_answer(void **state)
{
    struct sockaddr_storage ss;
    char err[200], srv[64];
    (void)state;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof(sin);
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    snprintf(srv, sizeof(srv), "127.0.0.1:%d", ntohs(sin.sin_port));
    /* The socket stays open and silent: queries arrive and go unanswered. */
    uint64_t t0 = ml_mono_ns();
    int rc = labdns_resolve(srv, "127.0.0.0/24", "pool.example", 3333, 600, &ss, err,
                            sizeof(err));
    double s = (double)(ml_mono_ns() - t0) / 1e9;
    assert_int_equal(rc, -ETIMEDOUT);
    assert_non_null(strstr(err, "did not answer for pool.example"));
    assert_true(s < 3.0);
    char buf[512];
    assert_true(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 12); /* a query came */
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_server),
        cmocka_unit_test(test_check_server),
        cmocka_unit_test(test_numeric),
        cmocka_unit_test(test_resolve_refusals),
        cmocka_unit_test(test_resolve_no_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
