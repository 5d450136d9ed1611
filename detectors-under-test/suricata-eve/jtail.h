/*
 * jtail — the shared half of the adapters for tools a team already runs
 * (Suricata EVE, Falco JSON): follows a JSON-lines file the way `tail -F`
 * does (waits for it to appear, follows appends, reopens it when it is
 * rotated or truncated), hands each line to an adapter's mapper, writes the
 * protocol alerts, and counts what was not an alert.
 *
 * Single-threaded.
 */
#ifndef JTAIL_H
#define JTAIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "det_alert.h"

/* An alert being built by a mapper, with storage for its strings. */
struct jtail_alert {
    struct det_alert a;
    struct det_flow flow;
    char proto[8], src[80], dst[80];
    char reason[768];
};

/*
 * Maps one parsed line: 1 when it is an alert (out filled), 0 when it is a
 * valid record of another kind (ignored), -EINVAL when it is not what the
 * format allows (counted as garbage).
 */
typedef int (*jtail_map_fn)(const json_t *obj, struct jtail_alert *out);

struct jtail_adapter {
    const char *detector;     /* "suricata-eve" */
    const char *what;         /* "Suricata EVE JSON", for messages */
    const char *tool;         /* "Suricata", the tool that writes the file */
    const char *env_file;     /* environment variable naming the file */
    const char *default_file; /* NULL: none */
    jtail_map_fn map;
};

struct jtail_counts {
    uint64_t lines, alerts, ignored, garbage, reopened;
};

/*
 * Feeds one line (without "\n") through the adapter: writes the alert
 * (ts defaults to now) and counts. Returns 1 for an alert, 0 otherwise,
 * -EIO when stdout is gone.
 */
int jtail_feed(const struct jtail_adapter *ad, const char *line, size_t len,
               struct jtail_counts *c);

/*
 * Runs an adapter detector: options --input FILE (or --file FILE),
 * --from-start (read the file from its beginning; default: only what is
 * appended after start, as `tail -F`, unless the file appears later),
 * --interval-ms N (poll period, default 200), --iface IFACE (ignored),
 * --once (read what is there and exit), --version, --needs (prints what it
 * needs to run by default: a file named, or the default file present).
 * Returns the exit code.
 */
int jtail_main(const struct jtail_adapter *ad, int argc, char **argv);

/* "2017-04-07T22:24:37.251547+0100" / "...Z" / "+01:00" to Unix seconds; < 0 on error.
 */
double jtail_parse_time(const char *s);

/* "ip:port" ("[v6]:port" for IPv6) into out. */
void jtail_endpoint(const char *ip, long port, char *out, size_t len);

#endif
