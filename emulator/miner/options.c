#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "backend.h"
#include "ml_util.h"
#include "netguard.h"

#define CONFIG_MAX_BYTES (1 << 20)

/* Text of a config read from standard input, kept for a --name re-exec. */
static char *stdin_config;

const char *miner_options_stdin_config(void)
{
    return stdin_config;
}
#define SYNTH_MAX 128

enum {
    OPT_TLS = 256, OPT_NICEHASH, OPT_MODE, OPT_HUGE, OPT_NO_HUGE, OPT_PRIO, OPT_RXINIT,
    OPT_DSBUILDER,
    OPT_DONATE, OPT_DUTY, OPT_RAMP, OPT_MAXDUR, OPT_NAME, OPT_BENCH, OPT_BENCH_S,
    OPT_JSON, OPT_SELFTEST, OPT_API, OPT_LABNET, OPT_AGENT, OPT_CONFIG_ENV, OPT_RIGID,
    OPT_BACKEND, OPT_PRINT_TIME, OPT_COIN, OPT_KEEPALIVE, OPT_LABDNS, OPT_TLSFP,
    OPT_SOAK, OPT_DRY_RUN, OPT_API_TOKEN, OPT_API_TOKEN_FILE, /* issue 13 */
    OPT_LOGIN_ALGO_ONLY
};

static const struct option long_opts[] = {
    {"url", required_argument, NULL, 'o'},
    {"user", required_argument, NULL, 'u'},
    {"pass", required_argument, NULL, 'p'},
    {"rig-id", required_argument, NULL, OPT_RIGID},
    {"threads", required_argument, NULL, 't'},
    {"tls", no_argument, NULL, OPT_TLS},
    {"nicehash", no_argument, NULL, OPT_NICEHASH},
    {"keepalive", no_argument, NULL, OPT_KEEPALIVE},
    {"mode", required_argument, NULL, OPT_MODE},
    {"huge-pages", no_argument, NULL, OPT_HUGE},
    {"no-huge-pages", no_argument, NULL, OPT_NO_HUGE},
    {"cpu-priority", required_argument, NULL, OPT_PRIO},
    {"randomx-init", required_argument, NULL, OPT_RXINIT},
    {"dataset-builder", required_argument, NULL, OPT_DSBUILDER},
    {"donate-level", required_argument, NULL, OPT_DONATE},
    {"coin", required_argument, NULL, OPT_COIN},
    {"algo", required_argument, NULL, 'a'},
    {"login-algo-only", no_argument, NULL, OPT_LOGIN_ALGO_ONLY},
    {"duty", required_argument, NULL, OPT_DUTY},
    {"duty-ramp", required_argument, NULL, OPT_RAMP},
    {"max-duration", required_argument, NULL, OPT_MAXDUR},
    {"name", required_argument, NULL, OPT_NAME},
    {"bench", required_argument, NULL, OPT_BENCH},
    {"bench-seconds", required_argument, NULL, OPT_BENCH_S},
    {"json", no_argument, NULL, OPT_JSON},
    {"selftest", no_argument, NULL, OPT_SELFTEST},
    {"api", required_argument, NULL, OPT_API},
    {"api-token", required_argument, NULL, OPT_API_TOKEN},
    {"api-token-file", required_argument, NULL, OPT_API_TOKEN_FILE},
    {"soak", no_argument, NULL, OPT_SOAK},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"lab-net", required_argument, NULL, OPT_LABNET},
    {"lab-dns", required_argument, NULL, OPT_LABDNS},
    {"tls-fingerprint", required_argument, NULL, OPT_TLSFP},
    {"user-agent", required_argument, NULL, OPT_AGENT},
    {"config", required_argument, NULL, 'c'},
    {"config-env", required_argument, NULL, OPT_CONFIG_ENV},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"print-time", required_argument, NULL, OPT_PRINT_TIME},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};
static const char short_opts[] = "o:u:p:t:a:c:vhVk";

const char *miner_options_usage(void)
{
    return "Usage: minerlab-miner [OPTIONS]\n"
           "Lab-only RandomX miner emulator (XMRig-compatible flags).\n\n"
           "Pool:\n"
           "  -o, --url URL            stratum+tcp://, stratum+ssl://, stratum+tls://, ws://\n"
           "                           or wss://; HOST is an address, or a name with --lab-dns\n"
           "  -u, --user WALLET        login (wallet)\n"
           "  -p, --pass PASS          password (default x)\n"
           "      --rig-id ID          rig identifier\n"
           "      --tls                use TLS\n"
           "      --nicehash           vary only the low 3 nonce bytes\n"
           "      --user-agent UA      override the XMRig-style agent string\n"
           "      --lab-net CIDR       also allow pools inside CIDR (default: loopback only)\n"
           "                           command line only; inside 10/8, 172.16/12,\n"
           "                           192.168/16, 100.64/10, 198.18/15, 127/8,\n"
           "                           fc00::/7 or fe80::/10; at most /16 or /48\n"
           "      --lab-dns ADDR[:P]   resolve pool names at this lab DNS only (inside\n"
           "                           --lab-net; answers outside --lab-net are refused;\n"
           "                           command line only)\n"
           "      --tls-fingerprint H  pin the pool certificate's SHA-256 (64 hex digits);\n"
           "                           without it any certificate is accepted, like XMRig\n"
           "      --api HOST:PORT      XMRig-style HTTP API (/1/summary)\n"
           "      --api-token TOKEN    bearer token (16+ characters) that POST\n"
           "                           /1/duty and PUT /1/config need; without one\n"
           "                           the API is read-only\n"
           "      --api-token-file F   the same, read from the first line of file F\n"
           "Hashing:\n"
           "  -t, --threads N          hashing threads (default: online CPUs)\n"
           "  -a, --algo ALGO          rx/0 (default) or rx/2 (needs librandomx 2.0)\n"
           "      --login-algo-only    log in with only ALGO, not XMRig's 31-name list\n"
           "      --mode MODE          light, fast or auto (default auto)\n"
           "      --huge-pages         require reserved huge pages for the dataset\n"
           "      --no-huge-pages      small pages only (no THP advice)\n"
           "      --randomx-init N     dataset initialisation threads\n"
           "      --dataset-builder B  own (SIMD, default) or lib (randomx_init_dataset)\n"
           "      --cpu-priority N     0 (idle) .. 5 (highest), as XMRig\n"
           "      --duty PCT           closed-loop CPU duty cycle per thread, 1..100\n"
           "      --duty-ramp A:B:S    ramp the duty from A to B %% over S seconds\n"
           "      --backend NAME       cpu (default) or cuda when built with CUDA\n"
           "      --donate-level N     accepted and ignored\n"
           "Lifetime and identity:\n"
           "      --max-duration SEC   stop by itself after SEC seconds (default\n"
           "                           3600: one hour; at most 86400, 24 h)\n"
           "      --soak               allow --max-duration up to 604800 s (7 days);\n"
           "                           command line only. No run is unlimited\n"
           "      --name NAME          process name and argv[0] shown by ps\n"
           "  -c, --config FILE|-      JSON config (long option names as keys, or XMRig's\n"
           "                           \"pools\" array); - reads standard input\n"
           "      --config-env VAR     JSON config from environment variable VAR\n"
           "Offline:\n"
           "      --dry-run            check the pool address and lab guard, print "
           "the\n"
           "                           settings (pool, lab net, lifetime) and exit\n"
           "      --selftest           check the RandomX test vectors\n"
           "      --bench N            hash N nonces of a fixed job and report\n"
           "      --bench-seconds S    benchmark for S seconds instead\n"
           "      --json               print the benchmark summary as JSON\n"
           "      --print-time S       print the hash rate every S seconds\n"
           "  -v, --verbose            more output\n"
           "  -h, --help               this text\n"
           "  -V, --version            version\n";
}

void miner_options_defaults(struct miner_options *o)
{
    memset(o, 0, sizeof(*o));
    o->action = MINER_RUN;
    snprintf(o->pass, sizeof(o->pass), "x");
    snprintf(o->backend, sizeof(o->backend), "cpu");
    o->duty_pct = 100;
    o->cpu_priority = -1;
    o->rx.mode = RX_MODE_AUTO;
    o->rx.pages = RX_PAGES_AUTO;
    o->print_time_s = 0;
    o->max_duration_s = MINER_LIFETIME_DEFAULT_S;
}

static int copy_str(char *dst, size_t cap, const char *src, const char *what, char *err,
                    size_t errlen)
{
    if (strlen(src) >= cap)
        return ml_err(err, errlen, -EINVAL, "%s is too long (max %zu bytes)", what, cap - 1);
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

static int parse_num(const char *arg, long min, long max, const char *what, long *out,
                     char *err, size_t errlen)
{
    if (ml_parse_long(arg, min, max, out))
        return ml_err(err, errlen, -EINVAL, "%s must be a whole number from %ld to %ld, not '%s'",
                      what, min, max, arg);
    return 0;
}

static int parse_ramp(struct miner_options *o, const char *arg, char *err, size_t errlen)
{
    int a, b, s, n = 0;
    if (sscanf(arg, "%d:%d:%d%n", &a, &b, &s, &n) != 3 || arg[n] || a < 1 || a > 100 ||
        b < 1 || b > 100 || s < 1)
        return ml_err(err, errlen, -EINVAL,
                      "--duty-ramp wants FROM:TO:SECONDS with duties 1..100, not '%s'", arg);
    o->ramp_from = a;
    o->ramp_to = b;
    o->ramp_seconds = s;
    return 0;
}

static int parse_name(struct miner_options *o, const char *arg, char *err, size_t errlen)
{
    if (!*arg)
        return ml_err(err, errlen, -EINVAL, "--name must not be empty");
    for (const char *p = arg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return ml_err(err, errlen, -EINVAL, "--name must not contain control characters");
    return copy_str(o->name, sizeof(o->name), arg, "--name", err, errlen);
}

static int parse_seconds(const char *arg, const char *what, double *out, char *err,
                         size_t errlen)
{
    double v = 0;
    if (ml_parse_double(arg, 0, 1e7, &v) || v == 0)
        return ml_err(err, errlen, -EINVAL, "%s must be a positive number of seconds, not '%s'",
                      what, arg);
    *out = v;
    return 0;
}

static int set_api_token(struct miner_options *o, const char *tok, const char *what,
                         char *err, size_t errlen)
{
    size_t len = strlen(tok);
    if (len < 16 || len >= sizeof(o->api_token))
        return ml_err(err, errlen, -EINVAL, "%s must be 16 to %zu characters", what,
                      sizeof(o->api_token) - 1);
    for (const char *p = tok; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return ml_err(err, errlen, -EINVAL,
                          "%s must not contain spaces or control characters", what);
    memcpy(o->api_token, tok, len + 1);
    return 0;
}

/* --api-token-file: the first line of the file, without its newline. */
static int read_api_token(struct miner_options *o, const char *path, char *err,
                          size_t errlen)
{
    char line[256];
    FILE *f = fopen(path, "r");
    if (!f)
        return ml_err(err, errlen, -errno, "cannot open --api-token-file %s: %s", path,
                      strerror(errno));
    if (!fgets(line, sizeof(line), f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return set_api_token(o, line, "--api-token-file's first line", err, errlen);
}

/* --lab-net: only non-global ranges, no wider than netguard's minimum prefix. */
static int parse_lab_net(struct miner_options *o, const char *arg, char *err,
                         size_t errlen)
{
    struct netguard_cidr c;
    char why[240];
    if (netguard_parse_lab_net(arg, &c, why, sizeof(why)))
        return ml_err(err, errlen, -EINVAL, "--lab-net: %s", why);
    return copy_str(o->lab_net, sizeof(o->lab_net), arg, "--lab-net", err, errlen);
}

/* XMRig's tls-fingerprint: SHA-256 of the certificate, hex (colons allowed). */
static int parse_fingerprint(struct miner_options *o, const char *arg, char *err,
                             size_t errlen)
{
    char hex[65];
    size_t n = 0;
    for (const char *p = arg; *p; p++) {
        if (*p == ':')
            continue;
        if (n == 64 || !strchr("0123456789abcdefABCDEF", *p))
            return ml_err(err, errlen, -EINVAL,
                          "--tls-fingerprint wants 64 hex digits (SHA-256), not '%s'", arg);
        hex[n++] = (char)(*p | 0x20);
    }
    if (n != 64)
        return ml_err(err, errlen, -EINVAL,
                      "--tls-fingerprint wants 64 hex digits (SHA-256), not '%s'", arg);
    hex[64] = '\0';
    memcpy(o->tls_fingerprint, hex, sizeof(hex));
    return 0;
}

/* Applies one option; shared by argv and config files. */
static int apply(struct miner_options *o, int c, const char *arg, char *err, size_t errlen)
{
    long v;
    int rc = 0;
    switch (c) {
    case 'o': return copy_str(o->url, sizeof(o->url), arg, "--url", err, errlen);
    case 'u': return copy_str(o->user, sizeof(o->user), arg, "--user", err, errlen);
    case 'p': return copy_str(o->pass, sizeof(o->pass), arg, "--pass", err, errlen);
    case OPT_RIGID: return copy_str(o->rig_id, sizeof(o->rig_id), arg, "--rig-id", err, errlen);
    case OPT_AGENT:
        return copy_str(o->user_agent, sizeof(o->user_agent), arg, "--user-agent", err, errlen);
    case OPT_LABNET:
        return parse_lab_net(o, arg, err, errlen);
    case OPT_LABDNS: return copy_str(o->lab_dns, sizeof(o->lab_dns), arg, "--lab-dns", err, errlen);
    case OPT_TLSFP: return parse_fingerprint(o, arg, err, errlen);
    case OPT_API: return copy_str(o->api, sizeof(o->api), arg, "--api", err, errlen);
    case 't':
        rc = parse_num(arg, 1, 1024, "--threads", &v, err, errlen);
        o->threads = (int)v;
        return rc;
    case OPT_TLS: o->tls = 1; return 0;
    case OPT_NICEHASH: o->nicehash = 1; return 0;
    case OPT_KEEPALIVE: case 'k': return 0; /* keepalive is always on */
    case OPT_MODE:
        if (!strcmp(arg, "light")) o->rx.mode = RX_MODE_LIGHT;
        else if (!strcmp(arg, "fast")) o->rx.mode = RX_MODE_FAST;
        else if (!strcmp(arg, "auto")) o->rx.mode = RX_MODE_AUTO;
        else return ml_err(err, errlen, -EINVAL, "--mode must be light, fast or auto, not '%s'", arg);
        return 0;
    case OPT_HUGE: o->rx.pages = RX_PAGES_HUGE; return 0;
    case OPT_LOGIN_ALGO_ONLY: o->login_algo_only = 1; return 0;
    case OPT_NO_HUGE: o->rx.pages = RX_PAGES_SMALL; return 0;
    case OPT_PRIO:
        rc = parse_num(arg, 0, 5, "--cpu-priority", &v, err, errlen);
        o->cpu_priority = (int)v;
        return rc;
    case OPT_RXINIT:
        rc = parse_num(arg, 1, 256, "--randomx-init", &v, err, errlen);
        o->rx.init_threads = (int)v;
        return rc;
    case OPT_DSBUILDER:
        if (rx_builder_parse(arg, &o->rx.builder) != 0)
            return ml_err(err, errlen, -EINVAL, "--dataset-builder must be own or lib, not '%s'",
                          arg);
        return 0;
    case OPT_DONATE: return parse_num(arg, 0, 99, "--donate-level", &v, err, errlen);
    case OPT_COIN:
        if (strcmp(arg, "monero") && strcmp(arg, "XMR") && strcmp(arg, "xmr"))
            return ml_err(err, errlen, -EINVAL, "--coin: only monero is supported");
        return 0;
    case 'a':
        if (!strcmp(arg, "rx/0") || !strcmp(arg, "randomx") || !strcmp(arg, "rx"))
            o->v2 = 0;
        else if (!strcmp(arg, "rx/2") && !rx_have_v2())
            return ml_err(err, errlen, -ENOTSUP,
                          "--algo rx/2 needs librandomx 2.0; this build has 1.x (rx/0 only)");
        else if (!strcmp(arg, "rx/2"))
            o->v2 = 1;
        else
            return ml_err(err, errlen, -EINVAL, "--algo must be rx/0 or rx/2, not '%s'", arg);
        o->rx.v2 = o->v2;
        return 0;
    case OPT_DUTY:
        rc = parse_num(arg, 1, 100, "--duty", &v, err, errlen);
        o->duty_pct = (int)v;
        return rc;
    case OPT_RAMP: return parse_ramp(o, arg, err, errlen);
    case OPT_MAXDUR:
        o->max_duration_given = 1;
        return parse_seconds(arg, "--max-duration", &o->max_duration_s, err, errlen);
    case OPT_SOAK:
        o->soak = 1;
        return 0;
    case OPT_DRY_RUN:
        o->action = MINER_DRY_RUN;
        return 0;
    case OPT_API_TOKEN:
        return set_api_token(o, arg, "--api-token", err, errlen);
    case OPT_API_TOKEN_FILE:
        return read_api_token(o, arg, err, errlen);
    case OPT_NAME: return parse_name(o, arg, err, errlen);
    case OPT_BENCH:
        rc = parse_num(arg, 1, 100000000, "--bench", &v, err, errlen);
        o->bench_hashes = v;
        o->action = MINER_BENCH;
        return rc;
    case OPT_BENCH_S:
        o->action = MINER_BENCH;
        return parse_seconds(arg, "--bench-seconds", &o->bench_seconds, err, errlen);
    case OPT_JSON: o->json = 1; return 0;
    case OPT_SELFTEST: o->action = MINER_SELFTEST; return 0;
    case OPT_BACKEND:
        if (strcmp(arg, "cpu") && strcmp(arg, "cuda"))
            return ml_err(err, errlen, -EINVAL, "--backend must be cpu or cuda, not '%s'", arg);
        return copy_str(o->backend, sizeof(o->backend), arg, "--backend", err, errlen);
    case OPT_PRINT_TIME:
        rc = parse_num(arg, 1, 3600, "--print-time", &v, err, errlen);
        o->print_time_s = (int)v;
        return rc;
    case 'v': o->verbose++; return 0;
    case 'h': o->action = MINER_HELP; return 0;
    case 'V': o->action = MINER_VERSION; return 0;
    case 'c': case OPT_CONFIG_ENV: return 0; /* handled before the main pass */
    default: return ml_err(err, errlen, -EINVAL, "unknown option (see --help)");
    }
}

static const struct option *find_long(const char *name)
{
    for (const struct option *lo = long_opts; lo->name; lo++)
        if (!strcmp(lo->name, name))
            return lo;
    return NULL;
}

/* Applies a JSON scalar as the long option `key`. */
static int apply_json_key(struct miner_options *o, const char *key, json_t *val, char *err,
                          size_t errlen)
{
    const struct option *lo = find_long(key);
    char buf[64];
    const char *arg = NULL;
    if (!lo || lo->val == 'c' || lo->val == OPT_CONFIG_ENV)
        return ml_err(err, errlen, -EINVAL, "config: unknown key \"%s\"", key);
    /* What the miner may reach, and a lifetime past a day, are visible in
     * ps, never hidden in a config. */
    if (lo->val == OPT_LABNET || lo->val == OPT_LABDNS || lo->val == OPT_SOAK)
        return ml_err(err, errlen, -EPERM,
                      "config: \"%s\" is accepted only on the command line (--%s)", key,
                      lo->name);
    if (lo->has_arg == no_argument) {
        if (!json_is_boolean(val))
            return ml_err(err, errlen, -EINVAL, "config: \"%s\" must be true or false", key);
        return json_is_true(val) ? apply(o, lo->val, NULL, err, errlen) : 0;
    }
    if (json_is_string(val))
        arg = json_string_value(val);
    else if (json_is_integer(val))
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(val)), arg = buf;
    else if (json_is_real(val))
        snprintf(buf, sizeof(buf), "%g", json_real_value(val)), arg = buf;
    else
        return ml_err(err, errlen, -EINVAL, "config: \"%s\" must be a string or number", key);
    int rc = apply(o, lo->val, arg, err, errlen);
    if (rc && err) {
        char inner[200];
        snprintf(inner, sizeof(inner), "%s", err);
        ml_err(err, errlen, rc, "config: %s", inner);
    }
    return rc;
}

/* XMRig's "pools":[{url,user,pass,tls,nicehash,rig-id}] — the first one. */
static int apply_pools(struct miner_options *o, json_t *pools, char *err, size_t errlen)
{
    json_t *p = json_array_get(pools, 0);
    const char *k;
    json_t *v;
    if (!json_is_array(pools) || !json_is_object(p))
        return ml_err(err, errlen, -EINVAL, "config: \"pools\" must be an array of objects");
    json_object_foreach(p, k, v) {
        if (!strcmp(k, "enabled") || !strcmp(k, "keepalive") || !strcmp(k, "algo") ||
            !strcmp(k, "coin"))
            continue;
        int rc = apply_json_key(o, k, v, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int apply_config_text(struct miner_options *o, const char *text, const char *origin,
                             char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    const char *k;
    json_t *v;
    int rc = 0;
    if (!json_is_object(root)) {
        rc = ml_err(err, errlen, -EINVAL, "%s: not a JSON object (line %d: %s)", origin,
                    jerr.line, root ? "expected an object" : jerr.text);
        goto out;
    }
    json_object_foreach(root, k, v) {
        if (!strcmp(k, "pools")) {
            rc = apply_pools(o, v, err, errlen);
        } else if (!strcmp(k, "cpu") && json_is_object(v)) {
            json_t *prio = json_object_get(v, "priority");
            if (json_is_integer(prio))
                rc = apply_json_key(o, "cpu-priority", prio, err, errlen);
        } else if (!strcmp(k, "randomx") && json_is_object(v)) {
            json_t *mode = json_object_get(v, "mode");
            if (json_is_string(mode))
                rc = apply_json_key(o, "mode", mode, err, errlen);
        } else if (json_is_object(v) || json_is_array(v) || json_is_null(v)) {
            continue; /* other XMRig sections (http, api, logging...) */
        } else {
            rc = apply_json_key(o, k, v, err, errlen);
        }
        if (rc)
            goto out;
    }
out:
    json_decref(root);
    return rc;
}

static int read_bounded(FILE *f, char **out, const char *origin, char *err, size_t errlen)
{
    char *buf = malloc(CONFIG_MAX_BYTES + 1);
    if (!buf)
        return ml_err(err, errlen, -ENOMEM, "out of memory");
    size_t n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
    if (n > CONFIG_MAX_BYTES) {
        free(buf);
        return ml_err(err, errlen, -EFBIG, "%s: larger than %d bytes", origin, CONFIG_MAX_BYTES);
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static int load_config(struct miner_options *o, int c, const char *arg, char *err,
                       size_t errlen)
{
    char *text = NULL;
    int rc;
    if (c == OPT_CONFIG_ENV) {
        const char *val = getenv(arg);
        if (!val)
            return ml_err(err, errlen, -ENOENT, "--config-env: variable %s is not set", arg);
        return apply_config_text(o, val, arg, err, errlen);
    }
    FILE *f = strcmp(arg, "-") ? fopen(arg, "r") : stdin;
    if (!f)
        return ml_err(err, errlen, -errno, "cannot open config %s: %s", arg, strerror(errno));
    rc = read_bounded(f, &text, arg, err, errlen);
    if (f != stdin)
        fclose(f);
    if (!rc)
        rc = apply_config_text(o, text, strcmp(arg, "-") ? arg : "stdin", err, errlen);
    if (!rc && !strcmp(arg, "-")) {
        free(stdin_config);
        stdin_config = text;
        return 0;
    }
    free(text);
    return rc;
}

int miner_options_parse(int argc, char **argv, struct miner_options *o, char *err,
                        size_t errlen)
{
    int c, rc;
    miner_options_defaults(o);
    opterr = 0;
    /* Pass 1: configs first, so that the command line overrides them. */
    optind = 0;
    while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        if (c == 'c' || c == OPT_CONFIG_ENV) {
            rc = load_config(o, c, optarg, err, errlen);
            if (rc)
                return rc;
        }
    }
    optind = 0;
    while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            if (optopt && optopt < 256 && strchr(short_opts, optopt))
                return ml_err(err, errlen, -EINVAL, "option -%c needs a value", optopt);
            return ml_err(err, errlen, -EINVAL, "unknown option '%s' (see --help)", bad);
        }
        rc = apply(o, c, optarg, err, errlen);
        if (rc)
            return rc;
    }
    if (optind < argc)
        return ml_err(err, errlen, -EINVAL, "unexpected argument '%s'", argv[optind]);
    if (!strncmp(o->url, "stratum+ssl://", 14) || !strncmp(o->url, "stratum+tls://", 14) ||
        !strncmp(o->url, "wss://", 6))
        o->tls = 1;
    double cap = o->soak ? MINER_SOAK_MAX_S : MINER_LIFETIME_MAX_S;
    if (o->max_duration_s > cap)
        return ml_err(err, errlen, -EINVAL,
                      "--max-duration %g s is over the %s limit of %.0f s%s",
                      o->max_duration_s, o->soak ? "--soak" : "default", cap,
                      o->soak ? ""
                              : " (long soaks say so: add --soak, up to 604800 s)");
    if ((o->action == MINER_RUN || o->action == MINER_DRY_RUN) && !o->url[0])
        return ml_err(err, errlen, -EINVAL,
                      "no pool given: use -o URL, or --selftest / --bench N (see --help)");
    return 0;
}

void miner_backend_config(const struct miner_options *o, struct backend_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->threads = o->threads;
    cfg->duty_pct = o->duty_pct;
    cfg->cpu_priority = o->cpu_priority;
    cfg->rx = o->rx;
    cfg->rx.v2 = o->v2;
    cfg->ramp_from = o->ramp_from;
    cfg->ramp_to = o->ramp_to;
    cfg->ramp_seconds = o->ramp_seconds;
    cfg->verbose = o->verbose;
}

int miner_options_check_memory(const struct miner_options *o, char *err, size_t errlen)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = o->threads > 0 ? o->threads : (int)ncpu;
    /* Per VM: 2 MiB scratchpad plus JIT and bookkeeping. */
    uint64_t need = (uint64_t)threads * (3u << 20) + (256u << 20);
    if (o->rx.mode == RX_MODE_FAST)
        need += rx_dataset_bytes();
    uint64_t avail = ml_mem_available();
    struct rlimit rl;
    /* An address-space limit (ulimit -v) caps us below what the host has. */
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (!avail || rl.rlim_cur < avail))
        avail = rl.rlim_cur;
    if (avail && need > avail)
        return ml_err(err, errlen, -ENOMEM,
                      "%d threads in %s mode need about %lu MiB; only %lu MiB are available",
                      threads, o->rx.mode == RX_MODE_FAST ? "fast" : "light",
                      (unsigned long)(need >> 20), (unsigned long)(avail >> 20));
    return 0;
}
