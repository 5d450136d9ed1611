/* proc_events: fork events from the process connector, sockets from /proc/PID/net. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "proc_events.h"

static int cmp_ul(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return (x > y) - (x < y);
}

static int bound(int family, int type, int do_listen, unsigned *port)
{
    int fd = socket(family, type, 0);
    assert_true(fd >= 0);
    struct sockaddr_storage ss = {0};
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_loopback;
        len = sizeof(*s6);
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
        close(fd);
        return -1; /* no IPv6 here */
    }
    if (do_listen)
        assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                    : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

static const struct pev_sock *find(const struct pev_sock *v, size_t n,
                                   const char *local)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].local, local))
            return &v[i];
    return NULL;
}

/* Our own listening TCP (v4, v6) and bound UDP sockets, read back from /proc. */
static void test_sockets(void **state)
{
    unsigned p4, p6 = 0, pu;
    int l4 = bound(AF_INET, SOCK_STREAM, 1, &p4);
    int l6 = bound(AF_INET6, SOCK_STREAM, 1, &p6);
    int u4 = bound(AF_INET, SOCK_DGRAM, 0, &pu);
    unsigned long *inodes = NULL;
    size_t n = 0, cap = 0, ns = 0, scap = 0;
    assert_true(proc_socket_inodes(getpid(), &inodes, &n, &cap) >= 2);
    qsort(inodes, n, sizeof(*inodes), cmp_ul);
    struct pev_sock *socks = NULL;
    assert_true(pev_sockets(getpid(), inodes, n, &socks, &ns, &scap) >= 2);
    char want[80];
    snprintf(want, sizeof(want), "127.0.0.1:%u", p4);
    const struct pev_sock *s = find(socks, ns, want);
    assert_non_null(s);
    assert_string_equal(s->proto, "tcp");
    assert_true(s->listening && !s->remote[0]);
    if (l6 >= 0) {
        snprintf(want, sizeof(want), "[::1]:%u", p6);
        assert_non_null(find(socks, ns, want));
    }
    snprintf(want, sizeof(want), "127.0.0.1:%u", pu);
    s = find(socks, ns, want);
    assert_non_null(s);
    assert_string_equal(s->proto, "udp");
    assert_true(!s->listening && !s->remote[0]);
    /* An inode that is not ours finds nothing. */
    unsigned long none = 1;
    size_t before = ns;
    assert_int_equal(pev_sockets(getpid(), &none, 1, &socks, &ns, &scap), 0);
    assert_int_equal(ns, before);
    free(socks);
    free(inodes);
    close(l4);
    if (l6 >= 0)
        close(l6);
    close(u4);
}

struct seen {
    pid_t child, parent;
    int fork_seen, exit_seen;
};

static void on_event(const struct pev *e, void *ctx)
{
    struct seen *s = ctx;
    if (e->kind == PEV_FORK && e->pid == s->child && e->ppid == s->parent)
        s->fork_seen = 1;
    if (e->kind == PEV_EXIT && e->pid == s->child)
        s->exit_seen = 1;
}

/* A child that lives a few ms is seen forking and exiting. */
static void test_fork_events(void **state)
{
    int fd = pev_open();
    if (fd == -EPERM || fd == -EACCES || fd == -EPROTONOSUPPORT) {
        skip(); /* needs CAP_NET_ADMIN: the harness then polls /proc */
        return;
    }
    assert_true(fd >= 0);
    struct seen s = {.parent = getpid()};
    s.child = fork();
    assert_true(s.child >= 0);
    if (s.child == 0) {
        usleep(5000);
        _exit(0);
    }
    waitpid(s.child, NULL, 0);
    for (int i = 0; i < 100 && !(s.fork_seen && s.exit_seen); i++) {
        struct pollfd p = {fd, POLLIN, 0};
        poll(&p, 1, 20);
        assert_true(pev_read(fd, on_event, &s) >= 0);
    }
    pev_close(fd);
    assert_true(s.fork_seen);
    assert_true(s.exit_seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sockets),
        cmocka_unit_test(test_fork_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
