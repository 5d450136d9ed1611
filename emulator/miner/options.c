/*
 * The miner's command line: one option table (base/opt.h) carries every
 * option with its help text and range; --help is generated from it, and a
 * JSON config (-c FILE, -c -, --config-env VAR) uses its long names as keys
 * and goes through the same entries, so it gets the same checks.
 */
#include "options.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "backend.h"
#include "ml_util.h"
#include "netguard.h"
#include "opt.h"

#define CONFIG_MAX_BYTES (1 << 20)

/* Text of a config read from standard input, kept for a --name re-exec. */
static char *stdin_config;

/* The options being parsed: the table's targets point here (one static
 * state, main() only); miner_options_parse copies it out. */
static struct miner_options cur;

const char *miner_options_stdin_config(void)
{
    return stdin_config;
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
        return ml_err(err, errlen, -EINVAL, "%s is too long (max %zu bytes)", what,
                      cap - 1);
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

static int parse_ramp(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    int a, b, s, n = 0;
    if (sscanf(arg, "%d:%d:%d%n", &a, &b, &s, &n) != 3 || arg[n] || a < 1 || a > 100 ||
        b < 1 || b > 100 || s < 1)
        return ml_err(err, errlen, -EINVAL,
                      "--duty-ramp wants FROM:TO:SECONDS with duties 1..100, not '%s'",
                      arg);
    o->ramp_from = a;
    o->ramp_to = b;
    o->ramp_seconds = s;
    return 0;
}

static int parse_name(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    if (!*arg)
        return ml_err(err, errlen, -EINVAL, "--name must not be empty");
    for (const char *p = arg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return ml_err(err, errlen, -EINVAL,
                          "--name must not contain control characters");
    return copy_str(o->name, sizeof(o->name), arg, "--name", err, errlen);
}

static int parse_seconds(const char *arg, const char *what, double *out, char *err,
                         size_t errlen)
{
    double v = 0;
    if (ml_parse_double(arg, 0, 1e7, &v) || v == 0)
        return ml_err(err, errlen, -EINVAL,
                      "%s must be a positive number of seconds, not '%s'", what, arg);
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
static int read_api_token(void *ctx, const char *path, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
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
static int parse_lab_net(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    struct netguard_cidr c;
    char why[240];
    if (netguard_parse_lab_net(arg, &c, why, sizeof(why)))
        return ml_err(err, errlen, -EINVAL, "--lab-net: %s", why);
    return copy_str(o->lab_net, sizeof(o->lab_net), arg, "--lab-net", err, errlen);
}

/* XMRig's tls-fingerprint: SHA-256 of the certificate, hex (colons allowed). */
static int parse_fingerprint(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    char hex[65];
    size_t n = 0;
    for (const char *p = arg; *p; p++) {
        if (*p == ':')
            continue;
        if (n == 64 || !strchr("0123456789abcdefABCDEF", *p))
            return ml_err(err, errlen, -EINVAL,
                          "--tls-fingerprint wants 64 hex digits (SHA-256), not '%s'",
                          arg);
        hex[n++] = (char)(*p | 0x20);
    }
    if (n != 64)
        return ml_err(err, errlen, -EINVAL,
                      "--tls-fingerprint wants 64 hex digits (SHA-256), not '%s'", arg);
    hex[64] = '\0';
    memcpy(o->tls_fingerprint, hex, sizeof(hex));
    return 0;
}

static int api_token(void *ctx, const char *arg, char *err, size_t errlen)
{
    return set_api_token(ctx, arg, "--api-token", err, errlen);
}

static int parse_mode(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    if (!strcmp(arg, "light"))
        o->rx.mode = RX_MODE_LIGHT;
    else if (!strcmp(arg, "fast"))
        o->rx.mode = RX_MODE_FAST;
    else if (!strcmp(arg, "auto"))
        o->rx.mode = RX_MODE_AUTO;
    else
        return ml_err(err, errlen, -EINVAL,
                      "--mode must be light, fast or auto, not '%s'", arg);
    return 0;
}

/* --huge-pages / --no-huge-pages: ctx is the page policy to set. */
static int set_pages(void *ctx, const char *arg, char *err, size_t errlen)
{
    cur.rx.pages = *(const enum rx_pages *)ctx;
    return 0;
}

static int parse_builder(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    if (rx_builder_parse(arg, &o->rx.builder) != 0)
        return ml_err(err, errlen, -EINVAL,
                      "--dataset-builder must be own or lib, not '%s'", arg);
    return 0;
}

static int parse_coin(void *ctx, const char *arg, char *err, size_t errlen)
{
    if (strcmp(arg, "monero") && strcmp(arg, "XMR") && strcmp(arg, "xmr"))
        return ml_err(err, errlen, -EINVAL, "--coin: only monero is supported");
    return 0;
}

static int parse_algo(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    if (!strcmp(arg, "rx/0") || !strcmp(arg, "randomx") || !strcmp(arg, "rx"))
        o->v2 = 0;
    else if (!strcmp(arg, "rx/2") && !rx_have_v2())
        return ml_err(
            err, errlen, -ENOTSUP,
            "--algo rx/2 needs librandomx 2.0; this build has 1.x (rx/0 only)");
    else if (!strcmp(arg, "rx/2"))
        o->v2 = 1;
    else
        return ml_err(err, errlen, -EINVAL, "--algo must be rx/0 or rx/2, not '%s'",
                      arg);
    o->rx.v2 = o->v2;
    return 0;
}

static int max_duration(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    o->max_duration_given = 1;
    return parse_seconds(arg, "--max-duration", &o->max_duration_s, err, errlen);
}

static int bench_hashes(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    long v;
    o->action = MINER_BENCH;
    if (ml_parse_long(arg, 1, 100000000, &v))
        return ml_err(err, errlen, -EINVAL,
                      "--bench must be a whole number from 1 to 100000000, not '%s'",
                      arg);
    o->bench_hashes = v;
    return 0;
}

static int bench_seconds(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    o->action = MINER_BENCH;
    return parse_seconds(arg, "--bench-seconds", &o->bench_seconds, err, errlen);
}

static int parse_backend(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    if (strcmp(arg, "cpu") && strcmp(arg, "cuda"))
        return ml_err(err, errlen, -EINVAL, "--backend must be cpu or cuda, not '%s'",
                      arg);
    return copy_str(o->backend, sizeof(o->backend), arg, "--backend", err, errlen);
}

/* --help, --version, --selftest, --dry-run: ctx is the action. */
static int set_action(void *ctx, const char *arg, char *err, size_t errlen)
{
    cur.action = *(const enum miner_action *)ctx;
    return 0;
}

/* -c and --config-env on the command line's second pass: read in the first. */
static int config_read_before(void *ctx, const char *arg, char *err, size_t errlen)
{
    return 0;
}

#define XSTR(x) #x
#define STR(x) XSTR(x)
#define CB(fn, dflt) (&(struct opt_cb){fn, &cur, dflt})
#define ACTION(a) (&(struct opt_cb){set_action, &(enum miner_action){a}, NULL})
#define BUF(field) cur.field, 0, sizeof(cur.field)

static int keepalive, donate_level; /* accepted and ignored */

static const struct opt miner_opts[] = {
    {NULL, OPT_GROUP, NULL, 0, 0, NULL, "Pool:"},
    {"o|url", OPT_BUF, BUF(url), "URL",
     "stratum+tcp://, stratum+ssl://, stratum+tls://, ws://\n"
     "or wss://; HOST is an address, or a name with --lab-dns"},
    {"u|user", OPT_BUF, BUF(user), "WALLET", "login (wallet)"},
    {"p|pass", OPT_BUF, BUF(pass), "PASS", "password"},
    {"rig-id", OPT_BUF, BUF(rig_id), "ID", "rig identifier"},
    {"tls", OPT_FLAG, &cur.tls, 0, 0, NULL, "use TLS"},
    {"nicehash", OPT_FLAG, &cur.nicehash, 0, 0, NULL,
     "vary only the low 3 nonce bytes"},
    {"k|keepalive", OPT_FLAG, &keepalive, 0, 0, NULL,
     "accepted; keepalive is always on"},
    {"user-agent", OPT_BUF, BUF(user_agent), "UA",
     "override the XMRig-style agent string"},
    {"lab-net", OPT_CALLBACK, CB(parse_lab_net, NULL), 0, 0, "CIDR",
     "also allow pools inside CIDR (default: loopback only)\n"
     "command line only; inside 10/8, 172.16/12,\n"
     "192.168/16, 100.64/10, 198.18/15, 127/8,\n"
     "fc00::/7 or fe80::/10; at most /16 or /48"},
    {"lab-dns", OPT_BUF, BUF(lab_dns), "ADDR[:P]",
     "resolve pool names at this lab DNS only (inside\n"
     "--lab-net; answers outside --lab-net are refused;\n"
     "command line only)"},
    {"tls-fingerprint", OPT_CALLBACK, CB(parse_fingerprint, NULL), 0, 0, "H",
     "pin the pool certificate's SHA-256 (64 hex digits);\n"
     "without it any certificate is accepted, like XMRig"},
    {"api", OPT_BUF, BUF(api), "HOST:PORT", "XMRig-style HTTP API (/1/summary)"},
    {"api-token", OPT_CALLBACK, CB(api_token, NULL), 0, 0, "TOKEN",
     "bearer token (16+ characters) that POST\n"
     "/1/duty and PUT /1/config need; without one\n"
     "the API is read-only"},
    {"api-token-file", OPT_CALLBACK, CB(read_api_token, NULL), 0, 0, "F",
     "the same, read from the first line of file F"},
    {NULL, OPT_GROUP, NULL, 0, 0, NULL, "Hashing:"},
    {"t|threads", OPT_INT, &cur.threads, 1, 1024, "N",
     "hashing threads (0: one per online CPU)"},
    {"a|algo", OPT_CALLBACK, CB(parse_algo, "rx/0"), 0, 0, "ALGO",
     "rx/0 or rx/2 (needs librandomx 2.0)"},
    {"login-algo-only", OPT_FLAG, &cur.login_algo_only, 0, 0, NULL,
     "log in with only ALGO, not XMRig's 31-name list"},
    {"mode", OPT_CALLBACK, CB(parse_mode, "auto"), 0, 0, "MODE", "light, fast or auto"},
    {"huge-pages", OPT_CALLBACK_FLAG,
     &(struct opt_cb){set_pages, &(enum rx_pages){RX_PAGES_HUGE}, NULL}, 0, 0, NULL,
     "require reserved huge pages for the dataset"},
    {"no-huge-pages", OPT_CALLBACK_FLAG,
     &(struct opt_cb){set_pages, &(enum rx_pages){RX_PAGES_SMALL}, NULL}, 0, 0, NULL,
     "small pages only (no THP advice)"},
    {"randomx-init", OPT_INT, &cur.rx.init_threads, 1, 256, "N",
     "dataset initialisation threads (0: automatic)"},
    {"dataset-builder", OPT_CALLBACK, CB(parse_builder, "own"), 0, 0, "B",
     "own (SIMD) or lib (randomx_init_dataset)"},
    {"cpu-priority", OPT_INT, &cur.cpu_priority, 0, 5, "N",
     "0 (idle) .. 5 (highest), as XMRig (-1: unchanged)"},
    {"duty", OPT_INT, &cur.duty_pct, 1, 100, "PCT",
     "closed-loop CPU duty cycle per thread, 1..100"},
    {"duty-ramp", OPT_CALLBACK, CB(parse_ramp, NULL), 0, 0, "A:B:S",
     "ramp the duty from A to B % over S seconds"},
    {"backend", OPT_CALLBACK, CB(parse_backend, "cpu"), 0, 0, "NAME",
     "cpu, or cuda when built with CUDA"},
    {"coin", OPT_CALLBACK, CB(parse_coin, NULL), 0, 0, "COIN", "monero only"},
    {"donate-level", OPT_INT, &donate_level, 0, 99, "N", "accepted and ignored"},
    {NULL, OPT_GROUP, NULL, 0, 0, NULL, "Lifetime and identity:"},
    {"max-duration", OPT_CALLBACK,
     CB(max_duration, STR(MINER_LIFETIME_DEFAULT_S) ": one hour"), 0, 0, "SEC",
     "stop by itself after SEC seconds; at most 86400\n(24 h)"},
    {"soak", OPT_FLAG, &cur.soak, 0, 0, NULL,
     "allow --max-duration up to 604800 s (7 days);\n"
     "command line only. No run is unlimited"},
    {"name", OPT_CALLBACK, CB(parse_name, NULL), 0, 0, "NAME",
     "process name and argv[0] shown by ps"},
    {"c|config", OPT_CALLBACK, CB(config_read_before, NULL), 0, 0, "FILE|-",
     "JSON config (long option names as keys, or XMRig's\n"
     "\"pools\" array); - reads standard input"},
    {"config-env", OPT_CALLBACK, CB(config_read_before, NULL), 0, 0, "VAR",
     "JSON config from environment variable VAR"},
    {NULL, OPT_GROUP, NULL, 0, 0, NULL, "Offline:"},
    {"dry-run", OPT_CALLBACK_FLAG, ACTION(MINER_DRY_RUN), 0, 0, NULL,
     "check the pool address and lab guard, print the\n"
     "settings (pool, lab net, lifetime) and exit"},
    {"selftest", OPT_CALLBACK_FLAG, ACTION(MINER_SELFTEST), 0, 0, NULL,
     "check the RandomX test vectors"},
    {"bench", OPT_CALLBACK, CB(bench_hashes, NULL), 0, 0, "N",
     "hash N nonces of a fixed job and report"},
    {"bench-seconds", OPT_CALLBACK, CB(bench_seconds, NULL), 0, 0, "S",
     "benchmark for S seconds instead"},
    {"json", OPT_FLAG, &cur.json, 0, 0, NULL, "print the benchmark summary as JSON"},
    {"print-time", OPT_INT, &cur.print_time_s, 1, 3600, "S",
     "print the hash rate every S seconds (0: never)"},
    {"v|verbose", OPT_COUNT, &cur.verbose, 0, 0, NULL, "more output"},
    {"h|help", OPT_CALLBACK_FLAG, ACTION(MINER_HELP), 0, 0, NULL, "this text"},
    {"V|version", OPT_CALLBACK_FLAG, ACTION(MINER_VERSION), 0, 0, NULL, "version"},
};
#define N_MINER_OPTS (sizeof(miner_opts) / sizeof(miner_opts[0]))

static int is_config_opt(const struct opt *e)
{
    return e->kind == OPT_CALLBACK &&
           ((const struct opt_cb *)e->target)->fn == config_read_before;
}

void miner_options_usage(FILE *f)
{
    miner_options_defaults(&cur);
    opt_usage(f, "minerlab-miner",
              "Lab-only RandomX miner emulator (XMRig-compatible flags).", miner_opts,
              N_MINER_OPTS, NULL, 0);
}

/* Applies a JSON scalar as the long option `key`: the same table entry, so
 * the same checks as on the command line. */
static int apply_json_key(struct miner_options *o, const char *key, json_t *val,
                          char *err, size_t errlen)
{
    const struct opt *e = opt_find(miner_opts, N_MINER_OPTS, key);
    char buf[64];
    const char *arg = NULL;
    if (!e || is_config_opt(e))
        return ml_err(err, errlen, -EINVAL, "config: unknown key \"%s\"", key);
    /* What the miner may reach, and a lifetime past a day, are visible in
     * ps, never hidden in a config. */
    if (!strcmp(key, "lab-net") || !strcmp(key, "lab-dns") || !strcmp(key, "soak"))
        return ml_err(err, errlen, -EPERM,
                      "config: \"%s\" is accepted only on the command line (--%s)", key,
                      key);
    if (!opt_takes_arg(e)) {
        if (!json_is_boolean(val))
            return ml_err(err, errlen, -EINVAL, "config: \"%s\" must be true or false",
                          key);
        return json_is_true(val) ? opt_apply(e, NULL, err, errlen) : 0;
    }
    if (json_is_string(val))
        arg = json_string_value(val);
    else if (json_is_integer(val))
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(val)),
            arg = buf;
    else if (json_is_real(val))
        snprintf(buf, sizeof(buf), "%g", json_real_value(val)), arg = buf;
    else
        return ml_err(err, errlen, -EINVAL, "config: \"%s\" must be a string or number",
                      key);
    int rc = opt_apply(e, arg, err, errlen);
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
        return ml_err(err, errlen, -EINVAL,
                      "config: \"pools\" must be an array of objects");
    json_object_foreach(p, k, v)
    {
        if (!strcmp(k, "enabled") || !strcmp(k, "keepalive") || !strcmp(k, "algo") ||
            !strcmp(k, "coin"))
            continue;
        int rc = apply_json_key(o, k, v, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

static int apply_config_text(struct miner_options *o, const char *text,
                             const char *origin, char *err, size_t errlen)
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
    json_object_foreach(root, k, v)
    {
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

static int read_bounded(FILE *f, char **out, const char *origin, char *err,
                        size_t errlen)
{
    char *buf = malloc(CONFIG_MAX_BYTES + 1);
    if (!buf)
        return ml_err(err, errlen, -ENOMEM, "out of memory");
    size_t n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
    if (n > CONFIG_MAX_BYTES) {
        free(buf);
        return ml_err(err, errlen, -EFBIG, "%s: larger than %d bytes", origin,
                      CONFIG_MAX_BYTES);
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

/* -c FILE|- on the first pass. */
static int load_config_file(void *ctx, const char *arg, char *err, size_t errlen)
{
    struct miner_options *o = ctx;
    char *text = NULL;
    FILE *f = strcmp(arg, "-") ? fopen(arg, "r") : stdin;
    if (!f)
        return ml_err(err, errlen, -errno, "cannot open config %s: %s", arg,
                      strerror(errno));
    int rc = read_bounded(f, &text, arg, err, errlen);
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

/* --config-env VAR on the first pass. */
static int load_config_env(void *ctx, const char *arg, char *err, size_t errlen)
{
    const char *val = getenv(arg);
    if (!val)
        return ml_err(err, errlen, -ENOENT, "--config-env: variable %s is not set",
                      arg);
    return apply_config_text(ctx, val, arg, err, errlen);
}

static int config_failed;

static int config_pass(void *ctx, const char *arg, char *err, size_t errlen)
{
    const struct opt_cb *load = ctx;
    int rc = load->fn(load->ctx, arg, err, errlen);
    config_failed |= rc != 0;
    return rc;
}

/*
 * The first pass reads only the configs, so that the command line overrides
 * them: the same table with every other entry inert (same names and
 * arguments, so getopt reads the same command line).
 */
static void config_pass_table(struct opt *t)
{
    static const char *sink_arg;
    static int sink_flag;
    static struct opt_cb load_file = {load_config_file, &cur, NULL},
                         load_env = {load_config_env, &cur, NULL},
                         file = {config_pass, &load_file, NULL},
                         env = {config_pass, &load_env, NULL};
    for (size_t i = 0; i < N_MINER_OPTS; i++) {
        t[i] = miner_opts[i];
        if (t[i].kind == OPT_GROUP)
            continue;
        if (is_config_opt(&t[i]))
            t[i].target = strcmp(t[i].name, "config-env") ? &file : &env;
        else if (opt_takes_arg(&t[i]))
            t[i].kind = OPT_STRING, t[i].target = &sink_arg;
        else
            t[i].kind = OPT_FLAG, t[i].target = &sink_flag;
    }
}

/* What holds only for the whole command line. */
static int check_whole(struct miner_options *o, char *err, size_t errlen)
{
    if (!strncmp(o->url, "stratum+ssl://", 14) ||
        !strncmp(o->url, "stratum+tls://", 14) || !strncmp(o->url, "wss://", 6))
        o->tls = 1;
    double cap = o->soak ? MINER_SOAK_MAX_S : MINER_LIFETIME_MAX_S;
    if (o->max_duration_s > cap)
        return ml_err(err, errlen, -EINVAL,
                      "--max-duration %g s is over the %s limit of %.0f s%s",
                      o->max_duration_s, o->soak ? "--soak" : "default", cap,
                      o->soak ? ""
                              : " (long soaks say so: add --soak, up to 604800 s)");
    if ((o->action == MINER_RUN || o->action == MINER_DRY_RUN) && !o->url[0])
        return ml_err(
            err, errlen, -EINVAL,
            "no pool given: use -o URL, or --selftest / --bench N (see --help)");
    return 0;
}

int miner_options_parse(int argc, char **argv, struct miner_options *o, char *err,
                        size_t errlen)
{
    struct opt first[N_MINER_OPTS];
    miner_options_defaults(&cur);
    config_pass_table(first);
    config_failed = 0;
    /* Errors of the first pass other than a config's come again in the
     * second, where they are reported. */
    int rc = opt_parse(argc, argv, first, N_MINER_OPTS, NULL, 0, err, errlen);
    if (!rc || !config_failed)
        rc = opt_parse(argc, argv, miner_opts, N_MINER_OPTS, NULL, 0, err, errlen);
    if (!rc)
        rc = check_whole(&cur, err, errlen);
    *o = cur;
    return rc;
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
        return ml_err(
            err, errlen, -ENOMEM,
            "%d threads in %s mode need about %lu MiB; only %lu MiB are available",
            threads, o->rx.mode == RX_MODE_FAST ? "fast" : "light",
            (unsigned long)(need >> 20), (unsigned long)(avail >> 20));
    return 0;
}
