#include "sigma_src.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ml_util.h"

/* ---- process_creation from /proc ---- */

static void read_user(const char *root, int pid, char *out, size_t len)
{
    char path[512], buf[4096] = "";
    snprintf(path, sizeof(path), "%s/%d/status", root, pid);
    out[0] = '\0';
    int rc = det_proc_read_file(path, buf, sizeof(buf), NULL);
    if (rc < 0 && rc != -E2BIG) /* E2BIG: the prefix with Uid: is there */
        return;
    const char *u = strstr(buf, "\nUid:");
    if (!u)
        return;
    unsigned long uid = strtoul(u + 5, NULL, 10);
    struct passwd pw, *res = NULL;
    char pwbuf[1024];
    if (getpwuid_r((uid_t)uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
        snprintf(out, len, "%s", pw.pw_name);
    else
        snprintf(out, len, "%lu", uid);
}

int sigma_proc_event(const char *root, int pid, struct sigma_proc *p,
                     struct sigma_event *ev)
{
    struct det_proc_stat st;
    memset(ev, 0, sizeof(*ev));
    ev->kind = SIGMA_PROCESS_CREATION;
    if (det_proc_read_stat(root, pid, 0, &st) < 0 ||
        det_proc_read_cmdline(root, pid, p->cmdline, sizeof(p->cmdline), NULL, 0) < 0)
        return -ENOENT;
    p->start_ticks = st.start_ticks;
    if (det_proc_read_exe(root, pid, p->image, sizeof(p->image)) < 0)
        p->image[0] = '\0';
    if (det_proc_read_comm(root, pid, p->comm, sizeof(p->comm)) < 0)
        snprintf(p->comm, sizeof(p->comm), "%s", st.comm);
    if (det_proc_read_exe(root, st.ppid, p->parent_image, sizeof(p->parent_image)) < 0)
        p->parent_image[0] = '\0';
    if (det_proc_read_cmdline(root, st.ppid, p->parent_cmdline,
                              sizeof(p->parent_cmdline), NULL, 0) < 0)
        p->parent_cmdline[0] = '\0';
    snprintf(p->pid, sizeof(p->pid), "%d", pid);
    snprintf(p->ppid, sizeof(p->ppid), "%d", st.ppid);
    read_user(root, pid, p->user, sizeof(p->user));
    char link[512];
    snprintf(link, sizeof(link), "%s/%d/cwd", root, pid);
    ssize_t n = readlink(link, p->cwd, sizeof(p->cwd) - 1);
    p->cwd[n > 0 ? n : 0] = '\0';
    sigma_event_add(ev, "Image", p->image);
    sigma_event_add(ev, "CommandLine", p->cmdline);
    sigma_event_add(ev, "ParentImage", p->parent_image);
    sigma_event_add(ev, "ParentCommandLine", p->parent_cmdline);
    sigma_event_add(ev, "ProcessId", p->pid);
    sigma_event_add(ev, "ParentProcessId", p->ppid);
    sigma_event_add(ev, "User", p->user);
    sigma_event_add(ev, "CurrentDirectory", p->cwd);
    sigma_event_add(ev, "comm", p->comm);
    return 0;
}

/* ---- DNS ---- */

/* Reads a (possibly compressed) name at *off into out; advances *off. */
static int dns_name(const uint8_t *m, size_t len, size_t *off, char *out, size_t outlen)
{
    size_t o = *off, w = 0;
    int jumped = 0, hops = 0;
    out[0] = '\0';
    while (o < len) {
        uint8_t l = m[o];
        if (l == 0) {
            if (!jumped)
                *off = o + 1;
            out[w] = '\0';
            return 0;
        }
        if ((l & 0xc0) == 0xc0) {
            if (o + 1 >= len || ++hops > 16)
                return -EINVAL;
            if (!jumped)
                *off = o + 2;
            jumped = 1;
            o = (size_t)((l & 0x3f) << 8 | m[o + 1]);
            continue;
        }
        if (l > 63 || o + 1 + l > len || w + l + 2 > outlen)
            return -EINVAL;
        if (w)
            out[w++] = '.';
        memcpy(out + w, m + o + 1, l);
        w += l;
        o += 1 + l;
    }
    return -EINVAL;
}

static const char *rr_type_name(unsigned t, char *buf, size_t len)
{
    static const struct {
        unsigned t;
        const char *n;
    } names[] = {{1, "A"},   {2, "NS"},   {5, "CNAME"}, {6, "SOA"},  {12, "PTR"},
                 {15, "MX"}, {16, "TXT"}, {28, "AAAA"}, {33, "SRV"}, {65, "HTTPS"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].t == t)
            return names[i].n;
    snprintf(buf, len, "TYPE%u", t);
    return buf;
}

int sigma_dns_parse(const uint8_t *m, size_t len, struct sigma_dns *d)
{
    memset(d, 0, sizeof(*d));
    if (len < 12)
        return -EINVAL;
    unsigned qd = (unsigned)(m[4] << 8 | m[5]), an = (unsigned)(m[6] << 8 | m[7]);
    d->response = (m[2] & 0x80) != 0;
    size_t off = 12;
    if (qd != 1 || dns_name(m, len, &off, d->query, sizeof(d->query)) < 0 ||
        off + 4 > len || !d->query[0])
        return -EINVAL;
    char tb[16];
    snprintf(d->record_type, sizeof(d->record_type), "%s",
             rr_type_name((unsigned)(m[off] << 8 | m[off + 1]), tb, sizeof(tb)));
    off += 4;
    size_t w = 0;
    for (unsigned i = 0; i < an && off < len; i++) {
        char name[256];
        if (dns_name(m, len, &off, name, sizeof(name)) < 0 || off + 10 > len)
            break;
        unsigned type = (unsigned)(m[off] << 8 | m[off + 1]);
        size_t rdlen = (size_t)(m[off + 8] << 8 | m[off + 9]);
        off += 10;
        if (off + rdlen > len)
            break;
        int fam = type == 1 && rdlen == 4     ? AF_INET
                  : type == 28 && rdlen == 16 ? AF_INET6
                                              : 0;
        if (fam && d->naddrs < 8) {
            char ip[INET6_ADDRSTRLEN];
            memcpy(d->addrs[d->naddrs], m + off, rdlen);
            d->families[d->naddrs++] = fam;
            inet_ntop(fam, m + off, ip, sizeof(ip));
            w += (size_t)snprintf(d->answer + w,
                                  w < sizeof(d->answer) ? sizeof(d->answer) - w : 0,
                                  "%s%s", w ? "," : "", ip);
            if (w >= sizeof(d->answer))
                w = sizeof(d->answer) - 1;
        }
        off += rdlen;
    }
    return 0;
}

void sigma_dns_event(const struct sigma_dns *d, struct sigma_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->kind = SIGMA_DNS;
    sigma_event_add(ev, "query", d->query);
    sigma_event_add(ev, "QueryName", d->query);
    sigma_event_add(ev, "record_type", d->record_type);
    if (d->answer[0])
        sigma_event_add(ev, "answer", d->answer);
}

#define NAMES_CAP 512
struct sigma_names {
    struct {
        char ip[INET6_ADDRSTRLEN];
        char name[256];
    } e[NAMES_CAP];
    size_t next;
};

struct sigma_names *sigma_names_new(void)
{
    return calloc(1, sizeof(struct sigma_names));
}

void sigma_names_free(struct sigma_names *n)
{
    free(n);
}

void sigma_names_add(struct sigma_names *n, const struct sigma_dns *d)
{
    for (size_t i = 0; i < d->naddrs; i++) {
        size_t k = n->next++ % NAMES_CAP;
        inet_ntop(d->families[i], d->addrs[i], n->e[k].ip, sizeof(n->e[k].ip));
        snprintf(n->e[k].name, sizeof(n->e[k].name), "%s", d->query);
    }
}

const char *sigma_names_lookup(const struct sigma_names *n, const char *ip)
{
    if (!n)
        return NULL;
    size_t have = n->next < NAMES_CAP ? n->next : NAMES_CAP;
    for (size_t i = 0; i < have; i++) { /* newest first */
        size_t k = (n->next - 1 - i) % NAMES_CAP;
        if (strcmp(n->e[k].ip, ip) == 0)
            return n->e[k].name;
    }
    return NULL;
}

/* ---- network_connection from /proc/net/tcp ---- */

#define CONNS_MAX 16384
#define PIDS_MAX 65536

struct sigma_conns {
    char root[512];
    struct det_tcp_conn *conns;
    uint64_t *seen, *seen_next; /* inodes of established connections last time */
    size_t nseen;
    int *pids;
    uint64_t *inodes;
    int first;
};

struct sigma_conns *sigma_conns_new(const char *root)
{
    struct sigma_conns *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    snprintf(c->root, sizeof(c->root), "%s", root);
    c->conns = calloc(CONNS_MAX, sizeof(*c->conns));
    c->seen = calloc(CONNS_MAX, sizeof(*c->seen));
    c->seen_next = calloc(CONNS_MAX, sizeof(*c->seen_next));
    c->pids = calloc(PIDS_MAX, sizeof(*c->pids));
    c->inodes = calloc(4096, sizeof(*c->inodes));
    if (!c->conns || !c->seen || !c->seen_next || !c->pids || !c->inodes) {
        sigma_conns_free(c);
        return NULL;
    }
    return c;
}

void sigma_conns_free(struct sigma_conns *c)
{
    if (!c)
        return;
    free(c->conns);
    free(c->seen);
    free(c->seen_next);
    free(c->pids);
    free(c->inodes);
    free(c);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* "1.2.3.4:80" / "[::1]:80" into ip and port. */
static void split_endpoint(const char *ep, char *ip, size_t iplen, char *port,
                           size_t portlen)
{
    const char *colon = strrchr(ep, ':');
    size_t n = colon ? (size_t)(colon - ep) : strlen(ep);
    if (ep[0] == '[' && n >= 2)
        snprintf(ip, iplen, "%.*s", (int)(n - 2), ep + 1);
    else
        snprintf(ip, iplen, "%.*s", (int)n, ep);
    snprintf(port, portlen, "%s", colon ? colon + 1 : "");
}

static int endpoint_port(const char *ep)
{
    const char *colon = strrchr(ep, ':');
    return colon ? atoi(colon + 1) : -1;
}

static int owner_of(struct sigma_conns *c, uint64_t inode)
{
    size_t n = 0;
    if (det_proc_list_pids(c->root, c->pids, PIDS_MAX, &n) < 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        if (det_proc_socket_inodes(c->root, c->pids[i], c->inodes, 4096, &k) < 0)
            continue;
        for (size_t j = 0; j < k; j++)
            if (c->inodes[j] == inode)
                return c->pids[i];
    }
    return 0;
}

static void conn_event(struct sigma_conns *c, const struct det_tcp_conn *t,
                       const struct sigma_names *names,
                       void (*fn)(void *, const struct sigma_event *), void *ctx)
{
    char sip[64], sport[16], dip[64], dport[16];
    struct sigma_proc p;
    struct sigma_event ev, pev;
    split_endpoint(t->local, sip, sizeof(sip), sport, sizeof(sport));
    split_endpoint(t->remote, dip, sizeof(dip), dport, sizeof(dport));
    memset(&ev, 0, sizeof(ev));
    ev.kind = SIGMA_NETWORK_CONNECTION;
    int pid = owner_of(c, t->inode);
    if (pid > 0 && sigma_proc_event(c->root, pid, &p, &pev) == 0) {
        sigma_event_add(&ev, "Image", p.image);
        sigma_event_add(&ev, "CommandLine", p.cmdline);
        sigma_event_add(&ev, "ProcessId", p.pid);
        sigma_event_add(&ev, "User", p.user);
    }
    sigma_event_add(&ev, "SourceIp", sip);
    sigma_event_add(&ev, "SourcePort", sport);
    sigma_event_add(&ev, "DestinationIp", dip);
    sigma_event_add(&ev, "DestinationPort", dport);
    sigma_event_add(&ev, "DestinationHostname", sigma_names_lookup(names, dip));
    sigma_event_add(&ev, "DestinationIsIpv6", strchr(dip, ':') ? "true" : "false");
    sigma_event_add(&ev, "Initiated", "true");
    sigma_event_add(&ev, "Protocol", "tcp");
    fn(ctx, &ev);
}

int sigma_conns_poll(struct sigma_conns *c, const struct sigma_names *names,
                     void (*fn)(void *ctx, const struct sigma_event *ev), void *ctx)
{
    size_t n = 0, nnext = 0;
    int rc = det_proc_read_tcp(c->root, c->conns, CONNS_MAX, &n);
    if (rc < 0)
        return rc;
    int events = 0;
    for (size_t i = 0; i < n; i++) {
        const struct det_tcp_conn *t = &c->conns[i];
        if (t->state != DET_TCP_ESTABLISHED || t->inode == 0)
            continue;
        int lport = endpoint_port(t->local), listening = 0;
        for (size_t k = 0; k < n && !listening; k++)
            listening = c->conns[k].state == DET_TCP_LISTEN &&
                        endpoint_port(c->conns[k].local) == lport;
        if (listening)
            continue;
        c->seen_next[nnext++] = t->inode;
        if (bsearch(&t->inode, c->seen, c->nseen, sizeof(uint64_t), cmp_u64))
            continue;
        conn_event(c, t, names, fn, ctx);
        events++;
    }
    qsort(c->seen_next, nnext, sizeof(uint64_t), cmp_u64);
    uint64_t *tmp = c->seen;
    c->seen = c->seen_next;
    c->seen_next = tmp;
    c->nseen = nnext;
    return events;
}

/* ---- Alerting ---- */

struct sigma_alerter {
    const char *detector;
    struct det_memo *memo;
    uint64_t alerts, events, matches;
    int err;
    int pid;
};

struct sigma_alerter *sigma_alerter_new(const char *detector, double cooldown_s)
{
    struct sigma_alerter *al = calloc(1, sizeof(*al));
    if (!al || !(al->memo = det_memo_new(cooldown_s))) {
        free(al);
        return NULL;
    }
    al->detector = detector;
    return al;
}

void sigma_alerter_free(struct sigma_alerter *al)
{
    if (al)
        det_memo_free(al->memo);
    free(al);
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void format_ep(const char *ip, const char *port, char *out, size_t len)
{
    snprintf(out, len, strchr(ip, ':') ? "[%s]:%s" : "%s:%s", ip, port);
}

static void on_hit(void *ctx, const struct sigma_rule *r, const struct sigma_event *ev)
{
    struct sigma_alerter *al = ctx;
    al->matches++;
    const char *pids = sigma_event_get(ev, "ProcessId");
    int pid = al->pid > 0 ? al->pid : pids ? atoi(pids) : 0;
    const char *sip = sigma_event_get(ev, "SourceIp"),
               *dip = sigma_event_get(ev, "DestinationIp");
    const char *sport = sigma_event_get(ev, "SourcePort"),
               *dport = sigma_event_get(ev, "DestinationPort");
    const char *key = NULL;
    switch (ev->kind) {
    case SIGMA_PROCESS_CREATION:
        key = sigma_event_get(ev, "CommandLine");
        break;
    case SIGMA_AUDITD:
        key = sigma_event_get(ev, "a0") ? sigma_event_get(ev, "a0")
                                        : sigma_event_get(ev, "exe");
        break;
    case SIGMA_NETWORK_CONNECTION:
        key = sigma_event_get(ev, "DestinationHostname")
                  ? sigma_event_get(ev, "DestinationHostname")
                  : dip;
        break;
    default:
        key = sigma_event_get(ev, "query");
    }
    /* Once per (process, rule); for events without a process, per key. */
    char rk[32];
    snprintf(rk, sizeof(rk), "%p", (const void *)r);
    if (!det_memo_should_alert(al->memo, pid, pid > 0 ? 0 : fnv(key), rk, det_mono_s()))
        return;
    char src[80], dst[80], reason[768];
    const char *proto = sigma_event_get(ev, "Protocol");
    struct det_flow flow = {proto && !strcasecmp(proto, "udp") ? "udp" : "tcp", src,
                            dst};
    int have_flow = sip && dip && sport && dport;
    if (have_flow) {
        format_ep(sip, sport, src, sizeof(src));
        format_ep(dip, dport, dst, sizeof(dst));
    }
    snprintf(reason, sizeof(reason), "sigma rule '%s' (%s%s%s%s) on %s: %.300s",
             sigma_rule_title(r),
             sigma_rule_level(r)[0] ? sigma_rule_level(r) : "no level",
             sigma_rule_id(r)[0] ? ", id " : "", sigma_rule_id(r), "",
             sigma_kind_name(ev->kind), key ? key : "");
    enum det_technique t =
        ev->kind == SIGMA_PROCESS_CREATION || ev->kind == SIGMA_AUDITD ? DET_SCRIPT
                                                                       : DET_NETWORK;
    struct det_alert a = {.detector = al->detector,
                          .technique = t,
                          .pid = pid,
                          .flow = have_flow ? &flow : NULL,
                          .score = sigma_rule_score(r),
                          .reason = reason};
    if (det_alert_emit(&a) < 0)
        al->err = -EIO;
    else
        al->alerts++;
}

int sigma_alerter_eval(struct sigma_alerter *al, const struct sigma_ruleset *rules,
                       const struct sigma_event *ev, int pid)
{
    uint64_t before = al->alerts;
    al->events++;
    al->pid = pid;
    sigma_ruleset_eval(rules, ev, on_hit, al);
    if (al->err)
        return al->err;
    return (int)(al->alerts - before);
}

void sigma_alerter_counts(const struct sigma_alerter *al, uint64_t *alerts,
                          uint64_t *events, uint64_t *matches)
{
    *alerts = al->alerts;
    *events = al->events;
    *matches = al->matches;
}

static void skip_to_stderr(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

struct sigma_ruleset *sigma_load_rules(const char *rules, const char *input,
                                       const char **dir, char *err, size_t errlen)
{
    struct sigma_ruleset *rs = NULL;
    const char *env = getenv("ML_SIGMA_RULES");
    *dir = rules ? rules : input ? input : env && *env ? env : SIGMA_RULES_SOURCE;
    if (sigma_ruleset_load(*dir, &rs, skip_to_stderr, NULL, err, errlen) < 0)
        return NULL;
    return rs;
}
