/*
 * options — minerlab-miner's command line (XMRig-compatible flags plus the
 * lab's own), optionally merged with a JSON config from a file (-c FILE),
 * standard input (-c -) or an environment variable (--config-env VAR).
 */
#ifndef MINER_OPTIONS_H
#define MINER_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "rx.h"

enum miner_action {
    MINER_RUN = 0,
    MINER_SELFTEST,
    MINER_BENCH,
    MINER_HELP,
    MINER_VERSION,
    MINER_DRY_RUN
};

/* Lifetime: without --max-duration the miner stops after the default; the
 * longest allowed is MINER_LIFETIME_MAX_S, or MINER_SOAK_MAX_S with --soak
 * (command line only). There is no unlimited run. */
#define MINER_LIFETIME_DEFAULT_S 3600
#define MINER_LIFETIME_MAX_S 86400
#define MINER_SOAK_MAX_S 604800

struct miner_options {
    enum miner_action action;
    /* pool */
    char url[512];          /* stratum+tcp://, stratum+ssl://, stratum+tls://, ws://, wss:// */
    char user[256];
    char pass[256];
    char rig_id[64];
    char user_agent[256];   /* empty: XMRig-style default */
    int tls;                /* --tls, or implied by the scheme */
    int nicehash;
    char lab_net[64];       /* extra allowed CIDR besides loopback; empty = none */
    char lab_dns[80];       /* ADDR[:PORT] of the lab DNS; names need it */
    char tls_fingerprint[65]; /* pinned SHA-256 of the pool certificate (hex) */
    char api[128];          /* HOST:PORT for the /1/summary API; empty = off */
    char api_token[128];    /* bearer token for API writes; empty = read-only API */
    /* hashing */
    int threads;            /* 0 = online CPUs */
    int duty_pct;           /* 1..100 */
    int ramp_from, ramp_to, ramp_seconds; /* --duty-ramp FROM:TO:SECONDS */
    int cpu_priority;       /* -1 unset, 0..5 */
    struct rx_config rx;
    int v2;                 /* --algo rx/2 */
    int login_algo_only;    /* --login-algo-only: login lists only what we hash */
    char backend[16];       /* --backend cpu|cuda */
    /* lifetime and identity */
    double max_duration_s;  /* > 0: MINER_LIFETIME_DEFAULT_S unless given */
    int max_duration_given; /* --max-duration was given (else the default) */
    int soak;               /* --soak: lifetimes up to MINER_SOAK_MAX_S */
    char name[256];         /* --name: process name and argv[0] */
    /* offline modes */
    long bench_hashes;      /* --bench N */
    double bench_seconds;   /* --bench-seconds S */
    int json;               /* --json */
    int verbose;
    int print_time_s;       /* periodic hash-rate line; 0 = off */
};

/*
 * Parses argv (and any config it names) into opt, starting from defaults.
 * 0 on success; -EINVAL (or another negative code) with one readable
 * sentence in err otherwise: a usage error, exit 2. Does not print or exit;
 * getopt may move operands to the end of argv (there are none when it
 * succeeds). Not thread-safe: main() only.
 */
int miner_options_parse(int argc, char **argv, struct miner_options *opt, char *err,
                        size_t errlen);
/* The config text read from standard input by the last parse, or NULL. */
const char *miner_options_stdin_config(void);
/* Fills defaults only (used by tests and by the parser itself). */
void miner_options_defaults(struct miner_options *opt);
/* Prints the --help text, generated from the option table, on f. */
void miner_options_usage(FILE *f);

struct backend_config;
/* Fills a backend configuration from parsed options. */
void miner_backend_config(const struct miner_options *opt, struct backend_config *cfg);
/*
 * Checks that threads and mode fit in available memory. 0, or -ENOMEM with
 * a reason in err.
 */
int miner_options_check_memory(const struct miner_options *opt, char *err, size_t errlen);

#endif
