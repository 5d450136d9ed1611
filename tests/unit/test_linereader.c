/* Bounded line reader: splitting, CRLF, partial reads, the cap. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linereader.h"

struct seen {
    char lines[8][64];
    int n;
};

static int collect(void *ud, char *line, size_t len)
{
    struct seen *s = ud;
    assert_int_equal(strlen(line), len);
    if (s->n < 8)
        strcpy(s->lines[s->n++], line);
    return 0;
}

static void test_split(void **state)
{
    struct linereader lr;
    struct seen s = {0};
    char err[128];
    linereader_init(&lr, 0);
    const char *in = "a\nbc\r\n\nde";
    assert_int_equal(
        linereader_feed(&lr, in, strlen(in), collect, &s, err, sizeof(err)), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.lines[0], "a");
    assert_string_equal(s.lines[1], "bc");
    assert_string_equal(s.lines[2], "");
    /* byte by byte continuation */
    assert_int_equal(linereader_feed(&lr, "f", 1, collect, &s, err, sizeof(err)), 0);
    assert_int_equal(linereader_feed(&lr, "\n", 1, collect, &s, err, sizeof(err)), 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.lines[3], "def");
    linereader_free(&lr);
}

static void test_cap(void **state)
{
    struct linereader lr;
    struct seen s = {0};
    char err[128];
    char buf[300];
    linereader_init(&lr, 256);
    memset(buf, 'x', sizeof(buf));
    buf[256] = '\n'; /* exactly 256 bytes: allowed */
    assert_int_equal(linereader_feed(&lr, buf, 257, collect, &s, err, sizeof(err)), 0);
    assert_int_equal(s.n, 1);
    /* 257 bytes without newline, in two pieces: refused */
    assert_int_equal(linereader_feed(&lr, buf, 200, collect, &s, err, sizeof(err)), 0);
    assert_int_equal(linereader_feed(&lr, buf, 57, collect, &s, err, sizeof(err)),
                     -EMSGSIZE);
    assert_non_null(strstr(err, "256"));
    linereader_free(&lr);
}

static void test_big_stream(void **state)
{
    struct linereader lr;
    char err[128];
    size_t n = 10u << 20;
    char *big = malloc(n);
    memset(big, 'y', n);
    linereader_init(&lr, 8192);
    assert_int_equal(
        linereader_feed(&lr, big, n, collect, &(struct seen){0}, err, sizeof(err)),
        -EMSGSIZE);
    assert_true(lr.cap <= 16384);
    linereader_free(&lr);
    free(big);
}

static int stop_cb(void *ud, char *line, size_t len)
{
    (*(int *)ud)++;
    return 7;
}

/* drop_long: an over-long line, even one split across feeds, is skipped up
 * to its newline and the lines around it still come out. */
static void test_drop_long(void **state)
{
    (void)state;
    struct linereader lr;
    struct seen s = {0};
    char err[128];
    linereader_init(&lr, 4);
    linereader_drop_long(&lr);
    const char *a = "ok\nlonger", *b = "still\nfine\n";
    assert_int_equal(linereader_feed(&lr, a, strlen(a), collect, &s, err, sizeof(err)),
                     0);
    assert_int_equal(linereader_feed(&lr, b, strlen(b), collect, &s, err, sizeof(err)),
                     0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.lines[0], "ok");
    assert_string_equal(s.lines[1], "fine");
    assert_int_equal(lr.dropped, 1);
    linereader_free(&lr);
}

static void test_stop(void **state)
{
    struct linereader lr;
    int calls = 0;
    linereader_init(&lr, 0);
    assert_int_equal(linereader_feed(&lr, "a\nb\n", 4, stop_cb, &calls, NULL, 0), 7);
    assert_int_equal(calls, 1);
    linereader_free(&lr);
}

/* on_long shows the head of each dropped line; flush emits a last line
 * without "\n", but not the tail of a line being dropped. */
static void test_on_long_flush(void **state)
{
    (void)state;
    struct linereader lr;
    struct seen s = {0}, heads = {0};
    linereader_init(&lr, 4);
    linereader_drop_long(&lr);
    linereader_on_long(&lr, collect);
    assert_int_equal(linereader_feed(&lr, "ok\nlo", 5, collect, &s, NULL, 0), 0);
    /* the head goes to the same ud: collect it apart by feeding with heads */
    assert_int_equal(linereader_feed(&lr, "nger\nla", 7, collect, &heads, NULL, 0), 0);
    assert_int_equal(heads.n, 1);
    assert_string_equal(heads.lines[0], "long");
    assert_int_equal(lr.dropped, 1);
    assert_int_equal(linereader_flush(&lr, collect, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.lines[0], "ok");
    assert_string_equal(s.lines[1], "la");
    assert_int_equal(linereader_flush(&lr, collect, &s), 0); /* empty now */
    assert_int_equal(s.n, 2);
    assert_int_equal(linereader_feed(&lr, "abcdefg", 7, collect, &heads, NULL, 0), 0);
    assert_int_equal(heads.n, 2);
    assert_string_equal(heads.lines[1], "abcd");
    assert_int_equal(linereader_flush(&lr, collect, &s), 0); /* being dropped */
    assert_int_equal(s.n, 2);
    assert_int_equal(linereader_feed(&lr, "x\r\n", 3, collect, &s, NULL, 0), 0);
    assert_string_equal(s.lines[2], "x"); /* the reader is clean again */
    linereader_free(&lr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),      cmocka_unit_test(test_cap),
        cmocka_unit_test(test_big_stream), cmocka_unit_test(test_stop),
        cmocka_unit_test(test_drop_long),  cmocka_unit_test(test_on_long_flush)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
