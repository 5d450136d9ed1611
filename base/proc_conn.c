#include "proc_conn.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int send_op(int fd, enum proc_cn_mcast_op op)
{
    /* netlink header, connector header, the op: laid out by hand (cn_msg
     * ends in a flexible array, so it cannot sit inside a struct). */
    char msg[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(op))]
        __attribute__((aligned(NLMSG_ALIGNTO)));
    struct nlmsghdr *nh = (struct nlmsghdr *)msg;
    struct cn_msg *cn = NLMSG_DATA(nh);
    memset(msg, 0, sizeof(msg));
    nh->nlmsg_len = sizeof(msg);
    nh->nlmsg_type = NLMSG_DONE;
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(op);
    memcpy(cn->data, &op, sizeof(op));
    return send(fd, msg, sizeof(msg), 0) == (ssize_t)sizeof(msg) ? 0 : -errno;
}

int proc_conn_open(void)
{
    int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    NETLINK_CONNECTOR);
    if (fd < 0)
        return -errno;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
    int rcv = 4 << 20; /* bursts of forks must not overflow the queue */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
    if (!rc)
        rc = send_op(fd, PROC_CN_MCAST_LISTEN);
    if (rc) {
        close(fd);
        return rc;
    }
    return fd;
}

void proc_conn_close(int fd)
{
    if (fd < 0)
        return;
    send_op(fd, PROC_CN_MCAST_IGNORE);
    close(fd);
}

/* Does a message of len bytes hold the event's member m? */
#define HOLDS(len, m) ((len) >= offsetof(struct proc_event, event_data) + sizeof(m))

/* The event of one connector message: 1, or 0 when it is none of ours or
 * shorter than its kind's data (exec, exit and comm begin with the same two
 * pids; fork has four). */
static int decode(const struct nlmsghdr *nh, struct proc_conn_event *ev)
{
    const struct cn_msg *cn = NLMSG_DATA(nh);
    size_t have = (size_t)((const char *)nh + nh->nlmsg_len - (const char *)cn->data);
    /* The event sits 4 bytes off 8-byte alignment after cn_msg: copy it out. */
    struct proc_event pe;
    if (cn->id.idx != CN_IDX_PROC || cn->len > have ||
        !HOLDS(cn->len, pe.event_data.exec))
        return 0;
    memset(&pe, 0, sizeof(pe));
    memcpy(&pe, cn->data, cn->len < sizeof(pe) ? cn->len : sizeof(pe));
    memset(ev, 0, sizeof(*ev));
    switch (pe.what) {
    case PROC_EVENT_FORK:
        ev->kind = PROC_CONN_FORK;
        ev->pid = pe.event_data.fork.child_tgid;
        ev->tid = pe.event_data.fork.child_pid;
        ev->ppid = pe.event_data.fork.parent_tgid;
        return HOLDS(cn->len, pe.event_data.fork);
    case PROC_EVENT_EXEC:
        ev->kind = PROC_CONN_EXEC;
        ev->pid = pe.event_data.exec.process_tgid;
        ev->tid = pe.event_data.exec.process_pid;
        return 1;
    case PROC_EVENT_EXIT:
        ev->kind = PROC_CONN_EXIT;
        ev->pid = pe.event_data.exit.process_tgid;
        ev->tid = pe.event_data.exit.process_pid;
        return 1;
    case PROC_EVENT_COMM:
        ev->kind = PROC_CONN_COMM;
        ev->pid = pe.event_data.comm.process_tgid;
        ev->tid = pe.event_data.comm.process_pid;
        return 1;
    default:
        return 0;
    }
}

int proc_conn_read(int fd, int (*cb)(const struct proc_conn_event *, void *), void *ctx,
                   int *lost)
{
    char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
    int total = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOBUFS) {
            *lost = 1;
            continue;
        }
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? total : -errno;
        if (n == 0)
            return total;
        for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
             nh = NLMSG_NEXT(nh, n)) {
            struct proc_conn_event ev;
            if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_NOOP ||
                !decode(nh, &ev))
                continue;
            int rc = cb(&ev, ctx);
            if (rc < 0)
                return rc;
            total += rc;
        }
    }
}
