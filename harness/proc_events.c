#include "proc_events.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hxutil.h"

static int send_op(int fd, enum proc_cn_mcast_op op)
{
    struct {
        struct nlmsghdr nl;
        struct cn_msg cn;
        enum proc_cn_mcast_op op;
    } __attribute__((packed)) msg;
    memset(&msg, 0, sizeof(msg));
    msg.nl.nlmsg_len = sizeof(msg);
    msg.nl.nlmsg_type = NLMSG_DONE;
    msg.nl.nlmsg_pid = 0;
    msg.cn.id.idx = CN_IDX_PROC;
    msg.cn.id.val = CN_VAL_PROC;
    msg.cn.len = sizeof(op);
    msg.op = op;
    return send(fd, &msg, sizeof(msg), 0) == (ssize_t)sizeof(msg) ? 0 : -errno;
}

int pev_open(void)
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

void pev_close(int fd)
{
    if (fd < 0)
        return;
    send_op(fd, PROC_CN_MCAST_IGNORE);
    close(fd);
}

int pev_read(int fd, void (*cb)(const struct pev *, void *), void *ctx)
{
    char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
    int count = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? count : -errno;
        if (n == 0)
            return count;
        for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
             nh = NLMSG_NEXT(nh, n)) {
            if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_NOOP)
                continue;
            struct cn_msg *cn = NLMSG_DATA(nh);
            if (cn->id.idx != CN_IDX_PROC || cn->len < sizeof(struct proc_event))
                continue;
            /* cn->data sits 36 bytes into the datagram: copy it out aligned. */
            struct proc_event pe;
            memcpy(&pe, cn->data, sizeof(pe));
            const struct proc_event *e = &pe;
            struct pev ev = {0};
            switch (e->what) {
            case PROC_EVENT_FORK:
                if (e->event_data.fork.child_pid != e->event_data.fork.child_tgid)
                    continue; /* a new thread, not a new process */
                ev.kind = PEV_FORK;
                ev.pid = e->event_data.fork.child_tgid;
                ev.ppid = e->event_data.fork.parent_tgid;
                break;
            case PROC_EVENT_EXEC:
                ev.kind = PEV_EXEC;
                ev.pid = e->event_data.exec.process_tgid;
                break;
            case PROC_EVENT_EXIT:
                if (e->event_data.exit.process_pid != e->event_data.exit.process_tgid)
                    continue;
                ev.kind = PEV_EXIT;
                ev.pid = e->event_data.exit.process_tgid;
                break;
            default:
                continue;
            }
            count++;
            cb(&ev, ctx);
        }
    }
}

/* "0100007F:0D05" (kernel byte order) -> "127.0.0.1:3333" / "[::1]:3333". */
static int fmt_endpoint(const char *hex, int v6, char *out, size_t len)
{
    const char *colon = strchr(hex, ':');
    if (!colon)
        return -1;
    unsigned port = (unsigned)strtoul(colon + 1, NULL, 16);
    unsigned char addr[16];
    size_t words = v6 ? 4 : 1;
    if ((size_t)(colon - hex) != words * 8)
        return -1;
    for (size_t w = 0; w < words; w++) {
        char part[9];
        memcpy(part, hex + w * 8, 8);
        part[8] = '\0';
        uint32_t x = (uint32_t)strtoul(part, NULL, 16); /* host order word */
        memcpy(addr + w * 4, &x, 4);
    }
    char ip[INET6_ADDRSTRLEN];
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, addr, ip, sizeof(ip)))
        return -1;
    hx_fmt(out, len, v6 ? "[%s]:%u" : "%s:%u", ip, port);
    return 0;
}

static int cmp_ul(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return (x > y) - (x < y);
}

/* Is the remote end unset ("0.0.0.0:0", "[::]:0")? */
static int unset_remote(const char *ep)
{
    return !strcmp(ep, "0.0.0.0:0") || !strcmp(ep, "[::]:0");
}

int pev_sockets(pid_t pid, const unsigned long *inodes, size_t ninodes,
                struct pev_sock **out, size_t *n, size_t *cap)
{
    static const struct {
        const char *file, *proto;
        int v6;
    } tables[] = {
        {"tcp", "tcp", 0}, {"tcp6", "tcp", 1}, {"udp", "udp", 0}, {"udp6", "udp", 1}};
    int found = 0;
    if (!ninodes)
        return 0;
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
        char path[64], line[512];
        hx_fmt(path, sizeof(path), "/proc/%d/net/%s", (int)pid, tables[t].file);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        while (fgets(line, sizeof(line), f)) {
            char loc[64], rem[64];
            unsigned st;
            unsigned long inode;
            /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
            if (sscanf(line, " %*s %63s %63s %x %*s %*s %*s %*s %*s %lu", loc, rem, &st,
                       &inode) != 4 ||
                !inode || !bsearch(&inode, inodes, ninodes, sizeof(*inodes), cmp_ul))
                continue;
            if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 16;
                struct pev_sock *p = realloc(*out, nc * sizeof(*p));
                if (!p) {
                    fclose(f);
                    return -ENOMEM;
                }
                *out = p;
                *cap = nc;
            }
            struct pev_sock *s = &(*out)[*n];
            memset(s, 0, sizeof(*s));
            s->inode = inode;
            hx_fmt(s->proto, sizeof(s->proto), "%s", tables[t].proto);
            if (fmt_endpoint(loc, tables[t].v6, s->local, sizeof(s->local)) ||
                fmt_endpoint(rem, tables[t].v6, s->remote, sizeof(s->remote)))
                continue;
            s->listening = !strcmp(tables[t].proto, "tcp") && st == 0x0A;
            if (s->listening || unset_remote(s->remote))
                s->remote[0] = '\0';
            (*n)++;
            found++;
        }
        fclose(f);
    }
    return found;
}
