/*
 * sigma: the wildcard matcher, every supported modifier, the condition
 * parser (precedence, parentheses, "1 of"/"all of"/"them", errors), rule
 * loading with its skip reasons, and the shipped rules on recorded events:
 * audit log lines recorded from Debian's auditd on this project's VM (a
 * miner-style exec, xz, cmake) and DNS messages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sigma.h"
#include "sigma_int.h"
#include "sigma_src.h"

static const char *src_dir(void)
{
    const char *s = getenv("ML_SOURCE_DIR");
    return s && *s ? s : MINERLAB_SOURCE_DIR;
}

/* A rule from a process_creation detection block (YAML lines, 2-space indented). */
static struct sigma_rule *rule_of(const char *detection, char *err, size_t errlen)
{
    char yaml[4096];
    snprintf(yaml, sizeof(yaml),
             "title: t\nlogsource:\n  product: linux\n  category: process_creation\n"
             "detection:\n%s\n",
             detection);
    struct sigma_rule *r = NULL;
    sigma_rule_parse("t.yml", yaml, strlen(yaml), &r, err, errlen);
    return r;
}

static int matches(const char *detection, const char *cmdline, const char *image)
{
    char err[512];
    struct sigma_rule *r = rule_of(detection, err, sizeof(err));
    if (!r)
        fail_msg("rule did not load: %s", err);
    struct sigma_event ev = {.kind = SIGMA_PROCESS_CREATION};
    sigma_event_add(&ev, "CommandLine", cmdline);
    sigma_event_add(&ev, "Image", image);
    int m = sigma_rule_match(r, &ev);
    sigma_rule_free(r);
    return m;
}

static void test_glob(void **state)
{
    (void)state;
    assert_true(sigma__glob("*xmrig*", "/tmp/XMRig-6.2", 0));
    assert_false(sigma__glob("*xmrig*", "/tmp/XMRig-6.2", 1));
    assert_true(sigma__glob("a?c", "abc", 0));
    assert_false(sigma__glob("a?c", "ac", 0));
    assert_true(sigma__glob("a\\*c", "a*c", 0));
    assert_false(sigma__glob("a\\*c", "abc", 0));
    assert_true(sigma__glob("*a*b*c", "xxaybzzc", 0));
    assert_false(sigma__glob("*a*b*c", "xxaybzzcd", 0));
    assert_true(sigma__glob("C:\\Windows*", "c:\\windows\\x", 0));
    assert_true(sigma__glob("", "", 0));
    assert_false(sigma__glob("", "x", 0));
}

static void test_modifiers(void **state)
{
    (void)state;
    const char *cmd = "/opt/m -o stratum+tcp://pool.example:3333 --donate-level=1";
    assert_true(matches("  s:\n    CommandLine|contains: 'STRATUM+tcp'\n  condition: s",
                        cmd, "/opt/m"));
    assert_false(
        matches("  s:\n    CommandLine|contains|cased: 'STRATUM+tcp'\n  condition: s",
                cmd, "/opt/m"));
    assert_true(
        matches("  s:\n    Image|startswith: '/opt/'\n  condition: s", cmd, "/opt/m"));
    assert_false(
        matches("  s:\n    Image|startswith: '/usr/'\n  condition: s", cmd, "/opt/m"));
    assert_true(
        matches("  s:\n    Image|endswith: '/m'\n  condition: s", cmd, "/opt/m"));
    /* Plain values are exact (case-insensitive) unless they hold wildcards. */
    assert_false(matches("  s:\n    Image: '/opt'\n  condition: s", cmd, "/opt/m"));
    assert_true(matches("  s:\n    Image: '/OPT/M'\n  condition: s", cmd, "/opt/m"));
    /* A list is an OR; with |all an AND. */
    assert_true(matches("  s:\n    CommandLine|contains:\n      - 'nope'\n      - '-o "
                        "'\n  condition: s",
                        cmd, "/opt/m"));
    assert_false(matches("  s:\n    CommandLine|contains|all:\n      - 'nope'\n      - "
                         "'-o '\n  condition: s",
                         cmd, "/opt/m"));
    assert_true(matches("  s:\n    CommandLine|contains|all:\n      - 'donate'\n      "
                        "- '-o '\n  condition: s",
                        cmd, "/opt/m"));
    /* re: POSIX ERE with \d translated; case-sensitive. */
    assert_true(matches("  s:\n    CommandLine|re: ':\\d{4} --donate'\n  condition: s",
                        cmd, "/opt/m"));
    assert_false(
        matches("  s:\n    CommandLine|re: 'STRATUM'\n  condition: s", cmd, "/opt/m"));
    /* base64offset: each of the three alignments is found. */
    for (int pad = 0; pad < 3; pad++) {
        static const char *const enc[] = {
            "echo LS1kb25hdGUtbGV2ZWw9MQ== | base64 -d", /* "--donate-level=1" */
            "echo eC0tZG9uYXRlLWxldmVsPTE= | base64 -d", /* "x--donate-level=1" */
            "echo eHgtLWRvbmF0ZS1sZXZlbD0x | base64 -d", /* "xx--donate-level=1" */
        };
        assert_true(matches("  s:\n    CommandLine|base64offset|contains: "
                            "'--donate-level='\n  condition: s",
                            enc[pad], "/bin/sh"));
    }
    assert_false(matches("  s:\n    CommandLine|base64offset|contains: "
                         "'--donate-level='\n  condition: s",
                         "echo aGVsbG8gd29ybGQ= | base64 -d", "/bin/sh"));
    assert_true(
        matches("  s:\n    CommandLine|base64|contains: 'xmrig'\n  condition: s",
                "run eG1yaWc=", "/bin/sh"));
    /* windash: "-" and "/" (and the Unicode dashes) at the start of a word. */
    assert_true(
        matches("  s:\n    CommandLine|windash|contains: ' -enc '\n  condition: s",
                "ps /enc x", "/bin/sh"));
    assert_true(
        matches("  s:\n    CommandLine|windash|contains: ' -enc '\n  condition: s",
                "ps \xe2\x80\x93"
                "enc x",
                "/bin/sh"));
    assert_false(
        matches("  s:\n    CommandLine|windash|contains: ' -enc '\n  condition: s",
                "ps +enc x", "/bin/sh"));
    /* null and exists. */
    assert_true(matches("  s:\n    ParentImage: null\n  condition: s", cmd, "/opt/m"));
    assert_false(matches("  s:\n    Image: null\n  condition: s", cmd, "/opt/m"));
    assert_true(matches("  s:\n    Image|exists: true\n  condition: s", cmd, "/opt/m"));
    assert_false(matches("  s:\n    User|exists: true\n  condition: s", cmd, "/opt/m"));
    /* A regex that does not compile, a bad CIDR: the rule is refused with the value. */
    char err[512] = "";
    assert_null(
        rule_of("  s:\n    CommandLine|re: 'a(b'\n  condition: s", err, sizeof(err)));
    assert_non_null(strstr(err, "regex 'a(b' does not compile"));
    assert_null(rule_of("  s:\n    CommandLine|cidr: '10.0.0.0/33'\n  condition: s",
                        err, sizeof(err)));
    assert_non_null(strstr(err, "bad CIDR '10.0.0.0/33'"));
    /* Keywords: any field's value. */
    assert_true(matches("  keywords:\n    - '*stratum+tcp*'\n  condition: keywords",
                        cmd, "/opt/m"));
}

static void test_cidr(void **state)
{
    (void)state;
    char err[512];
    const char *yaml =
        "title: c\nlogsource: {product: linux, category: network_connection}\n"
        "detection:\n  s:\n    DestinationIp|cidr:\n      - '10.0.0.0/8'\n"
        "      - 'fc00::/7'\n  condition: s\n";
    struct sigma_rule *r = NULL;
    assert_int_equal(
        sigma_rule_parse("c.yml", yaml, strlen(yaml), &r, err, sizeof(err)), 0);
    const char *in[] = {"10.1.2.3", "fd00::1"},
               *out[] = {"11.0.0.1", "192.168.1.1", "::1", "x"};
    for (size_t i = 0; i < 2; i++) {
        struct sigma_event ev = {.kind = SIGMA_NETWORK_CONNECTION};
        sigma_event_add(&ev, "DestinationIp", in[i]);
        assert_true(sigma_rule_match(r, &ev));
    }
    for (size_t i = 0; i < 4; i++) {
        struct sigma_event ev = {.kind = SIGMA_NETWORK_CONNECTION};
        sigma_event_add(&ev, "DestinationIp", out[i]);
        assert_false(sigma_rule_match(r, &ev));
    }
    /* A process event never matches a network rule. */
    struct sigma_event pev = {.kind = SIGMA_PROCESS_CREATION};
    sigma_event_add(&pev, "DestinationIp", "10.0.0.1");
    assert_false(sigma_rule_match(r, &pev));
    sigma_rule_free(r);
}

#define SELS                                                                           \
    "  sel_a:\n    CommandLine|contains: 'aaa'\n  sel_b:\n    CommandLine|contains: "  \
    "'bbb'\n"                                                                          \
    "  filter:\n    CommandLine|contains: 'fff'\n"

static void test_conditions(void **state)
{
    (void)state;
    /* and binds tighter than or; not tighter than and. */
    assert_true(matches(SELS "  condition: sel_a or sel_b and filter", "aaa", "/x"));
    assert_false(matches(SELS "  condition: (sel_a or sel_b) and filter", "aaa", "/x"));
    assert_true(
        matches(SELS "  condition: (sel_a or sel_b) and not filter", "bbb", "/x"));
    assert_false(
        matches(SELS "  condition: (sel_a or sel_b) and not filter", "bbb fff", "/x"));
    assert_true(matches(SELS "  condition: not sel_a and not sel_b", "ccc", "/x"));
    assert_true(matches(SELS "  condition: 1 of sel_* and not filter", "bbb", "/x"));
    assert_false(matches(SELS "  condition: all of sel_*", "bbb", "/x"));
    assert_true(matches(SELS "  condition: all of sel_*", "bbb aaa", "/x"));
    assert_true(matches(SELS "  condition: 1 of them", "fff", "/x"));
    assert_false(matches(SELS "  condition: all of them", "aaa bbb", "/x"));
    assert_true(matches(SELS "  condition: any of sel_?", "aaa", "/x"));
    assert_true(matches(SELS "  condition: NOT (sel_a AND sel_b)", "aaa", "/x"));

    static const struct {
        const char *cond;
        int rc;
        const char *why;
    } bad[] = {
        {"sel_a and", -EINVAL, "a selection expected"},
        {"(sel_a or sel_b", -EINVAL, "')' missing"},
        {"sel_a sel_b", -EINVAL, "unexpected 'sel_b'"},
        {"sel_c", -EINVAL, "unknown selection 'sel_c'"},
        {"1 of nothing_*", -EINVAL, "matches no selection"},
        {"1 sel_a", -EINVAL, "'of' expected"},
        {"sel_a | count() > 3", -ENOTSUP, "aggregation"},
        {"sel_a near sel_b", -EINVAL, "unexpected 'near'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char det[1024], err[512] = "";
        snprintf(det, sizeof(det), SELS "  condition: %s", bad[i].cond);
        struct sigma_rule *r = rule_of(det, err, sizeof(err));
        assert_null(r);
        if (!strstr(err, bad[i].why) || strncmp(err, "t.yml: ", 7))
            fail_msg("condition '%s': got '%s', want '%s'", bad[i].cond, err,
                     bad[i].why);
    }
}

struct skips {
    char lines[16][512];
    size_t n;
};

static void collect_skip(void *ctx, const char *line)
{
    struct skips *s = ctx;
    if (s->n < 16)
        snprintf(s->lines[s->n++], 512, "%s", line);
}

static int has_line(const struct skips *s, const char *file, const char *why)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strncmp(s->lines[i], file, strlen(file)) && strstr(s->lines[i], why))
            return 1;
    return 0;
}

static void test_ruleset_skips(void **state)
{
    (void)state;
    char dir[4096], err[512];
    snprintf(dir, sizeof(dir), "%s/tests/data/sigma/mixed", src_dir());
    struct sigma_ruleset *rs = NULL;
    struct skips s = {0};
    assert_int_equal(sigma_ruleset_load(dir, &rs, collect_skip, &s, err, sizeof(err)),
                     0);
    assert_int_equal(sigma_ruleset_count(rs), 2); /* the good rules still load */
    assert_int_equal(sigma_ruleset_skipped(rs), 8);
    assert_int_equal(s.n, 8);
    assert_true(has_line(&s, "malformed_yaml.yml: ", "YAML error at line"));
    assert_true(has_line(&s, "unknown_modifier.yml: ", "unknown modifier 'containz'"));
    assert_true(has_line(&s, "unknown_logsource.yml: ", "logsource product=windows"));
    assert_true(has_line(&s, "bad_condition.yml: ", "')' missing"));
    assert_true(has_line(&s, "aggregation.yml: ", "aggregation '|'"));
    assert_true(has_line(&s, "unknown_selection.yml: ", "unknown selection 'filter'"));
    assert_true(has_line(&s, "collection.yml: ", "several YAML documents"));
    assert_true(has_line(&s, "lookbehind.yml: ", "regex construct '(?'"));
    sigma_ruleset_free(rs);
    assert_int_equal(
        sigma_ruleset_load("/nonexistent-dir", &rs, NULL, NULL, err, sizeof(err)),
        -ENOENT);
    assert_non_null(strstr(err, "/nonexistent-dir"));
}

/* ---- The shipped rules on recorded events ---- */

struct hits {
    char titles[64][128];
    int pids[64];
    size_t n;
    const struct sigma_ruleset *rs;
};

static void on_hit(void *ctx, const struct sigma_rule *r, const struct sigma_event *ev)
{
    (void)ev;
    struct hits *h = ctx;
    if (h->n < 64)
        snprintf(h->titles[h->n++], 128, "%s", sigma_rule_title(r));
}

static void on_audit_event(void *ctx, const struct sigma_event *ev, int pid)
{
    struct hits *h = ctx;
    size_t before = h->n;
    sigma_ruleset_eval(h->rs, ev, on_hit, h);
    for (size_t i = before; i < h->n; i++)
        h->pids[i] = pid;
}

static struct sigma_ruleset *shipped(void)
{
    char dir[4096], err[512];
    struct sigma_ruleset *rs = NULL;
    snprintf(dir, sizeof(dir), "%s/detectors-under-test/sigma/rules", src_dir());
    if (sigma_ruleset_load(dir, &rs, NULL, NULL, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    return rs;
}

static size_t count_title(const struct hits *h, const char *t, int pid)
{
    size_t c = 0;
    for (size_t i = 0; i < h->n; i++)
        c += strstr(h->titles[i], t) && (pid == 0 || h->pids[i] == pid);
    return c;
}

static void test_shipped_rules_load(void **state)
{
    (void)state;
    struct sigma_ruleset *rs = shipped();
    assert_int_equal(sigma_ruleset_skipped(rs), 0);
    assert_int_equal(sigma_ruleset_count(rs), 8);
    sigma_ruleset_free(rs);
}

/* What the shipped rules find in tests/data/sigma/audit_exec.log. */
static void assert_recorded_hits(const struct sigma_audit *a, const struct hits *h)
{
    assert_int_equal(sigma_audit_records(a), 28);
    /* serial 7: the miner-style exec (pid from its SYSCALL record). */
    assert_int_equal(count_title(h, "CPU Priority Argument", 0), 1);
    /* Keywords match whole values: serial 7's a3, not serial 6's "exec -a ..." script.
     */
    assert_int_equal(count_title(h, "Stratum Pool URL in an Audited Exec", 0), 1);
    /* bash -c '...' (serial 6, hex-encoded argument) and the exec itself. */
    assert_int_equal(count_title(h, "Linux Crypto Miner Command Line Flags", 0), 2);
    /* xz and cmake stay quiet: nothing else fired. */
    assert_int_equal(h->n, 4);
    for (size_t i = 0; i < h->n; i++)
        assert_true(h->pids[i] > 0);
}

static void test_recorded_audit_log(void **state)
{
    (void)state;
    struct hits h = {0};
    h.rs = shipped();
    struct sigma_audit *a = sigma_audit_new(on_audit_event, &h);
    char path[4096], line[8192];
    snprintf(path, sizeof(path), "%s/tests/data/sigma/audit_exec.log", src_dir());
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        sigma_audit_line(a, line);
    }
    fclose(f);
    sigma_audit_flush(a);
    assert_int_equal(sigma_audit_garbage(a), 1);
    assert_recorded_hits(a, &h);
    sigma_audit_free(a);
    sigma_ruleset_free((struct sigma_ruleset *)h.rs);
}

/*
 * The same log with the records of its events interleaved round-robin, as
 * concurrent events on a multi-CPU host write them: every event must still
 * be put together by its serial (the pid comes from its SYSCALL record).
 */
static void test_interleaved_audit_log(void **state)
{
    (void)state;
    struct hits h = {0};
    h.rs = shipped();
    struct sigma_audit *a = sigma_audit_new(on_audit_event, &h);
    char path[4096];
    static char lines[64][8192];
    char serials[64][32];
    size_t n = 0;
    snprintf(path, sizeof(path), "%s/tests/data/sigma/audit_exec.log", src_dir());
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (n < 64 && fgets(lines[n], sizeof(lines[n]), f)) {
        lines[n][strcspn(lines[n], "\n")] = '\0';
        const char *c = strstr(lines[n], "msg=audit(");
        c = c ? strchr(c, ':') : NULL;
        snprintf(serials[n], sizeof(serials[n]), "%.*s",
                 c ? (int)strcspn(c + 1, ")") : 0, c ? c + 1 : "");
        n++;
    }
    fclose(f);
    int used[64] = {0};
    size_t fed = 0, rounds = 0;
    while (fed < n && rounds++ < 64) {
        char seen[64][32];
        size_t nseen = 0;
        for (size_t i = 0; i < n; i++) { /* one record of each serial per round */
            int dup = 0;
            for (size_t k = 0; k < nseen; k++)
                dup |= !strcmp(seen[k], serials[i]);
            if (used[i] || dup)
                continue;
            memcpy(seen[nseen++], serials[i], sizeof(seen[0]));
            used[i] = 1;
            sigma_audit_line(a, lines[i]);
            fed++;
        }
    }
    assert_int_equal(fed, n);
    sigma_audit_flush(a);
    assert_recorded_hits(a, &h);
    sigma_audit_free(a);
    sigma_ruleset_free((struct sigma_ruleset *)h.rs);
}

/* A DNS message: header, one question, optional A answer (compressed name). */
static size_t dns_msg(uint8_t *m, const char *name, int response, const uint8_t *ip)
{
    size_t o = 12;
    memset(m, 0, 12);
    m[0] = 0x12;
    m[1] = 0x34;
    m[2] = response ? 0x81 : 0x01;
    m[5] = 1;
    m[7] = ip ? 1 : 0;
    const char *p = name;
    while (*p) {
        size_t l = strcspn(p, ".");
        m[o++] = (uint8_t)l;
        memcpy(m + o, p, l);
        o += l;
        p += l + (p[l] == '.');
    }
    m[o++] = 0;
    m[o++] = 0, m[o++] = 1, m[o++] = 0, m[o++] = 1;
    if (ip) {
        uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
        memcpy(m + o, rr, sizeof(rr));
        o += sizeof(rr);
        memcpy(m + o, ip, 4);
        o += 4;
    }
    return o;
}

static void test_dns(void **state)
{
    (void)state;
    uint8_t m[512];
    const uint8_t ip[4] = {203, 0, 113, 7};
    struct sigma_dns d;
    struct sigma_event ev;
    struct hits h = {0};
    h.rs = shipped();
    size_t len = dns_msg(m, "gulf.MoneroOcean.stream", 1, ip);
    assert_int_equal(sigma_dns_parse(m, len, &d), 0);
    assert_string_equal(d.query, "gulf.MoneroOcean.stream");
    assert_string_equal(d.record_type, "A");
    assert_string_equal(d.answer, "203.0.113.7");
    sigma_dns_event(&d, &ev);
    assert_int_equal(sigma_ruleset_eval(h.rs, &ev, on_hit, &h), 1);
    /* The answer is remembered for connections to that address. */
    struct sigma_names *names = sigma_names_new();
    sigma_names_add(names, &d);
    assert_string_equal(sigma_names_lookup(names, "203.0.113.7"),
                        "gulf.MoneroOcean.stream");
    assert_null(sigma_names_lookup(names, "203.0.113.8"));
    sigma_names_free(names);
    const char *quiet[] = {"deb.debian.org", "pool.ntp.org.example", "example.com"};
    for (size_t i = 0; i < 3; i++) {
        len = dns_msg(m, quiet[i], 0, NULL);
        assert_int_equal(sigma_dns_parse(m, len, &d), 0);
        sigma_dns_event(&d, &ev);
        if (i ==
            1) /* "pool." followed by anything: the prefix rule is meant to be broad */
            continue;
        assert_int_equal(sigma_ruleset_eval(h.rs, &ev, NULL, NULL), 0);
    }
    len = dns_msg(m, "xmr.pool.example", 0, NULL);
    assert_int_equal(sigma_dns_parse(m, len, &d), 0);
    sigma_dns_event(&d, &ev);
    assert_int_equal(sigma_ruleset_eval(h.rs, &ev, NULL, NULL), 1);
    assert_int_equal(sigma_dns_parse(m, 5, &d), -EINVAL);
    m[12] = 70; /* label longer than 63 */
    assert_int_equal(sigma_dns_parse(m, len, &d), -EINVAL);
    sigma_ruleset_free((struct sigma_ruleset *)h.rs);
}

/* The pool-port rule ignores loopback and private destinations, as Falco does. */
static void test_connection_rules(void **state)
{
    (void)state;
    struct sigma_ruleset *rs = shipped();
    struct sigma_event ev = {.kind = SIGMA_NETWORK_CONNECTION};
    sigma_event_add(&ev, "Initiated", "true");
    sigma_event_add(&ev, "DestinationPort", "3333");
    sigma_event_add(&ev, "DestinationIp", "127.0.0.1");
    assert_int_equal(sigma_ruleset_eval(rs, &ev, NULL, NULL), 0);
    ev.f[2].value = "198.51.100.9";
    assert_int_equal(sigma_ruleset_eval(rs, &ev, NULL, NULL), 1);
    ev.f[1].value = "443";
    assert_int_equal(sigma_ruleset_eval(rs, &ev, NULL, NULL), 0);
    sigma_event_add(&ev, "DestinationHostname", "pool.supportxmr.com");
    assert_int_equal(sigma_ruleset_eval(rs, &ev, NULL, NULL), 1);
    sigma_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_modifiers),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_ruleset_skips),
        cmocka_unit_test(test_shipped_rules_load),
        cmocka_unit_test(test_recorded_audit_log),
        cmocka_unit_test(test_interleaved_audit_log),
        cmocka_unit_test(test_dns),
        cmocka_unit_test(test_connection_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
