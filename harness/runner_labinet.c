#include "labinet.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hxutil.h"
#include "pooldomains.h"
#include "proc.h"
#include "runner_int.h"

extern char **environ;

/* Runs a launch-dir script; its stdout goes to RUNDIR/NAME.VERB.out (kept for
 * the record) and is read back into out. Exit status or -errno. */
static int run_script(struct runner *r, const char *script, const char *const *args,
                      const char *verb, char *out, size_t outlen, char *last,
                      size_t lastlen)
{
    char path[4096], outpath[4096];
    const char *argv[16] = {path};
    size_t n = 1;
    /* The lab's own scripts: from the launch dir, else the source tree's (a
     * test's --launch-dir holds only its fake launchers). */
    hx_fmt(path, sizeof(path), "%s/%s", r->cfg->launch_dir, script);
    if (access(path, X_OK))
        hx_fmt(path, sizeof(path), "%s/harness/launch/%s", r->cfg->source_dir, script);
    hx_fmt(outpath, sizeof(outpath), "%s/%.*s.%s.out", r->cfg->run_dir,
           (int)(strlen(script) - 3), script, verb);
    for (; args[n - 1] && n < 15; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    int fd = open(outpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    /* Not r->env: the run token marks workloads, and a scenario's clean-up
     * kills what carries it (dnsmasq lives as long as the run). */
    int rc = proc_run_sync(argv, environ, r->cfg->run_dir, r->stop ? 3 : 30, fd, last,
                           lastlen);
    out[0] = '\0';
    if (fd >= 0) {
        ssize_t k = pread(fd, out, outlen - 1, 0);
        out[k > 0 ? k : 0] = '\0';
        close(fd);
    }
    return rc;
}

static void take(const char *buf, const char *key, char *dst, size_t len)
{
    size_t kl = strlen(key);
    for (const char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            const char *v = p + kl + 1, *e = strchr(v, '\n');
            size_t vl = e ? (size_t)(e - v) : strlen(v);
            hx_fmt(dst, len, "%.*s", (int)vl, v);
            return;
        }
}

/* labca.sh RUNDIR/labca NAME... for every catalogue name. */
static int make_certs(struct runner *r, const char *catalogue, char *last,
                      size_t lastlen)
{
    struct pooldomains *d = malloc(sizeof(*d));
    char dir[4096];
    int rc = -ENOMEM;
    if (!d)
        return rc;
    if ((rc = pooldomains_load(catalogue, d, last, lastlen)))
        goto out;
    hx_fmt(r->inet.web_name, sizeof(r->inet.web_name), "%s",
           pooldomains_web(d) ? pooldomains_web(d) : "");
    hx_fmt(dir, sizeof(dir), "%s/labca", r->cfg->run_dir);
    hx_fmt(r->inet.ca, sizeof(r->inet.ca), "%s/ca.pem", dir);
    /* run_script takes at most 14 arguments: one call per 13 names. */
    size_t used = 0;
    r->inet.certs[0] = '\0';
    for (size_t i = 0; i < d->n && !rc; i += 13) {
        const char *chunk[15] = {dir};
        size_t k = 0;
        for (; k < 13 && i + k < d->n; k++)
            chunk[k + 1] = d->names[i + k];
        chunk[k + 1] = NULL;
        char out[4096];
        rc = run_script(r, "labca.sh", chunk, "make", out, sizeof(out), last, lastlen);
        size_t ol = strlen(out);
        if (!rc && used + ol < sizeof(r->inet.certs)) {
            memcpy(r->inet.certs + used, out, ol + 1);
            used += ol;
        } else if (!rc) {
            rc = -ENOSPC;
        }
    }
out:
    free(d);
    return rc;
}

/* The lab DNS's query log, tailed from its start (runner_scen.c reads it). */
static void open_log(struct runner *r)
{
    char path[4200];
    hx_fmt(path, sizeof(path), "%s/labdns.log", r->cfg->run_dir);
    r->inet.log_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    linereader_init(&r->inet.log_lines, 4096);
    linereader_drop_long(&r->inet.log_lines);
}

int labinet_up(struct runner *r)
{
    struct labinet *li = &r->inet;
    char out[2048], last[512] = "";
    const char *catalogue = pooldomains_default_path();
    memset(li, 0, sizeof(*li));
    li->log_fd = -1;
    const char *check[] = {"check", NULL};
    int rc = run_script(r, "labinet.sh", check, "check", out, sizeof(out), last,
                        sizeof(last));
    if (!rc) {
        /* Recorded before it exists: if the harness dies, the watchdog (or the
         * next run's sweep) runs `labinet.sh down ID` like `labnet.sh down`. */
        char script[4096], v[4200];
        hx_fmt(script, sizeof(script), "%s/labinet.sh", r->cfg->launch_dir);
        if (access(script, X_OK))
            hx_fmt(script, sizeof(script), "%s/harness/launch/labinet.sh",
                   r->cfg->source_dir);
        hx_fmt(v, sizeof(v), "%s %s", script, r->lab_id);
        proc_state_add("labnet", v);
        const char *up[] = {"up", r->lab_id, catalogue, r->cfg->run_dir, NULL};
        rc =
            run_script(r, "labinet.sh", up, "up", out, sizeof(out), last, sizeof(last));
    }
    if (!rc) {
        take(out, "ML_INET_NETNS", li->netns, sizeof(li->netns));
        take(out, "ML_INET_IFACE", li->iface, sizeof(li->iface));
        take(out, "ML_INET_DNS", li->dns, sizeof(li->dns));
        take(out, "ML_INET_POOL", li->pool, sizeof(li->pool));
        take(out, "ML_INET_WEB", li->web, sizeof(li->web));
        take(out, "ML_INET_NET", li->net, sizeof(li->net));
        take(out, "ML_INET_HOME", li->home, sizeof(li->home));
        if (!li->netns[0] || !li->pool[0] || !li->dns[0] || !li->net[0])
            rc = -EPROTO,
            hx_fmt(last, sizeof(last), "labinet.sh up printed no addresses");
    }
    if (!rc)
        rc = make_certs(r, catalogue, last, sizeof(last));
    if (!rc) { /* the root namespace is the LAN's host .1 */
        const char *dot = strrchr(li->home, '.');
        hx_fmt(li->victim, sizeof(li->victim), "%.*s.1",
               dot ? (int)(dot - li->home) : 0, li->home);
        open_log(r);
    }
    li->up = rc == 0;
    if (!li->up)
        hx_fmt(li->reason, sizeof(li->reason), "lab internet not available (%s)",
               last[0] ? last : "labinet.sh failed");
    timeline_event(&r->tl, "labinet_up", NULL,
                   json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s}", "status", rc, "netns",
                             li->netns, "iface", li->iface, "dns", li->dns, "pool",
                             li->pool, "home_net", li->home, "last_err", last));
    if (!li->up) {
        fprintf(stderr, "minerlab: %s; scenarios that mine through it are skipped\n",
                li->reason);
        labinet_down(r);
    }
    return li->up ? 0 : (rc < 0 ? rc : -EIO);
}

/* The run's lab CA and keys: flat files in RUNDIR/labca, gone with the run's
 * lab internet (the certificates stay in the pool's record only by hash). */
static void remove_certs(struct runner *r)
{
    char dir[4096], path[4400];
    hx_fmt(dir, sizeof(dir), "%s/labca", r->cfg->run_dir);
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            hx_fmt(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(dir);
}

void labinet_down(struct runner *r)
{
    if (r->inet.log_fd >= 0)
        close(r->inet.log_fd);
    r->inet.log_fd = -1;
    linereader_free(&r->inet.log_lines);
    remove_certs(r);
    char out[256], last[256] = "";
    const char *down[] = {"down", r->lab_id, NULL};
    int rc =
        run_script(r, "labinet.sh", down, "down", out, sizeof(out), last, sizeof(last));
    timeline_event(&r->tl, "labinet_down", NULL,
                   json_pack("{s:i,s:s}", "status", rc, "last_err", last));
    r->inet.up = 0;
}

int labinet_attach(struct runner *r, const char *netns, int n)
{
    char out[256], last[256] = "", num[16];
    hx_fmt(num, sizeof(num), "%d", n);
    const char *args[] = {"attach", r->lab_id, netns, num, NULL};
    int rc = run_script(r, "labinet.sh", args, "attach", out, sizeof(out), last,
                        sizeof(last));
    struct labinet *li = &r->inet;
    if (!rc && li->nhosts < LABINET_MAX_HOSTS) {
        hx_fmt(li->hosts[li->nhosts].netns, sizeof(li->hosts[0].netns), "%s", netns);
        take(out, "ML_INET_HOST", li->hosts[li->nhosts].addr,
             sizeof(li->hosts[0].addr));
        li->nhosts++;
    }
    timeline_event(&r->tl, "labinet_attach", NULL,
                   json_pack("{s:i,s:s,s:i,s:s}", "status", rc, "netns", netns, "host",
                             n, "last_err", last));
    return rc ? (rc < 0 ? rc : -EIO) : 0;
}

const char *labinet_host_addr(const struct labinet *li, const char *netns)
{
    for (size_t i = 0; i < li->nhosts; i++)
        if (!strcmp(li->hosts[i].netns, netns) && li->hosts[i].addr[0])
            return li->hosts[i].addr;
    return NULL;
}

size_t labinet_pool_argv(struct runner *r, const char *cmd, const char *const *rest,
                         const char **argv, size_t cap)
{
    static char addr[7][96];
    struct labinet *li = &r->inet;
    static const char *const kind[] = {"--listen",    "--tls-listen", "--tls-listen",
                                       "--ws-listen", "--wss-listen", "--api",
                                       "--wss-listen"};
    static const unsigned port[] = {3333, 443, 14433, 8080, LABINET_PORT_WSS, 0, 443};
    size_t n = 0;
    const char *pre[] = {"ip", "netns", "exec", li->netns, cmd};
    for (size_t i = 0; i < 5 && n < cap; i++)
        argv[n++] = pre[i];
    /* The last listener is the web host: HTTPS (the pool's static files)
     * on its own address, for the page the real-Chromium scenario loads. */
    for (size_t i = 0; i < 7 && n + 2 < cap; i++) {
        if (i == 6 && !li->web[0])
            break;
        hx_fmt(addr[i], sizeof(addr[i]), "%s:%u", i == 6 ? li->web : li->pool, port[i]);
        argv[n++] = kind[i];
        argv[n++] = addr[i];
    }
    for (size_t i = 0; rest[i] && n < cap; i++)
        argv[n++] = rest[i];
    /* NAME:CERT:KEY lines; the buffer is cut into them in place. */
    for (char *p = li->certs, *nl; *p && n + 2 < cap; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        argv[n++] = "--tls-cert";
        argv[n++] = p;
    }
    if (n + 1 > cap)
        return 0;
    argv[n] = NULL;
    return n;
}
