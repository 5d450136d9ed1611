#include "yara_adapter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ya_parse_line(struct ya_result *r, int pid, const char *line)
{
    char rule[64];
    int p;
    if (!strncmp(line, "error", 5) || strstr(line, "could not")) {
        r->scan_errors++;
        snprintf(r->error, sizeof(r->error), "%s", line);
        return;
    }
    /* A string match: "0xOFFSET:$id: data" belongs to the last rule line. */
    if (!strncmp(line, "0x", 2)) {
        struct ya_match *m = r->nmatches ? &r->m[r->nmatches - 1] : NULL;
        if (m && !m->evidence[0]) {
            snprintf(m->evidence, sizeof(m->evidence), "%s", line);
            for (char *c = m->evidence; *c; c++)
                if (!isprint((unsigned char)*c))
                    *c = '.';
        }
        return;
    }
    /* A rule line: "RULE PID". */
    if (sscanf(line, "%63s %d", rule, &p) == 2 && p == pid &&
        r->nmatches < YA_MAX_RULES) {
        struct ya_match *m = &r->m[r->nmatches++];
        memset(m, 0, sizeof(*m));
        snprintf(m->rule, sizeof(m->rule), "%s", rule);
    }
}

static int read_small(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (int)n;
}

void ya_comm(int pid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    if (read_small(path, buf, len) <= 0)
        snprintf(buf, len, "?");
    buf[strcspn(buf, "\n")] = '\0';
}

unsigned long long ya_start_time(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (read_small(path, buf, sizeof(buf)) <= 0)
        return 0;
    /* comm may hold spaces and parentheses: fields restart after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    unsigned long long start = 0;
    /* state is field 3; starttime is field 22, i.e. the 20th after ')'. */
    p += 2;
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (p)
        start = strtoull(p, NULL, 10);
    return start;
}

int ya_scannable(int pid, const int *skip, size_t nskip)
{
    char path[64], buf[64];
    if (pid <= 1 || pid == getpid())
        return 0;
    for (size_t i = 0; i < nskip; i++)
        if (skip[i] == pid)
            return 0;
    /* Kernel threads have an empty command line; zombies too. */
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    if (read_small(path, buf, sizeof(buf)) <= 0)
        return 0;
    ya_comm(pid, buf, sizeof(buf));
    return strcmp(buf, "yara") != 0;
}
