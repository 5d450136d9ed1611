/*
 * pool — minerlab-pool, the lab's mock Monero Stratum pool on libuv.
 *
 * Public API (used by main.c and tests): parse the command line into a
 * pool_config, then pool_run() until SIGINT/SIGTERM. Everything inside runs
 * on one loop thread except RandomX share verification, which runs on
 * libuv's worker pool (pool_verify.c).
 *
 * The internals shared by the pool's own .c files are in pool_int.h.
 */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define POOL_MAX_LISTENERS 8
#define POOL_JOBS_KEPT 4 /* per session, like real pools */
#define POOL_BLOB_LEN 76
#define POOL_DRAIN_TIMEOUT_S 60.0 /* an HTTP reply must be read by then */
#define POOL_STOP_WAIT_MS 1500    /* running verifications at stop */

enum pool_verify_mode { POOL_VERIFY_ALL = 0, POOL_VERIFY_SAMPLE, POOL_VERIFY_NONE };

#define POOL_MAX_SNI 32

/* --tls-cert NAME:CERT:KEY: the certificate presented for SNI NAME. */
struct pool_sni_cert {
    char name[256];
    char cert[512], key[512];
};

struct pool_config {
    char listen[POOL_MAX_LISTENERS][128];
    int n_listen;
    char tls_listen[POOL_MAX_LISTENERS][128];
    int n_tls_listen;
    char ws_listen[POOL_MAX_LISTENERS][128];
    int n_ws_listen;
    char wss_listen[POOL_MAX_LISTENERS][128];
    int n_wss_listen;
    struct pool_sni_cert sni[POOL_MAX_SNI];
    int n_sni;
    char api[128];               /* empty = off */
    char events[512];            /* JSONL path; empty = off */
    char www[512];               /* static files for the ws port; empty = none */
    char cert[512], key[512];    /* empty: self-signed at start */
    double job_interval_s;       /* new job broadcast period */
    double share_target_s;       /* vardiff aim */
    uint64_t difficulty;         /* start (or fixed) difficulty */
    uint64_t browser_difficulty; /* synthetic SHA-256 lane */
    int vardiff;
    double seed_rotate_s; /* 0 = one seed for the whole run */
    enum pool_verify_mode verify;
    int verify_sample;          /* 1 in N with sample:N */
    int verify_threads;         /* libuv worker threads; 0 = 2 */
    int verify_nice;            /* nice of the verifier threads (5) */
    int ban_after;              /* bad shares before a ban; 0 = never */
    int ban_ip_after;           /* bad shares from one IP (any login); 0 = never */
    int max_conns_per_ip;       /* 0 = no cap */
    int api_max_conns;          /* open --api connections */
    double api_idle_s;          /* an API request must come and be read by then */
    uint64_t events_max_bytes;  /* event log cap; 0 = no cap */
    double ban_s;               /* ban duration */
    double login_timeout_s;     /* connections that never log in */
    double handshake_timeout_s; /* TLS / WebSocket handshakes */
    double idle_timeout_s;      /* logged-in sessions silent this long */
    size_t max_line;
    int quiet;
    int no_lab; /* tests only: omit the lab handshake */
};

/* Defaults; then pool_config_parse. */
void pool_config_defaults(struct pool_config *cfg);
/* 0, 1 for --help (usage printed by caller), or -EINVAL with a reason
 * (usage errors: exit OPT_EXIT_USAGE, 2). */
int pool_config_parse(int argc, char **argv, struct pool_config *cfg, char *err,
                      size_t errlen);
/* The generated --help text (base/opt.h table) on f. */
void pool_usage(FILE *f);
/* Runs until SIGINT/SIGTERM. Returns the process exit code. */
int pool_run(const struct pool_config *cfg);

#endif
