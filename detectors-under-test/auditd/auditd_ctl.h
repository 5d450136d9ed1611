/*
 * auditd_ctl — drives Debian's audit tools for the auditd detector: reads
 * the kernel audit status and rules (auditctl -s / -l), starts a private
 * auditd (auditd -n -c DIR, logging into DIR) when none runs, installs the
 * detector's rules, and puts the host's rules, enabled flag and daemon back
 * as they were when it stops.
 *
 * Single-threaded. Nothing here prints; errors come back with a sentence.
 */
#ifndef AUDITD_CTL_H
#define AUDITD_CTL_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The rules installed, written as published hardening guides write them:
 * every execve (64- and 32-bit ABIs), and IPv4/IPv6 connect calls selected
 * by their address length (a2=16 / a2=28).
 */
extern const char *const auditd_ctl_rules[];

/* Parses `auditctl -s` output: enabled and pid. 0 or -EINVAL. */
int auditd_ctl_parse_status(const char *text, int *enabled, long *pid);

/*
 * Keeps from `auditctl -l` output the lines that are the host's rules (drops
 * "No rules", blank lines, and rules keyed minerlab_* that a killed run of
 * this detector left behind), in place. Returns the number of rules.
 */
size_t auditd_ctl_rules_only(char *text);

/*
 * 1 when rules (auditctl -l output) hold minerlab_* rules and pid (the
 * audit daemon) is a private auditd this detector started in another run
 * (its config dir is minerlab-auditd.*): that run is still going and its
 * rules must not be touched. 0 otherwise (leftovers of a killed run).
 */
int auditd_ctl_in_use(const char *rules, long pid, const char *proc_root);

struct auditd_ctl {
    int saved_enabled;
    long saved_pid;
    char *saved_rules; /* auditctl -l lines, rules only */
    pid_t daemon;      /* our auditd, 0 when the host's is used */
    char dir[256];     /* our auditd's config and log directory */
    char log[512];     /* the audit log to read */
    int rules_added;
};

/*
 * Saves the host's audit state, starts a private auditd when none runs
 * (log in a new temp dir) or uses host_log for a running one, and installs
 * the rules. 0, or -errno with a sentence in err (EPERM: the audit netlink
 * is not permitted here; ENOENT: auditctl/auditd missing; EBUSY: another
 * run's auditd detector is active). On failure
 * everything done so far is undone.
 */
int auditd_ctl_start(struct auditd_ctl *c, const char *host_log, char *err,
                     size_t errlen);
/* Removes the rules, restores the saved rules and enabled flag, stops our auditd. */
void auditd_ctl_stop(struct auditd_ctl *c);
/* "auditd 3.0.9" (from auditctl -v) into buf. */
void auditd_ctl_version(char *buf, size_t len);

#endif
