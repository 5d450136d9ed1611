#include "mlconn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ml_util.h"
#include "netguard.h"

#define HTTP_BODY_MAX 65536

struct wreq {
    uv_write_t req;
    size_t len;
    char data[];
};

/* Reads are consumed synchronously, so one buffer per loop thread is enough. */
static _Thread_local char read_buf[65536];

const char *mlconn_transport_name(enum mlconn_transport t)
{
    static const char *names[] = {"tcp", "tls", "ws", "http", "wss"};
    return (unsigned)t < 5 ? names[t] : "?";
}

int mlconn_uses_tls(enum mlconn_transport t)
{
    return t == MLCONN_TLS || t == MLCONN_WSS;
}

int mlconn_uses_ws(enum mlconn_transport t)
{
    return t == MLCONN_WS || t == MLCONN_WSS;
}

struct mlconn *mlconn_of_handle(uv_handle_t *h)
{
    struct mlconn *c = h->data;
    if (h->type != UV_TCP || (void *)c != (void *)h || c->magic != MLCONN_MAGIC)
        return NULL;
    return c;
}

struct mlconn *mlconn_new(uv_loop_t *loop, enum mlconn_transport t, int server,
                          SSL_CTX *tls_ctx, size_t max_line,
                          const struct mlconn_callbacks *cb, void *ud)
{
    struct mlconn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (uv_tcp_init(loop, &c->tcp)) {
        free(c);
        return NULL;
    }
    c->tcp.data = c;
    c->magic = MLCONN_MAGIC;
    c->transport = t;
    c->server = server;
    c->cb = cb;
    c->ud = ud;
    c->opened_unix = ml_now_unix();
    linereader_init(&c->lr, max_line);
    ws_parser_init(&c->wp, server, max_line ? max_line : LINEREADER_DEFAULT_MAX);
    c->http_mode = (mlconn_uses_ws(t) || t == MLCONN_HTTP);
    c->tls_ctx = tls_ctx;
    if (mlconn_uses_tls(t) && server && tls_session_init(&c->tls, tls_ctx, 1, NULL)) {
        uv_close((uv_handle_t *)&c->tcp, (uv_close_cb)free);
        return NULL;
    }
    snprintf(c->peer, sizeof(c->peer), "?");
    snprintf(c->local, sizeof(c->local), "?");
    return c;
}

static void on_closed(uv_handle_t *h)
{
    struct mlconn *c = h->data;
    if (c->cb && c->cb->on_close)
        c->cb->on_close(c, c->close_reason[0] ? c->close_reason : "closed");
    tls_session_free(&c->tls);
    linereader_free(&c->lr);
    ws_parser_free(&c->wp);
    free(c->http_buf);
    free(c);
}

/* Queues bytes on the socket as they are; no checks, no close on failure
 * (the caller decides). 0 or a libuv error. */
static int queue_write(struct mlconn *c, const void *data, size_t len);
static int send_plain_or_tls(struct mlconn *c, const void *data, size_t len);

void mlconn_close(struct mlconn *c, const char *reason)
{
    if (c->closing)
        return;
    /* Closing first: every write below, and any failure it reports, must see
     * a connection that is already closing (a failed write used to call back
     * in here, and a peer that stopped reading recursed us to a stack
     * overflow). */
    c->closing = 1;
    snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
    /* The close frame only goes out when nothing is queued before it: uv_close
     * cancels queued writes, so a frame behind a full queue would never be
     * sent and only cost memory. */
    if (mlconn_uses_ws(c->transport) && c->ready && !c->http_mode &&
        c->tcp.write_queue_size == 0) {
        size_t n;
        uint8_t *f = ws_frame(WS_CLOSE, "\x03\xe8", 2, !c->server, &n);
        if (f) {
            send_plain_or_tls(c, f, n);
            free(f);
        }
    }
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_drained(uv_shutdown_t *req, int status)
{
    struct mlconn *c = req->handle->data;
    (void)status;
    /* Cancelled when the connection was closed meanwhile (it is still valid:
     * on_closed runs after this). */
    if (!c->closing)
        mlconn_close(c, c->drain_reason);
}

void mlconn_close_after_send(struct mlconn *c, const char *reason)
{
    if (c->closing || c->draining)
        return;
    c->draining = 1;
    c->drain_unix = ml_now_unix();
    snprintf(c->drain_reason, sizeof(c->drain_reason), "%s", reason);
    uv_read_stop((uv_stream_t *)&c->tcp);
    /* uv_shutdown completes once every queued write has gone out. */
    if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_drained))
        mlconn_close(c, reason);
}

static void on_written(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;
    struct mlconn *c = req->handle->data;
    if (status < 0 && !c->closing)
        mlconn_close(c, uv_strerror(status));
    free(w);
}

static int queue_write(struct mlconn *c, const void *data, size_t len)
{
    struct wreq *w = malloc(sizeof(*w) + len);
    if (!w)
        return UV_ENOMEM;
    memcpy(w->data, data, len);
    w->len = len;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc) {
        free(w);
        return rc;
    }
    c->bytes_out += len;
    return 0;
}

/* Writes bytes straight to the socket (already encrypted if TLS). */
static int write_socket(struct mlconn *c, const void *data, size_t len)
{
    if (c->closing || c->draining)
        return -ENOTCONN;
    if (c->tcp.write_queue_size > MLCONN_MAX_WRITE_QUEUE) {
        mlconn_close(c, "peer stopped reading (write queue full)");
        return -ENOBUFS;
    }
    int rc = queue_write(c, data, len);
    if (rc)
        mlconn_close(c, uv_strerror(rc));
    return rc;
}

/* The close frame's path: through TLS when used, straight onto the socket,
 * never closing (the connection is closing already). */
static int send_plain_or_tls(struct mlconn *c, const void *data, size_t len)
{
    if (c->transport != MLCONN_TLS)
        return queue_write(c, data, len);
    if (tls_session_write(&c->tls, data, len))
        return -EPROTO;
    size_t n;
    char *out = tls_session_take_output(&c->tls, &n);
    if (!out)
        return 0;
    int rc = queue_write(c, out, n);
    free(out);
    return rc;
}

static int flush_tls(struct mlconn *c)
{
    size_t n;
    char *out = tls_session_take_output(&c->tls, &n);
    if (!out)
        return 0;
    int rc = write_socket(c, out, n);
    free(out);
    return rc;
}

int mlconn_send_raw(struct mlconn *c, const void *data, size_t len)
{
    if (c->closing || c->draining)
        return -ENOTCONN;
    if (!mlconn_uses_tls(c->transport))
        return write_socket(c, data, len);
    if (tls_session_write(&c->tls, data, len))
        return -EPROTO;
    return flush_tls(c);
}

int mlconn_send(struct mlconn *c, const char *msg, size_t len)
{
    if (c->closing || !c->ready)
        return -ENOTCONN;
    if (mlconn_uses_ws(c->transport)) {
        size_t n;
        uint8_t *f = ws_frame(WS_TEXT, msg, len, !c->server, &n);
        if (!f)
            return -ENOMEM;
        int rc = mlconn_send_raw(c, f, n);
        free(f);
        return rc;
    }
    char stackbuf[1024];
    char *buf = len < sizeof(stackbuf) ? stackbuf : malloc(len + 1);
    if (!buf)
        return -ENOMEM;
    memcpy(buf, msg, len);
    buf[len] = '\n';
    int rc = mlconn_send_raw(c, buf, len + 1);
    if (buf != stackbuf)
        free(buf);
    return rc;
}

static void become_ready(struct mlconn *c)
{
    c->ready = 1;
    if (c->cb->on_ready)
        c->cb->on_ready(c);
}

static int on_line(void *ud, char *line, size_t len)
{
    struct mlconn *c = ud;
    if (c->closing)
        return 1;
    int rc = c->cb->on_message ? c->cb->on_message(c, line, len) : 0;
    return rc || c->closing;
}

static int on_ws(void *ud, enum ws_opcode op, char *payload, size_t len)
{
    struct mlconn *c = ud;
    if (c->closing)
        return 1;
    switch (op) {
    case WS_TEXT:
    case WS_BINARY:
        return on_line(c, payload, len);
    case WS_PING: {
        size_t n;
        uint8_t *f = ws_frame(WS_PONG, payload, len, !c->server, &n);
        if (f) {
            mlconn_send_raw(c, f, n);
            free(f);
        }
        return 0;
    }
    case WS_CLOSE:
        mlconn_close(c, "WebSocket close from peer");
        return 1;
    default:
        return 0;
    }
}

static int feed_framed(struct mlconn *c, const char *data, size_t len)
{
    char err[160];
    int rc;
    if (mlconn_uses_ws(c->transport))
        rc = ws_parser_feed(&c->wp, data, len, on_ws, c, err, sizeof(err));
    else
        rc = linereader_feed(&c->lr, data, len, on_line, c, err, sizeof(err));
    if (rc < 0) {
        mlconn_close(c, err);
        return rc;
    }
    return rc;
}

/* Server side: answers the upgrade and switches to WebSocket frames. */
static int server_upgrade(struct mlconn *c, const struct http_head *h)
{
    char accept[29];
    char resp[256];
    if (!h->ws_key[0] || ws_accept_key(h->ws_key, accept)) {
        static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                  "Connection: close\r\n\r\n";
        mlconn_send_raw(c, bad, sizeof(bad) - 1);
        mlconn_close_after_send(c, "WebSocket upgrade without a key");
        return -EPROTO;
    }
    int n = snprintf(resp, sizeof(resp),
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     accept);
    snprintf(c->path, sizeof(c->path), "%s", h->path);
    mlconn_send_raw(c, resp, (size_t)n);
    c->http_mode = 0;
    become_ready(c);
    return 0;
}

static int client_upgrade(struct mlconn *c, const struct http_head *h)
{
    char want[29];
    if (h->status != 101 || ws_accept_key(c->ws_key, want) ||
        strcmp(want, h->ws_accept)) {
        char why[96];
        snprintf(why, sizeof(why), "WebSocket upgrade refused (HTTP %d)", h->status);
        mlconn_close(c, why);
        return -EPROTO;
    }
    c->http_mode = 0;
    become_ready(c);
    return 0;
}

/* Consumes HTTP heads (and bodies) from http_buf; bytes that follow an
 * upgrade go on to the WebSocket parser. */
static int feed_http(struct mlconn *c, const char *data, size_t len)
{
    char err[160];
    if (c->http_len + len > HTTPHEAD_MAX + HTTP_BODY_MAX) {
        mlconn_close(c, "HTTP request too large");
        return -EMSGSIZE;
    }
    if (c->http_len + len > c->http_cap) {
        size_t cap = c->http_len + len + 1024;
        char *p = realloc(c->http_buf, cap);
        if (!p)
            return -ENOMEM;
        c->http_buf = p;
        c->http_cap = cap;
    }
    memcpy(c->http_buf + c->http_len, data, len);
    c->http_len += len;
    while (c->http_mode && !c->closing && !c->draining && c->http_len) {
        struct http_head h;
        int rc =
            http_head_parse(c->http_buf, c->http_len, !c->server, &h, err, sizeof(err));
        if (rc < 0) {
            mlconn_close(c, err);
            return rc;
        }
        if (rc == 0)
            return 0;
        size_t body = h.content_length > 0 ? (size_t)h.content_length : 0;
        if (body > HTTP_BODY_MAX) {
            mlconn_close(c, "HTTP body too large");
            return -EMSGSIZE;
        }
        size_t used = h.head_len;
        if (!c->server) {
            rc = client_upgrade(c, &h);
        } else if (h.upgrade_websocket && mlconn_uses_ws(c->transport)) {
            rc = server_upgrade(c, &h);
        } else {
            if (c->http_len < h.head_len + body)
                return 0;
            used += body;
            if (c->cb->on_http)
                c->cb->on_http(c, &h, c->http_buf + h.head_len, body);
            rc = 0;
        }
        if (rc < 0 || c->closing || c->draining)
            return rc;
        memmove(c->http_buf, c->http_buf + used, c->http_len - used);
        c->http_len -= used;
    }
    if (!c->http_mode && c->http_len) {
        size_t n = c->http_len;
        c->http_len = 0;
        return feed_framed(c, c->http_buf, n);
    }
    return 0;
}

/* Client: the WebSocket upgrade request (after TLS for wss). */
static void send_upgrade(struct mlconn *c)
{
    char req_s[768];
    int n = snprintf(req_s, sizeof(req_s),
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     c->path, c->host, c->ws_key);
    mlconn_send_raw(c, req_s, (size_t)n);
}

/* The TLS handshake finished: a client checks a pinned certificate; then a
 * TLS connection is ready, a wss client sends its upgrade request and a wss
 * server waits for it. Non-zero when the connection was closed. */
static int tls_established(struct mlconn *c)
{
    if (c->tls_up)
        return c->closing;
    c->tls_up = 1;
    if (!c->server && c->tls_pin[0]) {
        char fp[65] = "", why[256];
        if (tls_session_peer_fingerprint(&c->tls, fp) || strcasecmp(fp, c->tls_pin)) {
            snprintf(why, sizeof(why),
                     "TLS fingerprint mismatch: pinned %.64s, the server presented %s",
                     c->tls_pin, fp[0] ? fp : "no certificate");
            mlconn_close(c, why);
            return 1;
        }
    }
    if (c->transport == MLCONN_TLS)
        become_ready(c);
    else if (!c->server)
        send_upgrade(c);
    return c->closing;
}

static int on_plain(void *ud, const char *data, size_t len)
{
    struct mlconn *c = ud;
    if (c->closing)
        return 1;
    /* Application data can arrive in the same read as the peer's Finished
     * (TLS 1.3): announce readiness before handing it on, so replies work. */
    if (mlconn_uses_tls(c->transport) && c->tls.handshake_done && tls_established(c))
        return 1;
    int rc = c->http_mode ? feed_http(c, data, len) : feed_framed(c, data, len);
    return rc || c->closing || c->draining;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    buf->base = read_buf;
    buf->len = sizeof(read_buf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct mlconn *c = s->data;
    if (nread == 0 || c->closing)
        return;
    if (nread < 0) {
        mlconn_close(c, nread == UV_EOF ? "peer closed" : uv_strerror((int)nread));
        return;
    }
    c->bytes_in += (uint64_t)nread;
    if (!mlconn_uses_tls(c->transport)) {
        on_plain(c, buf->base, (size_t)nread);
        return;
    }
    char err[200];
    int hs = 0;
    int rc = tls_session_feed(&c->tls, buf->base, (size_t)nread, on_plain, c, &hs, err,
                              sizeof(err));
    if (!c->closing)
        flush_tls(c);
    if (rc < 0 && !c->closing) {
        mlconn_close(c, err);
        return;
    }
    if (hs && !c->closing)
        tls_established(c);
}

void mlconn_update_names(struct mlconn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (!uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len))
        netguard_format((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
    len = sizeof(ss);
    if (!uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len))
        netguard_format((struct sockaddr *)&ss, c->local, sizeof(c->local));
}

int mlconn_start_server(struct mlconn *c)
{
    mlconn_update_names(c);
    uv_tcp_nodelay(&c->tcp, 1);
    int rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, on_read);
    if (rc) {
        mlconn_close(c, uv_strerror(rc));
        return rc;
    }
    if (c->transport == MLCONN_TCP)
        become_ready(c);
    return 0;
}

static void on_connect(uv_connect_t *req, int status)
{
    struct mlconn *c = req->handle->data;
    if (c->closing)
        return;
    if (status < 0) {
        mlconn_close(c, uv_strerror(status));
        return;
    }
    mlconn_update_names(c);
    uv_tcp_nodelay(&c->tcp, 1);
    int rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, on_read);
    if (rc) {
        mlconn_close(c, uv_strerror(rc));
        return;
    }
    if (mlconn_uses_tls(c->transport)) {
        flush_tls(c);
    } else if (c->transport == MLCONN_WS) {
        send_upgrade(c);
    } else {
        become_ready(c);
    }
}

static int host_is_name(const char *host)
{
    unsigned char b[16];
    return *host && inet_pton(AF_INET, host, b) != 1 &&
           inet_pton(AF_INET6, host, b) != 1;
}

int mlconn_connect(struct mlconn *c, const struct sockaddr *addr, const char *host,
                   const char *path)
{
    snprintf(c->host, sizeof(c->host), "%s", host ? host : "localhost");
    snprintf(c->path, sizeof(c->path), "%s", path && *path ? path : "/");
    if (mlconn_uses_ws(c->transport) && ws_client_key(c->ws_key))
        return -EIO;
    /* SNI like XMRig: the pool's host name; never an address literal
     * (RFC 6066 section 3). */
    if (mlconn_uses_tls(c->transport) &&
        tls_session_init(&c->tls, c->tls_ctx, 0,
                         host_is_name(c->host) ? c->host : NULL)) {
        mlconn_close(c, "out of memory");
        return -ENOMEM;
    }
    int rc = uv_tcp_connect(&c->connect_req, &c->tcp, addr, on_connect);
    if (rc)
        mlconn_close(c, uv_strerror(rc));
    return rc;
}

static void shutdown_walk(uv_handle_t *h, void *arg)
{
    int final = *(int *)arg;
    struct mlconn *c = mlconn_of_handle(h);
    if (c)
        mlconn_close(c, "shutting down");
    else if (h->type == UV_SIGNAL && !final)
        uv_unref(h); /* stays installed but no longer keeps the loop alive */
    else if (h->type == UV_SIGNAL && !uv_is_closing(h)) {
        /* Closing restores the default action process-wide, and the mask
         * set below covers only this thread: ignore the signal from now on
         * so that a late one cannot kill the process through a worker. */
        int signum = ((uv_signal_t *)h)->signum;
        uv_close(h, NULL);
        if (signum > 0)
            signal(signum, SIG_IGN);
    } else if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Runs the loop until nothing is left or the deadline passes. */
static int drain(uv_loop_t *loop, uint64_t deadline_ns)
{
    if (!deadline_ns) {
        uv_run(loop, UV_RUN_DEFAULT);
        return 0;
    }
    while (uv_run(loop, UV_RUN_NOWAIT)) {
        if (ml_mono_ns() > deadline_ns)
            return -ETIMEDOUT;
        uv_sleep(1);
    }
    return 0;
}

int mlconn_loop_shutdown(uv_loop_t *loop, unsigned max_wait_ms)
{
    uint64_t deadline = max_wait_ms ? ml_mono_ns() + max_wait_ms * 1000000ull : 0;
    sigset_t stop_sigs;
    sigemptyset(&stop_sigs);
    sigaddset(&stop_sigs, SIGINT);
    sigaddset(&stop_sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);
    int final = 0;
    uv_walk(loop, shutdown_walk, &final);
    if (drain(loop, deadline))
        return -ETIMEDOUT;
    final = 1;
    uv_walk(loop, shutdown_walk, &final);
    return drain(loop, deadline);
}
