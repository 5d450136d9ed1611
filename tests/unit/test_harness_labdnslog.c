/* labdnslog: the lab DNS's query log lines (dnsmasq --log-queries=extra). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "labdnslog.h"

static void queries_parse(void **state)
{
    (void)state;
    struct labdns_query q;
    assert_int_equal(
        labdns_parse_query("Nov 30 22:20:01 dnsmasq[4242]: 7 198.18.7.1/40211 "
                           "query[A] Pool.SupportXMR.com from 198.18.7.1",
                           &q),
        1);
    assert_string_equal(q.client, "198.18.7.1:40211");
    assert_string_equal(q.ip, "198.18.7.1");
    assert_string_equal(q.name, "pool.supportxmr.com");
    assert_int_equal(labdns_parse_query("Nov 30 22:20:01 dnsmasq[1]: 8 fd00::1/53000 "
                                        "query[AAAA] www.example.com. from fd00::1",
                                        &q),
                     1);
    assert_string_equal(q.client, "[fd00::1]:53000");
    assert_string_equal(q.name, "www.example.com");
}

static void other_lines_are_not_queries(void **state)
{
    (void)state;
    struct labdns_query q;
    static const char *const other[] = {
        "Nov 30 22:20:01 dnsmasq[4242]: 7 198.18.7.1/40211 config pool.supportxmr.com "
        "is 198.18.7.200",
        "Nov 30 22:20:01 dnsmasq[4242]: started, version 2.90 cachesize 150",
        "Nov 30 22:20:01 dnsmasq[4242]: 9 198.18.7.1/40212 config example.org is "
        "NXDOMAIN",
        ""};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        assert_int_equal(labdns_parse_query(other[i], &q), 0);
    /* Query lines without the extra client field, or with a bad port. */
    assert_int_equal(
        labdns_parse_query("dnsmasq[1]: query[A] a.example from 10.0.0.1", &q), -22);
    assert_int_equal(labdns_parse_query(
                         "dnsmasq[1]: 1 10.0.0.1/70000 query[A] a.example from x", &q),
                     -22);
    assert_int_equal(labdns_parse_query("dnsmasq[1]: 1 10.0.0.1/53 query[A]", &q), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queries_parse),
        cmocka_unit_test(other_lines_are_not_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
