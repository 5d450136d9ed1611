#include "exec_rules.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX_BYTES 8192

/* Command-line substrings (matched on the lower-cased command line). */
static const struct {
    const char *rule;
    double weight;
    const char *needle;
} cmd_rules[] = {
    {"stratum-scheme", 0.9, "stratum+tcp://"},
    {"stratum-scheme", 0.9, "stratum+udp://"},
    {"stratum-scheme", 0.9, "stratum+ssl://"},
    {"stratum-scheme", 0.9, "stratum+tls://"},
    {"stratum-scheme", 0.9, "stratum2+tcp://"},
    {"donate-level", 0.8, "--donate-level"},
    {"cpu-priority", 0.6, "--cpu-priority"},
    {"nicehash", 0.6, "--nicehash"},
    {"algo-rx0", 0.7, "--algo=rx/0"},
    {"algo-rx0", 0.7, "--algo rx/0"},
    {"algo-rx0", 0.7, " -a rx/0"},
};

/* Keywords whose base64 forms are looked for (Sigma's base64offset idea). */
static const char *b64_keywords[] = {
    "stratum+tcp://", "stratum+udp://", "stratum+ssl://",
    "stratum+tls://", "--donate-level", "--cpu-priority",
    "--nicehash",     "--algo=rx/0",    "xmrig",
};

static const char *miner_names[] = {"xmrig", "xmr-stak", "minerd", "cpuminer"};

/* Names of kernel threads a user binary may borrow. */
static const char *kthread_prefixes[] = {
    "kworker", "ksoftirqd", "kthreadd", "kswapd",     "migration/",
    "rcu_",    "watchdog/", "kauditd",  "khugepaged", "jbd2/"};

/* Daemon names whose real binaries live in system directories. */
static const char *daemon_names[] = {
    "systemd",          "sshd",     "cron",    "crond",
    "dbus-daemon",      "rsyslogd", "udevd",   "systemd-journald",
    "systemd-resolved", "networkd", "polkitd", "atd"};

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void add_hit(struct exec_hit *hits, size_t max, size_t *n, const char *rule,
                    double weight, const char *detail)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(hits[i].rule, rule) == 0)
            return; /* one hit per rule is enough evidence */
    if (*n >= max)
        return;
    hits[*n].rule = rule;
    hits[*n].weight = weight;
    snprintf(hits[*n].detail, sizeof(hits[*n].detail), "%s", detail);
    (*n)++;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int b64_value(int c)
{
    if (c == '-')
        return 62; /* URL-safe alphabet */
    if (c == '_')
        return 63;
    const char *p = c ? strchr(b64_alpha, c) : NULL;
    return p ? (int)(p - b64_alpha) : -1;
}

int exec_rules_b64decode(const char *tok, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    while (len > 0 && tok[len - 1] == '=')
        len--;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)tok[i]);
        if (v < 0)
            return -EINVAL;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= outlen)
                return -EINVAL;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    return (int)o;
}

static void b64_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = b64_alpha[(v >> 18) & 63];
        out[o++] = b64_alpha[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_alpha[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64_alpha[v & 63] : '=';
    }
    out[o] = '\0';
}

/*
 * The part of base64(pad(shift) + kw) that does not depend on the bytes
 * around kw, for shift 0..2 (the same trimming as Sigma's base64offset).
 */
static void b64_offset_form(const char *kw, int shift, char *out, size_t outlen)
{
    unsigned char buf[64] = {0};
    char enc[100];
    size_t len = strlen(kw);
    memcpy(buf + shift, kw, len);
    b64_encode(buf, len + (size_t)shift, enc);
    static const int lead[3] = {0, 2, 3}, tail[3] = {0, 3, 2};
    size_t elen = strlen(enc), cut = (size_t)tail[(len + (size_t)shift) % 3];
    size_t from = (size_t)lead[shift];
    size_t n = elen - cut > from ? elen - cut - from : 0;
    snprintf(out, outlen, "%.*s", (int)n, enc + from);
}

/*
 * Sigma's " -o pool." names a pool host: "pool." followed by a label and
 * then a dot or a port ("pool.example.org", "pool.x:3333"). Requiring that
 * keeps "gcc -c pool.c -o pool.o" quiet.
 */
static int pool_host_at(const char *low)
{
    static const char *prefixes[] = {" -o pool.", " --url=pool.", " --url pool.",
                                     "://pool."};
    for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
        for (const char *p = strstr(low, prefixes[k]); p;
             p = strstr(p + 1, prefixes[k])) {
            const char *s = p + strlen(prefixes[k]);
            size_t label = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
            if (label > 0 && (s[label] == '.' || s[label] == ':'))
                return 1;
        }
    }
    return 0;
}

static void match_base64(const char *cmd, struct exec_hit *hits, size_t max, size_t *n)
{
    char form[100], decoded[LINE_MAX_BYTES];
    for (size_t k = 0; k < sizeof(b64_keywords) / sizeof(b64_keywords[0]); k++) {
        for (int shift = 0; shift < 3; shift++) {
            b64_offset_form(b64_keywords[k], shift, form, sizeof(form));
            if (strlen(form) >= 8 && strstr(cmd, form)) {
                snprintf(form, sizeof(form), "base64 form of %s", b64_keywords[k]);
                add_hit(hits, max, n, "base64", 0.8, form);
                return;
            }
        }
    }
    /* Decode every base64-looking token of 12+ characters and look inside. */
    for (const char *p = cmd; *p;) {
        size_t len = 0;
        while (p[len] && (b64_value((unsigned char)p[len]) >= 0 || p[len] == '='))
            len++;
        if (len >= 12) {
            int dl = exec_rules_b64decode(p, len, decoded, sizeof(decoded));
            for (int i = 0; i < dl; i++)
                decoded[i] = (char)tolower((unsigned char)decoded[i]);
            for (size_t k = 0;
                 dl > 0 && k < sizeof(b64_keywords) / sizeof(b64_keywords[0]); k++) {
                if (memmem(decoded, (size_t)dl, b64_keywords[k],
                           strlen(b64_keywords[k]))) {
                    char detail[96];
                    snprintf(detail, sizeof(detail), "decoded base64 token contains %s",
                             b64_keywords[k]);
                    add_hit(hits, max, n, "base64", 0.8, detail);
                    explicit_bzero(decoded, sizeof(decoded));
                    return;
                }
            }
        }
        p += len ? len : 1;
    }
    explicit_bzero(decoded, sizeof(decoded)); /* see exec_watch_check_pid */
}

static int name_in(const char *name, const char **list, size_t n, int prefix)
{
    for (size_t i = 0; i < n && name[0]; i++) {
        size_t l = strlen(list[i]);
        if (prefix ? strncmp(name, list[i], l) == 0 : strcmp(name, list[i]) == 0)
            return 1;
    }
    return 0;
}

static void match_names(const struct exec_proc *p, struct exec_hit *hits, size_t max,
                        size_t *n)
{
    const char *names[3] = {p->comm, base_name(p->argv0), base_name(p->exe)};
    char detail[96];
    for (int i = 0; i < 3; i++) {
        char low[64];
        size_t l = 0;
        for (; names[i][l] && l < sizeof(low) - 1; l++)
            low[l] = (char)tolower((unsigned char)names[i][l]);
        low[l] = '\0';
        if (name_in(low, miner_names, sizeof(miner_names) / sizeof(*miner_names), 1)) {
            snprintf(detail, sizeof(detail), "known miner name '%s'", names[i]);
            add_hit(hits, max, n, "miner-name", 0.8, detail);
        }
    }
    /* argv[0] and comm are what ps shows; a user binary can set both. */
    const char *shown[2] = {p->comm, p->argv0};
    for (int i = 0; i < 2 && p->exe[0]; i++) {
        const char *s = shown[i][0] == '[' ? shown[i] + 1 : shown[i];
        if (shown[i][0] == '[' ||
            name_in(s, kthread_prefixes,
                    sizeof(kthread_prefixes) / sizeof(*kthread_prefixes), 1)) {
            snprintf(detail, sizeof(detail),
                     "kernel-thread name '%s' on user binary %s", shown[i], p->exe);
            add_hit(hits, max, n, "kthread-masquerade", 0.8, detail);
        }
        int system_dir = !strncmp(p->exe, "/usr/", 5) || !strncmp(p->exe, "/bin/", 5) ||
                         !strncmp(p->exe, "/sbin/", 6) || !strncmp(p->exe, "/lib/", 5);
        if (!system_dir && name_in(base_name(shown[i]), daemon_names,
                                   sizeof(daemon_names) / sizeof(*daemon_names), 0)) {
            snprintf(detail, sizeof(detail),
                     "daemon name '%s' on binary %s outside system dirs", shown[i],
                     p->exe);
            add_hit(hits, max, n, "daemon-masquerade", 0.6, detail);
        }
    }
}

static int memfd_allowed(const char *name, const char *allow)
{
    while (allow && *allow) {
        size_t l = strcspn(allow, ",");
        if (l > 0 && strncmp(name, allow, l) == 0)
            return 1;
        allow += l + (allow[l] == ',');
    }
    return 0;
}

static void match_exe(const struct exec_proc *p, struct exec_hit *hits, size_t max,
                      size_t *n)
{
    char detail[96];
    snprintf(detail, sizeof(detail), "exe %s", p->exe);
    size_t l = strlen(p->exe);
    if (strncmp(p->exe, "/memfd:", 7) == 0) {
        if (!memfd_allowed(p->exe + 7, p->allow_memfd))
            add_hit(hits, max, n, "exe-memfd", 0.7, detail);
    } else if (strncmp(p->exe, "/dev/shm/", 9) == 0 ||
               strncmp(p->exe, "/run/shm/", 9) == 0)
        add_hit(hits, max, n, "exe-shm", 0.7, detail);
    else if (l > 10 && strcmp(p->exe + l - 10, " (deleted)") == 0)
        add_hit(hits, max, n, "exe-deleted", 0.45, detail);
}

size_t exec_rules_match(const struct exec_proc *p, struct exec_hit *hits, size_t max)
{
    size_t n = 0;
    if (!p->has_exe)
        return 0; /* kernel threads: their names are their own */
    char low[LINE_MAX_BYTES];
    size_t l = 0;
    for (; p->cmdline[l] && l < sizeof(low) - 1; l++)
        low[l] = (char)tolower((unsigned char)p->cmdline[l]);
    low[l] = '\0';
    for (size_t i = 0; i < sizeof(cmd_rules) / sizeof(cmd_rules[0]); i++) {
        if (strstr(low, cmd_rules[i].needle)) {
            char detail[96];
            snprintf(detail, sizeof(detail), "cmdline contains '%s'",
                     cmd_rules[i].needle);
            add_hit(hits, max, &n, cmd_rules[i].rule, cmd_rules[i].weight, detail);
        }
    }
    if (pool_host_at(low))
        add_hit(hits, max, &n, "pool-host", 0.6, "cmdline names a pool.* host");
    match_base64(p->cmdline, hits, max, &n);
    match_names(p, hits, max, &n);
    match_exe(p, hits, max, &n);
    explicit_bzero(low, sizeof(low)); /* see exec_watch_check_pid */
    return n;
}

double exec_rules_score(const struct exec_hit *hits, size_t n)
{
    double miss = 1;
    for (size_t i = 0; i < n; i++)
        miss *= 1 - hits[i].weight;
    return 1 - miss;
}
