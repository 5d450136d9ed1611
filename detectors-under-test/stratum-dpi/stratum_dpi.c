#include "stratum_dpi.h"

#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SDPI_MAX_LINE 8192 /* what real pools accept; longer is not Stratum */

struct sdpi {
    struct sdpi_config cfg;
    struct det_flow_table *flows;
    unsigned long alerts;
};

static const struct {
    const char *name;
    double score;
    const char *what;
} rules[SDPI_RULE_COUNT] = {
    [SDPI_ET_CHECKIN] =
        {"et-checkin", 0.95,
         "client payload matches the ET Cryptocurrency Miner Checkin bytes"},
    [SDPI_LOGIN] = {"stratum-login", 0.9, "client sent a Stratum JSON-RPC login"},
    [SDPI_SUBMIT] = {"stratum-submit", 0.9, "client submitted a Stratum share"},
    [SDPI_KEEPALIVED] = {"stratum-keepalived", 0.6, "client sent a Stratum keepalived"},
    [SDPI_JOB] = {"stratum-job", 0.9, "server sent a Stratum mining job"},
    [SDPI_MINING_SUBSCRIBE] = {"mining-subscribe", 0.85,
                               "client sent mining.subscribe"},
    [SDPI_MINING_AUTHORIZE] = {"mining-authorize", 0.85,
                               "client sent mining.authorize"},
    [SDPI_MINING_NOTIFY] = {"mining-notify", 0.9, "server sent mining.notify"},
    [SDPI_WS_AUTH] = {"ws-miner-auth", 0.85,
                      "client sent a Coinhive-style auth message over WebSocket"},
    [SDPI_WS_SUBMIT] = {"ws-miner-submit", 0.9,
                        "client sent a Coinhive-style submit over WebSocket"},
    [SDPI_WS_JOB] = {"ws-miner-job", 0.9,
                     "server sent a Coinhive-style job over WebSocket"},
};

const char *sdpi_rule_name(enum sdpi_rule r)
{
    return (unsigned)r < SDPI_RULE_COUNT ? rules[r].name : "?";
}

/* The ET rule: content matches in order, each after the previous one. */
static int et_checkin(const char *l, size_t n)
{
    static const char *const seq[] = {
        "\"jsonrpc\":", "\",\"method\":\"login\",\"params\":", "\"pass\":\"",
        "\"agent\":\""};
    if (n < 6 || memcmp(l, "{\"id\":", 6))
        return 0;
    size_t off = 6;
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        const char *p = det_find(l + off, n - off, seq[i]);
        if (!p)
            return 0;
        off = (size_t)(p - l) + strlen(seq[i]);
    }
    return 1;
}

static int has_keys(json_t *obj, const char *const *keys)
{
    if (!json_is_object(obj))
        return 0;
    for (; *keys; keys++)
        if (!json_object_get(obj, *keys))
            return 0;
    return 1;
}

static unsigned match_jsonrpc(int dir, json_t *o)
{
    static const char *const submit_keys[] = {"job_id", "nonce", "result", NULL};
    static const char *const job_keys[] = {"blob", "job_id", "target", NULL};
    const char *method = json_string_value(json_object_get(o, "method"));
    json_t *params = json_object_get(o, "params");
    unsigned m = 0;
    if (dir == DET_C2S && method) {
        json_t *login =
            json_is_object(params) ? json_object_get(params, "login") : NULL;
        if (!strcmp(method, "login") && json_is_string(login) &&
            (json_object_get(params, "pass") || json_object_get(params, "agent")))
            m |= 1u << SDPI_LOGIN;
        if (!strcmp(method, "submit") && has_keys(params, submit_keys))
            m |= 1u << SDPI_SUBMIT;
        if (!strcmp(method, "keepalived"))
            m |= 1u << SDPI_KEEPALIVED;
        if (!strcmp(method, "mining.subscribe"))
            m |= 1u << SDPI_MINING_SUBSCRIBE;
        if (!strcmp(method, "mining.authorize"))
            m |= 1u << SDPI_MINING_AUTHORIZE;
    } else if (dir == DET_S2C) {
        json_t *result = json_object_get(o, "result");
        if (method && !strcmp(method, "job") && has_keys(params, job_keys))
            m |= 1u << SDPI_JOB;
        if (json_is_object(result) &&
            has_keys(json_object_get(result, "job"), job_keys))
            m |= 1u << SDPI_JOB;
        if (method && !strcmp(method, "mining.notify"))
            m |= 1u << SDPI_MINING_NOTIFY;
    }
    return m;
}

static unsigned match_ws_type(int dir, json_t *o)
{
    static const char *const submit_keys[] = {"job_id", "nonce", "result", NULL};
    static const char *const job_keys[] = {"blob", "job_id", "target", NULL};
    const char *type = json_string_value(json_object_get(o, "type"));
    json_t *params = json_object_get(o, "params");
    if (!type)
        return 0;
    if (dir == DET_C2S && !strcmp(type, "auth") && json_is_object(params))
        return 1u << SDPI_WS_AUTH;
    if (dir == DET_C2S && !strcmp(type, "submit") && has_keys(params, submit_keys))
        return 1u << SDPI_WS_SUBMIT;
    if (dir == DET_S2C && !strcmp(type, "job") && has_keys(params, job_keys))
        return 1u << SDPI_WS_JOB;
    return 0;
}

unsigned sdpi_match(int dir, int ws, const char *line, size_t len)
{
    unsigned m = 0;
    if (len == 0 || len > SDPI_MAX_LINE)
        return 0;
    if (dir == DET_C2S && et_checkin(line, len))
        m |= 1u << SDPI_ET_CHECKIN;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    /* Only JSON objects that name a method or a type are worth parsing. */
    if (i == len || line[i] != '{' ||
        (!det_find(line, len, "\"method\"") &&
         !(ws && det_find(line, len, "\"type\""))))
        return m;
    json_t *o = json_loadb(line + i, len - i, JSON_DISABLE_EOF_CHECK, NULL);
    if (!o)
        return m;
    m |= match_jsonrpc(dir, o);
    if (ws)
        m |= match_ws_type(dir, o);
    json_decref(o);
    return m;
}

static void alert(struct sdpi *s, struct det_flow_entry *f, enum sdpi_rule r, double ts)
{
    char reason[256];
    struct det_flow flow;
    if (!det_home_outbound(&s->cfg.home, f->family, f->addr[0], f->addr[1]) ||
        !det_flow_fire_once(f, r))
        return;
    det_flow_describe(f, &flow);
    snprintf(reason, sizeof(reason), "rule %s: %s (%s -> %s)", rules[r].name,
             rules[r].what, f->client, f->server);
    struct det_alert a = {.detector = "stratum-dpi",
                          .technique = DET_NETWORK,
                          .flow = &flow,
                          .score = rules[r].score,
                          .reason = reason,
                          .ts = ts};
    s->cfg.emit(s->cfg.emit_ctx, &a);
    s->alerts++;
}

static void report(struct sdpi *s, struct det_flow_entry *f, unsigned m, double ts)
{
    for (unsigned r = 0; r < SDPI_RULE_COUNT; r++)
        if (m & (1u << r))
            alert(s, f, (enum sdpi_rule)r, ts);
}

static void on_line(void *ctx, struct det_flow_entry *f, int dir, const char *line,
                    size_t len, double ts)
{
    report(ctx, f, sdpi_match(dir, 0, line, len), ts);
}

static void on_ws(void *ctx, struct det_flow_entry *f, int dir, int opcode,
                  const uint8_t *payload, size_t len, double ts)
{
    /* A message may carry several newline-delimited Stratum lines. */
    const char *p = (const char *)payload, *end = p + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        report(ctx, f, sdpi_match(dir, 1, p, n), ts);
        p += n + 1;
    }
    (void)opcode;
}

static const struct det_flow_callbacks callbacks = {.on_line = on_line, .on_ws = on_ws};

int sdpi_create(struct sdpi **out, const struct sdpi_config *cfg)
{
    struct sdpi *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    if (cfg)
        s->cfg = *cfg;
    if (!s->cfg.emit)
        s->cfg.emit = det_emit_stdout;
    struct det_flow_config fc = {.stream_cap = 65536};
    int rc = det_flow_table_create(&s->flows, &fc, &callbacks, s);
    if (rc < 0) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sdpi_packet(void *ctx, const struct det_pkt *p)
{
    struct sdpi *s = ctx;
    if (p->l4 == IPPROTO_TCP)
        det_flow_table_packet(s->flows, p);
}

void sdpi_tick(void *ctx, double now)
{
    struct sdpi *s = ctx;
    det_flow_table_expire(s->flows, now);
}

unsigned long sdpi_alert_count(const struct sdpi *s)
{
    return s->alerts;
}

void sdpi_destroy(struct sdpi *s)
{
    if (!s)
        return;
    det_flow_table_destroy(s->flows);
    free(s);
}
