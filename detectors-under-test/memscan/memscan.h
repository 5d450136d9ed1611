/*
 * memscan — scans the memory of processes (/proc/PID/maps for shapes,
 * /proc/PID/mem for content) for miner evidence (mem_patterns.h), one
 * process at a time, within a byte budget per second and a CPU ceiling so
 * that it does not become the heaviest process on the host. Shared
 * file-backed mappings (libraries) are scanned once and remembered.
 *
 * Single-threaded; one state object per detector process.
 */
#ifndef MEMSCAN_H
#define MEMSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "det_proc.h"

struct memscan_config {
    struct det_common_opts common;
    double budget_mib_s; /* bytes read per second; default 32 */
    double max_cpu_pct;  /* own CPU ceiling, % of one core; default 8 */
    double
        max_region_mib; /* anonymous regions larger than this: shape only; default 64 */
    double
        max_file_mib; /* file-backed mappings larger than this are skipped; default 8 */
    double max_process_mib; /* stop reading one process after this; default 128 */
    double rescan_s;        /* scan a process again after; default 60 */
    double threshold;       /* score needed to alert; default 0.5 */
    double pid;             /* scan only this pid (0 = all) */
};

/* Fills defaults, then parses argv. 0, or -EINVAL with a sentence in err. */
int memscan_parse_args(int argc, char **argv, struct memscan_config *cfg, char *err,
                       size_t errlen);

struct memscan;
struct memscan *memscan_new(const struct memscan_config *cfg);
void memscan_free(struct memscan *ms);
/*
 * One tick: scans up to the budget (all pending processes with --once) and
 * emits an alert for each finished process with enough evidence. Returns
 * alerts written or -errno.
 */
int memscan_tick(struct memscan *ms);

/* Totals since start, for tests and the cost benchmark. */
struct memscan_stats {
    uint64_t bytes_read;
    uint64_t processes_done;
    uint64_t file_cache_hits;
    uint64_t mem_denied; /* processes whose memory could not be opened */
};
void memscan_get_stats(const struct memscan *ms, struct memscan_stats *out);

#endif
