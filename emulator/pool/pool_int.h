/*
 * pool_int — the pool's internals, shared by its own .c files only (pool.c,
 * pool_session.c, pool_share.c, pool_verify.c, pool_events.c, pool_http.c).
 * Not a public API: main.c and tests use pool.h.
 */
#ifndef POOL_INT_H
#define POOL_INT_H

#include <stdio.h>
#include <uv.h>

#include "mlconn.h"
#include "pool.h"
#include "stratum.h"

struct pool_template {
    uint64_t seq; /* increases with every new template */
    uint64_t height;
    uint8_t blob[POOL_BLOB_LEN];
    uint8_t seed[32];
};

struct pool_job {
    char job_id[24];
    uint64_t template_seq;
    uint64_t height;
    uint8_t blob[POOL_BLOB_LEN];
    uint8_t seed[32];
    uint64_t difficulty;
    uint64_t target64;
    double sent_unix;            /* when it went out (for the event) */
    uint32_t *nonces;            /* open-addressing set of submitted nonces */
    size_t n_nonces, cap_nonces; /* cap is 0 or a power of two */
    int zero_seen;               /* nonce 0 (0 marks empty slots) */
};

enum pool_lane { LANE_NONE = 0, LANE_STRATUM, LANE_BROWSER };

struct pool;

struct pool_session {
    struct pool *pool;
    struct mlconn *conn;      /* NULL once closed */
    char peer[64], local[64]; /* the 5-tuple, kept for events after close */
    enum mlconn_transport transport;
    struct pool_session *prev, *next;
    uint64_t id;
    int refs;     /* 1 for the connection + verifications in flight */
    char sid[17]; /* session id sent to the miner */
    enum pool_lane lane;
    int logged_in;
    int synthetic; /* browser lane: SHA-256 shares */
    struct stratum_login login;
    uint32_t extranonce;
    uint64_t difficulty;
    struct pool_job jobs[POOL_JOBS_KEPT];
    unsigned job_count; /* jobs ever sent; slot = count % KEPT */
    uint64_t accepted, rejected, bad;
    uint64_t accepted_diff; /* sum of accepted difficulties */
    double login_unix, last_rx_unix;
    double vardiff_since;
    unsigned vardiff_shares;
};

struct pool_listener {
    uv_tcp_t tcp;
    struct pool *pool;
    enum mlconn_transport transport;
    char addr[80];
};

struct pool_ban {
    char key[400]; /* "ip|login", or "ip" for an IP ban */
    double until_unix;
};

/* Per peer IP: open connections and bad shares (any login). */
struct pool_ip {
    char ip[80];
    unsigned conns;
    uint64_t bad;
};

/* Reject reasons; strings are what real pools send. */
enum pool_reject {
    REJ_NONE = 0,
    REJ_UNAUTH,
    REJ_JOB,
    REJ_STALE,
    REJ_DUP,
    REJ_LOW,
    REJ_INVALID,
    REJ_BANNED,
    REJ_UNVERIFIED, /* verification required but impossible: never accepted */
    REJ_COUNT
};

struct pool_verifier;

struct pool {
    const struct pool_config *cfg;
    uv_loop_t *loop;
    struct pool_listener listeners[5 * POOL_MAX_LISTENERS];
    int n_listeners;
    uv_timer_t job_timer, seed_timer, sweep_timer, flush_timer;
    uv_signal_t sigint, sigterm;
    SSL_CTX *tls_ctx;
    char tls_fingerprint[65];
    FILE *events;
    struct pool_session sessions; /* list head (sentinel) */
    uint64_t n_sessions, next_conn_id, next_job_id;
    struct pool_template tmpl;
    uint8_t lab_run[STRATUM_LAB_RUN_LEN]; /* this run's lab marker value */
    struct pool_verifier *verifier;
    struct pool_ban *bans;
    size_t n_bans;
    struct pool_ip *ips;
    size_t n_ips;
    unsigned api_conns;
    /* event log: bytes written, events dropped past the cap, write errors */
    uint64_t events_bytes, events_dropped, events_errors;
    int events_err_said;
    uint64_t share_counter; /* for sample:N */
    /* statistics */
    uint64_t accepted, rejected, verified, logins, conns_total;
    uint64_t unverified;    /* accepted without a check */
    uint64_t not_verified;  /* refused: verification required but impossible */
    uint64_t refused_conns; /* banned IPs and connection caps at accept */
    uint64_t rejected_by[REJ_COUNT];
    double started_unix;
    int stopping;
};

const char *pool_reject_message(enum pool_reject r);
const char *pool_reject_key(enum pool_reject r);

/* pool_events.c: one JSON line; steals extra (may be NULL). conn may be NULL. */
void pool_event(struct pool *p, const char *event, const struct mlconn *conn,
                json_t *extra);
void pool_events_flush(struct pool *p);
/* The same with the session's remembered 5-tuple (valid after close). */
void pool_event_session(struct pool *p, const char *event, const struct pool_session *s,
                        json_t *extra);
/* The same with an explicit timestamp (Unix seconds). */
void pool_event_session_at(struct pool *p, const char *event,
                           const struct pool_session *s, double ts_unix, json_t *extra);
/* 1 when an event log is open (hot paths skip building events otherwise). */
int pool_events_on(const struct pool *p);

/* pool_session.c */
void pool_session_open(struct pool *p, struct mlconn *c);
int pool_session_message(struct mlconn *c, char *msg, size_t len);
void pool_session_closed(struct mlconn *c, const char *reason);
/* Makes the session's next job from the current template and sends it;
 * log_now 0 leaves the "job" event to pool_session_log_job (broadcasts send
 * to everyone first, then log with each job's own send time). */
void pool_session_send_job(struct pool_session *s, int is_login_reply, int64_t id,
                           int log_now);
void pool_session_log_job(struct pool_session *s);
/* Broadcast a new template to every logged-in session. */
void pool_new_template(struct pool *p, int new_seed);
int pool_is_banned(struct pool *p, const char *ip, const char *login);
/* The peer's IP without the port. */
void pool_peer_ip(const char *peer, char *ip, size_t len);
/* The IP's entry (created with 0 counts), or NULL when out of memory. */
struct pool_ip *pool_ip_get(struct pool *p, const char *ip);

/*
 * A checked share, handed back to the session module through the callback it
 * gives pool_share_submit (which passes it on to the verifier): share checks
 * and verification call no function of pool_session.c, so the three files
 * do not call each other in a circle. held: the share waited in the
 * verifier, which held a reference on the session; the callback drops it.
 */
struct pool_share_verdict {
    int64_t req_id;
    const char *job_id, *nonce_hex;
    uint64_t difficulty;
    enum pool_reject reject;
    int verified;    /* the hash was checked */
    const char *how; /* "randomx", "sha256", "none", "trusted", ... */
    int held;
};
/* Answers the share, counts it and logs it; loop thread. */
typedef void (*pool_share_done_fn)(struct pool_session *s,
                                   const struct pool_share_verdict *v);

/* pool_share.c: checks a submit; done now or after verification. */
void pool_share_submit(struct pool_session *s, int64_t req_id,
                       const struct stratum_submit *sub, pool_share_done_fn done);
/* Synthetic browser-lane hash: SHA-256 of blob with nonce at byte 39. */
void pool_synthetic_hash(const uint8_t *blob, size_t len, uint32_t nonce,
                         uint8_t out[32]);

/* pool_verify.c: RandomX light-mode verification on the worker pool. */
int pool_verifier_create(struct pool *p, char *err, size_t errlen);
void pool_verifier_destroy(struct pool_verifier *v);
/* Cancels queued (not yet running) verifications; loop thread. */
void pool_verifier_cancel(struct pool_verifier *v);
/* Queues a verification and holds a reference on s; calls done on the loop
 * thread with held = 1. 0, or a negative code (nothing queued, no call). */
int pool_verify_queue(struct pool_session *s, int64_t req_id,
                      const struct pool_job *job, uint32_t nonce,
                      const uint8_t result[32], const char *nonce_hex,
                      pool_share_done_fn done);

/* pool_http.c: the --api JSON and --www static files. */
void pool_http_request(struct mlconn *c, const struct http_head *h, const char *body,
                       size_t body_len);

#endif
