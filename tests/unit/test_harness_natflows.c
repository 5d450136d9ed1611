/* natflows: the post-NAT tuples of nf_conntrack lines (a fleet's ground truth). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natflows.h"

/* Lines as the gateway namespace of a fleet shows them (kernel 6.x). */
static const char udp_dns[] =
    "ipv4     2 udp      17 28 src=10.201.0.11 dst=198.18.179.253 sport=41000 "
    "dport=53 src=198.18.179.253 dst=198.18.179.10 sport=53 dport=41000 mark=0 "
    "zone=0 use=2\n";
static const char tcp_moved[] =
    "ipv4     2 tcp      6 431999 ESTABLISHED src=10.201.0.12 dst=198.18.179.200 "
    "sport=40000 dport=3333 src=198.18.179.200 dst=198.18.179.10 sport=3333 "
    "dport=1025 [ASSURED] mark=0 zone=0 use=2\n";
static const char tcp_plain[] = /* not translated: the gateway's own connection */
    "ipv4     2 tcp      6 116 TIME_WAIT src=198.18.179.10 dst=198.18.179.253 "
    "sport=36686 dport=53 src=198.18.179.253 dst=198.18.179.10 sport=53 dport=36686 "
    "[ASSURED] mark=0 zone=0 use=2\n";
static const char igmp[] = "ipv4     2 unknown  2 590 src=10.201.0.1 dst=224.0.0.22 "
                           "[UNREPLIED] src=224.0.0.22 dst=10.201.0.1 mark=0 zone=0 "
                           "use=2\n";
static const char v6[] = "ipv6     10 udp      17 20 src=fd00::2 dst=fd00::1 "
                         "sport=5000 dport=53 src=fd00::1 dst=fd00::9 sport=53 "
                         "dport=5000 mark=0 zone=0 use=2\n";

static void test_parse(void **state)
{
    struct natflow f;
    (void)state;
    assert_int_equal(natflow_parse(udp_dns, &f), 1);
    assert_string_equal(f.proto, "udp");
    assert_string_equal(f.inner, "10.201.0.11:41000");
    assert_string_equal(f.outer, "198.18.179.10:41000"); /* port kept, address moved */
    assert_string_equal(f.dst, "198.18.179.253:53");
    assert_int_equal(natflow_parse(tcp_moved, &f), 1);
    assert_string_equal(f.proto, "tcp");
    assert_string_equal(f.inner, "10.201.0.12:40000");
    assert_string_equal(f.outer, "198.18.179.10:1025"); /* port moved too */
    assert_string_equal(f.dst, "198.18.179.200:3333");
    assert_int_equal(natflow_parse(tcp_plain, &f), 0);
    assert_int_equal(natflow_parse(igmp, &f), 0);
    assert_int_equal(natflow_parse(v6, &f), 0);
    assert_int_equal(natflow_parse("", &f), 0);
    assert_int_equal(natflow_parse("ipv4 2 tcp 6 1 src=1.2.3.4 dst=5.6.7.8\n", &f), 0);
}

static void test_read_missing(void **state)
{
    struct natflow *v = NULL;
    size_t n = 0, cap = 0;
    (void)state;
    /* pid 0 has no /proc entry: an error, nothing appended */
    assert_true(natflow_read(0, &v, &n, &cap) < 0);
    assert_int_equal(n, 0);
    /* our own namespace: a count (often 0), never an entry that is not NATed */
    int rc = natflow_read(getpid(), &v, &n, &cap);
    assert_true(rc >= 0 || rc == -ENOENT);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(v[i].inner, v[i].outer);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_read_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
