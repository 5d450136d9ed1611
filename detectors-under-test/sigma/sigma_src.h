/*
 * sigma_src — the Sigma detectors' event sources and alerting: process
 * creation events built from /proc, outbound TCP connections from
 * /proc/net/tcp{,6} with their owning process, DNS queries and answers
 * parsed from captured packets, Linux audit log records, and the alert a
 * rule match turns into (shared by minerlab-det-sigma, -auditd, -bpftrace).
 *
 * Single-threaded; every object belongs to one detector.
 */
#ifndef SIGMA_SRC_H
#define SIGMA_SRC_H

#include <stddef.h>
#include <stdint.h>

#include "det_alert.h"
#include "det_proc.h"
#include "sigma.h"

/* Storage behind a process_creation event's field values. */
struct sigma_proc {
    char image[DET_PROC_PATH_MAX], cmdline[4096], comm[DET_PROC_COMM_MAX];
    char parent_image[DET_PROC_PATH_MAX], parent_cmdline[4096];
    char pid[16], ppid[16], user[64], cwd[DET_PROC_PATH_MAX];
    uint64_t start_ticks;
};

/*
 * Fills p and ev (kind process_creation: Image, CommandLine, ParentImage,
 * ParentCommandLine, ProcessId, ParentProcessId, User, CurrentDirectory,
 * comm) for pid under the proc root. 0, or -ENOENT when it is gone.
 */
int sigma_proc_event(const char *root, int pid, struct sigma_proc *p,
                     struct sigma_event *ev);

/* The fields of a DNS message: the first question and its A/AAAA answers. */
struct sigma_dns {
    char query[256], record_type[16], answer[512];
    int response;
    uint8_t addrs[8][16];
    int families[8];
    size_t naddrs;
};

/*
 * Parses a DNS message (UDP payload). 0, or -EINVAL for anything that is
 * not a well-formed message with one question.
 */
int sigma_dns_parse(const uint8_t *msg, size_t len, struct sigma_dns *out);
/* Fills a dns event (query, QueryName, record_type, answer) from d. */
void sigma_dns_event(const struct sigma_dns *d, struct sigma_event *ev);

/* Remembers which name resolved to which address (the last 512 answers). */
struct sigma_names;
struct sigma_names *sigma_names_new(void);
void sigma_names_free(struct sigma_names *n);
void sigma_names_add(struct sigma_names *n, const struct sigma_dns *d);
/* The name ip ("1.2.3.4" / "::1") was last resolved from, or NULL. */
const char *sigma_names_lookup(const struct sigma_names *n, const char *ip);

/*
 * Outbound TCP connections: each call reads ROOT/net/tcp{,6} and calls
 * fn(ctx, ev) once for every ESTABLISHED connection not seen before whose
 * local port is not a listening port (the host initiated it), with a
 * network_connection event (Image, CommandLine, ProcessId, User,
 * SourceIp/Port, DestinationIp/Port, DestinationHostname when names knows it,
 * Initiated, Protocol). The owning process is found through ROOT/PID/fd.
 */
struct sigma_conns;
struct sigma_conns *sigma_conns_new(const char *root);
void sigma_conns_free(struct sigma_conns *c);
int sigma_conns_poll(struct sigma_conns *c, const struct sigma_names *names,
                     void (*fn)(void *ctx, const struct sigma_event *ev), void *ctx);

/*
 * Linux audit log: lines are fed one at a time; the records of one event
 * (same serial) are collected until its EOE record or a new serial, then
 * each record becomes an auditd event (type plus every key=value, quoted
 * and hex-encoded values decoded), and an EXECVE event also becomes a
 * process_creation event (Image from the SYSCALL record's exe, CommandLine
 * from the arguments), and a connect SYSCALL with an AF_INET/AF_INET6
 * SOCKADDR a network_connection event. fn gets each; pid is the SYSCALL
 * record's pid (0 when none). Lines that are not audit records are counted.
 */
struct sigma_audit;
struct sigma_audit *sigma_audit_new(void (*fn)(void *ctx, const struct sigma_event *ev,
                                               int pid),
                                    void *ctx);
void sigma_audit_free(struct sigma_audit *a);
void sigma_audit_line(struct sigma_audit *a, const char *line);
/* Flushes the event being collected. */
void sigma_audit_flush(struct sigma_audit *a);
/*
 * Emits the events that got no record since the previous call (an event
 * whose EOE has not come: single-record events, or a log without EOE).
 * Call once per read of the log: an event is out within two reads.
 */
void sigma_audit_tick(struct sigma_audit *a);
uint64_t sigma_audit_garbage(const struct sigma_audit *a);
uint64_t sigma_audit_records(const struct sigma_audit *a);

/*
 * Alerting: one alert per (process or query, rule) within cooldown_s;
 * technique script for process/auditd rules, network for the others; pid
 * from the event's ProcessId (or the pid argument when > 0), flow from its
 * Source/Destination fields; score from the rule's level; reason names the
 * rule, its level and id, and the event's key field. DNS events carry the
 * querier's flow (SourceIp/Port → DestinationIp/Port, Protocol udp), so
 * their alerts name a socket rather than the host.
 */
struct sigma_alerter;
struct sigma_alerter *sigma_alerter_new(const char *detector, double cooldown_s);
void sigma_alerter_free(struct sigma_alerter *al);
/* Evaluates ev on rules and alerts; returns alerts written or -EIO. */
int sigma_alerter_eval(struct sigma_alerter *al, const struct sigma_ruleset *rules,
                       const struct sigma_event *ev, int pid);
/* Alerts, events evaluated and rule matches so far. */
void sigma_alerter_counts(const struct sigma_alerter *al, uint64_t *alerts,
                          uint64_t *events, uint64_t *matches);

/*
 * Loads the rules for a detector from the directory named by --rules, else
 * --input, else $ML_SIGMA_RULES, else the project's rules (*dir gets the one
 * used); every skipped rule goes to stderr as "file: reason". Returns the set
 * or NULL (err says why).
 */
struct sigma_ruleset *sigma_load_rules(const char *rules, const char *input,
                                       const char **dir, char *err, size_t errlen);

#endif
