/*
 * suricata-eve and falco adapters: sample lines written from each format's
 * public documentation (tests/data/sigma/eve.json, falco.json) map to the
 * right alerts, other record types are ignored, garbage is told apart; ISO
 * 8601 times with offsets.
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

#include "eve.h"
#include "falco_map.h"
#include "jtail.h"

#define MAX_LINES 16

static size_t read_lines(const char *name, char lines[MAX_LINES][4096])
{
    char path[4096];
    const char *src = getenv("ML_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/tests/data/sigma/%s",
             src && *src ? src : MINERLAB_SOURCE_DIR, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = 0;
    while (n < MAX_LINES && fgets(lines[n], 4096, f)) {
        lines[n][strcspn(lines[n], "\n")] = '\0';
        n++;
    }
    fclose(f);
    return n;
}

static int map_line(jtail_map_fn map, const char *line, struct jtail_alert *al)
{
    json_error_t e;
    json_t *o = json_loads(line, 0, &e);
    memset(al, 0, sizeof(*al));
    int rc = json_is_object(o) ? map(o, al) : -EINVAL;
    json_decref(o);
    return rc;
}

static void test_time(void **state)
{
    (void)state;
    assert_true(
        jtail_parse_time("2026-11-30T19:10:01.123456+0000") - 1796065801.123456 < 1e-6);
    assert_true(jtail_parse_time("2026-11-30T20:10:01.5+01:00") - 1796065801.5 < 1e-6);
    assert_true(jtail_parse_time("2026-11-30T20:10:01.5+01:00") - 1796065801.5 > -1e-6);
    assert_true(jtail_parse_time("2026-11-30T19:10:01Z") == 1796065801.0);
    assert_true(jtail_parse_time("yesterday") < 0);
    assert_true(jtail_parse_time("2026-11-30T19:10:01 junk") < 0);
}

static void test_eve(void **state)
{
    (void)state;
    static char lines[MAX_LINES][4096];
    size_t n = read_lines("eve.json", lines);
    assert_int_equal(n, 9);
    struct jtail_alert al;
    assert_int_equal(map_line(eve_map, lines[0], &al), 1);
    assert_int_equal(al.a.technique, DET_NETWORK);
    assert_string_equal(al.flow.src, "127.0.0.1:51514");
    assert_string_equal(al.flow.dst, "127.0.0.1:3333");
    assert_string_equal(al.flow.proto, "tcp");
    assert_true(al.a.score == 0.7);
    assert_true(al.a.ts > 1796065801.12 && al.a.ts < 1796065801.13);
    assert_non_null(
        strstr(al.reason, "[1:9000001:1] LAB Stratum login from a CPU miner"));
    assert_int_equal(al.a.pid, 0); /* Suricata knows no processes */
    assert_int_equal(map_line(eve_map, lines[1], &al), 1);
    assert_string_equal(al.flow.src, "[fd00::5]:40112");
    assert_string_equal(al.flow.dst, "[2001:db8::7]:14433");
    assert_true(al.a.score == 1.0);
    assert_true(al.a.ts > 1796065802.4 && al.a.ts < 1796065802.6);
    for (size_t i = 2; i < 5; i++) /* flow, dns, stats */
        assert_int_equal(map_line(eve_map, lines[i], &al), 0);
    for (size_t i = 5; i < 9; i++) /* not JSON, no event_type, no alert object, cut */
        assert_int_equal(map_line(eve_map, lines[i], &al), -EINVAL);
}

static void test_falco(void **state)
{
    (void)state;
    static char lines[MAX_LINES][4096];
    size_t n = read_lines("falco.json", lines);
    assert_int_equal(n, 7);
    struct jtail_alert al;
    assert_int_equal(map_line(falco_map, lines[0], &al), 1);
    assert_int_equal(al.a.pid, 4242);
    assert_int_equal(al.a.technique, DET_SCRIPT);
    assert_null(al.a.flow);
    assert_true(al.a.score == 0.7);
    assert_true(al.a.ts > 1796065805.40 && al.a.ts < 1796065805.41);
    assert_non_null(
        strstr(al.reason, "falco rule 'Detect crypto miners using the Stratum"));
    assert_int_equal(map_line(falco_map, lines[1], &al), 1);
    assert_int_equal(al.a.pid, 4243);
    assert_int_equal(al.a.technique, DET_NETWORK);
    assert_string_equal(al.flow.src, "10.0.0.5:40000");
    assert_string_equal(al.flow.dst, "203.0.113.7:3333");
    assert_int_equal(map_line(falco_map, lines[2], &al), 1);
    assert_int_equal(al.a.pid, 4244); /* written as a string */
    assert_string_equal(al.flow.src, "10.0.0.6:41000");
    assert_string_equal(al.flow.dst, "198.51.100.9:4444");
    assert_true(al.a.score == 1.0);
    assert_int_equal(map_line(falco_map, lines[3], &al), 1);
    assert_int_equal(al.a.technique, DET_OTHER);
    assert_int_equal(al.a.pid, 0);
    for (size_t i = 4; i < 7; i++) /* a log line, no rule, an array */
        assert_int_equal(map_line(falco_map, lines[i], &al), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_eve),
        cmocka_unit_test(test_falco),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
