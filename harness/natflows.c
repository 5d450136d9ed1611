#include "natflows.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hxutil.h"

/* The original and the reply direction of one tracked connection. */
struct ct_dir {
    char src[48], dst[48];
    unsigned sport, dport;
    int have; /* bit per field: src 1, dst 2, sport 4, dport 8 */
};

int natflow_parse(const char *line, struct natflow *f)
{
    char buf[1024];
    struct ct_dir d[2];
    memset(d, 0, sizeof(d));
    int dir = 0, field = 0;
    hx_fmt(buf, sizeof(buf), "%s", line);
    char *save = NULL, *proto = NULL;
    for (char *t = strtok_r(buf, " \t\n", &save); t;
         t = strtok_r(NULL, " \t\n", &save)) {
        field++;
        if (field == 1 && strcmp(t, "ipv4"))
            return 0;
        if (field == 3)
            proto = t;
        char *eq = strchr(t, '=');
        if (!eq || field < 4)
            continue;
        *eq = '\0';
        const char *v = eq + 1;
        int bit = !strcmp(t, "src")     ? 1
                  : !strcmp(t, "dst")   ? 2
                  : !strcmp(t, "sport") ? 4
                  : !strcmp(t, "dport") ? 8
                                        : 0;
        if (!bit)
            continue;
        if (d[dir].have & bit) { /* the second src= starts the reply direction */
            if (dir == 1)
                break;
            dir = 1;
        }
        struct ct_dir *c = &d[dir];
        c->have |= bit;
        if (bit == 1)
            hx_fmt(c->src, sizeof(c->src), "%s", v);
        else if (bit == 2)
            hx_fmt(c->dst, sizeof(c->dst), "%s", v);
        else if (bit == 4)
            c->sport = (unsigned)strtoul(v, NULL, 10);
        else
            c->dport = (unsigned)strtoul(v, NULL, 10);
    }
    if (!proto || (strcmp(proto, "tcp") && strcmp(proto, "udp")) || d[0].have != 15 ||
        d[1].have != 15)
        return 0;
    /* Source NAT: the reply goes to another address or port than the one
     * the connection came from. */
    if (!strcmp(d[1].dst, d[0].src) && d[1].dport == d[0].sport)
        return 0;
    memset(f, 0, sizeof(*f));
    hx_fmt(f->proto, sizeof(f->proto), "%s", proto);
    hx_fmt(f->inner, sizeof(f->inner), "%s:%u", d[0].src, d[0].sport);
    hx_fmt(f->outer, sizeof(f->outer), "%s:%u", d[1].dst, d[1].dport);
    hx_fmt(f->dst, sizeof(f->dst), "%s:%u", d[1].src, d[1].sport);
    return 1;
}

int natflow_read(pid_t pid, struct natflow **out, size_t *n, size_t *cap)
{
    char path[64], line[1024];
    int found = 0;
    hx_fmt(path, sizeof(path), "/proc/%d/net/nf_conntrack", (int)pid);
    FILE *fp = fopen(path, "re");
    if (!fp)
        return -errno;
    while (fgets(line, sizeof(line), fp)) {
        struct natflow f;
        if (!natflow_parse(line, &f))
            continue;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            struct natflow *p = realloc(*out, nc * sizeof(*p));
            if (!p) {
                fclose(fp);
                return -ENOMEM;
            }
            *out = p;
            *cap = nc;
        }
        (*out)[(*n)++] = f;
        found++;
    }
    fclose(fp);
    return found;
}
