/* prom — configuration, alerts-API parsing and helpers; see prom.h. */
#include "prom.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "det_proc.h"
#include "ml_util.h"

#define PROM_BODY_MAX (8u << 20)

void prom_rules_defaults(struct prom_rules *r)
{
    *r = (struct prom_rules){.scrape_s = 15,
                             .for_s = 60,
                             .host_cpu_pct = 80,
                             .group_share = 0.5,
                             .new_group_cores = 0.25,
                             .new_group_age_s = 600};
}

double prom_rate_window_s(const struct prom_rules *r)
{
    double w = 4 * r->scrape_s;
    return w < 30 ? 30 : w;
}

double prom_min_observation_s(const struct prom_rules *r)
{
    return r->for_s + r->scrape_s;
}

/* A Prometheus duration: "60s", or "1500ms" when not whole seconds. */
static void duration(double s, char *buf, size_t len)
{
    long ms = (long)(s * 1000 + 0.5);
    if (ms % 1000 == 0)
        snprintf(buf, len, "%lds", ms / 1000);
    else
        snprintf(buf, len, "%ldms", ms);
}

static int write_file(const char *path, const char *text, char *err, size_t errlen)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return ml_err(err, errlen, -errno, "%s: %s", path, strerror(errno));
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    return bad ? ml_err(err, errlen, -EIO, "%s: write failed", path) : 0;
}

int prom_write_rules(const char *path, const struct prom_rules *r, char *err,
                     size_t errlen)
{
    char w[32], f[32], text[4096];
    duration(prom_rate_window_s(r), w, sizeof(w));
    duration(r->for_s, f, sizeof(f));
    /* The rules an operator writes for node_exporter and process-exporter:
     * whole-host CPU, one group's share of the host, and a group that is new
     * and busy. Each names what it measured in its summary. */
    snprintf(text, sizeof(text),
             "# Written by minerlab-det-prometheus.\n"
             "groups:\n"
             "  - name: minerlab-cpu\n"
             "    rules:\n"
             "      - alert: HostHighCpuLoad\n"
             "        expr: 100 * (1 - avg by (instance) "
             "(rate(node_cpu_seconds_total{mode=\"idle\"}[%s]))) > %g\n"
             "        for: %s\n"
             "        labels:\n"
             "          severity: warning\n"
             "        annotations:\n"
             "          summary: \"host CPU above %g%% for %s\"\n"
             "      - alert: ProcessGroupHighCpuShare\n"
             "        expr: sum by (groupname) "
             "(rate(namedprocess_namegroup_cpu_seconds_total[%s])) / "
             "scalar(count(node_cpu_seconds_total{mode=\"idle\"})) > %g\n"
             "        for: %s\n"
             "        labels:\n"
             "          severity: warning\n"
             "        annotations:\n"
             "          summary: \"process group {{ $labels.groupname }} above %g of "
             "the host's CPU for %s\"\n"
             "      - alert: NewProcessGroupSustainedCpu\n"
             "        expr: (sum by (groupname) "
             "(rate(namedprocess_namegroup_cpu_seconds_total[%s])) > %g) and on "
             "(groupname) (time() - namedprocess_namegroup_oldest_start_time_seconds < "
             "%g)\n"
             "        for: %s\n"
             "        labels:\n"
             "          severity: warning\n"
             "        annotations:\n"
             "          summary: \"new process group {{ $labels.groupname }} (oldest "
             "process younger than %g s) above %g cores for %s\"\n",
             w, r->host_cpu_pct, f, r->host_cpu_pct, f, w, r->group_share, f,
             r->group_share, f, w, r->new_group_cores, r->new_group_age_s, f,
             r->new_group_age_s, r->new_group_cores, f);
    return write_file(path, text, err, errlen);
}

int prom_write_config(const char *path, const char *rules_path,
                      const struct prom_rules *r, int node_port, int process_port,
                      char *err, size_t errlen)
{
    char s[32], text[2048];
    duration(r->scrape_s, s, sizeof(s));
    snprintf(text, sizeof(text),
             "# Written by minerlab-det-prometheus.\n"
             "global:\n"
             "  scrape_interval: %s\n"
             "  evaluation_interval: %s\n"
             "rule_files:\n"
             "  - %s\n"
             "scrape_configs:\n"
             "  - job_name: node\n"
             "    static_configs:\n"
             "      - targets: ['127.0.0.1:%d']\n"
             "  - job_name: process\n"
             "    static_configs:\n"
             "      - targets: ['127.0.0.1:%d']\n",
             s, s, rules_path, node_port, process_port);
    return write_file(path, text, err, errlen);
}

int prom_write_process_config(const char *path, char *err, size_t errlen)
{
    /* process-exporter's README example: every process, grouped by comm. */
    return write_file(path,
                      "# Written by minerlab-det-prometheus.\n"
                      "process_names:\n"
                      "  - name: \"{{.Comm}}\"\n"
                      "    cmdline:\n"
                      "      - '.+'\n",
                      err, errlen);
}

static void copy_str(json_t *o, const char *key, char *out, size_t len)
{
    const char *v = json_string_value(json_object_get(o, key));
    snprintf(out, len, "%s", v ? v : "");
}

int prom_parse_alerts(const char *body, size_t len, struct prom_alert *out, size_t max,
                      size_t *n, char *err, size_t errlen)
{
    json_error_t je;
    int rc = 0;
    *n = 0;
    json_t *root = json_loadb(body, len, 0, &je);
    if (!root)
        return ml_err(err, errlen, -EINVAL, "alerts page is not JSON: %s", je.text);
    const char *status = json_string_value(json_object_get(root, "status"));
    json_t *alerts = json_object_get(json_object_get(root, "data"), "alerts");
    if (!status || strcmp(status, "success")) {
        rc = ml_err(err, errlen, -EINVAL, "alerts page status is '%s'",
                    status ? status : "(none)");
        goto out;
    }
    if (!json_is_array(alerts)) {
        rc = ml_err(err, errlen, -EINVAL, "alerts page has no data.alerts array");
        goto out;
    }
    size_t i;
    json_t *a;
    json_array_foreach(alerts, i, a)
    {
        json_t *labels = json_object_get(a, "labels");
        if (!json_string_value(json_object_get(labels, "alertname")))
            continue;
        if (*n >= max)
            break;
        struct prom_alert *o = &out[(*n)++];
        copy_str(labels, "alertname", o->name, sizeof(o->name));
        copy_str(labels, "groupname", o->group, sizeof(o->group));
        copy_str(a, "state", o->state, sizeof(o->state));
        copy_str(a, "activeAt", o->active_at, sizeof(o->active_at));
        copy_str(a, "value", o->value, sizeof(o->value));
        copy_str(json_object_get(a, "annotations"), "summary", o->summary,
                 sizeof(o->summary));
    }
out:
    json_decref(root);
    return rc;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int prom_group_pids(const char *proc_root, const char *group, int *pids, size_t max)
{
    DIR *d = opendir(proc_root);
    if (!d)
        return -errno;
    struct dirent *e;
    size_t found = 0;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        char comm[DET_PROC_COMM_MAX];
        if (*end || pid <= 0 ||
            det_proc_read_comm(proc_root, (int)pid, comm, sizeof(comm)) < 0)
            continue;
        if (strcmp(comm, group))
            continue;
        if (found < max)
            pids[found] = (int)pid;
        found++;
    }
    closedir(d);
    qsort(pids, found < max ? found : max, sizeof(*pids), cmp_int);
    return (int)found;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Waits for fd to become ready for events before deadline; 0, -ETIMEDOUT, -errno. */
static int wait_fd(int fd, short events, double deadline)
{
    for (;;) {
        double left = deadline - mono_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)left + 1);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -errno;
    }
}

int prom_http_get(int port, const char *path, int timeout_ms, char **body, size_t *len,
                  char *err, size_t errlen)
{
    double deadline = mono_ms() + timeout_ms;
    char req[512], *buf = NULL;
    size_t used = 0, cap = 0;
    int rc = 0;
    *body = NULL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return ml_err(err, errlen, -errno, "socket: %s", strerror(errno));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
        rc = ml_err(err, errlen, -errno, "connect 127.0.0.1:%d: %s", port,
                    strerror(errno));
        goto out;
    }
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    if ((rc = wait_fd(fd, POLLOUT, deadline)) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
        rc = rc < 0 ? rc : -(soerr ? soerr : errno);
        ml_err(err, errlen, rc, "connect 127.0.0.1:%d: %s", port, strerror(-rc));
        goto out;
    }
    int rl = snprintf(req, sizeof(req),
                      "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n\r\n",
                      path, port);
    if (send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl) {
        rc = ml_err(err, errlen, -EIO, "send to 127.0.0.1:%d failed", port);
        goto out;
    }
    for (;;) {
        if (used + 65536 + 1 > cap) {
            if (cap >= PROM_BODY_MAX) {
                rc = ml_err(err, errlen, -E2BIG, "answer over %u bytes", PROM_BODY_MAX);
                goto out;
            }
            cap = cap ? cap * 2 : 131072;
            char *nb = realloc(buf, cap);
            if (!nb) {
                rc = -ENOMEM;
                goto out;
            }
            buf = nb;
        }
        ssize_t r = recv(fd, buf + used, cap - used - 1, 0);
        if (r > 0) {
            used += (size_t)r;
        } else if (r == 0) {
            break;
        } else if (errno == EAGAIN || errno == EINTR) {
            if ((rc = wait_fd(fd, POLLIN, deadline)) < 0) {
                ml_err(err, errlen, rc, "127.0.0.1:%d%s: no answer in %d ms", port,
                       path, timeout_ms);
                goto out;
            }
        } else {
            rc = ml_err(err, errlen, -errno, "recv: %s", strerror(errno));
            goto out;
        }
    }
    buf[used] = '\0';
    char *hdr_end = strstr(buf, "\r\n\r\n");
    if (!hdr_end || strncmp(buf, "HTTP/1.", 7) || strncmp(buf + 8, " 200", 4)) {
        rc = ml_err(err, errlen, -EPROTO, "127.0.0.1:%d%s answered '%.*s'", port, path,
                    (int)strcspn(buf, "\r\n"), buf);
        goto out;
    }
    size_t off = (size_t)(hdr_end + 4 - buf);
    memmove(buf, buf + off, used - off + 1);
    *len = used - off;
    *body = buf;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

int prom_parse_version_line(const char *line, char *out, size_t len)
{
    const char *comma = strstr(line, ", version ");
    if (!comma)
        return -EINVAL;
    const char *v = comma + 10;
    size_t vl = strcspn(v, " \r\n");
    if (vl == 0) {
        const char *rev = strstr(line, "revision: ");
        if (!rev)
            return -EINVAL;
        v = rev + 10;
        vl = strcspn(v, ")\r\n");
    }
    snprintf(out, len, "%.*s %.*s", (int)(comma - line), line, (int)vl, v);
    return 0;
}

int prom_free_ports(int *ports, size_t n)
{
    int fds[8], rc = 0;
    size_t open_n = 0;
    if (n > 8)
        return -EINVAL;
    /* All bound at once, so the kernel cannot hand out one port twice. */
    for (; open_n < n; open_n++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            rc = -errno;
            break;
        }
        fds[open_n] = fd;
        struct sockaddr_in sa = {.sin_family = AF_INET};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t sl = sizeof(sa);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
            rc = -errno;
            open_n++;
            break;
        }
        ports[open_n] = ntohs(sa.sin_port);
    }
    for (size_t i = 0; i < open_n; i++)
        close(fds[i]);
    return rc;
}
