/*
 * ya — the yara adapter's logic: which processes to scan (skipping its own
 * scanners and kernel threads, rate-limited), and turning the output of
 * `yara -s RULES PID` into memory-technique alerts, once per pid and rule.
 *
 * Threads: single-threaded.
 */
#ifndef YA_H
#define YA_H

#include <stddef.h>
#include <sys/types.h>

#define YA_MAX_RULES 32

struct ya_match {
    char rule[64];
    char evidence[160]; /* first "$id: data" line yara printed for the rule */
};

struct ya_result {
    int nmatches;
    struct ya_match m[YA_MAX_RULES];
    int scan_errors; /* lines like "error scanning 123: could not attach" */
    char error[160];
};

/* Feeds one line of `yara -s` output for pid into r. */
void ya_parse_line(struct ya_result *r, int pid, const char *line);

/*
 * 1 when pid should be scanned: not self, not one of skip[0..nskip), not a
 * kernel thread (no command line), not a yara process. Reads /proc.
 */
int ya_scannable(int pid, const int *skip, size_t nskip);

/* Process start time (clock ticks since boot, /proc/PID/stat field 22), 0 if gone. */
unsigned long long ya_start_time(int pid);
/* The process name (comm) into buf, "?" if gone. */
void ya_comm(int pid, char *buf, size_t len);

#endif
