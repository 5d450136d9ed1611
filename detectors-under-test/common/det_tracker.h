/*
 * det_tracker — the two pieces of state every host detector keeps between
 * scans: a CPU-rate tracker (per pid or tid) and an alert memo (once per
 * pid and rule, with a cool-down). Not thread-safe per object; the
 * detectors are single-threaded.
 */
#ifndef DET_TRACKER_H
#define DET_TRACKER_H

#include <stddef.h>
#include <stdint.h>

/* Clock ticks per second (sysconf(_SC_CLK_TCK), 100 when unknown): the unit
 * of /proc's CPU times and of the tracker's samples. */
long det_proc_clk_tck(void);

/*
 * CPU history tracker: feed it one (id, start_ticks, total_ticks) sample per
 * tick for every process or thread watched; it keeps the last ring_cap
 * samples per id and answers averages in cores (1.0 = one core busy). An id
 * whose start_ticks changed (pid reuse) starts over. Entries not updated in
 * tick gen are dropped by det_cpu_tracker_sweep.
 */
struct det_cpu_tracker;
struct det_cpu_tracker *det_cpu_tracker_new(size_t ring_cap);
void det_cpu_tracker_free(struct det_cpu_tracker *t);
/*
 * Adds a sample taken at now_s (seconds, any clock used consistently).
 * When the id is new and seed_s >= 0, a pseudo-sample (seed_s, 0 ticks) is
 * put first so averages cover the process's lifetime (seed_s = its start
 * time). Returns 1 for a new id, 0 for a known one, -ENOMEM.
 */
int det_cpu_tracker_update(struct det_cpu_tracker *t, int id, uint64_t start_ticks,
                           uint64_t total_ticks, double now_s, double seed_s,
                           unsigned gen);
/*
 * Average CPU in cores from the newest sample at least window_s older than
 * the latest one, to the latest; window_s = 0 gives the last interval.
 * *span_s (may be NULL) gets the span used. < 0 when there is no such sample.
 */
double det_cpu_tracker_avg(const struct det_cpu_tracker *t, int id, double window_s,
                           double *span_s);
/*
 * Copies the samples of id, oldest first, into ts/ticks (capacity max).
 * Returns the count (0 for an unknown id).
 */
size_t det_cpu_tracker_samples(const struct det_cpu_tracker *t, int id, double *ts,
                               uint64_t *ticks, size_t max);
/* Drops entries whose last update was not in tick gen. */
void det_cpu_tracker_sweep(struct det_cpu_tracker *t, unsigned gen);

/*
 * Alert memo: det_memo_should_alert returns 1 (and records now_s) when
 * (pid, start_ticks, rule) has not alerted within cooldown_s, else 0.
 * rule is a short static string compared by content.
 */
struct det_memo;
struct det_memo *det_memo_new(double cooldown_s);
void det_memo_free(struct det_memo *m);
int det_memo_should_alert(struct det_memo *m, int pid, uint64_t start_ticks,
                          const char *rule, double now_s);

#endif
