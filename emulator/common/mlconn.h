/*
 * mlconn — one libuv TCP connection carrying messages over one of the lab's
 * transports, shared by the pool, the miner and the load tool:
 *   MLCONN_TCP   newline-delimited lines (Stratum)
 *   MLCONN_TLS   the same lines inside TLS (memory BIOs, see tlsctx.h)
 *   MLCONN_WS    HTTP/1.1 then, after an upgrade, RFC 6455 text messages;
 *                on the server side plain HTTP requests go to on_http
 *   MLCONN_HTTP  server side only: plain HTTP requests (the JSON APIs)
 *   MLCONN_WSS   MLCONN_WS inside TLS (wss://)
 * TLS clients send the host given to mlconn_connect as SNI when it is a name
 * (like XMRig), accept any certificate unless tls_pin is set, and then
 * close unless the server certificate's SHA-256 equals the pin.
 * Every input is bounded (max_line caps lines and WebSocket messages, HTTP
 * heads are capped at HTTPHEAD_MAX, bodies at 64 KiB).
 *
 * Threads: everything runs on the loop thread that created the connection.
 * Lifetime: the mlconn is freed after on_close has run; never touch it after
 * that. mlconn_close may be called from any callback, any number of times.
 */
#ifndef MLCONN_H
#define MLCONN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "httphead.h"
#include "linereader.h"
#include "tlsctx.h"
#include "ws.h"

enum mlconn_transport {
    MLCONN_TCP = 0,
    MLCONN_TLS,
    MLCONN_WS,
    MLCONN_HTTP,
    MLCONN_WSS
};

/* 1 for transports inside TLS (tls, wss); 1 for WebSocket ones (ws, wss). */
int mlconn_uses_tls(enum mlconn_transport t);
int mlconn_uses_ws(enum mlconn_transport t);

struct mlconn;

struct mlconn_callbacks {
    /* Handshakes done (TCP: at once; TLS: handshake; WS: upgrade). */
    void (*on_ready)(struct mlconn *c);
    /* One line or WebSocket text message, NUL-terminated, writable.
     * Return non-zero to stop reading this buffer (e.g. after closing). */
    int (*on_message)(struct mlconn *c, char *msg, size_t len);
    /* Server side, WS/HTTP transports: a plain HTTP request (body bounded).
     * The handler answers with mlconn_send_raw and may close. */
    void (*on_http)(struct mlconn *c, const struct http_head *h, const char *body,
                    size_t body_len);
    /* Connection gone; reason is a short sentence. The mlconn is freed after. */
    void (*on_close)(struct mlconn *c, const char *reason);
};

#define MLCONN_MAGIC 0x6d6c636eu

struct mlconn {
    uv_tcp_t tcp;   /* handle; tcp.data == this */
    uint32_t magic; /* MLCONN_MAGIC, see mlconn_of_handle */
    uv_connect_t connect_req;
    enum mlconn_transport transport;
    int server;
    int ready; /* handshakes done */
    int closing;
    int draining;  /* mlconn_close_after_send: no more writes, close when sent */
    int http_mode; /* reading HTTP (pre-upgrade or API) */
    uint64_t id;   /* caller-assigned */
    void *ud;      /* caller's pointer */
    const struct mlconn_callbacks *cb;
    char peer[64], local[64];  /* "ip:port" */
    char host[256], path[512]; /* WS: Host and path */
    char ws_key[25];
    struct tls_session tls;
    SSL_CTX *tls_ctx; /* client: the session starts in mlconn_connect */
    int tls_up;       /* handshake done and checked */
    char tls_pin[65]; /* client: required server certificate SHA-256 (hex) */
    struct linereader lr;
    struct ws_parser wp;
    char *http_buf; /* HTTP head (+body) being read */
    size_t http_len, http_cap;
    char close_reason[256];
    char drain_reason[64];
    double drain_unix; /* when mlconn_close_after_send was called */
    uv_shutdown_t shutdown_req;
    uint64_t bytes_in, bytes_out;
    double opened_unix;
};

/* Largest outgoing queue (bytes) before a peer that does not read is closed. */
#define MLCONN_MAX_WRITE_QUEUE (4u << 20)

/*
 * Allocates a connection for a listener to uv_accept into; call
 * mlconn_start_server after a successful uv_accept. tls_ctx is needed for
 * MLCONN_TLS and MLCONN_WSS. max_line 0 = 8192. NULL on allocation failure.
 */
struct mlconn *mlconn_new(uv_loop_t *loop, enum mlconn_transport t, int server,
                          SSL_CTX *tls_ctx, size_t max_line,
                          const struct mlconn_callbacks *cb, void *ud);
/* Fills peer and local ("ip:port") from the socket; after uv_accept or a
 * completed connect (mlconn does it itself then). */
void mlconn_update_names(struct mlconn *c);
/* Starts reading an accepted connection; fills peer/local. 0 or -errno
 * (the connection is then closed and on_close will run). */
int mlconn_start_server(struct mlconn *c);
/*
 * Client side: connects to addr. For WS, host and path build the upgrade
 * request; for TLS a host that is a name goes out as SNI. Set tls_pin
 * before calling to pin the server certificate. on_ready runs after the transport's
 * handshakes; failures arrive as on_close. 0 or -errno (nothing allocated then is left
 * open).
 */
int mlconn_connect(struct mlconn *c, const struct sockaddr *addr, const char *host,
                   const char *path);
/* Sends one message: a line ("\n" appended) or a WebSocket text frame (masked
 * from clients). 0 or -errno; -ENOBUFS closes a peer that stopped reading. */
int mlconn_send(struct mlconn *c, const char *msg, size_t len);
/* Sends bytes as they are (through TLS when used): HTTP responses. */
int mlconn_send_raw(struct mlconn *c, const void *data, size_t len);
/* Closes once (WS: a close frame first, when nothing is queued before it);
 * on_close follows. Marks the connection closing before anything else, so a
 * write failing inside cannot re-enter. Queued writes are cancelled. */
void mlconn_close(struct mlconn *c, const char *reason);
/* Stops reading, accepts no more writes and closes once everything queued
 * has been written (HTTP replies of any size); on_close follows. A peer that
 * never reads keeps it open until the owner's timeout closes it. */
void mlconn_close_after_send(struct mlconn *c, const char *reason);
/* The mlconn whose handle h is, or NULL (for uv_walk at shutdown, so that
 * connections close through mlconn_close and their on_close still runs). */
struct mlconn *mlconn_of_handle(uv_handle_t *h);
/*
 * Orderly end of a loop after uv_run returned: blocks SIGINT/SIGTERM for the
 * rest of the process (a second signal, e.g. from timeout(1) signalling its
 * whole process group, would otherwise kill it half-way once the watchers
 * are closed), closes every connection through mlconn_close (so on_close
 * runs), every other handle, lets in-flight work finish, then closes the
 * signal watchers. Loop thread. max_wait_ms > 0 bounds the wait for work
 * still running on the thread pool: returns -ETIMEDOUT when it had to give
 * up (the loop must then not be closed), else 0 and the loop can be
 * uv_loop_close'd. 0 waits as long as it takes.
 */
int mlconn_loop_shutdown(uv_loop_t *loop, unsigned max_wait_ms);
/* Transport name for logs and events: "tcp", "tls", "ws", "http", "wss". */
const char *mlconn_transport_name(enum mlconn_transport t);

#endif
