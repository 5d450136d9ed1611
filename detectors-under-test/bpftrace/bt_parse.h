/*
 * bt_parse — the output of the detector's bpftrace script to Sigma events.
 * The script prints, per execve or execveat entry, a line
 * "E PID UID PPID FILENAME" followed by bpftrace's join() of argv (arguments
 * separated by \x1f); after an execveat, "X PID" once the exec is done
 * (sched_process_exec); per connect entry "C4 PID IP PORT" or
 * "C6 PID IP PORT".
 *
 * Execs become process_creation events (Image = the file being executed,
 * CommandLine = argv joined with spaces, ProcessId, ParentProcessId, User,
 * ParentImage from the proc root). An execveat with an empty file name (as
 * fexecve makes) waits for its X line and takes Image from the proc root.
 * Connects become network_connection events (DestinationIp,
 * DestinationPort, Initiated, ProcessId, and the process's Image and
 * CommandLine from the proc root when it is still there).
 *
 * Single-threaded.
 */
#ifndef BT_PARSE_H
#define BT_PARSE_H

#include <stdint.h>

#include "sigma.h"

/* The bpftrace program (BPFTRACE_STRLEN=200 lets argv entries be 200 bytes).
 * Its BEGIN probe prints BT_READY_LINE. bpftrace triggers BEGIN after it has
 * attached the other probes: on bpftrace 0.17 here, a system() call made from
 * BEGIN shows up as an execve event, so from that line on execs are traced. */
#define BT_READY_LINE "minerlab-bpftrace-ready"
extern const char bt_script[];

typedef void (*bt_event_fn)(void *ctx, const struct sigma_event *ev, int pid);

struct bt_parser;
struct bt_parser *bt_parser_new(const char *proc_root, bt_event_fn fn, void *ctx);
void bt_parser_free(struct bt_parser *p);
/* One output line without "\n". */
void bt_parser_line(struct bt_parser *p, const char *line);
/* Emits an exec whose argv line has not come (at the end of the output). */
void bt_parser_flush(struct bt_parser *p);
/* Lines that were neither events nor argv lines. */
uint64_t bt_parser_garbage(const struct bt_parser *p);
uint64_t bt_parser_events(const struct bt_parser *p);

#endif
