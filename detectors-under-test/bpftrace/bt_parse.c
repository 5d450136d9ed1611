#include "bt_parse.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_proc.h"

const char bt_script[] =
    "BEGIN\n"
    "{\n"
    "    printf(\"" BT_READY_LINE "\\n\");\n"
    "}\n"
    "tracepoint:syscalls:sys_enter_execve\n"
    "{\n"
    "    printf(\"E %d %d %d %s\\n\", pid, uid, curtask->real_parent->tgid,\n"
    "           str(args->filename));\n"
    "    join(args->argv, \"\\x1f\");\n"
    "}\n"
    "tracepoint:syscalls:sys_enter_execveat\n"
    "{\n"
    "    printf(\"E %d %d %d %s\\n\", pid, uid, curtask->real_parent->tgid,\n"
    "           str(args->filename));\n"
    "    join(args->argv, \"\\x1f\");\n"
    "    @execveat[tid] = 1;\n"
    "}\n"
    "tracepoint:sched:sched_process_exec\n"
    "/@execveat[tid]/\n"
    "{\n"
    "    printf(\"X %d\\n\", pid);\n"
    "    delete(@execveat[tid]);\n"
    "}\n"
    "tracepoint:syscalls:sys_enter_connect\n"
    "{\n"
    "    $sa = (struct sockaddr_in *)args->uservaddr;\n"
    "    if ($sa->sin_family == 2) {\n"
    "        printf(\"C4 %d %s %d\\n\", pid, ntop(2, $sa->sin_addr.s_addr),\n"
    "               (($sa->sin_port & 0xff) << 8) | ($sa->sin_port >> 8));\n"
    "    }\n"
    "    if ($sa->sin_family == 10) {\n"
    "        $s6 = (struct sockaddr_in6 *)args->uservaddr;\n"
    "        printf(\"C6 %d %s %d\\n\", pid, ntop(10, $s6->sin6_addr.in6_u.u6_addr8),\n"
    "               (($s6->sin6_port & 0xff) << 8) | ($s6->sin6_port >> 8));\n"
    "    }\n"
    "}\n";

/* One exec as the E line and its argv line give it. */
struct bt_exec {
    char pid[16], uid[16], ppid[16], image[DET_PROC_PATH_MAX], cmd[4096];
};

#define DEFERRED_MAX 16

struct bt_parser {
    char root[512];
    bt_event_fn fn;
    void *ctx;
    int pending; /* cur has its E line and waits for its argv line */
    struct bt_exec cur;
    /* Execs without a file name wait for their X line (the exec is done). */
    struct bt_exec deferred[DEFERRED_MAX];
    size_t ndeferred;
    uint64_t garbage, events;
};

struct bt_parser *bt_parser_new(const char *proc_root, bt_event_fn fn, void *ctx)
{
    struct bt_parser *p = calloc(1, sizeof(*p));
    if (p) {
        snprintf(p->root, sizeof(p->root), "%s", proc_root);
        p->fn = fn;
        p->ctx = ctx;
    }
    return p;
}

void bt_parser_free(struct bt_parser *p)
{
    free(p);
}

uint64_t bt_parser_garbage(const struct bt_parser *p)
{
    return p->garbage;
}

uint64_t bt_parser_events(const struct bt_parser *p)
{
    return p->events;
}

static void user_name(const char *uid, char *out, size_t len)
{
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r((uid_t)strtoul(uid, NULL, 10), &pw, buf, sizeof(buf), &res) == 0 &&
        res)
        snprintf(out, len, "%s", pw.pw_name);
    else
        snprintf(out, len, "%s", uid);
}

static void emit_exec(struct bt_parser *p, struct bt_exec *e)
{
    char user[64], parent[DET_PROC_PATH_MAX] = "";
    user_name(e->uid, user, sizeof(user));
    /* fexecve: execveat(fd, "", AT_EMPTY_PATH) names no file; after the exec
     * (its X line) /proc has the image. */
    if (!e->image[0] &&
        det_proc_read_exe(p->root, atoi(e->pid), e->image, sizeof(e->image)) < 0)
        e->image[0] = '\0';
    if (det_proc_read_exe(p->root, atoi(e->ppid), parent, sizeof(parent)) < 0)
        parent[0] = '\0';
    struct sigma_event ev = {.kind = SIGMA_PROCESS_CREATION};
    sigma_event_add(&ev, "Image", e->image);
    sigma_event_add(&ev, "CommandLine", e->cmd);
    sigma_event_add(&ev, "ProcessId", e->pid);
    sigma_event_add(&ev, "ParentProcessId", e->ppid);
    sigma_event_add(&ev, "User", user);
    if (parent[0])
        sigma_event_add(&ev, "ParentImage", parent);
    p->events++;
    p->fn(p->ctx, &ev, atoi(e->pid));
}

static void emit_deferred(struct bt_parser *p, size_t i)
{
    struct bt_exec e = p->deferred[i];
    p->deferred[i] = p->deferred[--p->ndeferred];
    emit_exec(p, &e);
}

/* The argv line of cur: emitted now, or deferred until its exec is done. */
static void complete_exec(struct bt_parser *p, const char *argv_line)
{
    size_t i = 0;
    for (; argv_line[i] && i + 1 < sizeof(p->cur.cmd); i++)
        p->cur.cmd[i] = argv_line[i] == '\x1f' ? ' ' : argv_line[i];
    p->cur.cmd[i] = '\0';
    p->pending = 0;
    if (p->cur.image[0]) {
        emit_exec(p, &p->cur);
        return;
    }
    if (p->ndeferred == DEFERRED_MAX)
        emit_deferred(p, 0);
    p->deferred[p->ndeferred++] = p->cur;
}

static void emit_connect(struct bt_parser *p, const char *line)
{
    char pid[16], ip[64], port[8], image[DET_PROC_PATH_MAX] = "", cmd[4096] = "";
    if (sscanf(line + 3, "%15s %63s %7s", pid, ip, port) != 3) {
        p->garbage++;
        return;
    }
    struct sigma_event ev = {.kind = SIGMA_NETWORK_CONNECTION};
    int n = atoi(pid);
    if (det_proc_read_exe(p->root, n, image, sizeof(image)) == 0)
        sigma_event_add(&ev, "Image", image);
    if (det_proc_read_cmdline(p->root, n, cmd, sizeof(cmd), NULL, 0) == 0 && cmd[0])
        sigma_event_add(&ev, "CommandLine", cmd);
    sigma_event_add(&ev, "ProcessId", pid);
    sigma_event_add(&ev, "DestinationIp", ip);
    sigma_event_add(&ev, "DestinationPort", port);
    sigma_event_add(&ev, "DestinationIsIpv6", line[1] == '6' ? "true" : "false");
    sigma_event_add(&ev, "Initiated", "true");
    p->events++;
    p->fn(p->ctx, &ev, n);
}

void bt_parser_flush(struct bt_parser *p)
{
    if (p->pending)
        complete_exec(p, "");
    while (p->ndeferred)
        emit_deferred(p, 0);
}

void bt_parser_line(struct bt_parser *p, const char *line)
{
    if (!strncmp(line, "E ", 2)) {
        if (p->pending)
            complete_exec(p, "");
        int off = 0;
        if (sscanf(line + 2, "%15s %15s %15s %n", p->cur.pid, p->cur.uid, p->cur.ppid,
                   &off) != 3 ||
            off == 0) {
            p->garbage++;
            return;
        }
        snprintf(p->cur.image, sizeof(p->cur.image), "%s", line + 2 + off);
        p->pending = 1;
    } else if (!strncmp(line, "X ", 2)) {
        for (size_t i = 0; i < p->ndeferred; i++)
            if (!strcmp(p->deferred[i].pid, line + 2)) {
                emit_deferred(p, i);
                return;
            }
    } else if (!strncmp(line, "C4 ", 3) || !strncmp(line, "C6 ", 3)) {
        emit_connect(p, line);
    } else if (p->pending) {
        complete_exec(p, line);
    } else if (line[0]) {
        p->garbage++;
    }
}
