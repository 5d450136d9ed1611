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
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostport.h"
#include "ml_util.h"
#include "opt.h"
#include "proc_conn.h"
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

/* Short forms, choices, repeatable options and operands (opt_cmd_parse). */
static void test_opt_cmd(void **state)
{
    (void)state;
    const char *name = NULL, *v[2];
    struct opt_list list = {v, 0, 2};
    int order = 0, quiet = 0, first = -1;
    long diff = 0;
    const struct opt opts[] = {
        {"s|suite", OPT_STRING, &name, 0, 0, "NAME", "a suite\nsecond line"},
        {"d|detector", OPT_LIST, &list, 0, 0, "X", "repeatable"},
        {"order", OPT_CHOICE, &order, 0, 0, "random|listed|reversed", "an order"},
        {"diff", OPT_LONG, &diff, 1, 100, "N", "unset: vardiff"},
        {"q|quiet", OPT_FLAG, &quiet, 0, 0, NULL, "quiet"},
    };
    const struct opt_cmd cmd = {"prog sub", "A B...", 1, 2, "Does things.", opts, 5};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    opt_cmd_usage(f, &cmd);
    fclose(f);
    assert_non_null(strstr(buf, "usage: prog sub [options] A B...\nDoes things.\n"));
    assert_non_null(strstr(buf, "  -s, --suite NAME           a suite\n"
                                "                             second line\n"));
    /* a left column wider than 26: the help goes on the next line */
    assert_non_null(strstr(buf,
                           "      --order random|listed|reversed\n"
                           "                             an order (default random)\n"));
    assert_non_null(strstr(buf, "unset: vardiff\n")); /* 0 is outside 1..100 */
    free(buf);

    char *ok[] = {"p",       "A",      "-s", "x", "-qd", "one", "--detector=two",
                  "--order", "listed", "B",  NULL};
    assert_int_equal(opt_cmd_parse(&cmd, 10, ok, &first), 0);
    assert_string_equal(name, "x");
    assert_int_equal(quiet, 1);
    assert_int_equal(list.n, 2);
    assert_string_equal(v[0], "one");
    assert_string_equal(v[1], "two");
    assert_int_equal(order, 1);
    assert_int_equal(first, 8); /* operands permuted to the end, in order */
    assert_string_equal(ok[first], "A");
    assert_string_equal(ok[first + 1], "B");

    char *full[] = {"p", "-d", "three", "A", NULL};
    assert_int_equal(opt_cmd_parse(&cmd, 4, full, &first), -EINVAL); /* list full */
    char *choice[] = {"p", "--order", "sorted", "A", NULL};
    assert_int_equal(opt_cmd_parse(&cmd, 4, choice, &first), -EINVAL);
    assert_int_equal(order, 1);
    char *none[] = {"p", "-q", NULL};
    assert_int_equal(opt_cmd_parse(&cmd, 2, none, &first), -EINVAL);
    char *many[] = {"p", "A", "B", "C", NULL};
    assert_int_equal(opt_cmd_parse(&cmd, 4, many, &first), -EINVAL);
    char *unknown[] = {"p", "-z", "A", NULL};
    assert_int_equal(opt_cmd_parse(&cmd, 3, unknown, &first), -EINVAL);
    char *missing[] = {"p", "A", "-s", NULL};
    assert_int_equal(opt_cmd_parse(&cmd, 3, missing, &first), -EINVAL);
    char *help[] = {"p", "A", "-h", NULL};
    assert_int_equal(opt_cmd_parse(&cmd, 3, help, &first), 1);

    char err[256];
    list.n = 0;
    char *stray[] = {"p", "-d", "x", "extra", NULL};
    assert_int_equal(opt_parse(4, stray, opts, 5, NULL, 0, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "unexpected argument 'extra'");
    char *bad[] = {"p", "--order", "sorted", NULL};
    assert_int_equal(opt_parse(3, bad, opts, 5, NULL, 0, err, sizeof(err)), -EINVAL);
    assert_string_equal(err,
                        "--order wants one of random|listed|reversed, got 'sorted'");
}

struct pc_seen {
    pid_t child, parent;
    int fork, exec, exit, thread, events;
};

static int pc_on_event(const struct proc_conn_event *e, void *ctx)
{
    struct pc_seen *s = ctx;
    s->events++;
    if (e->kind == PROC_CONN_FORK && e->pid == s->child && e->tid == s->child &&
        e->ppid == s->parent)
        s->fork = 1;
    if (e->kind == PROC_CONN_FORK && e->pid == s->parent && e->tid != s->parent)
        s->thread = 1;
    if (e->kind == PROC_CONN_EXEC && e->pid == s->child)
        s->exec = 1;
    if (e->kind == PROC_CONN_EXIT && e->pid == s->child)
        s->exit = 1;
    return 1;
}

static void *pc_thread(void *arg)
{
    return arg;
}

/* The real connector: a child that execs and exits, and a thread of ours. */
static void test_proc_conn_live(void **state)
{
    (void)state;
    int fd = proc_conn_open();
    if (fd == -EPERM || fd == -EACCES || fd == -EPROTONOSUPPORT) {
        skip(); /* needs CAP_NET_ADMIN */
        return;
    }
    assert_true(fd >= 0);
    struct pc_seen s = {.parent = getpid()};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, pc_thread, NULL), 0);
    pthread_join(t, NULL);
    s.child = fork();
    assert_true(s.child >= 0);
    if (s.child == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    int st = 0, lost = 0;
    waitpid(s.child, &st, 0);
    assert_int_equal(WEXITSTATUS(st), 0);
    for (int i = 0; i < 100 && !(s.fork && s.exec && s.exit && s.thread); i++) {
        struct pollfd p = {fd, POLLIN, 0};
        poll(&p, 1, 20);
        assert_true(proc_conn_read(fd, pc_on_event, &s, &lost) >= 0);
    }
    proc_conn_close(fd);
    assert_true(s.fork && s.exec && s.exit && s.thread);
}

/* One connector datagram carrying len bytes of ev. */
static void pc_send(int fd, const struct proc_event *ev, size_t len)
{
    char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(*ev))]
        __attribute__((aligned(NLMSG_ALIGNTO)));
    memset(buf, 0, sizeof(buf));
    struct nlmsghdr *nh = (struct nlmsghdr *)buf;
    struct cn_msg *cn = NLMSG_DATA(nh);
    nh->nlmsg_len = (unsigned)NLMSG_LENGTH(sizeof(*cn) + len);
    nh->nlmsg_type = NLMSG_DONE;
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = (unsigned short)len;
    memcpy(cn->data, ev, len);
    assert_int_equal(send(fd, buf, nh->nlmsg_len, 0), (ssize_t)nh->nlmsg_len);
}

static int pc_stop_at_exit(const struct proc_conn_event *e, void *ctx)
{
    int *kinds = ctx;
    kinds[e->kind]++;
    return e->kind == PROC_CONN_EXIT ? -ECANCELED : 1;
}

/* Decoding, on datagrams we write ourselves: short events are dropped, a
 * negative callback return stops the reading. */
static void test_proc_conn_decode(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    struct proc_event ev;
    size_t head = offsetof(struct proc_event, event_data);
    memset(&ev, 0, sizeof(ev));
    ev.what = PROC_EVENT_FORK;
    ev.event_data.fork.parent_tgid = 10;
    ev.event_data.fork.child_pid = 12;
    ev.event_data.fork.child_tgid = 11;
    pc_send(sv[1], &ev, head + sizeof(ev.event_data.fork));
    pc_send(sv[1], &ev, head + sizeof(ev.event_data.fork) - 4); /* short: dropped */
    ev.what = PROC_EVENT_EXEC;
    ev.event_data.exec.process_pid = ev.event_data.exec.process_tgid = 11;
    pc_send(sv[1], &ev, head + 4); /* short: dropped */
    pc_send(sv[1], &ev, head + sizeof(ev.event_data.exec));
    ev.what = PROC_EVENT_EXIT;
    pc_send(sv[1], &ev, sizeof(ev));
    ev.what = PROC_EVENT_EXEC;
    pc_send(sv[1], &ev, sizeof(ev)); /* after the stop: still queued */
    int kinds[4] = {0}, lost = 0;
    assert_int_equal(proc_conn_read(sv[0], pc_stop_at_exit, kinds, &lost), -ECANCELED);
    assert_int_equal(kinds[PROC_CONN_FORK], 1);
    assert_int_equal(kinds[PROC_CONN_EXEC], 1);
    assert_int_equal(kinds[PROC_CONN_EXIT], 1);
    assert_int_equal(lost, 0);
    assert_int_equal(proc_conn_read(sv[0], pc_stop_at_exit, kinds, &lost), 1);
    assert_int_equal(kinds[PROC_CONN_EXEC], 2);
    assert_int_equal(proc_conn_read(sv[0], pc_stop_at_exit, kinds, &lost), 0);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_double), cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_spawn),        cmocka_unit_test(test_spawn_in),
        cmocka_unit_test(test_opt),          cmocka_unit_test(test_opt_cmd),
        cmocka_unit_test(test_proc_conn_live), cmocka_unit_test(test_proc_conn_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
