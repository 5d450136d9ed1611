/*
 * alert_scan — the fast path for re-reading alerts.jsonl. The file is written
 * by the harness itself (jansson, compact), so most lines need only a
 * top-level walk to pull out ts, detector_name/detector, pid and flow.src/dst.
 * A full jansson parse of a million lines takes several seconds; this walk
 * is ~10x cheaper. Anything unusual (escapes in a needed string, nesting it
 * does not expect, malformed input) returns -1 and the caller falls back to
 * jansson, so results never depend on which path ran.
 */
#ifndef HX_ALERT_SCAN_H
#define HX_ALERT_SCAN_H

#include <stddef.h>

struct alert_fields {
    double ts, recv_ts; /* recv_ts 0 = absent */
    int has_ts;
    char technique[32]; /* empty when absent */
    int has_score;      /* a numeric `score` */
    double score;
    int pid;
    char detector[128];    /* detector_name, else detector */
    char src[80], dst[80]; /* empty when no flow */
};

/* 0 and the fields, or -1 when the line needs the full parser. */
int alert_scan(const char *line, size_t len, struct alert_fields *out);

#endif
