/*
 * browser-watch: process classification, and the recorded /proc snapshot of
 * a real headless Chromium whose page burns CPU and holds a WebSocket-style
 * connection to a loopback server: the busy renderer alerts with the flow,
 * the idle renderers and the non-browser miner snapshot do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "browser_watch.h"
#include "test_det_host_util.h"

static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(browser_watch_classify("chromium", "/usr/lib/chromium/chromium "
                                                        "--type=renderer --lang=en-US"),
                     2);
    assert_int_equal(
        browser_watch_classify("chromium", "/usr/lib/chromium/chromium "
                                           "--type=utility --utility-sub-type=network"),
        1);
    assert_int_equal(
        browser_watch_classify("chrome", "/opt/google/chrome/chrome --headless"), 1);
    assert_int_equal(browser_watch_classify("Web Content",
                                            "/usr/lib/firefox-esr/firefox-esr "
                                            "-contentproc -childID 3"),
                     2);
    assert_int_equal(browser_watch_classify("ThreadPoolForeg",
                                            "/usr/lib/chromium/chromium "
                                            "--type=renderer"),
                     2);
    /* Not browsers: a script named after one, and a miner speaking ws://. */
    assert_int_equal(
        browser_watch_classify("python3", "python3 chrome_helper.py --type=renderer"),
        0);
    assert_int_equal(
        browser_watch_classify("minerlab-miner",
                               "minerlab-miner -o ws://127.0.0.1:8080 --duty 30"),
        0);
}

static char *once_on(const char *snap, int nextra, char **extra)
{
    char dir[512];
    char *argv[16] = {"det", "--once", "--proc-root",
                      (char *)data_path(dir, sizeof(dir), snap)};
    int argc = 4;
    for (int i = 0; i < nextra; i++)
        argv[argc++] = extra[i];
    struct browser_watch_config cfg;
    char err[256];
    assert_int_equal(browser_watch_parse_args(argc, argv, &cfg, err, sizeof(err)), 0);
    struct browser_watch *bw = browser_watch_new(&cfg);
    assert_non_null(bw);
    capture_begin();
    int rc = browser_watch_tick(bw);
    char *out = capture_end();
    browser_watch_free(bw);
    assert_true(rc >= 0);
    return out;
}

static void test_chromium_snapshot(void **state)
{
    (void)state;
    /* A snapshot has no history: connection age is taken as given (--conn-age-s 0). */
    char *extra[] = {"--conn-age-s", "0"};
    char *out = once_on("chromium-snap", 2, extra);
    fprintf(stderr, "%s", out);
    assert_int_equal(count_lines(out, 0, 0), 1);
    assert_int_equal(count_lines(out, 13632, 0), 1); /* the page's renderer */
    assert_non_null(strstr(out, "\"dst\":\"127.0.0.1:18089\""));
    assert_non_null(strstr(out, "\"score\":0.84"));
    free(out);
    /* The connection not old enough yet: CPU alone, lower score, no flow. */
    char *young[] = {"--conn-age-s", "30"};
    out = once_on("chromium-snap", 2, young);
    assert_int_equal(count_lines(out, 13632, 0), 1);
    assert_null(strstr(out, "\"flow\""));
    assert_non_null(strstr(out, "\"score\":0.45"));
    free(out);
    /* Above its level (0.35 cores): quiet. */
    char *high[] = {"--conn-age-s", "0", "--cpu-cores", "0.5"};
    out = once_on("chromium-snap", 4, high);
    assert_int_equal(count_lines(out, 0, 0), 0);
    free(out);
}

static void test_not_a_browser(void **state)
{
    (void)state;
    char *extra[] = {"--conn-age-s", "0", "--cpu-cores", "0.01"};
    char *out = once_on("miner-snap", 4, extra);
    assert_int_equal(count_lines(out, 0, 0), 0);
    free(out);
    out = once_on("benign-snap", 4, extra);
    assert_int_equal(count_lines(out, 0, 0), 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_chromium_snapshot),
        cmocka_unit_test(test_not_a_browser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
