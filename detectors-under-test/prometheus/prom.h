/*
 * prom — the pieces of the Prometheus detector that do not run processes:
 * the minerlab-written configuration (prometheus.yml, alerting rules,
 * process-exporter's grouping), the parser of Prometheus's /api/v1/alerts
 * page, the "which pids are in this process group" lookup an operator does
 * with pgrep, a tiny loopback HTTP GET, and the version-line parser.
 *
 * Nothing here prints or exits; returns are 0 or -errno with a sentence in
 * err where there is an err.
 */
#ifndef PROM_H
#define PROM_H

#include <stddef.h>

/* What the rules say; the defaults are prom_rules_defaults'. */
struct prom_rules {
    double scrape_s;        /* scrape and rule-evaluation interval (15) */
    double for_s;           /* every rule's `for:` (60) */
    double host_cpu_pct;    /* HostHighCpuLoad: busy % of all CPUs (80) */
    double group_share;     /* ProcessGroupHighCpuShare: share of all CPUs (0.5) */
    double new_group_cores; /* NewProcessGroupSustainedCpu: cores (0.25) */
    double new_group_age_s; /* ...for a group whose oldest process is younger (600) */
};
void prom_rules_defaults(struct prom_rules *r);
/* The range of rate(): four scrape intervals, at least 30 s. */
double prom_rate_window_s(const struct prom_rules *r);
/* What the detector declares: `for:` plus the scrape interval. */
double prom_min_observation_s(const struct prom_rules *r);

/* The three files, written into dir. Ports are the loopback listen ports. */
int prom_write_rules(const char *path, const struct prom_rules *r, char *err,
                     size_t errlen);
int prom_write_config(const char *path, const char *rules_path,
                      const struct prom_rules *r, int node_port, int process_port,
                      char *err, size_t errlen);
int prom_write_process_config(const char *path, char *err, size_t errlen);

/* One entry of /api/v1/alerts. */
struct prom_alert {
    char name[64];      /* labels.alertname */
    char group[128];    /* labels.groupname ("" for host rules) */
    char state[16];     /* "firing", "pending" */
    char active_at[48]; /* activeAt, RFC 3339 */
    char value[48];     /* the expression's value when it last fired */
    char summary[256];  /* annotations.summary */
};
/*
 * Parses an /api/v1/alerts body into out (capacity max; *n gets the count,
 * silently capped). -EINVAL with the reason for a body that is not JSON, not
 * "status":"success", or has no data.alerts array; entries without an
 * alertname are skipped.
 */
int prom_parse_alerts(const char *body, size_t len, struct prom_alert *out, size_t max,
                      size_t *n, char *err, size_t errlen);

/*
 * pids under proc_root whose comm equals group (process-exporter's
 * {{.Comm}} grouping; comm is at most 15 bytes), ascending, into pids
 * (capacity max); returns the count found (may exceed max) or -errno.
 */
int prom_group_pids(const char *proc_root, const char *group, int *pids, size_t max);

/*
 * GET http://127.0.0.1:port/path with a timeout. *body (malloc'd, NUL-
 * terminated, caller frees) gets the body of a 200 answer. -ECONNREFUSED,
 * -ETIMEDOUT, -EPROTO (not 200; err holds the status line), -E2BIG (> 8 MiB).
 */
int prom_http_get(int port, const char *path, int timeout_ms, char **body, size_t *len,
                  char *err, size_t errlen);

/*
 * "prometheus, version 2.42.0+ds (branch: debian/sid, revision: ...)" ->
 * "prometheus 2.42.0+ds"; a line with an empty version takes the revision
 * ("process-exporter 0.7.10-3+b5"). -EINVAL when the line has no "version".
 */
int prom_parse_version_line(const char *line, char *out, size_t len);

/*
 * n (<= 8) distinct free loopback TCP ports, bound together and released.
 * 0 or -errno.
 */
int prom_free_ports(int *ports, size_t n);

#endif
