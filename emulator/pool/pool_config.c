/*
 * The pool's command line: one option table (base/opt.h) that carries every
 * option's help text and range; the defaults shown in --help are the values
 * pool_config_defaults() sets, read from the table's targets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "opt.h"
#include "pool.h"

void pool_config_defaults(struct pool_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->job_interval_s = 30;
    cfg->share_target_s = 30;
    cfg->difficulty = 1000;
    cfg->browser_difficulty = 256;
    cfg->verify = POOL_VERIFY_ALL;
    cfg->verify_sample = 1;
    cfg->verify_threads = 2;
    cfg->verify_nice = 5;
    cfg->ban_after = 5;
    cfg->ban_s = 600;
    cfg->ban_ip_after = 20;
    cfg->max_conns_per_ip = 256;
    cfg->api_max_conns = 32;
    cfg->api_idle_s = 10;
    cfg->events_max_bytes = 256ull << 20;
    cfg->login_timeout_s = 30;
    cfg->handshake_timeout_s = 10;
    cfg->idle_timeout_s = 600;
    cfg->max_line = 8192;
}

static int add_addr(char list[][128], int *n, const char *v)
{
    if (*n >= POOL_MAX_LISTENERS || strlen(v) >= 128)
        return -EINVAL;
    snprintf(list[(*n)++], 128, "%s", v);
    return 0;
}

/* NAME:CERT:KEY (paths without ':'). */
static int add_sni(void *ctx, const char *v, char *err, size_t errlen)
{
    struct pool_config *cfg = ctx;
    const char *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (cfg->n_sni >= POOL_MAX_SNI || !c2 || c1 == v || c2 == c1 + 1 || !c2[1] ||
        strchr(c2 + 1, ':'))
        return -EINVAL;
    struct pool_sni_cert *e = &cfg->sni[cfg->n_sni];
    size_t nl = (size_t)(c1 - v), cl = (size_t)(c2 - c1 - 1);
    if (nl >= sizeof(e->name) || cl >= sizeof(e->cert) ||
        strlen(c2 + 1) >= sizeof(e->key))
        return -EINVAL;
    memcpy(e->name, v, nl);
    e->name[nl] = '\0';
    memcpy(e->cert, c1 + 1, cl);
    e->cert[cl] = '\0';
    snprintf(e->key, sizeof(e->key), "%s", c2 + 1);
    cfg->n_sni++;
    return 0;
}

static int parse_verify(void *ctx, const char *v, char *err, size_t errlen)
{
    struct pool_config *cfg = ctx;
    long n;
    if (!strcmp(v, "all"))
        cfg->verify = POOL_VERIFY_ALL;
    else if (!strcmp(v, "none"))
        cfg->verify = POOL_VERIFY_NONE;
    else if (!strncmp(v, "sample:", 7) && !ml_parse_long(v + 7, 1, 1000000, &n)) {
        cfg->verify = POOL_VERIFY_SAMPLE;
        cfg->verify_sample = (int)n;
    } else
        return -EINVAL;
    return 0;
}

struct addr_list {
    char (*addr)[128];
    int *n;
};

static int add_listener(void *ctx, const char *v, char *err, size_t errlen)
{
    const struct addr_list *l = ctx;
    return add_addr(l->addr, l->n, v);
}

static int events_max_mb(void *ctx, const char *v, char *err, size_t errlen)
{
    long n;
    if (ml_parse_long(v, 0, 1L << 30, &n))
        return -EINVAL;
    *(uint64_t *)ctx = (uint64_t)n << 20;
    return 0;
}

/* What the table's targets point into while it is parsed or printed: the
 * caller's config is copied in and out (one static state, main() only). */
static struct pool_config parsing;

/* A repeatable HOST:PORT list. */
#define ADDRS(list, n, dflt)                                                           \
    (&(struct opt_cb){add_listener, &(struct addr_list){parsing.list, &parsing.n},     \
                      dflt})
#define BUF(field) parsing.field, 0, sizeof(parsing.field)
#define SECONDS(field, min) &parsing.field, min, 1e7, "SEC"

static const struct opt pool_opts[] = {
    {"listen", OPT_CALLBACK, ADDRS(listen, n_listen, "127.0.0.1:3333"), 0, 0,
     "HOST:PORT", "Stratum over TCP (repeatable)"},
    {"tls-listen", OPT_CALLBACK, ADDRS(tls_listen, n_tls_listen, NULL), 0, 0,
     "HOST:PORT", "Stratum over TLS (repeatable)"},
    {"ws-listen", OPT_CALLBACK, ADDRS(ws_listen, n_ws_listen, NULL), 0, 0, "HOST:PORT",
     "WebSocket miners + static HTTP (repeatable)"},
    {"wss-listen", OPT_CALLBACK, ADDRS(wss_listen, n_wss_listen, NULL), 0, 0,
     "HOST:PORT", "the same inside TLS, wss:// (repeatable)"},
    {"api", OPT_BUF, BUF(api), "HOST:PORT", "JSON stats (GET /stats)"},
    {"events", OPT_BUF, BUF(events), "FILE", "ground-truth JSON Lines"},
    {"www", OPT_BUF, BUF(www), "DIR", "static files served on the ws port"},
    {"cert", OPT_BUF, BUF(cert), "FILE", "TLS certificate (without: self-signed)"},
    {"key", OPT_BUF, BUF(key), "FILE", "its private key"},
    {"tls-cert", OPT_CALLBACK, &(struct opt_cb){add_sni, &parsing, NULL}, 0, 0,
     "NAME:CERT:KEY",
     "certificate for clients whose SNI is NAME\n(*.domain matches one label; "
     "repeatable)"},
    {"diff", OPT_U64, &parsing.difficulty, 1, (double)(1L << 62), "N",
     "start/fixed difficulty"},
    {"browser-diff", OPT_U64, &parsing.browser_difficulty, 1, 0xFFFFFFFF, "N",
     "synthetic browser-lane difficulty"},
    {"vardiff", OPT_FLAG, &parsing.vardiff, 0, 0, NULL,
     "adjust difficulty per session"},
    {"share-target", OPT_DOUBLE, SECONDS(share_target_s, 0.1),
     "vardiff aim, one share per SEC"},
    {"job-interval", OPT_DOUBLE, SECONDS(job_interval_s, 0.05),
     "new job broadcast period"},
    {"seed-rotate", OPT_DOUBLE, SECONDS(seed_rotate_s, 0),
     "rotate the seed hash (0 = never)"},
    {"verify", OPT_CALLBACK, &(struct opt_cb){parse_verify, &parsing, "all"}, 0, 0,
     "all|sample:N|none", "RandomX light verification"},
    {"verify-threads", OPT_INT, &parsing.verify_threads, 1, 64, "N",
     "worker threads for verification"},
    {"verify-nice", OPT_INT, &parsing.verify_nice, 0, 19, "N",
     "nice value of those threads (the loop thread,\nwhich answers keepalived, wins)"},
    {"ban-after", OPT_INT, &parsing.ban_after, 0, 1000000, "N",
     "bad shares before a ban (0 = never)"},
    {"ban-time", OPT_DOUBLE, SECONDS(ban_s, 0), "ban duration"},
    {"ban-ip-after", OPT_INT, &parsing.ban_ip_after, 0, 1000000, "N",
     "bad shares from one IP, any login, before\nthe IP is banned (0 = never)"},
    {"max-conns-per-ip", OPT_INT, &parsing.max_conns_per_ip, 0, 1000000, "N",
     "open connections per IP (0 = no cap)"},
    {"api-max-conns", OPT_INT, &parsing.api_max_conns, 1, 100000, "N",
     "open --api connections"},
    {"api-timeout", OPT_DOUBLE, SECONDS(api_idle_s, 0.1), "an --api connection's life"},
    {"events-max-mb", OPT_CALLBACK,
     &(struct opt_cb){events_max_mb, &parsing.events_max_bytes, "256"}, 0, 0, "N",
     "event log cap; later events are counted\nas dropped (0 = no cap)"},
    {"login-timeout", OPT_DOUBLE, SECONDS(login_timeout_s, 0.1),
     "drop connections that never log in"},
    {"idle-timeout", OPT_DOUBLE, SECONDS(idle_timeout_s, 0.1), "drop silent sessions"},
    {"handshake-timeout", OPT_DOUBLE, SECONDS(handshake_timeout_s, 0.1),
     "drop stalled TLS/WebSocket handshakes"},
    {"max-line", OPT_SIZE, &parsing.max_line, 256, 1 << 24, "N",
     "longest accepted line in bytes"},
    {"no-lab", OPT_FLAG, &parsing.no_lab, 0, 0, NULL,
     "omit the lab handshake (tests only)"},
    {"quiet", OPT_FLAG, &parsing.quiet, 0, 0, NULL, "no log lines on stderr"},
};
#define N_POOL_OPTS (sizeof(pool_opts) / sizeof(pool_opts[0]))

void pool_usage(FILE *f)
{
    pool_config_defaults(&parsing);
    opt_usage(f, "minerlab-pool", "The lab's mock Monero Stratum pool.", pool_opts,
              N_POOL_OPTS, NULL, 0);
}

int pool_config_parse(int argc, char **argv, struct pool_config *cfg, char *err,
                      size_t errlen)
{
    parsing = *cfg;
    int rc = opt_parse(argc, argv, pool_opts, N_POOL_OPTS, NULL, 0, err, errlen);
    *cfg = parsing;
    if (rc)
        return rc;
    if (cfg->n_listen + cfg->n_tls_listen + cfg->n_ws_listen + cfg->n_wss_listen == 0)
        add_addr(cfg->listen, &cfg->n_listen, "127.0.0.1:3333");
    return 0;
}
