#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_util.h"
#include "pool.h"

const char *pool_usage(void)
{
    return "usage: minerlab-pool [options]\n"
           "  --listen HOST:PORT       Stratum over TCP (repeatable; default "
           "127.0.0.1:3333)\n"
           "  --tls-listen HOST:PORT   Stratum over TLS (repeatable)\n"
           "  --ws-listen HOST:PORT    WebSocket miners + static HTTP (repeatable)\n"
           "  --wss-listen HOST:PORT   the same inside TLS, wss:// (repeatable)\n"
           "  --api HOST:PORT          JSON stats (GET /stats)\n"
           "  --events FILE            ground-truth JSON Lines\n"
           "  --www DIR                static files served on the ws port\n"
           "  --cert FILE --key FILE   TLS certificate (default: self-signed)\n"
           "  --tls-cert NAME:CERT:KEY certificate for clients whose SNI is NAME\n"
           "                           (*.domain matches one label; repeatable)\n"
           "  --diff N                 start/fixed difficulty (default 1000)\n"
           "  --browser-diff N         synthetic browser-lane difficulty (256)\n"
           "  --vardiff                adjust difficulty per session\n"
           "  --share-target SEC       vardiff aim, one share per SEC (30)\n"
           "  --job-interval SEC       new job broadcast period (30)\n"
           "  --seed-rotate SEC        rotate the seed hash (0 = never)\n"
           "  --verify all|sample:N|none  RandomX light verification (all)\n"
           "  --verify-threads N       worker threads for verification (2)\n"
           "  --verify-nice N          nice value of those threads (5: the loop\n"
           "                           thread, which answers keepalived, wins)\n"
           "  --ban-after N            bad shares before a ban (5; 0 = never)\n"
           "  --ban-time SEC           ban duration (600)\n"
           "  --ban-ip-after N         bad shares from one IP, any login, before\n"
           "                           the IP is banned (20; 0 = never)\n"
           "  --max-conns-per-ip N     open connections per IP (256; 0 = no cap)\n"
           "  --api-max-conns N        open --api connections (32)\n"
           "  --api-timeout SEC        an --api connection's life (10)\n"
           "  --events-max-mb N        event log cap; later events are counted\n"
           "                           as dropped (256; 0 = no cap)\n"
           "  --login-timeout SEC      drop connections that never log in (30)\n"
           "  --idle-timeout SEC       drop silent sessions (600)\n"
           "  --handshake-timeout SEC  drop stalled TLS/WebSocket handshakes (10)\n"
           "  --max-line N             longest accepted line in bytes (8192)\n"
           "  --no-lab                 omit the lab handshake (tests only)\n"
           "  --quiet                  no log lines on stderr\n";
}

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

static int parse_seconds(const char *s, double min, double *out)
{
    return ml_parse_double(s, min, 1e7, out);
}

static int add_addr(char list[][128], int *n, const char *v)
{
    if (*n >= POOL_MAX_LISTENERS || strlen(v) >= 128)
        return -EINVAL;
    snprintf(list[(*n)++], 128, "%s", v);
    return 0;
}

/* NAME:CERT:KEY (paths without ':'). */
static int add_sni(struct pool_config *cfg, const char *v)
{
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

static int parse_verify(const char *v, struct pool_config *cfg)
{
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

#define COPY(dst, v)                                                                   \
    (strlen(v) < sizeof(dst) ? (snprintf(dst, sizeof(dst), "%s", v), 0) : -EINVAL)

int pool_config_parse(int argc, char **argv, struct pool_config *cfg, char *err,
                      size_t errlen)
{
    enum {
        O_LISTEN = 256,
        O_TLS,
        O_WS,
        O_API,
        O_EVENTS,
        O_WWW,
        O_CERT,
        O_KEY,
        O_DIFF,
        O_BDIFF,
        O_VARDIFF,
        O_TARGET,
        O_JOBINT,
        O_SEED,
        O_VERIFY,
        O_VTHREADS,
        O_BAN,
        O_BANTIME,
        O_LOGINTO,
        O_IDLETO,
        O_MAXLINE,
        O_NOLAB,
        O_QUIET,
        O_HELP,
        O_HSTO,
        O_VNICE,
        O_WSS,
        O_SNI,
        O_BANIP,
        O_MAXIP,
        O_APIMAX,
        O_APITO,
        O_EVMAX
    };
    static const struct option opts[] = {{"listen", 1, 0, O_LISTEN},
                                         {"tls-listen", 1, 0, O_TLS},
                                         {"ws-listen", 1, 0, O_WS},
                                         {"api", 1, 0, O_API},
                                         {"events", 1, 0, O_EVENTS},
                                         {"www", 1, 0, O_WWW},
                                         {"cert", 1, 0, O_CERT},
                                         {"key", 1, 0, O_KEY},
                                         {"diff", 1, 0, O_DIFF},
                                         {"browser-diff", 1, 0, O_BDIFF},
                                         {"vardiff", 0, 0, O_VARDIFF},
                                         {"share-target", 1, 0, O_TARGET},
                                         {"job-interval", 1, 0, O_JOBINT},
                                         {"seed-rotate", 1, 0, O_SEED},
                                         {"verify", 1, 0, O_VERIFY},
                                         {"verify-threads", 1, 0, O_VTHREADS},
                                         {"ban-after", 1, 0, O_BAN},
                                         {"ban-time", 1, 0, O_BANTIME},
                                         {"login-timeout", 1, 0, O_LOGINTO},
                                         {"idle-timeout", 1, 0, O_IDLETO},
                                         {"max-line", 1, 0, O_MAXLINE},
                                         {"no-lab", 0, 0, O_NOLAB},
                                         {"quiet", 0, 0, O_QUIET},
                                         {"help", 0, 0, O_HELP},
                                         {"handshake-timeout", 1, 0, O_HSTO},
                                         {"verify-nice", 1, 0, O_VNICE},
                                         {"wss-listen", 1, 0, O_WSS},
                                         {"tls-cert", 1, 0, O_SNI},
                                         {"ban-ip-after", 1, 0, O_BANIP},
                                         {"max-conns-per-ip", 1, 0, O_MAXIP},
                                         {"api-max-conns", 1, 0, O_APIMAX},
                                         {"api-timeout", 1, 0, O_APITO},
                                         {"events-max-mb", 1, 0, O_EVMAX},
                                         {0, 0, 0, 0}};
    long n;
    int c, rc = 0, li = -1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, &li)) != -1) {
        const char *v = optarg;
        switch (c) {
        case O_LISTEN:
            rc = add_addr(cfg->listen, &cfg->n_listen, v);
            break;
        case O_TLS:
            rc = add_addr(cfg->tls_listen, &cfg->n_tls_listen, v);
            break;
        case O_WS:
            rc = add_addr(cfg->ws_listen, &cfg->n_ws_listen, v);
            break;
        case O_WSS:
            rc = add_addr(cfg->wss_listen, &cfg->n_wss_listen, v);
            break;
        case O_SNI:
            rc = add_sni(cfg, v);
            break;
        case O_API:
            rc = COPY(cfg->api, v);
            break;
        case O_EVENTS:
            rc = COPY(cfg->events, v);
            break;
        case O_WWW:
            rc = COPY(cfg->www, v);
            break;
        case O_CERT:
            rc = COPY(cfg->cert, v);
            break;
        case O_KEY:
            rc = COPY(cfg->key, v);
            break;
        case O_DIFF:
            rc = ml_parse_long(v, 1, 1L << 62, &n);
            cfg->difficulty = (uint64_t)n;
            break;
        case O_BDIFF:
            rc = ml_parse_long(v, 1, 0xFFFFFFFFL, &n);
            cfg->browser_difficulty = (uint64_t)n;
            break;
        case O_VARDIFF:
            cfg->vardiff = 1;
            break;
        case O_TARGET:
            rc = parse_seconds(v, 0.1, &cfg->share_target_s);
            break;
        case O_JOBINT:
            rc = parse_seconds(v, 0.05, &cfg->job_interval_s);
            break;
        case O_SEED:
            rc = parse_seconds(v, 0, &cfg->seed_rotate_s);
            break;
        case O_VERIFY:
            rc = parse_verify(v, cfg);
            break;
        case O_VTHREADS:
            rc = ml_parse_long(v, 1, 64, &n);
            cfg->verify_threads = (int)n;
            break;
        case O_BAN:
            rc = ml_parse_long(v, 0, 1000000, &n);
            cfg->ban_after = (int)n;
            break;
        case O_BANTIME:
            rc = parse_seconds(v, 0, &cfg->ban_s);
            break;
        case O_LOGINTO:
            rc = parse_seconds(v, 0.1, &cfg->login_timeout_s);
            break;
        case O_IDLETO:
            rc = parse_seconds(v, 0.1, &cfg->idle_timeout_s);
            break;
        case O_MAXLINE:
            rc = ml_parse_long(v, 256, 1L << 24, &n);
            cfg->max_line = (size_t)n;
            break;
        case O_HSTO:
            rc = parse_seconds(v, 0.1, &cfg->handshake_timeout_s);
            break;
        case O_VNICE:
            rc = ml_parse_long(v, 0, 19, &n);
            cfg->verify_nice = (int)n;
            break;
        case O_BANIP:
            rc = ml_parse_long(v, 0, 1000000, &n);
            cfg->ban_ip_after = (int)n;
            break;
        case O_MAXIP:
            rc = ml_parse_long(v, 0, 1000000, &n);
            cfg->max_conns_per_ip = (int)n;
            break;
        case O_APIMAX:
            rc = ml_parse_long(v, 1, 100000, &n);
            cfg->api_max_conns = (int)n;
            break;
        case O_APITO:
            rc = parse_seconds(v, 0.1, &cfg->api_idle_s);
            break;
        case O_EVMAX:
            rc = ml_parse_long(v, 0, 1L << 30, &n);
            cfg->events_max_bytes = (uint64_t)n << 20;
            break;
        case O_NOLAB:
            cfg->no_lab = 1;
            break;
        case O_QUIET:
            cfg->quiet = 1;
            break;
        case 'h':
        case O_HELP:
            return 1;
        default:
            return ml_err(err, errlen, -EINVAL, "unknown or incomplete option '%s'",
                          argv[optind - 1]);
        }
        if (rc)
            return ml_err(err, errlen, -EINVAL, "bad value for --%s: '%s'",
                          li >= 0 ? opts[li].name : "?", v ? v : "");
    }
    if (optind < argc)
        return ml_err(err, errlen, -EINVAL, "unexpected argument '%s'", argv[optind]);
    if (cfg->n_listen + cfg->n_tls_listen + cfg->n_ws_listen + cfg->n_wss_listen == 0)
        add_addr(cfg->listen, &cfg->n_listen, "127.0.0.1:3333");
    return 0;
}
