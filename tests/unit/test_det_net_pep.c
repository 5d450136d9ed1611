/* pool-endpoint on recorded traffic: pool ports, DNS names, TLS SNI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pool_endpoint.h"
#include "test_det_net_util.h"

static struct tdn_alerts run(const char *pcap, int ignore_private)
{
    struct tdn_alerts got = {0};
    char err[256], path[4096];
    struct pep_config cfg = {
        .emit = tdn_collect, .emit_ctx = &got, .ignore_private = ignore_private};
    struct pep *p = NULL;
    assert_int_equal(pep_create(&p, &cfg), 0);
    snprintf(path, sizeof(path),
             "%s/detectors-under-test/pool-endpoint/pool-domains.txt",
             getenv("ML_SOURCE_DIR") ? getenv("ML_SOURCE_DIR") : ".");
    assert_int_equal(pep_load_domains(p, path, err, sizeof(err)), 0);
    assert_int_equal(tdn_run("pool-endpoint", pcap, pep_packet, pep_tick, p), 0);
    pep_destroy(p);
    return got;
}

static void pool_port_once_per_connection(void **state)
{
    (void)state;
    struct tdn_alerts got = run("xmrig_login.pcap", 0);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.a[0].rule, "pool-port");
    assert_string_equal(got.a[0].dst, "127.0.0.1:3333");
    /* Falco's own behaviour: loopback servers are ignored. */
    got = run("xmrig_login.pcap", 1);
    assert_int_equal(got.n, 0);
    got = run("real_tls.pcap", 0); /* minerlab's TLS port 3334 is on the list too */
    assert_int_equal(got.n, 1);
    assert_string_equal(got.a[0].dst, "127.0.0.1:3334");
    got = run("xmrig_login_v6.pcap", 0);
    assert_int_equal(tdn_count(&got, "pool-port"), 1);
    assert_string_equal(got.a[0].dst, "[::1]:3333");
}

static void port_list_is_blunt(void **state)
{
    (void)state;
    /* 8080 is on Falco's list, so a benign JSON-RPC service trips it (a known
     * false positive we keep, to score the public rule honestly). */
    struct tdn_alerts got = run("benign_jsonrpc_8080.pcap", 0);
    assert_int_equal(tdn_count(&got, "pool-port"), 1);
    got = run("coinhive_ws.pcap", 0); /* 8081 is not on the list */
    assert_int_equal(got.n, 0);
}

static void dns_names_match_by_suffix(void **state)
{
    (void)state;
    struct tdn_alerts got = run("dns_queries.pcap", 0);
    /* All three queries share one UDP flow: one alert per flow and rule, for
     * the first pool name (the benign example.org query in between is no hit). */
    assert_int_equal(got.n, 1);
    assert_string_equal(got.a[0].rule, "pool-dns");
    assert_string_equal(got.a[0].proto, "udp");
    assert_string_equal(got.a[0].dst, "127.0.0.1:5353");
    assert_non_null(strstr(got.a[0].reason, "pool.supportxmr.com"));
}

static void sni_of_pool_domain_only(void **state)
{
    (void)state;
    struct tdn_alerts got = run("tls_sni.pcap", 0);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.a[0].rule, "pool-sni");
    assert_non_null(strstr(got.a[0].reason, "xmr-eu1.nanopool.org"));
    assert_string_equal(got.a[0].dst, "127.0.0.1:9443");
}

static void parsers_refuse_garbage(void **state)
{
    (void)state;
    char name[256];
    uint8_t buf[512];
    struct pep *p = NULL;
    assert_int_equal(pep_create(&p, NULL), 0);
    /* Every prefix of a ClientHello and random bytes: never a crash or overread. */
    srand(7);
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(rand() % (int)sizeof(buf));
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rand();
        if (round % 2) { /* plausible record header */
            buf[0] = 0x16;
            if (n > 1)
                buf[1] = 3;
            if (n > 5)
                buf[5] = 1;
        }
        int rc = pep_tls_sni(buf, n, name, sizeof(name));
        assert_true(rc >= -22 && rc <= 1);
        rc = pep_dns_query_name(buf, n, name, sizeof(name));
        assert_true(rc == 0 || rc == -22);
    }
    /* A response is not a query. */
    uint8_t resp[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
    assert_int_equal(pep_dns_query_name(resp, sizeof(resp), name, sizeof(name)), -22);
    resp[2] = 0x01;
    assert_int_equal(pep_dns_query_name(resp, sizeof(resp), name, sizeof(name)), 0);
    assert_string_equal(name, "a");
    pep_destroy(p);
}

static void domain_matching(void **state)
{
    (void)state;
    char err[128];
    char path[] = "/tmp/test_det_net_pep_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\n  SupportXMR.com  \n\nnanopool.org # trailing\n", f);
    fclose(f);
    struct pep *p = NULL;
    assert_int_equal(pep_create(&p, NULL), 0);
    assert_int_equal(pep_load_domains(p, path, err, sizeof(err)), 0);
    unlink(path);
    assert_string_equal(pep_match_domain(p, "supportxmr.com"), "supportxmr.com");
    assert_string_equal(pep_match_domain(p, "pool.supportxmr.com."), "supportxmr.com");
    assert_null(pep_match_domain(p, "notsupportxmr.com"));
    assert_null(pep_match_domain(p, "supportxmr.com.evil"));
    assert_string_equal(pep_match_domain(p, "xmr.nanopool.org"), "nanopool.org");
    assert_true(pep_load_domains(p, "/nonexistent/list", err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "/nonexistent/list"));
    pep_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pool_port_once_per_connection),
        cmocka_unit_test(port_list_is_blunt),
        cmocka_unit_test(dns_names_match_by_suffix),
        cmocka_unit_test(sni_of_pool_domain_only),
        cmocka_unit_test(parsers_refuse_garbage),
        cmocka_unit_test(domain_matching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
