/*
 * net — the miner's network side: the Stratum client (TCP, TLS, and the
 * Coinhive-style JSON over WebSocket), the lab guard, share hand-over from
 * the hashing backend, reconnects, keepalive, the stop paths and the
 * XMRig-like HTTP API (api.c).
 *
 * Threads: miner_net_run owns the libuv loop on the calling (main) thread.
 * Backend results arrive on worker threads and are queued under a mutex and
 * signalled with uv_async_send; everything else runs on the loop thread.
 */
#ifndef MINER_NET_H
#define MINER_NET_H

#include <pthread.h>
#include <stdint.h>
#include <uv.h>

#include "backend.h"
#include "mlconn.h"
#include "options.h"
#include "stratum.h"

/*
 * Mines for the pool in opt->url until SIGINT/SIGTERM, --max-duration, or a
 * fatal pool answer. Checks the URL and the lab guard before anything else.
 * Returns the process exit code: 0 after a requested stop, 2 for a refused
 * or malformed address, 3 when the pool lacks the lab handshake or sends a
 * job without the lab marker (stratum.h), 1 for other
 * failures. Prints one summary line on stdout at the end.
 */
int miner_net_run(const struct miner_options *opt);

/* --dry-run: the same address checks as miner_net_run, then one line with
 * the settings (pool, lab net, lifetime and deadline, API). 0 or 2. */
int miner_net_dry_run(const struct miner_options *opt);

/* A parsed pool URL. */
struct miner_url {
    enum mlconn_transport
        transport; /* MLCONN_TCP, MLCONN_TLS, MLCONN_WS or MLCONN_WSS */
    char host[256];
    int port;
    char path[256]; /* WebSocket path, "/" by default */
};

/*
 * Parses stratum+tcp://H:P, stratum+ssl://, stratum+tls://, ws://H:P/path,
 * wss://H:P/path or a bare H:P (tls forces TLS; ws:// becomes wss://). H is
 * resolved later: numeric, localhost, or a name through --lab-dns only.
 * 0 or -EINVAL with a reason.
 */
int miner_url_parse(const char *url, int tls, struct miner_url *out, char *err,
                    size_t errlen);

#define MINER_NET_QUEUE_MAX 1024

/* The client's state, shared with api.c (loop thread only, except the
 * result queue). */
struct miner_net {
    const struct miner_options *opt;
    uv_loop_t *loop;
    struct miner_url url;
    struct sockaddr_storage addr;
    int by_name;       /* url.host is a name looked up at --lab-dns */
    unsigned connects; /* connects so far (names are looked up again after 1) */
    const struct backend_ops *be;
    void *backend;
    SSL_CTX *tls_ctx;
    struct mlconn *conn;
    char agent[256];
    /* session */
    int logged_in;
    char session_id[STRATUM_ID_MAX];
    int ext_algo;
    int64_t next_id;
    char job_id[STRATUM_ID_MAX];
    uint64_t difficulty;
    double last_send_unix, last_recv_unix;
    int pending_login;
    int pending_submits;                  /* answers still due */
    double oldest_pending_unix;           /* for the 20 s response timeout */
    int refused;                          /* lab handshake or marker missing: fatal */
    uint8_t lab_run[STRATUM_LAB_RUN_LEN]; /* the run value every job must carry */
    /* result queue (worker threads -> loop) */
    pthread_mutex_t qlock;
    struct miner_result queue[MINER_NET_QUEUE_MAX];
    unsigned qlen;
    uint64_t dropped;
    uv_async_t async;
    /* timers and signals */
    uv_timer_t tick, reconnect, stop_timer;
    uv_signal_t sigint, sigterm;
    unsigned backoff_ms;
    int stopping;
    unsigned ticks; /* seconds of on_tick, for --print-time */
    int draining;   /* stop requested, answers awaited */
    char drain_reason[48];
    int exit_code;
    /* statistics */
    uint64_t accepted, rejected, submitted, failures;
    uint64_t hashes_accepted; /* sum of accepted difficulties */
    double started_unix, connected_unix;
    char tls_desc[96];
    /* API */
    uv_tcp_t api_tcp;
    int api_on;
    char api_addr[80];
};

/* api.c: starts the HTTP API on opt->api (guarded like the pool address).
 * 0 or -errno with a reason. */
int miner_api_start(struct miner_net *n, char *err, size_t errlen);
/* api.c: parses opt->api (numeric HOST:PORT) and applies the lab guard.
 * 0, or -EINVAL/-EPERM with a reason. */
int miner_api_resolve(const struct miner_options *o, struct sockaddr_storage *ss,
                      char *err, size_t errlen);
/* The /1/summary document (new reference). */
json_t *miner_api_summary(struct miner_net *n);

/* The algorithm the miner hashes ("rx/0", "rx/2"): the name it logs in,
 * authenticates, submits and reports with. Loop thread. */
static inline const char *miner_net_algo(const struct miner_net *n)
{
    return miner_algo_name(n->opt->v2 ? MINER_ALGO_RX2 : MINER_ALGO_RX0);
}

#endif
