/* The base library's parsers and fork-and-pipe: strict doubles, HOST:PORT
 * with and without IPv6 brackets, and a real child on a pipe. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostport.h"
#include "ml_util.h"
#include "spawn.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_double),
        cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_spawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
