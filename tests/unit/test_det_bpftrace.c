/*
 * bpftrace: output recorded from the detector's script under Debian's
 * bpftrace 0.17 on this project's VM (60 execs of builds and tests, a
 * miner-style `bash -c 'exec -a minerx ...'`, and connects to a public pool
 * port and to loopback) parsed into Sigma events and evaluated with the
 * shipped rules; malformed lines counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bt_parse.h"
#include "sigma.h"

struct seen {
    const struct sigma_ruleset *rs;
    size_t events, exec, conn, hits;
    int hit_pid[8];
    char hit_title[8][128];
    char last_cmd[512], last_image[256], last_dst[64];
};

static void on_hit(void *ctx, const struct sigma_rule *r, const struct sigma_event *ev)
{
    struct seen *s = ctx;
    const char *pid = sigma_event_get(ev, "ProcessId");
    if (s->hits < 8) {
        s->hit_pid[s->hits] = pid ? atoi(pid) : 0;
        snprintf(s->hit_title[s->hits], 128, "%s", sigma_rule_title(r));
    }
    s->hits++;
}

static void on_event(void *ctx, const struct sigma_event *ev, int pid)
{
    struct seen *s = ctx;
    (void)pid;
    s->events++;
    if (ev->kind == SIGMA_PROCESS_CREATION) {
        s->exec++;
        snprintf(s->last_cmd, sizeof(s->last_cmd), "%s",
                 sigma_event_get(ev, "CommandLine"));
        snprintf(s->last_image, sizeof(s->last_image), "%s",
                 sigma_event_get(ev, "Image"));
    } else {
        s->conn++;
        snprintf(s->last_dst, sizeof(s->last_dst), "%s:%s",
                 sigma_event_get(ev, "DestinationIp"),
                 sigma_event_get(ev, "DestinationPort"));
    }
    if (s->rs)
        sigma_ruleset_eval(s->rs, ev, on_hit, s);
}

static const char *src_dir(void)
{
    const char *s = getenv("ML_SOURCE_DIR");
    return s && *s ? s : MINERLAB_SOURCE_DIR;
}

static void test_recorded_output(void **state)
{
    (void)state;
    char path[4096], err[512], line[8192];
    struct sigma_ruleset *rs = NULL;
    snprintf(path, sizeof(path), "%s/detectors-under-test/sigma/rules", src_dir());
    assert_int_equal(sigma_ruleset_load(path, &rs, NULL, NULL, err, sizeof(err)), 0);
    struct seen s = {.rs = rs};
    struct bt_parser *p = bt_parser_new("/nonexistent-proc", on_event, &s);
    snprintf(path, sizeof(path), "%s/tests/data/sigma/bpftrace_exec_connect.out",
             src_dir());
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        bt_parser_line(p, line);
    }
    fclose(f);
    bt_parser_flush(p);
    assert_int_equal(bt_parser_garbage(p), 0);
    assert_int_equal(s.exec, 62);
    assert_int_equal(s.conn, 2);
    /* Firing: the bash command line with the pool URL and the line it execs
     * (same pid: one alert after the detector's memo), the connect to a public
     * pool port. Quiet: the 60 build and test execs, the loopback connect. */
    assert_int_equal(s.hits, 3);
    assert_int_equal(s.hit_pid[0], 7486);
    assert_non_null(strstr(s.hit_title[0], "Command Line Flags"));
    assert_int_equal(s.hit_pid[1], 7486); /* the exec'd image, same pid */
    assert_int_equal(s.hit_pid[2], 7487);
    assert_non_null(strstr(s.hit_title[2], "Public Mining Pool Port"));
    assert_string_equal(s.last_image, "/usr/bin/sleep");
    assert_string_equal(
        s.last_cmd, "minerx 0.1 -o stratum+tcp://127.0.0.1:3333 x --cpu-priority=5");
    assert_string_equal(s.last_dst, "::1:3333");
    bt_parser_free(p);
    sigma_ruleset_free(rs);
}

static void test_malformed(void **state)
{
    (void)state;
    struct seen s = {0};
    struct bt_parser *p = bt_parser_new("/nonexistent-proc", on_event, &s);
    bt_parser_line(p, "Attaching 2 probes...");
    bt_parser_line(p, "E 12 0 1 /bin/sh");
    bt_parser_line(p, "sh\x1f-c\x1f"
                      "echo one");
    bt_parser_line(p, "echo two"); /* a script argument with a newline: its rest */
    bt_parser_line(p, "");
    bt_parser_line(p, "E nonsense");
    bt_parser_line(p, "C4 12");
    bt_parser_line(p, "E 13 1000 12 /usr/bin/true");
    bt_parser_line(p, "E 14 0 1 "); /* fexecve: no file name, argv is "m" */
    bt_parser_line(p, "m");
    bt_parser_line(p, "C4 14 203.0.113.7 3333");
    assert_int_equal(s.exec, 2); /* true (no argv line came), not yet the fexecve */
    assert_string_equal(s.last_image, "/usr/bin/true");
    assert_string_equal(s.last_cmd, "");
    assert_int_equal(s.conn, 1);
    bt_parser_line(p, "X 15"); /* another process's exec: not ours */
    assert_int_equal(s.exec, 2);
    bt_parser_line(p, "X 14"); /* its exec is done: emitted */
    assert_int_equal(s.exec, 3);
    assert_string_equal(s.last_cmd, "m");
    assert_string_equal(s.last_image, ""); /* no such pid under the proc root */
    bt_parser_flush(p);
    assert_int_equal(s.exec, 3);
    assert_int_equal(bt_parser_garbage(p), 4);
    bt_parser_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded_output),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
