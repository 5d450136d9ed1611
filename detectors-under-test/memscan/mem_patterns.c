#include "mem_patterns.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MIB (1024ull * 1024ull)

static const char *ev_names[MEM_EV_COUNT] = {
    "wallet",          "stratum-url",  "miner-option", "randomx-salt",
    "dataset-2080MiB", "cache-256MiB", "jit-pages"};
static const double ev_weights[MEM_EV_COUNT] = {0.35, 0.45, 0.25, 0.4, 0.45, 0.3, 0.15};

/*
 * The byte strings searched for, stored XOR-ed with 0x5a and decoded at run
 * time (as antivirus engines store signatures): otherwise memscan's own
 * binary, and every scanner built from this code, would carry the very
 * strings it reports and be flagged by other memory scanners.
 */
enum {
    N_URL_TCP,
    N_URL_SSL,
    N_URL_TLS,
    N_URL_UDP,
    N_DONATE,
    N_CPU_PRIO,
    N_SALT,
    N_COUNT
};
static const unsigned char needles_xor[N_COUNT][14] = {
    {0x29, 0x2e, 0x28, 0x3b, 0x2e, 0x2f, 0x37, 0x71, 0x2e, 0x39, 0x2a, 0x60, 0x75,
     0x75},
    {0x29, 0x2e, 0x28, 0x3b, 0x2e, 0x2f, 0x37, 0x71, 0x29, 0x29, 0x36, 0x60, 0x75,
     0x75},
    {0x29, 0x2e, 0x28, 0x3b, 0x2e, 0x2f, 0x37, 0x71, 0x2e, 0x36, 0x29, 0x60, 0x75,
     0x75},
    {0x29, 0x2e, 0x28, 0x3b, 0x2e, 0x2f, 0x37, 0x71, 0x2f, 0x3e, 0x2a, 0x60, 0x75,
     0x75},
    {0x77, 0x77, 0x3e, 0x35, 0x34, 0x3b, 0x2e, 0x3f, 0x77, 0x36, 0x3f, 0x2c, 0x3f,
     0x36},
    {0x77, 0x77, 0x39, 0x2a, 0x2f, 0x77, 0x2a, 0x28, 0x33, 0x35, 0x28, 0x33, 0x2e,
     0x23},
    {0x08, 0x3b, 0x34, 0x3e, 0x35, 0x37, 0x02, 0x59},
};
static const size_t needle_len[N_COUNT] = {14, 14, 14, 14, 14, 14, 8};
static unsigned char needles[N_COUNT][14];
static pthread_once_t needles_once = PTHREAD_ONCE_INIT;

static void needles_decode(void)
{
    for (int i = 0; i < N_COUNT; i++)
        for (size_t k = 0; k < needle_len[i]; k++)
            needles[i][k] = needles_xor[i][k] ^ 0x5a;
}

static int is_base58(unsigned char c)
{
    return (c >= '1' && c <= '9') || (c >= 'A' && c <= 'H') || (c >= 'J' && c <= 'N') ||
           (c >= 'P' && c <= 'Z') || (c >= 'a' && c <= 'k') || (c >= 'm' && c <= 'z');
}

/* A whole base58 run of 95 characters starting 4[0-9AB]: a standard address. */
static int wallet_at(const unsigned char *b, size_t i, size_t n)
{
    if (i + 95 > n || (i > 0 && is_base58(b[i - 1])))
        return 0;
    unsigned char c1 = b[i + 1];
    if (!((c1 >= '0' && c1 <= '9') || c1 == 'A' || c1 == 'B'))
        return 0;
    for (size_t k = 2; k < 95; k++)
        if (!is_base58(b[i + k]))
            return 0;
    return i + 95 == n || !is_base58(b[i + 95]);
}

static unsigned url_at(const unsigned char *b, size_t i, size_t n,
                       struct mem_samples *s)
{
    if (i + 15 > n || memcmp(b + i, needles[N_URL_TCP], 8) != 0)
        return 0;
    for (int k = N_URL_TCP; k <= N_URL_UDP; k++) {
        /* A format string or a parser's prefix has no host after "//". */
        if (memcmp(b + i, needles[k], 14) == 0 && isalnum(b[i + 14])) {
            if (!s->url[0]) {
                size_t l = 0;
                while (i + l < n && l < sizeof(s->url) - 1 && isgraph(b[i + l]))
                    l++;
                memcpy(s->url, b + i, l);
                s->url[l] = '\0';
            }
            return MEM_EV_URL;
        }
    }
    return 0;
}

unsigned mem_scan_buffer(const unsigned char *buf, size_t n, size_t starts,
                         struct mem_samples *samples)
{
    unsigned bits = 0;
    pthread_once(&needles_once, needles_decode);
    if (starts > n)
        starts = n;
    for (size_t i = 0; i < starts; i++) {
        switch (buf[i]) {
        case 's':
            bits |= url_at(buf, i, n, samples);
            break;
        case '-':
            if (i + 14 <= n && buf[i + 1] == '-' &&
                (memcmp(buf + i, needles[N_DONATE], 14) == 0 ||
                 memcmp(buf + i, needles[N_CPU_PRIO], 14) == 0))
                bits |= MEM_EV_OPTION;
            break;
        case 'R':
            if (i + 8 <= n && memcmp(buf + i, needles[N_SALT], 8) == 0)
                bits |= MEM_EV_SALT;
            break;
        case '4':
            if (wallet_at(buf, i, n)) {
                bits |= MEM_EV_WALLET;
                if (!samples->wallet[0])
                    snprintf(samples->wallet, sizeof(samples->wallet), "%.12s...",
                             (const char *)buf + i);
            }
            break;
        default:
            break;
        }
    }
    return bits;
}

static int anonymous(const struct det_map *m)
{
    return m->inode == 0 && (m->path[0] == '\0' || strncmp(m->path, "[anon", 5) == 0);
}

unsigned mem_map_shape(const struct det_map *m)
{
    if (!anonymous(m))
        return 0;
    uint64_t size = m->end - m->start;
    unsigned bits = 0;
    /* Allow a little for allocator headers and huge-page rounding. */
    if (size >= 2080 * MIB && size <= 2096 * MIB)
        bits |= MEM_EV_DATASET;
    if (size >= 256 * MIB && size <= 260 * MIB)
        bits |= MEM_EV_CACHE;
    if (m->perms[2] == 'x')
        bits |= MEM_EV_JIT;
    return bits;
}

double mem_score(unsigned bits)
{
    double miss = 1;
    for (int i = 0; i < MEM_EV_COUNT; i++)
        if (bits & (1u << i))
            miss *= 1 - ev_weights[i];
    return 1 - miss;
}

int mem_should_alert(unsigned bits, double threshold)
{
    return mem_score(bits) >= threshold &&
           (bits & (MEM_EV_URL | MEM_EV_OPTION | MEM_EV_DATASET)) != 0;
}

void mem_evidence_names(unsigned bits, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < MEM_EV_COUNT && o < len; i++)
        if (bits & (1u << i))
            o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "", ev_names[i]);
}
