/*
 * jsonl — append-only JSON Lines files that survive a crash: every record
 * is one compact line with sorted keys, flushed as it is written, so a run
 * killed half-way leaves readable files. A write error (full disk) is
 * reported once on stderr and counted; later records are still attempted.
 */
#ifndef HX_JSONL_H
#define HX_JSONL_H

#include <jansson.h>
#include <stdio.h>

struct jsonl {
    FILE *f;
    char path[4096];
    unsigned long written, failed;
};

/* Opens (creates or appends) path. 0 or -errno. */
int jsonl_open(struct jsonl *j, const char *path);
/* Writes o (reference stolen) as one line. 0 or -EIO. */
int jsonl_write(struct jsonl *j, json_t *o);
void jsonl_close(struct jsonl *j);

/*
 * Timeline record {"ts": now, "event": event, "scenario": scenario (when
 * non-NULL), ...fields}. fields (stolen) may be NULL.
 */
int timeline_event(struct jsonl *j, const char *event, const char *scenario,
                   json_t *fields);

#endif
