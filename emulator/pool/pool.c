/* The pool's loop: listeners, job templates, timers, signals, shutdown. */
#include <errno.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "hostport.h"
#include "ml_util.h"
#include "netguard.h"
#include "pool_int.h"

static const struct mlconn_callbacks session_cbs = {
    .on_message = pool_session_message,
    .on_close = pool_session_closed,
    .on_http = pool_http_request,
};

static void on_ready(struct mlconn *c)
{
    struct pool_session *s = c->ud;
    if (mlconn_uses_tls(c->transport)) {
        char d[128];
        const char *sni = tls_session_sni(&c->tls);
        tls_session_describe(&c->tls, d, sizeof(d));
        pool_event(s->pool, "tls_handshake", c,
                   json_pack("{s:s,s:s?}", "cipher", d, "sni", sni));
    }
    if (mlconn_uses_ws(c->transport))
        pool_event(s->pool, "ws_upgrade", c, json_pack("{s:s}", "path", c->path));
}

static const struct mlconn_callbacks session_cbs_ready = {
    .on_ready = on_ready,
    .on_message = pool_session_message,
    .on_close = pool_session_closed,
    .on_http = pool_http_request,
};

static void api_closed(struct mlconn *c, const char *reason)
{
    struct pool *p = c->ud;
    if (p && p->api_conns)
        p->api_conns--;
}

/* Open API connections, those being closed not counted (their close
 * callbacks, which keep api_conns, may run after the next accept). */
static void count_api(uv_handle_t *h, void *arg)
{
    struct mlconn *c = mlconn_of_handle(h);
    if (c && c->transport == MLCONN_HTTP && !c->closing && c->ud)
        ++*(unsigned *)arg;
}

/* A connection refused at accept: closed before it is read, and logged. */
static void refuse(struct pool *p, struct mlconn *c, const char *why)
{
    p->refused_conns++;
    pool_event(p, "conn_refused", c, json_pack("{s:s}", "reason", why));
    c->ud = NULL; /* no session, not counted: on_close has nothing to undo */
    mlconn_close(c, why);
}

static const struct mlconn_callbacks api_cbs = {
    .on_close = api_closed,
    .on_http = pool_http_request,
};

static void on_connection(uv_stream_t *server, int status)
{
    struct pool_listener *l = server->data;
    struct pool *p = l->pool;
    if (status < 0 || p->stopping)
        return;
    const struct mlconn_callbacks *cb = l->transport == MLCONN_HTTP ? &api_cbs
                                        : l->transport == MLCONN_TCP
                                            ? &session_cbs
                                            : &session_cbs_ready;
    struct mlconn *c =
        mlconn_new(p->loop, l->transport, 1, p->tls_ctx, p->cfg->max_line, cb, p);
    if (!c)
        return;
    if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
        c->ud = NULL;
        mlconn_close(c, "accept failed");
        return;
    }
    c->id = ++p->next_conn_id;
    mlconn_update_names(c);
    if (l->transport == MLCONN_HTTP) {
        unsigned open_api = 0; /* c itself included */
        if (p->api_conns >= (unsigned)p->cfg->api_max_conns)
            uv_walk(p->loop, count_api, &open_api);
        if (open_api > (unsigned)p->cfg->api_max_conns) {
            refuse(p, c, "too many API connections");
            return;
        }
        c->ud = p;
        p->api_conns++;
        mlconn_start_server(c);
        return;
    }
    char ip[80];
    pool_peer_ip(c->peer, ip, sizeof(ip));
    if (pool_is_banned(p, ip, NULL)) {
        refuse(p, c, "IP banned");
        return;
    }
    struct pool_ip *e = pool_ip_get(p, ip);
    if (p->cfg->max_conns_per_ip && e &&
        e->conns >= (unsigned)p->cfg->max_conns_per_ip) {
        refuse(p, c, "too many connections from this IP");
        return;
    }
    pool_session_open(p, c);
    if (c->ud) /* the session may have refused the connection */
        mlconn_start_server(c);
}

static int parse_hostport(const char *s, struct sockaddr_storage *ss, char *err,
                          size_t errlen)
{
    char host[128];
    long port;
    if (hostport_split(s, host, sizeof(host), 0, &port))
        return ml_err(err, errlen, -EINVAL, "bad HOST:PORT '%s'", s);
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) &&
        uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss))
        return ml_err(err, errlen, -EINVAL, "'%s' is not a numeric IP address", host);
    return 0;
}

static int add_listener(struct pool *p, const char *addr, enum mlconn_transport t,
                        char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int rc = parse_hostport(addr, &ss, err, errlen);
    if (rc)
        return rc;
    struct pool_listener *l = &p->listeners[p->n_listeners];
    l->pool = p;
    l->transport = t;
    uv_tcp_init(p->loop, &l->tcp);
    l->tcp.data = l;
    p->n_listeners++;
    if ((rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0)) ||
        (rc = uv_listen((uv_stream_t *)&l->tcp, 4096, on_connection)))
        return ml_err(err, errlen, rc, "cannot listen on %s: %s", addr,
                      uv_strerror(rc));
    int len = sizeof(ss);
    uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len);
    netguard_format((struct sockaddr *)&ss, l->addr, sizeof(l->addr));
    const char *name = t == MLCONN_HTTP ? "api" : mlconn_transport_name(t);
    printf("listening %s %s\n", name, l->addr);
    fflush(stdout);
    pool_event(p, "listen", NULL,
               json_pack("{s:s,s:s}", "transport", name, "local", l->addr));
    return 0;
}

/* A fresh template: random blob (nonce bytes zero) carrying the lab marker in
 * its previous-block hash, rising height. */
static void make_template(struct pool *p, int new_seed)
{
    struct pool_template *t = &p->tmpl;
    t->seq++;
    t->height = t->height ? t->height + 1 : 3000000 + (uint64_t)(ml_mono_ns() % 1000);
    RAND_bytes(t->blob, POOL_BLOB_LEN);
    t->blob[0] = 16; /* major version, like a Monero block header */
    t->blob[1] = 16;
    memset(t->blob + STRATUM_NONCE_OFFSET, 0, 4);
    stratum_lab_mark(t->blob, POOL_BLOB_LEN, p->lab_run);
    if (new_seed)
        RAND_bytes(t->seed, 32);
}

void pool_new_template(struct pool *p, int new_seed)
{
    make_template(p, new_seed);
    char seed_hex[65];
    ml_hex_encode(p->tmpl.seed, 32, seed_hex);
    pool_event(p, "template", NULL,
               json_pack("{s:I,s:s,s:b}", "height", (json_int_t)p->tmpl.height,
                         "seed_hash", seed_hex, "seed_rotated", new_seed));
    double t0 = ml_now_unix();
    uint64_t cpu0 = ml_thread_cpu_ns();
    uint64_t n = 0;
    /* Everyone gets the job first; the events follow, each with the time
     * its job went out, so logging does not delay the last sessions. */
    for (struct pool_session *s = p->sessions.next; s != &p->sessions; s = s->next)
        if (s->logged_in && s->conn) {
            pool_session_send_job(s, 0, -1, 0);
            n++;
        }
    double sent = ml_now_unix();
    uint64_t cpu_sent = ml_thread_cpu_ns();
    for (struct pool_session *s = p->sessions.next; s != &p->sessions; s = s->next)
        if (s->logged_in && s->conn)
            pool_session_log_job(s);
    if (n)
        pool_event(p, "broadcast", NULL,
                   json_pack("{s:I,s:f,s:f,s:f}", "sessions", (json_int_t)n,
                             "duration_s", sent - t0, "cpu_s",
                             (double)(cpu_sent - cpu0) / 1e9, "logging_s",
                             ml_now_unix() - sent));
}

static void on_job_timer(uv_timer_t *t)
{
    pool_new_template(t->data, 0);
}

static void on_seed_timer(uv_timer_t *t)
{
    pool_new_template(t->data, 1);
}

/* API connections live at most api_idle_s (request and reply included). */
static void api_sweep(uv_handle_t *h, void *arg)
{
    struct mlconn *c = mlconn_of_handle(h);
    struct pool *p = arg;
    if (c && c->transport == MLCONN_HTTP && !c->closing &&
        ml_now_unix() - c->opened_unix > p->cfg->api_idle_s)
        mlconn_close(c, "API connection timeout");
}

/* Once a second: handshakes and logins that never finish, idle sessions,
 * API connections, expired bans. */
static void on_sweep(uv_timer_t *t)
{
    struct pool *p = t->data;
    double now = ml_now_unix();
    const struct pool_config *cfg = p->cfg;
    for (struct pool_session *s = p->sessions.next; s != &p->sessions; s = s->next) {
        struct mlconn *c = s->conn;
        if (!c || c->closing)
            continue;
        if (c->draining) { /* an HTTP reply on its way out */
            if (now - c->drain_unix > POOL_DRAIN_TIMEOUT_S)
                mlconn_close(c, "reply not read in time");
            continue;
        }
        if (!c->ready && now - c->opened_unix > cfg->handshake_timeout_s)
            mlconn_close(c, "handshake timeout");
        else if (!s->logged_in && now - c->opened_unix > cfg->login_timeout_s)
            mlconn_close(c, "login timeout");
        else if (s->logged_in && now - s->last_rx_unix > cfg->idle_timeout_s)
            mlconn_close(c, "idle timeout");
    }
    if (p->api_conns)
        uv_walk(p->loop, api_sweep, p);
    size_t k = 0;
    for (size_t i = 0; i < p->n_bans; i++)
        if (p->bans[i].until_unix > now)
            p->bans[k++] = p->bans[i];
    p->n_bans = k;
}

static void on_flush(uv_timer_t *t)
{
    pool_events_flush(t->data);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    struct pool *p = sig->data;
    if (p->stopping)
        return;
    p->stopping = 1;
    pool_event(p, "stop", NULL, json_pack("{s:i}", "signal", signum));
    for (struct pool_session *s = p->sessions.next; s != &p->sessions; s = s->next)
        if (s->conn)
            mlconn_close(s->conn, "pool shutting down");
    uv_stop(p->loop);
}

static void start_timer(struct pool *p, uv_timer_t *t, uv_timer_cb cb, double s)
{
    uv_timer_init(p->loop, t);
    t->data = p;
    if (s > 0)
        uv_timer_start(t, cb, (uint64_t)(s * 1000), (uint64_t)(s * 1000));
}

static int open_all(struct pool *p, char *err, size_t errlen)
{
    const struct pool_config *cfg = p->cfg;
    int rc = 0;
    if (cfg->n_tls_listen || cfg->n_wss_listen) {
        if ((rc = tlsctx_server(cfg->cert, cfg->key, &p->tls_ctx, p->tls_fingerprint,
                                err, errlen)))
            return rc;
        printf("tls fingerprint sha256 %s\n", p->tls_fingerprint);
        for (int i = 0; i < cfg->n_sni; i++) {
            char fp[65];
            const struct pool_sni_cert *e = &cfg->sni[i];
            if ((rc = tlsctx_server_add_sni(p->tls_ctx, e->name, e->cert, e->key, fp,
                                            err, errlen)))
                return rc;
            printf("tls sni %s fingerprint sha256 %s\n", e->name, fp);
        }
    }
    for (int i = 0; !rc && i < cfg->n_listen; i++)
        rc = add_listener(p, cfg->listen[i], MLCONN_TCP, err, errlen);
    for (int i = 0; !rc && i < cfg->n_tls_listen; i++)
        rc = add_listener(p, cfg->tls_listen[i], MLCONN_TLS, err, errlen);
    for (int i = 0; !rc && i < cfg->n_ws_listen; i++)
        rc = add_listener(p, cfg->ws_listen[i], MLCONN_WS, err, errlen);
    for (int i = 0; !rc && i < cfg->n_wss_listen; i++)
        rc = add_listener(p, cfg->wss_listen[i], MLCONN_WSS, err, errlen);
    if (!rc && cfg->api[0])
        rc = add_listener(p, cfg->api, MLCONN_HTTP, err, errlen);
    return rc;
}

int pool_run(const struct pool_config *cfg)
{
    struct pool *p = calloc(1, sizeof(*p));
    char err[256] = "";
    int rc = 1;
    char vt[16];
    if (!p)
        return 1;
    /* libuv reads this once, at the first uv_queue_work. */
    snprintf(vt, sizeof(vt), "%d", cfg->verify_threads > 0 ? cfg->verify_threads : 2);
    setenv("UV_THREADPOOL_SIZE", vt, 1);
    signal(SIGPIPE, SIG_IGN);
    /* Thousands of sessions need more descriptors than the usual soft 1024. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    p->cfg = cfg;
    p->loop = uv_default_loop();
    p->sessions.next = p->sessions.prev = &p->sessions;
    p->started_unix = ml_now_unix();
    if (cfg->events[0] && !(p->events = fopen(cfg->events, "a"))) {
        fprintf(stderr, "minerlab-pool: cannot open %s: %s\n", cfg->events,
                strerror(errno));
        goto out;
    }
    RAND_bytes(p->lab_run, sizeof(p->lab_run));
    make_template(p, 1);
    if (cfg->verify != POOL_VERIFY_NONE && pool_verifier_create(p, err, sizeof(err))) {
        fprintf(stderr, "minerlab-pool: %s\n", err);
        goto out;
    }
    if (open_all(p, err, sizeof(err))) {
        fprintf(stderr, "minerlab-pool: %s\n", err);
        goto out;
    }
    fflush(stdout);
    pool_event(p, "start", NULL,
               json_pack("{s:s,s:I,s:b,s:s}", "version", MINERLAB_VERSION, "difficulty",
                         (json_int_t)cfg->difficulty, "vardiff", cfg->vardiff, "verify",
                         cfg->verify == POOL_VERIFY_ALL      ? "all"
                         : cfg->verify == POOL_VERIFY_SAMPLE ? "sample"
                                                             : "none"));
    start_timer(p, &p->job_timer, on_job_timer, cfg->job_interval_s);
    start_timer(p, &p->seed_timer, on_seed_timer, cfg->seed_rotate_s);
    start_timer(p, &p->sweep_timer, on_sweep, 1.0);
    start_timer(p, &p->flush_timer, on_flush, 0.25);
    uv_signal_init(p->loop, &p->sigint);
    uv_signal_init(p->loop, &p->sigterm);
    p->sigint.data = p->sigterm.data = p;
    uv_signal_start(&p->sigint, on_signal, SIGINT);
    uv_signal_start(&p->sigterm, on_signal, SIGTERM);
    uv_run(p->loop, UV_RUN_DEFAULT);
    rc = 0;
out:
    /* From here every event is flushed as it is written (the flush timer is
     * about to close): conn_close and cancelled shares reach the disk even
     * if the harness has to kill us half-way. Queued verifications are
     * cancelled, running ones get up to 1.5 s, inside the harness's
     * patience (a re-key on a loaded box can take longer: then the
     * verifier is left to the process exit rather than delay the stop). */
    p->stopping = 1;
    pool_events_flush(p);
    pool_verifier_cancel(p->verifier);
    int drained = mlconn_loop_shutdown(p->loop, POOL_STOP_WAIT_MS) == 0;
    pool_event(p, "exit", NULL,
               json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "accepted",
                         (json_int_t)p->accepted, "rejected", (json_int_t)p->rejected,
                         "unverified", (json_int_t)p->unverified, "not_verified",
                         (json_int_t)p->not_verified, "refused_conns",
                         (json_int_t)p->refused_conns, "events_dropped",
                         (json_int_t)p->events_dropped, "event_write_errors",
                         (json_int_t)p->events_errors, "drained", drained));
    if (!cfg->quiet)
        fprintf(stderr,
                "minerlab-pool: %llu accepted (%llu unverified), %llu rejected, %llu "
                "verified\n",
                (unsigned long long)p->accepted, (unsigned long long)p->unverified,
                (unsigned long long)p->rejected, (unsigned long long)p->verified);
    if (p->events && fclose(p->events) != 0) {
        p->events_errors++;
        fprintf(stderr, "minerlab-pool: %s: cannot write events: %s\n", cfg->events,
                strerror(errno));
    }
    p->events = NULL;
    if (p->events_dropped || p->events_errors)
        fprintf(stderr,
                "minerlab-pool: event log: %llu events dropped past --events-max-mb, "
                "%llu write errors\n",
                (unsigned long long)p->events_dropped,
                (unsigned long long)p->events_errors);
    if (p->events_errors && !rc)
        rc = 3; /* ground truth incomplete */
    if (!drained) {
        /* Worker threads still use p and the verifier. Leave without
         * running exit handlers: libuv's destructor joins its thread pool,
         * so exit() would wait for verifications that niced threads on a
         * loaded box can take many seconds to finish (seen: over 20 s under
         * ASan in CI), and LeakSanitizer would scan the live caches. */
        fflush(NULL);
        _exit(rc);
    }
    pool_verifier_destroy(p->verifier);
    if (p->tls_ctx)
        SSL_CTX_free(p->tls_ctx);
    free(p->bans);
    free(p->ips);
    uv_loop_close(p->loop);
    free(p);
    return rc;
}
