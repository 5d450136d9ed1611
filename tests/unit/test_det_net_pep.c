/* pool-endpoint: Falco's pool rule as written, DNS names, TLS SNI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "pool_endpoint.h"
#include "test_det_net_util.h"

static struct tdn_alerts run(const char *pcap)
{
    struct tdn_alerts got = {0};
    char err[256], path[4096];
    struct pep_config cfg = {.emit = tdn_collect, .emit_ctx = &got};
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

static void loopback_pools_are_not_falcos(void **state)
{
    (void)state;
    /* Falco's rule as written: loopback peers are excluded, and no DNS answer
     * named the server, so a pool port alone never alerts. */
    static const char *const pcaps[] = {"xmrig_login.pcap", "real_tls.pcap",
                                        "xmrig_login_v6.pcap",
                                        "benign_jsonrpc_8080.pcap", "coinhive_ws.pcap"};
    for (size_t i = 0; i < sizeof(pcaps) / sizeof(pcaps[0]); i++) {
        struct tdn_alerts got = run(pcaps[i]);
        assert_int_equal(tdn_count(&got, "falco-miner-pool"), 0);
    }
}

/* Writes name as DNS labels at m + n; returns the new end. */
static size_t put_name(const char *name, uint8_t *m, size_t n)
{
    for (const char *s = name; *s;) {
        size_t l = strcspn(s, ".");
        m[n++] = (uint8_t)l;
        memcpy(m + n, s, l);
        n += l;
        s += l + (s[l] == '.');
    }
    m[n++] = 0;
    return n;
}

/* A DNS response (compressed names) with a CNAME chain to one A record. */
static size_t dns_response(const char *qname, const char *cname, const uint8_t ip[4],
                           uint8_t *m)
{
    size_t n = 0;
    static const uint8_t hdr[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0};
    memcpy(m, hdr, sizeof(hdr));
    n = sizeof(hdr);
    n = put_name(qname, m, n); /* the question */
    static const uint8_t qtail[] = {0, 1, 0, 1};
    memcpy(m + n, qtail, 4);
    n += 4;
    /* answer 1: qname (pointer to 12) CNAME cname */
    static const uint8_t cn[] = {0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60};
    memcpy(m + n, cn, sizeof(cn));
    n += sizeof(cn);
    size_t cname_at = n + 2, cl = strlen(cname) + 2;
    m[n++] = 0;
    m[n++] = (uint8_t)cl;
    n = put_name(cname, m, n);
    /* answer 2: cname (pointer) A ip */
    uint8_t a[] = {0xc0, (uint8_t)cname_at, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
    memcpy(m + n, a, sizeof(a));
    n += sizeof(a);
    memcpy(m + n, ip, 4);
    return n + 4;
}

static void feed(struct pep *p, const char *src, uint16_t sport, const char *dst,
                 uint16_t dport, int udp, const uint8_t *payload, size_t len, double ts)
{
    struct det_pkt pk = {.ts = ts,
                         .family = AF_INET,
                         .l4 = udp ? IPPROTO_UDP : IPPROTO_TCP,
                         .sport = sport,
                         .dport = dport,
                         .tcp_flags = udp ? 0 : DET_TCP_SYN,
                         .payload = payload,
                         .payload_len = len,
                         .payload_wire_len = len};
    assert_int_equal(inet_pton(AF_INET, src, pk.src_addr), 1);
    assert_int_equal(inet_pton(AF_INET, dst, pk.dst_addr), 1);
    pep_packet(p, &pk);
}

static void resolve(struct pep *p, const char *name, const char *ip, double ts)
{
    uint8_t m[512], a[4];
    assert_int_equal(inet_pton(AF_INET, ip, a), 1);
    size_t n = dns_response(name, "edge.cdn.example", a, m);
    char got[256];
    struct pep_addr addrs[4];
    assert_int_equal(pep_dns_answers(m, n, got, sizeof(got), addrs, 4), 1);
    assert_string_equal(got, name);
    assert_memory_equal(addrs[0].addr, a, 4);
    feed(p, "198.18.5.253", 53, "198.18.5.1", 40000, 1, m, n, ts);
}

static struct pep *falco_pep(struct tdn_alerts *got, const char *home)
{
    struct pep_config cfg = {.emit = tdn_collect, .emit_ctx = got};
    char err[128];
    assert_int_equal(det_home_parse(home, &cfg.home, err, sizeof(err)), 0);
    struct pep *p = NULL;
    assert_int_equal(pep_create(&p, &cfg), 0);
    return p;
}

static void falco_port_and_resolved_name(void **state)
{
    (void)state;
    struct tdn_alerts got = {0};
    struct pep *p = falco_pep(&got, NULL);
    /* Before any DNS answer the pool's address is just an address. */
    feed(p, "198.18.5.1", 41000, "198.18.5.200", 3333, 0, NULL, 0, 1);
    assert_int_equal(got.n, 0);
    resolve(p, "pool.supportxmr.com", "198.18.5.200", 2);
    feed(p, "198.18.5.1", 41001, "198.18.5.200", 3333, 0, NULL, 0, 3);
    assert_int_equal(tdn_count(&got, "falco-miner-pool"), 1);
    assert_string_equal(got.a[0].dst, "198.18.5.200:3333");
    assert_non_null(strstr(got.a[0].reason, "pool.supportxmr.com"));
    assert_non_null(strstr(got.a[0].reason, "minerpool_other"));
    /* supportxmr is not on https_miner_domains, 9000 not on miner_ports, and an
     * address nobody resolved is nothing. */
    feed(p, "198.18.5.1", 41002, "198.18.5.200", 443, 0, NULL, 0, 4);
    feed(p, "198.18.5.1", 41003, "198.18.5.200", 9000, 0, NULL, 0, 4);
    feed(p, "198.18.5.1", 41004, "198.18.5.9", 3333, 0, NULL, 0, 4);
    assert_int_equal(got.n, 1);
    /* The HTTPS variant: 443 with a name on https_miner_domains. */
    resolve(p, "pool.minexmr.com", "198.18.5.201", 5);
    feed(p, "198.18.5.1", 41005, "198.18.5.201", 443, 0, NULL, 0, 6);
    assert_int_equal(tdn_count(&got, "falco-miner-pool"), 2);
    assert_non_null(strstr(got.a[1].reason, "minerpool_https"));
    /* A name only on pool-domains.txt's suffix list is not Falco's. */
    resolve(p, "eu.moneroocean.stream", "198.18.5.202", 7);
    feed(p, "198.18.5.1", 41006, "198.18.5.202", 3333, 0, NULL, 0, 8);
    /* RFC 1918 servers are excluded as written. */
    resolve(p, "xmr-eu1.nanopool.org", "10.1.2.3", 9);
    feed(p, "198.18.5.1", 41007, "10.1.2.3", 3333, 0, NULL, 0, 10);
    assert_int_equal(got.n, 2);
    pep_destroy(p);
}

static void home_net_sets_the_direction(void **state)
{
    (void)state;
    struct tdn_alerts got = {0};
    struct pep *p = falco_pep(&got, "198.18.5.0/25");
    resolve(p, "pool.supportxmr.com", "198.18.5.200", 1);
    /* From outside the home net (or to it): not an outbound connection. */
    feed(p, "198.18.5.150", 41000, "198.18.5.200", 3333, 0, NULL, 0, 2);
    feed(p, "198.18.5.200", 41001, "198.18.5.2", 3333, 0, NULL, 0, 2);
    assert_int_equal(got.n, 0);
    feed(p, "198.18.5.2", 41002, "198.18.5.200", 3333, 0, NULL, 0, 3);
    assert_int_equal(tdn_count(&got, "falco-miner-pool"), 1);
    pep_destroy(p);
}

static void dns_names_match_by_suffix(void **state)
{
    (void)state;
    struct tdn_alerts got = run("dns_queries.pcap");
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
    struct tdn_alerts got = run("tls_sni.pcap");
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
        struct pep_addr addrs[4];
        buf[2] |= n > 2 ? 0x80 : 0;
        rc = pep_dns_answers(buf, n, name, sizeof(name), addrs, 4);
        assert_true(rc >= -22 && rc <= 4);
    }
    /* A response is not a query. */
    uint8_t resp[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
    assert_int_equal(pep_dns_query_name(resp, sizeof(resp), name, sizeof(name)), -22);
    resp[2] = 0x01;
    assert_int_equal(pep_dns_query_name(resp, sizeof(resp), name, sizeof(name)), 0);
    assert_string_equal(name, "a");
    /* A response whose answer name points at itself: refused, no loop. */
    uint8_t loop[] = {0, 1,    0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0,
                      1, 0xc0, 19,   0,    1, 0, 1, 0, 0, 0, 9, 0, 4, 1,   2, 3, 4};
    struct pep_addr one[1];
    assert_int_equal(pep_dns_answers(loop, sizeof(loop), name, sizeof(name), one, 1),
                     -22);
    loop[20] = 12; /* now it names the question: one address */
    assert_int_equal(pep_dns_answers(loop, sizeof(loop), name, sizeof(name), one, 1),
                     1);
    assert_int_equal(one[0].addr[3], 4);
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
        cmocka_unit_test(loopback_pools_are_not_falcos),
        cmocka_unit_test(falco_port_and_resolved_name),
        cmocka_unit_test(home_net_sets_the_direction),
        cmocka_unit_test(dns_names_match_by_suffix),
        cmocka_unit_test(sni_of_pool_domain_only),
        cmocka_unit_test(parsers_refuse_garbage),
        cmocka_unit_test(domain_matching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
