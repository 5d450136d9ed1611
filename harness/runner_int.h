/*
 * runner_int — state shared by runner.c (the run: pool, detectors, loop,
 * signals) and runner_scen.c (one scenario: launcher, process tree,
 * connections). Not a public API.
 */
#ifndef HX_RUNNER_INT_H
#define HX_RUNNER_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "cpumeter.h"
#include "detector.h"
#include "jsonl.h"
#include "runner.h"

#define RUN_MAX_TREE 4096

/* The scenario whose window is open (or closing). */
struct run_scen {
    long idx; /* -1 = none */
    const struct scenario *sc;
    pid_t launcher;      /* 0 once reaped */
    int launcher_status; /* wait status once reaped */
    double start, end;   /* end = 0 while the window is open */
    int out_fd;          /* launcher stdout (ML-PID lines) */
    char out[512];
    size_t outlen;
    pid_t tree[RUN_MAX_TREE]; /* every pid seen in its tree */
    size_t ntree;
    unsigned long *inodes; /* sockets held by the tree at the last scan */
    size_t ninodes, capinodes;
    double next_duty_ts;
    double next_scan; /* monotonic time of the next /proc scan */
    unsigned long logins, shares_ok, shares_bad, conns;
    long conn_ids[256]; /* pool connection ids already attributed */
    size_t nconn_ids;
    struct cpum_duty duty; /* measured duty of its miners (cpumeter) */
};

struct runner {
    const struct runner_config *cfg;
    struct jsonl tl, alerts, obs; /* obs: observations.jsonl */
    struct detector *det;
    size_t ndet;
    pid_t pool_pid;
    int pool_out;
    unsigned port_tcp, port_tls, port_ws, port_api;
    unsigned port_lab, port_lab_tls, port_lab_ws; /* listeners on the lab host */
    char lab_host[64], lab_netns[80], lab_cidr[64];
    int lab_up;
    char token[40];
    char lab_id[16];
    int sfd;       /* signalfd: SIGINT, SIGTERM, SIGCHLD */
    int stop;      /* SIGINT/SIGTERM count */
    char **env;    /* base environment (harness env + token) */
    int events_fd; /* tail of the pool's events.jsonl */
    char evbuf[16384];
    size_t evlen;
    struct run_scen cur;
    double run_start;
    size_t done;          /* scenarios handled */
    long pending_cleanup; /* interrupted scenario still to clean up, -1 = none */
    char **skip_reason;   /* per scenario, NULL = runnable */
    double last_progress;
    unsigned long alerts_seen;
};

/* One pass of the event loop: poll up to timeout_ms, drain, reap, scan. */
void runner_loop_once(struct runner *r, int timeout_ms);
/* Reads pending SIGINT/SIGTERM from the signalfd into r->stop (non-blocking). */
void runner_poll_signals(struct runner *r);
/* Loops until deadline (monotonic seconds) or a stop request. */
void runner_wait(struct runner *r, double seconds);
/* Monotonic seconds. */
double runner_now(void);

/* Environment: base + the given NAME=VALUE strings (NULL-terminated). Free with
 * env_free. */
char **env_with(char *const *base, const char *const *extra);
void env_free(char **env);

/* runner_scen.c */
void scen_prepare_checks(struct runner *r);
void scen_run(struct runner *r, size_t idx);
/* Runs the launcher cleanup an interrupted scenario left for later. */
void scen_cleanup_pending(struct runner *r);
void scen_on_reaped(struct runner *r, pid_t pid, int status);
void scen_scan_tree(struct runner *r);
void scen_read_launcher(struct runner *r);
void scen_events_tail(struct runner *r);
void scen_progress(struct runner *r, int force);

#endif
