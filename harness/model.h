/*
 * model — what a run directory says happened, as the scorer needs it:
 * scenarios with their windows, process trees and connections (from
 * run.json + timeline.jsonl), and the detectors that ran.
 *
 * Built by rundir_load() from files only, or by hand in unit tests with the
 * model_add_* helpers. Single-threaded; the caller owns the model.
 */
#ifndef HX_MODEL_H
#define HX_MODEL_H

#include <stddef.h>

enum scen_status {
    ST_PLANNED,     /* never started (run cut short before it) */
    ST_RAN,         /* window opened and closed normally */
    ST_INTERRUPTED, /* window opened, harness stopped before its end */
    ST_SKIPPED,     /* launcher check said 77, or a requirement is missing */
    ST_FAILED,      /* launcher failed to start the workload */
};

struct model_conn {
    char *src, *dst; /* "ip:port" */
};

/* One process of a scenario's tree as the runner recorded it. */
struct model_proc {
    int pid, ppid;
    int announced; /* the launcher named it (ML-PID): the workload itself */
    int launcher;  /* the launcher process */
};

/* A process of the lab itself (harness, pool, detector, launcher helper). */
struct model_lab {
    int pid;
    char role[24]; /* "" = from `since` on, the pid is no longer the lab's */
    double since;  /* Unix time of the timeline record; 0 = always */
    size_t seq;    /* the order the records came in */
};

/* One 5-s slice of one miner's measured duty (timeline `duty_measured`). */
struct model_duty_slice {
    int pid;
    double start, end, pct, nominal_pct; /* nominal_pct: NAN when unknown */
};

struct model_expect {
    char *detector;
    int detect;
};

struct model_scenario {
    char *id, *title, *type, *reason;
    int malicious;
    unsigned duty_pct; /* nominal duty (ramp: its starting duty) */
    int has_ramp;
    unsigned ramp_to_pct;
    unsigned long logins, shares;    /* the pool saw the miner log in and share */
    unsigned long shares_unverified; /* of shares: accepted without a check */
    enum scen_status status;
    double start, end;  /* window, Unix seconds; 0 when never started */
    double miner_start; /* 0 = unknown, TTD then counts from start */
    int *pids;          /* the workload's pids, sorted after model_finish() */
    size_t npids, cap_pids;
    struct model_proc *procs; /* the raw tree (model_add_proc) */
    size_t nprocs, cap_procs;
    struct model_lab *lab; /* launcher + its helpers, sorted after model_finish() */
    size_t nlab, cap_lab;
    struct model_conn *conns;
    size_t nconns, cap_conns;
    struct model_expect *expect;
    size_t nexpect;
    /* Measured duty (cpumeter.c): the window value summed over the miners
     * (`duty_window`), has_measured_duty = 0 when none was measured. */
    int has_measured_duty;
    double measured_duty_pct;
    /* Workload CPU: the scenario cgroup's CPU time over the window, share of
     * the harness's cores (`scenario_end` cpu_pct); has_cpu = 0 unmeasured. */
    int has_cpu;
    double cpu_pct, cpu_s;
    struct model_duty_slice *slices; /* timeline order */
    size_t nslices, cap_slices;
};

struct model_detector {
    char *name, *cmd, *version;
    char *exit_desc;       /* "exit 1", "signal 11", NULL while running/clean */
    int crashed;           /* exited on its own before the harness stopped it */
    int hung;              /* ignored SIGTERM at the end and was killed */
    void *info;            /* json_t *: every info object it printed, merged */
    unsigned degraded;     /* degraded notices */
    char *degraded_reason; /* last one */
    unsigned long lines, alerts, invalid, dropped;
    double min_obs_s;      /* declared min_observation_s, -1 = none (or invalid) */
    char *min_obs_invalid; /* why the declared value was rejected, NULL = fine */
    /* Cost (timeline `detector_cost`; shards of a merged run add up). */
    int has_cost;
    double cpu_s, wall_s, peak_rss_mib; /* cpu_pct = cpu_s / wall_s * 100 */
};

struct model {
    char *dir, *run_id;
    double grace_s;
    double started, finished;
    int interrupted;
    struct model_scenario *scen;
    size_t nscen, cap_scen;
    struct model_detector *det;
    size_t ndet, cap_det;
    void *run_json;        /* json_t * of run.json (settings, versions, machine) */
    struct model_lab *lab; /* harness, watchdog, pool, detectors (+ children) */
    size_t nlab, cap_lab;
    char *
        tree_source; /* how process trees were followed: "proc-connector"/"proc-poll" */
};

struct model *model_new(double grace_s);
void model_free(struct model *m);

/* Adds a scenario (copied strings); returns it or NULL on ENOMEM. */
struct model_scenario *model_add_scenario(struct model *m, const char *id,
                                          const char *type, int malicious,
                                          unsigned duty_pct);
struct model_scenario *model_find_scenario(const struct model *m, const char *id);
/* Adds a workload pid directly (an announced process). */
int model_add_pid(struct model_scenario *s, int pid);
/*
 * Adds a process of the scenario's tree. role: "launcher", an announced
 * role (miner, workload, browser...), or how it was found (fork, child,
 * group, adopted). model_finish() splits the tree: announced pids and their
 * descendants are the workload; the launcher and its other children are
 * lab helpers. A tree that announces nothing is all workload but the launcher.
 */
int model_add_proc(struct model_scenario *s, int pid, int ppid, const char *role);
/* Adds a lab process of the whole run (harness, pool, detector...), learnt
 * at Unix time ts (timeline lab_pid); role NULL: from ts on, the pid is a
 * process outside the lab (timeline lab_pid_end: the pid was reused). */
int model_add_lab(struct model *m, int pid, const char *role, double ts);
/* An entry learnt up to this long after an alert still names what the
 * alert saw: a fork is read up to a scan period after it happened. Used by
 * the runner's live table too (runner_lab_role_at). */
#define MODEL_LAB_SLACK_S 1.0
/* The lab role pid had at Unix time ts (an alert's time): run-wide (the latest
 * entry learnt by ts + 1 s, else its first), or s's launcher/helpers when
 * s != NULL; NULL when none. */
const char *model_lab_role(const struct model *m, const struct model_scenario *s,
                           int pid, double ts);
/*
 * Validates a declared min_observation_s (info line value, any JSON type):
 * returns the seconds (0..86400), or -1 with the reason in why.
 */
double model_parse_min_obs(void *value, char *why, size_t whylen);
int model_add_conn(struct model_scenario *s, const char *src, const char *dst);
int model_add_expect(struct model_scenario *s, const char *detector, int detect);
/* Adds (or finds) a detector by name. */
struct model_detector *model_detector(struct model *m, const char *name);
/* Resolves trees and sorts pids; call once after building and before scoring. */
void model_finish(struct model *m);

/* 1 when pid is in the scenario's tree (binary search; needs model_finish). */
int model_has_pid(const struct model_scenario *s, int pid);
/* 1 when the flow (either direction) is one of the scenario's connections. */
int model_has_flow(const struct model_scenario *s, const char *src, const char *dst);

const char *model_status_name(enum scen_status st);

/*
 * Measured duty of the scenario's miners at Unix time t: the sum over its
 * miners of the slice that holds t (before the first slice: the first; after
 * the last: the last). NAN when nothing was measured. A ramp is credited at
 * model_duty_at(s, first detection ts).
 */
double model_duty_at(const struct model_scenario *s, double t);

/*
 * Applies one timeline record (a json_t * object) to m, as rundir_load does
 * for each line: a caller that follows a live timeline (the soak) builds its
 * model the same way. last_ts tracks the latest ts seen. 0 or -ENOMEM.
 */
int model_apply_event(struct model *m, void *record, double *last_ts);

/*
 * Reads DIR/run.json and DIR/timeline.jsonl into a new model. A missing
 * timeline or a truncated last line is fine (partial run). Returns 0, or
 * -errno with a message naming the file in err.
 */
int rundir_load(const char *dir, struct model **out, char *err, size_t errlen);

#endif
