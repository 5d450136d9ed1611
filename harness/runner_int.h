/*
 * runner_int — state shared by the run's modules (runner.c, runner_scen.c,
 * runner_loop.c, runner_watch.c; their layering below). Not a public API.
 */
#ifndef HX_RUNNER_INT_H
#define HX_RUNNER_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "cpumeter.h"
#include "detector.h"
#include "jsonl.h"
#include "labinet.h"
#include "linereader.h"
#include "ml_util.h"
#include "runner.h"

#define RUN_MAX_TREE 16384 /* every fork of a window: cc runs add up */
#define RUN_MAX_LAB (1 << 20) /* lab pid entries: about 40 h of a soak */
#define RUN_LAUNCHER_LINE_MAX 510 /* a launcher's ML-PID lines */
#define RUN_EVENT_LINE_MAX 16382  /* one line of the pool's events.jsonl */

/* The scenario whose window is open (or closing). */
struct run_scen {
    long idx; /* -1 = none */
    const struct scenario *sc;
    pid_t launcher;      /* 0 once reaped */
    int launcher_status; /* wait status once reaped */
    double start, end;   /* end = 0 while the window is open */
    int out_fd;          /* launcher stdout (ML-PID lines) */
    struct linereader out_lines;
    pid_t tree[RUN_MAX_TREE]; /* every pid seen in its tree */
    unsigned char
        gone[RUN_MAX_TREE]; /* the connector saw it exit: no sockets to read */
    size_t ntree;
    unsigned long *inodes; /* sockets held by the tree at the last scan */
    size_t ninodes, capinodes;
    unsigned long *seen_socks; /* socket inodes already recorded as flows */
    size_t nseen_socks, capseen_socks;
    unsigned long *nat_seen; /* NATed flows already recorded (natflows.h) */
    size_t nnat_seen, capnat_seen;
    double next_duty_ts;
    double next_scan; /* monotonic time of the next /proc scan */
    int miner_seen;   /* miner_start recorded */
    char cgroup[300]; /* the scenario's cgroup; "" = none */
    /* Its CPU time (cpu.stat usage_usec) at window start and end: the
     * workload's measured CPU share; has_cpu = 0 when unreadable. */
    unsigned long long cpu0_usec, cpu1_usec;
    int has_cpu;
    unsigned long logins, shares_ok, shares_bad, conns;
    unsigned long shares_unverified; /* of shares_ok: accepted without a check */
    long conn_ids[256];              /* pool connection ids already attributed */
    size_t nconn_ids;
    struct cpum_duty duty; /* measured duty of its miners (cpumeter) */
};

struct runner;

/* What a caller that drives the runner itself (the soak) is told. */
struct runner_hooks {
    /* After every pass of the event loop. */
    void (*tick)(struct runner *r, void *ctx);
    /* A reaped child the runner does not know; 1 when it was the caller's. */
    int (*reaped)(struct runner *r, void *ctx, pid_t pid, int status);
};

struct runner {
    const struct runner_config *cfg;
    const struct runner_hooks *hooks; /* NULL = none */
    void *hook_ctx;
    double started;               /* unix time of runner_begin */
    int lab_link;                 /* the lab link was brought up */
    struct jsonl tl, alerts, obs; /* obs: observations.jsonl */
    struct detector *det;
    size_t ndet;
    pid_t pool_pid;
    int pool_exit_seen; /* the pool wrote its exit event */
    int pool_out;
    unsigned port_tcp, port_tls, port_ws, port_api;
    unsigned port_lab, port_lab_tls, port_lab_ws; /* listeners on the lab host */
    char lab_host[64], lab_netns[80], lab_cidr[64];
    int lab_up;
    struct labinet inet; /* the lab internet: the pool as a remote host */
    char token[40];
    char lab_id[16];
    char cgroup[256]; /* the run's cgroup-v2 directory; "" = none */
    int sfd;          /* signalfd: SIGINT, SIGTERM, SIGCHLD */
    int stop;         /* SIGINT/SIGTERM count */
    int disk_full;    /* the run's records could not be written: stopped */
    char **env;       /* base environment (harness env + token) */
    int events_fd;    /* tail of the pool's events.jsonl */
    struct linereader ev_lines;
    struct run_scen cur;
    double run_start;
    size_t done;          /* scenarios handled */
    long pending_cleanup; /* interrupted scenario still to clean up, -1 = none */
    char **skip_reason;   /* per scenario, NULL = runnable */
    double last_progress;
    unsigned long alerts_seen;
    int pev_fd;            /* process connector, -1 = polling /proc only */
    /* The lab's own processes (harness, pool, detectors...), in the order
     * they were learnt. Pids are reused (pid_max may be 32768), so a pid may
     * have several entries: the latest one whose `since` is not after an
     * alert's time says what the pid was then; role NULL = no longer the
     * lab's (a process outside the lab got the pid). */
    pid_t *lab;
    const char **lab_role;   /* static strings, or NULL */
    double *lab_since;       /* Unix time the entry was made */
    unsigned char *lab_wait; /* the harness started it: its fork is still to be read */
    size_t nlab, caplab;
    int lab_full;            /* RUN_MAX_LAB reached (said once in the timeline) */
};

/* Monotonic seconds. */
static inline double runner_now(void)
{
    return (double)ml_mono_ns() / 1e9;
}

/*
 * The modules of a run, each calling only those below it (no circle):
 *   runner.c       the run: lab net, pool, detectors, the scenarios in turn
 *   runner_scen.c  one scenario: checks, launcher, window, cleanup
 *   runner_loop.c  the event loop, reaping, waiting; environments, cgroups
 *   runner_watch.c the window's process tree, sockets, pool events, progress
 */

/* runner_loop.c */

/* One pass of the event loop: poll up to timeout_ms, drain, reap, scan. */
void runner_loop_once(struct runner *r, int timeout_ms);
/* Reaps every child that exited: pool, detectors, the launcher (non-blocking). */
void runner_reap(struct runner *r);
/* Reads pending SIGINT/SIGTERM from the signalfd into r->stop (non-blocking). */
void runner_poll_signals(struct runner *r);
/* Loops until deadline (monotonic seconds) or a stop request. */
void runner_wait(struct runner *r, double seconds);
/* Makes (and records in the run state first) the run's cgroup NAME; the
 * path goes to out ("" when the run has no cgroup). */
void runner_cgroup(struct runner *r, const char *name, char *out, size_t len);
/* Environment: base + the given NAME=VALUE strings (NULL-terminated). Free with
 * env_free. */
char **env_with(char *const *base, const char *const *extra);
void env_free(char **env);

/* runner_watch.c */

/* Records pid, which the harness has just started, as a lab process
 * (timeline lab_pid); role must be a static string. Its fork event, when
 * read, confirms the entry instead of replacing it. */
void runner_lab_add(struct runner *r, pid_t pid, const char *role);
/* The lab role of pid now, or NULL. */
const char *runner_lab_role(const struct runner *r, pid_t pid);
/* The lab role pid had at Unix time ts (an alert's time), or NULL. */
const char *runner_lab_role_at(const struct runner *r, pid_t pid, double ts);
/* Adds pid to the open scenario's tree (timeline "pid" with role). */
void watch_tree_add(struct runner *r, pid_t pid, pid_t ppid, const char *comm,
                    const char *role);
void watch_on_reaped(struct runner *r, pid_t pid, int status);
void watch_scan_tree(struct runner *r);
void watch_read_launcher(struct runner *r);
/* The pool name a scenario mines to in the lab internet. */
static inline const char *scen_pool_name(const struct scenario *sc)
{
    return sc->miner.pool_domain ? sc->miner.pool_domain : SCEN_DEFAULT_POOL_DOMAIN;
}

void watch_events_tail(struct runner *r);
/* The lab DNS's query log: queries of the open scenario become its flows. */
void watch_labdns_tail(struct runner *r);
/* Process connector events: follows forks into the scenario's tree and the lab. */
void watch_proc_events(struct runner *r);
void watch_progress(struct runner *r, int force);

/* runner_run in parts, for callers that schedule scenarios themselves (the
 * soak): begin (everything up to the detectors' warm-up), scen_run and
 * runner_wait as they like, end (stop and record), then free. */
int runner_begin(struct runner *r, const struct runner_config *cfg, char *err,
                 size_t errlen);
int runner_end(struct runner *r, char *err, size_t errlen);
void runner_free(struct runner *r);

/* runner_scen.c */
void scen_prepare_checks(struct runner *r);
void scen_run(struct runner *r, size_t idx);
/* Runs the launcher cleanup an interrupted scenario left for later. */
void scen_cleanup_pending(struct runner *r);
/*
 * Background work (the soak): benign scenario idx started through its
 * launcher beside whatever window is open, in run-dir folder dir (sandbox,
 * launcher.stderr) and the run's cgroup cgname (path into cg). Its pids are
 * the lab's ("background"), so no window takes them into its tree. 0 or
 * -errno. scen_bg_stop kills it (group, then cgroup) and runs its cleanup.
 */
int scen_bg_start(struct runner *r, size_t idx, const char *dir, const char *cgname,
                  pid_t *pid, char *cg, size_t cglen);
void scen_bg_stop(struct runner *r, size_t idx, pid_t pid, const char *cg,
                  const char *dir);

#endif
