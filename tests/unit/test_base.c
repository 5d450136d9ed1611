/* The base library's parsers and fork-and-pipe: strict doubles, HOST:PORT
 * with and without IPv6 brackets, and a real child on a pipe. */
#include <errno.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostport.h"
#include "ml_util.h"
#include "opt.h"
#include "spawn_pipe.h"

static void test_parse_double(void **state)
{
    (void)state;
    double v = -1;
    assert_int_equal(ml_parse_double("2.5", 0, 10, &v), 0);
    assert_true(v == 2.5);
    assert_int_equal(ml_parse_double("1e1", 0, 10, &v), 0);
    assert_true(v == 10);
    assert_int_equal(ml_parse_double("", 0, 10, &v), -EINVAL);
    assert_int_equal(ml_parse_double("2.5s", 0, 10, &v), -EINVAL);
    assert_int_equal(ml_parse_double("11", 0, 10, &v), -EINVAL);
    assert_int_equal(ml_parse_double("-0.1", 0, 10, &v), -EINVAL);
    assert_int_equal(ml_parse_double("nan", 0, 10, &v), -EINVAL);
    assert_int_equal(ml_parse_double("1e999", 0, 1e308, &v), -EINVAL);
    assert_true(v == 10); /* untouched on failure */
}

static void test_hostport(void **state)
{
    (void)state;
    char host[64];
    long port = 0;
    assert_int_equal(hostport_split("127.0.0.1:3333", host, sizeof(host), 0, &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 3333);
    assert_int_equal(hostport_split("[::1]:0", host, sizeof(host), 0, &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    assert_int_equal(hostport_split("::1:80", host, sizeof(host), 0, &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(hostport_split("[::1:80", host, sizeof(host), 0, &port), -EINVAL);
    assert_int_equal(hostport_split("localhost", host, sizeof(host), 0, &port),
                     -EINVAL);
    assert_int_equal(hostport_split("h:65536", host, sizeof(host), 0, &port), -EINVAL);
    assert_int_equal(hostport_split("h:0", host, sizeof(host), 1, &port), -EINVAL);
    assert_int_equal(hostport_split("h:x", host, sizeof(host), 0, &port), -EINVAL);
    assert_int_equal(hostport_split("0123456789:1", host, 8, 0, &port), -EINVAL);
}

static size_t read_all(int fd, char *buf, size_t len)
{
    size_t got = 0;
    ssize_t n;
    while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fd);
    return got;
}

static void test_spawn(void **state)
{
    (void)state;
    char out[64], err[64];
    int ofd = -1, efd = -1, st = 0;
    char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    struct spawn_opts o = {.err = SPAWN_ERR_PIPE};
    pid_t pid = spawn_pipe(argv, &o, &ofd, &efd);
    assert_true(pid > 0);
    read_all(ofd, out, sizeof(out));
    read_all(efd, err, sizeof(err));
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_string_equal(out, "out\n");
    assert_string_equal(err, "err\n");
    assert_int_equal(WEXITSTATUS(st), 3);

    o.err = SPAWN_ERR_STDOUT;
    pid = spawn_pipe(argv, &o, &ofd, NULL);
    assert_true(pid > 0);
    read_all(ofd, out, sizeof(out));
    waitpid(pid, &st, 0);
    assert_string_equal(out, "out\nerr\n");

    char *missing[] = {"/nonexistent/minerlab-no-such-tool", NULL};
    pid = spawn_pipe(missing, NULL, &ofd, NULL);
    assert_true(pid > 0);
    assert_int_equal(read_all(ofd, out, sizeof(out)), 0);
    waitpid(pid, &st, 0);
    assert_int_equal(WEXITSTATUS(st), 127);
}

/* stdin on a pipe, and the child in a group of its own: what the tshark
 * adapter needs for the reader of its ring. */
static void test_spawn_in(void **state)
{
    (void)state;
    char out[128];
    int ifd = -1, ofd = -1, st = 0;
    char *argv[] = {"sh", "-c", "ps -o pgid= -p $$ | tr -d ' '; cat; echo end", NULL};
    struct spawn_opts o = {
        .err = SPAWN_ERR_NULL, .own_group = 1, .death_signal = SIGKILL};
    pid_t pid = spawn_pipe_in(argv, &o, &ifd, &ofd, NULL);
    assert_true(pid > 0);
    assert_true(ifd >= 0);
    assert_int_equal(write(ifd, "ring\n", 5), 5);
    close(ifd); /* EOF: cat ends, the child says "end" */
    read_all(ofd, out, sizeof(out));
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char want[64];
    snprintf(want, sizeof(want), "%d\nring\nend\n", (int)pid);
    assert_string_equal(out, want);
    assert_int_not_equal(getpgid(0), pid);

    /* Without own_group the child stays in ours. */
    char *pgid[] = {"sh", "-c", "ps -o pgid= -p $$ | tr -d ' '", NULL};
    o.own_group = 0;
    pid = spawn_pipe_in(pgid, &o, NULL, &ofd, NULL);
    assert_true(pid > 0);
    read_all(ofd, out, sizeof(out));
    waitpid(pid, &st, 0);
    snprintf(want, sizeof(want), "%d\n", (int)getpgid(0));
    assert_string_equal(out, want);
}

static void test_opt(void **state)
{
    (void)state;
    long n = 4;
    double x = 0.5;
    int flag = 0;
    const char *name = "dflt";
    const struct opt a[] = {{"n", OPT_LONG, &n, 1, 10, "N", "a count"},
                            {"x", OPT_DOUBLE, &x, 0, 1, NULL, "a level"}};
    const struct opt b[] = {{"flag", OPT_FLAG, &flag, 0, 0, NULL, "a flag"},
                            {"name", OPT_STRING, &name, 0, 0, "NAME", "a name"}};
    char err[256] = "", *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    opt_usage(f, "prog", "Does things.", a, 2, b, 2);
    fclose(f);
    assert_non_null(strstr(buf, "usage: prog [options]\nDoes things.\n"));
    assert_non_null(strstr(buf, "--n N"));
    assert_non_null(strstr(buf, "a count (default 4)"));
    assert_non_null(strstr(buf, "a level (default 0.5)"));
    assert_non_null(strstr(buf, "a name (default dflt)"));
    free(buf);

    char *ok[] = {"prog", "--n", "7", "--x=0.25", "--flag", "--name", "z", NULL};
    assert_int_equal(opt_parse(7, ok, a, 2, b, 2, err, sizeof(err)), 0);
    assert_int_equal(n, 7);
    assert_true(x == 0.25);
    assert_int_equal(flag, 1);
    assert_string_equal(name, "z");

    char *help[] = {"prog", "--help", NULL};
    assert_int_equal(opt_parse(2, help, a, 2, b, 2, err, sizeof(err)), 1);
    char *range[] = {"prog", "--n", "11", NULL};
    assert_int_equal(opt_parse(3, range, a, 2, b, 2, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "--n wants an integer in 1..10, got '11'");
    assert_int_equal(n, 7); /* untouched */
    char *unknown[] = {"prog", "--nope", NULL};
    assert_int_equal(opt_parse(2, unknown, a, 2, b, 2, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "--nope"));
    char *stray[] = {"prog", "extra", NULL};
    assert_int_equal(opt_parse(2, stray, a, 2, b, 2, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "unexpected argument 'extra'");
    char *missing[] = {"prog", "--x", NULL};
    assert_int_equal(opt_parse(2, missing, a, 2, b, 2, err, sizeof(err)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_double), cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_spawn),        cmocka_unit_test(test_spawn_in),
        cmocka_unit_test(test_opt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
