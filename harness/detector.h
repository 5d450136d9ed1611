/*
 * detector — one detector under test as the harness runs it: started in its
 * own process group, stdout read through a bounded line reader (8 KiB lines,
 * longer ones are cut and counted invalid), every line classified per
 * detectors-under-test/PROTOCOL.md, valid alerts appended to alerts.jsonl
 * with the harness's name for the detector, bad lines kept (first 100) in
 * detectors/<name>.invalid and counted.
 *
 * Single-threaded (the runner's loop).
 */
#ifndef HX_DETECTOR_H
#define HX_DETECTOR_H

#include <jansson.h>
#include <sys/types.h>

#include "cpumeter.h"
#include "jsonl.h"
#include "linereader.h"

#define DET_LINE_MAX 8192
#define DET_INVALID_KEEP 100
/* How long past the warm-up the harness waits for detectors that said
 * "ready": false (bpftrace attaching its probes). */
#define DET_READY_MAX_S 30.0
/* Bounded disk: info and degraded lines kept in the timeline per detector,
 * and bytes of its stderr file; beyond, they are counted as dropped. */
#define DET_NOTICES_KEEP 1000
#define DET_STDERR_MAX (16u << 20)

enum det_line_kind { DL_ALERT, DL_DEGRADED, DL_INFO, DL_INVALID, DL_OBSERVATION };

/*
 * Classifies one line (without its newline). For anything but DL_INVALID,
 * *out gets the parsed object (new reference); for DL_INVALID, why says
 * what is wrong ("ts missing", "technique 'cpu' unknown", ...).
 */
enum det_line_kind det_classify(const char *line, size_t len, json_t **out, char *why,
                                size_t whylen);

struct detector {
    char *name; /* as the harness knows it (report key) */
    char *cmd;  /* reference: executable path; external: shell command */
    int reference;
    const char *home_net; /* reference detectors get --home-net CIDR; NULL = none */
    pid_t pid;            /* 0 when not running */
    pid_t pgid;           /* its process group, kept after it exits */
    int out_fd;           /* stdout pipe, -1 when closed */
    int stopping;         /* the harness asked it to stop */
    /* Its stdout's lines (DET_LINE_MAX); set up by the first detector_drain. */
    struct linereader out_lines;
    /* It said "ready": false, and neither "ready": true nor degraded since. */
    int not_ready;
    unsigned long lines, alerts, invalid, dropped, max_alerts;
    unsigned long infos, degradeds, notices_dropped; /* info/degraded lines */
    unsigned long long stderr_dropped; /* bytes cut from the stderr file */
    char *err_path;                    /* its stderr file (O_APPEND) */
    double err_next_check;
    unsigned long observations, obs_dropped; /* "observation": true lines */
    FILE *invalid_f;
    struct cpum_cost cost; /* CPU time and peak RSS of its group (cpumeter) */
};

struct det_sink {
    struct jsonl *alerts;
    struct jsonl *timeline;
    struct jsonl *observations; /* NULL: observations are counted, not kept */
};

/*
 * Starts d. Reference detectors run as `cmd --iface IFACE [--home-net CIDR]`
 * (d->home_net: the victims' home net of the lab internet), external ones as
 * `/bin/sh -c cmd`; both get ML_IFACE=iface in envp (already set by the
 * caller). stderr goes to rundir/detectors/<name>.stderr. 0 or -errno with
 * the reason in err; a failed start is also recorded in the timeline.
 */
int detector_start(struct detector *d, const char *rundir, const char *iface,
                   char *const *envp, struct jsonl *timeline, char *err, size_t errlen);

/*
 * Reads up to budget bytes that are ready and processes complete lines.
 * Returns 1 when stdout reached EOF (fd closed), 0 otherwise.
 */
int detector_drain(struct detector *d, const struct det_sink *sink, size_t budget);

/* Cuts its stderr file back to DET_STDERR_MAX, counting what was cut
 * (at most twice a second; the event loop calls it for every detector). */
void detector_cap_stderr(struct detector *d);

/* Records the exit (wait status) in the timeline; unexpected unless stopping. */
void detector_exited(struct detector *d, int wstatus, struct jsonl *timeline);

/* Writes the detector_summary record (line/alert/invalid/dropped counts). */
void detector_summary(const struct detector *d, struct jsonl *timeline);

void detector_close(struct detector *d);

/* One /proc pass for every running detector's group (its cost), at most
 * once a second. */
void detector_cost_poll(struct detector *det, size_t n);
/*
 * The harness (a child subreaper) reaped pid, not a detector leader: when
 * the last sample saw it in a detector's group (a member orphaned when its
 * parent died), its rusage is added to that detector. 1 when it was one.
 */
int detector_cost_reaped_orphan(struct detector *det, size_t n, pid_t pid,
                                const struct rusage *ru);

#endif
