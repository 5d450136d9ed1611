#include "proc_events.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hxutil.h"
#include "proc_conn.h"

int pev_open(void)
{
    return proc_conn_open();
}

void pev_close(int fd)
{
    proc_conn_close(fd);
}

struct pev_read_ctx {
    void (*cb)(const struct pev *, void *);
    void *ctx;
};

/* Process-level fork, exec and exit events only: threads and comm changes
 * are left out. */
static int pev_one(const struct proc_conn_event *e, void *arg)
{
    struct pev_read_ctx *r = arg;
    struct pev ev = {0};
    if (e->kind == PROC_CONN_COMM || (e->kind != PROC_CONN_EXEC && e->tid != e->pid))
        return 0;
    ev.kind = e->kind == PROC_CONN_FORK   ? PEV_FORK
              : e->kind == PROC_CONN_EXEC ? PEV_EXEC
                                          : PEV_EXIT;
    ev.pid = e->pid;
    ev.ppid = e->kind == PROC_CONN_FORK ? e->ppid : 0;
    r->cb(&ev, r->ctx);
    return 1;
}

int pev_read(int fd, void (*cb)(const struct pev *, void *), void *ctx)
{
    struct pev_read_ctx r = {cb, ctx};
    int lost = 0, n = proc_conn_read(fd, pev_one, &r, &lost);
    return n >= 0 && lost ? -ENOBUFS : n;
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
