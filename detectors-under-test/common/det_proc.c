#include "det_proc.h"

#include "det_alert.h"
#include "ml_util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int det_proc_read_file(const char *path, char *buf, size_t len, size_t *outlen)
{
    if (!buf || len == 0)
        return -EINVAL;
    buf[0] = '\0';
    if (outlen)
        *outlen = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t got = 0;
    int rc = 0;
    while (got < len - 1) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (rc == 0 && got == len - 1) {
        char extra;
        if (read(fd, &extra, 1) == 1)
            rc = -E2BIG;
    }
    close(fd);
    buf[got] = '\0';
    if (outlen)
        *outlen = got;
    return rc;
}

int det_proc_parse_stat(const char *line, struct det_proc_stat *out)
{
    memset(out, 0, sizeof(*out));
    const char *open_paren = strchr(line, '(');
    const char *close_paren = strrchr(line, ')');
    if (!open_paren || !close_paren || close_paren < open_paren)
        return -EINVAL;
    out->pid = atoi(line);
    size_t clen = (size_t)(close_paren - open_paren - 1);
    if (clen >= sizeof(out->comm))
        clen = sizeof(out->comm) - 1;
    memcpy(out->comm, open_paren + 1, clen);
    out->comm[clen] = '\0';
    /* Fields after comm, numbered from 3 (state) as in proc(5). */
    unsigned long long f[20] = {0};
    char state = 0;
    int n = sscanf(close_paren + 1,
                   " %c %llu %*u %*u %*u %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d "
                   "%*d %lld %*d %llu %llu",
                   &state, &f[0], &f[1], &f[2], (long long *)&f[3], &f[4], &f[5]);
    if (n < 7)
        return -EINVAL;
    out->state = state;
    out->ppid = (int)f[0];
    out->utime_ticks = f[1];
    out->stime_ticks = f[2];
    out->num_threads = (long)f[3];
    out->start_ticks = f[4];
    out->vsize_bytes = f[5];
    return 0;
}

int det_proc_read_stat(const char *root, int pid, int tid, struct det_proc_stat *out)
{
    char path[DET_PROC_PATH_MAX], line[1024];
    if (tid > 0)
        snprintf(path, sizeof(path), "%s/%d/task/%d/stat", root, pid, tid);
    else
        snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
    int rc = det_proc_read_file(path, line, sizeof(line), NULL);
    if (rc < 0 && rc != -E2BIG)
        return rc == -ESRCH ? -ENOENT : rc;
    return det_proc_parse_stat(line, out);
}

int det_proc_read_cmdline(const char *root, int pid, char *buf, size_t len, char *argv0,
                          size_t argv0len)
{
    char path[DET_PROC_PATH_MAX];
    size_t n = 0;
    snprintf(path, sizeof(path), "%s/%d/cmdline", root, pid);
    int rc = det_proc_read_file(path, buf, len, &n);
    if (rc < 0 && rc != -E2BIG)
        return rc;
    if (argv0 && argv0len) {
        snprintf(argv0, argv0len, "%s", buf);
    }
    while (n > 0 && buf[n - 1] == '\0')
        n--;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    return 0;
}

int det_proc_read_comm(const char *root, int pid, char *buf, size_t len)
{
    char path[DET_PROC_PATH_MAX];
    size_t n = 0;
    snprintf(path, sizeof(path), "%s/%d/comm", root, pid);
    int rc = det_proc_read_file(path, buf, len, &n);
    if (rc < 0 && rc != -E2BIG)
        return rc;
    while (n > 0 && (buf[n - 1] == '\n'))
        buf[--n] = '\0';
    return 0;
}

int det_proc_read_exe(const char *root, int pid, char *buf, size_t len)
{
    char path[DET_PROC_PATH_MAX];
    snprintf(path, sizeof(path), "%s/%d/exe", root, pid);
    ssize_t r = readlink(path, buf, len - 1);
    if (r < 0) {
        buf[0] = '\0';
        return -errno;
    }
    buf[r] = '\0';
    return 0;
}

int det_proc_read_cgroup(const char *root, int pid, char *buf, size_t len)
{
    char path[DET_PROC_PATH_MAX], text[4096];
    snprintf(path, sizeof(path), "%s/%d/cgroup", root, pid);
    int rc = det_proc_read_file(path, text, sizeof(text), NULL);
    if (rc < 0 && rc != -E2BIG)
        return rc;
    snprintf(buf, len, "/");
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(l, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = '\0';
        *c2 = '\0';
        const char *controllers = c1 + 1, *cgpath = c2 + 1;
        int v2 = strcmp(l, "0") == 0 && controllers[0] == '\0';
        int v1cpu =
            strstr(controllers, "cpu") != NULL && !strstr(controllers, "cpuset");
        if ((v2 || v1cpu) && strcmp(cgpath, "/") != 0) {
            snprintf(buf, len, "%s", cgpath);
            if (v2)
                break;
        }
    }
    return 0;
}

/* Limit of one cgroup directory, in cores; 0 when it has none. */
static double quota_in(const char *dir)
{
    char path[DET_PROC_PATH_MAX + 32], text[128];
    snprintf(path, sizeof(path), "%s/cpu.max", dir);
    if (det_proc_read_file(path, text, sizeof(text), NULL) == 0) {
        double quota = 0, period = 0;
        if (sscanf(text, "%lf %lf", &quota, &period) == 2 && period > 0)
            return quota / period; /* "max 100000" does not parse: no limit */
        return 0;
    }
    snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
    if (det_proc_read_file(path, text, sizeof(text), NULL) < 0)
        return 0;
    double quota = strtod(text, NULL);
    snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
    if (quota <= 0 || det_proc_read_file(path, text, sizeof(text), NULL) < 0)
        return 0; /* -1: no limit */
    double period = strtod(text, NULL);
    return period > 0 ? quota / period : 0;
}

int det_proc_cgroup_quota(const char *cg_root, const char *cgpath, double *cores)
{
    static const char *mounts[] = {"", "/cpu", "/cpu,cpuacct", "/unified"};
    double best = 0;
    for (size_t m = 0; m < sizeof(mounts) / sizeof(mounts[0]); m++) {
        char path[DET_PROC_PATH_MAX];
        snprintf(path, sizeof(path), "%s%s%s", cg_root, mounts[m], cgpath);
        /* The path and each ancestor up to the mount point. */
        size_t base = strlen(cg_root) + strlen(mounts[m]);
        for (;;) {
            double q = quota_in(path);
            if (q > 0 && (best == 0 || q < best))
                best = q;
            char *slash = strrchr(path, '/');
            if (!slash || (size_t)(slash - path) < base)
                break;
            *slash = '\0';
        }
    }
    if (best <= 0)
        return -ENOENT;
    *cores = best;
    return 0;
}

static int list_numeric(const char *dirpath, int *ids, size_t max, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dirpath);
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && *n < max) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char *end = NULL;
        long v = strtol(e->d_name, &end, 10);
        if (*end == '\0' && v > 0 && v < (1L << 30))
            ids[(*n)++] = (int)v;
    }
    closedir(d);
    return 0;
}

int det_proc_list_pids(const char *root, int *ids, size_t max, size_t *n)
{
    return list_numeric(root, ids, max, n);
}

int det_proc_list_tids(const char *root, int pid, int *ids, size_t max, size_t *n)
{
    char path[DET_PROC_PATH_MAX];
    snprintf(path, sizeof(path), "%s/%d/task", root, pid);
    return list_numeric(path, ids, max, n);
}

int det_proc_ncpu(const char *root)
{
    char path[DET_PROC_PATH_MAX], text[16384];
    snprintf(path, sizeof(path), "%s/stat", root);
    int count = 0;
    int rc = det_proc_read_file(path, text, sizeof(text), NULL);
    if (rc == 0 || rc == -E2BIG) {
        for (const char *p = text; (p = strstr(p, "\ncpu")) != NULL; p += 4)
            if (isdigit((unsigned char)p[4]))
                count++;
    }
    if (count <= 0) {
        long s = sysconf(_SC_NPROCESSORS_ONLN);
        count = s > 0 ? (int)s : 1;
    }
    return count;
}

double det_proc_uptime(const char *root)
{
    char path[DET_PROC_PATH_MAX], text[128];
    snprintf(path, sizeof(path), "%s/uptime", root);
    if (det_proc_read_file(path, text, sizeof(text), NULL) < 0)
        return -1;
    return strtod(text, NULL);
}

int det_proc_parse_map(const char *line, struct det_map *out)
{
    memset(out, 0, sizeof(*out));
    unsigned long long start, end, off, inode;
    char perms[8];
    int pos = 0;
    if (sscanf(line, "%llx-%llx %7s %llx %*x:%*x %llu%n", &start, &end, perms, &off,
               &inode, &pos) < 5)
        return -EINVAL;
    out->start = start;
    out->end = end;
    memcpy(out->perms, perms, sizeof(out->perms) - 1);
    out->perms[sizeof(out->perms) - 1] = '\0';
    out->offset = off;
    out->inode = inode;
    const char *p = line + pos;
    while (*p == ' ' || *p == '\t')
        p++;
    snprintf(out->path, sizeof(out->path), "%s", p);
    size_t l = strlen(out->path);
    while (l > 0 && out->path[l - 1] == '\n')
        out->path[--l] = '\0';
    return 0;
}

int det_proc_socket_inodes(const char *root, int pid, uint64_t *inodes, size_t max,
                           size_t *n)
{
    char path[DET_PROC_PATH_MAX];
    *n = 0;
    snprintf(path, sizeof(path), "%s/%d/fd", root, pid);
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && *n < max) {
        if (e->d_name[0] == '.')
            continue;
        char link[64];
        ssize_t r = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
        if (r <= 0)
            continue;
        link[r] = '\0';
        unsigned long long ino;
        if (sscanf(link, "socket:[%llu]", &ino) == 1)
            inodes[(*n)++] = ino;
    }
    closedir(d);
    return 0;
}

static void format_addr(const char *hex, int ipv6, char *out, size_t len)
{
    char addr[40] = "";
    unsigned port = 0;
    const char *colon = strchr(hex, ':');
    if (colon)
        port = (unsigned)strtoul(colon + 1, NULL, 16);
    if (!ipv6) {
        unsigned long v = strtoul(hex, NULL, 16); /* host (little-endian) order */
        snprintf(addr, sizeof(addr), "%lu.%lu.%lu.%lu", v & 0xff, (v >> 8) & 0xff,
                 (v >> 16) & 0xff, (v >> 24) & 0xff);
        snprintf(out, len, "%s:%u", addr, port);
        return;
    }
    /* Four 32-bit words, each in host order; print as 8 groups. */
    unsigned char b[16] = {0};
    for (int w = 0; w < 4; w++) {
        char word[9] = {0};
        memcpy(word, hex + 8 * w, 8);
        unsigned long v = strtoul(word, NULL, 16);
        for (int i = 0; i < 4; i++)
            b[4 * w + i] = (unsigned char)(v >> (8 * i));
    }
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0,    0,
                                               0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, v4mapped, 12) == 0) {
        snprintf(out, len, "%u.%u.%u.%u:%u", b[12], b[13], b[14], b[15], port);
        return;
    }
    size_t o = 0;
    for (int g = 0; g < 8; g++)
        o += (size_t)snprintf(addr + o, sizeof(addr) - o, g ? ":%x" : "%x",
                              (unsigned)(b[2 * g] << 8 | b[2 * g + 1]));
    snprintf(out, len, "[%s]:%u", addr, port);
}

int det_proc_parse_tcp_line(const char *line, int ipv6, struct det_tcp_conn *out)
{
    char local[64], remote[64];
    unsigned st;
    unsigned long long inode;
    memset(out, 0, sizeof(*out));
    if (sscanf(line, " %*d: %63s %63s %x %*s %*s %*s %*u %*u %llu", local, remote, &st,
               &inode) != 4)
        return -EINVAL;
    format_addr(local, ipv6, out->local, sizeof(out->local));
    format_addr(remote, ipv6, out->remote, sizeof(out->remote));
    out->state = (int)st;
    out->inode = inode;
    return 0;
}

int det_proc_read_tcp(const char *root, struct det_tcp_conn *conns, size_t max,
                      size_t *n)
{
    static const char *files[] = {"net/tcp", "net/tcp6"};
    *n = 0;
    for (int f = 0; f < 2; f++) {
        char path[DET_PROC_PATH_MAX], line[512];
        snprintf(path, sizeof(path), "%s/%s", root, files[f]);
        FILE *fp = fopen(path, "re");
        if (!fp)
            continue;
        while (*n < max && fgets(line, sizeof(line), fp))
            if (det_proc_parse_tcp_line(line, f, &conns[*n]) == 0)
                (*n)++;
        fclose(fp);
    }
    return 0;
}

int det_proc_is_self_or_parent(int pid)
{
    return pid <= 0 || pid == getpid() || pid == getppid();
}
int det_proc_scan_begin(const char *root, const char *detector, int technique,
                        int *degraded_once, double *now_s, int *pids, size_t max,
                        size_t *n)
{
    *n = 0;
    *now_s = det_proc_uptime(root);
    int rc = *now_s < 0 ? -ENOENT : det_proc_list_pids(root, pids, max, n);
    if (rc < 0 && !*degraded_once) {
        *degraded_once = 1;
        char msg[600];
        snprintf(msg, sizeof(msg), "cannot read %s (uptime or pid list): %s", root,
                 strerror(-rc));
        det_alert_degraded(detector, (enum det_technique)technique, msg);
    }
    return rc;
}
