/*
 * Linux audit log lines to Sigma events: records grouped by serial (up to
 * GROUPS_MAX events open at once, since on a multi-CPU host the records of
 * concurrent events interleave in the log), values
 * unquoted and hex-decoded as auditd writes them, EXECVE and connect
 * SOCKADDR records also turned into process_creation and
 * network_connection events.
 */
#include "sigma_src.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define REC_MAX 16
#define GROUPS_MAX 8
#define LINE_MAX_LEN 8192
#define FIELDS_MAX (SIGMA_MAX_FIELDS - 1)

struct rec {
    char buf[LINE_MAX_LEN];
    const char *name[FIELDS_MAX], *value[FIELDS_MAX];
    size_t n;
    const char *type;
};

/* The records of one event (one serial) seen so far. */
struct group {
    struct rec rec[REC_MAX];
    size_t nrec;
    char serial[64];
    uint64_t last; /* sequence number of its newest record */
};

struct sigma_audit {
    void (*fn)(void *ctx, const struct sigma_event *ev, int pid);
    void *ctx;
    struct group g[GROUPS_MAX];
    uint64_t seq, tick_mark;
    uint64_t garbage, records;
};

struct sigma_audit *
sigma_audit_new(void (*fn)(void *ctx, const struct sigma_event *ev, int pid), void *ctx)
{
    struct sigma_audit *a = calloc(1, sizeof(*a));
    if (a) {
        a->fn = fn;
        a->ctx = ctx;
    }
    return a;
}

void sigma_audit_free(struct sigma_audit *a)
{
    free(a);
}

uint64_t sigma_audit_garbage(const struct sigma_audit *a)
{
    return a->garbage;
}

uint64_t sigma_audit_records(const struct sigma_audit *a)
{
    return a->records;
}

static const char *rec_get(const struct rec *r, const char *name)
{
    for (size_t i = 0; r && i < r->n; i++)
        if (!strcmp(r->name[i], name))
            return r->value[i];
    return NULL;
}

static const struct rec *find_rec(const struct group *g, const char *type)
{
    for (size_t i = 0; i < g->nrec; i++)
        if (!strcmp(g->rec[i].type, type))
            return &g->rec[i];
    return NULL;
}

/* Hex-encoded untrusted strings: EXECVE arguments, names, paths. */
static int hex_field(const char *type, const char *name)
{
    if (!strcmp(type, "EXECVE") && name[0] == 'a' && isdigit((unsigned char)name[1]))
        return 1;
    static const char *const names[] = {"exe",       "comm", "cwd",  "name",
                                        "proctitle", "cmd",  "data", NULL};
    for (size_t i = 0; names[i]; i++)
        if (!strcmp(name, names[i]))
            return 1;
    return 0;
}

static void hex_decode_inplace(char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n % 2)
        return;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)v[i]))
            return;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 2) {
        char h[3] = {v[i], v[i + 1], 0};
        unsigned c = (unsigned)strtoul(h, NULL, 16);
        v[o++] = c == 0 ? ' ' : (char)c; /* proctitle separates argv by NUL */
    }
    v[o] = '\0';
}

/* Splits "k=v k="v" ..." in place into r's fields. */
static void split_fields(struct rec *r, char *p)
{
    while (*p && r->n < FIELDS_MAX) {
        while (*p == ' ' || *p == '\x1d')
            p++;
        char *eq = strchr(p, '=');
        if (!*p || !eq)
            break;
        *eq = '\0';
        char *name = p, *v = eq + 1, *end;
        int quoted = *v == '"' || *v == '\'';
        if (quoted) {
            char q = *v++;
            end = strchr(v, q);
            if (!end)
                end = v + strlen(v);
        } else {
            end = v + strcspn(v, " \x1d");
        }
        p = *end ? end + 1 : end;
        *end = '\0';
        if (!quoted && hex_field(r->type, name))
            hex_decode_inplace(v);
        r->name[r->n] = name;
        r->value[r->n++] = v;
    }
}

static void emit_records(struct sigma_audit *a, const struct group *g, int pid)
{
    for (size_t i = 0; i < g->nrec; i++) {
        struct sigma_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.kind = SIGMA_AUDITD;
        sigma_event_add(&ev, "type", g->rec[i].type);
        for (size_t k = 0; k < g->rec[i].n; k++)
            sigma_event_add(&ev, g->rec[i].name[k], g->rec[i].value[k]);
        a->fn(a->ctx, &ev, pid);
    }
}

static void emit_exec(struct sigma_audit *a, const struct group *g,
                      const struct rec *sys, int pid)
{
    const struct rec *ex = find_rec(g, "EXECVE"), *cwd = find_rec(g, "CWD");
    if (!ex)
        return;
    char cmd[LINE_MAX_LEN];
    size_t o = 0;
    long argc = rec_get(ex, "argc") ? strtol(rec_get(ex, "argc"), NULL, 10) : 0;
    for (long i = 0; i < argc && o < sizeof(cmd); i++) {
        char an[24];
        snprintf(an, sizeof(an), "a%ld", i);
        const char *v = rec_get(ex, an);
        if (v)
            o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "%s%s", o ? " " : "", v);
    }
    struct sigma_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SIGMA_PROCESS_CREATION;
    sigma_event_add(&ev, "Image", rec_get(sys, "exe"));
    sigma_event_add(&ev, "CommandLine", cmd);
    sigma_event_add(&ev, "ProcessId", rec_get(sys, "pid"));
    sigma_event_add(&ev, "ParentProcessId", rec_get(sys, "ppid"));
    sigma_event_add(&ev, "User",
                    rec_get(sys, "UID") ? rec_get(sys, "UID") : rec_get(sys, "uid"));
    sigma_event_add(&ev, "CurrentDirectory", rec_get(cwd, "cwd"));
    sigma_event_add(&ev, "comm", rec_get(sys, "comm"));
    a->fn(a->ctx, &ev, pid);
}

static void emit_connect(struct sigma_audit *a, const struct group *g,
                         const struct rec *sys, int pid)
{
    const struct rec *sa = find_rec(g, "SOCKADDR");
    const char *hex = rec_get(sa, "saddr");
    uint8_t b[28];
    size_t n = hex ? strlen(hex) / 2 : 0;
    if (n < 8 || n > sizeof(b))
        return;
    for (size_t i = 0; i < n; i++) {
        char h[3] = {hex[2 * i], hex[2 * i + 1], 0};
        b[i] = (uint8_t)strtoul(h, NULL, 16);
    }
    int fam = b[0] | b[1] << 8;
    char ip[INET6_ADDRSTRLEN], port[8];
    if (fam == AF_INET)
        inet_ntop(AF_INET, b + 4, ip, sizeof(ip));
    else if (fam == AF_INET6 && n >= 24)
        inet_ntop(AF_INET6, b + 8, ip, sizeof(ip));
    else
        return;
    snprintf(port, sizeof(port), "%u", (unsigned)(b[2] << 8 | b[3]));
    struct sigma_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SIGMA_NETWORK_CONNECTION;
    sigma_event_add(&ev, "Image", rec_get(sys, "exe"));
    sigma_event_add(&ev, "ProcessId", rec_get(sys, "pid"));
    sigma_event_add(&ev, "DestinationIp", ip);
    sigma_event_add(&ev, "DestinationPort", port);
    sigma_event_add(&ev, "DestinationIsIpv6", fam == AF_INET6 ? "true" : "false");
    sigma_event_add(&ev, "Initiated", "true");
    sigma_event_add(&ev, "Protocol", "tcp");
    a->fn(a->ctx, &ev, pid);
}

/* Emits one event's records and derived events, and frees the group. */
static void flush_group(struct sigma_audit *a, struct group *g)
{
    if (g->nrec == 0)
        return;
    const struct rec *sys = find_rec(g, "SYSCALL");
    const char *pids = rec_get(sys, "pid");
    int pid = pids ? atoi(pids) : 0;
    emit_records(a, g, pid);
    const char *sc = rec_get(sys, "SYSCALL") ? rec_get(sys, "SYSCALL") : "";
    const char *num = rec_get(sys, "syscall") ? rec_get(sys, "syscall") : "";
    if (sys && (!strcmp(sc, "execve") || !strcmp(num, "59") ||
                !strcmp(sc, "execveat") || !strcmp(num, "322")))
        emit_exec(a, g, sys, pid);
    if (sys && (!strcmp(sc, "connect") || !strcmp(num, "42")))
        emit_connect(a, g, sys, pid);
    g->nrec = 0;
    g->serial[0] = '\0';
}

/* The open group with the oldest newest record; NULL when none is open. */
static struct group *oldest(struct sigma_audit *a)
{
    struct group *o = NULL;
    for (size_t i = 0; i < GROUPS_MAX; i++)
        if (a->g[i].nrec && (!o || a->g[i].last < o->last))
            o = &a->g[i];
    return o;
}

void sigma_audit_flush(struct sigma_audit *a)
{
    struct group *g;
    while ((g = oldest(a)))
        flush_group(a, g);
}

void sigma_audit_tick(struct sigma_audit *a)
{
    for (size_t i = 0; i < GROUPS_MAX; i++)
        if (a->g[i].nrec && a->g[i].last <= a->tick_mark)
            flush_group(a, &a->g[i]);
    a->tick_mark = a->seq;
}

/* The open group of serial, else a free one (the oldest is flushed to make
 * room); NULL for an EOE of no open group. */
static struct group *group_for(struct sigma_audit *a, const char *serial, int eoe)
{
    struct group *free_g = NULL;
    for (size_t i = 0; i < GROUPS_MAX; i++) {
        if (a->g[i].nrec && !strcmp(a->g[i].serial, serial))
            return &a->g[i];
        if (!a->g[i].nrec && !free_g)
            free_g = &a->g[i];
    }
    if (eoe)
        return NULL;
    if (!free_g) {
        free_g = oldest(a);
        flush_group(a, free_g);
    }
    snprintf(free_g->serial, sizeof(free_g->serial), "%s", serial);
    return free_g;
}

/* x86_64 numbers of the syscalls the rules name, as enriched logs spell them. */
static void add_syscall_name(struct rec *r)
{
    const char *arch = rec_get(r, "arch"), *num = rec_get(r, "syscall");
    if (!arch || !num || strcmp(arch, "c000003e") || rec_get(r, "SYSCALL") ||
        r->n >= FIELDS_MAX)
        return;
    static const struct {
        const char *num, *name;
    } sc[] = {{"59", "execve"},        {"322", "execveat"}, {"42", "connect"},
              {"319", "memfd_create"}, {"101", "ptrace"},   {"165", "mount"}};
    for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
        if (!strcmp(num, sc[i].num)) {
            r->name[r->n] = "SYSCALL";
            r->value[r->n++] = sc[i].name;
        }
    }
}

void sigma_audit_line(struct sigma_audit *a, const char *line)
{
    /* type=T msg=audit(SECONDS:SERIAL): fields */
    char type[64], serial[64];
    const char *p = strstr(line, "type=");
    const char *m = strstr(line, "msg=audit(");
    int tl = 0;
    if (!p || !m || sscanf(p, "type=%63[A-Z_0-9]%n", type, &tl) != 1 || tl == 0) {
        a->garbage++;
        return;
    }
    const char *colon = strchr(m, ':'), *close = strstr(m, "):");
    if (!colon || !close || colon > close ||
        (size_t)(close - colon) >= sizeof(serial)) {
        a->garbage++;
        return;
    }
    snprintf(serial, sizeof(serial), "%.*s", (int)(close - colon - 1), colon + 1);
    a->records++;
    int eoe = !strcmp(type, "EOE");
    struct group *g = group_for(a, serial, eoe);
    if (eoe) { /* end of the event: emit it */
        if (g)
            flush_group(a, g);
        return;
    }
    if (g->nrec == REC_MAX) { /* over-long event: emitted in parts, as before */
        flush_group(a, g);
        snprintf(g->serial, sizeof(g->serial), "%s", serial);
    }
    g->last = ++a->seq;
    struct rec *r = &g->rec[g->nrec++];
    r->n = 0;
    snprintf(r->buf, sizeof(r->buf), "%s", type);
    size_t tlen = strlen(type) + 1;
    r->type = r->buf;
    snprintf(r->buf + tlen, sizeof(r->buf) - tlen, "%s", close + 2);
    split_fields(r, r->buf + tlen);
    if (!strcmp(type, "SYSCALL"))
        add_syscall_name(r);
}
