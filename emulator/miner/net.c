/* The Stratum client of minerlab-miner (see net.h). */
#include "net.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ml_util.h"
#include "labdns.h"
#include "netguard.h"

#define RESPONSE_TIMEOUT_S 20.0
#define KEEPALIVE_S 60.0
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 16000

static void net_connect(struct miner_net *n);
static void on_reconnect_timer(uv_timer_t *t);
static void net_stop(struct miner_net *n, int code, const char *why);

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(stderr, "[%s] net  ", ts);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int miner_url_parse(const char *url, int tls, struct miner_url *out, char *err,
                    size_t errlen)
{
    static const struct {
        const char *prefix;
        enum mlconn_transport t;
    } schemes[] = {{"stratum+tcp://", MLCONN_TCP},
                   {"stratum+ssl://", MLCONN_TLS},
                   {"stratum+tls://", MLCONN_TLS},
                   {"ws://", MLCONN_WS},
                   {"wss://", MLCONN_WSS}};
    memset(out, 0, sizeof(*out));
    out->transport = MLCONN_TCP;
    const char *rest = url;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (!strncmp(url, schemes[i].prefix, strlen(schemes[i].prefix))) {
            out->transport = schemes[i].t;
            rest = url + strlen(schemes[i].prefix);
        }
    if (strstr(rest, "://"))
        return ml_err(err, errlen, -EINVAL, "unsupported URL scheme in '%s'", url);
    if (tls && out->transport == MLCONN_TCP)
        out->transport = MLCONN_TLS;
    if (tls && out->transport == MLCONN_WS)
        out->transport = MLCONN_WSS;
    const char *slash = strchr(rest, '/');
    size_t hp_len = slash ? (size_t)(slash - rest) : strlen(rest);
    snprintf(out->path, sizeof(out->path), "%s", slash ? slash : "/");
    char hp[300];
    if (hp_len == 0 || hp_len >= sizeof(hp))
        return ml_err(err, errlen, -EINVAL, "no host in '%s'", url);
    memcpy(hp, rest, hp_len);
    hp[hp_len] = '\0';
    char *colon = strrchr(hp, ':');
    long port;
    if (!colon || ml_parse_long(colon + 1, 1, 65535, &port))
        return ml_err(err, errlen, -EINVAL, "no valid port in '%s'", url);
    *colon = '\0';
    char *h = hp;
    if (*h == '[' && colon > h + 1 && colon[-1] == ']') {
        colon[-1] = '\0';
        h++;
    }
    size_t hlen = strlen(h);
    if (hlen >= sizeof(out->host))
        return ml_err(err, errlen, -EINVAL, "host too long in '%s'", url);
    memcpy(out->host, h, hlen + 1); /* length checked above */
    out->port = (int)port;
    return 0;
}

#define LABDNS_TIMEOUT_MS 4000

/* Numeric addresses and "localhost" need no lookup; any other name is
 * looked up at --lab-dns alone (labdns.h), never by the system resolver. */
static int resolve(const struct miner_options *o, const struct miner_url *u,
                   struct sockaddr_storage *ss, char *err, size_t errlen)
{
    const char *h = strcmp(u->host, "localhost") ? u->host : "127.0.0.1";
    memset(ss, 0, sizeof(*ss));
    if (!uv_ip4_addr(h, u->port, (struct sockaddr_in *)ss) ||
        !uv_ip6_addr(h, u->port, (struct sockaddr_in6 *)ss))
        return 0;
    if (!o->lab_dns[0])
        return ml_err(
            err, errlen, -EPERM,
            "refusing pool host '%s': a name needs --lab-dns ADDR (the lab DNS "
            "server); the system resolver is never used",
            u->host);
    return labdns_resolve(o->lab_dns, o->lab_net, u->host, u->port, LABDNS_TIMEOUT_MS,
                          ss, err, errlen);
}

static void default_agent(char *buf, size_t len)
{
    struct utsname un;
    const char *machine = uname(&un) == 0 ? un.machine : "x86_64";
    snprintf(buf, len, "XMRig/6.26.0 (Linux %s) libuv/%s gcc/%d.%d.%d", machine,
             uv_version_string(), __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
}

/* ---- sending ---- */

static void send_line(struct miner_net *n, char *line)
{
    if (line && n->conn && n->conn->ready) {
        if (n->opt->verbose)
            logf_("send %s", line);
        mlconn_send(n->conn, line, strlen(line));
        n->last_send_unix = ml_now_unix();
    }
    free(line);
}

static void send_json(struct miner_net *n, json_t *o)
{
    send_line(n, stratum_dump(o));
    json_decref(o);
}

static void note_pending(struct miner_net *n)
{
    if (n->pending_submits++ == 0 && !n->pending_login)
        n->oldest_pending_unix = ml_now_unix();
}

static void answer_pending(struct miner_net *n)
{
    if (n->pending_submits > 0)
        n->pending_submits--;
    n->oldest_pending_unix = ml_now_unix();
    if (n->draining && n->pending_submits == 0)
        net_stop(n, 0, n->drain_reason);
}

static void submit(struct miner_net *n, const struct miner_result *r)
{
    char nonce_hex[9], result_hex[65];
    uint8_t nb[4];
    if (!n->logged_in || n->draining || strcmp(r->job_id, n->job_id))
        return; /* stale work: the pool would reject it anyway */
    ml_store32le(nb, r->nonce);
    ml_hex_encode(nb, 4, nonce_hex);
    ml_hex_encode(r->hash, 32, result_hex);
    n->submitted++;
    note_pending(n);
    if (mlconn_uses_ws(n->url.transport)) {
        send_json(n, json_pack("{s:s,s:{s:s,s:s,s:s}}", "type", "submit", "params",
                               "job_id", r->job_id, "nonce", nonce_hex, "result",
                               result_hex));
        return;
    }
    send_line(n, stratum_encode_submit(n->next_id++, n->session_id, r->job_id,
                                       nonce_hex, result_hex,
                                       n->ext_algo ? miner_net_algo(n) : NULL));
}

/* Worker thread: queue the result and wake the loop. */
static void on_result(void *ud, const struct miner_result *res)
{
    struct miner_net *n = ud;
    pthread_mutex_lock(&n->qlock);
    if (n->qlen < MINER_NET_QUEUE_MAX)
        n->queue[n->qlen++] = *res;
    else
        n->dropped++;
    pthread_mutex_unlock(&n->qlock);
    uv_async_send(&n->async);
}

/* Loop thread: several sends may arrive as one callback; drain them all. */
static void on_async(uv_async_t *a)
{
    struct miner_net *n = a->data;
    struct miner_result batch[64];
    for (;;) {
        unsigned k;
        pthread_mutex_lock(&n->qlock);
        k = n->qlen < 64 ? n->qlen : 64;
        memcpy(batch, n->queue, k * sizeof(batch[0]));
        memmove(n->queue, n->queue + k, (n->qlen - k) * sizeof(batch[0]));
        n->qlen -= k;
        pthread_mutex_unlock(&n->qlock);
        if (k == 0)
            break;
        for (unsigned i = 0; i < k; i++)
            submit(n, &batch[i]);
    }
}

/* ---- receiving ---- */

/* Every job is checked for the lab marker before a worker sees it; the first
 * job without it ends the miner (exit 3) with one line. */
static void set_job(struct miner_net *n, const struct stratum_job *sj)
{
    struct miner_job j;
    char why[160];
    if (stratum_lab_check(sj->blob, sj->blob_len, n->lab_run, why, sizeof(why))) {
        logf_("refusing to hash job %s from %s:%d: %s; stopping", sj->job_id,
              n->url.host, n->url.port, why);
        n->refused = 1;
        net_stop(n, 3, "job without the lab marker");
        return;
    }
    memset(&j, 0, sizeof(j));
    snprintf(j.job_id, sizeof(j.job_id), "%s", sj->job_id);
    memcpy(j.blob, sj->blob, sj->blob_len);
    j.blob_len = sj->blob_len;
    j.target64 = sj->target64;
    memcpy(j.seed_hash, sj->seed_hash, 32);
    j.height = sj->height;
    j.algo = n->opt->v2 ? MINER_ALGO_RX2 : MINER_ALGO_RX0;
    j.nicehash = n->opt->nicehash;
    snprintf(n->job_id, sizeof(n->job_id), "%s", sj->job_id);
    uint64_t diff = stratum_target64_to_diff(sj->target64);
    if (diff != n->difficulty || n->opt->verbose)
        logf_("new job from %s:%d diff %llu algo %s height %llu", n->url.host,
              n->url.port, (unsigned long long)diff, sj->algo,
              (unsigned long long)sj->height);
    n->difficulty = diff;
    n->be->set_job(n->backend, &j);
}

static void lab_refused(struct miner_net *n)
{
    logf_("pool did not send the lab handshake; refusing to hash");
    n->refused = 1;
    net_stop(n, 3, "no lab handshake");
}

static void on_login_result(struct miner_net *n, struct stratum_msg *m)
{
    struct stratum_login_result lr;
    char err[160];
    n->pending_login = 0;
    if (m->error || stratum_parse_login_result(m->result, &lr, err, sizeof(err))) {
        logf_("login failed: %s", m->error ? stratum_error_message(m->error) : err);
        mlconn_close(n->conn, "login failed");
        return;
    }
    if (!lr.lab) {
        lab_refused(n);
        return;
    }
    n->logged_in = 1;
    memcpy(n->lab_run, lr.lab_run, sizeof(n->lab_run));
    n->ext_algo = lr.ext_algo;
    snprintf(n->session_id, sizeof(n->session_id), "%s", lr.session_id);
    n->backoff_ms = BACKOFF_MIN_MS;
    logf_("logged in to lab pool %s %s (session %s)", lr.lab_name, lr.lab_version,
          lr.session_id);
    if (lr.has_job)
        set_job(n, &lr.job);
}

static void on_stratum_notify(struct miner_net *n, struct stratum_msg *m)
{
    char err[160];
    if (!strcmp(m->method, "job")) {
        struct stratum_job j;
        if (!n->logged_in)
            return;
        if (stratum_parse_job(m->params, &j, err, sizeof(err)))
            logf_("ignoring bad job: %s", err);
        else
            set_job(n, &j);
    } else if (!strcmp(m->method, "client.reconnect")) {
        logf_("pool asked to reconnect");
        mlconn_close(n->conn, "client.reconnect");
    }
}

static int on_stratum(struct miner_net *n, char *msg, size_t len)
{
    struct stratum_msg m;
    char err[160];
    if (stratum_parse(msg, len, &m, err, sizeof(err))) {
        logf_("bad message from pool: %s", err);
        return 0;
    }
    if (m.kind == STRATUM_RESPONSE && m.id == 1 && n->pending_login) {
        on_login_result(n, &m);
    } else if (m.kind == STRATUM_RESPONSE) {
        const char *status = json_string_value(json_object_get(m.result, "status"));
        if (status && !strcmp(status, "KEEPALIVED")) {
            /* keepalive answered */
        } else {
            answer_pending(n);
            if (m.error) {
                n->rejected++;
                logf_("rejected (%llu/%llu) %s", (unsigned long long)n->accepted,
                      (unsigned long long)n->rejected, stratum_error_message(m.error));
            } else {
                n->accepted++;
                n->hashes_accepted += n->difficulty;
                logf_("accepted (%llu/%llu) diff %llu", (unsigned long long)n->accepted,
                      (unsigned long long)n->rejected,
                      (unsigned long long)n->difficulty);
            }
        }
    } else {
        on_stratum_notify(n, &m);
    }
    stratum_msg_free(&m);
    return n->stopping;
}

/* The Coinhive-style lane over WebSocket. */
static int on_browser(struct miner_net *n, char *msg, size_t len)
{
    json_error_t jerr;
    char err[160];
    json_t *root = json_loadb(msg, len, 0, &jerr);
    const char *type = json_string_value(json_object_get(root, "type"));
    json_t *params = json_object_get(root, "params");
    if (!type) {
        logf_("bad message from pool");
    } else if (!strcmp(type, "authed")) {
        char name[64];
        n->pending_login = 0;
        if (stratum_parse_lab(json_object_get(params, "lab"), name, NULL, n->lab_run,
                              NULL, 0)) {
            lab_refused(n);
        } else {
            n->logged_in = 1;
            n->backoff_ms = BACKOFF_MIN_MS;
            logf_("authed by lab pool %s", name);
        }
    } else if (!strcmp(type, "job") && n->logged_in) {
        struct stratum_job j;
        if (stratum_parse_job(params, &j, err, sizeof(err)))
            logf_("ignoring bad job: %s", err);
        else
            set_job(n, &j);
    } else if (!strcmp(type, "hash_accepted")) {
        answer_pending(n);
        n->accepted++;
        n->hashes_accepted += n->difficulty;
        logf_("accepted (%llu/%llu) diff %llu", (unsigned long long)n->accepted,
              (unsigned long long)n->rejected, (unsigned long long)n->difficulty);
    } else if (!strcmp(type, "error")) {
        const char *e = json_string_value(json_object_get(params, "error"));
        if (n->pending_login) {
            logf_("auth failed: %s", e ? e : "?");
            mlconn_close(n->conn, "auth failed");
        } else {
            answer_pending(n);
            n->rejected++;
            logf_("rejected (%llu/%llu) %s", (unsigned long long)n->accepted,
                  (unsigned long long)n->rejected, e ? e : "?");
        }
    }
    json_decref(root);
    return n->stopping;
}

static int on_message(struct mlconn *c, char *msg, size_t len)
{
    struct miner_net *n = c->ud;
    n->last_recv_unix = ml_now_unix();
    if (n->opt->verbose)
        logf_("recv %.*s", (int)(len > 300 ? 300 : len), msg);
    return mlconn_uses_ws(n->url.transport) ? on_browser(n, msg, len)
                                            : on_stratum(n, msg, len);
}

static void on_ready(struct mlconn *c)
{
    struct miner_net *n = c->ud;
    const struct miner_options *o = n->opt;
    n->connected_unix = n->last_recv_unix = ml_now_unix();
    n->pending_login = 1;
    n->pending_submits = 0;
    n->oldest_pending_unix = ml_now_unix();
    n->next_id = 2;
    n->tls_desc[0] = '\0';
    if (mlconn_uses_tls(c->transport)) {
        char fp[65] = "?";
        tls_session_peer_fingerprint(&c->tls, fp);
        tls_session_describe(&c->tls, n->tls_desc, sizeof(n->tls_desc));
        logf_("TLS %s with %s sni %s fingerprint %s", n->tls_desc, c->peer,
              tls_session_sni(&c->tls) ? tls_session_sni(&c->tls) : "-", fp);
    }
    logf_("connected to %s (%s)", c->peer, mlconn_transport_name(c->transport));
    const char *only[] = {miner_net_algo(n), NULL};
    if (mlconn_uses_ws(c->transport))
        send_json(n, json_pack("{s:s,s:{s:s,s:s,s:s,s:s}}", "type", "auth", "params",
                               "site_key", o->user, "user", o->pass, "algo",
                               miner_net_algo(n), "agent", n->agent));
    else
        send_line(n, stratum_encode_login(o->user, o->pass, n->agent, o->rig_id,
                                          o->login_algo_only ? only : NULL));
}

static void on_reconnect_timer(uv_timer_t *t)
{
    net_connect(t->data);
}

static void on_close(struct mlconn *c, const char *reason)
{
    struct miner_net *n = c->ud;
    if (n->conn == c)
        n->conn = NULL;
    n->logged_in = 0;
    n->job_id[0] = '\0';
    if (n->backend)
        n->be->pause(n->backend);
    if (n->draining)
        net_stop(n, 0, n->drain_reason);
    if (n->stopping)
        return;
    n->failures++;
    logf_("connection to %s:%d closed (%s); retrying in %u ms", n->url.host,
          n->url.port, reason, n->backoff_ms);
    uv_timer_start(&n->reconnect, on_reconnect_timer, n->backoff_ms, 0);
    n->backoff_ms =
        n->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : n->backoff_ms * 2;
}

static const struct mlconn_callbacks client_cbs = {
    .on_ready = on_ready,
    .on_message = on_message,
    .on_close = on_close,
};

/* Every connect after the first looks a name up again, as XMRig does, so
 * the lab DNS sees a query per connection. 0, or non-zero when no connect
 * should follow now (stopped, or retry scheduled). */
static int reresolve(struct miner_net *n)
{
    char err[300];
    if (!n->by_name || n->connects++ == 0)
        return 0;
    int rc = resolve(n->opt, &n->url, &n->addr, err, sizeof(err));
    if (rc == -EPERM) {
        logf_("%s", err);
        net_stop(n, 2, "lab DNS answer refused");
    } else if (rc) {
        logf_("%s; retrying in %u ms", err, n->backoff_ms);
        uv_timer_start(&n->reconnect, on_reconnect_timer, n->backoff_ms, 0);
        n->backoff_ms =
            n->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : n->backoff_ms * 2;
    }
    return rc;
}

static void net_connect(struct miner_net *n)
{
    if (n->stopping || n->conn || reresolve(n))
        return;
    struct mlconn *c =
        mlconn_new(n->loop, n->url.transport, 0, n->tls_ctx, 0, &client_cbs, n);
    if (!c) {
        net_stop(n, 1, "out of memory");
        return;
    }
    n->conn = c;
    n->connected_unix = ml_now_unix(); /* connect timeout counts from here */
    n->oldest_pending_unix = n->connected_unix;
    n->pending_login = 1;
    snprintf(c->tls_pin, sizeof(c->tls_pin), "%s", n->opt->tls_fingerprint);
    mlconn_connect(c, (struct sockaddr *)&n->addr, n->url.host, n->url.path);
}

/* --print-time: XMRig's periodic "speed" line. */
static void print_speed(struct miner_net *n)
{
    struct backend_stats st;
    n->be->stats(n->backend, &st);
    logf_("speed 10s/60s/15m %.1f %.1f %.1f H/s, duty %d%%, hashes %llu",
          st.hashrate[0], st.hashrate[1], st.hashrate[2], st.duty_pct,
          (unsigned long long)st.hashes);
}

/* Once a second: hash-rate line, response timeout, keepalive, connect timeout. */
static void on_tick(uv_timer_t *t)
{
    struct miner_net *n = t->data;
    double now = ml_now_unix();
    if (n->opt->print_time_s && ++n->ticks % (unsigned)n->opt->print_time_s == 0)
        print_speed(n);
    struct mlconn *c = n->conn;
    if (!c || c->closing)
        return;
    if (!c->ready && now - n->connected_unix > RESPONSE_TIMEOUT_S) {
        mlconn_close(c, "connect timeout");
    } else if ((n->pending_login || n->pending_submits) &&
               now - n->oldest_pending_unix > RESPONSE_TIMEOUT_S) {
        mlconn_close(c, "response timeout");
    } else if (n->logged_in && !mlconn_uses_ws(c->transport) &&
               now - n->last_send_unix > KEEPALIVE_S &&
               now - n->last_recv_unix > KEEPALIVE_S) {
        send_line(n, stratum_encode_keepalived(n->next_id++, n->session_id));
    }
}

static void net_stop(struct miner_net *n, int code, const char *why)
{
    if (n->stopping)
        return;
    n->stopping = 1;
    n->exit_code = code;
    if (n->opt->verbose || (code && !n->refused)) /* a refusal said it already */
        logf_("stopping: %s", why);
    if (n->conn)
        mlconn_close(n->conn, why);
    uv_stop(n->loop);
}

#define DRAIN_MS 300

static void on_drain_timer(uv_timer_t *t)
{
    struct miner_net *n = t->data;
    net_stop(n, 0, n->drain_reason);
}

/* A requested stop: hashing stops now; answers to shares already submitted
 * get up to DRAIN_MS so that the summary counts them (answer_pending ends
 * the wait early). */
static void request_stop(struct miner_net *n, const char *why)
{
    if (n->stopping || n->draining)
        return;
    if (!n->conn || !n->logged_in || n->pending_submits == 0) {
        net_stop(n, 0, why);
        return;
    }
    n->draining = 1;
    snprintf(n->drain_reason, sizeof(n->drain_reason), "%s", why);
    if (n->backend)
        n->be->pause(n->backend);
    uv_timer_start(&n->stop_timer, on_drain_timer, DRAIN_MS, 0);
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct miner_net *n = s->data;
    if (n->draining) /* a second signal: stop at once */
        net_stop(n, 0, n->drain_reason);
    else
        request_stop(n, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static void on_max_duration(uv_timer_t *t)
{
    request_stop(t->data, "--max-duration reached");
}

static void print_summary(struct miner_net *n)
{
    struct backend_stats st;
    memset(&st, 0, sizeof(st));
    if (n->backend)
        n->be->stats(n->backend, &st);
    printf("summary: hashes %llu hashrate 10s/60s/15m %.1f %.1f %.1f H/s shares "
           "accepted %llu rejected %llu submitted %llu pool %s:%d %s uptime %.1f s\n",
           (unsigned long long)st.hashes, st.hashrate[0], st.hashrate[1],
           st.hashrate[2], (unsigned long long)n->accepted,
           (unsigned long long)n->rejected, (unsigned long long)n->submitted,
           n->url.host, n->url.port, mlconn_transport_name(n->url.transport),
           ml_now_unix() - n->started_unix);
    fflush(stdout);
}

static void init_handles(struct miner_net *n)
{
    const struct miner_options *o = n->opt;
    uv_async_init(n->loop, &n->async, on_async);
    n->async.data = n;
    uv_timer_init(n->loop, &n->tick);
    uv_timer_init(n->loop, &n->reconnect);
    uv_timer_init(n->loop, &n->stop_timer);
    n->tick.data = n->reconnect.data = n->stop_timer.data = n;
    uv_timer_start(&n->tick, on_tick, 1000, 1000);
    /* Always set: without --max-duration the default lifetime applies. */
    uv_timer_start(&n->stop_timer, on_max_duration,
                   (uint64_t)(o->max_duration_s * 1000), 0);
    if (!o->max_duration_given)
        logf_("no --max-duration: stopping after the default lifetime of %.0f s",
              o->max_duration_s);
    uv_signal_init(n->loop, &n->sigint);
    uv_signal_init(n->loop, &n->sigterm);
    n->sigint.data = n->sigterm.data = n;
    uv_signal_start(&n->sigint, on_signal, SIGINT);
    uv_signal_start(&n->sigterm, on_signal, SIGTERM);
}

/* Validates the URL and the lab guard; 0 or an exit code. */
static int check_target(struct miner_net *n)
{
    char err[300];
    const struct miner_options *o = n->opt;
    if (miner_url_parse(o->url, o->tls, &n->url, err, sizeof(err)) ||
        (o->lab_dns[0] &&
         labdns_check_server(o->lab_dns, o->lab_net, err, sizeof(err))) ||
        resolve(o, &n->url, &n->addr, err, sizeof(err)) ||
        netguard_check((struct sockaddr *)&n->addr, o->lab_net, err, sizeof(err))) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        return 2;
    }
    n->by_name = strcmp(n->url.host, "localhost") && !labdns_is_numeric(n->url.host);
    return 0;
}

int miner_net_dry_run(const struct miner_options *opt)
{
    struct miner_net n;
    memset(&n, 0, sizeof(n));
    n.opt = opt;
    char addr[80], err[300];
    struct sockaddr_storage api;
    int rc = check_target(&n);
    if (rc)
        return rc;
    if (opt->api[0] && miner_api_resolve(opt, &api, err, sizeof(err))) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        return 2;
    }
    printf("dry run: pool %s %s, lab-net %s, lifetime %.0f s (%s), stops by %.0f (Unix "
           "time), api %s%s\n",
           netguard_format((struct sockaddr *)&n.addr, addr, sizeof(addr)),
           mlconn_transport_name(n.url.transport),
           opt->lab_net[0] ? opt->lab_net : "none", opt->max_duration_s,
           opt->max_duration_given ? "--max-duration" : "default",
           ml_now_unix() + opt->max_duration_s, opt->api[0] ? opt->api : "off",
           opt->api[0] ? (opt->api_token[0] ? " (token set)" : " (read-only)") : "");
    return 0;
}

int miner_net_run(const struct miner_options *opt)
{
    struct miner_net *n = calloc(1, sizeof(*n));
    char err[300];
    int rc;
    struct backend_config cfg;
    if (!n)
        return 1;
    n->opt = opt;
    n->started_unix = ml_now_unix();
    n->backoff_ms = BACKOFF_MIN_MS;
    pthread_mutex_init(&n->qlock, NULL);
    if ((rc = check_target(n)))
        goto out;
    rc = 1;
    signal(SIGPIPE, SIG_IGN);
    if (opt->user_agent[0])
        snprintf(n->agent, sizeof(n->agent), "%s", opt->user_agent);
    else
        default_agent(n->agent, sizeof(n->agent));
    if (mlconn_uses_tls(n->url.transport) &&
        tlsctx_client(&n->tls_ctx, err, sizeof(err))) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        goto out;
    }
    n->loop = uv_default_loop();
    if (opt->api[0] && miner_api_start(n, err, sizeof(err))) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        rc = 2;
        goto out_loop;
    }
    n->be = backend_find(opt->backend, err, sizeof(err));
    miner_backend_config(opt, &cfg);
    if (!n->be || n->be->create(&cfg, on_result, n, &n->backend, err, sizeof(err))) {
        fprintf(stderr, "minerlab-miner: %s\n", err);
        n->backend = NULL;
        goto out_loop;
    }
    init_handles(n);
    net_connect(n);
    uv_run(n->loop, UV_RUN_DEFAULT);
    rc = n->exit_code;
    if (n->refused) {
        /* A safety refusal ends the process at once: joining the workers
         * could wait seconds for a cache being keyed, and no job can reach
         * them any more. The kernel reclaims the rest. */
        print_summary(n);
        fflush(stderr);
        _exit(rc);
    }
out_loop:
    if (n->backend) {
        n->be->stop(n->backend);
        on_async(&n->async); /* nothing can be submitted now; empties queue */
    }
    print_summary(n);
    mlconn_loop_shutdown(n->loop, 0);
    uv_loop_close(n->loop);
    if (n->backend)
        n->be->destroy(n->backend);
out:
    if (n->tls_ctx)
        SSL_CTX_free(n->tls_ctx);
    pthread_mutex_destroy(&n->qlock);
    free(n);
    return rc;
}
