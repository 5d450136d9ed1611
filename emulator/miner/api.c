/* The miner's XMRig-like HTTP API: GET /1/summary for anyone, and a live duty
 * change through PUT /1/config or POST /1/duty with {"duty":N} only with
 * "Authorization: Bearer TOKEN" (--api-token); without a token configured
 * the API is read-only, like XMRig's "restricted" mode. Loop thread only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostport.h"
#include "ml_util.h"
#include "net.h"
#include "netguard.h"

json_t *miner_api_summary(struct miner_net *n)
{
    struct backend_stats st;
    memset(&st, 0, sizeof(st));
    if (n->backend)
        n->be->stats(n->backend, &st);
    double now = ml_now_unix();
    char pool[300];
    snprintf(pool, sizeof(pool), "%s:%d", n->url.host, n->url.port);
    int online = n->conn && n->logged_in;
    uint64_t total = n->accepted + n->rejected;
    json_t *conn = json_pack(
        "{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:o,s:s}", "pool", pool, "ip",
        n->conn ? n->conn->peer : "", "uptime",
        (json_int_t)(online ? now - n->connected_unix : 0), "failures",
        (json_int_t)n->failures, "accepted", (json_int_t)n->accepted, "rejected",
        (json_int_t)n->rejected, "diff", (json_int_t)n->difficulty, "tls",
        n->tls_desc[0] && online ? json_string(n->tls_desc) : json_null(), "transport",
        mlconn_transport_name(n->url.transport));
    json_t *hr = json_pack("{s:[f,f,f]}", "total", st.hashrate[0], st.hashrate[1],
                           st.hashrate[2]);
    json_t *results =
        json_pack("{s:I,s:I,s:I,s:I}", "diff_current", (json_int_t)n->difficulty,
                  "shares_good", (json_int_t)n->accepted, "shares_total",
                  (json_int_t)total, "hashes_total", (json_int_t)n->hashes_accepted);
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:I,s:s,s:o,s:o,s:o,s:i,s:I,s:i,s:b}", "id", "minerlab",
        "worker_id", n->opt->rig_id, "version", MINERLAB_VERSION, "ua", n->agent,
        "uptime", (json_int_t)(now - n->started_unix), "algo", miner_net_algo(n),
        "hashrate", hr, "results", results, "connection", conn, "duty", st.duty_pct,
        "hashes", (json_int_t)st.hashes, "threads", st.threads, "paused", !online);
}

static void reply(struct mlconn *c, int status, json_t *body)
{
    char *txt = json_dumps(body, JSON_SORT_KEYS | JSON_INDENT(2));
    json_decref(body);
    size_t n;
    char *r = http_response(status, "application/json", txt ? txt : "{}",
                            txt ? strlen(txt) : 2, 0, &n);
    if (r)
        mlconn_send_raw(c, r, n);
    free(r);
    free(txt);
    mlconn_close_after_send(c, "HTTP response sent");
}

static void set_duty(struct miner_net *n, struct mlconn *c, const char *body,
                     size_t len)
{
    json_error_t jerr;
    json_t *o = json_loadb(body, len, 0, &jerr);
    json_t *d = json_object_get(o, "duty");
    json_int_t duty = json_is_integer(d) ? json_integer_value(d) : -1;
    json_decref(o);
    if (duty < 1 || duty > 100 || !n->backend) {
        reply(c, 400, json_pack("{s:s}", "error", "expected {\"duty\":1..100}"));
        return;
    }
    n->be->set_duty(n->backend, (int)duty);
    fprintf(stderr, "[api] duty set to %d%%\n", (int)duty);
    reply(c, 200, json_pack("{s:i}", "duty", (int)duty));
}

/* Constant-time comparison of the Authorization header with the token. */
static int token_ok(const char *token, const char *authorization)
{
    static const char bearer[] = "Bearer ";
    size_t tl = strlen(token), al = strlen(authorization);
    if (strncmp(authorization, bearer, sizeof(bearer) - 1) != 0 ||
        al - (sizeof(bearer) - 1) != tl)
        return 0;
    const char *given = authorization + sizeof(bearer) - 1;
    unsigned char diff = 0;
    for (size_t i = 0; i < tl; i++)
        diff |= (unsigned char)(given[i] ^ token[i]);
    return diff == 0;
}

/* 1 when a write may go ahead; otherwise answers 403 (read-only API) or 401
 * (no or wrong token) and returns 0. */
static int write_allowed(struct miner_net *n, struct mlconn *c,
                         const struct http_head *h)
{
    if (!n->opt->api_token[0]) {
        reply(c, 403,
              json_pack("{s:s}", "error",
                        "read-only API: start the miner with --api-token or "
                        "--api-token-file to change the duty"));
        return 0;
    }
    if (!token_ok(n->opt->api_token, h->authorization)) {
        fprintf(stderr, "[api] duty change refused: %s bearer token\n",
                h->authorization[0] ? "wrong" : "no");
        reply(c, 401, json_pack("{s:s}", "error", "Unauthorized"));
        return 0;
    }
    return 1;
}

static void on_http(struct mlconn *c, const struct http_head *h, const char *body,
                    size_t len)
{
    struct miner_net *n = c->ud;
    if (!strcmp(h->method, "GET") &&
        (!strcmp(h->path, "/1/summary") || !strcmp(h->path, "/2/summary")))
        reply(c, 200, miner_api_summary(n));
    else if ((!strcmp(h->method, "PUT") && !strcmp(h->path, "/1/config")) ||
             (!strcmp(h->method, "POST") && !strcmp(h->path, "/1/duty"))) {
        if (write_allowed(n, c, h))
            set_duty(n, c, body, len);
    } else
        reply(c, 404, json_pack("{s:s}", "error", "not found"));
}

static void on_api_close(struct mlconn *c, const char *reason) {}

static const struct mlconn_callbacks api_cbs = {
    .on_http = on_http,
    .on_close = on_api_close,
};

static void on_api_conn(uv_stream_t *server, int status)
{
    struct miner_net *n = server->data;
    if (status < 0 || n->stopping)
        return;
    struct mlconn *c = mlconn_new(n->loop, MLCONN_HTTP, 1, NULL, 0, &api_cbs, n);
    if (!c)
        return;
    if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
        mlconn_close(c, "accept failed");
        return;
    }
    mlconn_start_server(c);
}

int miner_api_resolve(const struct miner_options *o, struct sockaddr_storage *ss,
                      char *err, size_t errlen)
{
    char host[128];
    long port;
    /* One HOST:PORT parser for the whole project ([v6]:PORT included). */
    if (hostport_split(o->api, host, sizeof(host), 0, &port))
        return ml_err(err, errlen, -EINVAL, "--api wants HOST:PORT, not '%s'", o->api);
    const char *h = strcmp(host, "localhost") ? host : "127.0.0.1";
    if (uv_ip4_addr(h, (int)port, (struct sockaddr_in *)ss) &&
        uv_ip6_addr(h, (int)port, (struct sockaddr_in6 *)ss))
        return ml_err(err, errlen, -EINVAL, "--api needs a numeric address");
    return netguard_check((struct sockaddr *)ss, o->lab_net, err, errlen);
}

int miner_api_start(struct miner_net *n, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int rc;
    if ((rc = miner_api_resolve(n->opt, &ss, err, errlen)))
        return rc;
    uv_tcp_init(n->loop, &n->api_tcp);
    n->api_tcp.data = n;
    if ((rc = uv_tcp_bind(&n->api_tcp, (struct sockaddr *)&ss, 0)) ||
        (rc = uv_listen((uv_stream_t *)&n->api_tcp, 64, on_api_conn)))
        return ml_err(err, errlen, rc, "cannot listen on %s: %s", n->opt->api,
                      uv_strerror(rc));
    int len = sizeof(ss);
    uv_tcp_getsockname(&n->api_tcp, (struct sockaddr *)&ss, &len);
    netguard_format((struct sockaddr *)&ss, n->api_addr, sizeof(n->api_addr));
    printf("api listening %s\n", n->api_addr);
    fflush(stdout);
    n->api_on = 1;
    return 0;
}
