/* base/opt's kinds added for the pool, the miner and the rxref tools: short
 * names, typed targets, callbacks, groups, operands, a table's own --help,
 * and the entry points config files use (opt_find, opt_apply). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "opt.h"

struct seen {
    int calls;
    const char *last;
};

static int cb_even(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct seen *s = ctx;
    s->calls++;
    s->last = arg;
    if (arg && strlen(arg) % 2) /* no message: the parser writes one */
        return -EINVAL;
    if (arg && !strcmp(arg, "no"))
        return snprintf(err, errlen, "no means no"), -EPERM;
    return 0;
}

static char *usage_of(const struct opt *t, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    opt_usage(f, "prog", NULL, t, n, NULL, 0);
    fclose(f);
    return buf;
}

static void test_kinds_and_shorts(void **state)
{
    (void)state;
    int threads = 0, verbose = 0, tls = 0;
    uint64_t diff = 1000;
    size_t line = 8192;
    char url[8] = "";
    struct seen s = {0};
    struct opt_cb even = {cb_even, &s, "xy"};
    const struct opt t[] = {
        {NULL, OPT_GROUP, NULL, 0, 0, NULL, "Pool:"},
        {"o|url", OPT_BUF, url, 0, sizeof(url), "URL", "where"},
        {"t|threads", OPT_INT, &threads, 1, 64, NULL, "threads"},
        {"v|", OPT_COUNT, &verbose, 0, 0, NULL, "more output"},
        {"tls", OPT_FLAG, &tls, 0, 0, NULL, "use TLS\nsecond line"},
        {"diff", OPT_U64, &diff, 1, (double)(1L << 62), NULL, "difficulty"},
        {"max-line", OPT_SIZE, &line, 256, 1 << 24, NULL, "line cap"},
        {"even", OPT_CALLBACK, &even, 0, 0, "E", "an even-length value"},
    };
    size_t n = sizeof(t) / sizeof(t[0]);
    char err[128];

    char *u = usage_of(t, n);
    assert_non_null(strstr(u, "Pool:\n"));
    assert_non_null(strstr(u, "  -o, --url URL            where\n"));
    assert_non_null(strstr(u, "  -v                       more output\n"));
    assert_non_null(strstr(u, "      --tls                use TLS\n"
                              "                           second line\n"));
    assert_non_null(strstr(u, "difficulty (default 1000)"));
    assert_non_null(strstr(u, "line cap (default 8192)"));
    assert_non_null(strstr(u, "an even-length value (default xy)"));
    assert_non_null(strstr(u, "-h, --help"));
    free(u);

    char *ok[] = {"prog",
                  "-o",
                  "tcp://",
                  "-vv",
                  "-t4",
                  "--tls",
                  "--diff",
                  "4611686018427387904",
                  "--max-line=300",
                  "--even",
                  "ab",
                  NULL};
    assert_int_equal(opt_parse(11, ok, t, n, NULL, 0, err, sizeof(err)), 0);
    assert_string_equal(url, "tcp://");
    assert_int_equal(verbose, 2);
    assert_int_equal(threads, 4);
    assert_int_equal(tls, 1);
    assert_true(diff == (uint64_t)1 << 62);
    assert_int_equal(line, 300);
    assert_int_equal(s.calls, 1);
    assert_string_equal(s.last, "ab");

    char *longurl[] = {"prog", "--url", "12345678", NULL};
    assert_int_equal(opt_parse(3, longurl, t, n, NULL, 0, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "--url is too long (max 7 bytes)");
    char *odd[] = {"prog", "--even", "abc", NULL};
    assert_int_equal(opt_parse(3, odd, t, n, NULL, 0, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "bad value for --even: 'abc'");
    char *no[] = {"prog", "--even", "no", NULL};
    assert_int_equal(opt_parse(3, no, t, n, NULL, 0, err, sizeof(err)), -EPERM);
    assert_string_equal(err, "no means no");
    char *range[] = {"prog", "-t", "65", NULL};
    assert_int_equal(opt_parse(3, range, t, n, NULL, 0, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "--threads wants an integer in 1..64, got '65'");
    char *missing_short[] = {"prog", "-t", NULL};
    assert_int_equal(opt_parse(2, missing_short, t, n, NULL, 0, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "option -t needs a value");
    char *missing_long[] = {"prog", "--diff", NULL};
    assert_int_equal(opt_parse(2, missing_long, t, n, NULL, 0, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "option --diff needs a value");
    char *flag_value[] = {"prog", "--tls=1", NULL};
    assert_int_equal(opt_parse(2, flag_value, t, n, NULL, 0, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "option --tls takes no value");
    /* An unknown letter in the middle of a cluster; the next parse starts
     * clean although getopt stopped half-way through "-vzv". */
    char *unknown_short[] = {"prog", "-vzv", NULL};
    assert_int_equal(opt_parse(2, unknown_short, t, n, NULL, 0, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "unknown option '-z' (see --help)");
    char *unknown_long[] = {"prog", "--frobnicate", NULL};
    assert_int_equal(opt_parse(2, unknown_long, t, n, NULL, 0, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "unknown option '--frobnicate' (see --help)");
    verbose = 0;
    char *again[] = {"prog", "-v", NULL};
    assert_int_equal(opt_parse(2, again, t, n, NULL, 0, err, sizeof(err)), 0);
    assert_int_equal(verbose, 1);
    char *help[] = {"prog", "-h", NULL};
    assert_int_equal(opt_parse(2, help, t, n, NULL, 0, err, sizeof(err)), 1);
}

static void test_own_help_and_flag_callback(void **state)
{
    (void)state;
    struct seen s = {0};
    struct opt_cb help = {cb_even, &s, NULL};
    int x = 0;
    const struct opt t[] = {
        {"h|help", OPT_CALLBACK_FLAG, &help, 0, 0, NULL, "this text"},
        {"x", OPT_FLAG, &x, 0, 0, NULL, "x"},
    };
    char err[128];
    /* The table's own --help runs like any option: parsing goes on. */
    char *argv[] = {"prog", "--help", "-h", "--x", NULL};
    assert_int_equal(opt_parse(4, argv, t, 2, NULL, 0, err, sizeof(err)), 0);
    assert_int_equal(s.calls, 2);
    assert_null(s.last);
    assert_int_equal(x, 1);
    char *u = usage_of(t, 2);
    assert_non_null(strstr(u, "  -h, --help               this text\n"));
    assert_null(strstr(u, "--help               this text\n  -h")); /* once */
    free(u);
}

static void test_operands(void **state)
{
    (void)state;
    int hex = 0, first = -1;
    const struct opt t[] = {{"x|hex", OPT_FLAG, &hex, 0, 0, NULL, "hex input"}};
    char err[128];
    char *argv[] = {"prog", "INPUT", "-x", NULL};
    assert_int_equal(
        opt_parse_operands(3, argv, t, 1, NULL, 0, &first, err, sizeof(err)), 0);
    assert_int_equal(hex, 1);
    assert_int_equal(first, 2); /* getopt moved the operand after the options */
    assert_string_equal(argv[first], "INPUT");
    char *none[] = {"prog", "-x", NULL};
    assert_int_equal(
        opt_parse_operands(2, none, t, 1, NULL, 0, &first, err, sizeof(err)), 0);
    assert_int_equal(first, 2);
    /* opt_parse itself still refuses them. */
    char *stray[] = {"prog", "INPUT", NULL};
    assert_int_equal(opt_parse(2, stray, t, 1, NULL, 0, err, sizeof(err)), -EINVAL);
}

static void test_find_and_apply(void **state)
{
    (void)state;
    int duty = 100, json = 0;
    const struct opt t[] = {
        {NULL, OPT_GROUP, NULL, 0, 0, NULL, "Hashing:"},
        {"duty", OPT_INT, &duty, 1, 100, "PCT", "duty"},
        {"j|json", OPT_FLAG, &json, 0, 0, NULL, "json"},
    };
    char err[128];
    assert_null(opt_find(t, 3, "Hashing:"));
    assert_null(opt_find(t, 3, "j"));
    const struct opt *d = opt_find(t, 3, "duty"), *j = opt_find(t, 3, "json");
    assert_ptr_equal(d, &t[1]);
    assert_ptr_equal(j, &t[2]);
    assert_true(opt_takes_arg(d));
    assert_false(opt_takes_arg(j));
    assert_int_equal(opt_apply(d, "55", err, sizeof(err)), 0);
    assert_int_equal(duty, 55);
    assert_int_equal(opt_apply(d, "0", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "--duty wants an integer in 1..100, got '0'");
    assert_int_equal(opt_apply(d, NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(duty, 55);
    assert_int_equal(opt_apply(j, NULL, err, sizeof(err)), 0);
    assert_int_equal(json, 1);
    assert_int_equal(opt_apply(&t[0], "x", err, sizeof(err)), -EINVAL);
}

/* Subcommand options with no long name (minerlab-cuda-check random -n N). */
static void test_short_only(void **state)
{
    (void)state;
    long n = 4;
    const char *key = "k0";
    const struct opt t[] = {{"n|", OPT_LONG, &n, 1, 10, "N", "a count"},
                            {"k|", OPT_STRING, &key, 0, 0, "KEY", "a key"}};
    char err[128];
    char *u = usage_of(t, 2);
    assert_non_null(strstr(u, "  -n N                     a count (default 4)\n"));
    assert_non_null(strstr(u, "  -k KEY                   a key (default k0)\n"));
    free(u);
    char *ok[] = {"random", "-n", "7", "-kx", NULL};
    assert_int_equal(opt_parse(4, ok, t, 2, NULL, 0, err, sizeof(err)), 0);
    assert_int_equal(n, 7);
    assert_string_equal(key, "x");
    char *range[] = {"random", "-n", "11", NULL};
    assert_int_equal(opt_parse(3, range, t, 2, NULL, 0, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "-n wants an integer in 1..10, got '11'");
    char *missing[] = {"random", "-k", NULL};
    assert_int_equal(opt_parse(2, missing, t, 2, NULL, 0, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "option -k needs a value");
}

/* opt_main: what a main() returns after --help, a usage error, or neither. */
static void test_main_helper(void **state)
{
    (void)state;
    int flag = 0, first = -1;
    const struct opt t[] = {{"f|flag", OPT_FLAG, &flag, 0, 0, NULL, "a flag"}};
    char *help[] = {"prog", "--help", NULL};
    assert_int_equal(opt_main(2, help, "prog", "Does things.", t, 1, NULL), 0);
    char *bad[] = {"prog", "--nope", NULL};
    assert_int_equal(opt_main(2, bad, "prog", NULL, t, 1, NULL), OPT_EXIT_USAGE);
    char *stray[] = {"prog", "x", NULL};
    assert_int_equal(opt_main(2, stray, "prog", NULL, t, 1, NULL), OPT_EXIT_USAGE);
    assert_int_equal(opt_main(2, stray, "prog", NULL, t, 1, &first), -1);
    assert_int_equal(first, 1);
    char *ok[] = {"prog", "-f", NULL};
    assert_int_equal(opt_main(2, ok, "prog", NULL, t, 1, NULL), -1);
    assert_int_equal(flag, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds_and_shorts),
        cmocka_unit_test(test_own_help_and_flag_callback),
        cmocka_unit_test(test_operands),
        cmocka_unit_test(test_find_and_apply),
        cmocka_unit_test(test_short_only),
        cmocka_unit_test(test_main_helper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
